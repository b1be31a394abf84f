import fc from 'fast-check';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../src/backends/opa/index.js';
import { generateGuards, generateGuardsFiles, guardsArtifacts, guardTables } from '../src/backends/ts-guards/index.js';
import { evaluate } from '../src/eval/evaluate.js';
import { firstRequestProblem } from '../src/eval/validateRequest.js';
import type { IrProgram } from '../src/ir/types.js';
import { classList } from '../src/runtime/engine/classList.js';
import { timeOk } from '../src/runtime/engine/wellFormed.js';
import { defineGuards, isValidTime, requestProblem } from '../src/runtime/index.js';
import { compareCodePoints } from '../src/util/compare.js';
import { loadCorpora } from './helpers/corpus.js';
import { GUARDS_WORK, loadGuards, type LoadedGuards } from './helpers/guards.js';
import { opa, requireOpa } from './helpers/opa.js';
import { canonical, relowered, requestArbitrary } from './helpers/requests.js';
import { exampleIr, exampleNames, REPO_ROOT } from './helpers/repo.js';

const names = exampleNames();
const irs = new Map<string, IrProgram>(names.map((n) => [n, exampleIr(n)]));
const guards = new Map<string, LoadedGuards>();
const work = join(GUARDS_WORK, `t-${process.pid}`);

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  for (const n of names) guards.set(n, await loadGuards(irs.get(n)!, n));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  for (const g of guards.values()) rmSync(g.path, { force: true });
});

/** Same JSON text: same fields, same values, same key order as the reference. */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

