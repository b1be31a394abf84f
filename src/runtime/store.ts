/**
 * Counter stores for budgets and rate limits. A store keeps integer counters under string keys (layout: see
 * counterKeys.ts and docs/guards.md) and offers one atomic operation, `reserve`: add every amount if, for every key,
 * value + amount <= limit, else change nothing. That is what lets N replicas share one budget without overspending.
 */

export interface ReserveOp {
  readonly key: string;
  readonly amount: number;
  /** The largest value the counter may reach with this reservation. */
  readonly limit: number;
  /** Expiry set when the key is created (not extended later). */
  readonly ttlSeconds: number;
}

export interface AddOp {
  readonly key: string;
  /** May be negative: settling a reservation to the actual cost, or releasing it. */
  readonly amount: number;
  readonly ttlSeconds: number;
}

export type ReserveResult = { readonly ok: true } | { readonly ok: false; readonly values: readonly number[] };

export interface CounterStore {
  /** Current values, 0 for absent keys. Rejects when the store cannot answer. */
  get(keys: readonly string[]): Promise<number[]>;
  /** All or nothing, atomically with respect to every other client of the store. */
  reserve(ops: readonly ReserveOp[]): Promise<ReserveResult>;
  /** Adds unconditionally (atomically per key). */
  add(ops: readonly AddOp[]): Promise<void>;
}

/** The default store: counters in this process's memory (one replica). Expired keys are dropped lazily. */
export class MemoryStore implements CounterStore {
  private readonly values = new Map<string, { value: number; expires: number }>();
  private sweeps = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  private read(key: string, now: number): number {
    const e = this.values.get(key);
    if (e === undefined) return 0;
    if (e.expires <= now) {
      this.values.delete(key);
      return 0;
    }
    return e.value;
  }

  private write(key: string, amount: number, ttlSeconds: number, now: number): void {
    const e = this.values.get(key);
    // Never below zero, as in Redis: a settlement after its period rolled over must not create negative headroom.
    if (e === undefined || e.expires <= now) this.values.set(key, { value: Math.max(0, amount), expires: now + ttlSeconds * 1000 });
    else e.value = Math.max(0, e.value + amount);
  }

  private sweep(now: number): void {
    if (++this.sweeps % 10_000 !== 0) return;
    for (const [k, e] of this.values) if (e.expires <= now) this.values.delete(k);
  }

  get(keys: readonly string[]): Promise<number[]> {
    const now = this.clock();
    return Promise.resolve(keys.map((k) => this.read(k, now)));
  }

  /** Synchronous inside: JavaScript runs it to completion, so it is atomic within the process. */
  reserve(ops: readonly ReserveOp[]): Promise<ReserveResult> {
    const now = this.clock();
    this.sweep(now);
    const values = ops.map((o) => this.read(o.key, now));
    if (ops.some((o, i) => values[i]! + o.amount > o.limit)) return Promise.resolve({ ok: false, values });
    for (const o of ops) this.write(o.key, o.amount, o.ttlSeconds, now);
    return Promise.resolve({ ok: true });
  }

  add(ops: readonly AddOp[]): Promise<void> {
    const now = this.clock();
    this.sweep(now);
    for (const o of ops) this.write(o.key, o.amount, o.ttlSeconds, now);
    return Promise.resolve();
  }

  /**
   * Sets a counter that does not exist yet (or has expired) to `value`, and returns the counter's value either
   * way. The guard seeds its in-process counters with this when the shared store is unavailable.
   */
  seed(key: string, value: number, ttlSeconds: number): number {
    const now = this.clock();
    this.sweep(now);
    const e = this.values.get(key);
    if (e !== undefined && e.expires > now) return e.value;
    this.values.set(key, { value: Math.max(0, value), expires: now + ttlSeconds * 1000 });
    return Math.max(0, value);
  }

  /** Overwrites a counter's value, keeping its expiry if it has one (the guard's record of values it saw). */
  put(key: string, value: number, ttlSeconds: number): void {
    const now = this.clock();
    this.sweep(now);
    const e = this.values.get(key);
    if (e === undefined || e.expires <= now) this.values.set(key, { value: Math.max(0, value), expires: now + ttlSeconds * 1000 });
    else e.value = Math.max(0, value);
  }

  /** The counter's value, or undefined when it does not exist (or has expired). */
  peek(key: string): number | undefined {
    const e = this.values.get(key);
    return e === undefined || e.expires <= this.clock() ? undefined : e.value;
  }

  /** The number of live keys (for tests and metrics). */
  size(): number {
    const now = this.clock();
    let n = 0;
    for (const e of this.values.values()) if (e.expires > now) n++;
    return n;
  }
}
