import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/repo.js';

/**
 * The layering of src/ (docs/architecture.md, "The pipeline, folder by folder"), enforced on every import: static
 * imports and re-exports, `import type` and `export type` included, `import()` calls and `import('…')` types.
 *
 * A folder may import only from itself and from earlier stages. Stages are the top-level folders of src/, earlier
 * first; `index.ts` (the public API) comes last. A new folder must be placed here before anything can import it.
 */
const STAGES = ['util', 'source', 'regex', 'decision', 'diagnostics', 'ast', 'syntax', 'format', 'ir', 'check', 'eval', 'runtime', 'codegen', 'backends', 'project', 'explain', 'diff', 'doc', 'gate', 'policytest', 'serve', 'lsp', 'cli', 'index.ts'] as const;
type Stage = (typeof STAGES)[number];

/**
 * Stages that may import less than "everything earlier". `runtime` is published as `govc/runtime` and loaded by
 * generated code in users' apps, so it carries only what a decision needs at run time; `decision` (the request and
 * decision contract) and `regex` (the portable regex subset) are leaves every target and runtime shares.
 */
const ONLY: Partial<Record<Stage, readonly Stage[]>> = {
  runtime: ['util', 'regex', 'decision', 'runtime'],
  decision: ['util', 'decision'],
  regex: ['util', 'regex'],
};

/** Packages a stage may import (node: built-ins aside); a stage not listed may import any dependency. */
const PACKAGES: Partial<Record<Stage, readonly string[]>> = {
  // What a user's app installs with govc/runtime: never the compiler's dependencies (ts-morph, chevrotain, ajv...).
  runtime: ['re2js'],
  decision: [],
  regex: [],
  util: [],
};

/**
 * Imports that break the rules today and are being removed by work in flight (issue 9, "The back end in the front
 * end's shape"). Each names the importing file and the folder or file it may still reach. The test fails when an
 * exception is no longer needed, so it is deleted as soon as the work lands.
 */
const TEMPORARY_EXCEPTIONS: ReadonlyArray<{ readonly from: string; readonly to: string; readonly why: string }> = [];

/** Not TypeScript of the compiler: AssemblyScript compiled on its own (it imports only its own folder, checked below). */
const SEPARATE_PROGRAMS = ['src/backends/wasm/assembly/'];

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const rel = (path: string): string => relative(REPO_ROOT, path).split('\\').join('/');

/** Every module specifier a file names, with whether the import is type-only. */
function specifiersOf(path: string): Array<{ specifier: string; typeOnly: boolean }> {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      // INVARIANT (checked by the test below): src/ names every module it loads by a literal.
      found.push({ specifier: arg && ts.isStringLiteralLike(arg) ? arg.text : '<expression>', typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The file a relative specifier names: `./x.js` is `./x.ts` (NodeNext); AssemblyScript writes `./x`. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c) && statSync(c).isFile());
}

const SRC = join(REPO_ROOT, 'src');
const FILES = sourceFiles(SRC).map(rel);
const EDGES: Edge[] = [];
const PACKAGE_IMPORTS: Array<{ from: string; specifier: string }> = [];
const UNRESOLVED: string[] = [];
for (const from of FILES) {
  for (const { specifier, typeOnly } of specifiersOf(join(REPO_ROOT, from))) {
    if (specifier.startsWith('.')) {
      const target = resolveRelative(join(REPO_ROOT, from), specifier);
      if (target === undefined) UNRESOLVED.push(`${from}: ${specifier}`);
      else EDGES.push({ from, to: rel(target), specifier, typeOnly });
    } else if (specifier === '<expression>') UNRESOLVED.push(`${from}: import() of an expression`);
    else PACKAGE_IMPORTS.push({ from, specifier });
  }
}

function stageOf(file: string): string {
  const inside = file.slice('src/'.length);
  return inside.includes('/') ? inside.slice(0, inside.indexOf('/')) : inside;
}

const covers = (prefix: string, file: string): boolean => (prefix.endsWith('/') ? file.startsWith(prefix) : file === prefix);
const excepted = (e: Edge): boolean => TEMPORARY_EXCEPTIONS.some((x) => covers(x.from, e.from) && covers(x.to, e.to));
const separate = (file: string): string | undefined => SEPARATE_PROGRAMS.find((p) => file.startsWith(p));

/** Why an edge breaks the layering, or undefined when it keeps it. */
function breach(e: Edge): string | undefined {
  const a = stageOf(e.from) as Stage;
  const b = stageOf(e.to) as Stage;
  const program = separate(e.from) ?? separate(e.to);
  if (program !== undefined && !(e.from.startsWith(program) && e.to.startsWith(program))) return `${program} is compiled on its own and imports only itself`;
  const only = ONLY[a];
  if (only !== undefined && !only.includes(b)) return `${a}/ may import only ${only.map((s) => `${s}/`).join(', ')}`;
  if (STAGES.indexOf(b) > STAGES.indexOf(a)) return `${b} comes after ${a} in the stage order`;
  return undefined;
}

/** Strongly connected components with more than one node (or a node importing itself): Tarjan's algorithm. */
function cycles(nodes: readonly string[], edges: ReadonlyArray<readonly [string, string]>): string[][] {
  const next = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const [a, b] of edges) next.get(a)?.push(b);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.some(([a, b]) => a === v && b === v)) found.push(component.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) connect(n);
  return found;
}

