import fc from 'fast-check';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../src/backends/opa/index.js';
import { compileGuards, generateGuards, generateGuardsFiles, generateGuardsModule, guardsArtifacts, transpileGuards } from '../src/backends/ts-guards/index.js';
import { evaluate } from '../src/eval/evaluate.js';
import { firstRequestProblem } from '../src/eval/validateRequest.js';
import type { IrProgram } from '../src/ir/types.js';
import { requestProblem } from '../src/runtime/index.js';
import { loadCorpora } from './helpers/corpus.js';
import { GUARDS_WORK, loadGuards, type LoadedGuards } from './helpers/guards.js';
import { opa, requireOpa } from './helpers/opa.js';
import { canonical, requestArbitrary } from './helpers/requests.js';
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
    const fields = ['use_case', 'tenant', 'region', 'time', 'trace_id', 'model', 'data_classes', 'tool', 'tokens', 'spend', 'rate'];
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
      const fields = ['trace_id', 'model', 'data_classes', 'tool', 'tokens', 'spend', 'rate'];
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

  it('is deterministic', () => {
    const ir = irs.get(names[0]!)!;
    expect(generateGuards(ir)).toBe(generateGuards(ir));
  });

  it('writes the same .d.ts as TypeScript’s declaration emit would (no emit needed at build time)', () => {
    const norm = (t: string): string => t.replace(/^\/\/.*$|^\/\* eslint-disable \*\/$/gm, '').replace(/\s+/g, ' ').trim();
    for (const name of names) {
      const m = generateGuardsModule(irs.get(name)!);
      expect(norm(m.dts)).toBe(norm(compileGuards(m.ts).dts));
    }
  });

  it('writes the .js TypeScript would (transpiled without its data, the data put back), and `govc build` writes all three', async () => {
    const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
    const printed = (text: string): string => printer.printFile(ts.createSourceFile('x.js', text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS));
    for (const name of names) {
      const ir = irs.get(name)!;
      const files = generateGuardsFiles(ir, { runtimeImport: join(REPO_ROOT, 'src', 'runtime', 'index.js') });
      expect(files.ts).toBe(generateGuards(ir, { runtimeImport: join(REPO_ROOT, 'src', 'runtime', 'index.js') }));
      expect(printed(files.js)).toBe(printed(transpileGuards(files.ts)));
      const path = join(work, `spliced-${name}.mjs`);
      writeFileSync(path, files.js);
      const mod = (await import(path)) as { decide: (x: unknown) => unknown };
      for (const c of loadCorpora().find((x) => x.example === name)!.cases) expect(JSON.stringify(mod.decide(c.input))).toBe(JSON.stringify(evaluate(ir, c.input)));
    }
    const artifacts = guardsArtifacts(irs.get('acme-support')!);
    expect(Object.keys(artifacts).sort()).toEqual(['ts/guards.d.ts', 'ts/guards.js', 'ts/guards.ts']);
    expect(artifacts['ts/guards.d.ts']).toBe(generateGuardsModule(irs.get('acme-support')!).dts);
  });

  it('is one decide over data tables: the module’s statements do not depend on the number of use cases, and it grows ~1 KB per use case', () => {
    const ir = irs.get('acme-support')!;
    const many = (k: number): IrProgram => ({
      ...ir,
      use_cases: Object.fromEntries(
        Object.values(ir.use_cases).flatMap((u) => Array.from({ length: k }, (_, i) => [`${u.name}_${i}`, { ...u, name: `${u.name}_${i}` }])),
      ),
    });
    const small = generateGuards(many(1));
    const large = generateGuards(many(200));
    expect(shape(large)).toEqual(shape(small));
    expect((large.length - small.length) / (3 * 199)).toBeLessThan(2000);
    expect(large.match(/\bfunction\b/g)!.length).toBe(small.match(/\bfunction\b/g)!.length);
  });

  it('compiles to .js and .d.ts, and the .js decides like the .ts', async () => {
    const ir = irs.get('acme-support')!;
    const source = generateGuards(ir, { runtimeImport: join(REPO_ROOT, 'src', 'runtime', 'index.js') });
    const out = compileGuards(source);
    expect(transpileGuards(source)).toBe(out.js);
    expect(out.dts).toContain('export declare function decide(request: GuardRequest): GuardDecision;');
    expect(out.dts).toContain('export type UseCaseName = "kb_tagging" | "support_assistant" | "ticket_summary";');
    const path = join(work, 'compiled.mjs');
    writeFileSync(path, out.js);
    const mod = (await import(path)) as { decide: (x: unknown) => unknown };
    for (const c of loadCorpora().find((x) => x.example === 'acme-support')!.cases) expect(JSON.stringify(mod.decide(c.input))).toBe(JSON.stringify(evaluate(ir, c.input)));
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

  it('a wrong use-case, model, data-class or tool name is a compile error in the caller; right ones compile', () => {
    const guardsTs = generateGuards(irs.get('acme-support')!);
    const base = `import { decide, createGuard } from './guards.js';\nconst t = { tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' } as const;\n`;
    const ok = `${base}decide({ ...t, use_case: 'support_assistant', model: 'claude-sonnet-4', data_classes: ['pii'], tool: { name: 'refund', scope: 'payments:refund' } });\ndecide({ ...t, use_case: 'kb_tagging' });\nconst g = createGuard();\nvoid g.invoke({ ...t, use_case: 'ticket_summary', model: 'claude-3-5-haiku', input: 'hi' }, async ({ model }) => ({ model, usage: { input_tokens: 1, output_tokens: 1 } }));\n`;
    expect(typecheck({ 'guards.ts': guardsTs, 'ok.ts': ok })).toEqual([]);
    const wrong: Record<string, string> = {
      useCase: `${base}decide({ ...t, use_case: 'support_asistant' });\n`,
      model: `${base}decide({ ...t, use_case: 'kb_tagging', model: 'gpt-4.1' });\n`,
      dataClass: `${base}decide({ ...t, use_case: 'kb_tagging', data_classes: ['pi'] });\n`,
      tool: `${base}decide({ ...t, use_case: 'kb_tagging', tool: { name: 'refnd', scope: 'x' } });\n`,
      invokeModel: `${base}void createGuard().invoke({ ...t, use_case: 'kb_tagging', model: 'gpt-4.1' }, async () => 1);\n`,
    };
    for (const [what, text] of Object.entries(wrong)) {
      const errors = typecheck({ 'guards.ts': guardsTs, [`${what}.ts`]: text });
      expect([what, errors.length > 0 && errors.every((e) => e.startsWith(`/${what}.ts`))]).toEqual([what, true]);
    }
  }, 60_000);
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
  return { ...ir, revision: mark(ir.revision, 9), models, data_classes: classes, tools, use_cases: useCases };
}

/** The module's top-level structure: statement kinds and declared names, which no string may change. */
function shape(text: string): string[] {
  const sf = ts.createSourceFile('guards.ts', text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const diagnostics = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  return sf.statements.map((s) => {
    const named = s as ts.Statement & { name?: ts.Identifier };
    if (ts.isVariableStatement(s)) return `var ${s.declarationList.declarations.map((d) => d.name.getText(sf)).join(',')}`;
    return `${ts.SyntaxKind[s.kind]} ${named.name?.text ?? ''}`;
  });
}

describe('injection safety of generated TypeScript', () => {
  const ir = irs.get('acme-support')!;
  const cleanShape = shape(generateGuards(ir));

  it('hostile names and messages stay literals: same statements, same decisions as the reference', async () => {
    const samples = fc.sample(fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }), { numRuns: 12, seed: 2028 });
    for (const [k, parts] of samples.entries()) {
      const evil = parts.join('');
      const hostile = hostileIr(ir, (s, i) => `${s}${evil}${i}`);
      const text = generateGuards(hostile);
      expect(shape(text)).toEqual(cleanShape);
      expect(text).not.toMatch(/[\u2028\u2029]/);
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
