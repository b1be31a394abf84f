import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardsArtifacts, guardTables } from '../src/backends/ts-guards/index.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { defineGuards } from '../src/runtime/index.js';
import { loadCorpora } from './helpers/corpus.js';
import { AS_OF, REPO_ROOT } from './helpers/repo.js';

/**
 * govc as a user gets it: `npm pack` of this build, installed from the tarball into scratch projects, `govc build`
 * of an example with the installed CLI, and the generated guards imported and run from every kind of project a user
 * has: CommonJS (npm's default) and `"type": "module"`, by `require` and by `import`, and TypeScript under
 * `nodenext` (both module systems), `bundler` and the old `node10` resolution. Each app decides the example's whole
 * corpus and runs one `invoke` (detectors included, so the runtime's regex engine loads under each module system);
 * every decision must equal the reference evaluator's. The TypeScript apps also hold `@ts-expect-error` typos, so
 * the literal-union types reach the user under every resolution (an unused directive is an error).
 *
 * The tarball is packed from dist/ as it is (`--ignore-scripts`: rebuilding here would rewrite dist/ under the tests
 * running beside this one), so dist/ must be at least as new as src/ (`npm test` builds first).
 */

const EXAMPLE = 'acme-support';
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NODE_TYPES = join(REPO_ROOT, 'node_modules', '@types');
const T0 = Date.parse(`${AS_OF}T10:00:00Z`);
const INVOKE_REQUEST = { use_case: 'support_assistant', tenant: 't-1', region: 'eu', tokens: { input: 10, output: 10 }, input: 'Please write to jane.doe@example.com about the refund.' };

let tmp: string;
let base: string;
let built: string;
let ir: IrProgram;
let inputs: unknown[];

function run(cmd: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** dist/ holds a build of src/ at least as new as it (the CommonJS runtime included). */
function assertFreshDist(): void {
  const stale: string[] = [];
  const src = join(REPO_ROOT, 'src');
  for (const f of filesUnder(src)) {
    if (!f.endsWith('.ts') || f.endsWith('.d.ts') || f.startsWith(join('backends', 'wasm', 'assembly'))) continue;
    const outs = [join(REPO_ROOT, 'dist', f.replace(/\.ts$/, '.js'))];
    if (f.startsWith('runtime')) outs.push(join(REPO_ROOT, 'dist', 'cjs', f.replace(/\.ts$/, '.js')));
    for (const out of outs) if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(src, f)).mtimeMs) stale.push(relative(REPO_ROOT, out));
  }
  if (stale.length > 0) throw new Error(`dist/ is older than src/ (${stale.slice(0, 3).join(', ')}...): run \`npm run build\` first (npm test does)`);
}

/** npm install of the tarball: from the cache when it has everything, else from the registry (then cached). */
function installTarball(dir: string, tarball: string): void {
  const args = ['install', '--no-audit', '--no-fund', '--no-save', '--ignore-scripts', tarball];
  try {
    run('npm', ['--offline', ...args], dir);
  } catch {
    run('npm', ['--prefer-offline', ...args], dir);
  }
}

/** A scratch project: its package.json, its files, the install's node_modules, and the built guards in generated/. */
function project(name: string, pkg: object, files: Readonly<Record<string, string>>): string {
  const dir = join(tmp, 'apps', name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, ...pkg }, null, 2));
  symlinkSync(join(base, 'node_modules'), join(dir, 'node_modules'), 'dir');
  cpSync(join(built, 'ts'), join(dir, 'generated'), { recursive: true });
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify(inputs));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

interface AppOutput {
  readonly [form: string]: { readonly decisions: unknown[]; readonly invoked: { ok: boolean; output: unknown; cost_micros: unknown; logged: number } };
}

/** Runs an app (`node ENTRY inputs.json`) and reads what it printed. */
function runApp(dir: string, entry: string): AppOutput {
  return JSON.parse(run(process.execPath, [entry, join(dir, 'inputs.json')], dir)) as AppOutput;
}

