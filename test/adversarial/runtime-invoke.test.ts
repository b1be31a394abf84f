import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  budgetKey,
  createGuard,
  MemoryDecisionLog,
  MemoryStore,
  rateKey,
  type AddOp,
  type CounterStore,
  type DecisionLogEntry,
  type GuardOptions,
  type GuardPolicy,
  type ReserveOp,
  type ReserveResult,
} from '../../src/runtime/index.js';
import { loadGuards, type LoadedGuards } from '../helpers/guards.js';
import { exampleIr } from '../helpers/repo.js';

/**
 * invoke never throws and reads the request once: hostile requests, calls, usage objects, log sinks, callbacks,
 * clocks and stores all end in a result (a deny with a reason, or `refusal: 'error'`), with every concurrency slot
 * released and every reservation given back or settled.
 */

const ir = exampleIr('acme-support');
let mod: LoadedGuards;
const T0 = Date.parse('2026-11-26T10:00:00Z');
const UC = 'support_assistant';
const TENANT = 't';

beforeAll(async () => {
  mod = await loadGuards(ir, 'adv-invoke');
});
afterAll(() => rmSync(mod.path, { force: true }));

function setup(options: Partial<GuardOptions> = {}) {
  const store = new MemoryStore(() => T0);
  const log = new MemoryDecisionLog();
  const guard = createGuard(mod.policy as GuardPolicy, { store, log, clock: () => T0, ...options });
  let calls = 0;
  const call = async () => (calls++, { usage: { input_tokens: 10, output_tokens: 10 } });
  return { guard, store, log, call, calls: () => calls };
}

const request = (extra: Record<string, unknown> = {}) => ({ use_case: UC, tenant: TENANT, region: 'eu', tokens: { input: 1000, output: 500 }, ...extra });
const day = (ms = T0) => budgetKey('govc:', UC, TENANT, 'tenant', 'day', ms);
const rpm = (ms = T0) => rateKey('govc:', UC, TENANT, 'tenant', 'requests', ms);
const tpm = (ms = T0) => rateKey('govc:', UC, TENANT, 'tenant', 'tokens', ms);

describe('hostile requests are denied with a reason, never thrown', () => {
  const throwingGetter = { ...request(), get tenant(): string { throw new Error('boom'); } };
  const cases: Array<[string, unknown, string | RegExp]> = [
    ['null', null, 'the request must be a JSON object'],
    ['undefined', undefined, 'the request must be a JSON object'],
    ['an array', [request()], 'the request must be a JSON object'],
    ['a string', 'support_assistant', 'the request must be a JSON object'],
    ['a number', 42, 'the request must be a JSON object'],
    ['a Proxy', new Proxy(request(), {}), /^the request is a Proxy/],
    ['a Proxy whose traps throw', new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } }), /^the request is a Proxy/],
    ['a throwing getter', throwingGetter, /^`request\.tenant` threw an error when read/],
    ['a class instance', new (class Req { use_case = UC; tenant = TENANT; region = 'eu'; })(), /^the request is an instance of a class/],
    ['a Map', new Map(Object.entries(request())), /^the request is a Map/],
    ['a symbol key', { ...request(), [Symbol('x')]: 1 }, /^the request has a symbol key/],
  ];
  for (const [name, value, message] of cases) {
    it(`${name}`, async () => {
      const { guard, log, call, calls } = setup();
      const r = await guard.invoke(value as never, call);
      expect(r).toMatchObject({ ok: false, refusal: 'policy', message: null });
      expect(r.decision).toMatchObject({ decision: 'deny', allow: false, use_case: null, model: null, provider: null, obligations: null, limits: null, trace_id: null });
      expect(r.decision.reasons).toHaveLength(1);
      expect(r.decision.reasons[0]).toMatchObject({ code: 'malformed_request', rule: 'request', source: null });
      expect(r.decision.reasons[0]!.message).toMatch(message);
      expect(calls()).toBe(0);
      expect(log.entries.map((e) => e.decision)).toEqual(['deny']);
    });
  }

  it('a null-prototype request is plain data and is decided', async () => {
    const { guard, call } = setup();
    const r = await guard.invoke(Object.assign(Object.create(null) as object, request()) as never, call);
    expect(r.ok && r.decision.decision).toBe('allow');
  });

  it('a `data_classes` that is not an array is not replaced by the detected classes: the policy denies it', async () => {
    const { guard, call, calls } = setup();
    const r = await guard.invoke(request({ data_classes: 'pii', input: 'mail jane@example.com' }) as never, call);
    expect(r.decision.reasons.map((x) => x.message)).toEqual(['`data_classes` must be an array of non-empty strings']);
    expect(calls()).toBe(0);
  });
});

