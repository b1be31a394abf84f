#!/usr/bin/env node
// `npm run bench`: compile-time and decision-time benchmarks of govc on generated programs (bench/generate.mjs).
//
// For each size N (default 10, 1,000 and 10,000 use cases) it writes the program to a temp dir, then runs, each in
// a fresh Node process so that peak RSS is per measurement:
//   cold    import govc and compile once (what one CLI run pays), peak RSS
//   warm    one warm-up compile, then REPS runs each of parse, parse + check, full compile (parse + check + lower +
//           ajv IR validation); check, lower and IR validation alone on one parsed program; the peer "load a built
//           policy" (JSON.parse + ajv validation of the same IR); and the reference evaluator on the built IR
//           (EVALS decisions of a fixed allow/degrade/deny mix): per-decision p50/p99 and decisions per second
//   cli     `govc check DIR` end to end, one run (Node start-up included)
// Prints markdown tables and writes everything to out/bench/latest.json (out/ is git-ignored).
//
// Options: --sizes 10,1000   --reps 10=20,1000=7,10000=3   --evals 100000   --out FILE (default out/bench/latest.json)
//          --keep (keep the generated programs)
// Requires a build (`npm run bench` runs `npm run build` first).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AS_OF, writeProgram } from './generate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORKER = join(ROOT, 'bench', 'worker.mjs');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const OUT = join(ROOT, 'out', 'bench');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const sizes = option('sizes', '10,1000,10000').split(',').map(Number);
const repsBySize = Object.fromEntries(option('reps', '10=20,1000=7,10000=3').split(',').map((kv) => kv.split('=').map(Number)));
const repsFor = (n) => repsBySize[n] ?? (n <= 100 ? 20 : n <= 2000 ? 7 : 3);
const evals = Number(option('evals', '100000'));
const keep = process.argv.includes('--keep');
const outFile = option('out', join(OUT, 'latest.json'));

if (!existsSync(CLI)) {
  console.error('dist/ is missing: run `npm run bench` (which builds first) or `npx tsc -p tsconfig.json`');
  process.exit(2);
}

