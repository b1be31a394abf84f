import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import type { DecisionRequest } from '../src/decision/types.js';
import type { IrProgram } from '../src/ir/types.js';
import { checkFiles } from '../src/check/check.js';
import { lower } from '../src/check/lower.js';
import { parse } from '../src/syntax/parse.js';
import { atMostCodePoints, echo } from '../src/decision/echo.js';
import fcheck from 'fast-check';

/** A small program with every knob the algorithm has, so each rule can be exercised in isolation. */
const PROGRAM = `
org shop { owners "gov@shop.example" budget 1000 USD per month }
provider openai { regions eu, us dpa signed 2025-01-01 zero_retention yes trains_on_customer_data no }
provider local { regions eu dpa signed 2025-01-01 zero_retention yes trains_on_customer_data no }
model big { provider openai version "v2" approved_versions "v1", "v2" regions eu
  price input 2.00 USD output 8.00 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-1 expires 2027-01-31 }
model small { provider openai version "v1" regions eu, us price input 0.40 USD output 1.60 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-2 expires 2027-12-31 }
model onprem { provider local version "v1" regions eu price input 0.10 USD output 0.10 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-3 expires 2027-12-31 }
data_class pii { sensitivity high default redact detect email }
data_class health { sensitivity critical default deny residency eu }
data_class notes { sensitivity low default allow }
data_class secret { sensitivity critical default deny }
tier std { approvers 2 }
tool refund { scopes "pay:read", "pay:refund" }
tool search { scopes "kb:read", "kb:write" }
use_case chat {
  tier std
  owner "team@shop.example"
  models big fallback onprem fallback small
  data pii -> openai, local redacted
  data health -> openai, local in eu
  data secret deny
  tool refund scope "pay:refund" requires human_approval
  tool search scope "kb:*"
  budget 100 USD per month, 10 USD per day per tenant
  rate 10 rpm, 2000 tpm per tenant
  on budget_exhausted degrade to small up to 150% then refuse "Budget spent."
  on rate_limited refuse "Slow down."
  approved_by "a@shop.example" on 2026-01-01 ticket G-1 expires 2027-06-30
  approved_by "b@shop.example" on 2026-01-01 ticket G-2 expires 2027-01-31
}
`;

function compile(text: string, asOf = '2026-11-26'): IrProgram {
  const source = { path: 'shop.gov', text };
  const parsed = parse(source);
  const checked = checkFiles([parsed.file], { asOf });
  const errors = [...parsed.diagnostics, ...checked.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => `${e.code} ${e.message}`).join('\n'));
  return lower(checked.model, [source]);
}

const IR = compile(PROGRAM);
const USD = 1_000_000;

function request(overrides: Partial<Record<keyof DecisionRequest, unknown>> = {}): Record<string, unknown> {
  return {
    trace_id: 't-1',
    use_case: 'chat',
    tenant: 'acme',
    region: 'eu',
    tokens: { input: 1000, output: 500 },
    spend: { use_case: { month: 0 }, tenant: { day: 0 } },
    rate: { use_case: { requests: 0 }, tenant: { tokens: 0 } },
    time: '2026-11-26T10:00:00Z',
    ...overrides,
  };
}

const codes = (input: unknown): string[] => evaluate(IR, input).reasons.map((r) => r.code);

