import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IrProgram } from '../../src/ir/types.js';
import { budgetKey, createGuard, MemoryStore, type AddOp, type CounterStore, type GuardPolicy, type InvokeResult, type Decision, type ReserveOp, type ReserveResult } from '../../src/runtime/index.js';
import { loadGuards, type LoadedGuards } from '../helpers/guards.js';
import { exampleIr } from '../helpers/repo.js';

/**
 * `storeFailure: 'soft'` never overspends: while the store is down this process meters budgets and rates itself,
 * from the last values it saw (budgets at least exhausted), so only the degrade rule applies and only up to its
 * cap; and what it spent meanwhile reaches the store when the store answers again.
 *
 * support_assistant: 100 USD a day per tenant, degrade to gpt-4.1-mini up to 120% (plus looser use-case and
 * monthly budgets). A call of 1M input + 1M output tokens costs 2 USD on gpt-4.1-mini.
 */

const T0 = Date.parse('2026-11-26T10:00:00Z');
const UC = 'support_assistant';
const USD = 1_000_000;
const BIG = { input: 1_000_000, output: 1_000_000 };
let noRates: LoadedGuards;
let acme: LoadedGuards;

beforeAll(async () => {
  const ir = exampleIr('acme-support');
  // The setting: budgets only, so nothing but the budgets (and their degrade cap) can stop the spend.
  const copy = structuredClone(ir) as { use_cases: Record<string, { rate_limits: unknown[] }> };
  copy.use_cases[UC]!.rate_limits = [];
  noRates = await loadGuards(copy as unknown as IrProgram, 'adv-soft-norates');
  acme = await loadGuards(ir, 'adv-soft-acme');
});
afterAll(() => {
  rmSync(noRates.path, { force: true });
  rmSync(acme.path, { force: true });
});

/** A MemoryStore standing in for Redis, which can be taken down and brought back. */
class Switchable implements CounterStore {
  down = false;
  constructor(readonly inner: MemoryStore) {}
  get(keys: readonly string[]): Promise<number[]> {
    return this.down ? Promise.reject(new Error('ECONNREFUSED')) : this.inner.get(keys);
  }
  reserve(ops: readonly ReserveOp[]): Promise<ReserveResult> {
    return this.down ? Promise.reject(new Error('ECONNREFUSED')) : this.inner.reserve(ops);
  }
  add(ops: readonly AddOp[]): Promise<void> {
    return this.down ? Promise.reject(new Error('ECONNREFUSED')) : this.inner.add(ops);
  }
}

const dayKey = (tenant: string) => budgetKey('govc:', UC, tenant, 'tenant', 'day', T0);
const spentBy = (rs: Array<InvokeResult<Decision, unknown>>) => rs.reduce((n, r) => n + (r.ok ? r.cost_micros : 0), 0);
const full = async ({ model }: { model: string }) => ({ model, usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 } });