describe('guards decide exactly as the reference evaluator', () => {
  const corpora = loadCorpora();

  for (const corpus of corpora) {
    it(`${corpus.example}: every corpus case (${corpus.cases.length})`, () => {
      const ir = irs.get(corpus.example)!;
      const g = guards.get(corpus.example)!;
      const mismatches = corpus.cases.flatMap((c) => (same(g.decide(c.input), evaluate(ir, c.input)) ? [] : [{ description: c.description, guards: g.decide(c.input), reference: evaluate(ir, c.input) }]));
      expect(mismatches.slice(0, 2)).toEqual([]);
    });
  }

  for (const name of names) {
    it(`${name}: 2,000 random requests (property-based, shrinking on mismatch)`, () => {
      const ir = irs.get(name)!;
      const g = guards.get(name)!;
      fc.assert(
        fc.property(requestArbitrary(ir), (input) => {
          expect(JSON.stringify(g.decide(input))).toBe(JSON.stringify(evaluate(ir, input)));
        }),
        { numRuns: 2000, seed: 5_2026 + name.length },
      );
    });
  }

  it('rejects malformed input with the reference message, never throwing (edge values, every field)', () => {
    const ir = irs.get(names[0]!)!;
    const g = guards.get(names[0]!)!;
    const base = { use_case: Object.keys(ir.use_cases)[0], tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' };
    const edges: unknown[] = [null, undefined, '', 'x', 0, -1, 1.5, 1e16, NaN, Infinity, true, [], {}, [''], ['x'], { name: 'x' }, { name: 'x', scope: '' }, { input: -1 }, { use_case: { day: 1.5 } }, { tenant: [] }, { use_case: { requests: 'x' } }, { b: 1, a: -1 }, { __proto__: 1 }];
    const times = ['2026-02-29T00:00:00Z', '2028-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2000-02-29T23:59:59.123456789Z', '2026-11-26T24:00:00Z', '2026-11-26T10:00:00.Z', '2026-11-26T10:00:00.1234567890Z', '2026-13-01T00:00:00Z', '2026-00-01T00:00:00Z', '2026-11-26t10:00:00Z', '2026-11-26T10:00:60Z', '٢٠٢٦-11-26T10:00:00Z', '2026-11-26T10:00:00z'];
    const fields = ['use_case', 'tenant', 'region', 'time', 'trace_id', 'model', 'data_classes', 'tool', 'tokens', 'spend', 'rate', 'corpora'];
    const inputs: unknown[] = [...edges, ...times.map((time) => ({ ...base, time }))];
    for (const f of fields) for (const v of edges) inputs.push({ ...base, [f]: v });
    inputs.push(JSON.parse('{"use_case":"x","tenant":"t","region":"eu","time":"2026-11-26T10:00:00Z","spend":{"__proto__":{"day":-1}}}'));
    inputs.push({ ...base, spend: { use_case: { zeta: -1, alpha: 'x', 'ü': 1.5, '\u{10000}': -2, '\uffff': -3 } } });
    for (const input of inputs) {
      expect(requestProblem(input)).toBe(firstRequestProblem(input));
      expect(JSON.stringify(g.decide(input))).toBe(JSON.stringify(evaluate(ir, input)));
    }
  });

  it('requests built in odd ways (own undefined fields, inherited fields, extra keys) decide as the reference', () => {
    for (const name of names) {
      const ir = irs.get(name)!;
      const g = guards.get(name)!;
      const corpus = loadCorpora().find((c) => c.example === name)!;
      const bases = corpus.cases.map((c) => c.input).filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && firstRequestProblem(x) === undefined);
      const fields = ['trace_id', 'model', 'data_classes', 'tool', 'tokens', 'spend', 'rate', 'corpora'];
      const variants = (b: Record<string, unknown>): unknown[] => {
        const out: unknown[] = [];
        for (const f of fields) {
          out.push({ ...b, [f]: undefined });
          const { [f]: value, ...rest } = b;
          if (value !== undefined) out.push(Object.assign(Object.create({ [f]: value }), rest));
          out.push(Object.assign(Object.create({ [f]: 'inherited' }), rest));
        }
        const spend = b.spend as Record<string, Record<string, number>> | undefined;
        if (spend?.use_case) {
          out.push({ ...b, spend: { ...spend, use_case: Object.assign(Object.create({ month: 1 }), spend.use_case) } });
          out.push({ ...b, spend: { ...spend, use_case: Object.assign(Object.create({ zzz: -1 }), spend.use_case) } });
          out.push({ ...b, spend: { ...spend, use_case: Object.assign(Object.create(null), spend.use_case) } });
        }
        const rate = b.rate as Record<string, Record<string, number>> | undefined;
        if (rate?.use_case) out.push({ ...b, rate: { ...rate, use_case: { ...rate.use_case, extra: 'x' } } });
        const tool = b.tool as Record<string, unknown> | undefined;
        if (tool) out.push({ ...b, tool: { ...tool, human_approved_by: undefined } }, { ...b, tool: Object.assign(Object.create({ human_approved_by: 'x' }), tool) });
        out.push({ ...b, data_classes: ['pii', 'pii', 'pii'] }, { ...b, data_classes: ['source_code', 'pii', 'customer_content'] }, { ...b, data_classes: ['pii', 'customer_content', 'pii'] });
        out.push({ ...b, data_classes: ['💥', '\uffff', 'pii'] }, { ...b, data_classes: ['b', 'a', 'b', 'a'] });
        // Retrieval: effective classes merged with the request's (duplicates, order), unknown and ungranted corpora.
        out.push({ ...b, corpora: ['help_center'] }, { ...b, corpora: ['help_center'], data_classes: ['pii', 'customer_content'] }, { ...b, corpora: ['genetic_reports', 'help_center', 'genetic_reports'], data_classes: ['source_code', 'pii', 'phi'] });
        out.push({ ...b, corpora: ['__proto__', 'toString'] }, { ...b, corpora: Object.assign(Object.create({ 0: 'help_center' }), { length: 1 }) as unknown });
        return out;
      };
      for (const b of bases.slice(0, 40)) {
        for (const input of variants(b)) expect(JSON.stringify(g.decide(input))).toBe(JSON.stringify(evaluate(ir, input)));
      }
    }
  });

  it('agrees with OPA (Rego over the bundle) and the reference on the whole corpus', () => {
    requireOpa();
    for (const corpus of corpora) {
      const ir = irs.get(corpus.example)!;
      const bundle = join(work, `bundle-${corpus.example}.tar.gz`);
      writeFileSync(bundle, buildBundle(ir).tarGz);
      const inputs = corpus.cases.map((c) => c.input);
      const inputFile = join(work, 'batch.json');
      writeFileSync(inputFile, JSON.stringify({ cases: inputs }));
      const r = opa(['eval', '--format', 'json', '-b', bundle, '-i', inputFile, '{sprintf("%d", [i]): d | some i, x in input.cases; d := data.govc.decision with input as x}']);
      expect(r.stderr).toBe('');
      const value = (JSON.parse(r.stdout) as { result: Array<{ expressions: Array<{ value: Record<string, unknown> }> }> }).result[0]!.expressions[0]!.value;
      const g = guards.get(corpus.example)!;
      const mismatches = inputs.flatMap((input, i) => {
        const reference = canonical(evaluate(ir, input));
        const got = { guards: canonical(g.decide(input)), rego: canonical(value[String(i)]) };
        return got.guards === reference && got.rego === reference ? [] : [{ description: corpus.cases[i]!.description, ...got, reference }];
      });
      expect(mismatches.slice(0, 2)).toEqual([]);
    }
  });

  it('decisions share no mutable state: precomputed parts are frozen, and later decisions are unaffected', () => {
    const name = 'acme-support';
    const ir = irs.get(name)!;
    const g = guards.get(name)!;
    const input = loadCorpora().find((c) => c.example === name)!.cases.find((c) => evaluate(ir, c.input).decision === 'allow')!.input;
    const d = g.decide(input) as unknown as { reasons: unknown[]; obligations: { log: Record<string, unknown>; redact: unknown[] }; limits: { budgets: unknown[] } };
    expect(() => d.reasons.push('x')).toThrow(TypeError);
    expect(() => ((d.reasons[0] as Record<string, unknown>).code = 'x')).toThrow(TypeError);
    expect(() => (d.obligations.log.inputs = 'full')).toThrow(TypeError);
    expect(() => d.obligations.redact.push('x')).toThrow(TypeError);
    expect(() => d.limits.budgets.pop()).toThrow(TypeError);
    expect(JSON.stringify(g.decide(input))).toBe(JSON.stringify(evaluate(ir, input)));
  });
});

