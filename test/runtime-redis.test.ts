import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateGuardsFiles } from '../src/backends/ts-guards/index.js';
import { budgetKey, createGuard, MemoryDecisionLog, RedisStore, rateKey, type GuardPolicy, type InvokeResult, type Decision } from '../src/runtime/index.js';
import { GUARDS_WORK } from './helpers/guards.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { exampleIr, REPO_ROOT } from './helpers/repo.js';

/**
 * Redis as the counter store of a fleet: real redis-server on 127.0.0.1, several Node processes (each a gateway
 * replica running the compiled guards and dist/runtime) hammering one budget and one rate limit at once.
 */

const ir = exampleIr('acme-support');
const DIST_RUNTIME = join(REPO_ROOT, 'dist', 'runtime', 'index.js');
const WORKER = join(REPO_ROOT, 'test', 'fixtures', 'guards', 'redis-worker.mjs');
const work = join(GUARDS_WORK, `redis-${process.pid}`);
const guardsJs = join(work, 'guards.mjs');
const T0 = Date.parse('2026-11-26T10:00:00Z');
const UC = 'ticket_summary'; // 1,500 USD a month, 300 requests and 300k tokens a minute (use-case wide), no degrade
let redis: RedisServer;
let admin: Redis;

beforeAll(async () => {
  if (!existsSync(DIST_RUNTIME)) throw new Error('dist/runtime is missing: run `npm run build` first (npm test does)');
  mkdirSync(work, { recursive: true });
  writeFileSync(guardsJs, generateGuardsFiles(ir, { runtimeImport: DIST_RUNTIME }).mjs);
  redis = await startRedis();
  admin = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface WorkerResult {
  ok: number;
  refused: number;
  cost: number;
  reasons: Record<string, number>;
}

function runWorker(config: object, timeoutMs = 30_000): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout.trim()) as WorkerResult);
      else reject(new Error(`worker exited with ${code}: ${stderr}`));
    });
  });
}

const sum = (xs: WorkerResult[], f: (x: WorkerResult) => number): number => xs.reduce((n, x) => n + f(x), 0);

describe('RedisStore shared by several processes', () => {
  it('4 replicas on one budget: never over it, and the counter is exactly the sum of what each recorded', async () => {
    const prefix = `budget-${process.pid}:`;
    const monthKey = budgetKey(prefix, UC, 't', 'use_case', 'month', T0);
    const budget = 1_500_000_000;
    // Leave room for exactly 100 calls at the estimate (1,000 in + 250 out on gpt-4.1-mini = 800 micro-units).
    await admin.set(monthKey, String(budget - 100 * 800));
    const config = {
      runtime: DIST_RUNTIME,
      guards: guardsJs,
      port: redis.port,
      prefix,
      now: T0,
      calls: 70,
      parallel: 10,
      request: { use_case: UC, tenant: 't', region: 'eu', time: new Date(T0).toISOString(), tokens: { input: 1000, output: 250 } },
      // Actual usage below the estimate: settling gives the difference back, so more than 100 calls fit.
      usage: { input_tokens: 500, output_tokens: 100 },
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => runWorker(config)));
    const spent = Number(await admin.get(monthKey));
    const ok = sum(results, (r) => r.ok);
    expect(spent).toBeLessThanOrEqual(budget);
    expect(spent).toBe(budget - 100 * 800 + sum(results, (r) => r.cost));
    expect(ok).toBeGreaterThanOrEqual(100);
    expect(sum(results, (r) => r.refused)).toBe(280 - ok);
    expect(Object.keys(Object.assign({}, ...results.map((r) => r.reasons)))).toEqual(['budget_exhausted']);
    // Every successful call counted once in the use case's request rate: no lost update there either.
    expect(Number(await admin.get(rateKey(prefix, UC, 't', 'use_case', 'requests', T0)))).toBe(ok);
    expect(Number(await admin.get(rateKey(prefix, UC, 't', 'use_case', 'tokens', T0)))).toBe(ok * 600);
    // Counters expire a day after their period's longest length (EXPIRE NX on the first write by the runtime).
    expect(await admin.ttl(monthKey)).toBeGreaterThan(31 * 86_400);
    expect(await admin.ttl(rateKey(prefix, UC, 't', 'use_case', 'requests', T0))).toBeGreaterThan(60);
  }, 60_000);

  it('4 replicas on one rate limit: exactly the per-minute limit gets through', async () => {
    const prefix = `rate-${process.pid}:`;
    const config = {
      runtime: DIST_RUNTIME,
      guards: guardsJs,
      port: redis.port,
      prefix,
      now: T0,
      calls: 100,
      parallel: 20,
      request: { use_case: UC, tenant: 't', region: 'eu', time: new Date(T0).toISOString(), tokens: { input: 10, output: 10 } },
      usage: { input_tokens: 10, output_tokens: 10 },
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => runWorker(config)));
    expect(sum(results, (r) => r.ok)).toBe(300);
    expect(sum(results, (r) => r.reasons.rate_limited ?? 0)).toBe(100);
    expect(Number(await admin.get(rateKey(prefix, UC, 't', 'use_case', 'requests', T0)))).toBe(300);
    const month = Number(await admin.get(budgetKey(prefix, UC, 't', 'use_case', 'month', T0)));
    expect(month).toBe(sum(results, (r) => r.cost));
    expect(await admin.ttl(budgetKey(prefix, UC, 't', 'use_case', 'month', T0))).toBeGreaterThan(31 * 86_400);
  }, 60_000);
});

