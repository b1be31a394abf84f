import type { InvokeResult } from '../runtime/guard.js';
import type { Decision } from '../runtime/types.js';

/** What a settle call says of a call: its token usage, or that it failed (nothing was served). */
export type Settlement = { readonly usage: { readonly input_tokens: number; readonly output_tokens: number } } | { readonly failed: true } | { readonly estimate: true };

interface Pending {
  resolve(output: unknown): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
  done: Promise<InvokeResult<Decision, unknown>> | undefined;
}

/** Why a call was given back: the error `invoke` records for a settle with `outcome: failed`. */
export class CallFailed extends Error {}

/**
 * Admitted calls waiting to be settled, in this process (a settle must reach the replica that admitted). Each is the
 * pending promise `invoke`'s call returned: the settle call resolves it with the usage (invoke then charges the
 * actual cost), rejects it for a failure (invoke gives the reservation back), or the timeout resolves it without
 * usage (invoke charges the estimate). So every reservation ends exactly once, through the runtime's own code.
 */
export class Settlements {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly timeoutMs: number,
    readonly max: number,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Whether another call can wait; beyond the bound a call is settled at once at its estimate. */
  hasRoom(): boolean {
    return this.pending.size < this.max;
  }

  /** The promise a call returns: settled by `settle`, or at the estimate after the timeout. */
  wait(decisionId: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.end(decisionId, { estimate: true }), this.timeoutMs);
      timer.unref();
      this.pending.set(decisionId, { resolve, reject, timer, done: undefined });
    });
  }

  /** The invoke whose call waits here, for `settle` to report the settled result. */
  attach(decisionId: string, done: Promise<InvokeResult<Decision, unknown>>): void {
    const p = this.pending.get(decisionId);
    if (p !== undefined) p.done = done;
  }

  /** Ends a pending call; undefined when none is pending under that id (unknown, settled or timed out). */
  settle(decisionId: string, s: Settlement): Promise<InvokeResult<Decision, unknown>> | undefined {
    return this.end(decisionId, s);
  }

  /** Settles every pending call at its estimate (shutdown) and resolves when invoke has recorded them all. */
  async drain(): Promise<void> {
    const all = [...this.pending.keys()].map((id) => this.end(id, { estimate: true }));
    await Promise.allSettled(all);
  }

  private end(decisionId: string, s: Settlement): Promise<InvokeResult<Decision, unknown>> | undefined {
    const p = this.pending.get(decisionId);
    if (p === undefined) return undefined;
    this.pending.delete(decisionId);
    clearTimeout(p.timer);
    if ('failed' in s) p.reject(new CallFailed('the caller settled the call as failed'));
    else if ('usage' in s) p.resolve({ usage: s.usage });
    else p.resolve({});
    return p.done ?? Promise.resolve(undefined as unknown as InvokeResult<Decision, unknown>);
  }
}
