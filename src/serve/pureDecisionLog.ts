import type { DecisionLogSink } from '../runtime/decisionLog.js';
import type { Decision } from '../runtime/types.js';
import type { Exchange } from './exchange.js';

/**
 * Logs a decision of the OPA-compatible endpoints (no counters, no call) through the runtime's own entry builder
 * (`guard.logEntry`), so it obeys the same log rules as a metered decision. Never throws; a sink failure is reported.
 */
export function logPureDecision(sink: DecisionLogSink, ex: Exchange, input: unknown, decision: Decision, path: string, onError: (err: unknown) => void): void {
  try {
    const traceId = typeof input === 'object' && input !== null ? (input as { trace_id?: unknown }).trace_id : undefined;
    const entry = ex.guard.logEntry(input, decision, { decisionId: ex.decisionId, path, logFields: ex.logFields(traceId) });
    const w = sink.write(entry);
    if (w instanceof Promise) w.catch(onError);
  } catch (err) {
    onError(err);
  }
}
