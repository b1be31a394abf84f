import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loweredUseCase } from '../src/check/lower.js';
import { diffIr } from '../src/diff/diffIr.js';
import { decisionKey } from '../src/diff/findExample.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { compileFiles } from '../src/project/compile.js';
import { govFilesIn } from '../src/project/loadProgram.js';
import { REPO_ROOT } from './helpers/repo.js';

const AS_OF = '2026-11-26';

function compileExample(name: string): IrProgram {
  const dir = join(REPO_ROOT, 'examples', name);
  const r = compileFiles(govFilesIn(dir), { asOf: AS_OF, cwd: REPO_ROOT });
  if (!r.ir) throw new Error(`${name} does not compile`);
  return r.ir;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the edits below write into a deep copy of the IR */
type Edit = (ir: any, pick: (n: number) => number) => void;

const pickOf = <T,>(xs: readonly T[], pick: (n: number) => number): T => xs[pick(xs.length)]!;
const ucOf = (ir: any, pick: (n: number) => number): any => ir.use_cases[pickOf(Object.keys(ir.use_cases).sort(), pick)];
const modelOf = (ir: any, pick: (n: number) => number): any => ir.models[pickOf(Object.keys(ir.models).sort(), pick)];
const REGIONS = ['eu', 'us', 'apac'];
const DAYS = ['2026-01-01', '2026-11-26', '2027-01-15', '2027-06-30', '2027-12-31'];

/** Random edits of the program's meaning, each as the checker and lowering would write it in the IR. */
const EDITS: Readonly<Record<string, Edit>> = {
  none: () => undefined,
  budgetAmount: (ir, p) => {
    const uc = ucOf(ir, p);
    if (uc.budgets.length === 0) return;
    const b = pickOf(uc.budgets, p) as any;
    b.amount_micros = Math.max(1, Math.round(b.amount_micros * pickOf([0.5, 0.99, 1.01, 2], p)));
    const cap = uc.on_budget_exhausted?.degrade_to ? uc.on_budget_exhausted.cap_percent : 100;
    b.hard_limit_micros = Math.floor((b.amount_micros * cap) / 100);
    b.alert_thresholds_micros = (uc.budget_alerts?.thresholds_percent ?? []).map((t: number) => Math.floor((b.amount_micros * t) / 100));
  },
  dropModel: (ir, p) => {
    const uc = ucOf(ir, p);
    if (uc.models.length > 1) uc.models.splice(p(uc.models.length), 1);
  },
  swapModels: (ir, p) => {
    const uc = ucOf(ir, p);
    if (uc.models.length > 1) uc.models.reverse();
  },
  modelRegion: (ir, p) => {
    const m = modelOf(ir, p);
    const r = pickOf(REGIONS, p);
    m.regions = m.regions.includes(r) ? m.regions.filter((x: string) => x !== r) : [...m.regions, r];
  },
  revokeModel: (ir, p) => {
    modelOf(ir, p).status = 'revoked';
  },
  modelPrice: (ir, p) => {
    const m = modelOf(ir, p);
    m.price = { input_nanos_per_token: m.price.input_nanos_per_token * 10, output_nanos_per_token: m.price.output_nanos_per_token };
  },
  modelApproval: (ir, p) => {
    const m = modelOf(ir, p);
    if (m.approvals.length > 0) m.approvals[0].expires = pickOf(DAYS, p);
  },
  flowRedacted: (ir, p) => {
    const uc = ucOf(ir, p);
    const flows = Object.values(uc.data).filter((f: any) => f.action === 'allow') as any[];
    if (flows.length > 0) {
      const f = pickOf(flows, p);
      f.redacted = !f.redacted;
    }
  },
  flowProvider: (ir, p) => {
    const uc = ucOf(ir, p);
    const flows = Object.values(uc.data).filter((f: any) => f.action === 'allow' && f.providers.length > 0) as any[];
    if (flows.length > 0) pickOf(flows, p).providers.splice(0, 1);
  },
  flowDeny: (ir, p) => {
    const uc = ucOf(ir, p);
    const names = Object.keys(uc.data).sort();
    if (names.length > 0) {
      const n = pickOf(names, p);
      uc.data[n] = { action: 'deny', source: uc.data[n].source };
    }
  },
  flowRegions: (ir, p) => {
    const uc = ucOf(ir, p);
    const flows = Object.values(uc.data).filter((f: any) => f.action === 'allow') as any[];
    if (flows.length > 0) pickOf(flows, p).regions = [pickOf(REGIONS, p)];
  },
  classDefault: (ir, p) => {
    const c = ir.data_classes[pickOf(Object.keys(ir.data_classes).sort(), p)];
    c.default = pickOf(['allow', 'redact', 'deny'], p);
  },
  classResidency: (ir, p) => {
    const c = ir.data_classes[pickOf(Object.keys(ir.data_classes).sort(), p)];
    c.residency = c.residency.length > 0 ? [] : [pickOf(REGIONS, p)];
  },
  dropTool: (ir, p) => {
    const uc = ucOf(ir, p);
    const names = Object.keys(uc.tools).sort();
    if (names.length > 0) delete uc.tools[pickOf(names, p)];
  },
  toolScope: (ir, p) => {
    const uc = ucOf(ir, p);
    const names = Object.keys(uc.tools).sort();
    if (names.length > 0) uc.tools[pickOf(names, p)].scopes = ['x:*'];
  },
  toolHuman: (ir, p) => {
    const uc = ucOf(ir, p);
    const names = Object.keys(uc.tools).sort();
    if (names.length > 0) {
      const g = uc.tools[pickOf(names, p)];
      g.human_approval = !g.human_approval;
    }
  },
  rate: (ir, p) => {
    const uc = ucOf(ir, p);
    if (uc.rate_limits.length > 0) pickOf(uc.rate_limits, p).per_minute = pickOf([1, 59, 61, 100000], p);
  },
  retention: (ir, p) => {
    ucOf(ir, p).retention_days += pickOf([-1, 1], p);
  },
  logLevel: (ir, p) => {
    ucOf(ir, p).log.inputs = pickOf(['none', 'redacted', 'full'], p);
  },
  requireTrace: (ir) => {
    ir.org.require = { ...ir.org.require, trace_id: !ir.org.require.trace_id };
  },
  disclosure: (ir, p) => {
    ucOf(ir, p).disclosure = pickOf([null, 'Another text.'], p);
  },
  ucApproval: (ir, p) => {
    const uc = ucOf(ir, p);
    if (uc.approvals.length > 0) pickOf(uc.approvals, p).expires = pickOf(DAYS, p);
  },
  approvers: (ir, p) => {
    const uc = ucOf(ir, p);
    uc.required_approvers = pickOf([0, 1, 2, 3], p);
  },
  noDegrade: (ir, p) => {
    const uc = ucOf(ir, p);
    if (uc.on_budget_exhausted) uc.on_budget_exhausted = { ...uc.on_budget_exhausted, degrade_to: null };
    for (const b of uc.budgets) b.hard_limit_micros = b.amount_micros;
  },
  owner: (ir, p) => {
    ucOf(ir, p).owner = 'someone-else@example.com';
  },
};

/** The IR after an edit, with each use case's precomputed decision parts made again from its facts, as lowering does. */
function edited(ir: IrProgram, name: string, seed: readonly number[]): IrProgram {
  const copy = structuredClone(ir) as any;
  let i = 0;
  const pick = (n: number): number => (n <= 0 ? 0 : seed[i++ % seed.length]! % n);
  EDITS[name]!(copy, pick);
  for (const [n, uc] of Object.entries(copy.use_cases) as Array<[string, any]>) {
    const { decision: _d, ...facts } = uc;
    copy.use_cases[n] = loweredUseCase(facts, copy.prompts, copy.guardrails);
  }
  return copy as IrProgram;
}

function requestArb(ir: IrProgram): fc.Arbitrary<Record<string, unknown>> {
  const useCases = Object.keys(ir.use_cases).sort();
  const models = Object.keys(ir.models).sort();
  const classes = Object.keys(ir.data_classes).sort();
  const tools = Object.keys(ir.tools).sort();
  const scopes = [...new Set(Object.values(ir.tools).flatMap((t) => t.scopes)), 'x:y'];
  const amounts = [0, ...Object.values(ir.use_cases).flatMap((u) => u.budgets.flatMap((b) => [b.amount_micros - 5000, b.amount_micros, b.hard_limit_micros - 1000]))].filter((n) => n >= 0);
  const counter = fc.constantFrom(...amounts);
  return fc.record(
    {
      use_case: fc.constantFrom(...useCases),
      tenant: fc.constant('t1'),
      region: fc.constantFrom(...REGIONS),
      time: fc.constantFrom(...DAYS).map((d) => `${d}T10:00:00Z`),
      trace_id: fc.constant('t'),
      principal: fc.constant('svc:x'),
      model: fc.constantFrom(...models),
      data_classes: fc.subarray(classes, { maxLength: 2 }),
      tool: fc.record({ name: fc.constantFrom(...tools), scope: fc.constantFrom(...scopes), human_approved_by: fc.constant('h@example.com') }, { requiredKeys: ['name', 'scope'] }),
      tokens: fc.record({ input: fc.integer({ min: 0, max: 4000 }), output: fc.integer({ min: 0, max: 4000 }) }),
      spend: fc.record({
        use_case: fc.record({ month: counter, day: counter }),
        tenant: fc.record({ month: counter, day: counter }),
      }),
      rate: fc.record({
        use_case: fc.record({ requests: fc.integer({ min: 0, max: 700 }), tokens: fc.integer({ min: 0, max: 500_000 }) }),
        tenant: fc.record({ requests: fc.integer({ min: 0, max: 100 }), tokens: fc.integer({ min: 0, max: 50_000 }) }),
      }),
    },
    { requiredKeys: ['use_case', 'tenant', 'region', 'time', 'spend', 'rate', 'tokens'] },
  );
}

describe('govc diff: property — a program edit the reference can tell apart is never "no change"', () => {
  for (const example of ['acme-support', 'devpilot']) {
    const ir = compileExample(example);
    // The example's own corpus plus random requests over its names.
    const corpus = (JSON.parse(readFileSync(join(REPO_ROOT, 'examples', example, 'requests.json'), 'utf8')) as { cases: Array<{ input: Record<string, unknown> }> }).cases.map((c) => c.input);
    it(`${example}: random edits`, () => {
      let differing = 0;
      fc.assert(
        fc.property(fc.constantFrom(...Object.keys(EDITS)), fc.array(fc.nat(1000), { minLength: 4, maxLength: 4 }), fc.array(requestArb(ir), { minLength: 150, maxLength: 150 }), (name, seed, random) => {
          const after = edited(ir, name, seed);
          const d = diffIr(ir, after, { asOf: AS_OF, examples: false });
          const told = [...corpus, ...random].find((r) => decisionKey(evaluate(ir, r)) !== decisionKey(evaluate(after, r)));
          if (told !== undefined) {
            differing++;
            expect(d.summary.result, `edit ${name} changes the decision of ${JSON.stringify(told)}`).not.toBe('no_change');
          }
          if (name === 'none') expect(d.changes).toEqual([]);
        }),
        { numRuns: 80, seed: 12 },
      );
      // The property is not vacuous: most edits change some decision.
      expect(differing).toBeGreaterThan(30);
    });
  }
});
