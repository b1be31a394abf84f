import fc from 'fast-check';
import { parseRequestJson } from '../../src/eval/parseRequestJson.js';
import { loweredUseCase } from '../../src/check/lower.js';
import type { IrProgram } from '../../src/ir/types.js';

/**
 * Random decision requests for differential tests: mostly well-formed requests drawn from the program's own
 * vocabulary (so they reach every rule: approvals by date, fallbacks by region, data rules, tools, counters near
 * their limits), plus a share of malformed ones. Shared by every target's differential test.
 */
export function requestArbitrary(ir: IrProgram): fc.Arbitrary<unknown> {
  const useCases = Object.keys(ir.use_cases);
  const models = Object.keys(ir.models);
  const classes = Object.keys(ir.data_classes);
  const tools = Object.keys(ir.tools);
  const corpora = Object.keys(ir.corpora ?? {});
  const regions = [...new Set(Object.values(ir.providers).flatMap((p) => p.regions))];
  const scopes = [...new Set(Object.values(ir.tools).flatMap((t) => t.scopes)), 'admin:*', 'x'];
  const maxBudget = Math.max(1, ...Object.values(ir.use_cases).flatMap((u) => u.budgets.map((b) => b.hard_limit_micros)));
  const maxRate = Math.max(1, ...Object.values(ir.use_cases).flatMap((u) => u.rate_limits.map((r) => r.per_minute)));

  const name = (known: string[]): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 16, arbitrary: fc.constantFrom(...(known.length ? known : ['none'])) },
      { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) },
      { weight: 1, arbitrary: hostileString() },
    );
  const date = fc
    .record({ y: fc.integer({ min: 2025, max: 2028 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
    .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T12:00:00Z`);
  const time = fc.oneof({ weight: 10, arbitrary: date }, { weight: 1, arbitrary: fc.constantFrom('2026-02-30T00:00:00Z', '2026-11-26', '2026-11-26T10:00:00+01:00', '') });
  // Language v2: spend just below budget-alert thresholds too, so requests cross them (step 10).
  const alertThresholds = Object.values(ir.use_cases).flatMap((u) => u.budgets.flatMap((b) => b.alert_thresholds_micros ?? []));
  const nearAlert = alertThresholds.length ? fc.tuple(fc.constantFrom(...alertThresholds), fc.integer({ min: -20_000, max: 200 })).map(([t, d]) => Math.max(0, t + d)) : fc.constant(0);
  const counterNear = (max: number): fc.Arbitrary<number> =>
    fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: Math.max(0, max - 2000), max: max + 2000 }), fc.constant(0), nearAlert);
  const prompts = Object.values(ir.prompts ?? {});
  const promptVersions = [...new Set(prompts.flatMap((p) => p.approved_versions)), 'v0'];
  const promptHashes = [...new Set(prompts.map((p) => p.sha256)), '0'.repeat(64)];
  const prompt = fc.record(
    { name: name(prompts.map((p) => p.name)), version: fc.oneof(fc.constantFrom(...promptVersions), name([])), sha256: fc.constantFrom(...promptHashes) },
    { requiredKeys: ['name'] },
  );
  const spendScope = fc.oneof(
    { weight: 12, arbitrary: fc.dictionary(fc.constantFrom('day', 'week', 'month', 'quarter', 'year'), counterNear(maxBudget), { maxKeys: 5 }) },
    // Keys the message names (RULE B), with a bad value so that one is named.
    { weight: 1, arbitrary: fc.dictionary(hostileString(), fc.constantFrom<unknown>(-1, 1.5, 'x', 0), { minKeys: 1, maxKeys: 3 }) },
  );
  const rateScope = fc.record({ requests: counterNear(maxRate), tokens: counterNear(maxRate) }, { requiredKeys: [] });

  const wellFormed = fc.record(
    {
      trace_id: fc.oneof({ weight: 8, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: traceIdNearLimit() }),
      use_case: name(useCases),
      model: name(models),
      tenant: fc.constantFrom('t-1', 't-2', 'tenant-ü'),
      region: name(regions),
      data_classes: fc.array(name(classes), { maxLength: 3 }),
      tool: fc.record({ name: name(tools), scope: fc.constantFrom(...scopes), human_approved_by: fc.constant('agent@x') }, { requiredKeys: ['name', 'scope'] }),
      tokens: fc.record({ input: fc.integer({ min: 0, max: 200_000 }), output: fc.integer({ min: 0, max: 50_000 }) }, { requiredKeys: [] }),
      spend: fc.record({ use_case: spendScope, tenant: spendScope }, { requiredKeys: [] }),
      rate: fc.record({ use_case: rateScope, tenant: rateScope }, { requiredKeys: [] }),
      time,
      prompt,
      // Retrieval (step 5): the program's corpora, others, duplicates.
      corpora: fc.array(name(corpora), { maxLength: 3 }),
    },
    { requiredKeys: ['use_case', 'tenant', 'region', 'time'] },
  );
  const edge = fc.constantFrom<unknown>(null, '', -1, 1.5, 1e16, 'x', [], {}, true);
  const fields = ['use_case', 'tenant', 'region', 'time', 'model', 'data_classes', 'tool', 'tokens', 'spend', 'rate', 'trace_id', 'prompt', 'corpora'];
  const broken = fc.tuple(wellFormed, fc.constantFrom(...fields), edge).map(([r, f, v]) => ({ ...(r as object), [f]: v }));
  return fc.oneof({ weight: 12, arbitrary: wellFormed }, { weight: 2, arbitrary: broken }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

/**
 * Strings that test the decision contract's bounds (docs/semantics.md RULE B): around 64 code points (ASCII, astral,
 * mixed), lone surrogates, bidi controls, Object.prototype members, and random UTF-16 (lone surrogates included).
 */
export function hostileString(): fc.Arbitrary<string> {
  const around64 = fc.integer({ min: 60, max: 70 });
  return fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'a\u202eb', '\u2066x\u2069', '\ufeff', '\ud800', '\udc00x', 'x\ud83d'),
    around64.map((n) => 'x'.repeat(n)),
    around64.map((n) => '\u{1F4A5}'.repeat(n)),
    fc.tuple(around64, fc.integer({ min: 0, max: 70 })).map(([n, k]) => 'é'.repeat(k) + '\u{10000}'.repeat(Math.max(0, n - k))),
    fc.integer({ min: 62, max: 66 }).map((n) => 'a'.repeat(n) + '\ud83d'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 140 }),
  );
}

/** Trace ids around RULE C's bound of 256 code points, in one- and two-unit code points. */
export function traceIdNearLimit(): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 250, max: 260 }), fc.constantFrom('t', '\u{1F600}', 'é')).map(([n, c]) => c.repeat(n));
}

/**
 * What a target that receives JSON receives for a JavaScript value: its JSON text, read as every text target reads
 * it (parseRequestJson: lone surrogates become U+FFFD, undefined fields vanish); `null` and other falsy values mean
 * "no request" (the JS SDK sends no input for them).
 */
export function asSent(input: unknown): unknown {
  if (input === null || input === undefined || input === false || input === 0 || input === '') return undefined;
  const parsed = parseRequestJson(JSON.stringify(input));
  return parsed.ok ? parsed.value : undefined;
}

/** JSON with object keys sorted, so decisions from different engines compare regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

/**
 * The program with some of its names replaced (use cases, models, data classes, tools), consistently everywhere
 * they are referred to, and every table rebuilt with own properties (Object.fromEntries), so that a name such as
 * `__proto__` is an ordinary entry. Independent of how the compiler handles such names.
 */
export function renameIr(ir: IrProgram, names: Readonly<Record<string, string>>): IrProgram {
  const nm = (s: string): string => (Object.prototype.hasOwnProperty.call(names, s) ? names[s]! : s);
  const table = <T>(o: Readonly<Record<string, T>>, f: (v: T) => T): Record<string, T> => Object.fromEntries(Object.entries(o).map(([k, v]) => [nm(k), f(v)]));
  return {
    ...ir,
    models: table(ir.models, (m) => ({ ...m, name: nm(m.name) })),
    data_classes: table(ir.data_classes, (c) => ({ ...c, name: nm(c.name) })),
    tools: table(ir.tools, (t) => ({ ...t, name: nm(t.name) })),
    // The precomputed decision parts name the use case: lowering computes them again from the renamed facts.
    use_cases: table(ir.use_cases, (u) => loweredUseCase({
      ...u,
      name: nm(u.name),
      models: u.models.map(nm),
      data: table(u.data, (f) => f),
      tools: table(u.tools, (g) => g),
      on_budget_exhausted: u.on_budget_exhausted && { ...u.on_budget_exhausted, degrade_to: u.on_budget_exhausted.degrade_to && nm(u.on_budget_exhausted.degrade_to) },
      rollbacks: u.rollbacks.map((r) => (r.asset === 'model' ? { ...r, name: nm(r.name) } : r)),
    }, ir.prompts, ir.guardrails)),
  };
}

/**
 * The program with every use case's precomputed decision parts computed again from its facts, as lowering does:
 * for tests that edit an IR's facts (names, messages, sources) by hand, since every target copies those parts.
 */
export function relowered(ir: IrProgram): IrProgram {
  return { ...ir, use_cases: Object.fromEntries(Object.entries(ir.use_cases).map(([k, u]) => [k, loweredUseCase(u, ir.prompts, ir.guardrails)])) };
}

/**
 * The decision-contract program: acme-support with names that are Object.prototype members, and a declared name
 * longer than RULE B's 64 code points (printed whole, as every declared name is).
 */
export const CONTRACT_NAMES: Readonly<Record<string, string>> = {
  support_assistant: '__proto__',
  'gpt-4.1': 'constructor',
  pii: 'toString',
  refund: 'hasOwnProperty',
  kb_tagging: `kb_${'ü'.repeat(70)}`,
};

/** A well-formed request of the contract program's `__proto__` use case that is allowed on model `constructor`. */
export function contractRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    trace_id: 't-1',
    use_case: '__proto__',
    tenant: 't-1',
    region: 'eu',
    time: '2026-11-26T10:00:00Z',
    tokens: { input: 1000, output: 500 },
    spend: { use_case: { month: 0, day: 0 }, tenant: { month: 0, day: 0 } },
    rate: { use_case: { requests: 0, tokens: 0 }, tenant: { requests: 0, tokens: 0 } },
    ...overrides,
  };
}
