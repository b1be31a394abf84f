// Profiles one full compile of a generated program, for docs/benchmarks.md:
//   node bench/generate.mjs 10000 /tmp/gb10k
//   node --cpu-prof --cpu-prof-dir out/bench/prof bench/profile.mjs /tmp/gb10k
//   node bench/profile.mjs --summary out/bench/prof/<file>.cpuprofile   # hottest functions by self and total time
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS_OF } from './generate.mjs';

const args = process.argv.slice(2);
if (args[0] === '--summary') {
  const prof = JSON.parse(readFileSync(args[1], 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const total = new Map();
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let all = 0;
  for (const n of prof.nodes) {
    const t = dt.get(n.id) ?? 0;
    all += t;
    self.set(label(n), (self.get(label(n)) ?? 0) + t);
    // Total time: charge each ancestor frame once per sample path (recursion counted once).
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const l = label(byId.get(id));
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + t);
    }
  }
  // Self time by stage, from where the code lives.
  const stageOf = (n) => {
    const url = n.callFrame.url;
    const fn = n.callFrame.functionName;
    if (fn === '(garbage collector)') return 'garbage collection';
    if (fn.startsWith('RegExp: ')) return 'lexing (chevrotain Lexer)'; // token patterns, run from the lexer
    if (fn === '(idle)') return 'idle';
    if (url.includes('chevrotain/lib/src/scan')) return 'lexing (chevrotain Lexer)';
    if (url.includes('chevrotain') || url.includes('lodash')) return 'parsing (chevrotain CstParser)';
    if (url.includes('dist/syntax/cstToAst')) return 'CST to AST (dist/syntax/cstToAst.js)';
    if (url.includes('dist/syntax/')) return 'parse driver (dist/syntax/parse.js, parser.js)';
    if (url.includes('dist/check/') || url.includes('dist/diagnostics/') || url.includes('dist/source/')) return 'check (dist/check/)';
    if (url.includes('dist/ir/lower')) return 'lower';
    if (url.includes('ajv') || fn.startsWith('validate') || url.includes('dist/ir/')) return 'IR validation (ajv)';
    if (url.includes('dist/project/')) return 'loading files';
    if (url.startsWith('node:') || url === '' || fn === '(program)') return 'Node runtime, file I/O, module loading';
    return 'other';
  };
  const stages = new Map();
  for (const n of prof.nodes) stages.set(stageOf(n), (stages.get(stageOf(n)) ?? 0) + (dt.get(n.id) ?? 0));
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([l, t]) => `${((100 * t) / all).toFixed(1).padStart(5)} %  ${(t / 1000).toFixed(0).padStart(6)} ms  ${l}`);
  console.log(`profile: ${(all / 1000).toFixed(0)} ms sampled\n\nSelf time by stage:\n${top(stages, 20).join('\n')}\n\nSelf time:\n${top(self, 25).join('\n')}\n\nTotal time:\n${top(total, 30).join('\n')}`);
} else {
  const dir = args[0];
  const entryFiles = readdirSync(dir).filter((f) => f.endsWith('.gov')).sort().map((f) => join(dir, f));
  const { compileFiles } = await import(new URL('../dist/project/compile.js', import.meta.url).href);
  const t0 = performance.now();
  const res = compileFiles(entryFiles, { asOf: AS_OF, cwd: dir });
  console.log(`compiled ${entryFiles.length} files in ${(performance.now() - t0).toFixed(0)} ms, ${res.diagnostics.length} diagnostics`);
}
