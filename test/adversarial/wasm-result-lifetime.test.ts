import { describe, expect, it } from 'vitest';
import { policyWasm } from '../../src/backends/wasm/index.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { loadCorpora } from '../helpers/corpus.js';
import { goHostVm } from '../helpers/opa.js';
import { canonical } from '../helpers/requests.js';
import { exampleIr } from '../helpers/repo.js';

/**
 * The deterministic half of test/adversarial/opa-wasm-concurrency.test.ts: OPA's Go engine reads a result after
 * the instance has gone back to its pool (vm.go Eval returns a view of linear memory; opa.go Eval releases the
 * instance before its caller copies it), so a result must survive the evaluations that follow on its instance.
 * The module keeps every result in a ring below the heap base; hundreds of later evaluations, data updates and
 * inputs of any size leave it intact. Before the ring, the very next evaluation overwrote it.
 */

const corpus = loadCorpora().find((c) => c.example === 'medinote-eu')!;
const ir = exampleIr('medinote-eu');
const dataJson = JSON.stringify({ govc: { ir } });
const objects = corpus.cases.map((c) => c.input).filter((i): i is Record<string, unknown> => i !== null && typeof i === 'object' && !Array.isArray(i));

/** A request made unique by its trace id (same length for every n): what OPA saw as a wrong decision. */
const request = (n: number): Record<string, unknown> => ({ ...objects[n % objects.length]!, trace_id: `t-${String(n).padStart(8, '0')}` });
const bytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
/** The Rego-syntax result set `{{"result": d}}` of format 1, as the decision d. */
const decisionOf = (text: string): unknown => (JSON.parse(text.slice(1, -1)) as { result: unknown }).result;

describe('a result outlives the evaluations after it on the same instance (OPA reads it late)', () => {
  it('300 later evaluations, with data updates between them, leave every one of their results readable and right', async () => {
    const vm = await goHostVm(policyWasm(), { json: dataJson });
    const kept: Array<{ at: { addr: number; len: number }; text: string; n: number }> = [];
    for (let n = 0; n < 300; n++) {
      const at = vm.eval(bytes(request(n)));
      kept.push({ at, text: vm.read(at), n });
      if (n % 50 === 49) expect(vm.setDataPath(['extra', `k${n}`], { n, pad: 'x'.repeat(n) })).toBe(0);
      if (n % 50 === 0 && n > 0) expect(vm.removeDataPath(['extra', `k${n - 1}`])).toBe(0);
    }
    for (const k of kept) {
      expect([k.n, vm.read(k.at)]).toEqual([k.n, k.text]);
      expect(canonical(decisionOf(k.text))).toBe(canonical(evaluate(ir, request(k.n))));
    }
  });

  it('a large input (the host writes it where the heap starts) does not reach earlier results', async () => {
    const vm = await goHostVm(policyWasm(), { json: dataJson });
    const first = vm.eval(bytes(request(1)));
    const text = vm.read(first);
    vm.eval(bytes({ ...request(2), padding: 'p'.repeat(4 << 20) }));
    expect(vm.read(first)).toBe(text);
  });

  it('instances seeded from another\'s data segment (OPA\'s pool; globals are not copied) decide alike', async () => {
    const first = await goHostVm(policyWasm(), { json: dataJson });
    for (let n = 0; n < 20; n++) first.eval(bytes(request(n)));
    expect(first.setDataPath(['extra'], { a: 1 })).toBe(0);
    const second = await goHostVm(policyWasm(), { segment: first.dataSegment() });
    const third = await goHostVm(policyWasm(), { segment: second.dataSegment() });
    for (let n = 0; n < objects.length * 2; n++) {
      const want = canonical(evaluate(ir, request(n)));
      for (const vm of [first, second, third]) expect([n, canonical(decisionOf(vm.read(vm.eval(bytes(request(n))))))]).toEqual([n, want]);
    }
  });
});
