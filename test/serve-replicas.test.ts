import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { budgetKey, rateKey } from '../src/runtime/index.js';
import { startServe, type GovcServe, type ServeAnswer } from './gateways/govcServe.js';
import { govc } from './helpers/diagnostics.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { REPO_ROOT } from './helpers/repo.js';

/**
 * A fleet of `govc serve`: three processes (`--redis`) on one real redis-server, all on 127.0.0.1, started and
 * stopped by pid, bounded in time. Under concurrent load spread across the three (admission on /v1/decide, then
 * /v1/settle on the replica that admitted), budgets are never overspent and rate limits never passed, counted from
 * the answers and from Redis and compared with the limits in the IR; Redis killed mid-run makes every answer fail
 * closed (or soft, as `--store-failure soft` declares) without a crash; a bundle rewritten during load (`--poll 1`),
 * atomically and then slowly in place, drops no request, and revisions only move forwards.
 */

const PROGRAM = join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org');
const TODAY = new Date().toISOString().slice(0, 10);
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const PREFIX = `replicas-${RUN}:`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let dir: string;
let out: string;
let ir: IrProgram;
let redis: RedisServer;
let admin: Redis;
let servers: GovcServe[] = [];
const extra: GovcServe[] = [];
const revisions: Array<{ out: string; ir: IrProgram }> = [];

interface Decided {
  readonly server: number;
  readonly status: number;
  readonly body: any;
  readonly sentAt: number;
  readonly answeredAt: number;
}

/** One admission on replica `server`: the govc request without counters (the server reads them from Redis). */
async function decide(server: number, request: Record<string, unknown>, on: GovcServe[] = servers): Promise<Decided> {
  const sentAt = performance.now();
  const a: ServeAnswer = await on[server]!.request('POST', '/v1/decide', JSON.stringify(request), {}, 15_000);
  const answeredAt = performance.now();
  let body: any = null;
  try {
    body = JSON.parse(a.text);
  } catch {
    body = { unparsed: a.text };
  }
  return { server, status: a.status, body, sentAt, answeredAt };
}

async function settle(server: number, decisionId: string, body: Record<string, unknown>): Promise<number> {
  const a = await servers[server]!.request('POST', '/v1/settle', JSON.stringify({ decision_id: decisionId, ...body }), {}, 15_000);
  return a.status;
}

/** Runs `tasks` with at most `width` in flight at once. */
async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

const request = (useCase: string, tenant: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  use_case: useCase,
  tenant,
  region: 'eu',
  tokens: { input: 10, output: 10 },
  ...extra,
});

/** A minute counter must not straddle two minutes: start early in one. */
async function earlyInAMinute(): Promise<void> {
  const s = new Date().getUTCSeconds();
  if (s > 40) await new Promise((r) => setTimeout(r, (61 - s) * 1000));
}

function wellFormed(d: Decided): void {
  expect([d.status, typeof d.body?.decision?.decision], JSON.stringify(d.body)).toEqual([200, 'string']);
  expect(['allow', 'degrade', 'deny']).toContain(d.body.decision.decision);
  expect(d.body.decision_id).toMatch(UUID);
}

const codes = (d: Decided): string[] => ((d.body?.decision?.reasons ?? []) as Array<{ code: string }>).map((r) => r.code);

function startFleet(source: string, args: readonly string[], count: number): Promise<GovcServe[]> {
  return Promise.all(Array.from({ length: count }, () => startServe(source, { args: ['--redis', `redis://127.0.0.1:${redis.port}/0`, '--key-prefix', PREFIX, ...args] })));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'govc-serve-replicas-'));
  out = join(dir, 'out');
  const built = govc(['build', PROGRAM, '--out', out, '--as-of', TODAY]);
  if (built.status !== 0) throw new Error(`govc build failed: ${built.stderr}`);
  ir = JSON.parse(readFileSync(join(out, 'ir.json'), 'utf8')) as IrProgram;
  // Two later revisions for the reload test: the same program with one more comment line each (another content
  // hash, the same decisions). Built here, before any connection is open: a synchronous build blocks this process.
  revisions.push({ out, ir });
  for (const n of [1, 2]) {
    const src = join(dir, `src-${n}`);
    cpSync(PROGRAM, src, { recursive: true });
    appendFileSync(join(src, 'use_cases.gov'), `\n# revision ${n} of ${RUN}\n`);
    const next = join(dir, `out-${n}`);
    const rebuilt = govc(['build', src, '--out', next, '--as-of', TODAY]);
    if (rebuilt.status !== 0) throw new Error(`govc build failed: ${rebuilt.stderr}`);
    revisions.push({ out: next, ir: JSON.parse(readFileSync(join(next, 'ir.json'), 'utf8')) as IrProgram });
  }
  redis = await startRedis();
  admin = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1, lazyConnect: true });
  // The store is killed on purpose below: this client's reconnection errors are expected.
  admin.on('error', () => undefined);
  await admin.connect();
  servers = await startFleet(out, ['--poll', '1'], 3);
}, 120_000);