describe('time and clock', () => {
  it('counters follow the guard’s clock: a request cannot pick another period with `time`', async () => {
    const { guard, store, call, calls } = setup();
    await store.add([{ key: day(), amount: 120_000_000, ttlSeconds: 3600 }]); // the tenant's day is spent, even degraded
    const yesterday = await guard.invoke(request({ time: '2026-11-25T10:00:00Z' }) as never, call);
    expect(yesterday.ok).toBe(false);
    expect(yesterday.decision.reasons[0]!.message).toBe("`time` must be within 300 seconds of the guard's clock (send no `time` to use the clock)");
    const today = await guard.invoke(request({ time: '2026-11-26T09:58:00Z' }) as never, call);
    expect(today.ok).toBe(false);
    expect(today.decision.reasons.map((x) => x.code)).toEqual(['budget_exhausted']);
    expect(calls()).toBe(0);
  });

  it('near midnight a request time within the skew is decided, but metered on the clock’s day', async () => {
    const clockMs = Date.parse('2026-11-27T00:01:00Z');
    const store = new MemoryStore(() => clockMs);
    const guard = createGuard(mod.policy as GuardPolicy, { store, clock: () => clockMs });
    const r = await guard.invoke(request({ time: '2026-11-26T23:59:00Z' }) as never, async () => ({ usage: { input_tokens: 1000, output_tokens: 500 } }));
    expect(r.ok).toBe(true);
    expect(await store.get([day(clockMs), day(Date.parse('2026-11-26T12:00:00Z'))])).toEqual([6000, 0]);
  });

  it('a clock that throws or answers NaN falls back to the system clock', async () => {
    for (const clock of [() => NaN, () => { throw new Error('no clock'); }, () => 1e300]) {
      const log = new MemoryDecisionLog();
      const guard = createGuard(mod.policy as GuardPolicy, { log, clock: clock as () => number });
      const r = await guard.invoke(request() as never, async () => ({}));
      expect(['allow', 'degrade', 'deny']).toContain(r.decision.decision);
      expect(Math.abs(Date.parse(log.entries[0]!.timestamp) - Date.now())).toBeLessThan(60_000);
    }
  });
});

describe('a call that fails', () => {
  it('is `refusal: error` whatever it throws, even values that cannot be printed', async () => {
    const { guard, log, store } = setup();
    const unprintable = Object.create(null) as object;
    const hostile = new Proxy({}, { getPrototypeOf() { throw new Error('trap'); }, get() { throw new Error('trap'); } });
    for (const thrown of [unprintable, hostile, undefined, 'text', 42]) {
      const r = await guard.invoke(request() as never, async () => {
        throw thrown;
      });
      expect(r).toMatchObject({ ok: false, refusal: 'error', message: null });
      expect(r.ok === false && r.refusal === 'error' && r.error).toBe(thrown);
    }
    expect(log.entries.map((e) => e.refusal)).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(log.entries.map((e) => e.error)).toEqual(['an error that cannot be printed', 'an error that cannot be printed', 'undefined', 'text', '42']);
    // Reservations given back; the requests still count toward requests per minute.
    expect(await store.get([day(), rpm(), tpm()])).toEqual([0, 5, 0]);
  });

  it('a synchronous throw is the same as a rejection, and its slot is released', async () => {
    const { guard } = setup({ concurrency: { perTenant: 1 } });
    const r = await guard.invoke(request() as never, () => {
      throw new Error('sync');
    });
    expect(r).toMatchObject({ ok: false, refusal: 'error' });
    expect((await guard.invoke(request() as never, async () => ({}))).ok).toBe(true);
  });

  it('a long error message is bounded in the log', async () => {
    const { guard, log } = setup();
    await guard.invoke(request() as never, async () => {
      throw new Error('x'.repeat(100_000));
    });
    expect(log.entries[0]!.error).toBe(`${'x'.repeat(2000)}… (98000 more characters)`);
  });
});