describe('soft mode while the store is down', () => {
  it('1,000 calls against a 100 USD day spend at most the 20 USD the degrade cap leaves, then refuse', async () => {
    const store = new Switchable(new MemoryStore(() => T0));
    store.down = true;
    const guard = createGuard(noRates.policy as GuardPolicy, { store, storeFailure: 'soft', clock: () => T0 });
    const results: Array<InvokeResult<Decision, unknown>> = [];
    for (let i = 0; i < 1000; i++) results.push(await guard.invoke({ use_case: UC, tenant: 't', region: 'eu', tokens: BIG } as never, full));
    const ok = results.filter((r) => r.ok);
    expect(ok.every((r) => r.decision.decision === 'degrade' && r.decision.model === 'gpt-4.1-mini')).toBe(true);
    // Seeded as exhausted (100 USD + 1 micro-unit): 9 calls of 2 USD fit under the 120 USD cap.
    expect(ok).toHaveLength(9);
    expect(spentBy(results)).toBe(18 * USD);
    expect(results.slice(9).every((r) => !r.ok && r.refusal === 'policy' && r.decision.reasons[0]!.code === 'budget_exhausted')).toBe(true);
    expect(results[999]!.ok === false && results[999]!.message).toBe('Our assistant is very busy right now. A support agent will pick up your conversation shortly.');
  });

  it('starts from the last value it saw: seen at 115 USD, only 5 USD more', async () => {
    const inner = new MemoryStore(() => T0);
    const store = new Switchable(inner);
    await inner.add([{ key: dayKey('t'), amount: 115 * USD, ttlSeconds: 3600 }]);
    const guard = createGuard(noRates.policy as GuardPolicy, { store, storeFailure: 'soft', clock: () => T0 });
    const first = await guard.invoke({ use_case: UC, tenant: 't', region: 'eu', tokens: BIG } as never, full);
    expect(first.ok && first.decision.decision).toBe('degrade');
    store.down = true;
    const results: Array<InvokeResult<Decision, unknown>> = [];
    for (let i = 0; i < 100; i++) results.push(await guard.invoke({ use_case: UC, tenant: 't', region: 'eu', tokens: BIG } as never, full));
    expect(spentBy(results)).toBe(2 * USD); // 117 + 2 = 119 <= 120; the next would be 121
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('counts rates from the last value seen too: 50 requests this minute, then only 10 more while down', async () => {
    const store = new Switchable(new MemoryStore(() => T0));
    const guard = createGuard(acme.policy as GuardPolicy, { store, storeFailure: 'soft', clock: () => T0 });
    const req = { use_case: UC, tenant: 't', region: 'eu', tokens: { input: 10, output: 10 } } as never;
    const small = async () => ({ usage: { input_tokens: 10, output_tokens: 10 } });
    for (let i = 0; i < 50; i++) expect((await guard.invoke(req, small)).ok).toBe(true);
    store.down = true;
    const results: Array<InvokeResult<Decision, unknown>> = [];
    for (let i = 0; i < 20; i++) results.push(await guard.invoke(req, small));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.slice(10).every((r) => r.decision.reasons.some((x) => x.code === 'rate_limited'))).toBe(true);
  });

  it('what it spent while down reaches the store when it is back, before the store’s values are used', async () => {
    const inner = new MemoryStore(() => T0);
    const store = new Switchable(inner);
    const guard = createGuard(noRates.policy as GuardPolicy, { store, storeFailure: 'soft', clock: () => T0 });
    const go = () => guard.invoke({ use_case: UC, tenant: 't', region: 'eu', tokens: BIG } as never, full);
    const all: Array<InvokeResult<Decision, unknown>> = [];
    // Up: gpt-4.1 costs 2 + 8 = 10 USD a call at 1M/1M; 9 calls = 90 USD.
    for (let i = 0; i < 9; i++) all.push(await go());
    expect(all.every((r) => r.ok && r.decision.decision === 'allow')).toBe(true);
    store.down = true;
    for (let i = 0; i < 20; i++) all.push(await go()); // degraded: 9 × 2 USD from the seed of 100 USD
    store.down = false;
    for (let i = 0; i < 20; i++) all.push(await go()); // back: 90 + 18 = 108 USD, so 6 more degraded calls, to 120
    const spent = spentBy(all);
    expect((await inner.get([dayKey('t')]))[0]).toBe(spent);
    expect(spent).toBe(90 * USD + 18 * USD + 12 * USD);
    expect(spent).toBeLessThanOrEqual(120 * USD);
  });

  it('concurrent calls while down share the process’s counters: never past the cap', async () => {
    const store = new Switchable(new MemoryStore(() => T0));
    store.down = true;
    const guard = createGuard(noRates.policy as GuardPolicy, { store, storeFailure: 'soft', clock: () => T0 });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => guard.invoke({ use_case: UC, tenant: 't', region: 'eu', tokens: BIG } as never, async (ctx) => (await new Promise((r) => setTimeout(r, 1)), full(ctx)))),
    );
    expect(spentBy(results)).toBe(18 * USD);
  });

  it('fails closed is unchanged: nothing is called while the store is down', async () => {
    const store = new Switchable(new MemoryStore(() => T0));
    store.down = true;
    const guard = createGuard(noRates.policy as GuardPolicy, { store, clock: () => T0 });
    let called = 0;
    for (let i = 0; i < 10; i++) await guard.invoke({ use_case: UC, tenant: 't', region: 'eu', tokens: BIG } as never, async () => (called++, {}));
    expect(called).toBe(0);
  });
});
