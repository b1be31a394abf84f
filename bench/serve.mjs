#!/usr/bin/env node
// `govc serve` under HTTP load next to `opa run --server` on the same bundle (issue 13), with autocannon 9 (its
// programmatic API) on loopback:
//
//   programs   the acme-support example (its conformance corpus, examples/acme-support/requests.json, as the
//              requests) and bench/generate.mjs's program of 1,000 use cases (bench/requests.mjs's 2,000 requests)
//   servers    `node dist/cli/main.js serve <built folder> --poll 0` (its opa/bundle.tar.gz, or ir.json) and
//              `opa run --server -b <the same bundle>` (default
//              GOMAXPROCS, and GOMAXPROCS=1 for a per-core figure), both on 127.0.0.1, no decision logs
//   endpoint   POST /v1/data/govc/decision with {"input": <request>}, the very same bytes to both servers, cycled;
//              also govc serve's POST /v1/decide (metered, memory store: counters read, decision, reservation;
//              not settled, so each reservation waits for the settle timeout) on the same requests without
//              their counters and time
//   load       for each, a warm-up then a timed run of DURATION seconds at 1 connection (latency) and at
//              CONNECTIONS connections (throughput), pipelining 1; the same settings for every server. All servers
//              are up at once and ROUNDS rounds alternate between them (reversed order every other round); the
//              best round of each is reported (lowest p50/p99, highest req/s), the machine being shared
//
// Latency percentiles are computed here from autocannon's per-response times (its `response` event, float ms),
// because its own histogram has 1 ms resolution; requests per second is autocannon's mean. Before timing, a sample
// of each server's answers is compared with the reference evaluator; a mismatch stops the run.
//
// Usage: node bench/serve.mjs [--duration 3] [--warmup 0.5] [--rounds 2] [--connections 16] [--size 1000 | --size 0 (example only)]
// Needs `npm run build` and OPA at .tools/bin/opa. The whole script takes under 3 minutes. Prints markdown and writes
// out/bench/serve.json (out/ is git-ignored). Both servers and the load generator share the machine's cores.

import autocannon from 'autocannon';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { OPA, OUT, ROOT, fmt, generatedProgram, log, machine, option, startProcess, table } from './opa.mjs';
import { buildRequests } from './requests.mjs';

const DURATION = Number(option('duration', '3'));
const ROUNDS = Number(option('rounds', '2'));
const WARMUP = Number(option('warmup', '0.5'));
const CONNECTIONS = Number(option('connections', '16'));
const SIZE = Number(option('size', '1000'));
const SAMPLE = 300;
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const dist = (p) => pathToFileURL(join(ROOT, 'dist', p)).href;

