#!/usr/bin/env node
// Focused benchmark of `guard.invoke` against `decide` on the same plain request (the acme-support example).
//
// invoke's cost over decide is the runtime's own work: snapshotting and inspecting the request, detecting data
// classes, reading and reserving counters (memory store here, so no network), redacting, settling, and the log
// entry. It prints p50/p99 per call and the ratio invoke p50 / decide p50 for:
//   decide           the generated decide on the request with the counters invoke would supply
//   invoke           memory store, detectors on, no log sink
//   invoke-nodetect  memory store, detectDataClasses: false
//   invoke-log       memory store, detectors on, a MemoryDecisionLog (entries dropped as they come)
// Options: --n 20000 (timed calls per variant)   --rounds 3 (median by p50)   --dist DIR (default dist/)
// Requires a build (`npm run build`).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
// Another build's dist/ (say, of the previous commit) to compare with, run alternately on the same machine.
const DIST = option('dist', join(ROOT, 'dist'));
const N = Number(option('n', '20000'));
const ROUNDS = Number(option('rounds', '3'));

const runtime = await import(pathToFileURL(join(DIST, 'runtime', 'index.js')).href);
const { guardsArtifacts } = await import(pathToFileURL(join(DIST, 'backends', 'ts-guards', 'index.js')).href);
const ir = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'examples', 'acme-support', 'ir.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'govc-bench-invoke-'));
const file = join(dir, 'guards.mjs');
// The ES module (`guards.js` in a build before `guards.mjs`, given with --dist).
const artifacts = guardsArtifacts(ir);
writeFileSync(file, (artifacts['ts/guards.mjs'] ?? artifacts['ts/guards.js']).replaceAll('"govc/runtime"', JSON.stringify(pathToFileURL(join(DIST, 'runtime', 'index.js')).href)));
const mod = await import(pathToFileURL(file).href);
rmSync(dir, { recursive: true, force: true });

const hr = process.hrtime.bigint;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const T0 = Date.parse('2026-11-26T10:00:00Z');

// A typical chat request: two short messages, no data class in them, tenants spread so no rate limit binds.
const TENANTS = 500;
const requests = Array.from({ length: TENANTS }, (_, k) => ({
  use_case: 'support_assistant',
  tenant: `tenant-${k}`,
  region: 'eu',
  trace_id: `trace-${k}`,
  tokens: { input: 300, output: 200 },
  input: {
    messages: [
      { role: 'system', content: 'You are the support assistant of Acme. Answer briefly and politely, and cite the help centre.' },
      { role: 'user', content: `My order ${100000 + k} has not arrived yet; it was due on Monday. Can you check where it is?` },
    ],
  },
}));
const time = new Date(T0).toISOString();
const zero = { month: 0, day: 0 };
const decideInputs = requests.map(({ input: _i, ...r }) => ({ ...r, time, spend: { use_case: zero, tenant: zero }, rate: { use_case: { requests: 0, tokens: 0 }, tenant: { requests: 0, tokens: 0 } } }));

/** The median cost of timing nothing, subtracted from every sample. */
function timerOverhead() {
  const empty = new Float64Array(20_000);
  for (let i = 0; i < empty.length; i++) {
    const t = hr();
    empty[i] = Number(hr() - t);
  }
  return pct(empty.sort(), 50);
}

function timeDecide() {
  for (let i = 0; i < 50_000; i++) mod.decide(decideInputs[i % TENANTS]);
  const overhead = timerOverhead();
  const samples = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t = hr();
    mod.decide(decideInputs[i % TENANTS]);
    samples[i] = Math.max(0, Number(hr() - t) - overhead);
  }
  const c = process.cpuUsage();
  for (let i = 0; i < N; i++) mod.decide(decideInputs[i % TENANTS]);
  samples.cpu = cpuSince(c) / N;
  return samples.sort();
}

/** CPU time (user + system) of this process since `c`, in ns: what a loaded machine's waiting does not inflate. */
function cpuSince(c) {
  const d = process.cpuUsage(c);
  return (d.user + d.system) * 1000;
}

async function timeInvoke(options) {
  let n = 0;
  // One second per call: 60 calls a minute on the use case, far under its limits; periods stay the same day.
  const clock = () => T0 + (n++ % 36_000) * 1000;
  const guard = runtime.createGuard(mod.policy, { clock, ...options });
  const call = () => ({ usage: { input_tokens: 300, output_tokens: 100 } });
  for (let i = 0; i < Math.min(N, 5000); i++) await guard.invoke(requests[i % TENANTS], call);
  const overhead = timerOverhead();
  const samples = new Float64Array(N);
  let ok = 0;
  for (let i = 0; i < N; i++) {
    const t = hr();
    const r = await guard.invoke(requests[i % TENANTS], call);
    samples[i] = Math.max(0, Number(hr() - t) - overhead);
    if (r.ok) ok++;
  }
  if (ok !== N) throw new Error(`only ${ok} of ${N} invokes were allowed`);
  const c = process.cpuUsage();
  for (let i = 0; i < N; i++) await guard.invoke(requests[i % TENANTS], call);
  const sorted = samples.sort();
  sorted.cpu = cpuSince(c) / N;
  return sorted;
}

const median = async (f) => {
  const all = [];
  for (let r = 0; r < ROUNDS; r++) all.push(await f());
  all.sort((a, b) => pct(a, 50) - pct(b, 50));
  return all[Math.floor(all.length / 2)];
};

const sink = { write() {} };
const variants = {
  decide: () => timeDecide(),
  invoke: () => timeInvoke({}),
  'invoke-nodetect': () => timeInvoke({ detectDataClasses: false }),
  'invoke-log': () => timeInvoke({ log: sink }),
};
const results = {};
for (const [name, f] of Object.entries(variants)) results[name] = await median(f);
const d50 = pct(results.decide, 50);
const dcpu = results.decide.cpu;
console.log('| variant | p50 (µs) | p99 (µs) | p50 / decide p50 | CPU per call (µs) | CPU / decide CPU |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, s] of Object.entries(results)) {
  console.log(`| ${name} | ${(pct(s, 50) / 1000).toFixed(2)} | ${(pct(s, 99) / 1000).toFixed(2)} | ${(pct(s, 50) / d50).toFixed(1)}× | ${(s.cpu / 1000).toFixed(2)} | ${(s.cpu / dcpu).toFixed(1)}× |`);
}
