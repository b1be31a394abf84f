import type { FastifyRequest } from 'fastify';
import { parseRequestJson } from '../eval/parseRequestJson.js';
import type { CallContext } from '../runtime/guard.js';
import type { Decision, Reason } from '../runtime/types.js';
import type { ApiKeys, Caller } from './apiKeys.js';
import { decisionHeaders, type Exchange } from './exchange.js';
import { headerValue } from './headerValue.js';
import { callerKey, llmAdmission, statusOf, type LlmAnswer } from './llmAdmission.js';
import type { Settlements } from './settlements.js';
import { deniedBody, upstreamHeaders } from './upstreamHeaders.js';

/**
 * Envoy's ext_authz HTTP mode: Envoy sends the original request (method, path under `/envoy/check`, headers, body);
 * a 2xx allows it with serve's `x-govc-*` headers for the upstream (Envoy overwrites any the client sent), any
 * other status denies it with that status and body for the client. Metered like /v1/decide; the reservation is
 * settled at once at its estimate, unless the request says `x-govc-settle: deferred` (a later /v1/settle).
 */
export async function envoyCheck(
  req: FastifyRequest,
  ex: Exchange,
  o: { readonly keys: ApiKeys | undefined; readonly settlements: Settlements; readonly upstreamRedacts: boolean; readonly replica: string },
): Promise<LlmAnswer> {
  const deny = (status: number, message: string, reasons: readonly Reason[], decision: Decision | null): LlmAnswer => ({
    status,
    decision: 'deny',
    reasons,
    headers: { ...decisionHeaders(ex, o.replica), 'content-type': 'application/json; charset=utf-8' },
    body: deniedBody(ex, message, reasons, decision),
  });
  const malformed = (status: number, message: string): LlmAnswer => deny(status, message, [{ code: 'malformed_request', message, rule: 'request', source: null } as unknown as Reason], null);

  const key = callerKey(req.headers);
  if (key === undefined) return malformed(401, 'an API key is required (authorization: Bearer, x-api-key or api-key)');
  if (o.keys === undefined) return malformed(401, 'govc serve has no API keys (--keys): every caller is refused');
  const caller: Caller | undefined = o.keys.lookup(key);
  if (caller === undefined) return malformed(401, o.keys.problem() ?? 'unknown API key');

  let body: unknown = {};
  const raw = req.body;
  if (Buffer.isBuffer(raw) && raw.length > 0) {
    const parsed = parseRequestJson(raw);
    if (!parsed.ok) return malformed(400, `the request body is not JSON: ${parsed.error}`);
    body = parsed.value;
  }
  const deferred = headerValue(String(req.headers['x-govc-settle'] ?? '')).toLowerCase() === 'deferred';
  const a = await llmAdmission(ex, caller, body, o.settlements, {
    defer: deferred,
    check: (ctx: CallContext<Decision>, redacted: boolean) =>
      redacted && !o.upstreamRedacts ? new Error('the request holds data the policy requires redacted, and ext_authz cannot rewrite the body (run serve with --upstream-redacts when the upstream applies x-govc-redact)') : undefined,
  });
  if (a.kind === 'denied') return deny(a.status, a.message, a.decision.reasons, a.decision);
  const d = a.decision;
  const headers = upstreamHeaders(ex, o.replica, caller, d, a.deferred);
  return { status: 200, decision: d.decision, reasons: d.reasons, headers, body: '' };
}

export { statusOf };
