#!/usr/bin/env node
// Benchmark of the TypeScript guards (to be wired into `npm run bench` by bench/run.mjs).
//
// For each size N (default 10, 1,000 and 10,000 use cases; programs from bench/generate.mjs), in a fresh Node
// process of its own (so one size's code, feedback and heap do not colour the next), it compiles the program, builds
// the guard files exactly as `govc build` does (guardsArtifacts: guards.ts, .mjs, .cjs and their declarations;
// timed), imports the ES module (guards.mjs, or the guards.js of an older build given with --dist), checks that the
// guards agree with the reference evaluator on the request mix of bench/requests.mjs, then measures:
//   decide   per-decision p50/p99 of the generated `decide` over the allow/degrade/deny mix (per-call timing with
//            the timer's own cost subtracted), and the batched mean; the median of --rounds rounds
//   floor    the same for a hand-written decision: a Map lookup and a few comparisons
//   invoke   `guard.invoke` overhead (the call itself is a no-op) with the memory store, and with Redis when
//            /usr/bin/redis-server exists (a throwaway server on 127.0.0.1)
// Prints a markdown table and writes out/bench/guards.json.
//
// Options: --sizes 10,1000,10000   --decisions 200000   --invokes 20000   --rounds 3   --dist DIR (default dist/)
// Requires a build (`npm run build`).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AS_OF, writeProgram } from './generate.mjs';
import { buildRequests } from './requests.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out', 'bench');
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
// Another build's dist/ (say, of the previous commit), to compare the two on the same machine.
const DIST = resolve(option('dist', join(ROOT, 'dist')));
const sizes = option('sizes', '10,1000,10000').split(',').map(Number);
const DECISIONS = Number(option('decisions', '200000'));
const INVOKES = Number(option('invokes', '20000'));
const ROUNDS = Number(option('rounds', '3'));
const ONLY = option('only', undefined);

if (!existsSync(join(DIST, 'runtime', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { compileFiles } = await import(pathToFileURL(join(DIST, 'project', 'compile.js')).href);
const { govFilesIn } = await import(pathToFileURL(join(DIST, 'project', 'loadProgram.js')).href);
const { evaluate } = await import(pathToFileURL(join(DIST, 'eval', 'evaluate.js')).href);
const { guardsArtifacts } = await import(pathToFileURL(join(DIST, 'backends', 'ts-guards', 'index.js')).href);
const runtime = await import(pathToFileURL(join(DIST, 'runtime', 'index.js')).href);

const hr = process.hrtime.bigint;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/** Per-call timings in ns, minus the median cost of timing nothing; plus the batched mean. */
function measure(fn, inputs, n) {
  const m = inputs.length;
  for (let i = 0; i < Math.min(n, 50_000); i++) fn(inputs[i % m]); // warm-up: let V8 optimise
  const empty = new Float64Array(20_000);
  for (let i = 0; i < empty.length; i++) {
    const t = hr();
    empty[i] = Number(hr() - t);
  }
  empty.sort();
  const overhead = pct(empty, 50);
  const samples = new Float64Array(n);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const x = inputs[i % m];
    const t = hr();
    const d = fn(x);
    samples[i] = Number(hr() - t) - overhead;
    if (d) sink++;
  }
  samples.sort();
  const t = hr();
  for (let i = 0; i < n; i++) if (fn(inputs[i % m])) sink++;
  const mean = Number(hr() - t) / n;
  return { p50_ns: Math.max(0, pct(samples, 50)), p99_ns: Math.max(0, pct(samples, 99)), mean_ns: mean, timer_overhead_ns: overhead, sink };
}

/** The floor: what a hand-written check costs (a Map lookup and a few comparisons). */
function floorDecide(ir) {
  const table = new Map(Object.values(ir.use_cases).map((u) => [u.name, { models: new Set(u.models), rpm: u.rate_limits[0]?.per_minute ?? Infinity, budget: u.budgets[0]?.amount_micros ?? Infinity }]));
  return (r) => {
    const u = table.get(r.use_case);
    if (u === undefined) return false;
    if (r.model !== undefined && !u.models.has(r.model)) return false;
    return (r.rate?.use_case?.requests ?? 0) < u.rpm && (r.spend?.use_case?.month ?? 0) < u.budget;
  };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  if (!existsSync('/usr/bin/redis-server')) return undefined;
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: true, maxRetriesPerRequest: 1, lazyConnect: true });
  for (let i = 0; i < 100; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { client, port, stop: () => (client.disconnect(), child.kill('SIGTERM')) };
}

/** The median (by p50) of ROUNDS measurements. */
function rounds(f) {
  const all = Array.from({ length: ROUNDS }, f).sort((a, b) => a.p50_ns - b.p50_ns);
  return { ...all[Math.floor(all.length / 2)], rounds_p50_ns: all.map((x) => x.p50_ns) };
}

async function measureInvoke(policy, requests, store, n) {
  const guard = runtime.createGuard(policy, { store, clock: () => Date.parse('2026-11-26T10:00:00Z'), detectDataClasses: false, keyPrefix: `bench-${Math.random()}:` });
  // Requests without counters: invoke supplies them. Spread over tenants so rates never bind.
  const inputs = requests.map((r, k) => {
    const { spend: _s, rate: _r, ...rest } = r;
    return { ...rest, tenant: `tenant-${k}`, tokens: { input: 10, output: 10 } };
  });
  const call = () => ({ usage: { input_tokens: 10, output_tokens: 10 } });
  for (let i = 0; i < Math.min(n, 2000); i++) await guard.invoke(inputs[i % inputs.length], call);
  const samples = new Float64Array(n);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const t = hr();
    const r = await guard.invoke(inputs[i % inputs.length], call);
    samples[i] = Number(hr() - t);
    if (r.ok) ok++;
  }
  samples.sort();
  return { p50_us: pct(samples, 50) / 1000, p99_us: pct(samples, 99) / 1000, allowed_share: ok / n };
}