describe('log sinks and callbacks that fail', () => {
  const failing: Array<[string, () => { write(e: DecisionLogEntry): void | Promise<void> }]> = [
    ['throws', () => ({ write: () => { throw new Error('disk full'); } })],
    ['rejects', () => ({ write: () => Promise.reject(new Error('disk full')) })],
  ];
  for (const [name, sink] of failing) {
    it(`a log sink that ${name}: the result is returned, onLogError told, the slot released`, async () => {
      const errors: unknown[] = [];
      const { guard, call } = setup({ log: sink(), onLogError: (e) => errors.push(e), concurrency: { perTenant: 1 } });
      const a = await guard.invoke(request() as never, call);
      expect(a.ok).toBe(true);
      const b = await guard.invoke(request() as never, call);
      expect(b.ok).toBe(true);
      const denied = await guard.invoke(null as never, call);
      expect(denied.ok).toBe(false);
      expect(errors).toHaveLength(3);
      expect((errors[0] as Error).message).toBe('disk full');
    });
  }

  it('an onStoreError or onLogError that throws is not invoke’s failure', async () => {
    const dead: CounterStore = { get: () => Promise.reject(new Error('down')), reserve: () => Promise.reject(new Error('down')), add: () => Promise.reject(new Error('down')) };
    const guard = createGuard(mod.policy as GuardPolicy, {
      store: dead,
      clock: () => T0,
      onStoreError: () => {
        throw new Error('callback');
      },
      log: { write: () => Promise.reject(new Error('sink')) },
      onLogError: () => {
        throw new Error('callback');
      },
    });
    const r = await guard.invoke(request() as never, async () => ({}));
    expect(r.ok).toBe(false);
    expect(new Set(r.decision.reasons.map((x) => x.code))).toEqual(new Set(['counter_missing']));
  });
});

describe('usage the call reports', () => {
  // Estimate: 1,000 in + 500 out on gpt-4.1 = 6,000 micro-units, 1,500 tokens.
  const hostile: Array<[string, unknown]> = [
    ['negative', { usage: { input_tokens: -1_000_000, output_tokens: 10 } }],
    ['huge', { usage: { input_tokens: 10, output_tokens: 1e12 } }],
    ['fractional', { usage: { input_tokens: 1.5, output_tokens: 10 } }],
    ['text', { usage: { input_tokens: '10', output_tokens: 10 } }],
    ['a throwing getter', { usage: { get input_tokens(): number { throw new Error('usage'); }, output_tokens: 10 } }],
    ['a throwing usage', { get usage(): unknown { throw new Error('usage'); } }],
    // (`then` answers, or awaiting the output would already fail the call)
    ['a Proxy output', new Proxy({}, { get(_, k) { if (k === 'then') return undefined; throw new Error('trap'); } })],
  ];
  for (const [name, output] of hostile) {
    it(`${name}: ignored, the estimate is charged`, async () => {
      const { guard, store, log } = setup();
      const r = await guard.invoke(request() as never, async () => output);
      expect(r).toMatchObject({ ok: true, cost_micros: 6000, usage: null });
      expect(await store.get([day(), tpm()])).toEqual([6000, 1500]);
      expect(log.entries[0]!.usage).toBeNull();
    });
  }

  it('a custom usage reader that throws or answers garbage is ignored too', async () => {
    for (const usage of [() => { throw new Error('reader'); }, () => ({ input: -5, output: 0 }), () => ({ input: NaN, output: 1 }), () => 'x' as never]) {
      const { guard, store } = setup({ usage: usage as GuardOptions['usage'] });
      const r = await guard.invoke(request() as never, async () => ({}));
      expect(r).toMatchObject({ ok: true, cost_micros: 6000, usage: null });
      expect(await store.get([day()])).toEqual([6000]);
    }
  });
});

/** A store in front of a MemoryStore that can be switched off, or made to fail one kind of operation. */
class FlakyStore implements CounterStore {
  down = false;
  failAdds = 0;
  answer: ((keys: readonly string[]) => unknown) | undefined;
  readonly adds: AddOp[][] = [];
  constructor(readonly inner: MemoryStore) {}
  get(keys: readonly string[]): Promise<number[]> {
    if (this.down) return Promise.reject(new Error('ECONNREFUSED'));
    if (this.answer) return Promise.resolve(this.answer(keys) as number[]);
    return this.inner.get(keys);
  }
  reserve(ops: readonly ReserveOp[]): Promise<ReserveResult> {
    return this.down ? Promise.reject(new Error('ECONNREFUSED')) : this.inner.reserve(ops);
  }
  add(ops: readonly AddOp[]): Promise<void> {
    if (this.down || this.failAdds > 0) {
      this.failAdds--;
      return Promise.reject(new Error('ECONNRESET'));
    }
    this.adds.push([...ops]);
    return this.inner.add(ops);
  }
}