describe('the generated module', () => {
  for (const name of names) {
    it(`${name}: matches its golden file`, async () => {
      await expect(generateGuards(irs.get(name)!)).toMatchFileSnapshot(join(REPO_ROOT, 'test', 'fixtures', 'guards', name, 'guards.ts'));
    });
  }

  it('is deterministic, and every form carries the same table rows', () => {
    const ir = irs.get(names[0]!)!;
    const files = generateGuardsFiles(ir);
    expect(generateGuardsFiles(ir)).toEqual(files);
    expect(files.ts).toBe(generateGuards(ir));
    const rows = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('    { name: '));
    expect(rows(files.ts).length).toBe(Object.keys(ir.models).length + Object.keys(ir.data_classes).length + Object.keys(ir.tools).length + Object.keys(ir.use_cases).length);
    expect(rows(files.mjs)).toEqual(rows(files.ts));
    expect(rows(files.cjs)).toEqual(rows(files.ts));
    expect(rows(files.dts)).toEqual([]);
  });

  it('writes the declarations TypeScript’s declaration emit would, and the .mjs TypeScript’s transpile would (no emit at build time)', () => {
    const norm = (t: string): string => t.replace(/^\/\/.*$|^\/\* eslint-disable \*\/$/gm, '').replace(/\s+/g, ' ').trim();
    // Comments aside: TypeScript drops the header with the `import type` it is attached to.
    const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: true });
    const printed = (text: string): string => printer.printFile(ts.createSourceFile('x.mjs', text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS));
    const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, declaration: true, isolatedDeclarations: true, strict: true, noResolve: true, noLib: true, types: [] };
    for (const name of names) {
      const files = generateGuardsFiles(irs.get(name)!);
      const transpiled = { compilerOptions: options, fileName: 'guards.ts', reportDiagnostics: false };
      expect(norm(files.dts)).toBe(norm(ts.transpileDeclaration(files.ts, transpiled).outputText));
      expect(printed(files.mjs)).toBe(printed(ts.transpileModule(files.ts, transpiled).outputText));
    }
  });

  it('`govc build` writes the .ts, an .mjs and a .cjs with their declarations, and no ambiguous .js', () => {
    const ir = irs.get('acme-support')!;
    const artifacts = guardsArtifacts(ir);
    const files = generateGuardsFiles(ir);
    expect(artifacts).toEqual({ 'ts/guards.ts': files.ts, 'ts/guards.mjs': files.mjs, 'ts/guards.d.mts': files.dts, 'ts/guards.cjs': files.cjs, 'ts/guards.d.cts': files.dts });
  });

  it('the .mjs and the .cjs decide like the reference, and export the same names', async () => {
    const cjsRuntime = join(REPO_ROOT, 'dist', 'cjs', 'runtime', 'index.js');
    if (!existsSync(cjsRuntime)) throw new Error('dist/cjs is missing: run `npm run build` first (npm test does)');
    const require = createRequire(import.meta.url);
    for (const name of names) {
      const ir = irs.get(name)!;
      const mjs = join(work, `${name}.mjs`);
      writeFileSync(mjs, generateGuardsFiles(ir, { runtimeImport: join(REPO_ROOT, 'src', 'runtime', 'index.js') }).mjs);
      const cjs = join(work, `${name}.cjs`);
      writeFileSync(cjs, generateGuardsFiles(ir, { runtimeImport: cjsRuntime }).cjs);
      const esm = (await import(mjs)) as Record<string, unknown> & { decide: (x: unknown) => unknown };
      const common = require(cjs) as Record<string, unknown> & { decide: (x: unknown) => unknown; decideUnknown: (x: unknown) => unknown };
      expect(Object.keys(common).sort()).toEqual(Object.keys(esm).sort());
      expect(Object.keys(esm).sort()).toEqual(['POLICY_REVISION', 'createGuard', 'decide', 'decideUnknown', 'policy']);
      for (const c of loadCorpora().find((x) => x.example === name)!.cases) {
        const reference = JSON.stringify(evaluate(ir, c.input));
        expect(JSON.stringify(esm.decide(c.input))).toBe(reference);
        expect(JSON.stringify(common.decideUnknown(c.input))).toBe(reference);
      }
    }
  });

  it('is one call of the engine over data tables: the module’s statements do not depend on the number of use cases, and it grows ~1 KB per use case', () => {
    const ir = irs.get('acme-support')!;
    const many = (k: number): IrProgram => ({
      ...ir,
      use_cases: Object.fromEntries(
        Object.values(ir.use_cases).flatMap((u) => Array.from({ length: k }, (_, i) => [`${u.name}_${i}`, { ...u, name: `${u.name}_${i}` }])),
      ),
    });
    const small = generateGuardsFiles(many(1));
    const large = generateGuardsFiles(many(200));
    expect(shape(large.ts)).toEqual(shape(small.ts));
    expect(shape(large.mjs, 'js')).toEqual(shape(small.mjs, 'js'));
    expect(shape(large.cjs, 'js')).toEqual(shape(small.cjs, 'js'));
    expect((large.ts.length - small.ts.length) / (3 * 199)).toBeLessThan(2000);
    // No code of its own: no function or class in any form of the module (the engine is in govc/runtime).
    for (const [form, text] of Object.entries(large)) expect([form, functionsIn(text)]).toEqual([form, 0]);
  });
});

