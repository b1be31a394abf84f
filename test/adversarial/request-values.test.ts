import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/eval/evaluate.js';
import { firstRequestProblem } from '../../src/decision/validateRequest.js';
import type { Decision } from '../../src/decision/types.js';
import { requestProblem } from '../../src/runtime/index.js';
import { loadGuards, type LoadedGuards } from '../helpers/guards.js';
import { CONTRACT_NAMES, contractRequest, hostileString, renameIr, requestArbitrary, traceIdNearLimit } from '../helpers/requests.js';
import { exampleIr } from '../helpers/repo.js';

/**
 * Hostile requests as JavaScript values, through the in-process entry points (the reference `evaluate`, the guards'
 * `decide`): RULES B and C, own-property fields and names (docs/semantics.md "Requests as JavaScript values"),
 * values that throw when read. Fixed expectations first, then the guards against the reference.
 */
const ir = renameIr(exampleIr('acme-support'), CONTRACT_NAMES);
const LONG_UC = CONTRACT_NAMES.kb_tagging!;
let guards: LoadedGuards;

beforeAll(async () => {
  guards = await loadGuards(ir, 'request-values');
});
afterAll(() => rmSync(guards.path, { force: true }));

/** Both in-process targets, which must agree byte for byte; the reference's decision is returned. */
function decideBoth(input: unknown): Decision {
  const want = evaluate(ir, input);
  expect(JSON.stringify(guards.decideUnknown(input))).toBe(JSON.stringify(want));
  return want;
}
const reasonsOf = (d: Decision): string[] => d.reasons.map((r) => `${r.code}: ${r.message}`);
const NO_REQUEST = ['malformed_request: the request must be a JSON object'];

describe('names that are Object.prototype members are ordinary names', () => {
  it('a declared `__proto__` use case, `constructor` model, `toString` class and `hasOwnProperty` tool decide as any other', () => {
    const d = decideBoth(contractRequest({ data_classes: ['toString'], tool: { name: 'hasOwnProperty', scope: 'payments:refund', human_approved_by: 'agent-1' } }));
    expect(d).toMatchObject({ decision: 'allow', use_case: '__proto__', model: 'constructor', provider: 'openai' });
    expect(d.obligations).toMatchObject({ redact: [{ data_class: 'toString' }], human_approval: true });
    expect(reasonsOf(d)).toEqual(['allowed: allowed by use case `__proto__`']);
  });

  it('undeclared ones are unknown, never a prototype member', () => {
    expect(reasonsOf(decideBoth(contractRequest({ use_case: 'constructor' })))).toEqual(['unknown_use_case: use case `constructor` is not declared']);
    expect(reasonsOf(decideBoth(contractRequest({ use_case: 'toString' })))).toEqual(['unknown_use_case: use case `toString` is not declared']);
    expect(reasonsOf(decideBoth(contractRequest({ model: 'valueOf' })))).toEqual(['model_not_allowed: model `valueOf` is not allowed for use case `__proto__`']);
    expect(reasonsOf(decideBoth(contractRequest({ data_classes: ['__proto__', 'constructor'] })))).toEqual([
      'unknown_data_class: data class `__proto__` is not declared',
      'unknown_data_class: data class `constructor` is not declared',
    ]);
    expect(reasonsOf(decideBoth(contractRequest({ tool: { name: 'toString', scope: 'x' } })))).toEqual(['tool_not_allowed: tool `toString` is not granted to use case `__proto__`']);
    expect(reasonsOf(decideBoth(contractRequest({ spend: { use_case: { month: 0, day: 0, constructor: 0 }, tenant: { month: 0, day: 0 } } })))).toEqual(['allowed: allowed by use case `__proto__`']);
  });

  it('period keys named like prototype members are keys like any other', () => {
    const spend = JSON.parse('{"use_case":{"month":0,"day":0,"__proto__":-1},"tenant":{"month":0,"day":0}}') as unknown;
    expect(reasonsOf(decideBoth(contractRequest({ spend })))).toEqual(['malformed_request: `spend.use_case.__proto__` must be an integer number of micro-units from 0 to 1000000000000000']);
  });
});

