import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import { programOf } from '../src/explain/ExplainProgram.js';
import { explainRequest, stepOf } from '../src/explain/explainRequest.js';
import type { IrProgram } from '../src/ir/types.js';
import { loadCorpora } from './helpers/corpus.js';
import { exampleIr, exampleNames } from './helpers/repo.js';
import { requestArbitrary } from './helpers/requests.js';

/**
 * The explanation agrees with the decision: its failing steps, found from its own comparisons, are exactly the
 * steps of the decision's deny reasons, and the decision it carries is `evaluate`'s, unchanged.
 */
function agree(ir: IrProgram, input: unknown): void {
  const e = explainRequest(programOf(ir, null), input);
  const decision = evaluate(ir, input);
  expect(e.decision).toEqual(decision);
  const denySteps = [...new Set(decision.decision === 'deny' ? decision.reasons.map(stepOf) : [])].sort((a, b) => a - b);
  const failed = e.steps.filter((s) => s.status === 'failed').map((s) => s.step);
  expect(failed, JSON.stringify({ input, reasons: decision.reasons, steps: e.steps.filter((s) => s.status === 'failed') })).toEqual(denySteps);
  // The steps come in the semantics' order, each at most once, and end with the result.
  const order = e.steps.map((s) => s.step);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(new Set(order).size).toBe(order.length);
  expect(order[order.length - 1]).toBe(11);
  // Every reason of the decision is shown under its step.
  expect(e.steps.flatMap((s) => s.reasons)).toHaveLength(decision.reasons.length);
}

describe('explain --request agrees with the reference evaluator', () => {
  const irs = new Map(exampleNames().map((n) => [n, exampleIr(n)]));
  for (const corpus of loadCorpora()) {
    it(`every case of ${corpus.example}'s corpus`, () => {
      const ir = irs.get(corpus.example)!;
      expect(corpus.cases.length).toBeGreaterThan(0);
      for (const c of corpus.cases) agree(ir, c.input);
    });
  }
  for (const name of exampleNames()) {
    it(`random requests on ${name}`, () => {
      const ir = irs.get(name)!;
      fc.assert(fc.property(requestArbitrary(ir), (input) => agree(ir, input)), { numRuns: 600, seed: 20261202 });
    });
  }

  it('shows the values each failing step compared', () => {
    const ir = irs.get('acme-support')!;
    const e = explainRequest(programOf(ir, null), {
      use_case: 'support_assistant',
      tenant: 't',
      region: 'apac',
      time: '2028-01-01T00:00:00Z',
      data_classes: ['pii'],
      tool: { name: 'refund', scope: 'refunds:write' },
    });
    const failed = e.steps.filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.step)).toEqual(e.decision.reasons.map(stepOf).filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b));
    const step3 = e.steps.find((s) => s.step === 3)!;
    expect(step3.checks.some((c) => /expired before 2028-01-01/.test(c.what) && c.source !== null)).toBe(true);
    const step6 = e.steps.find((s) => s.step === 6)!;
    expect(step6.checks.some((c) => c.denies && /region `apac` against model/.test(c.what))).toBe(true);
  });

  it('a malformed request fails at step 0 only, and text that is no JSON value is explained as no request', () => {
    const ir = irs.get('acme-support')!;
    const e = explainRequest(programOf(ir, null), { use_case: 'support_assistant' });
    expect(e.steps.map((s) => [s.step, s.status])).toEqual([
      [0, 'failed'],
      [11, 'passed'],
    ]);
    expect(e.decision.reasons[0]!.code).toBe('malformed_request');
    expect(explainRequest(programOf(ir, null), undefined).steps[0]!.status).toBe('failed');
  });
});