describe('the engine (govc/runtime) decides from the tables alone', () => {
  it('defineGuards over each example’s tables decides every corpus case as the reference', () => {
    for (const corpus of loadCorpora()) {
      const ir = irs.get(corpus.example)!;
      const g = defineGuards(guardTables(ir));
      const mismatches = corpus.cases.filter((c) => JSON.stringify(g.decideUnknown(c.input)) !== JSON.stringify(evaluate(ir, c.input)));
      expect(mismatches.map((c) => c.description).slice(0, 3)).toEqual([]);
      expect(g.decide).toBe(g.decideUnknown);
      expect(g.policy.decide).toBe(g.decideUnknown);
      expect(g.policy.revision).toBe(ir.revision);
    }
  });

  it('two programs in one process keep their own tables and scratch space', () => {
    const [a, b] = [names[0]!, names[1]!];
    const ga = defineGuards(guardTables(irs.get(a)!));
    const gb = defineGuards(guardTables(irs.get(b)!));
    const ca = loadCorpora().find((c) => c.example === a)!.cases;
    const cb = loadCorpora().find((c) => c.example === b)!.cases;
    for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
      const x = ca[i % ca.length]!.input;
      const y = cb[i % cb.length]!.input;
      expect(JSON.stringify(ga.decide(x as never))).toBe(JSON.stringify(evaluate(irs.get(a)!, x)));
      expect(JSON.stringify(gb.decide(y as never))).toBe(JSON.stringify(evaluate(irs.get(b)!, y)));
    }
  });

  it('its fast time check agrees with the exact one (validate.ts) on every kind of timestamp', () => {
    const digits = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '9'), minLength: n, maxLength: n });
    const stamp = fc
      .tuple(digits(4), fc.constantFrom('-', '/'), digits(2), digits(2), fc.constantFrom('T', 't', ' '), digits(2), digits(2), digits(2), fc.oneof(fc.constant(''), fc.constant('.'), digits(3).map((d) => `.${d}`), digits(10).map((d) => `.${d}`)), fc.constantFrom('Z', 'z', '+00:00', ''))
      .map(([y, s, m, d, t, h, i, sec, frac, z]) => `${y}${s}${m}-${d}${t}${h}:${i}:${sec}${frac}${z}`);
    fc.assert(fc.property(fc.oneof(stamp, fc.string({ maxLength: 32 })), (s) => {
      expect(timeOk(s)).toBe(isValidTime(s));
    }), { numRuns: 20_000, seed: 9 });
    for (const s of ['2024-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2000-02-29T23:59:59.123456789Z', '2026-04-31T00:00:00Z', '2026-12-31T23:59:59Z']) expect(timeOk(s)).toBe(isValidTime(s));
  });

  it('its class list is the reference’s: distinct, in code-point order', () => {
    const name = fc.constantFrom('pii', 'phi', 'a', 'b', '\uffff', '\u{10000}', 'é', 'e');
    fc.assert(fc.property(fc.array(name, { maxLength: 6 }), (list) => {
      expect([...classList(list)]).toEqual([...new Set(list)].sort(compareCodePoints));
    }), { numRuns: 5_000, seed: 3 });
  });
});

