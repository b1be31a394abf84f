import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import {
  budgetKey,
  createGuard,
  JsonlDecisionLog,
  MemoryDecisionLog,
  MemoryStore,
  periodKey,
  pruneDecisionLogs,
  rateKey,
  type CounterStore,
  type Decision,
  type DecisionLogEntry,
  type GuardOptions,
  type GuardPolicy,
} from '../src/runtime/index.js';
import { loadGuards, type LoadedGuards } from './helpers/guards.js';
import { exampleIr, REPO_ROOT } from './helpers/repo.js';

const ir = exampleIr('acme-support');
let mod: LoadedGuards;
const T0 = Date.parse('2026-11-26T10:00:00Z');
const TENANT = 'brand-a';
const UC = 'support_assistant';

beforeAll(async () => {
  mod = await loadGuards(ir, 'runtime-acme');
});
afterAll(() => rmSync(mod.path, { force: true }));

function setup(options: Partial<GuardOptions> = {}) {
  let now = T0;
  const clock = (): number => now;
  const store = new MemoryStore(clock);
  const log = new MemoryDecisionLog();
  const guard = createGuard(mod.policy as GuardPolicy, { store, log, clock, ...options });
  return { guard, store, log, advance: (ms: number) => (now += ms), clock };
}

const request = (extra: Record<string, unknown> = {}) => ({ use_case: UC, tenant: TENANT, region: 'eu', ...extra });
const usage = (input: number, output: number) => ({ usage: { input_tokens: input, output_tokens: output } });
const dayKey = (tenant = TENANT) => budgetKey('govc:', UC, tenant, 'tenant', 'day', T0);

