import { createHash } from 'node:crypto';
import type { AddOp, CounterStore, ReserveOp, ReserveResult } from './store.js';

/**
 * Counters in Redis, shared by every replica of a gateway. Each operation is one Lua script (EVALSHA, falling back
 * to EVAL once after a server restart), so a reservation's check and its increments are atomic: replicas together
 * never take a budget or a rate past its limit, and no increment is lost. Keys expire (`EXPIRE ... NX` on first
 * write) a day after their period ends; docs/guards.md documents the layout.
 *
 * The client is the caller's (ioredis, or anything with `eval`/`evalsha` of the same shape): the runtime has no
 * dependency. Configure it to fail fast when Redis is away, e.g. ioredis
 * `{ enableOfflineQueue: false, maxRetriesPerRequest: 0 }`; `timeoutMs` bounds every operation regardless. A store
 * error rejects, and the guard then fails closed or soft as configured, never open.
 */

export interface RedisLike {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

const GET = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('GET', KEYS[i]) or '0' end
return out
`;

// ARGV per key: amount, limit, ttl. Reply: {1 or 0, value before, ...} (values as strings: exact integers).
const RESERVE = `
local n = #KEYS
local vals = {}
local ok = 1
for i = 1, n do
  local v = tonumber(redis.call('GET', KEYS[i]) or '0')
  vals[i] = v
  if v + tonumber(ARGV[3 * i - 2]) > tonumber(ARGV[3 * i - 1]) then ok = 0 end
end
if ok == 1 then
  for i = 1, n do
    if tonumber(ARGV[3 * i - 2]) ~= 0 then
      redis.call('INCRBY', KEYS[i], ARGV[3 * i - 2])
      redis.call('EXPIRE', KEYS[i], ARGV[3 * i], 'NX')
    end
  end
end
local out = {ok}
for i = 1, n do out[i + 1] = string.format('%d', vals[i]) end
return out
`;

// ARGV per key: amount, ttl. A counter never goes below zero (a settlement after its period rolled over).
const ADD = `
for i = 1, #KEYS do
  local v = redis.call('INCRBY', KEYS[i], ARGV[2 * i - 1])
  if v < 0 then redis.call('SET', KEYS[i], 0, 'KEEPTTL') end
  redis.call('EXPIRE', KEYS[i], ARGV[2 * i], 'NX')
end
return 1
`;

/**
 * The three scripts, for other stores that share these counters (the LiteLLM guardrail's Python store is generated
 * from them, src/backends/litellm/): one text, so every client of a Redis runs the same atomic operations.
 */
export const REDIS_SCRIPTS: { readonly GET: string; readonly RESERVE: string; readonly ADD: string } = { GET, RESERVE, ADD };

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/**
 * The integer counters of a script's reply from index `from` on, exactly `n` of them. Anything else (a key
 * holding text, a client that mangles replies) rejects: the guard then treats the store as unavailable, so a
 * wrong value can never become a counter.
 */
function counters(reply: unknown, from: number, n: number): number[] {
  if (!Array.isArray(reply) || reply.length !== from + n) throw new Error('redis: unexpected reply shape');
  const out: number[] = [];
  for (let i = from; i < reply.length; i++) {
    const v: unknown = reply[i];
    const x = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,16}$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(x)) throw new Error('redis: a counter holds something other than an integer');
    out.push(x);
  }
  return out;
}

export class RedisStore implements CounterStore {
  private readonly timeoutMs: number;

  constructor(
    private readonly client: RedisLike,
    options: { timeoutMs?: number } = {},
  ) {
    const t = options.timeoutMs ?? 1000;
    this.timeoutMs = Number.isFinite(t) && t > 0 ? t : 1000;
  }

  private async run(script: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const call = async (): Promise<unknown> => {
      try {
        return await this.client.evalsha(sha1(script), keys.length, ...keys, ...args);
      } catch (err) {
        if (!/NOSCRIPT/.test(err instanceof Error ? err.message : String(err))) throw err;
        return await this.client.eval(script, keys.length, ...keys, ...args);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    return counters(await this.run(GET, keys, []), 0, keys.length);
  }

  async reserve(ops: readonly ReserveOp[]): Promise<ReserveResult> {
    if (ops.length === 0) return { ok: true };
    const args = ops.flatMap((o) => [String(o.amount), String(o.limit), String(o.ttlSeconds)]);
    const reply = await this.run(RESERVE, ops.map((o) => o.key), args);
    const values = counters(reply, 1, ops.length);
    const ok = (reply as unknown[])[0];
    if (ok === 1 || ok === '1') return { ok: true };
    if (ok === 0 || ok === '0') return { ok: false, values };
    throw new Error('redis: unexpected reply to a reservation');
  }

  async add(ops: readonly AddOp[]): Promise<void> {
    if (ops.length === 0) return;
    await this.run(ADD, ops.map((o) => o.key), ops.flatMap((o) => [String(o.amount), String(o.ttlSeconds)]));
  }
}
