import { appendFile, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Decision, Reason } from './types.js';

/**
 * Decision logs: one JSON object per line. Field names follow OPA's decision-log format where they overlap
 * (`decision_id`, `trace_id`, `timestamp`, `path`, `labels`, `bundles`, `input`, `result`, `erased`, `masked`,
 * `metrics`); govc adds the flattened facts auditors query (owner, use case, model, decision, reasons, cost) and
 * `retention_days`, which the prune command reads. Everything in an entry that can carry user data — the payload,
 * the request's other fields, the tool call, the output, a failed call's error — is written only as the use case's
 * `log` rules allow (`none` erased, `redacted` with every data class's detectors applied, `full` as is); requests
 * without a declared use case follow the org's defaults. The values come from invoke's snapshot of the request,
 * never from the caller's objects.
 */
export interface DecisionLogEntry {
  readonly decision_id: string;
  readonly trace_id: string | null;
  readonly timestamp: string;
  readonly path: 'govc/decision';
  readonly labels: Readonly<Record<string, string>>;
  readonly bundles: { readonly govc: { readonly revision: string } };
  readonly revision: string;
  readonly owner: string | null;
  readonly use_case: string | null;
  readonly tenant: string | null;
  readonly model: string | null;
  readonly provider: string | null;
  readonly decision: Decision['decision'];
  readonly reasons: readonly Reason[];
  readonly message: string | null;
  /** Actual cost of the call in micro-units (from the response's token usage), 0 when refused. */
  readonly cost_micros: number;
  readonly estimated_cost_micros: number;
  readonly usage: { readonly input_tokens: number; readonly output_tokens: number } | null;
  /** Why `invoke` did not complete a call the policy allowed (`concurrency`, `contention`, `error`), or null. */
  readonly refusal: string | null;
  /** `available`, or `unavailable` when the counter store failed during this call (never silent). */
  readonly store: 'available' | 'unavailable' | 'none';
  readonly retention_days: number;
  readonly input: unknown;
  readonly output?: unknown;
  readonly result: Decision;
  /** Paths left out as the log rules say (`none`), or because they could not be inspected or redacted exactly. */
  readonly erased?: readonly string[];
  /** Paths written with every data class's detectors applied (`redacted`). */
  readonly masked?: readonly string[];
  /** The failed call's error message (bounded), at the stricter of the inputs and outputs levels. */
  readonly error?: string;
  /** Why a value was erased although its level allowed it (it could not be inspected or redacted exactly). */
  readonly log_problems?: readonly string[];
  readonly metrics: Readonly<Record<string, number>>;
}

export interface DecisionLogSink {
  write(entry: DecisionLogEntry): void | Promise<void>;
}

/** Keeps entries in memory: for tests, or to ship them elsewhere. */
export class MemoryDecisionLog implements DecisionLogSink {
  readonly entries: DecisionLogEntry[] = [];
  write(entry: DecisionLogEntry): void {
    this.entries.push(entry);
  }
}

const FILE = /^decisions-(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** Appends entries to `<dir>/decisions-YYYY-MM-DD.jsonl` (UTC day of the entry), in order. */
export class JsonlDecisionLog implements DecisionLogSink {
  private queue: Promise<void> = Promise.resolve();
  private ready: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  write(entry: DecisionLogEntry): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `decisions-${entry.timestamp.slice(0, 10)}.jsonl`);
    const line = JSON.stringify(entry) + '\n';
    const written = this.queue.then(async () => {
      await this.ready;
      await appendFile(file, line);
    });
    // One failed append (a full disk, say) rejects its own write, not every later one.
    this.queue = written.catch(() => {
      this.ready = undefined;
    });
    return written;
  }

  /** Resolves when every entry written so far has been appended (or has failed, which its `write` reported). */
  flush(): Promise<void> {
    return this.queue;
  }
}

export interface PruneResult {
  readonly files: number;
  readonly kept: number;
  readonly removed: number;
  readonly unreadable: number;
}

/**
 * Removes entries older than their retention: an entry is kept while `timestamp + retention_days` is after `now`.
 * Files are rewritten atomically (temp file + rename) and deleted when empty. A line that cannot be read is kept
 * (and counted), so pruning never destroys what it does not understand. Today's file (UTC) is left alone, since
 * a writer may be appending to it: pruning is exact to the day.
 */
export async function pruneDecisionLogs(dir: string, now: number = Date.now()): Promise<PruneResult> {
  let files = 0;
  let kept = 0;
  let removed = 0;
  let unreadable = 0;
  const today = new Date(now).toISOString().slice(0, 10);
  for (const name of (await readdir(dir)).sort()) {
    const m = FILE.exec(name);
    // Today's file is still being appended to; its entries are at most a day old, so it waits for tomorrow.
    if (!m || m[1]! >= today) continue;
    files++;
    const path = join(dir, name);
    const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0);
    const keep = lines.filter((line) => {
      try {
        const e = JSON.parse(line) as { timestamp?: unknown; retention_days?: unknown };
        const t = typeof e.timestamp === 'string' ? Date.parse(e.timestamp) : NaN;
        if (!Number.isFinite(t) || typeof e.retention_days !== 'number') throw new Error('unreadable');
        return t + e.retention_days * 86_400_000 > now;
      } catch {
        unreadable++;
        return true;
      }
    });
    kept += keep.length;
    removed += lines.length - keep.length;
    if (keep.length === lines.length) continue;
    if (keep.length === 0) await unlink(path);
    else {
      const tmp = `${path}.prune-${process.pid}`;
      await writeFile(tmp, keep.join('\n') + '\n');
      await rename(tmp, path);
    }
  }
  return { files, kept, removed, unreadable };
}