describe('reference evaluator', () => {
  it('allows a plain request on the primary model and echoes trace id and revision', () => {
    const d = evaluate(IR, request());
    expect(d).toMatchObject({ decision: 'allow', allow: true, model: 'big', provider: 'openai', trace_id: 't-1', policy_revision: IR.revision, message: null });
    expect(d.reasons).toEqual([{ code: 'allowed', rule: 'use_case/chat', message: 'allowed by use case `chat`', source: expect.stringMatching(/^shop\.gov:\d+:\d+$/) }]);
    expect(d.limits).toEqual({
      budgets: [
        // hard_limit_micros: the `up to 150%` degrade cap, made visible at run time.
        { scope: 'use_case', period: 'month', amount_micros: 100 * USD, hard_limit_micros: 150 * USD },
        { scope: 'tenant', period: 'day', amount_micros: 10 * USD, hard_limit_micros: 15 * USD },
      ],
      rate_limits: [
        { scope: 'use_case', kind: 'requests', per_minute: 10 },
        { scope: 'tenant', kind: 'tokens', per_minute: 2000 },
      ],
    });
  });

  it('falls back in order when the primary cannot serve, and says so', () => {
    // In `us` neither `big` nor `onprem` is offered; `small` is.
    const d = evaluate(IR, request({ region: 'us' }));
    expect(d.model).toBe('small');
    expect(d.reasons.map((r) => r.code)).toEqual(['allowed', 'fallback_model']);
  });

  it('denies with the first candidate\'s problems when no candidate can serve', () => {
    const d = evaluate(IR, request({ region: 'apac' }));
    expect(d.decision).toBe('deny');
    expect(d.reasons.map((r) => `${r.code} ${r.rule}`)).toEqual(['model_region_not_served model/big/regions']);
    const eu = evaluate(IR, request({ region: 'us', data_classes: ['health'] }));
    expect(eu.reasons.map((r) => r.code)).toEqual(['data_region_not_permitted', 'residency_violation']);
  });

  it('skips models whose provider may not receive the data (after a data-only change to the IR)', () => {
    const chat = IR.use_cases.chat!;
    const pii = chat.data.pii!;
    const ir: IrProgram = { ...IR, use_cases: { chat: { ...chat, data: { ...chat.data, pii: { ...pii, providers: ['local'] } } } } };
    const d = evaluate(ir, request({ data_classes: ['pii'] }));
    expect(d.model).toBe('onprem');
    const forced = evaluate(ir, request({ data_classes: ['pii'], model: 'big' }));
    expect(forced.reasons.map((r) => r.code)).toEqual(['data_flow_not_permitted']);
  });

  it('denies a requested model the use case does not list, without trying fallbacks', () => {
    expect(codes(request({ model: 'gpt-9' }))).toEqual(['model_not_allowed']);
    expect(evaluate(IR, request({ model: 'small' })).model).toBe('small');
  });

  it('applies data rules: deny, default deny, default redact, explicit redaction', () => {
    expect(codes(request({ data_classes: ['secret'] }))).toEqual(['data_class_denied']);
    expect(codes(request({ data_classes: ['nope'] }))).toEqual(['unknown_data_class']);
    const d = evaluate(IR, request({ data_classes: ['pii', 'notes', 'pii'] }));
    expect(d.decision).toBe('allow');
    expect(d.obligations?.redact).toEqual([{ data_class: 'pii', detectors: ['email'] }]);
  });

  it('judges approvals inclusively through their expiry date', () => {
    expect(evaluate(IR, request({ time: '2027-01-31T23:59:59Z' })).decision).toBe('allow');
    // b@ expires 2027-01-31 and the tier needs two approvers; `big`'s approval also lapses, `onprem` serves.
    const d = evaluate(IR, request({ time: '2027-02-01T00:00:00Z' }));
    expect(d.reasons.map((r) => r.code)).toEqual(['approval_expired']);
    expect(codes(request({ time: '2025-12-31T00:00:00Z' }))).toContain('approval_not_yet_valid');
  });

  it('skips a model whose own approval lapsed', () => {
    const ir = compile(PROGRAM.replace('expires 2027-06-30', 'expires 2028-06-30').replace('G-2 expires 2027-01-31', 'G-2 expires 2028-01-31'));
    const d = evaluate(ir, request({ time: '2027-02-01T00:00:00Z' }));
    expect(d.model).toBe('onprem');
    expect(evaluate(ir, request({ time: '2027-02-01T00:00:00Z', model: 'big' })).reasons.map((r) => r.code)).toEqual(['model_approval_expired']);
  });

  it('enforces tool grants, scopes, wildcard scopes and human approval', () => {
    expect(codes(request({ tool: { name: 'delete_db', scope: 'x' } }))).toEqual(['tool_not_allowed']);
    expect(codes(request({ tool: { name: 'refund', scope: 'pay:read' } }))).toEqual(['tool_scope_not_allowed']);
    const needs = evaluate(IR, request({ tool: { name: 'refund', scope: 'pay:refund' } }));
    expect(needs.reasons.map((r) => r.code)).toEqual(['human_approval_required']);
    expect(needs.obligations?.human_approval).toBe(true);
    expect(evaluate(IR, request({ tool: { name: 'refund', scope: 'pay:refund', human_approved_by: 'agent-7' } })).decision).toBe('allow');
    expect(evaluate(IR, request({ tool: { name: 'search', scope: 'kb:write' } })).decision).toBe('allow');
    expect(codes(request({ tool: { name: 'search', scope: 'kbx:write' } }))).toEqual(['tool_scope_not_allowed']);
  });

  it('rate-limits at the boundary: reaching the limit is allowed, passing it is not', () => {
    expect(evaluate(IR, request({ rate: { use_case: { requests: 9 }, tenant: { tokens: 0 } } })).decision).toBe('allow');
    expect(codes(request({ rate: { use_case: { requests: 10 }, tenant: { tokens: 0 } } }))).toEqual(['rate_limited']);
    expect(evaluate(IR, request({ rate: { use_case: { requests: 0 }, tenant: { tokens: 500 } } })).decision).toBe('allow');
    const d = evaluate(IR, request({ rate: { use_case: { requests: 0 }, tenant: { tokens: 501 } } }));
    expect(d.reasons.map((r) => r.code)).toEqual(['rate_limited']);
    expect(d.message).toBe('Slow down.');
  });

  it('prices requests exactly and rounds the cost up to a micro-unit', () => {
    // big: 1000 in × 2000 nanos + 500 out × 8000 nanos = 6,000,000 nanos = 6000 micros.
    const at = (spent: number): string => evaluate(IR, request({ spend: { use_case: { month: spent }, tenant: { day: 0 } } })).decision;
    expect(at(100 * USD - 6000)).toBe('allow');
    expect(at(100 * USD - 5999)).toBe('degrade');
    // 1 input token on big costs 2000 nanos = 2 micros; 1 output token 8 micros; 1 in + 0 out on small: 0.4 -> 1 micro.
    const one = (spent: number, model: string): string =>
      evaluate(IR, request({ model, tokens: { input: 1 }, spend: { use_case: { month: spent }, tenant: { day: 0 } } })).decision;
    expect(one(100 * USD - 1, 'small')).toBe('allow');
    expect(one(100 * USD, 'small')).toBe('deny');
  });

  it('degrades while the degrade model fits under the cap, then refuses with the declared message', () => {
    // small: 1000 × 400 + 500 × 1600 = 1,200,000 nanos = 1200 micros. Cap: 150% of 100 USD.
    const spend = (month: number): Record<string, unknown> => request({ spend: { use_case: { month }, tenant: { day: 0 } } });
    const degraded = evaluate(IR, spend(120 * USD));
    expect(degraded).toMatchObject({ decision: 'degrade', allow: true, model: 'small', message: null });
    expect(degraded.reasons.map((r) => r.code)).toEqual(['allowed', 'budget_degraded']);
    expect(evaluate(IR, spend(150 * USD - 1200)).decision).toBe('degrade');
    const refused = evaluate(IR, spend(150 * USD - 1199));
    expect(refused).toMatchObject({ decision: 'deny', model: null, message: 'Budget spent.' });
    expect(refused.reasons.map((r) => r.code)).toEqual(['budget_exhausted']);
  });

  it('refuses without degrading when the request already runs on the degrade model', () => {
    const d = evaluate(IR, request({ model: 'small', spend: { use_case: { month: 100 * USD }, tenant: { day: 0 } } }));
    expect(d.reasons.map((r) => r.code)).toEqual(['budget_exhausted']);
  });

  it('checks per-tenant budgets alongside the use-case budget', () => {
    const d = evaluate(IR, request({ spend: { use_case: { month: 0 }, tenant: { day: 10 * USD } } }));
    expect(d.decision).toBe('degrade');
    const over = evaluate(IR, request({ spend: { use_case: { month: 0 }, tenant: { day: 15 * USD } } }));
    expect(over.reasons[0]!.message).toBe('per-tenant budget per day is exhausted');
  });

  it('fails closed when a counter a limit needs is missing', () => {
    const d = evaluate(IR, request({ spend: { use_case: { month: 0 } }, rate: { use_case: { requests: 0 } } }));
    expect(d.decision).toBe('deny');
    // Sorted by code, then rule: `use_case/chat/budget` before `use_case/chat/rate`.
    expect(d.reasons.map((r) => r.message)).toEqual([
      '`spend.tenant.day` is required by a budget of use case `chat`',
      '`rate.tenant.tokens` is required by a rate limit of use case `chat`',
    ]);
  });

  it('reports every deny reason, sorted by code then rule', () => {
    const d = evaluate(IR, request({ data_classes: ['secret'], tool: { name: 'nope', scope: 'x' }, rate: { use_case: { requests: 99 }, tenant: { tokens: 0 } } }));
    expect(d.reasons.map((r) => r.code)).toEqual(['data_class_denied', 'rate_limited', 'tool_not_allowed']);
    expect(d.obligations).not.toBeNull();
  });

  it('denies malformed requests with the first problem, in the documented order', () => {
    const first = (input: unknown): string => {
      const d = evaluate(IR, input);
      expect(d.decision).toBe('deny');
      expect(d.obligations).toBeNull();
      expect(d.reasons).toHaveLength(1);
      expect(d.reasons[0]!.code).toBe('malformed_request');
      return d.reasons[0]!.message;
    };
    expect(first(undefined)).toBe('the request must be a JSON object');
    expect(first([request()])).toBe('the request must be a JSON object');
    expect(first(request({ use_case: '', tenant: 1 }))).toMatch(/^`use_case`/);
    expect(first(request({ tenant: null }))).toMatch(/^`tenant`/);
    expect(first(request({ time: '2026-11-26T10:00:00+01:00' }))).toMatch(/^`time`/);
    expect(first(request({ time: '2026-11-26 10:00:00Z' }))).toMatch(/^`time`/);
    expect(first(request({ tokens: { input: -1 } }))).toMatch(/^`tokens.input`/);
    expect(first(request({ tokens: { input: 1.5 } }))).toMatch(/^`tokens.input`/);
    expect(first(request({ spend: { use_case: { month: '5' } } }))).toMatch(/^`spend.use_case.month`/);
    expect(first(request({ tool: { name: 'refund' } }))).toMatch(/^`tool.scope`/);
    expect(first(request({ data_classes: 'pii' }))).toMatch(/^`data_classes`/);
    expect(first(request({ rate: { tenant: { tokens: 1e13 } } }))).toMatch(/^`rate.tenant.tokens`/);
  });

  it('denies a revoked model and falls back past it (after a data-only change to the IR)', () => {
    const ir: IrProgram = { ...IR, models: { ...IR.models, big: { ...IR.models.big!, status: 'revoked' } } };
    expect(evaluate(ir, request()).model).toBe('onprem');
    expect(evaluate(ir, request({ model: 'big' })).reasons.map((r) => `${r.code} ${r.rule}`)).toEqual(['model_revoked model/big/status']);
  });

  it('refuses timestamps that match the pattern but are not real instants', () => {
    for (const time of ['2026-11-31T10:00:00Z', '2026-02-29T10:00:00Z', '2026-13-01T10:00:00Z', '2026-11-26T24:00:00Z', '2026-11-26T10:60:00Z']) {
      expect([time, codes(request({ time }))]).toEqual([time, ['malformed_request']]);
    }
    expect(evaluate(IR, request({ time: '2028-02-29T10:00:00.123456789Z' })).reasons[0]!.code).not.toBe('malformed_request');
  });

  it('denies an unknown use case without obligations', () => {
    const d = evaluate(IR, request({ use_case: 'other' }));
    expect(d).toMatchObject({ decision: 'deny', use_case: 'other', obligations: null, limits: null });
    expect(d.reasons.map((r) => r.code)).toEqual(['unknown_use_case']);
  });
});