function tsconfig(options: Readonly<Record<string, unknown>>, include: readonly string[] = ['src']): string {
  return JSON.stringify({ compilerOptions: { target: 'ES2022', strict: true, outDir: 'dist', rootDir: 'src', types: ['node'], typeRoots: [NODE_TYPES], ...options }, include }, null, 2);
}

// The apps' code. Each form of the guards decides the inputs and runs one invoke, with a store and a log made by the
// app's own copy of govc/runtime (`runtime`), which need not be the copy the form loads (ESM and CommonJS each have one).
const JS_BODY = (forms: string): string => `
const T0 = ${T0};
const REQUEST = ${JSON.stringify(INVOKE_REQUEST)};
async function main(forms, inputs) {
  const out = {};
  for (const [form, g] of Object.entries(forms)) {
    const log = new runtime.MemoryDecisionLog();
    const r = await g.createGuard({ clock: () => T0, store: new runtime.MemoryStore(), log }).invoke(REQUEST, ({ input }) => ({ output: input, usage: { input_tokens: 10, output_tokens: 10 } }));
    out[form] = { decisions: inputs.map((x) => g.decideUnknown(x)), invoked: { ok: r.ok, output: r.output, cost_micros: r.cost_micros, logged: log.entries.length } };
  }
  process.stdout.write(JSON.stringify(out));
}
main(${forms}, JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8')));
`;

const TS_BODY = (imports: string, forms: string): string => `${imports}
import { readFileSync } from 'node:fs';
import { MemoryDecisionLog, MemoryStore } from 'govc/runtime';

const T0 = ${T0};
interface Forms { readonly [form: string]: typeof guards }
async function main(forms: Forms, inputs: readonly unknown[]): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const [form, g] of Object.entries(forms)) {
    const request = { use_case: 'support_assistant', tenant: 't-1', region: 'eu', tokens: { input: 10, output: 10 }, input: ${JSON.stringify(INVOKE_REQUEST.input)} } as const;
    const log = new MemoryDecisionLog();
    const r = await g.createGuard({ clock: () => T0, store: new MemoryStore(), log }).invoke(request, ({ input }) => ({ output: input, usage: { input_tokens: 10, output_tokens: 10 } }));
    out[form] = { decisions: inputs.map((x) => g.decideUnknown(x)), invoked: { ok: r.ok, output: r.ok ? r.output : null, cost_micros: r.ok ? r.cost_micros : null, logged: log.entries.length } };
  }
  process.stdout.write(JSON.stringify(out));
}

/** Names of the program are literal types: a typo does not compile, the right name does. */
export function typos(): void {
  const t = { tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' } as const;
  guards.decide({ ...t, use_case: 'support_assistant', model: 'gpt-4.1', data_classes: ['pii'] });
  // @ts-expect-error a misspelt use case
  guards.decide({ ...t, use_case: 'support_asistant' });
  // @ts-expect-error a model the use case may not ask for
  guards.decide({ ...t, use_case: 'kb_tagging', model: 'gpt-4.1' });
  // @ts-expect-error a misspelt data class
  guards.decide({ ...t, use_case: 'kb_tagging', data_classes: ['pi'] });
}

void main(${forms}, JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as unknown[]);
`;

beforeAll(() => {
  assertFreshDist();
  tmp = mkdtempSync(join(tmpdir(), 'govc-packaging-'));
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], REPO_ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(tmp, packed[0]!.filename);
  expect(packed[0]!.files.map((f) => f.path)).toEqual(expect.arrayContaining(['dist/runtime/index.js', 'dist/cjs/runtime/index.js', 'dist/cjs/package.json', 'dist/cli/main.js']));
  base = join(tmp, 'base');
  mkdirSync(base);
  writeFileSync(join(base, 'package.json'), JSON.stringify({ name: 'base', version: '1.0.0', private: true }));
  installTarball(base, tarball);
  cpSync(join(REPO_ROOT, 'examples', EXAMPLE), join(tmp, EXAMPLE), { recursive: true });
  const govc = join(base, 'node_modules', 'govc', 'dist', 'cli', 'main.js');
  built = join(tmp, 'out');
  run(process.execPath, [govc, 'build', join(tmp, EXAMPLE), '--out', built, '--as-of', AS_OF], tmp);
  run(process.execPath, [govc, 'build', join(tmp, EXAMPLE), '--out', join(tmp, 'again'), '--as-of', AS_OF], tmp);
  ir = JSON.parse(readFileSync(join(built, 'ir.json'), 'utf8')) as IrProgram;
  inputs = loadCorpora().find((c) => c.example === EXAMPLE)!.cases.map((c) => c.input);
}, 300_000);

