#!/usr/bin/env node
// Decision latency of govc's OPA bundle (issue 3), on the three examples and on generated programs of 100, 1,000
// and 10,000 use cases (bench/generate.mjs):
//
//   server   `opa run --server --addr 127.0.0.1:<free port> -b bundle.tar.gz`, one client, sequential requests over
//            one keep-alive connection (POST /v1/data/govc/decision), WARMUP untimed then REQUESTS timed, each
//            request timed on its own (process.hrtime.bigint, request written to response parsed). Also, on the same
//            server: govc's Wasm module through OPA's Wasm engine (POST /v1/data/govc/wasm/decision), a short pass
//            with `?metrics` to read OPA's own server-side timers, and once the HTTP floor (a server whose policy
//            is `allow := true`, same request bodies).
//   bench    `opa bench -b bundle.tar.gz --input req.json data.govc.decision --format json --metrics=false`: OPA's
//            prepared-query evaluation in a Go benchmark loop (ns/op, allocations), for one allow, one degrade and
//            one deny request of each program.
//   eval     one `opa eval -b bundle.tar.gz -i req.json data.govc.decision`, wall time (process start, bundle
//            load, one evaluation): what a shell script pays, not a decision's cost.
//
// Requests: bench/requests.mjs's allow/degrade/deny mix derived from each program's IR (2,000 distinct requests,
// cycled). Every decision of a sample is checked against the reference evaluator; mismatches are printed.
// Servers listen on 127.0.0.1 only, are started and stopped here, and everything is bounded in time.
//
// Usage: node bench/opa.mjs [--sizes 100,1000,10000] [--requests 20000] [--warmup 2000] [--no-examples]
// Needs `npm run build` and OPA at .tools/bin/opa (scripts/install-opa.sh). Prints a markdown table and writes
// out/bench/opa.json (out/ is git-ignored). bench/wasm.mjs then merges both into out/bench/targets.{md,json}.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { AS_OF, writeProgram } from './generate.mjs';
import { buildRequests } from './requests.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OPA = join(ROOT, '.tools', 'bin', 'opa');
export const OUT = join(ROOT, 'out', 'bench');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const dist = (p) => pathToFileURL(join(ROOT, 'dist', p)).href;

export const log = (s) => process.stderr.write(s + '\n');

export function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// ---- shared by bench/wasm.mjs ------------------------------------------------------------------------------------

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  let mhz = null;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? cpu;
    const family = /^cpu family\s*:\s*(.+)$/m.exec(info)?.[1].trim();
    mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? null;
    if (family) cpu += ` (family ${family}${mhz ? `, ${Math.round(Number(mhz))} MHz` : ''})`;
  } catch {
    // not Linux
  }
  const opaVersion = existsSync(OPA) ? /^Version:\s*(.+)$/m.exec(spawnSync(OPA, ['version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?' : 'missing';
  const opaWasm = existsSync(OPA) ? /^WebAssembly:\s*(.+)$/m.exec(spawnSync(OPA, ['version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?' : 'missing';
  const pkg = (name) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  return {
    date: new Date().toISOString(),
    cpu,
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()} ${process.arch}`,
    node: process.version,
    opa: opaVersion,
    opaWasm,
    opaWasmSdk: pkg('@open-policy-agent/opa-wasm'),
    cedarWasm: pkg('@cedar-policy/cedar-wasm'),
    commit: git(['rev-parse', '--short', 'HEAD']),
    srcDirty: (git(['status', '--porcelain', '--', 'src']) ?? '') !== '',
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** Percentiles (nearest rank) of per-call timings in ns, reported in µs. */
export function summarize(ns) {
  const a = Float64Array.from(ns).sort();
  const at = (p) => a[Math.min(a.length - 1, Math.max(0, Math.ceil(p * a.length) - 1))] / 1000;
  let sum = 0;
  for (const x of a) sum += x;
  return { n: a.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: a[a.length - 1] / 1000, mean: sum / a.length / 1000 };
}

export const fmt = {
  us: (x) => (x == null ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : x >= 100 ? `${x.toFixed(0)} µs` : x >= 10 ? `${x.toFixed(1)} µs` : `${x.toFixed(2)} µs`),
  ms: (x) => (x == null ? '—' : x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`),
  int: (x) => Math.round(x).toLocaleString('en-US'),
  kib: (x) => `${Math.round(x / 1024).toLocaleString('en-US')} KiB`,
  ratio: (x) => (x == null || !Number.isFinite(x) ? '—' : `${x.toFixed(x >= 10 ? 0 : 2)}×`),
};

export const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Reference decisions and the request mix. */
export async function referenceOf(ir, requests) {
  const { evaluate } = await import(dist('eval/evaluate.js'));
  const decisions = requests.map((r) => evaluate(ir, r));
  const mix = { allow: 0, degrade: 0, deny: 0 };
  for (const d of decisions) mix[d.decision]++;
  for (const k of Object.keys(mix)) mix[k] /= decisions.length;
  return { decisions, mix };
}

/** A generated program of n use cases: IR (compileFiles) and bundle (buildBundle), timed. */
export async function generatedProgram(n, base) {
  const { compileFiles } = await import(dist('project/compile.js'));
  const { buildBundle } = await import(dist('backends/opa/bundle.js'));
  const w = writeProgram(n, join(base, `n${n}`));
  const t0 = performance.now();
  const res = compileFiles(w.entryFiles, { asOf: AS_OF, cwd: w.dir });
  const compileMs = performance.now() - t0;
  if (!res.ir || res.diagnostics.some((d) => d.severity === 'error')) throw new Error(`generated program ${n} does not compile`);
  const t1 = performance.now();
  const bundle = buildBundle(res.ir);
  const bundleMs = performance.now() - t1;
  const bundlePath = join(w.dir, 'bundle.tar.gz');
  writeFileSync(bundlePath, bundle.tarGz);
  return { name: `generated, ${fmt.int(n)} use cases`, useCases: n, dir: w.dir, ir: res.ir, bundlePath, bundleBytes: bundle.tarGz.length, compileMs, bundleMs, bundle };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(address.port));
    });
  });
}