describe('guard.invoke with the memory store', () => {
  it('decides, redacts the obligations’ classes before the call, records the actual cost, and logs', async () => {
    const { guard, store, log } = setup();
    const seen: Array<{ model: string; input: unknown }> = [];
    const result = await guard.invoke(request({ tokens: { input: 1000, output: 500 }, input: { messages: [{ role: 'user', content: 'Mail me at jane.doe@example.com please' }] } }), async ({ model, input }) => {
      seen.push({ model, input });
      return { text: 'Reply to jane.doe@example.com', ...usage(800, 300) };
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.decision.model).toBe('gpt-4.1');
    expect(result.decision.obligations?.redact.map((r) => r.data_class)).toEqual(['pii']);
    expect(seen).toEqual([{ model: 'gpt-4.1', input: { messages: [{ role: 'user', content: 'Mail me at [REDACTED:pii] please' }] } }]);
    // actual cost: ceil((800 * 2000 + 300 * 8000) / 1000) micro-units
    expect(result.cost_micros).toBe(4000);
    expect(await store.get([dayKey(), budgetKey('govc:', UC, TENANT, 'use_case', 'month', T0)])).toEqual([4000, 4000]);
    expect(await store.get([rateKey('govc:', UC, TENANT, 'tenant', 'requests', T0), rateKey('govc:', UC, TENANT, 'tenant', 'tokens', T0)])).toEqual([1, 1100]);
    const entry = log.entries[0]!;
    expect(entry).toMatchObject({
      decision_id: result.decision_id,
      path: 'govc/decision',
      owner: 'support-eng@acme.example',
      revision: ir.revision,
      bundles: { govc: { revision: ir.revision } },
      use_case: UC,
      tenant: TENANT,
      model: 'gpt-4.1',
      provider: 'openai',
      decision: 'allow',
      cost_micros: 4000,
      estimated_cost_micros: 6000,
      usage: { input_tokens: 800, output_tokens: 300 },
      store: 'available',
      retention_days: 180,
      masked: ['/input/input', '/output'],
      timestamp: '2026-11-26T10:00:00.000Z',
    });
    expect(entry.reasons.map((r) => r.code)).toEqual(['allowed']);
    expect(JSON.stringify(entry)).not.toContain('jane.doe');
    expect((entry.input as { input: unknown }).input).toEqual({ messages: [{ role: 'user', content: 'Mail me at [REDACTED:pii] please' }] });
    // The decision is the policy's, for the request with the counters the runtime supplied.
    expect(entry.result).toEqual(evaluate(ir, { ...request({ tokens: { input: 1000, output: 500 }, data_classes: ['pii'] }), time: '2026-11-26T10:00:00.000Z', spend: { use_case: { month: 0, day: 0 }, tenant: { month: 0, day: 0 } }, rate: { use_case: { requests: 0, tokens: 0 }, tenant: { requests: 0, tokens: 0 } } }));
  });

  it('degrades to the declared model when a budget runs out, then refuses with the declared message', async () => {
    const { guard, store } = setup();
    await store.add([{ key: dayKey(), amount: 100_000_000 - 1000, ttlSeconds: 3600 }]);
    const calls: string[] = [];
    const call = async ({ model }: { model: string }) => (calls.push(model), usage(1000, 500));
    const degraded = await guard.invoke(request({ tokens: { input: 1000, output: 500 } }), call);
    expect(degraded.ok && degraded.decision.decision).toBe('degrade');
    expect(calls).toEqual(['gpt-4.1-mini']);
    // Up to 120%: fill the day to just below the cap, then the next call cannot fit even degraded.
    await store.add([{ key: dayKey(), amount: 20_000_000 - 500, ttlSeconds: 3600 }]);
    const refused = await guard.invoke(request({ tokens: { input: 1000, output: 500 } }), call);
    expect(refused).toMatchObject({ ok: false, refusal: 'policy', message: 'Our assistant is very busy right now. A support agent will pick up your conversation shortly.' });
    expect(refused.decision.reasons.map((r) => r.code)).toEqual(['budget_exhausted']);
    expect(calls).toHaveLength(1);
    // Another tenant has its own per-tenant budget.
    const other = await guard.invoke(request({ tenant: 'brand-b', tokens: { input: 1000, output: 500 } }), call);
    expect(other.ok && other.decision.model).toBe('gpt-4.1');
  });

  it('rate-limits per tenant per minute, and the next minute opens again', async () => {
    const { guard, advance } = setup();
    const results = [];
    for (let i = 0; i < 61; i++) results.push(await guard.invoke(request(), async () => usage(0, 0)));
    expect(results.filter((r) => r.ok)).toHaveLength(60);
    expect(results[60]).toMatchObject({ ok: false, refusal: 'policy', message: "Too many messages at once. Please wait a minute, or type 'agent' to reach a person." });
    expect(results[60]!.decision.reasons.map((r) => r.code)).toEqual(['rate_limited']);
    advance(60_000);
    expect((await guard.invoke(request(), async () => usage(0, 0))).ok).toBe(true);
  });

  it('counts tokens per minute from the estimate, then settles to the actual tokens', async () => {
    const { guard, store } = setup();
    const r = await guard.invoke(request({ tokens: { input: 30_000, output: 9_000 } }), async () => usage(1_000, 1_000));
    expect(r.ok).toBe(true);
    expect(await store.get([rateKey('govc:', UC, TENANT, 'tenant', 'tokens', T0)])).toEqual([2_000]);
    // 2,000 + 38,000 fits exactly; without settling (39,000 + 38,000) it would not.
    const fits = await guard.invoke(request({ tokens: { input: 38_000, output: 0 } }), async () => usage(1, 1));
    expect(fits.ok).toBe(true);
    expect(await store.get([rateKey('govc:', UC, TENANT, 'tenant', 'tokens', T0)])).toEqual([2_002]);
    const refused = await guard.invoke(request({ tokens: { input: 38_000, output: 0 } }), async () => usage(1, 1));
    expect(refused.ok).toBe(false);
    expect(refused.decision.reasons.map((r) => r.message)).toEqual(['per-tenant tokens per minute would exceed 40000']);
  });

  it('caps in-flight calls per tenant (backpressure) and releases the slot when a call ends', async () => {
    const { guard } = setup({ concurrency: { perTenant: 2 } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async () => (await gate, usage(1, 1));
    const a = guard.invoke(request(), slow);
    const b = guard.invoke(request(), slow);
    await new Promise((r) => setTimeout(r, 10));
    const c = await guard.invoke(request(), slow);
    expect(c).toMatchObject({ ok: false, refusal: 'concurrency' });
    const d = await guard.invoke(request({ tenant: 'brand-b' }), async () => usage(1, 1));
    expect(d.ok).toBe(true);
    release();
    expect((await a).ok && (await b).ok).toBe(true);
    expect((await guard.invoke(request(), async () => usage(1, 1))).ok).toBe(true);
  });

  it('never overspends under concurrency in one process', async () => {
    const { guard, store } = setup();
    await store.add([{ key: dayKey(), amount: 100_000_000 - 6_000, ttlSeconds: 3600 }]);
    // 50 concurrent calls at 600 micro-units each; 6,000 left before degrading, degraded ones cost 120.
    const results = await Promise.all(Array.from({ length: 50 }, () => guard.invoke(request({ tokens: { input: 100, output: 50 } }), async () => (await new Promise((r) => setTimeout(r, 1)), usage(100, 50)))));
    const spent = (await store.get([dayKey()]))[0]!;
    const sum = results.reduce((n, r) => n + (r.ok ? r.cost_micros : 0), 0);
    expect(spent).toBe(100_000_000 - 6_000 + sum);
    expect(sum).toBe(10 * 600 + 40 * 120);
    expect(results.filter((r) => r.ok && r.decision.decision === 'allow')).toHaveLength(10);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(spent).toBeLessThanOrEqual(120_000_000);
  });

  it('gives back the reservation when the call fails, logs the error, and reports it as `refusal: error` (never a throw)', async () => {
    const { guard, store, log } = setup();
    const failure = new Error('provider down');
    const r = await guard.invoke(request({ tokens: { input: 1000, output: 500 } }), async () => Promise.reject(failure));
    expect(r).toMatchObject({ ok: false, refusal: 'error', message: null, error: failure });
    expect(r.decision.decision).toBe('allow');
    expect(await store.get([dayKey(), rateKey('govc:', UC, TENANT, 'tenant', 'requests', T0), rateKey('govc:', UC, TENANT, 'tenant', 'tokens', T0)])).toEqual([0, 1, 0]);
    expect(log.entries[0]).toMatchObject({ error: 'provider down', cost_micros: 0, decision: 'allow', refusal: 'error' });
  });

  it('refuses unknown use cases and malformed requests with the policy’s reason, never throwing, never calling', async () => {
    const { guard, log } = setup();
    let called = false;
    const call = async () => ((called = true), usage(1, 1));
    const unknown = await guard.invoke({ ...request(), use_case: 'nope' } as never, call);
    expect(unknown.decision.reasons.map((r) => r.code)).toEqual(['unknown_use_case']);
    const malformed = await guard.invoke({ use_case: UC, region: 'eu' } as never, call);
    expect(malformed).toMatchObject({ ok: false, refusal: 'policy' });
    expect(malformed.decision.reasons[0]!.message).toBe('`tenant` must be a non-empty string');
    expect(called).toBe(false);
    expect(log.entries.map((e) => e.decision)).toEqual(['deny', 'deny']);
  });

  it('denies a class the use case forbids when a detector finds it in the input', async () => {
    const { guard } = setup();
    const r = await guard.invoke(request({ use_case: 'kb_tagging', input: 'contact ops@acme.example' }), async () => usage(1, 1));
    expect(r.ok).toBe(false);
    expect(r.decision.reasons.map((x) => x.code)).toEqual(['data_class_denied']);
  });
});

/** A store that has gone away: every operation rejects. */
class DeadStore implements CounterStore {
  get(): Promise<number[]> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
  reserve(): Promise<never> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
  add(): Promise<void> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
}

describe('when the counter store fails', () => {
  it('fails closed by default: the policy denies for the missing counters, and the failure is reported and logged', async () => {
    const errors: unknown[] = [];
    const { guard, log } = setup({ store: new DeadStore(), onStoreError: (e) => errors.push(e) });
    let called = false;
    const r = await guard.invoke(request({ tokens: { input: 10, output: 10 } }), async () => ((called = true), usage(1, 1)));
    expect(r).toMatchObject({ ok: false, refusal: 'policy' });
    expect(new Set(r.decision.reasons.map((x) => x.code))).toEqual(new Set(['counter_missing']));
    expect(called).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(log.entries[0]!.store).toBe('unavailable');
  });

  it('fails soft on request: budgets count as exhausted, so the declared degrade model serves (or the declared refusal)', async () => {
    const { guard, log } = setup({ store: new DeadStore(), storeFailure: 'soft' });
    const r = await guard.invoke(request({ tokens: { input: 10, output: 10 } }), async ({ model }) => ({ model, ...usage(1, 1) }));
    expect(r.ok && r.decision.decision).toBe('degrade');
    expect(r.ok && r.decision.model).toBe('gpt-4.1-mini');
    const summary = await guard.invoke(request({ use_case: 'ticket_summary' }), async () => usage(1, 1));
    expect(summary).toMatchObject({ ok: false, message: "Summaries are paused until next month's budget opens; read the thread instead." });
    expect(log.entries.map((e) => e.store)).toEqual(['unavailable', 'unavailable']);
    // Rates still hold, counted in this process.
    const results = [];
    for (let i = 0; i < 61; i++) results.push(await guard.invoke(request({ tenant: 'brand-z' }), async () => usage(0, 0)));
    expect(results.filter((x) => x.ok)).toHaveLength(60);
  });
});

describe('decision logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govc-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are JSON lines, one file per UTC day; `pruneDecisionLogs` drops entries past their retention', async () => {
    const log = new JsonlDecisionLog(dir);
    const day = 86_400_000;
    let now = T0 - 200 * day;
    const guard = createGuard(mod.policy as GuardPolicy, { log, clock: () => now });
    const useCases = ['support_assistant', 'ticket_summary']; // retention 180 and 30 days
    for (const back of [200, 100, 20, 0]) {
      now = T0 - back * day;
      for (const uc of useCases) await guard.invoke(request({ use_case: uc }), async () => usage(1, 1));
    }
    await log.flush();
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(4);
    const lines = readFileSync(join(dir, files[0]!), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const entry = JSON.parse(lines[0]!) as DecisionLogEntry;
    expect(Object.keys(entry)).toEqual(expect.arrayContaining(['decision_id', 'trace_id', 'timestamp', 'owner', 'revision', 'use_case', 'model', 'decision', 'reasons', 'cost_micros', 'input', 'result', 'retention_days']));
    writeFileSync(join(dir, 'unrelated.txt'), 'kept');
    const result = await pruneDecisionLogs(dir, T0 + 1000);
    // 200 days: both gone; 100 days: the 30-day one gone; 20 days: both kept; today: not touched.
    expect(result).toEqual({ files: 3, kept: 3, removed: 3, unreadable: 0 });
    expect(readdirSync(dir).sort()).toEqual([...files.slice(1), 'unrelated.txt']);
    const remaining = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as DecisionLogEntry).use_case));
    expect(remaining.sort()).toEqual(['support_assistant', 'support_assistant', 'support_assistant', 'ticket_summary', 'ticket_summary']);
  });
});