afterAll(() => {
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

describe('govc from its packed tarball, in a fresh project', () => {
  it('`govc build` writes the guards in every form, byte-stable, and what the sources generate', () => {
    const ts = filesUnder(join(built, 'ts'));
    expect(ts).toEqual(['guards.cjs', 'guards.d.cts', 'guards.d.mts', 'guards.mjs', 'guards.ts']);
    for (const f of filesUnder(built)) expect([f, readFileSync(join(tmp, 'again', f)).equals(readFileSync(join(built, f)))]).toEqual([f, true]);
    const expected = guardsArtifacts(ir);
    for (const f of ts) expect([f, readFileSync(join(built, 'ts', f), 'utf8') === expected[`ts/${f}`]]).toEqual([f, true]);
  });

  it('govc/runtime loads by require and by import, with the same exports', () => {
    const dir = project('runtime-both', {}, {
      'both.mjs': `import { createRequire } from 'node:module';\nconst esm = await import('govc/runtime');\nconst cjs = createRequire(import.meta.url)('govc/runtime');\nprocess.stdout.write(JSON.stringify({ esm: Object.keys(esm).filter((k) => k !== 'default').sort(), cjs: Object.keys(cjs).filter((k) => k !== '__esModule').sort() }));\n`,
    });
    const { esm, cjs } = JSON.parse(run(process.execPath, ['both.mjs'], dir)) as { esm: string[]; cjs: string[] };
    expect(cjs).toEqual(esm);
    expect(esm).toEqual(expect.arrayContaining(['createGuard', 'defineGuards', 'MemoryStore', 'RedisStore', 'JsonlDecisionLog']));
  });

  describe('the guards decide as the reference in', () => {
    let expected: { decisions: string; invoked: string };
    beforeAll(async () => {
      const g = defineGuards(guardTables(ir));
      const r = await g.createGuard({ clock: () => T0 }).invoke(INVOKE_REQUEST as never, ({ input }) => ({ output: input, usage: { input_tokens: 10, output_tokens: 10 } }));
      expect(r.ok).toBe(true);
      const output = r.ok ? r.output : null;
      expect(JSON.stringify(output)).toContain('[REDACTED:pii]');
      expected = { decisions: JSON.stringify(inputs.map((x) => evaluate(ir, x))), invoked: JSON.stringify({ ok: r.ok, output, cost_micros: r.ok ? r.cost_micros : null, logged: 1 }) };
    });

    const check = (out: AppOutput, forms: readonly string[]): void => {
      expect(Object.keys(out).sort()).toEqual([...forms].sort());
      for (const form of forms) {
        expect([form, JSON.stringify(out[form]!.decisions) === expected.decisions]).toEqual([form, true]);
        expect([form, JSON.stringify(out[form]!.invoked)]).toEqual([form, expected.invoked]);
      }
    };

    it('a CommonJS project (npm init -y): require the .cjs; import the .mjs and the .cjs from an .mjs', () => {
      const dir = project('cjs', {}, {
        'app.js': `const runtime = require('govc/runtime');\nconst guards = require('./generated/guards.cjs');\n${JS_BODY('{ cjs: guards }')}`,
        'app.mjs': `import * as runtime from 'govc/runtime';\nimport * as mjs from './generated/guards.mjs';\nimport { decideUnknown, createGuard } from './generated/guards.cjs';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${JS_BODY('{ mjs, cjsNamed: { decideUnknown, createGuard } }')}`,
      });
      check(runApp(dir, 'app.js'), ['cjs']);
      check(runApp(dir, 'app.mjs'), ['mjs', 'cjsNamed']);
    });

    it('a "type": "module" project: import the .mjs, import and require the .cjs', () => {
      const dir = project('esm', { type: 'module' }, {
        'app.js': `import * as runtime from 'govc/runtime';\nimport * as mjs from './generated/guards.mjs';\nimport * as cjs from './generated/guards.cjs';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nconst required = require('./generated/guards.cjs');\n${JS_BODY('{ mjs, cjs: { decideUnknown: cjs.decideUnknown, createGuard: cjs.createGuard }, required }')}`,
      });
      check(runApp(dir, 'app.js'), ['mjs', 'cjs', 'required']);
    });

    it('TypeScript, module nodenext, in a CommonJS project: the .cjs through its .d.cts, and guards.ts compiled with the app', () => {
      const dir = project('ts-nodenext-cjs', {}, {
        'tsconfig.json': tsconfig({ module: 'nodenext', moduleResolution: 'nodenext' }),
        'src/app.ts': TS_BODY(`import * as guards from '../generated/guards.cjs';\nimport * as source from './guards.js';`, '{ cjs: guards, source }'),
      });
      cpSync(join(built, 'ts', 'guards.ts'), join(dir, 'src', 'guards.ts'));
      run(process.execPath, [TSC, '-p', dir], dir);
      expect(readFileSync(join(dir, 'dist', 'guards.js'), 'utf8')).toContain('require("govc/runtime")');
      check(runApp(dir, 'dist/app.js'), ['cjs', 'source']);
    });

    it('TypeScript, module nodenext, in a "type": "module" project: the .mjs through its .d.mts, and guards.ts compiled with the app', () => {
      const dir = project('ts-nodenext-esm', { type: 'module' }, {
        'tsconfig.json': tsconfig({ module: 'nodenext', moduleResolution: 'nodenext', verbatimModuleSyntax: true }),
        'src/app.ts': TS_BODY(`import * as guards from '../generated/guards.mjs';\nimport * as source from './guards.js';`, '{ mjs: guards, source }'),
      });
      cpSync(join(built, 'ts', 'guards.ts'), join(dir, 'src', 'guards.ts'));
      run(process.execPath, [TSC, '-p', dir], dir);
      check(runApp(dir, 'dist/app.js'), ['mjs', 'source']);
    });

    it('TypeScript, moduleResolution bundler: the .mjs, and guards.ts imported without an extension (type-checked)', () => {
      const dir = project('ts-bundler', { type: 'module' }, {
        // skipLibCheck here and under node10: the nodenext apps check every declaration (govc's and the guards'), twice is enough.
        'tsconfig.json': tsconfig({ module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true }),
        'src/app.ts': TS_BODY(`import * as guards from '../generated/guards.mjs';`, '{ mjs: guards }'),
        // What a bundler would take: the TypeScript itself. Checked, not run (Node does not resolve `./guards`).
        'src/viaSource.ts': TS_BODY(`import * as guards from './guards';`, '{ source: guards }'),
      });
      cpSync(join(built, 'ts', 'guards.ts'), join(dir, 'src', 'guards.ts'));
      run(process.execPath, [TSC, '-p', dir], dir);
      check(runApp(dir, 'dist/app.js'), ['mjs']);
    });

    it('TypeScript, module commonjs with the old node10 resolution: the .cjs, govc/runtime through typesVersions', () => {
      const dir = project('ts-node10', {}, {
        'tsconfig.json': tsconfig({ module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, skipLibCheck: true }),
        'src/app.ts': TS_BODY(`import * as guards from '../generated/guards.cjs';`, '{ cjs: guards }'),
      });
      run(process.execPath, [TSC, '-p', dir], dir);
      check(runApp(dir, 'dist/app.js'), ['cjs']);
    });
  });
});
