#!/usr/bin/env node
// `govc explain` at scale: CLI wall time (Node start-up included) on a generated program of N use cases
// (bench/generate.mjs; default 10,000), committed to a throwaway git repository so provenance is real.
//
//   floor         `govc --version`: what any govc command pays before it starts (src/cli/main.ts's imports)
//   cold          `govc explain USE_CASE DIR` with an empty cache: the program is checked (what one compile costs)
//   use case      the same, cache warm: one high-tier use case, its approvals' git provenance and tier requirements
//   use case, no provenance   the same with --no-provenance
//   request       `govc explain DIR --request FILE`, cache warm: the decision and its 11 steps
//   request json  the same with --format json
//   person        `govc explain dpo@corp.example DIR --no-provenance`: every approval of one approver (some 2,000)
//
// Each warm figure is the median of REPS runs (default 7) after one warm-up. Prints a markdown table and writes
// out/bench/explain.json. Options: --size 10000 --reps 7 --keep. Requires a build (`npm run build`).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AS_OF, writeProgram } from './generate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const SELF = fileURLToPath(import.meta.url);
const OUT = join(ROOT, 'out', 'bench');

// `--direct ARGS_JSON OPTS_JSON`: run the explain command's module alone, without src/cli/main.ts (which loads every
// command's modules first): what `govc explain` costs once main.ts loads commands on use.
if (process.argv[2] === '--direct') {
  const { runExplain } = await import(new URL('../dist/cli/commands/explain.js', import.meta.url).href);
  process.exitCode = await runExplain(JSON.parse(process.argv[3]), JSON.parse(process.argv[4]));
} else await main();

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
async function main() {
const n = Number(option('size', '10000'));
const reps = Number(option('reps', '7'));
const keep = process.argv.includes('--keep');

const work = mkdtempSync(join(tmpdir(), 'govc-bench-explain-'));
const cache = join(work, 'cache');
const dir = join(work, 'program');
mkdirSync(dir);
const w = writeProgram(n, dir);
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@corp.example', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@corp.example', GIT_AUTHOR_DATE: '2026-11-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-11-01T00:00:00Z' };
execFileSync('git', ['init', '-q'], { cwd: dir, env: gitEnv });
execFileSync('git', ['add', '.'], { cwd: dir, env: gitEnv });
execFileSync('git', ['commit', '-q', '-m', 'generated program'], { cwd: dir, env: gitEnv });

// A high-tier use case (two approvals) and a request for it.
const ir = JSON.parse(spawnSync('node', [CLI, 'build', dir, '--out', join(work, 'out'), '--target', 'ir', '--as-of', AS_OF], { encoding: 'utf8' }).status === 0 ? execFileSync('cat', [join(work, 'out', 'ir.json')], { encoding: 'utf8', maxBuffer: 1 << 30 }) : 'null');
if (ir === null) throw new Error('the generated program does not build');
const uc = Object.values(ir.use_cases).find((u) => u.tier === 'high' && u.approvals.length >= 2);
const request = { use_case: uc.name, tenant: 't-1', region: ir.models[uc.models[0]].regions[0], time: `${AS_OF}T10:00:00Z`, tokens: { input: 1000, output: 500 }, spend: { use_case: { month: 0, day: 0 }, tenant: { month: 0, day: 0 } }, rate: { use_case: { requests: 0, tokens: 0 }, tenant: { requests: 0, tokens: 0 } } };
const requestFile = join(work, 'request.json');
writeFileSync(requestFile, JSON.stringify(request));

function run(args, direct = false) {
  const t0 = performance.now();
  const argv = args[0] === '--version' ? [CLI, ...args] : direct ? [SELF, '--direct', JSON.stringify(args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--request')), JSON.stringify({ asOf: AS_OF, cacheDir: cache, ...(args.includes('--no-provenance') && { provenance: false }), ...(args.includes('--request') && { request: args[args.indexOf('--request') + 1] }) })] : [CLI, 'explain', ...args, '--as-of', AS_OF, '--cache-dir', cache];
  const r = spawnSync('node', argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`govc explain ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function measure(args, direct = false) {
  run(args, direct);
  return median(Array.from({ length: reps }, () => run(args, direct)));
}

rmSync(cache, { recursive: true, force: true });
const rows = [];
rows.push(['start-up floor (every command\'s modules)', '--version', measure(['--version'])]);
rows.push(['cold (empty cache: the program is checked)', `explain ${uc.name} DIR`, run([uc.name, dir])]);
rows.push(['use case', `explain ${uc.name} DIR`, measure([uc.name, dir])]);
rows.push(['use case, no provenance', `explain ${uc.name} DIR --no-provenance`, measure([uc.name, dir, '--no-provenance'])]);
rows.push(['request', 'explain DIR --request FILE', measure([dir, '--request', requestFile])]);
rows.push(['request, JSON', 'explain DIR --request FILE --format json', measure([dir, '--request', requestFile, '--format', 'json'])]);
rows.push(['use case, explain module alone (no main.ts)', `explain ${uc.name} DIR`, measure([uc.name, dir], true)]);
rows.push(['request, explain module alone (no main.ts)', 'explain DIR --request FILE', measure([dir, '--request', requestFile], true)]);
rows.push(['person (every approval of dpo@corp.example)', 'explain dpo@corp.example DIR --no-provenance', measure(['dpo@corp.example', dir, '--no-provenance'])]);

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: loadavg().map((x) => x.toFixed(2)).join(' ') };
console.log(`govc explain on ${n} use cases (${(w.bytes / 1024).toFixed(0)} KiB of .gov in ${w.entryFiles.length} files); median of ${reps} CLI runs, Node start-up included`);
console.log(`machine: ${machine.cpus} x ${machine.cpu}, ${machine.memory_gib} GiB, Node ${machine.node}, load ${machine.loadavg}\n`);
console.log('| what | command | wall time |\n|---|---|---|');
for (const [what, cmd, ms] of rows) console.log(`| ${what} | \`govc ${cmd}\` | ${ms.toFixed(0)} ms |`);

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'explain.json'), JSON.stringify({ n, reps, machine, rows: rows.map(([what, command, ms]) => ({ what, command, ms: Math.round(ms) })) }, null, 2) + '\n');
if (!keep) rmSync(work, { recursive: true, force: true });
}
