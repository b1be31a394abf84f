import { randomBytes } from 'node:crypto';

/** A W3C trace context (https://www.w3.org/TR/trace-context/): the trace this decision joins, and its own span. */
export interface TraceContext {
  readonly traceId: string;
  /** The caller's span (the decision's parent), when a `traceparent` came in. */
  readonly parentId: string | null;
  /** This decision's span: new for every decision. */
  readonly spanId: string;
  readonly flags: string;
  /** Whether the trace id came from a valid incoming `traceparent`. */
  readonly fromHeader: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export const newSpanId = (): string => {
  for (;;) {
    const s = randomBytes(8).toString('hex');
    if (s !== ZERO_SPAN) return s;
  }
};

const newTraceId = (): string => {
  for (;;) {
    const s = randomBytes(16).toString('hex');
    if (s !== ZERO_TRACE) return s;
  }
};

/**
 * Reads `traceparent` as the W3C spec says: version `ff` and all-zero ids are invalid; a future version may carry
 * more fields after the four. An invalid or absent header starts a new trace (with the request's own 32-hex
 * `trace_id` when it has one, so a decision still joins the caller's trace).
 */
export function traceContext(header: unknown, requestTraceId?: unknown): TraceContext {
  const h = Array.isArray(header) ? header[0] : header;
  if (typeof h === 'string' && h.length <= 512) {
    const m = TRACEPARENT.exec(h.trim());
    if (m && m[1] !== 'ff' && m[2] !== ZERO_TRACE && m[3] !== ZERO_SPAN && (m[1] !== '00' || m[5] === undefined)) {
      return { traceId: m[2]!, parentId: m[3]!, spanId: newSpanId(), flags: m[4]!, fromHeader: true };
    }
  }
  const own = typeof requestTraceId === 'string' && /^[0-9a-f]{32}$/.test(requestTraceId) && requestTraceId !== ZERO_TRACE ? requestTraceId : undefined;
  return { traceId: own ?? newTraceId(), parentId: null, spanId: newSpanId(), flags: '00', fromHeader: false };
}

/** The `traceparent` to send on: the same trace, with this decision's span as the parent of what follows. */
export function traceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`;
}