async function runSize(n, redisPort) {
  const dir = mkdtempSync(join(tmpdir(), `govc-bench-guards-${n}-`));
  let redis;
  try {
    writeProgram(n, dir);
    const compiled = compileFiles(govFilesIn(dir), { asOf: AS_OF, cwd: dir });
    if (!compiled.ir) throw new Error(`program ${n} does not compile`);
    const ir = compiled.ir;
    // What `govc build` does for this target, timed.
    const t0 = hr();
    const files = guardsArtifacts(ir);
    const buildMs = Number(hr() - t0) / 1e6;
    const file = join(dir, 'guards.mjs');
    writeFileSync(file, (files['ts/guards.mjs'] ?? files['ts/guards.js']).replaceAll('"govc/runtime"', JSON.stringify(pathToFileURL(join(DIST, 'runtime', 'index.js')).href)));
    let t = hr();
    const mod = await import(pathToFileURL(file).href);
    const importMs = Number(hr() - t) / 1e6;
    const requests = buildRequests(ir, 2000);
    const mismatches = requests.filter((r) => JSON.stringify(mod.decide(r)) !== JSON.stringify(evaluate(ir, r))).length;
    if (mismatches > 0) throw new Error(`${mismatches} guard decisions differ from the reference at N=${n}`);
    const kinds = Object.fromEntries(['allow', 'degrade', 'deny'].map((k) => [k, requests.filter((r) => mod.decide(r).decision === k).length / requests.length]));
    const floorFn = floorDecide(ir);
    const guards = rounds(() => measure(mod.decide, requests, DECISIONS));
    const floor = rounds(() => measure(floorFn, requests, DECISIONS));
    const memory = await measureInvoke(mod.policy, requests, new runtime.MemoryStore(), INVOKES);
    let viaRedis = null;
    if (redisPort) {
      const { Redis } = await import('ioredis');
      redis = new Redis({ host: '127.0.0.1', port: Number(redisPort), enableOfflineQueue: true, maxRetriesPerRequest: 1 });
      viaRedis = await measureInvoke(mod.policy, requests, new runtime.RedisStore(redis), Math.min(INVOKES, 5000));
    }
    const sizes = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.length]));
    return { use_cases: n, source_bytes: sizes['ts/guards.ts'], files_bytes: sizes, build_ms: buildMs, import_ms: importMs, heap_mb: process.memoryUsage().heapUsed / 1e6, mix: kinds, guards, floor, invoke_memory: memory, invoke_redis: viaRedis };
  } finally {
    redis?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (ONLY !== undefined) {
  // A child: one size, its result as JSON on stdout.
  process.stdout.write(JSON.stringify(await runSize(Number(ONLY), process.env.GOVC_BENCH_REDIS_PORT)) + '\n');
  process.exit(0);
}

const results = [];
const redis = await startRedis();
try {
  for (const n of sizes) {
    const args = [fileURLToPath(import.meta.url), '--only', String(n), '--decisions', String(DECISIONS), '--invokes', String(INVOKES), '--rounds', String(ROUNDS), '--dist', DIST];
    const out = execFileSync(process.execPath, args, { env: { ...process.env, GOVC_BENCH_REDIS_PORT: redis ? String(redis.port) : '' }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    const row = JSON.parse(out.toString());
    results.push(row);
    console.error(`N=${n}: guards p50 ${row.guards.p50_ns.toFixed(0)} ns (rounds ${row.guards.rounds_p50_ns.map((x) => x.toFixed(0)).join(', ')}), floor p50 ${row.floor.p50_ns.toFixed(0)} ns, build ${row.build_ms.toFixed(0)} ms`);
  }
} finally {
  redis?.stop();
}

const f = (x) => (x === null || x === undefined ? '—' : x.toFixed(x < 10 ? 2 : 0));
console.log('| use cases | guards p50 (ns) | guards p99 (ns) | guards mean (ns) | floor p50 (ns) | floor p99 (ns) | floor mean (ns) | invoke, memory p50/p99 (µs) | invoke, Redis p50/p99 (µs) | guards.ts size | build guards (ms) | import (ms) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.use_cases.toLocaleString('en')} | ${f(r.guards.p50_ns)} | ${f(r.guards.p99_ns)} | ${f(r.guards.mean_ns)} | ${f(r.floor.p50_ns)} | ${f(r.floor.p99_ns)} | ${f(r.floor.mean_ns)} | ${f(r.invoke_memory.p50_us)} / ${f(r.invoke_memory.p99_us)} | ${r.invoke_redis ? `${f(r.invoke_redis.p50_us)} / ${f(r.invoke_redis.p99_us)}` : '—'} | ${(r.source_bytes / 1e6).toFixed(2)} MB | ${f(r.build_ms)} | ${f(r.import_ms)} |`,
  );
}
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'guards.json'), JSON.stringify({ node: process.version, decisions: DECISIONS, invokes: INVOKES, rounds: ROUNDS, results }, null, 2) + '\n');