describe('RULE B: echoed request strings are bounded', () => {
  const unknown = (useCase: string): Decision => decideBoth(contractRequest({ use_case: useCase }));

  it('a 1 MB unknown use case is echoed as its first 64 code points and an ellipsis, in the reason and in `use_case`', () => {
    const d = unknown('u'.repeat(1 << 20));
    expect(d.use_case).toBe(`${'u'.repeat(64)}…`);
    expect(reasonsOf(d)).toEqual([`unknown_use_case: use case \`${'u'.repeat(64)}…\` is not declared`]);
    expect(JSON.stringify(d).length).toBeLessThan(1000);
  });

  it('counts code points: 64 astral characters are whole, 65 are cut after 64, a pair is never split, a lone surrogate is one', () => {
    expect(unknown('😀'.repeat(64)).use_case).toBe('😀'.repeat(64));
    expect(unknown('😀'.repeat(65)).use_case).toBe(`${'😀'.repeat(64)}…`);
    expect(unknown(`${'a'.repeat(63)}😀b`).use_case).toBe(`${'a'.repeat(63)}😀…`);
    expect(unknown(`${'a'.repeat(63)}\ud800bc`).use_case).toBe(`${'a'.repeat(63)}\ud800…`);
    expect(unknown(`\udc00${'a'.repeat(64)}`).use_case).toBe(`\udc00${'a'.repeat(63)}…`);
    expect(unknown('a'.repeat(64)).use_case).toBe('a'.repeat(64));
    expect(unknown(`\u202e${'x'.repeat(70)}`).use_case).toBe(`\u202e${'x'.repeat(63)}…`);
  });

  it('bounds every request-chosen value a reason names: model, data class, tool, scope, region, spend key', () => {
    const long = 'z'.repeat(100_000);
    const cut = `${'z'.repeat(64)}…`;
    expect(reasonsOf(decideBoth(contractRequest({ model: long })))).toEqual([`model_not_allowed: model \`${cut}\` is not allowed for use case \`__proto__\``]);
    expect(reasonsOf(decideBoth(contractRequest({ data_classes: [long] })))).toEqual([`unknown_data_class: data class \`${cut}\` is not declared`]);
    expect(reasonsOf(decideBoth(contractRequest({ tool: { name: long, scope: 'x' } })))).toEqual([`tool_not_allowed: tool \`${cut}\` is not granted to use case \`__proto__\``]);
    expect(reasonsOf(decideBoth(contractRequest({ tool: { name: 'hasOwnProperty', scope: long } })))).toEqual([`tool_scope_not_allowed: scope \`${cut}\` is not granted for tool \`hasOwnProperty\``]);
    expect(reasonsOf(decideBoth(contractRequest({ region: long, model: 'constructor' })))).toEqual([`model_region_not_served: model \`constructor\` is not available in region \`${cut}\``]);
    const spend = { use_case: { month: 0, day: 0, [long]: -1 }, tenant: { month: 0, day: 0 } };
    expect(reasonsOf(decideBoth(contractRequest({ spend })))).toEqual([`malformed_request: \`spend.use_case.${cut}\` must be an integer number of micro-units from 0 to 1000000000000000`]);
  });

  it('the region in data-rule reasons too (medinote-eu: residency and regions of a data rule)', () => {
    const med = exampleIr('medinote-eu');
    const uc = Object.values(med.use_cases).find((u) => Object.values(u.data).some((f) => f.action === 'allow' && f.regions.length > 0))!;
    const c = Object.entries(uc.data).find(([, f]) => f.action === 'allow' && f.regions.length > 0)![0];
    const d = evaluate(med, { use_case: uc.name, tenant: 't', region: 'r'.repeat(500), time: '2026-11-26T10:00:00Z', data_classes: [c] });
    const messages = d.reasons.map((r) => r.message).filter((m) => m.includes('region'));
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) expect(m).toContain(`\`${'r'.repeat(64)}…\``);
  });

  it('a declared name longer than 64 code points is the program\'s, printed whole', () => {
    const d = decideBoth(contractRequest({ use_case: LONG_UC, spend: { use_case: { month: 0 } }, rate: { use_case: { requests: 0 } } }));
    expect(d).toMatchObject({ decision: 'allow', use_case: LONG_UC });
    expect(reasonsOf(d)).toEqual([`allowed: allowed by use case \`${LONG_UC}\``]);
  });
});