afterAll(async () => {
  admin?.disconnect();
  await Promise.all([...servers, ...extra].map((s) => s.stop()));
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('three govc serve replicas on one Redis', () => {
  it('never overspend a budget under concurrent load, settling on the replica that admitted', async () => {
    const uc = ir.use_cases.shared!;
    const budget = uc.budgets.find((b) => b.scope === 'tenant')!;
    const tenants = Array.from({ length: 8 }, (_, i) => `budget-${RUN}-${i}`);
    const perTenant = 30;
    // Estimate 10 + 10 tokens, actual usage 5 + 5: settling gives half back; every fifth admitted call fails and
    // gives it all back.
    const model = ir.models[uc.models[0]!]!;
    const cost = (tin: number, tout: number): number => Math.ceil((tin * model.price.input_nanos_per_token + tout * model.price.output_nanos_per_token) / 1000);
    const estimate = cost(10, 10);
    expect(Math.floor(budget.amount_micros / estimate)).toBeGreaterThanOrEqual(5); // the load exhausts it
    expect(perTenant * estimate).toBeGreaterThan(2 * budget.amount_micros);
    let admitted = 0;
    const tasks = tenants.flatMap((tenant, t) =>
      Array.from({ length: perTenant }, (_, i) => async () => {
        const server = (t + i) % 3;
        const d = await decide(server, request('shared', tenant));
        let settled: 'used' | 'failed' | null = null;
        if (d.status === 200 && d.body?.decision?.decision !== 'deny') {
          const failed = admitted++ % 5 === 4;
          const status = await settle(server, d.body.decision_id, failed ? { outcome: 'failed' } : { usage: { input_tokens: 5, output_tokens: 5 } });
          expect(status).toBe(200);
          settled = failed ? 'failed' : 'used';
        }
        return { tenant, d, settled };
      }),
    );
    const results = await pool(tasks, 24);
    for (const r of results) wellFormed(r.d);
    for (const tenant of tenants) {
      const mine = results.filter((r) => r.tenant === tenant);
      const used = mine.filter((r) => r.settled === 'used').length;
      const ok = mine.filter((r) => r.settled !== null).length;
      const spent = Number((await admin.get(budgetKey(PREFIX, 'shared', tenant, budget.scope, budget.period, Date.now()))) ?? 0);
      // Never over the budget, and exactly what was settled: no lost update, no double count across replicas.
      expect(spent).toBeLessThanOrEqual(budget.amount_micros);
      expect(spent).toBe(used * cost(5, 5));
      // At least as many calls as fit at the estimate got through.
      expect(ok).toBeGreaterThanOrEqual(Math.floor(budget.amount_micros / estimate));
      for (const r of mine.filter((x) => x.settled === null)) {
        expect(codes(r.d)).toEqual(['budget_exhausted']);
        expect(r.d.body.decision.message).toBe(uc.on_budget_exhausted!.message);
      }
    }
    // Every replica took part.
    expect(new Set(results.filter((r) => r.settled !== null).map((r) => r.d.server))).toEqual(new Set([0, 1, 2]));
  }, 120_000);

  it('settle works only once, and only on the replica that admitted', async () => {
    const d = await decide(0, request('shared', `settle-${RUN}`));
    wellFormed(d);
    expect(d.body.decision.decision).toBe('allow');
    expect(d.body.settle).toBe('/v1/settle');
    expect(await settle(1, d.body.decision_id, { usage: { input_tokens: 1, output_tokens: 1 } })).toBe(404);
    expect(await settle(0, d.body.decision_id, { usage: { input_tokens: 1, output_tokens: 1 } })).toBe(200);
    expect(await settle(0, d.body.decision_id, { usage: { input_tokens: 1, output_tokens: 1 } })).toBe(404);
    expect(await settle(0, '00000000-0000-4000-8000-000000000000', { outcome: 'failed' })).toBe(404);
  });

  it('never pass more than a rate limit under concurrent load', async () => {
    const uc = ir.use_cases.summaries!;
    const limit = uc.rate_limits.find((l) => l.kind === 'requests' && l.scope === 'tenant')!;
    const tenants = Array.from({ length: 20 }, (_, i) => `rate-${RUN}-${i}`);
    const perTenant = limit.per_minute * 2 + 1;
    await earlyInAMinute();
    const minute = Math.floor(Date.now() / 60_000);
    const tasks = tenants.flatMap((tenant, t) =>
      Array.from({ length: perTenant }, (_, i) => async () => {
        const server = (t * perTenant + i) % 3;
        const d = await decide(server, request('summaries', tenant));
        if (d.status === 200 && d.body?.decision?.decision !== 'deny') {
          expect(await settle(server, d.body.decision_id, { usage: { input_tokens: 10, output_tokens: 10 } })).toBe(200);
        }
        return { tenant, d };
      }),
    );
    const results = await pool(tasks, 30);
    expect(Math.floor(Date.now() / 60_000), 'the load straddled a minute boundary; rerun').toBe(minute);
    for (const r of results) wellFormed(r.d);
    for (const tenant of tenants) {
      const mine = results.filter((r) => r.tenant === tenant);
      const allowed = mine.filter((r) => r.d.body.decision.decision !== 'deny');
      // Exactly the limit: never more, and contention across replicas loses none of it.
      expect(allowed.length).toBe(limit.per_minute);
      for (const r of mine.filter((x) => x.d.body.decision.decision === 'deny')) {
        expect(codes(r.d)).toEqual(['rate_limited']);
        expect(r.d.body.decision.message).toBe(uc.on_rate_limited.message);
      }
      expect(Number(await admin.get(rateKey(PREFIX, 'summaries', tenant, limit.scope, 'requests', minute * 60_000)))).toBe(limit.per_minute);
    }
  }, 120_000);

  it('drops no request while the bundle is rewritten under load: revisions only move forwards', async () => {
    const rank = new Map(revisions.map((r, k) => [r.ir.revision, k]));
    expect(rank.size).toBe(3);

    let stop = false;
    const results: Decided[] = [];
    const sent: Array<Record<string, unknown>> = [];
    let i = 0;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const k = i++;
        const r = request('providers', `reload-${RUN}-${k % 7}`, { time: new Date().toISOString(), ...(k % 3 === 1 ? { model: 'claude' } : k % 3 === 2 ? { model: 'no-such-model' } : {}) });
        sent[k] = r;
        results[k] = await decide(k % 3, r);
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, worker));
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const bundle = join(out, 'opa', 'bundle.tar.gz');
    try {
      await pause(1500);
      // Revision 1 as a deploy tool writes it: beside the old one, then renamed over it (atomic).
      copyFileSync(join(revisions[1]!.out, 'opa', 'bundle.tar.gz'), `${bundle}.tmp`);
      renameSync(`${bundle}.tmp`, bundle);
      await pause(3500);
      // Revision 2 written in place, slowly: for more than a poll interval the file is a truncated archive, which
      // must be refused (the current program stays) and never half loaded.
      const bytes = readFileSync(join(revisions[2]!.out, 'opa', 'bundle.tar.gz'));
      writeFileSync(bundle, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await pause(2500);
      appendFileSync(bundle, bytes.subarray(Math.floor(bytes.length / 2)));
      await pause(3500);
    } finally {
      stop = true;
      await load;
    }

    expect(results.length).toBeGreaterThan(100);
    results.forEach((d, k) => {
      wellFormed(d);
      const revision = d.body.decision.policy_revision as string;
      expect(rank.has(revision), `unknown revision ${revision}`).toBe(true);
      // Decided whole by one program: the reference evaluator on that revision's IR agrees.
      const want = evaluate(revisions[rank.get(revision)!]!.ir, sent[k]!);
      expect([d.body.decision.decision, d.body.decision.model, codes(d)]).toEqual([want.decision, want.model, want.reasons.map((r) => r.code)]);
    });
    for (const server of [0, 1, 2]) {
      const mine = results.filter((d) => d.server === server).sort((a, b) => a.sentAt - b.sentAt);
      // Every revision decided on every replica, in order...
      expect(new Set(mine.map((d) => d.body.decision.policy_revision)), `replica ${server}`).toEqual(new Set(rank.keys()));
      // ...and a request sent after an answer from revision r is never decided by an earlier one.
      const answered = [...mine].sort((a, b) => a.answeredAt - b.answeredAt);
      let seen = -1;
      let j = 0;
      for (const d of mine) {
        while (j < answered.length && answered[j]!.answeredAt < d.sentAt) seen = Math.max(seen, rank.get(answered[j++]!.body.decision.policy_revision)!);
        expect(rank.get(d.body.decision.policy_revision)!, `replica ${server} went back`).toBeGreaterThanOrEqual(seen);
      }
    }
    // The truncated archive was refused, and said so, on every replica.
    for (const s of servers) {
      const metrics = (await s.request('GET', '/metrics')).text;
      expect(metrics).toMatch(/govc_reloads_total\{result="failed"\} [1-9]/);
      expect(metrics).toMatch(/govc_reloads_total\{result="swapped"\} [2-9]/);
    }
  }, 90_000);

  it('killing Redis mid-run fails closed (or soft, as declared) on every replica, and none crashes', async () => {
    const soft = await startFleet(out, ['--poll', '0', '--store-failure', 'soft'], 1);
    extra.push(...soft);
    const fleet = [...servers, ...soft];
    // Before: the store answers, every replica decides with it.
    for (let s = 0; s < fleet.length; s++) {
      const d = await decide(s, request('drafts', `before-${RUN}-${s}`), fleet);
      wellFormed(d);
      expect(d.body.decision.decision).toBe('allow');
    }
    let killedAt: number | null = null;
    const results: Array<{ d: Decided; useCase: string }> = [];
    const stopAt = performance.now() + 60_000;
    let k = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() < stopAt) {
        const n = k++;
        const useCase = ['shared', 'drafts', 'providers'][n % 3]!;
        const server = Math.floor(n / 3) % fleet.length;
        // Tenants the replicas first meet once the store is gone, so that soft mode starts them from "exhausted".
        const tenant = killedAt === null ? `outage-${RUN}-${n % 5}` : `after-${RUN}-${n % 5}`;
        const d = await decide(server, request(useCase, tenant), fleet);
        if (d.status === 200 && d.body?.decision?.decision !== 'deny' && useCase !== 'providers') {
          await fleet[server]!.request('POST', '/v1/settle', JSON.stringify({ decision_id: d.body.decision_id, usage: { input_tokens: 1, output_tokens: 1 } }), {}, 15_000);
        }
        results.push({ d, useCase });
        if (killedAt !== null && results.filter((r) => r.d.sentAt > killedAt! + 2000).length >= 60) return;
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await new Promise((r) => setTimeout(r, 1000));
    await redis.kill();
    killedAt = performance.now();
    await load;

    // Every request was answered, well formed, in bounded time, and no replica crashed.
    for (const r of results) {
      wellFormed(r.d);
      expect(r.d.answeredAt - r.d.sentAt).toBeLessThan(10_000);
    }
    for (const s of fleet) expect(s.exited()).toBeNull();
    for (const s of fleet) expect((await s.request('GET', '/health')).status).toBe(200);
    const after = results.filter((r) => r.d.sentAt > killedAt! + 2000);
    expect(after.length).toBeGreaterThanOrEqual(60);
    for (const r of after) {
      const decision = r.d.body.decision;
      if (r.useCase === 'providers') {
        // No counter needed: the policy decides as usual.
        expect(decision.decision).toBe('allow');
      } else if (r.d.server < servers.length) {
        // Closed (the default): the counters are missing, so every metered use case is refused.
        expect([decision.decision, codes(r.d)]).toEqual(['deny', expect.arrayContaining(['counter_missing'])]);
      } else if (r.useCase === 'drafts') {
        // Soft: the budget counts as exhausted, so `on budget_exhausted degrade to gpt-mini up to 150% then refuse`.
        if (decision.decision === 'degrade') expect(decision.model).toBe(ir.use_cases.drafts!.on_budget_exhausted!.degrade_to);
        else expect([decision.decision, codes(r.d), decision.message]).toEqual(['deny', ['budget_exhausted'], ir.use_cases.drafts!.on_budget_exhausted!.message]);
      } else {
        // Soft, no degrade declared: refused with the policy's message.
        expect([decision.decision, codes(r.d), decision.message]).toEqual(['deny', ['budget_exhausted'], ir.use_cases.shared!.on_budget_exhausted!.message]);
      }
    }
    // Not vacuous: the soft replica degraded some of the drafts it met once the store was gone.
    const softDrafts = results.filter((r) => r.d.sentAt > killedAt! && r.d.server === servers.length && r.useCase === 'drafts');
    const summary = JSON.stringify(softDrafts.map((r) => [r.d.body.decision.decision, codes(r.d)]));
    expect(softDrafts.some((r) => r.d.body.decision.decision === 'degrade'), summary).toBe(true);
    // The replicas say they are not ready without their store.
    for (const s of fleet) expect((await s.request('GET', '/ready')).status).toBe(503);
  }, 120_000);
});