const children = new Set();
function killChildren() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
process.on('exit', killChildren);

// ---- OPA server --------------------------------------------------------------------------------------------------

/**
 * Starts a server process on a free 127.0.0.1 port (`args(port)`), killed when this script exits, and waits at most
 * `timeoutMs` until `probe(port)` resolves to 200. Shared by this script's OPA servers and bench/serve.mjs.
 */
export async function startProcess({ name, command, args, probe, env = {}, timeoutMs = 60_000 }) {
  const port = await freePort();
  const child = spawn(command, args(port), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (b) => (stderr = (stderr + b).slice(-20_000)));
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await probe(port)) === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    pid: child.pid,
    readyMs: performance.now() - t0,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          children.delete(child);
          resolve();
        });
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

async function startServer(args, timeoutMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const server = await startProcess({
    name: 'opa',
    command: OPA,
    args: (port) => ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', ...args],
    probe: async (port) => (await request(agent, port, 'GET', '/health?bundles', null)).status,
    timeoutMs,
  });
  return {
    ...server,
    agent,
    stop: () => {
      agent.destroy();
      return server.stop();
    },
  };
}

function request(agent, port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** Sequential requests over one keep-alive connection; returns per-request ns and the parsed results of a sample. */
async function drive(server, path, bodies, warmup, count, { keep = 0, deadlineMs = 120_000 } = {}) {
  const t0 = performance.now();
  for (let i = 0; i < warmup; i++) {
    const r = await request(server.agent, server.port, 'POST', path, bodies[i % bodies.length]);
    if (r.status !== 200) throw new Error(`POST ${path}: HTTP ${r.status}: ${r.body.toString().slice(0, 300)}`);
  }
  const ns = [];
  const kept = [];
  for (let i = 0; i < count; i++) {
    const b = bodies[i % bodies.length];
    const s = process.hrtime.bigint();
    const r = await request(server.agent, server.port, 'POST', path, b);
    const parsed = JSON.parse(r.body);
    ns.push(Number(process.hrtime.bigint() - s));
    if (r.status !== 200) throw new Error(`POST ${path}: HTTP ${r.status}`);
    if (i < keep) kept.push(parsed);
    if (performance.now() - t0 > deadlineMs) {
      log(`    ${path}: stopped after ${i + 1} requests (time bound ${deadlineMs / 1000} s)`);
      break;
    }
  }
  return { ns, kept };
}

// ---- opa bench / opa eval ----------------------------------------------------------------------------------------

function opaBench(bundlePath, inputPath, query) {
  const t0 = performance.now();
  const r = spawnSync(OPA, ['bench', '-b', bundlePath, '--input', inputPath, query, '--format', 'json', '--metrics=false'], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 1 << 26,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`opa bench failed (${r.status}): ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return { nsPerOp: j.T / j.N, iterations: j.N, allocsPerOp: j.MemAllocs / j.N, bytesPerOp: j.MemBytes / j.N, wallMs };
}

function opaEvalOnce(bundlePath, inputPath, query) {
  const t0 = performance.now();
  const r = spawnSync(OPA, ['eval', '-b', bundlePath, '-i', inputPath, query, '--format', 'json'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`opa eval failed (${r.status}): ${r.stderr}`);
  return { wallMs, result: JSON.parse(r.stdout).result?.[0]?.expressions?.[0]?.value };
}

// ---- main --------------------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(OPA)) throw new Error(`OPA is missing at ${OPA}: run \`bash scripts/install-opa.sh\``);
  const sizes = option('sizes', '100,1000,10000').split(',').filter(Boolean).map(Number);
  const REQUESTS = Number(option('requests', '20000'));
  const WARMUP = Number(option('warmup', '2000'));
  const WASM_REQUESTS = Math.round(REQUESTS / 4);
  const SAMPLE = 300; // decisions checked against the reference, per program and path
  const DISTINCT = 2000;
  const withExamples = !process.argv.includes('--no-examples');
  const started = performance.now();
  const hardStop = setTimeout(() => {
    log('opa.mjs: global time bound (7 min) reached; stopping');
    killChildren();
    process.exit(3);
  }, 7 * 60_000);
  hardStop.unref();

  const env = machine();
  const base = mkdtempSync(join(tmpdir(), 'govc-bench-opa-'));
  const programs = [];
  try {
    if (withExamples) {
      const t0 = performance.now();
      execFileSync(process.execPath, [CLI, 'build', 'examples', '--out', join(base, 'examples'), '--as-of', AS_OF], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      log(`examples built in ${(performance.now() - t0).toFixed(0)} ms`);
      for (const name of readdirSync(join(base, 'examples')).sort()) {
        const dir = join(base, 'examples', name);
        const ir = JSON.parse(readFileSync(join(dir, 'ir.json'), 'utf8'));
        programs.push({ name, useCases: Object.keys(ir.use_cases).length, ir, bundlePath: join(dir, 'opa', 'bundle.tar.gz'), dir });
      }
    }
    for (const n of sizes) {
      const p = await generatedProgram(n, base);
      log(`N=${n}: compiled in ${p.compileMs.toFixed(0)} ms, bundle ${fmt.kib(p.bundleBytes)} in ${p.bundleMs.toFixed(0)} ms`);
      delete p.bundle;
      programs.push(p);
    }

    // The HTTP floor: OPA's server answering a constant, same request bodies (those of the largest program).
    const floorDir = join(base, 'floor');
    mkdirSync(floorDir);
    writeFileSync(join(floorDir, 'floor.rego'), 'package floor\n\nallow := true\n');

    const results = [];
    for (const p of programs) {
      const requests = buildRequests(p.ir, DISTINCT);
      const ref = await referenceOf(p.ir, requests);
      const bodies = requests.map((input) => Buffer.from(JSON.stringify({ input })));
      log(`${p.name}: ${requests.length} requests (allow ${(ref.mix.allow * 100).toFixed(0)}%, degrade ${(ref.mix.degrade * 100).toFixed(0)}%, deny ${(ref.mix.deny * 100).toFixed(0)}%)`);

      const server = await startServer(['-b', p.bundlePath], 120_000);
      log(`  server ready in ${server.readyMs.toFixed(0)} ms (pid ${server.pid})`);
      let rego;
      let wasm;
      let metrics;
      try {
        rego = await drive(server, '/v1/data/govc/decision', bodies, WARMUP, REQUESTS, { keep: SAMPLE });
        wasm = await drive(server, '/v1/data/govc/wasm/decision', bodies, Math.round(WARMUP / 2), WASM_REQUESTS, { keep: SAMPLE });
        // OPA's own timers: a short pass with ?metrics (not part of the latency figures above).
        const m = await drive(server, '/v1/data/govc/decision?metrics', bodies, 0, Math.min(1000, REQUESTS), { keep: 1000 });
        const pick = (key) => summarize(m.kept.map((r) => r.metrics?.[key] ?? 0));
        const mw = await drive(server, '/v1/data/govc/wasm/decision?metrics', bodies, 0, Math.min(500, REQUESTS), { keep: 500 });
        const pickW = (key) => summarize(mw.kept.map((r) => r.metrics?.[key] ?? 0));
        metrics = {
          eval: pick('timer_rego_query_eval_ns'),
          handler: pick('timer_server_handler_ns'),
          inputParse: pick('timer_rego_input_parse_ns'),
          roundTrip: summarize(m.ns),
          wasm: { eval: pickW('timer_rego_query_eval_ns'), vmEvalCall: pickW('timer_wasm_vm_eval_call_ns'), externalResolve: pickW('timer_rego_external_resolve_ns'), handler: pickW('timer_server_handler_ns') },
        };
      } finally {
        await server.stop();
      }
      const mismatch = (kept) => kept.reduce((k, r, i) => k + (isDeepStrictEqual(r.result, ref.decisions[i]) ? 0 : 1), 0);
      const regoMismatches = mismatch(rego.kept);
      const wasmMismatches = mismatch(wasm.kept);

      // opa bench and one opa eval, on one allow, one degrade and one deny request.
      const reps = {};
      for (const kind of ['allow', 'degrade', 'deny']) {
        const i = ref.decisions.findIndex((d) => d.decision === kind);
        if (i >= 0) reps[kind] = i;
      }
      const bench = {};
      for (const [kind, i] of Object.entries(reps)) {
        const f = join(p.dir, `req-${kind}.json`);
        writeFileSync(f, JSON.stringify(requests[i]));
        bench[kind] = opaBench(p.bundlePath, f, 'data.govc.decision');
      }
      const evalFile = join(p.dir, `req-${Object.keys(reps)[0]}.json`);
      const once = opaEvalOnce(p.bundlePath, evalFile, 'data.govc.decision');
      const onceMismatch = isDeepStrictEqual(once.result, ref.decisions[Object.values(reps)[0]]) ? 0 : 1;

      const r = {
        program: p.name,
        useCases: p.useCases,
        bundleBytes: readFileSync(p.bundlePath).length,
        serverReadyMs: server.readyMs,
        mix: ref.mix,
        distinctRequests: requests.length,
        rego: summarize(rego.ns),
        wasmInOpa: summarize(wasm.ns),
        serverMetrics: metrics,
        bench,
        evalOnce: { wallMs: once.wallMs },
        mismatches: { rego: regoMismatches, wasmInOpa: wasmMismatches, evalOnce: onceMismatch, sample: rego.kept.length },
      };
      results.push(r);
      log(
        `  server p50 ${fmt.us(r.rego.p50)} p99 ${fmt.us(r.rego.p99)} (wasm in OPA p50 ${fmt.us(r.wasmInOpa.p50)}); opa bench ` +
          Object.entries(bench).map(([k, b]) => `${k} ${fmt.us(b.nsPerOp / 1000)}`).join(', ') +
          `; mismatches rego ${regoMismatches}/${rego.kept.length}, wasm ${wasmMismatches}/${wasm.kept.length}`,
      );
    }

    // HTTP floor, with the bodies of the largest program.
    const largest = programs[programs.length - 1];
    const floorBodies = buildRequests(largest.ir, DISTINCT).map((input) => Buffer.from(JSON.stringify({ input })));
    const floorServer = await startServer([join(floorDir, 'floor.rego')], 30_000);
    let floor;
    try {
      const d = await drive(floorServer, '/v1/data/floor/allow', floorBodies, WARMUP, REQUESTS, { keep: 1 });
      if (d.kept[0]?.result !== true) throw new Error('floor server did not answer true');
      floor = summarize(d.ns);
    } finally {
      await floorServer.stop();
    }
    log(`HTTP floor (allow := true): p50 ${fmt.us(floor.p50)} p99 ${fmt.us(floor.p99)}`);

    const totalSeconds = (performance.now() - started) / 1000;
    env.loadAvgEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    const out = {
      environment: env,
      asOf: AS_OF,
      settings: { requests: REQUESTS, warmup: WARMUP, wasmRequests: WASM_REQUESTS, distinct: DISTINCT, sample: SAMPLE },
      command: `node bench/opa.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`,
      results,
      httpFloor: floor,
      totalSeconds,
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'opa.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(opaMarkdown(out));
    log(`\nwrote ${join(OUT, 'opa.json')} (${totalSeconds.toFixed(0)} s)`);
  } finally {
    clearTimeout(hardStop);
    rmSync(base, { recursive: true, force: true });
  }
}

export function opaMarkdown(o) {
  const md = [];
  const s = o.settings;
  md.push(`### OPA: decision latency per request (\`node bench/opa.mjs\`)`);
  md.push('');
  md.push(
    `Server: \`opa run --server --addr 127.0.0.1:<port> -b bundle.tar.gz\`, one Node client (\`http.Agent\` keep-alive, one socket), ` +
      `sequential POSTs, ${fmt.int(s.warmup)} untimed then ${fmt.int(s.requests)} timed, each from writing the request to parsing the response, ` +
      `over ${fmt.int(s.distinct)} distinct requests (bench/requests.mjs) cycled. \`opa bench\` is OPA's prepared-query loop (ns/op, no HTTP, no JSON).`,
  );
  md.push('');
  md.push(
    table(
      ['program', 'use cases', 'bundle', 'mix allow / degrade / deny', 'server p50', 'server p99', 'server p99.9', 'OPA timers p50: query eval / handler', '`opa bench` allow / degrade / deny (per op)', 'allocs/op (allow)', 'one `opa eval` (wall)', 'mismatches vs reference'],
      o.results.map((r) => [
        r.program,
        fmt.int(r.useCases),
        fmt.kib(r.bundleBytes),
        ['allow', 'degrade', 'deny'].map((k) => `${Math.round(r.mix[k] * 100)}%`).join(' / '),
        fmt.us(r.rego.p50),
        fmt.us(r.rego.p99),
        fmt.us(r.rego.p999),
        `${fmt.us(r.serverMetrics.eval.p50)} / ${fmt.us(r.serverMetrics.handler.p50)}`,
        ['allow', 'degrade', 'deny'].map((k) => (r.bench[k] ? fmt.us(r.bench[k].nsPerOp / 1000) : '—')).join(' / '),
        r.bench.allow ? fmt.int(r.bench.allow.allocsPerOp) : '—',
        fmt.ms(r.evalOnce.wallMs),
        `${r.mismatches.rego} / ${r.mismatches.sample}`,
      ]),
    ),
  );
  md.push('');
  const gen = o.results.filter((r) => r.program.startsWith('generated'));
  if (gen.length >= 2) {
    const a = gen[0];
    const b = gen[gen.length - 1];
    md.push(
      `From ${fmt.int(a.useCases)} to ${fmt.int(b.useCases)} use cases (${fmt.int(b.useCases / a.useCases)}× the use cases, ${fmt.ratio(b.bundleBytes / a.bundleBytes)} the bundle): ` +
        `server p50 ${fmt.ratio(b.rego.p50 / a.rego.p50)}, OPA's query-eval timer p50 ${fmt.ratio(b.serverMetrics.eval.p50 / a.serverMetrics.eval.p50)}, ` +
        `\`opa bench\` ${['allow', 'degrade', 'deny'].filter((k) => a.bench[k] && b.bench[k]).map((k) => `${k} ${fmt.ratio(b.bench[k].nsPerOp / a.bench[k].nsPerOp)}`).join(', ')}.`,
    );
    md.push('');
  }
  md.push(`HTTP floor (same server, policy \`allow := true\`, bodies of the largest program): p50 ${fmt.us(o.httpFloor.p50)}, p99 ${fmt.us(o.httpFloor.p99)}.`);
  md.push('');
  md.push(`govc's Wasm module inside the same OPA server (OPA's Wasm engine, \`POST /v1/data/govc/wasm/decision\`, ${fmt.int(s.wasmRequests)} timed):`);
  md.push('');
  md.push(
    table(
      ['program', 'use cases', 'p50', 'p99', 'OPA timers p50: wasm VM eval call / query eval / handler', 'mismatches vs reference'],
      o.results.map((r) => [
        r.program,
        fmt.int(r.useCases),
        fmt.us(r.wasmInOpa.p50),
        fmt.us(r.wasmInOpa.p99),
        `${fmt.us(r.serverMetrics.wasm.vmEvalCall.p50)} / ${fmt.us(r.serverMetrics.wasm.eval.p50)} / ${fmt.us(r.serverMetrics.wasm.handler.p50)}`,
        `${r.mismatches.wasmInOpa} / ${r.mismatches.sample}`,
      ]),
    ),
  );
  return md.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    log(err?.stack ?? String(err));
    killChildren();
    process.exit(1);
  });
}
