import fc from 'fast-check';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/backends/opa/bundle.js';
import { evaluate } from '../../src/eval/evaluate.js';
import type { IrProgram } from '../../src/ir/types.js';
import { loadCorpora } from '../helpers/corpus.js';
import { asOpaDecodes, startOpaServer, type OpaServer } from '../helpers/opa.js';
import { canonical, requestArbitrary } from '../helpers/requests.js';
import { exampleIr, exampleNames } from '../helpers/repo.js';

/**
 * Decisions served by OPA's Wasm engine must never be corrupted (issue 8). OPA's Go engine reads a result after
 * it has handed the instance back to its pool, so a module whose result text a later evaluation can overwrite
 * answers some requests with spliced bytes (HTTP 500) or with another request's decision (HTTP 200). Before the
 * fix this test saw dozens of such answers per run; every answer must be HTTP 200 and equal to the reference.
 *
 * Per example: a real `opa run --server` on 127.0.0.1 (a directory bundle, watched), tens of thousands of posts
 * at 32 in flight to data.govc.wasm.decision, mixing the corpus, random requests and one request repeated with
 * distinct trace ids (same length, same path through the module: what turned a stale read into a wrong
 * decision). Every post that can carry a trace id gets a unique one, so an answer meant for another request is
 * caught. Meanwhile data is written and removed through the REST API (OPA patches every instance's data) and the
 * bundle is rewritten (OPA reloads it and builds new instances), both decision-neutral.
 */

const POSTS: Record<string, number> = { 'medinote-eu': 12_000, 'acme-support': 9_000, devpilot: 9_000 };
const IN_FLIGHT = 32;
const corpora = loadCorpora();
const work = mkdtempSync(join(tmpdir(), 'govc-opa-load-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The request mix of one example: corpus inputs, random requests, and one well-formed request to repeat. */
function requestsOf(name: string, ir: IrProgram): { mix: unknown[]; repeated: Record<string, unknown> } {
  const corpus = corpora.find((c) => c.example === name)!.cases.map((c) => c.input);
  const random = fc.sample(requestArbitrary(ir), { numRuns: 1500, seed: 8008 + name.length });
  const repeated = corpus.find((i) => isPlainObject(i) && evaluate(ir, i).allow) as Record<string, unknown>;
  // Names a decision repeats, holding a byte order mark (OPA's parser refuses a raw one in the result text), bidi
  // controls, or a lone surrogate (which OPA's decoder turns into U+FFFD).
  const odd = ['\u202e\u2066\ufeffx', '\ufeff', 'e\u202eu', 'm\ud800', '\u2069'].flatMap((s) => [
    { ...repeated, use_case: s },
    { ...repeated, region: s },
    { ...repeated, model: s },
    { ...repeated, data_classes: [s] },
    { ...repeated, tool: { name: s, scope: s } },
  ]);
  return { mix: [...corpus, ...random, ...odd], repeated };
}

/** Writes the bundle as a directory (so `--watch` can see it change); `marker` is data the policy never reads. */
function writeBundleDir(dir: string, ir: IrProgram, marker: number): void {
  for (const f of buildBundle(ir).files) {
    const path = join(dir, f.name);
    mkdirSync(dirname(path), { recursive: true });
    const data = f.name === '/data.json' ? Buffer.from(JSON.stringify({ govc: { ir, load_marker: marker } }) + '\n') : f.data;
    // Atomically, so the watcher never loads a half-written file.
    writeFileSync(`${path}.tmp`, data);
    renameSync(`${path}.tmp`, path);
  }
}

interface Failure {
  readonly seq: number;
  readonly status: number;
  readonly got: string;
  readonly want: string;
}

async function load(server: OpaServer, ir: IrProgram, requests: { mix: unknown[]; repeated: Record<string, unknown> }, posts: number): Promise<Failure[]> {
  const failures: Failure[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < posts) {
      const seq = next++;
      let input = seq % 2 === 0 ? requests.repeated : requests.mix[(seq >> 1) % requests.mix.length];
      if (isPlainObject(input) && (input.trace_id === undefined || typeof input.trace_id === 'string')) {
        input = { ...input, trace_id: `load-${String(seq).padStart(8, '0')}` };
      }
      const body = JSON.stringify({ input });
      // What OPA receives is JSON: compare with the reference on the same JSON as OPA decodes it (absent input is
      // no input).
      const sent = (asOpaDecodes(body) as { input?: unknown }).input;
      const want = canonical(evaluate(ir, sent));
      const res = await server.request('POST', '/v1/data/govc/wasm/decision', body);
      let got = res.text;
      if (res.status === 200) {
        try {
          got = canonical((JSON.parse(res.text) as { result?: unknown }).result);
        } catch {
          /* kept as text: a failure */
        }
      }
      if (res.status !== 200 || got !== want) failures.push({ seq, status: res.status, got: got.slice(0, 400), want: want.slice(0, 400) });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return failures;
}

/** Until `stop()`: PUT and DELETE data beside the bundle's root, and rewrite the bundle every two seconds. */
function churn(server: OpaServer, dir: string, ir: IrProgram): { stop(): Promise<{ writes: number; errors: string[] }> } {
  let running = true;
  let writes = 0;
  const errors: string[] = [];
  const rest = (async () => {
    for (let i = 0; running; i++) {
      const put = await server.request('PUT', `/v1/data/govc_load/k${i}`, JSON.stringify({ n: i, pad: 'x'.repeat(i % 200) }));
      if (put.status !== 204) errors.push(`PUT: ${put.status} ${put.text}`);
      if (i >= 3) {
        const del = await server.request('DELETE', `/v1/data/govc_load/k${i - 3}`);
        if (del.status !== 204) errors.push(`DELETE: ${del.status} ${del.text}`);
      }
      writes++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let marker = 0;
  const timer = setInterval(() => writeBundleDir(dir, ir, ++marker), 2000);
  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await rest;
      return { writes, errors };
    },
  };
}

describe("OPA's Wasm engine answers data.govc.wasm.decision under concurrent load exactly as the reference", () => {
  for (const name of exampleNames()) {
    const posts = POSTS[name] ?? 9_000;
    it(`${name}: ${posts} posts at ${IN_FLIGHT} in flight, with data writes and bundle reloads meanwhile, all HTTP 200 and equal`, async () => {
      const ir = exampleIr(name);
      const dir = join(work, name);
      writeBundleDir(dir, ir, 0);
      const server = await startOpaServer(dir, ['--watch']);
      try {
        const changes = churn(server, dir, ir);
        const failures = await load(server, ir, requestsOf(name, ir), posts);
        const { writes, errors } = await changes.stop();
        expect(errors).toEqual([]);
        expect(writes).toBeGreaterThan(10);
        // The reloads happened: OPA serves a marker written after the first.
        const marker = await server.request('GET', '/v1/data/govc/load_marker');
        expect((JSON.parse(marker.text) as { result?: number }).result).toBeGreaterThan(0);
        expect({ failures: failures.length, first: failures.slice(0, 3) }).toEqual({ failures: 0, first: [] });
      } finally {
        await server.stop();
      }
    }, 150_000);
  }
});