/** The chain of imports that closes a cycle, for the failure message: `a -> b -> a`. */
function describeCycle(component: readonly string[], edges: ReadonlyArray<readonly [string, string]>): string {
  const inside = new Set(component);
  const path = [component[0]!];
  const seen = new Set(path);
  for (let at = component[0]!; ; ) {
    const to = edges.find(([a, b]) => a === at && inside.has(b) && (!seen.has(b) || b === component[0]))?.[1];
    if (to === undefined) break;
    path.push(to);
    if (to === component[0]) break;
    seen.add(to);
    at = to;
  }
  return path.join(' -> ');
}

const topFolders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory()).sort();

describe('layering of src/', () => {
  it('reads the imports of every source file', () => {
    expect(FILES.length).toBeGreaterThan(50);
    expect(EDGES.length).toBeGreaterThan(100);
    // Every relative import names a file that exists, and every import() a literal: nothing escapes the scan.
    expect(UNRESOLVED).toEqual([]);
  });

  it('places every folder of src/ in the stage order', () => {
    expect(topFolders.filter((f) => !(STAGES as readonly string[]).includes(f))).toEqual([]);
    const loose = FILES.filter((f) => !f.slice('src/'.length).includes('/'));
    expect(loose).toEqual(['src/index.ts']);
  });

  it('gives every folder of src/, and every back end, a README and an index.ts barrel', () => {
    const backends = readdirSync(join(SRC, 'backends')).filter((n) => statSync(join(SRC, 'backends', n)).isDirectory());
    const folders = [...topFolders, ...backends.map((b) => `backends/${b}`)];
    const missing = folders.flatMap((f) => ['README.md', 'index.ts'].filter((n) => !existsSync(join(SRC, f, n))).map((n) => `src/${f}/${n}`));
    expect(missing).toEqual([]);
  });

  it('imports only from the same stage or an earlier one, within each stage\'s allowance', () => {
    const breaches = EDGES.filter((e) => !excepted(e))
      .map((e) => ({ e, why: breach(e) }))
      .filter((x) => x.why !== undefined)
      .map(({ e, why }) => `${e.from} imports ${e.specifier}${e.typeOnly ? ' (type only)' : ''}: ${why}`);
    expect(breaches).toEqual([]);
  });

  it('imports from packages only what a stage may load', () => {
    const wrong = PACKAGE_IMPORTS.filter(({ from, specifier }) => {
      const allowed = PACKAGES[stageOf(from) as Stage];
      if (allowed === undefined || specifier.startsWith('node:')) return false;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      return !allowed.includes(name);
    });
    expect(wrong.map((w) => `${w.from} imports ${w.specifier}`)).toEqual([]);
  });

  it('keeps its temporary exceptions only while they are needed', () => {
    const stale = TEMPORARY_EXCEPTIONS.filter((x) => !EDGES.some((e) => covers(x.from, e.from) && covers(x.to, e.to) && breach(e) !== undefined));
    expect(stale.map((x) => `${x.from} -> ${x.to} (${x.why}): no longer needed, remove it`)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const pairs = EDGES.map((e) => [e.from, e.to] as const);
    expect(cycles(FILES, pairs).map((c) => describeCycle(c, pairs))).toEqual([]);
  });

  it('has no import cycle between stages, nor between sibling folders inside a stage', () => {
    const kept = EDGES.filter((e) => !excepted(e));
    const stagePairs = kept.map((e) => [stageOf(e.from), stageOf(e.to)] as const).filter(([a, b]) => a !== b);
    const found = cycles([...new Set(FILES.map(stageOf))], stagePairs).map((c) => describeCycle(c, stagePairs));
    // Inside a folder, its sub-folders (backends/opa, backends/wasm, check/rules...) must not import each other in a
    // loop; a sub-folder and the files directly in its parent form one room and may.
    const dirOf = (f: string): string => f.slice(0, f.lastIndexOf('/'));
    const siblingPairs: Array<readonly [string, string]> = [];
    for (const e of kept) {
      const a = dirOf(e.from).split('/');
      const b = dirOf(e.to).split('/');
      let common = 0;
      while (common < a.length && common < b.length && a[common] === b[common]) common++;
      // Both sides below their common folder: the two child folders of it that hold them.
      if (common >= 2 && common < a.length && common < b.length) siblingPairs.push([a.slice(0, common + 1).join('/'), b.slice(0, common + 1).join('/')]);
    }
    const folders = [...new Set(siblingPairs.flat())];
    found.push(...cycles(folders, siblingPairs).map((c) => describeCycle(c, siblingPairs)));
    expect(found).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    // The checks above pass on today's tree; these edges show each one can fail.
    const fake = (from: string, to: string): Edge => ({ from, to, specifier: to, typeOnly: true });
    expect(breach(fake('src/ir/types.ts', 'src/check/check.ts'))).toMatch(/after ir/);
    expect(breach(fake('src/runtime/guard.ts', 'src/ir/types.ts'))).toMatch(/runtime\/ may import only/);
    expect(breach(fake('src/regex/parsePortableRegex.ts', 'src/source/Source.ts'))).toMatch(/regex\/ may import only/);
    expect(breach(fake('src/backends/wasm/assembly/decide.ts', 'src/util/compare.ts'))).toMatch(/compiled on its own/);
    expect(breach(fake('src/cli/main.ts', 'src/util/suggest.ts'))).toBeUndefined();
    expect(cycles(['a', 'b', 'c'], [['a', 'b'], ['b', 'c'], ['c', 'a']])).toEqual([['a', 'b', 'c']]);
    expect(cycles(['a', 'b'], [['a', 'b']])).toEqual([]);
  });
});