/** Type-checks files with the TypeScript compiler, `govc/runtime` mapped to the runtime's sources. */
function typecheck(files: Record<string, string>, extra: ts.CompilerOptions = {}): string[] {
  const dir = join(work, `tc-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  const roots = Object.entries(files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
    paths: { 'govc/runtime': [join(REPO_ROOT, 'src', 'runtime', 'index.ts')] },
    ...extra,
  };
  const program = ts.createProgram(roots, options);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? d.file.fileName.replace(dir, '') : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('types', () => {
  it('every example module compiles under `tsc --strict` (plus noUncheckedIndexedAccess, verbatimModuleSyntax) with no errors', () => {
    const files = Object.fromEntries(names.map((n) => [`${n}.ts`, generateGuards(irs.get(n)!)]));
    expect(typecheck(files)).toEqual([]);
  }, 60_000);

  it('a wrong use-case, model, data-class or tool name is a compile error in the caller; right ones compile (the .ts, and the .mjs and .cjs through their declarations)', () => {
    const files = generateGuardsFiles(irs.get('acme-support')!);
    const forms: Array<[string, Record<string, string>]> = [
      ['./guards.js', { 'guards.ts': files.ts }],
      ['./guards.mjs', { 'guards.d.mts': files.dts }],
      ['./guards.cjs', { 'guards.d.cts': files.dts }],
    ];
    for (const [from, module] of forms) {
      const base = `import { decide, createGuard } from '${from}';\nconst t = { tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' } as const;\n`;
      const ok = `${base}decide({ ...t, use_case: 'support_assistant', model: 'claude-sonnet-4', data_classes: ['pii'], tool: { name: 'refund', scope: 'payments:refund' } });\ndecide({ ...t, use_case: 'kb_tagging' });\nconst g = createGuard();\nvoid g.invoke({ ...t, use_case: 'ticket_summary', model: 'claude-3-5-haiku', input: 'hi' }, async ({ model }) => ({ model, usage: { input_tokens: 1, output_tokens: 1 } }));\n`;
      const wrong: Record<string, string> = {
        useCase: `${base}decide({ ...t, use_case: 'support_asistant' });\n`,
        model: `${base}decide({ ...t, use_case: 'kb_tagging', model: 'gpt-4.1' });\n`,
        dataClass: `${base}decide({ ...t, use_case: 'kb_tagging', data_classes: ['pi'] });\n`,
        tool: `${base}decide({ ...t, use_case: 'kb_tagging', tool: { name: 'refnd', scope: 'x' } });\n`,
        invokeModel: `${base}void createGuard().invoke({ ...t, use_case: 'kb_tagging', model: 'gpt-4.1' }, async () => 1);\n`,
      };
      // One program per form: each caller's errors are its own (files do not see each other's).
      const errors = typecheck({ ...module, 'ok.ts': ok, ...Object.fromEntries(Object.entries(wrong).map(([what, text]) => [`${what}.ts`, text])) });
      const files = new Set(errors.map((e) => e.slice(1, e.indexOf(':'))));
      expect([from, [...files].sort()]).toEqual([from, Object.keys(wrong).map((w) => `${w}.ts`).sort()]);
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------------
// Injection: hostile names and strings from `.gov` files never become code.

const HOSTILE = ['"', "'", '`', '${process.exit(1)}', '*/', '/*', '\n', '\r\n', '\u2028', '\u2029', '\\', '</script>', '"); process.exit(1); ("', '\u0000', '💥', '__proto__', 'constructor'];

/** Renames every use case, model, data class, tool and message of a program consistently. */
function hostileIr(ir: IrProgram, mark: (s: string, i: number) => string): IrProgram {
  let n = 0;
  const rename = new Map<string, string>();
  const nm = (s: string): string => {
    if (!rename.has(s)) rename.set(s, mark(s, n++));
    return rename.get(s)!;
  };
  const keys = <T>(o: Readonly<Record<string, T>>, f: (v: T, k: string) => T): Record<string, T> => Object.fromEntries(Object.entries(o).map(([k, v]) => [nm(k), f(v, k)]));
  const models = keys(ir.models, (m) => ({ ...m, name: nm(m.name), source: mark(m.source, 0) }));
  const classes = keys(ir.data_classes, (c) => ({ ...c, name: nm(c.name), detectors: c.detectors.map((d) => ({ ...d, name: mark(d.name, 1) })) }));
  const tools = keys(ir.tools, (t) => ({ ...t, name: nm(t.name) }));
  const useCases = keys(ir.use_cases, (u) => ({
    ...u,
    name: nm(u.name),
    owner: mark(u.owner, 2),
    models: u.models.map(nm),
    data: keys(u.data, (f) => ({ ...f, source: mark(f.source, 3) })),
    tools: keys(u.tools, (g) => ({ ...g, scopes: g.scopes.map((s) => mark(s, 4)) })),
    on_budget_exhausted: u.on_budget_exhausted && { ...u.on_budget_exhausted, degrade_to: u.on_budget_exhausted.degrade_to && nm(u.on_budget_exhausted.degrade_to), message: mark(u.on_budget_exhausted.message, 5) },
    on_rate_limited: { ...u.on_rate_limited, message: mark(u.on_rate_limited.message, 6) },
    disclosure: u.disclosure && mark(u.disclosure, 7),
    source: mark(u.source, 8),
  }));
  // Lowering precomputes each use case's decision parts from these facts, and every target copies them.
  return relowered({ ...ir, revision: mark(ir.revision, 9), models, data_classes: classes, tools, use_cases: useCases });
}

/** The module's top-level structure: statement kinds and declared names, which no string may change. */
function shape(text: string, kind: 'ts' | 'js' = 'ts'): string[] {
  const sf = ts.createSourceFile(kind === 'ts' ? 'guards.ts' : 'guards.js', text, ts.ScriptTarget.ES2022, true, kind === 'ts' ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const diagnostics = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  return sf.statements.map((s) => {
    const named = s as ts.Statement & { name?: ts.Identifier };
    if (ts.isVariableStatement(s)) return `var ${s.declarationList.declarations.map((d) => d.name.getText(sf)).join(',')}`;
    return `${ts.SyntaxKind[s.kind]} ${named.name?.text ?? ''}`;
  });
}

/** How many functions, methods and classes a module defines (function types do not count). */
function functionsIn(text: string): number {
  let n = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && !ts.isFunctionTypeNode(node) && !ts.isConstructorTypeNode(node) && !ts.isMethodSignature(node) && !ts.isCallSignatureDeclaration(node)) n++;
    if (ts.isClassLike(node)) n++;
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('guards.ts', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));
  return n;
}

describe('injection safety of generated TypeScript', () => {
  const ir = irs.get('acme-support')!;
  const clean = generateGuardsFiles(ir);
  const cleanShape = shape(clean.ts);

  it('hostile names and messages stay literals in every form: same statements, same decisions as the reference', async () => {
    const samples = fc.sample(fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }), { numRuns: 12, seed: 2028 });
    for (const [k, parts] of samples.entries()) {
      const evil = parts.join('');
      const hostile = hostileIr(ir, (s, i) => `${s}${evil}${i}`);
      const files = generateGuardsFiles(hostile);
      expect(shape(files.ts)).toEqual(cleanShape);
      expect(shape(files.dts)).toEqual(shape(clean.dts));
      expect(shape(files.mjs, 'js')).toEqual(shape(clean.mjs, 'js'));
      expect(shape(files.cjs, 'js')).toEqual(shape(clean.cjs, 'js'));
      for (const text of Object.values(files)) expect(text).not.toMatch(/[\u2028\u2029]/);
      const g = await loadGuards(hostile, `hostile-${k}`);
      try {
        fc.assert(
          fc.property(requestArbitrary(hostile), (input) => {
            expect(JSON.stringify(g.decide(input))).toBe(JSON.stringify(evaluate(hostile, input)));
          }),
          { numRuns: 150, seed: k },
        );
      } finally {
        rmSync(g.path, { force: true });
      }
    }
  }, 60_000);

  it('names that are Object.prototype members are ordinary names', async () => {
    const special = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
    const hostile = hostileIr(ir, (s, i) => special[i] ?? `${s}${i}`);
    expect(Object.keys(hostile.models)).toContain('__proto__');
    const g = await loadGuards(hostile, 'proto');
    try {
      fc.assert(
        fc.property(requestArbitrary(hostile), (input) => {
          expect(JSON.stringify(g.decide(input))).toBe(JSON.stringify(evaluate(hostile, input)));
        }),
        { numRuns: 500, seed: 7 },
      );
    } finally {
      rmSync(g.path, { force: true });
    }
  });

  it('a hostile program still compiles under `tsc --strict`', () => {
    const hostile = hostileIr(ir, (s, i) => `${s}${HOSTILE.join('')}${i}`);
    expect(typecheck({ 'hostile.ts': generateGuards(hostile) })).toEqual([]);
  }, 60_000);
});