describe('RULE C: trace ids of at most 256 code points', () => {
  const TRACE = '`trace_id` must be a string of at most 256 characters';

  it('256 code points are echoed whole, 257 make the request malformed and are not echoed', () => {
    for (const c of ['t', '😀', 'é']) {
      expect(decideBoth(contractRequest({ trace_id: c.repeat(256) })).trace_id).toBe(c.repeat(256));
      const d = decideBoth(contractRequest({ trace_id: c.repeat(257) }));
      expect(reasonsOf(d)).toEqual([`malformed_request: ${TRACE}`]);
      expect(d.trace_id).toBeNull();
    }
    expect(decideBoth(contractRequest({ trace_id: `${'t'.repeat(255)}\ud800` })).trace_id).toBe(`${'t'.repeat(255)}\ud800`);
  });

  it('keeps its place in the validation order; a malformed decision echoes only a valid trace id', () => {
    const early = decideBoth(contractRequest({ tenant: '', trace_id: 'x'.repeat(1 << 20) }));
    expect(reasonsOf(early)).toEqual(['malformed_request: `tenant` must be a non-empty string']);
    expect(early.trace_id).toBeNull();
    expect(decideBoth(contractRequest({ tenant: '', trace_id: 'ok' })).trace_id).toBe('ok');
    expect(reasonsOf(decideBoth(contractRequest({ trace_id: 't'.repeat(300), model: '' })))).toEqual([`malformed_request: ${TRACE}`]);
    expect(reasonsOf(decideBoth(contractRequest({ trace_id: 5 })))).toEqual([`malformed_request: ${TRACE}`]);
  });
});

