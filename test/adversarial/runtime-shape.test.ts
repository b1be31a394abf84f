import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, MemoryDecisionLog, MemoryStore, budgetKey, rateKey, type GuardOptions, type GuardPolicy } from '../../src/runtime/index.js';
import { loadGuards, type LoadedGuards } from '../helpers/guards.js';
import { exampleIr } from '../helpers/repo.js';

/**
 * Redaction cannot be bypassed by the shape of a request: invoke snapshots the request into plain JSON data,
 * refuses (fails closed) whatever it cannot fully inspect, detects and redacts keys as well as values, and sends
 * and logs the snapshot it inspected — never a second read of the caller's objects.
 *
 * acme-support's `support_assistant` denies `payment_card` and redacts `pii`.
 */

const ir = exampleIr('acme-support');
let mod: LoadedGuards;
const T0 = Date.parse('2026-11-26T10:00:00Z');
const UC = 'support_assistant';
const CARD = '4111 1111 1111 1111';
const EMAIL = 'jane.doe@example.com';

beforeAll(async () => {
  mod = await loadGuards(ir, 'adv-shape');
});
afterAll(() => rmSync(mod.path, { force: true }));

function setup(options: Partial<GuardOptions> = {}) {
  const store = new MemoryStore(() => T0);
  const log = new MemoryDecisionLog();
  const guard = createGuard(mod.policy as GuardPolicy, { store, log, clock: () => T0, ...options });
  const seen: unknown[] = [];
  const call = async ({ input }: { input: unknown }) => (seen.push(input), { usage: { input_tokens: 10, output_tokens: 10 } });
  return { guard, store, log, seen, call };
}

const request = (input: unknown, extra: Record<string, unknown> = {}) => ({ use_case: UC, tenant: 't', region: 'eu', tokens: { input: 10, output: 10 }, input, ...extra });