describe('`govc prune-logs`', () => {
  it('prunes a log folder from the command line and prints what it did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govc-prune-'));
    try {
      const old = { timestamp: '2026-01-01T00:00:00.000Z', retention_days: 30, use_case: 'x' };
      const fresh = { timestamp: '2026-11-20T00:00:00.000Z', retention_days: 30, use_case: 'y' };
      writeFileSync(join(dir, 'decisions-2026-01-01.jsonl'), JSON.stringify(old) + '\n');
      writeFileSync(join(dir, 'decisions-2026-11-20.jsonl'), JSON.stringify(fresh) + '\n');
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'prune-logs', dir, '--now', '2026-11-26T10:00:00Z'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ files: 2, kept: 1, removed: 1, unreadable: 0 });
      expect(readdirSync(dir)).toEqual(['decisions-2026-11-20.jsonl']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('counter keys', () => {
  it('names periods in UTC, ISO weeks included', () => {
    const at = (s: string) => Date.parse(s);
    expect(periodKey('day', at('2026-11-26T23:59:59Z'))).toBe('2026-11-26');
    expect(periodKey('week', at('2026-11-26T10:00:00Z'))).toBe('2026-W48');
    expect(periodKey('week', at('2027-01-01T10:00:00Z'))).toBe('2026-W53');
    expect(periodKey('week', at('2024-12-30T10:00:00Z'))).toBe('2025-W01');
    expect(periodKey('month', at('2026-11-26T10:00:00Z'))).toBe('2026-11');
    expect(periodKey('quarter', at('2026-11-26T10:00:00Z'))).toBe('2026-Q4');
    expect(periodKey('year', at('2026-11-26T10:00:00Z'))).toBe('2026');
  });

  it('cannot be forged by a tenant name', () => {
    const a = budgetKey('govc:', 'u', 'x:day:2026-11-26', 'tenant', 'day', T0);
    const b = budgetKey('govc:', 'u', 'x', 'tenant', 'day', T0);
    expect(a).toBe('govc:{u}:spend:t:x%3Aday%3A2026-11-26:day:2026-11-26');
    expect(a.startsWith(b.slice(0, -'day:2026-11-26'.length))).toBe(false);
    expect(budgetKey('govc:', 'u}{', '}', 'tenant', 'day', T0)).toBe('govc:{u%7D%7B}:spend:t:%7D:day:2026-11-26');
  });
});

export type { Decision };
