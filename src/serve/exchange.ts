import type { Guard } from '../runtime/guard.js';
import type { AnyRequest, Decision } from '../runtime/types.js';
import { headerValue } from './headerValue.js';
import type { ServedProgram } from './ServedProgram.js';
import { traceparent, type TraceContext } from './traceContext.js';

/** What every handler knows of the request it answers. */
export interface Exchange {
  readonly program: ServedProgram;
  readonly guard: Guard<AnyRequest, Decision>;
  readonly trace: TraceContext;
  readonly decisionId: string;
  readonly started: bigint;
  /** Fields serve adds to the decision log entry. */
  logFields(requestTraceId: unknown): Record<string, unknown>;
}

/** The answer headers every decision carries: its id, replica, revision and the trace to continue. */
export function decisionHeaders(ex: Exchange, replica: string): Record<string, string> {
  return {
    'x-govc-decision-id': ex.decisionId,
    'x-govc-replica': headerValue(replica),
    'x-govc-policy-revision': headerValue(ex.program.revision),
    traceparent: traceparent(ex.trace),
  };
}