describe('degrade caps', () => {
  it('are floor(amount × percent / 100), computed without passing 2^53', async () => {
    const { percentOf } = await import('../src/check/resolve.js');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e14 }), fc.integer({ min: 101, max: 1000 }), (amount, percent) => {
        expect(BigInt(percentOf(amount, percent))).toBe((BigInt(amount) * BigInt(percent)) / 100n);
      }),
    );
    expect(percentOf(100_000_001, 150)).toBe(150_000_001);
  });
});

describe('echo (RULE B) and code-point counting (RULE C)', () => {
  /** The rule as docs/semantics.md states it, by String iteration: the oracle. */
  const spec = (s: string): string => {
    const points = [...s];
    return points.length <= 64 ? s : `${points.slice(0, 64).join('')}…`;
  };

  it('keeps at most 64 code points and marks a cut with U+2026', () => {
    expect(echo('a'.repeat(64))).toBe('a'.repeat(64));
    expect(echo('a'.repeat(65))).toBe(`${'a'.repeat(64)}…`);
    expect(echo('😀'.repeat(64))).toBe('😀'.repeat(64));
    expect(echo('😀'.repeat(65))).toBe(`${'😀'.repeat(64)}…`);
    expect(echo(`${'a'.repeat(63)}😀😀`)).toBe(`${'a'.repeat(63)}😀…`);
    expect(echo(`${'a'.repeat(63)}\ud800\ud800`)).toBe(`${'a'.repeat(63)}\ud800…`);
    expect(echo('x'.repeat(1 << 20))).toBe(`${'x'.repeat(64)}…`);
    expect(echo('')).toBe('');
  });

  it('is the rule on any string, lone surrogates included, and returns short strings themselves', () => {
    fcheck.assert(
      fcheck.property(fcheck.string({ unit: 'binary', maxLength: 150 }), (s) => {
        expect(echo(s)).toBe(spec(s));
        expect(atMostCodePoints(s, 64)).toBe([...s].length <= 64);
        expect(atMostCodePoints(s, 256)).toBe([...s].length <= 256);
      }),
      { numRuns: 3000 },
    );
    const short = 'x'.repeat(10);
    expect(echo(short)).toBe(short);
  });
});

describe('trace ids (RULE C)', () => {
  it('a trace id of more than 256 code points is malformed, at step 4 of validation, and is not echoed', () => {
    expect(evaluate(IR, request({ trace_id: '😀'.repeat(256) })).trace_id).toBe('😀'.repeat(256));
    const d = evaluate(IR, request({ trace_id: '😀'.repeat(257) }));
    expect(d.reasons.map((r) => r.message)).toEqual(['`trace_id` must be a string of at most 256 characters']);
    expect(d.trace_id).toBeNull();
    expect(evaluate(IR, request({ trace_id: 'x'.repeat(257), time: 'x' })).reasons[0]!.message).toMatch(/^`time`/);
    expect(evaluate(IR, request({ trace_id: 'x'.repeat(257), model: '' })).reasons[0]!.message).toMatch(/^`trace_id`/);
  });
});