describe('store errors', () => {
  for (const [name, answer] of [
    ['NaN', (keys: readonly string[]) => keys.map(() => NaN)],
    ['negative', (keys: readonly string[]) => keys.map(() => -1)],
    ['too few values', () => [0]],
    ['not an array', () => ({})],
    ['text', (keys: readonly string[]) => keys.map(() => '0')],
  ] as const) {
    it(`a store that answers ${name} is unavailable: closed denies for the missing counters`, async () => {
      const flaky = new FlakyStore(new MemoryStore(() => T0));
      flaky.answer = answer;
      const errors: unknown[] = [];
      const { guard, log, call, calls } = setup({ store: flaky, onStoreError: (e) => errors.push(e) });
      const r = await guard.invoke(request() as never, call);
      expect(r.ok).toBe(false);
      expect(new Set(r.decision.reasons.map((x) => x.code))).toEqual(new Set(['counter_missing']));
      expect(log.entries[0]!.store).toBe('unavailable');
      expect(errors).toHaveLength(1);
      expect(calls()).toBe(0);
    });
  }

  it('a store that fails after reserving: the settlement is kept and added once the store answers again', async () => {
    const inner = new MemoryStore(() => T0);
    const flaky = new FlakyStore(inner);
    const { guard } = setup({ store: flaky });
    flaky.failAdds = 1; // the settlement of the next call fails
    const a = await guard.invoke(request() as never, async () => ({ usage: { input_tokens: 100, output_tokens: 0 } }));
    expect(a.ok && a.cost_micros).toBe(200);
    expect(await inner.get([day()])).toEqual([6000]); // still the estimate
    const b = await guard.invoke(request() as never, async () => ({ usage: { input_tokens: 100, output_tokens: 0 } }));
    expect(b.ok).toBe(true);
    // The first settlement (-5,800) went in before the second call read: the counter is what both cost.
    expect(await inner.get([day(), tpm()])).toEqual([400, 200]);
  });

  it('one use case’s backlog the store refuses does not take the other use cases down', async () => {
    const inner = new MemoryStore(() => T0);
    const flaky = new FlakyStore(inner);
    const { guard } = setup({ store: flaky });
    flaky.failAdds = 1;
    expect((await guard.invoke(request() as never, async () => ({ usage: { input_tokens: 1, output_tokens: 1 } }))).ok).toBe(true);
    // From now on the store refuses every add of support_assistant's keys (a poisoned key, say).
    const add = flaky.add.bind(flaky);
    flaky.add = (ops) => (ops.some((o) => o.key.includes('{support_assistant}')) ? Promise.reject(new Error('WRONGTYPE')) : add(ops));
    const other = await guard.invoke({ use_case: 'ticket_summary', tenant: TENANT, region: 'eu' } as never, async () => ({}));
    expect(other.ok).toBe(true);
    const same = await guard.invoke(request() as never, async () => ({}));
    expect(same.ok).toBe(false);
    expect(new Set(same.decision.reasons.map((x) => x.code))).toEqual(new Set(['counter_missing']));
  });

  it('a tenant name with a lone surrogate gets its own keys instead of an exception', async () => {
    const { guard, store } = setup();
    for (const tenant of ['\uD800', 'a\uDC00', '\uD83D\uDE00']) {
      const r = await guard.invoke(request({ tenant }) as never, async () => ({ usage: { input_tokens: 1000, output_tokens: 500 } }));
      expect(r.ok).toBe(true);
    }
    const keys = ['\uD800', 'a\uDC00', '\uD83D\uDE00'].map((t) => budgetKey('govc:', UC, t, 'tenant', 'day', T0));
    expect(keys).toEqual(['govc:{support_assistant}:spend:t:%uD800:day:2026-11-26', 'govc:{support_assistant}:spend:t:a%uDC00:day:2026-11-26', 'govc:{support_assistant}:spend:t:%F0%9F%98%80:day:2026-11-26']);
    expect(await store.get(keys)).toEqual([6000, 6000, 6000]);
  });

  it('a reservation that fails mid-way fails closed and calls nothing', async () => {
    const inner = new MemoryStore(() => T0);
    const store: CounterStore = { get: (k) => inner.get(k), reserve: () => Promise.reject(new Error('timeout')), add: (o) => inner.add(o) };
    const { guard, call, calls } = setup({ store });
    const r = await guard.invoke(request() as never, call);
    expect(r.ok).toBe(false);
    expect(new Set(r.decision.reasons.map((x) => x.code))).toEqual(new Set(['counter_missing']));
    expect(calls()).toBe(0);
  });
});

describe('concurrency slots are released on every path', () => {
  it('after a refused redaction, a failed call, a failing log sink, and a success', async () => {
    const { guard } = setup({ concurrency: { perTenant: 1, perUseCase: 1 }, log: { write: () => Promise.reject(new Error('sink')) }, onLogError: () => {} });
    const refused = await guard.invoke(request({ input: { 'a@example.com': 1, 'b@example.com': 2 } }) as never, async () => ({}));
    expect(refused.ok).toBe(false);
    const failed = await guard.invoke(request() as never, async () => Promise.reject(new Error('x')));
    expect(failed).toMatchObject({ refusal: 'error' });
    for (let i = 0; i < 3; i++) expect((await guard.invoke(request() as never, async () => ({}))).ok).toBe(true);
  });
});