/** Starts a server process and waits (bounded) until `readyPath` answers 200. */
async function start(name, command, args, readyPath, env = {}) {
  const server = await startProcess({ name, command, args, env, probe: async (port) => (await post(port, 'GET', readyPath, null)).status });
  return { name, ...server };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function post(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: body === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

const govcServe = (bundle) => start('govc serve', process.execPath, (port) => [CLI, 'serve', bundle, '--addr', `127.0.0.1:${port}`, '--poll', '0'], '/ready');
const opaServer = (bundle, env = {}) =>
  start(env.GOMAXPROCS ? `opa run --server (GOMAXPROCS=${env.GOMAXPROCS})` : 'opa run --server', OPA, (port) => ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '-b', bundle], '/health?bundles', env);

/** A folder as `govc build --out` lays it out: the bundle OPA serves (opa/bundle.tar.gz) and the IR beside it. */
function builtFolder(dir, ir, bundlePath) {
  mkdirSync(join(dir, 'opa'), { recursive: true });
  copyFileSync(bundlePath, join(dir, 'opa', 'bundle.tar.gz'));
  writeFileSync(join(dir, 'ir.json'), JSON.stringify(ir));
  return dir;
}

/** Nearest-rank percentile of float ms, in µs. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] * 1000;
}

async function load(server, path, bodies, connections, duration) {
  const times = [];
  const instance = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections,
    pipelining: 1,
    duration,
    requests: bodies.map((body) => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body })),
  });
  instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  const result = await instance;
  const sorted = Float64Array.from(times).sort();
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** One warm-up then one timed run at `c` connections. */
async function measureOnce(server, path, bodies, c) {
  await load(server, path, bodies, c, WARMUP);
  const r = await load(server, path, bodies, c, DURATION);
  log(`  ${server.name} ${path} c=${c}: p50 ${fmt.us(r.p50)}, p99 ${fmt.us(r.p99)}, ${fmt.int(r.rps)} req/s (${r.non2xx} non-2xx, ${r.errors} errors)`);
  return r;
}

/** The best of the rounds (lowest latencies, highest rate): what each server does when the shared machine lets it. */
function best(runs) {
  return {
    requests: runs.reduce((n, r) => n + r.requests, 0),
    rps: Math.max(...runs.map((r) => r.rps)),
    p50: Math.min(...runs.map((r) => r.p50)),
    p99: Math.min(...runs.map((r) => r.p99)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    rounds: runs,
  };
}

/** A sample of answers compared with the reference evaluator (OPA API), or checked for shape (/v1/decide). */
async function verify(server, ir, inputs, evaluate) {
  let mismatches = 0;
  for (let i = 0; i < Math.min(SAMPLE, inputs.length); i++) {
    const r = await post(server.port, 'POST', '/v1/data/govc/decision', JSON.stringify({ input: inputs[i] }));
    const got = r.status === 200 ? JSON.parse(r.text).result : undefined;
    if (!isDeepStrictEqual(got, JSON.parse(JSON.stringify(evaluate(ir, inputs[i]))))) {
      if (mismatches++ < 3) log(`  MISMATCH ${server.name} on request ${i}: ${r.status} ${r.text.slice(0, 300)}`);
    }
  }
  return mismatches;
}

async function benchProgram(program, inputs, evaluate) {
  log(`${program.name}: ${inputs.length} requests`);
  const opaBodies = inputs.map((input) => JSON.stringify({ input }));
  // /v1/decide: the same requests without the counters govc serve keeps itself, decided now (its own clock).
  const decideBodies = inputs.map((input) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return JSON.stringify(input);
    const { spend: _s, rate: _r, time: _t, ...rest } = input;
    return JSON.stringify(rest);
  });
  const ready = {};
  const mismatches = {};
  // Every server up at once (idle when not under load) so that the rounds can alternate between them: the
  // machine's other work then weighs on all of them alike instead of on whichever ran while it peaked.
  const servers = {};
  try {
    for (const [key, starter] of [
      ['govc', () => govcServe(program.folder)],
      ['opa', () => opaServer(program.bundlePath)],
      ['opa1', () => opaServer(program.bundlePath, { GOMAXPROCS: '1' })],
    ]) {
      const server = (servers[key] = await starter());
      ready[key] = server.readyMs;
      mismatches[key] = await verify(server, program.ir, inputs, evaluate);
      if (mismatches[key] > 0) throw new Error(`${server.name} disagrees with the reference evaluator on ${mismatches[key]} of ${Math.min(SAMPLE, inputs.length)} requests`);
    }
    const probe = await post(servers.govc.port, 'POST', '/v1/decide', decideBodies.find((b) => b.startsWith('{')));
    if (probe.status !== 200 || typeof JSON.parse(probe.text).decision?.decision !== 'string') throw new Error(`/v1/decide answered ${probe.status}: ${probe.text.slice(0, 300)}`);
    const targets = [
      ['govc', servers.govc, '/v1/data/govc/decision', opaBodies],
      ['opa', servers.opa, '/v1/data/govc/decision', opaBodies],
      ['opa1', servers.opa1, '/v1/data/govc/decision', opaBodies],
      ['decide', servers.govc, '/v1/decide', decideBodies],
    ];
    const runs = Object.fromEntries(targets.map(([k]) => [k, { 1: [], [CONNECTIONS]: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of [1, CONNECTIONS]) {
        for (const [k, server, path, bodies] of round % 2 === 0 ? targets : [...targets].reverse()) runs[k][c].push(await measureOnce(server, path, bodies, c));
      }
    }
    const rows = Object.fromEntries(Object.entries(runs).map(([k, byC]) => [k, Object.fromEntries(Object.entries(byC).map(([c, rs]) => [c, best(rs)]))]));
    return { program: program.name, useCases: program.useCases, requests: inputs.length, readyMs: ready, mismatches, rows };
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}


function markdown(o) {
  const md = [];
  md.push(`Machine: ${o.machine.cpu}, ${o.machine.cores} cores, Node ${o.machine.node}, OPA ${o.machine.opa}, commit ${o.machine.commit}${o.machine.srcDirty ? ' (src modified)' : ''}, load average ${o.machine.loadAvg.join(' ')}.`);
  md.push(`autocannon ${o.autocannon}; ${o.duration} s per run after a ${o.warmup} s warm-up; pipelining 1; ${o.rounds} rounds alternating between the servers, the best of them shown.`);
  md.push('');
  const name = { govc: 'govc serve, OPA API', decide: 'govc serve, /v1/decide (metered)', opa: 'opa run --server', opa1: 'opa run --server, GOMAXPROCS=1' };
  for (const r of o.results) {
    md.push(`#### ${r.program} (${fmt.int(r.requests)} distinct requests; ready after: govc ${fmt.int(r.readyMs.govc)} ms, OPA ${fmt.int(r.readyMs.opa)} ms)`);
    md.push('');
    const head = ['server', 'p50 (1 conn.)', 'p99 (1 conn.)', 'req/s (1 conn.)', `p50 (${o.connections} conn.)`, `p99 (${o.connections} conn.)`, `req/s (${o.connections} conn.)`];
    md.push(
      table(
        head,
        ['govc', 'decide', 'opa', 'opa1'].map((k) => {
          const a = r.rows[k][1];
          const b = r.rows[k][o.connections];
          return [name[k], fmt.us(a.p50), fmt.us(a.p99), fmt.int(a.rps), fmt.us(b.p50), fmt.us(b.p99), fmt.int(b.rps)];
        }),
      ),
    );
    md.push('');
    const g = r.rows.govc;
    const ratio = (k, c, f, inverse = false) => fmt.ratio(inverse ? r.rows[k][c][f] / g[c][f] : g[c][f] / r.rows[k][c][f]);
    md.push(
      table(
        ['govc serve (OPA API) ÷', 'p50 (1 conn.)', 'p99 (1 conn.)', 'req/s (1 conn.)', `p50 (${o.connections} conn.)`, `p99 (${o.connections} conn.)`, `req/s (${o.connections} conn.)`],
        ['opa', 'opa1'].map((k) => [name[k], ratio(k, 1, 'p50'), ratio(k, 1, 'p99'), ratio(k, 1, 'rps'), ratio(k, o.connections, 'p50'), ratio(k, o.connections, 'p99'), ratio(k, o.connections, 'rps')]),
      ),
    );
    md.push('');
    const bad = Object.entries(r.rows).flatMap(([k, v]) => Object.values(v).filter((x) => x.errors > 0 || (k !== 'decide' && x.non2xx > 0)).map(() => k));
    md.push('Ratios: latency below 1× and requests per second above 1× mean govc serve is ahead.');
    md.push('');
    md.push(`Answers checked against the reference evaluator: ${Math.min(SAMPLE, r.requests)} per server, ${Object.values(r.mismatches).reduce((a, b) => a + b, 0)} mismatches.${bad.length ? ` Errors or non-2xx answers in: ${[...new Set(bad)].join(', ')}.` : ' No errors, no non-2xx answers.'}`);
    md.push('');
  }
  return md.join('\n');
}

async function main() {
  const t0 = performance.now();
  const { evaluate } = await import(dist('eval/evaluate.js'));
  const { buildBundle } = await import(dist('backends/opa/bundle.js'));
  const { compileFiles } = await import(dist('project/compile.js'));
  const { govFilesIn } = await import(dist('project/loadProgram.js'));
  const base = mkdtempSync(join(tmpdir(), 'govc-bench-serve-'));
  const results = [];
  try {
    // The example, with its conformance corpus as the requests.
    const exampleDir = join(ROOT, 'examples', 'acme-support');
    const compiled = compileFiles(govFilesIn(exampleDir), { asOf: '2026-11-26', cwd: ROOT });
    if (!compiled.ir) throw new Error('examples/acme-support does not compile');
    const bundlePath = join(base, 'acme-support.tar.gz');
    writeFileSync(bundlePath, buildBundle(compiled.ir).tarGz);
    const folder = builtFolder(join(base, 'acme-support'), compiled.ir, bundlePath);
    const corpus = JSON.parse(readFileSync(join(exampleDir, 'requests.json'), 'utf8')).cases.map((c) => c.input);
    results.push(await benchProgram({ name: 'acme-support (example)', useCases: Object.keys(compiled.ir.use_cases).length, ir: compiled.ir, bundlePath, folder }, corpus, evaluate));
    if (SIZE > 0) {
      const generated = await generatedProgram(SIZE, base);
      const g = { ...generated, folder: builtFolder(join(base, `n${SIZE}-built`), generated.ir, generated.bundlePath) };
      results.push(await benchProgram(g, buildRequests(generated.ir, 2000), evaluate));
    }
  } finally {
    agent.destroy();
    rmSync(base, { recursive: true, force: true });
  }
  const o = {
    machine: machine(),
    autocannon: JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')).version,
    duration: DURATION,
    warmup: WARMUP,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    results,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'serve.json'), JSON.stringify(o, null, 2));
  process.stdout.write(markdown(o) + '\n');
  log(`bench/serve.mjs: ${o.seconds} s`);
}

main().catch((err) => {
  log(err?.stack ?? String(err));
  process.exit(1);
});