describe('fields are own properties', () => {
  it('inherited fields are absent: an inherited trace id, model, tokens or counters never reach the decision', () => {
    const { trace_id: _t, ...rest } = contractRequest();
    const inherit = (proto: object, own: object = rest): unknown => Object.assign(Object.create(proto), own);
    expect(decideBoth(inherit({ trace_id: { not: 'a string' } })).trace_id).toBeNull();
    expect(decideBoth(inherit({ model: 'gpt-9' })).decision).toBe('allow');
    const { rate: _r, ...noRate } = rest;
    const d = decideBoth(inherit({ rate: { use_case: { requests: 0, tokens: 0 }, tenant: { requests: 0, tokens: 0 } } }, noRate));
    expect(d.reasons.map((r) => r.code)).toEqual(['counter_missing', 'counter_missing', 'counter_missing', 'counter_missing']);
    // Inherited counters inside an own object are absent too: an inherited token count is never priced.
    expect(decideBoth(contractRequest({ tokens: Object.create({ input: 900_000_000 }) as object })).decision).toBe('allow');
    const required = Object.assign(Object.create({ use_case: '__proto__' }), { tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' });
    expect(reasonsOf(decideBoth(required))).toEqual(['malformed_request: `use_case` must be a non-empty string']);
    expect(reasonsOf(decideBoth(contractRequest({ tool: Object.assign(Object.create({ scope: 'payments:refund' }), { name: 'hasOwnProperty' }) })))).toEqual(['malformed_request: `tool.scope` must be a non-empty string']);
  });

  it('a polluted Object.prototype changes nothing', () => {
    const clean = contractRequest();
    const { rate: _r, trace_id: _t, ...noRate } = clean;
    const before = [clean, noRate].map((r) => JSON.stringify(evaluate(ir, r)));
    const proto = Object.prototype as Record<string, unknown>;
    const pollution: Record<string, unknown> = { trace_id: 'polluted', model: 'gpt-9', rate: { use_case: { requests: 0, tokens: 0 }, tenant: { requests: 0, tokens: 0 } }, month: -1, tokens: { input: -1 }, human_approved_by: 'x' };
    let during: string[] = [];
    try {
      // Enumerable, as pollution by assignment is; nothing but the deciding happens until it is removed.
      Object.assign(proto, pollution);
      during = [clean, noRate].flatMap((r) => [JSON.stringify(evaluate(ir, r)), JSON.stringify(guards.decideUnknown(r))]);
    } finally {
      for (const k of Object.keys(pollution)) delete proto[k];
    }
    expect(during).toEqual([before[0], before[0], before[1], before[1]]);
    expect(JSON.stringify(guards.decideUnknown(clean))).toBe(before[0]);
  });

  it('array elements by index: a hole is no data class', () => {
    // eslint-disable-next-line no-sparse-arrays
    const classes = [, 'toString'];
    expect(reasonsOf(decideBoth(contractRequest({ data_classes: classes })))).toEqual(['malformed_request: `data_classes` must be an array of non-empty strings']);
    const huge: string[] = [];
    huge.length = 4_000_000_000;
    expect(reasonsOf(decideBoth(contractRequest({ data_classes: huge })))).toEqual(['malformed_request: `data_classes` must be an array of non-empty strings']);
  });

  it('class instances and prototype-less objects are read by their own properties', () => {
    class Req {
      constructor(readonly fields: Record<string, unknown>) {
        Object.assign(this, fields);
      }
      get model(): string {
        return 'gpt-9';
      }
    }
    expect(decideBoth(new Req(contractRequest())).decision).toBe('allow');
    const bare = Object.assign(Object.create(null) as object, contractRequest({ tokens: Object.assign(Object.create(null) as object, { input: 1, output: 1 }) }));
    expect(decideBoth(bare).decision).toBe('allow');
  });

  it('values that throw when read are no request: denied, never thrown', () => {
    const throwing = Object.defineProperty(contractRequest(), 'tenant', { get: () => { throw new Error('boom'); }, enumerable: true });
    const trap = new Proxy({}, { get: () => { throw new Error('trap'); }, has: () => { throw new Error('trap'); }, getOwnPropertyDescriptor: () => { throw new Error('trap'); } });
    const { proxy, revoke } = Proxy.revocable(contractRequest(), {});
    revoke();
    const nested = contractRequest({ spend: { use_case: new Proxy({}, { ownKeys: () => { throw new Error('keys'); } }) } });
    for (const input of [throwing, trap, proxy, nested]) {
      const d = decideBoth(input);
      expect(reasonsOf(d)).toEqual(NO_REQUEST);
      expect(d.trace_id).toBeNull();
    }
  });
});

describe('RULE A for JavaScript numbers: an integer iff Number.isInteger', () => {
  it('-0 and 1e3 are integers; NaN, Infinity, 1.5 are not', () => {
    const at = (input: unknown): string[] => reasonsOf(decideBoth(contractRequest({ tokens: { input, output: 0 } })));
    expect(at(-0)).toEqual(['allowed: allowed by use case `__proto__`']);
    expect(at(1e3)).toEqual(['allowed: allowed by use case `__proto__`']);
    for (const bad of [NaN, Infinity, -Infinity, 1.5, -1, 1e9 + 1, '1', null]) expect(at(bad)).toEqual(['malformed_request: `tokens.input` must be an integer from 0 to 1000000000']);
  });
});

describe('the guards and the reference agree on hostile values (property-based)', () => {
  it('random requests with hostile strings, trace ids near the bound and odd shapes', () => {
    const objects = requestArbitrary(ir).filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r));
    const shapes = fc.oneof(
      requestArbitrary(ir),
      fc.tuple(objects, fc.constantFrom('use_case', 'model', 'region', 'tenant'), hostileString()).map(([r, f, s]) => ({ ...(r as object), [f]: s })),
      fc.tuple(objects, traceIdNearLimit()).map(([r, t]) => ({ ...(r as object), trace_id: t })),
      fc.tuple(objects, fc.constantFrom('trace_id', 'model', 'tool', 'tokens', 'spend', 'rate', 'data_classes')).map(([r, f]) => {
        // The field moved to the prototype: absent for every target.
        const { [f]: v, ...rest } = r;
        return Object.assign(Object.create({ [f]: v }), rest);
      }),
    );
    fc.assert(
      fc.property(shapes, (input) => {
        expect(requestProblem(input)).toBe(firstRequestProblem(input));
        decideBoth(input);
      }),
      { numRuns: 3000, seed: 8 },
    );
  });
});
