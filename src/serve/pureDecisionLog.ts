import type { DecisionLogSink } from '../runtime/decisionLog.js';
import type { Decision } from '../runtime/types.js';
import type { Exchange } from './exchange.js';

/** Logs a decision of the OPA-compatible endpoints (no counters, no call). */
export function logPureDecision(sink: DecisionLogSink, ex: Exchange, input: unknown, decision: Decision, path: string, replica: string, onError: (err: unknown) => void): void {
  const policy = ex.program.guards.policy;
  const uc = decision.use_case === null ? undefined : policy.useCases.get(decision.use_case);
  const tenant = typeof input === 'object' && input !== null && typeof (input as { tenant?: unknown }).tenant === 'string' ? (input as { tenant: string }).tenant : null;
  const traceId = typeof input === 'object' && input !== null ? (input as { trace_id?: unknown }).trace_id : undefined;
  const entry = {
    decision_id: ex.decisionId,
    trace_id: null,
    timestamp: new Date().toISOString(),
    path,
    labels: { app: 'govc-serve', org: policy.org, replica },
    bundles: { govc: { revision: policy.revision } },
    revision: policy.revision,
    owner: uc?.owner ?? null,
    use_case: decision.use_case,
    tenant,
    model: decision.model,
    provider: decision.provider,
    decision: decision.decision,
    reasons: decision.reasons,
    message: decision.message,
    cost_micros: 0,
    estimated_cost_micros: 0,
    usage: null,
    refusal: null,
    store: 'none' as const,
    retention_days: decision.obligations?.retention_days ?? uc?.retention_days ?? policy.defaults.retention_days,
    input: null,
    result: decision,
    erased: ['/input'],
    metrics: {},
    ...ex.logFields(traceId),
  };
  try {
    const w = sink.write(entry as never);
    if (w instanceof Promise) w.catch(onError);
  } catch (err) {
    onError(err);
  }
}
