import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import fc from 'fast-check';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../src/backends/opa/bundle.js';
import { policyWasm } from '../src/backends/wasm/index.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { loadCorpora } from './helpers/corpus.js';
import { loadGuards } from './helpers/guards.js';
import { startServe, type GovcServe } from './gateways/govcServe.js';
import { startOpaServer, type OpaServer } from './helpers/opa.js';
import { startPythonEngine, type PythonEngine } from './helpers/pythonEngine.js';
import { asSent, canonical, requestArbitrary } from './helpers/requests.js';
import { exampleIr, exampleNames } from './helpers/repo.js';

/**
 * The product's promise, tested in one place: the same request gets the same decision from every target (Rego in
 * OPA, govc's Wasm in OPA and in the JS SDK, the generated TypeScript guards, the gateways' Python engine, `govc
 * serve`'s OPA-compatible endpoint on the same bundle). Each
 * target answers every corpus case and thousands of random requests; the reference evaluator is the oracle, and a
 * mismatch shrinks to a minimal counterexample naming the target.
 */
interface Target {
  readonly name: string;
  decide(input: unknown): Promise<unknown>;
}

const work = mkdtempSync(join(tmpdir(), 'govc-diff-'));
const corpora = loadCorpora();
const targetsByExample = new Map<string, Target[]>();
const servers: OpaServer[] = [];
const pythons: PythonEngine[] = [];
const serves: GovcServe[] = [];

async function targetsFor(name: string, ir: IrProgram): Promise<Target[]> {
  const bundle = join(work, `${name}.tar.gz`);
  writeFileSync(bundle, buildBundle(ir).tarGz);
  const server = await startOpaServer(bundle);
  servers.push(server);
  const guards = await loadGuards(ir, `differential-${name}`);
  const policy: LoadedPolicy = await loadPolicy(policyWasm());
  policy.setData({ govc: { ir } });
  // The LiteLLM guardrail's decision: govc_engine.py on the program's govc_policy.py, one Python process.
  const python = await startPythonEngine(ir);
  pythons.push(python);
  // `govc serve` on a built folder holding the very bundle OPA runs (opa/bundle.tar.gz) and the IR beside it, as
  // `govc build --out` lays them out; answering as OPA does (`{"result": ...}`); no reloads.
  const built = join(work, name);
  mkdirSync(join(built, 'opa'), { recursive: true });
  copyFileSync(bundle, join(built, 'opa', 'bundle.tar.gz'));
  writeFileSync(join(built, 'ir.json'), JSON.stringify(ir));
  const serve = await startServe(built, { args: ['--poll', '0'] });
  serves.push(serve);
  const post = async (path: string, input: unknown): Promise<unknown> => {
    const res = await fetch(`${server.url}/v1/data/${path}`, { method: 'POST', body: JSON.stringify({ input }) });
    return ((await res.json()) as { result?: unknown }).result;
  };
  return [
    { name: 'rego (opa server)', decide: (input) => post('govc/decision', input) },
    { name: 'wasm (opa server, wasm engine)', decide: (input) => post('govc/wasm/decision', input) },
    { name: 'wasm (js sdk)', decide: async (input) => (policy.evaluate(input, 'govc/wasm/decision') as Array<{ result: unknown }>)[0]?.result },
    { name: 'typescript guards', decide: async (input) => guards.decideUnknown(input) },
    { name: 'python engine (litellm)', decide: (input) => python.decide(input) },
    {
      name: 'govc serve (opa api)',
      decide: async (input) => {
        const a = await serve.request('POST', '/v1/data/govc/decision', JSON.stringify({ input }));
        if (a.status !== 200) throw new Error(`govc serve answered ${a.status}: ${a.text}`);
        return (JSON.parse(a.text) as { result?: unknown }).result;
      },
    },
  ];
}


beforeAll(async () => {
  for (const name of exampleNames()) targetsByExample.set(name, await targetsFor(name, exampleIr(name)));
}, 120_000);

afterAll(async () => {
  await Promise.all([...servers.map((s) => s.stop()), ...pythons.map((p) => p.stop()), ...serves.map((s) => s.stop())]);
  rmSync(work, { recursive: true, force: true });
});

describe('every target decides as the reference evaluator', () => {
  for (const corpus of corpora) {
    it(`${corpus.example}: the whole conformance corpus`, async () => {
      const ir = exampleIr(corpus.example);
      for (const target of targetsByExample.get(corpus.example)!) {
        for (const c of corpus.cases) {
          const sent = asSent(c.input);
          const got = await target.decide(sent);
          expect([target.name, c.description, canonical(got)]).toEqual([target.name, c.description, canonical(evaluate(ir, sent))]);
        }
      }
    });
  }

  for (const name of exampleNames()) {
    it(`${name}: random requests, valid and malformed (property-based, shrinking on mismatch)`, async () => {
      const ir = exampleIr(name);
      const targets = targetsByExample.get(name)!;
      await fc.assert(
        fc.asyncProperty(requestArbitrary(ir), async (input) => {
          const sent = asSent(input);
          const want = canonical(evaluate(ir, sent));
          for (const target of targets) expect([target.name, canonical(await target.decide(sent))]).toEqual([target.name, want]);
        }),
        { numRuns: 1500, seed: 20261126 + name.length },
      );
    }, 300_000);
  }

  // Language v2: budget alerts (step 10) arise only on allowed requests whose spend sits just below a threshold, which
  // random requests almost never are; so the corpus's allows and degrades, with one budget's spend moved around one
  // of its alert thresholds and the token counts varied (the cost decides whether the threshold is reached).
  for (const corpus of corpora) {
    const ir = exampleIr(corpus.example);
    const alerting = Object.values(ir.use_cases).filter((u) => u.budget_alerts !== null);
    if (alerting.length === 0) continue;
    it(`${corpus.example}: requests around budget-alert thresholds`, async () => {
      const bases = corpus.cases.map((c) => c.input as Record<string, any>).filter((x) => alerting.some((u) => u.name === x?.use_case) && evaluate(ir, x).allow);
      const targets = targetsByExample.get(corpus.example)!;
      const arbitrary = fc.record({
        base: fc.constantFrom(...bases),
        budget: fc.nat(),
        threshold: fc.nat(),
        delta: fc.integer({ min: -10_000, max: 100 }),
        input: fc.integer({ min: 0, max: 5_000 }),
        output: fc.integer({ min: 0, max: 2_000 }),
      });
      let crossed = 0;
      await fc.assert(
        fc.asyncProperty(arbitrary, async ({ base, budget, threshold, delta, input: tin, output }) => {
          const uc = ir.use_cases[base.use_case]!;
          const b = uc.budgets[budget % uc.budgets.length]!;
          const t = b.alert_thresholds_micros[threshold % b.alert_thresholds_micros.length]!;
          const r = structuredClone(base);
          r.tokens = { input: tin, output };
          r.spend = { ...r.spend, [b.scope]: { ...r.spend?.[b.scope], [b.period]: Math.max(0, t + delta) } };
          const reference = evaluate(ir, r);
          if ((reference.obligations?.alerts.length ?? 0) > 0) crossed++;
          const want = canonical(reference);
          for (const target of targets) expect([target.name, canonical(await target.decide(r))]).toEqual([target.name, want]);
        }),
        { numRuns: 400, seed: 20261202 },
      );
      // Not vacuous: a good share of the requests carry an alert.
      expect(crossed).toBeGreaterThan(40);
    }, 300_000);
  }
});
