// One benchmark process for one program size, started by bench/run.mjs (run with --expose-gc). Prints one line
// of JSON on stdout. Two modes, each in a fresh process so that its peak RSS is its own:
//
//   cold  DIR              import govc and compile once: what one `govc check`/`build` run costs, and its peak RSS
//   warm  DIR REPS EVALS   after one warm-up compile, REPS runs each of: parse, parse + check, full compile; check,
//                          lower and IR validation alone; the JSON.parse + ajv peer. Then the reference evaluator
//                          (EVALS decisions).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AS_OF } from './generate.mjs';
import { buildRequests } from './requests.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const [mode, dir, repsArg, evalsArg] = process.argv.slice(2);
const entryFiles = readdirSync(dir)
  .filter((f) => f.endsWith('.gov'))
  .sort()
  .map((f) => join(dir, f));
const gc = globalThis.gc ?? (() => {});
const rssMiB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB on Linux

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { runs: s.length, median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, min: s[0], max: s[s.length - 1], p99: q(0.99) };
}

/** `reps` timed runs with a GC before each (the caller has warmed up). Returns milliseconds. */
function time(reps, fn) {
  const samples = [];
  for (let i = 0; i < reps; i++) {
    gc();
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

const t0 = performance.now();
const { loadProgram } = await import(dist('project/loadProgram.js'));
const { checkFiles } = await import(dist('check/check.js'));
const { compileFiles } = await import(dist('project/compile.js'));
const { lower } = await import(dist('ir/lower.js'));
const { validateIr } = await import(dist('ir/validateIr.js'));
const { evaluate } = await import(dist('eval/evaluate.js'));
const importMs = performance.now() - t0;

const compile = () => compileFiles(entryFiles, { asOf: AS_OF, cwd: dir });

if (mode === 'cold') {
  const c0 = performance.now();
  const res = compile();
  const compileMs = performance.now() - c0;
  const errors = res.diagnostics.filter((d) => d.severity === 'error').length;
  const json = res.ir ? JSON.stringify(res.ir) : '';
  console.log(
    JSON.stringify({
      importMs,
      compileMs,
      peakRssMiB: rssMiB(),
      errors,
      warnings: res.diagnostics.length - errors,
      useCases: res.ir ? Object.keys(res.ir.use_cases).length : 0,
      irBytes: Buffer.byteLength(json),
      firstDiagnostics: res.diagnostics.slice(0, 5).map((d) => `${d.code} ${d.message}`),
    }),
  );
} else if (mode === 'warm') {
  const reps = Number(repsArg);
  const evals = Number(evalsArg);
  const out = { reps };

  // One warm-up run of the whole pipeline: JIT, chevrotain's lookahead caches, ajv's compiled schema.
  const w0 = performance.now();
  compile();
  out.warmupMs = performance.now() - w0;
  out.parseMs = time(reps, () => loadProgram(entryFiles, dir));
  out.checkMs = time(reps, () => checkFiles(loadProgram(entryFiles, dir).files, { asOf: AS_OF }));
  let res;
  out.compileMs = time(reps, () => {
    res = compile();
  });
  if (!res.ir) throw new Error(`the generated program does not compile: ${res.diagnostics.slice(0, 3).map((d) => d.message).join('; ')}`);
  const ir = res.ir;

  // Each stage after parsing, alone, on one parsed program (checkFiles only reads the ASTs).
  const loaded = loadProgram(entryFiles, dir);
  const checked = checkFiles(loaded.files, { asOf: AS_OF });
  out.checkAloneMs = time(reps, () => checkFiles(loaded.files, { asOf: AS_OF }));
  lower(checked.model, loaded.sources);
  out.lowerMs = time(reps, () => lower(checked.model, loaded.sources));
  out.validateIrMs = time(reps, () => validateIr(ir));

  // Peer: loading an already-built policy = JSON.parse + ajv validation of the same IR (same compiled schema).
  const json = JSON.stringify(ir);
  out.irBytes = Buffer.byteLength(json);
  JSON.parse(json);
  out.jsonParseMs = time(reps, () => JSON.parse(json));
  out.jsonParseAjvMs = time(reps, () => {
    if (validateIr(JSON.parse(json)).length > 0) throw new Error('IR does not validate');
  });

  // Reference evaluator on the built IR: a fixed mix of requests, cycled.
  const requests = buildRequests(ir, 2000);
  const mix = { allow: 0, degrade: 0, deny: 0 };
  for (const r of requests) mix[evaluate(ir, r).decision]++;
  for (let i = 0; i < Math.min(evals, 20_000); i++) evaluate(ir, requests[i % requests.length]); // warm-up
  gc();
  const perCall = new Float64Array(evals);
  let sink = 0;
  for (let i = 0; i < evals; i++) {
    const r = requests[i % requests.length];
    const a = process.hrtime.bigint();
    const d = evaluate(ir, r);
    perCall[i] = Number(process.hrtime.bigint() - a) / 1000; // µs
    sink += d.reasons.length;
  }
  gc();
  const l0 = performance.now();
  for (let i = 0; i < evals; i++) sink += evaluate(ir, requests[i % requests.length]).reasons.length;
  const loopMs = performance.now() - l0;
  const us = stats(perCall);
  out.eval = {
    decisions: evals,
    distinctRequests: requests.length,
    mix: { allow: mix.allow / requests.length, degrade: mix.degrade / requests.length, deny: mix.deny / requests.length },
    p50Us: us.median,
    p99Us: us.p99,
    maxUs: us.max,
    perSecond: evals / (loopMs / 1000),
    sink,
  };
  out.importMs = importMs;
  out.peakRssMiB = rssMiB();
  console.log(JSON.stringify(out));
} else {
  console.error('usage: node --expose-gc bench/worker.mjs cold|warm DIR [REPS EVALS]');
  process.exitCode = 2;
}