function worker(args) {
  const res = spawnSync(process.execPath, ['--expose-gc', WORKER, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`worker ${args.join(' ')} failed (${res.status}):\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop());
}

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const started = performance.now();
const environment = {
  date: new Date().toISOString(),
  cpu: cpuModel(),
  cores: cpus().length,
  ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  commit: git(['rev-parse', '--short', 'HEAD']),
  dirty: (git(['status', '--porcelain', '--', 'src']) ?? '') !== '',
  loadAvgStart: loadavg().map((x) => Math.round(x * 100) / 100),
};
const base = mkdtempSync(join(tmpdir(), 'govc-bench-'));
const results = [];
const log = (s) => process.stderr.write(s + '\n');

try {
  for (const n of sizes) {
    const g0 = performance.now();
    const program = writeProgram(n, join(base, `n${n}`));
    const generateMs = performance.now() - g0;
    log(`N=${n}: ${program.entryFiles.length} files, ${(program.bytes / 1024).toFixed(0)} KiB generated in ${generateMs.toFixed(0)} ms`);

    const cold = worker(['cold', program.dir]);
    if (cold.errors > 0 || cold.useCases !== n) {
      throw new Error(`the generated program of ${n} use cases does not compile cleanly: ${cold.firstDiagnostics.join('; ')}`);
    }
    log(`  cold compile ${cold.compileMs.toFixed(0)} ms, peak RSS ${cold.peakRssMiB.toFixed(0)} MiB, ${cold.warnings} warnings`);

    const c0 = performance.now();
    const cli = spawnSync(process.execPath, [CLI, 'check', program.dir, '--as-of', AS_OF], { encoding: 'utf8' });
    const cliMs = performance.now() - c0;
    if (cli.status !== 0) throw new Error(`govc check exited ${cli.status}:\n${cli.stdout}${cli.stderr}`);
    log(`  govc check ${cliMs.toFixed(0)} ms`);

    const reps = repsFor(n);
    const warm = worker(['warm', program.dir, String(reps), String(evals)]);
    log(`  warm compile median ${warm.compileMs.median.toFixed(0)} ms (${reps} runs), eval p50 ${warm.eval.p50Us.toFixed(1)} µs`);

    results.push({
      useCases: n,
      program: { files: program.entryFiles.length, bytes: program.bytes, lines: program.lines, tools: program.meta.tools, models: program.meta.models, generateMs },
      cold,
      cliCheckMs: cliMs,
      warm,
    });
  }
} finally {
  if (!keep) rmSync(base, { recursive: true, force: true });
  else log(`programs kept in ${base}`);
}
environment.loadAvgEnd = loadavg().map((x) => Math.round(x * 100) / 100);
const totalSeconds = (performance.now() - started) / 1000;

// ---- report ------------------------------------------------------------------------------------------------------

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mm = (s) => `${ms(s.median)} / ${ms(s.min)}`;
const int = (x) => Math.round(x).toLocaleString('en-US');
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const md = [];
md.push(`## govc benchmark, ${environment.date.slice(0, 10)}`);
md.push('');
md.push(
  `${environment.cpu}, ${environment.cores} cores, ${environment.ramGiB} GiB RAM, Node ${environment.node}, ${environment.platform}; ` +
    `commit ${environment.commit ?? '?'}${environment.dirty ? ' (src/ modified)' : ''}; load average ${environment.loadAvgStart.join(' ')} at start, ${environment.loadAvgEnd.join(' ')} at end.`,
);
md.push('');
md.push('### Programs');
md.push('');
md.push(
  table(
    ['use cases', 'files', 'lines', 'source', 'tools', 'IR (JSON)'],
    results.map((r) => [int(r.useCases), r.program.files, int(r.program.lines), `${int(r.program.bytes / 1024)} KiB`, r.program.tools, `${int(r.warm.irBytes / 1024)} KiB`]),
  ),
);
md.push('');
md.push('### Compile, in process, after one warm-up (ms, median / min)');
md.push('');
md.push(
  table(
    ['use cases', 'runs', 'parse', 'parse + check', 'full compile', 'check alone', 'lower alone', 'IR validation alone', 'full compile per use case'],
    results.map((r) => [
      int(r.useCases),
      r.warm.reps,
      mm(r.warm.parseMs),
      mm(r.warm.checkMs),
      mm(r.warm.compileMs),
      mm(r.warm.checkAloneMs),
      mm(r.warm.lowerMs),
      mm(r.warm.validateIrMs),
      `${int((r.warm.compileMs.median * 1000) / r.useCases)} µs`,
    ]),
  ),
);
md.push('');
md.push('### One compile in a fresh process');
md.push('');
md.push(
  table(
    ['use cases', 'import govc', 'first compile', 'peak RSS', '`govc check` wall time', 'peak RSS of the warm worker'],
    results.map((r) => [int(r.useCases), `${ms(r.cold.importMs)} ms`, `${ms(r.cold.compileMs)} ms`, `${int(r.cold.peakRssMiB)} MiB`, `${ms(r.cliCheckMs)} ms`, `${int(r.warm.peakRssMiB)} MiB`]),
  ),
);
md.push('');
md.push(`### Loading a built policy, and deciding (reference evaluator, ${int(evals)} decisions over ${results[0]?.warm.eval.distinctRequests ?? 0} distinct requests)`);
md.push('');
md.push(
  table(
    ['use cases', 'peer: JSON.parse (ms)', 'peer: JSON.parse + ajv (ms)', 'decision p50', 'decision p99', 'decisions / s (1 core)', 'mix allow / degrade / deny'],
    results.map((r) => {
      const e = r.warm.eval;
      const pct = (x) => `${Math.round(x * 100)}%`;
      return [
        int(r.useCases),
        mm(r.warm.jsonParseMs),
        mm(r.warm.jsonParseAjvMs),
        `${e.p50Us.toFixed(1)} µs`,
        `${e.p99Us.toFixed(1)} µs`,
        int(e.perSecond),
        `${pct(e.mix.allow)} / ${pct(e.mix.degrade)} / ${pct(e.mix.deny)}`,
      ];
    }),
  ),
);
md.push('');
md.push(`Bench run time: ${totalSeconds.toFixed(0)} s.`);

console.log(md.join('\n'));
mkdirSync(dirname(outFile), { recursive: true });
const file = outFile;
writeFileSync(file, JSON.stringify({ environment, asOf: AS_OF, evals, totalSeconds, results }, null, 2) + '\n');
log(`\nwrote ${file}`);
