import type { Decision } from '../runtime/types.js';
import type { Caller } from './apiKeys.js';
import { decisionHeaders, type Exchange } from './exchange.js';
import { asciiJson, headerValue, MAX_OBLIGATIONS_CHARS } from './headerValue.js';

/** Every header name `upstreamHeaders` may write, so an adapter can clear the ones a decision leaves out. */
export const UPSTREAM_HEADER_NAMES = [
  'x-govc-decision-id',
  'x-govc-replica',
  'x-govc-policy-revision',
  'traceparent',
  'x-govc-decision',
  'x-govc-model',
  'x-govc-provider',
  'x-govc-use-case',
  'x-govc-tenant',
  'x-govc-redact',
  'x-govc-obligations',
  'x-govc-obligations-omitted',
  'x-govc-settle',
] as const;

/**
 * The headers an allowed call carries to the upstream, whichever gateway forwards them (Envoy's ext_authz, Kong's
 * and APISIX's OPA plugins): the decision, the model to use, who decided, the obligations (compact ASCII JSON, left
 * out beyond MAX_OBLIGATIONS_CHARS with a header saying so), and `x-govc-settle` when the call is settled later.
 * Every value is printable ASCII and bounded (headerValue).
 */
export function upstreamHeaders(ex: Exchange, replica: string, caller: Caller, d: Decision, deferred: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    ...decisionHeaders(ex, replica),
    'x-govc-decision': d.decision,
    'x-govc-model': headerValue(d.model ?? ''),
    'x-govc-provider': headerValue(d.provider ?? ''),
    'x-govc-use-case': headerValue(d.use_case ?? ''),
    'x-govc-tenant': headerValue(caller.tenant),
  };
  const redact = d.obligations?.redact ?? [];
  if (redact.length > 0) headers['x-govc-redact'] = headerValue(redact.map((r) => r.data_class).join(','));
  if (d.obligations !== null) {
    const j = asciiJson(d.obligations);
    if (j.length <= MAX_OBLIGATIONS_CHARS) headers['x-govc-obligations'] = j;
    else headers['x-govc-obligations-omitted'] = `longer than ${MAX_OBLIGATIONS_CHARS} characters; see the decision log entry ${ex.decisionId}`;
  }
  if (deferred) headers['x-govc-settle'] = '/v1/settle';
  return headers;
}

/** The error envelope of a refused LLM call (the LiteLLM guardrail's OpenAI-like shape), for every adapter. */
export function deniedBody(ex: Exchange, message: string, reasons: readonly unknown[], decision: Decision | null): { error: Record<string, unknown> } {
  return { error: { type: 'govc_denied', message, reasons, decision_id: ex.decisionId, policy_revision: ex.program.revision, ...(decision !== null && { decision: decision.decision }) } };
}