function nested(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Values whose content invoke cannot fully inspect: each must be refused, never passed. */
const uninspectable: Array<[string, () => unknown, RegExp]> = [
  ['a card 70 arrays deep', () => nested(70, CARD), /nested more than 64 levels deep/],
  ['a Map', () => ({ messages: new Map([['content', CARD]]) }), /`input\.messages` is a Map/],
  ['a Set', () => [new Set([CARD])], /`input\[0\]` is a Set/],
  ['a class instance', () => ({ m: new (class Message { constructor(readonly text: string) {} })(CARD) }), /is an instance of a class/],
  ['a String object', () => ({ content: new String(CARD) }), /boxed primitive/],
  ['a toJSON method', () => ({ content: { toJSON: () => CARD } }), /`input\.content\.toJSON` is a function/],
  ['a Date', () => ({ at: new Date(T0) }), /is a Date/],
  ['a typed array', () => ({ bytes: new TextEncoder().encode(CARD) }), /typed array/],
  ['an ArrayBuffer', () => ({ bytes: new TextEncoder().encode(CARD).buffer }), /ArrayBuffer/],
  ['a Proxy', () => ({ content: new Proxy({}, { get: () => CARD, ownKeys: () => [] }) }), /`input\.content` is a Proxy/],
  ['a revoked Proxy', () => { const p = Proxy.revocable({}, {}); p.revoke(); return [p.proxy]; }, /is a Proxy/],
  ['a cycle', () => { const a: Record<string, unknown> = { text: CARD }; a.self = a; return a; }, /contains itself \(a cycle\)/],
  ['a symbol key', () => ({ [Symbol('hidden')]: CARD }), /has a symbol key/],
  ['a symbol value', () => ({ s: Symbol(CARD) }), /is a symbol/],
  ['a BigInt', () => ({ n: 4111111111111111n }), /is a BigInt/],
  ['NaN', () => ({ n: NaN }), /is NaN/],
  ['Infinity', () => [Infinity], /is Infinity/],
  ['a function', () => ({ f: () => CARD }), /is a function/],
  ['a sparse array', () => ['a', , CARD], /`input\[1\]` is a hole or undefined/],
  ['an undefined element', () => [undefined, CARD], /is a hole or undefined/],
  ['a getter that throws', () => ({ get content(): string { throw new Error(CARD); } }), /`input\.content` threw an error when read/],
  ['a `__proto__` key', () => JSON.parse(`{"__proto__": {"content": "${EMAIL}"}}`), /`__proto__` key/],
  ['an array subclass', () => { class Messages extends Array {} const m = new Messages(); m.push(CARD); return m; }, /array subclass/],
];

describe('invoke refuses what it cannot fully inspect (fail closed)', () => {
  for (const [name, make, message] of uninspectable) {
    it(`${name}: denied with malformed_request, never called, never logged`, async () => {
      const { guard, log, seen, call } = setup();
      const r = await guard.invoke(request(make(), { trace_id: 'tr-1' }) as never, call);
      expect(r).toMatchObject({ ok: false, refusal: 'policy' });
      expect(r.decision).toMatchObject({ decision: 'deny', allow: false, use_case: null, model: null, obligations: null, trace_id: 'tr-1' });
      expect(r.decision.reasons).toHaveLength(1);
      expect(r.decision.reasons[0]).toMatchObject({ code: 'malformed_request', rule: 'request', source: null });
      expect(r.decision.reasons[0]!.message).toMatch(message);
      expect(seen).toEqual([]);
      expect(log.entries).toHaveLength(1);
      expect(log.entries[0]!.input).not.toHaveProperty('input');
      // The card as text or as a number; not just '4111', which a timing metric may contain by chance.
      expect(JSON.stringify(log.entries[0])).not.toMatch(/4111 ?1111 ?1111 ?1111/);
      expect(JSON.stringify(log.entries[0])).not.toContain(EMAIL);
    });
  }

  it('a key that is user data never appears in the refusal message', async () => {
    const { guard, seen, call } = setup();
    const r = await guard.invoke(request({ [EMAIL]: new Map() }) as never, call);
    expect(r.decision.reasons[0]!.message).toMatch(/^`input\.…` is a Map/);
    expect(JSON.stringify(r)).not.toContain(EMAIL);
    expect(seen).toEqual([]);
  });

  it('bounds size: too many values, too many characters (options tighten the defaults)', async () => {
    const { guard, seen, call } = setup();
    const many = await guard.invoke(request(Array.from({ length: 100_001 }, () => 1)) as never, call);
    expect(many.decision.reasons[0]!.message).toMatch(/more than 100000 values/);
    const long = await guard.invoke(request(`${'x'.repeat(2_000_000)} ${CARD}`) as never, call);
    expect(long.decision.reasons[0]!.message).toMatch(/more than 2000000 characters/);
    const tight = setup({ inspection: { maxChars: 1000, maxDepth: 3 } });
    const r1 = await tight.guard.invoke(request('y'.repeat(1001)) as never, tight.call);
    expect(r1.decision.reasons[0]!.message).toMatch(/more than 1000 characters/);
    const r2 = await tight.guard.invoke(request([[[['deep']]]]) as never, tight.call);
    expect(r2.decision.reasons[0]!.message).toMatch(/nested more than 3 levels deep/);
    // A DAG that would copy exponentially is cut by the value bound, not by time or memory.
    let dag: unknown = CARD;
    for (let i = 0; i < 40; i++) dag = [dag, dag];
    const blown = await guard.invoke(request(dag) as never, call);
    expect(blown.decision.reasons[0]!.message).toMatch(/more than 100000 values/);
    expect(seen).toEqual([]);
  });

  it('accepts what is plain JSON data, null-prototype objects included, and sends a frozen copy of it', async () => {
    const { guard, seen, call } = setup();
    const dict = Object.assign(Object.create(null) as Record<string, unknown>, { role: 'user', content: 'hello' });
    const original = { messages: [dict, { role: 'assistant', content: 'hi', n: -0, ok: true, none: null }], skipped: undefined };
    const r = await guard.invoke(request(original) as never, call);
    expect(r.ok).toBe(true);
    expect(seen).toHaveLength(1);
    const sent = seen[0] as { messages: Array<Record<string, unknown>> };
    expect(sent).not.toBe(original);
    expect(JSON.parse(JSON.stringify(sent))).toEqual({ messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi', n: 0, ok: true, none: null }] });
    expect(Object.isFrozen(sent) && Object.isFrozen(sent.messages) && Object.isFrozen(sent.messages[0])).toBe(true);
  });
});

describe('detection and redaction read keys, over the snapshot', () => {
  it('a card number used as a key is detected (and the class denied)', async () => {
    const { guard, seen, log, call } = setup();
    const r = await guard.invoke(request({ cards: { [CARD]: 'visa' } }) as never, call);
    expect(r.ok).toBe(false);
    expect(r.decision.reasons.map((x) => x.code)).toEqual(['data_class_denied']);
    expect(seen).toEqual([]);
    expect(JSON.stringify(log.entries)).not.toMatch(/4111 ?1111 ?1111 ?1111/);
  });

  it('an email used as a key is redacted in what the model gets and in the log', async () => {
    const { guard, seen, log, call } = setup();
    const r = await guard.invoke(request({ contacts: { [EMAIL]: 'primary' }, text: `mail ${EMAIL}` }) as never, call);
    expect(r.ok).toBe(true);
    expect(seen).toEqual([{ contacts: { '[REDACTED:pii]': 'primary' }, text: 'mail [REDACTED:pii]' }]);
    expect(JSON.stringify(log.entries)).not.toContain(EMAIL);
    expect((log.entries[0]!.input as { input: unknown }).input).toEqual({ contacts: { '[REDACTED:pii]': 'primary' }, text: 'mail [REDACTED:pii]' });
  });

  it('keys that would redact to one key are refused, never merged', async () => {
    const { guard, seen, store, call } = setup();
    const r = await guard.invoke(request({ a: { 'ann@example.com': 1, 'bob@example.com': 2 } }) as never, call);
    expect(r).toMatchObject({ ok: false, refusal: 'policy' });
    expect(r.decision.reasons[0]).toMatchObject({ code: 'malformed_request', rule: 'request', source: null });
    expect(r.decision.reasons[0]!.message).toBe('`input.a` has keys that would all become `[REDACTED:pii]` when redacted, so they cannot be redacted apart');
    // Also against a key that already reads like the marker.
    const r2 = await guard.invoke(request({ 'ann@example.com': 1, '[REDACTED:pii]': 2 }) as never, call);
    expect(r2.decision.reasons[0]!.message).toMatch(/cannot be redacted apart/);
    expect(seen).toEqual([]);
    // What was reserved for the refused calls is given back (the requests included).
    expect(await store.get([budgetKey('govc:', UC, 't', 'tenant', 'day', T0), rateKey('govc:', UC, 't', 'tenant', 'requests', T0)])).toEqual([0, 0]);
  });

  it('a value that changes between reads is sent and logged as the one value inspected', async () => {
    const { guard, seen, log, call } = setup();
    let reads = 0;
    const input = {
      get content(): string {
        return ++reads === 1 ? 'hello' : CARD;
      },
    };
    const r = await guard.invoke(request(input) as never, call);
    expect(r.ok).toBe(true);
    expect(reads).toBe(1);
    expect(seen).toEqual([{ content: 'hello' }]);
    expect(JSON.stringify(log.entries)).not.toMatch(/4111 ?1111 ?1111 ?1111/);
  });

  it('a Proxy that answers differently per read is refused, not read twice', async () => {
    const { guard, seen, call } = setup();
    let reads = 0;
    const input = new Proxy({ content: 'hello' }, { get: (t, k) => (++reads === 1 ? (t as Record<string | symbol, unknown>)[k] : CARD) });
    const r = await guard.invoke(request(input) as never, call);
    expect(r.ok).toBe(false);
    expect(reads).toBe(0);
    expect(seen).toEqual([]);
  });

  it('a request getter that answers differently per read cannot drive counters negative', async () => {
    const { guard, store } = setup();
    let reads = 0;
    const tokens = {
      get input(): number {
        return ++reads === 2 ? -1_000_000_000 : 1000;
      },
      output: 0,
    };
    const r = await guard.invoke({ use_case: UC, tenant: 't', region: 'eu', tokens } as never, async () => ({}));
    expect(r.ok).toBe(true);
    expect(reads).toBe(1);
    const day = budgetKey('govc:', UC, 't', 'tenant', 'day', T0);
    const tpm = rateKey('govc:', UC, 't', 'tenant', 'tokens', T0);
    // No usage in the output: the estimate (1,000 input tokens on gpt-4.1 = 2,000 micro-units) stays charged.
    expect(await store.get([day, tpm])).toEqual([2000, 1000]);
  });
});
