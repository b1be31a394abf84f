import fc from 'fast-check';
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
  const regions = [...new Set(Object.values(ir.providers).flatMap((p) => p.regions))];
  const scopes = [...new Set(Object.values(ir.tools).flatMap((t) => t.scopes)), 'admin:*', 'x'];
  const maxBudget = Math.max(1, ...Object.values(ir.use_cases).flatMap((u) => u.budgets.map((b) => b.hard_limit_micros)));
  const maxRate = Math.max(1, ...Object.values(ir.use_cases).flatMap((u) => u.rate_limits.map((r) => r.per_minute)));

  const name = (known: string[]): fc.Arbitrary<string> =>
    fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...(known.length ? known : ['none'])) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) });
  const date = fc
    .record({ y: fc.integer({ min: 2025, max: 2028 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
    .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T12:00:00Z`);
  const time = fc.oneof({ weight: 10, arbitrary: date }, { weight: 1, arbitrary: fc.constantFrom('2026-02-30T00:00:00Z', '2026-11-26', '2026-11-26T10:00:00+01:00', '') });
  const counterNear = (max: number): fc.Arbitrary<number> =>
    fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: Math.max(0, max - 2000), max: max + 2000 }), fc.constant(0));
  const spendScope = fc.dictionary(fc.constantFrom('day', 'week', 'month', 'quarter', 'year'), counterNear(maxBudget), { maxKeys: 5 });
  const rateScope = fc.record({ requests: counterNear(maxRate), tokens: counterNear(maxRate) }, { requiredKeys: [] });

  const wellFormed = fc.record(
    {
      trace_id: fc.string({ maxLength: 8 }),
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
    },
    { requiredKeys: ['use_case', 'tenant', 'region', 'time'] },
  );
  const edge = fc.constantFrom<unknown>(null, '', -1, 1.5, 1e16, 'x', [], {}, true);
  const fields = ['use_case', 'tenant', 'region', 'time', 'model', 'data_classes', 'tool', 'tokens', 'spend', 'rate', 'trace_id'];
  const broken = fc.tuple(wellFormed, fc.constantFrom(...fields), edge).map(([r, f, v]) => ({ ...(r as object), [f]: v }));
  return fc.oneof({ weight: 12, arbitrary: wellFormed }, { weight: 2, arbitrary: broken }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

/** JSON with object keys sorted, so decisions from different engines compare regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