describe('Redis going away mid-run', () => {
  for (const mode of ['closed', 'soft'] as const) {
    it(`fails ${mode}, with the store marked unavailable in every entry and the error reported — never open`, async () => {
      const server = await startRedis();
      const client = new Redis({ host: '127.0.0.1', port: server.port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
      client.on('error', () => {});
      const log = new MemoryDecisionLog();
      const errors: unknown[] = [];
      const mod = (await import(guardsJs)) as { policy: GuardPolicy };
      const guard = createGuard(mod.policy, { store: new RedisStore(client, { timeoutMs: 500 }), log, storeFailure: mode, onStoreError: (e) => errors.push(e), clock: () => T0, keyPrefix: `away-${mode}-${process.pid}:` });
      const call = async ({ model }: { model: string }) => ({ model, usage: { input_tokens: 10, output_tokens: 10 } });
      try {
        await new Promise((r) => setTimeout(r, 50));
        const before: Array<InvokeResult<Decision, unknown>> = [];
        for (let i = 0; i < 20; i++) before.push(await guard.invoke({ use_case: 'support_assistant', tenant: 't', region: 'eu', tokens: { input: 10, output: 10 } } as never, call));
        expect(before.every((r) => r.ok && r.decision.decision === 'allow')).toBe(true);
        await server.kill();
        const started = Date.now();
        const after: Array<InvokeResult<Decision, unknown>> = [];
        for (let i = 0; i < 20; i++) {
          after.push(await guard.invoke({ use_case: 'support_assistant', tenant: 't', region: 'eu', tokens: { input: 10, output: 10 } } as never, call));
          after.push(await guard.invoke({ use_case: 'ticket_summary', tenant: 't', region: 'eu' } as never, call));
        }
        expect(Date.now() - started).toBeLessThan(20_000);
        expect(errors.length).toBeGreaterThan(0);
        const entries = log.entries.slice(20);
        expect(entries.every((e) => e.store === 'unavailable')).toBe(true);
        if (mode === 'closed') {
          expect(after.every((r) => !r.ok && r.decision.reasons.every((x) => x.code === 'counter_missing'))).toBe(true);
        } else {
          // The policy's fail-soft: support_assistant degrades to gpt-4.1-mini; ticket_summary refuses with its message.
          expect(after.filter((_, i) => i % 2 === 0).every((r) => r.ok && r.decision.decision === 'degrade' && r.decision.model === 'gpt-4.1-mini')).toBe(true);
          expect(after.filter((_, i) => i % 2 === 1).every((r) => !r.ok && r.message === "Summaries are paused until next month's budget opens; read the thread instead.")).toBe(true);
        }
        expect(after.some((r) => r.ok && r.decision.decision === 'allow')).toBe(false);
      } finally {
        client.disconnect();
        await server.stop();
      }
    }, 60_000);
  }
});

describe('soft mode across a Redis outage (a persistent Redis, killed and restarted)', () => {
  it('meters alone within the degrade cap while Redis is away, and Redis holds every micro-unit spent once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govc-redis-aof-'));
    let server = await startRedis({ dir });
    const port = server.port;
    const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => {});
    const prefix = `outage-${process.pid}:`;
    const dayKey = budgetKey(prefix, 'support_assistant', 't', 'tenant', 'day', T0);
    const log = new MemoryDecisionLog();
    const mod = (await import(guardsJs)) as { policy: GuardPolicy };
    const guard = createGuard(mod.policy, { store: new RedisStore(client, { timeoutMs: 300 }), log, storeFailure: 'soft', clock: () => T0, keyPrefix: prefix, onStoreError: () => {} });
    // 1,000 in + 250 out: 800 micro-units on gpt-4.1-mini, the degrade model.
    const req = { use_case: 'support_assistant', tenant: 't', region: 'eu', tokens: { input: 1000, output: 250 } } as never;
    const call = async ({ model }: { model: string }) => ({ model, usage: { input_tokens: 1000, output_tokens: 250 } });
    const results: Array<InvokeResult<Decision, unknown>> = [];
    try {
      await new Promise((r) => setTimeout(r, 50));
      // The tenant's 100 USD day is at 119.99 USD of its 120 USD cap: degraded calls only, 12 more at most.
      const seeder = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      await seeder.set(dayKey, String(119_990_000));
      seeder.disconnect();
      results.push(await guard.invoke(req, call));
      expect(results[0]!.ok && results[0]!.decision.decision).toBe('degrade');
      await server.kill();
      for (let i = 0; i < 20; i++) results.push(await guard.invoke(req, call));
      expect(log.entries.slice(1).every((e) => e.store === 'unavailable')).toBe(true);
      // Alone, from the 119.9908 USD it last saw: 11 calls fit under 120 USD, then the declared refusal.
      expect(results.slice(1).filter((r) => r.ok)).toHaveLength(11);
      expect(results.slice(12).every((r) => !r.ok && r.decision.reasons[0]!.code === 'budget_exhausted')).toBe(true);
      server = await startRedis({ port, dir });
      const deadline = Date.now() + 10_000;
      while (client.status !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      results.push(await guard.invoke(req, call));
      expect(log.entries.at(-1)!.store).toBe('available');
      expect(results.at(-1)!.ok).toBe(false);
      const spent = results.reduce((n, r) => n + (r.ok ? r.cost_micros : 0), 0);
      expect(spent).toBe(12 * 800);
      const check = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      expect(Number(await check.get(dayKey))).toBe(119_990_000 + spent);
      check.disconnect();
      expect(119_990_000 + spent).toBeLessThanOrEqual(120_000_000);
    } finally {
      client.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
