import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../src/backends/opa/bundle.js';
import { policyWasm } from '../src/backends/wasm/index.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { loadCorpora } from './helpers/corpus.js';
import { loadGuards } from './helpers/guards.js';
import { startOpaServer, type OpaServer } from './helpers/opa.js';
import { asSent, canonical, requestArbitrary } from './helpers/requests.js';
import { exampleIr, exampleNames } from './helpers/repo.js';

/**
 * The product's promise, tested in one place: the same request gets the same decision from every target (Rego in
 * OPA, govc's Wasm in OPA and in the JS SDK, the generated TypeScript guards). Each
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

async function targetsFor(name: string, ir: IrProgram): Promise<Target[]> {
  const bundle = join(work, `${name}.tar.gz`);
  writeFileSync(bundle, buildBundle(ir).tarGz);
  const server = await startOpaServer(bundle);
  servers.push(server);
  const guards = await loadGuards(ir, `differential-${name}`);
  const policy: LoadedPolicy = await loadPolicy(policyWasm());
  policy.setData({ govc: { ir } });
  const post = async (path: string, input: unknown): Promise<unknown> => {
    const res = await fetch(`${server.url}/v1/data/${path}`, { method: 'POST', body: JSON.stringify({ input }) });
    return ((await res.json()) as { result?: unknown }).result;
  };
  return [
    { name: 'rego (opa server)', decide: (input) => post('govc/decision', input) },
    { name: 'wasm (opa server, wasm engine)', decide: (input) => post('govc/wasm/decision', input) },
    { name: 'wasm (js sdk)', decide: async (input) => (policy.evaluate(input, 'govc/wasm/decision') as Array<{ result: unknown }>)[0]?.result },
    { name: 'typescript guards', decide: async (input) => guards.decideUnknown(input) },
  ];
}


beforeAll(async () => {
  for (const name of exampleNames()) targetsByExample.set(name, await targetsFor(name, exampleIr(name)));
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
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
});
