import type { IncomingHttpHeaders } from 'node:http';
import { parseRequestJson } from '../eval/parseRequestJson.js';
import type { CallContext } from '../runtime/guard.js';
import type { Decision, Reason } from '../runtime/types.js';
import type { ApiKeys } from './apiKeys.js';
import { decisionHeaders, type Exchange } from './exchange.js';
import { callerKey, llmAdmission } from './llmAdmission.js';
import type { Settlements } from './settlements.js';
import { deniedBody, UPSTREAM_HEADER_NAMES, upstreamHeaders } from './upstreamHeaders.js';

/**
 * Kong's and APISIX's `opa` plugins (docs/serve.md, with where each fact comes from). Each posts its own input to
 * an OPA data path and reads `result` back; these adapters read that input as Envoy's check is read (the caller is
 * the API key's, through `--keys`; the OpenAI-style body when the plugin sends one) and answer in the plugin's
 * result shape. Both plugins act only on a 200 answer with a `result` (anything else denies), so every answer here
 * is 200 and a refusal is `allow: false` with the status the client is to get.
 */

export type OpaPlugin = 'kong' | 'apisix';

/** What the adapters read of a plugin's input: the client's request as the gateway saw it. */
export interface PluginRequest {
  /** The client's headers, names in lower case, repeated headers as arrays. */
  readonly headers: IncomingHttpHeaders;
  /** The client's JSON body when the plugin sent it (Kong's body options), else `{}`. */
  readonly body: unknown;
  /** Whether the plugin sent a body at all (no body: nothing to detect data classes or tools in). */
  readonly withBody: boolean;
}

export interface PluginAnswer {
  readonly decision: string;
  readonly reasons: readonly Reason[];
  /** Headers of serve's own answer to the plugin (not the ones the plugin forwards: those are in `result`). */
  readonly headers: Record<string, string>;
  readonly body: { readonly result: Record<string, unknown>; readonly decision_id: string };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

export type PluginInput = { readonly ok: true; readonly request: PluginRequest } | { readonly ok: false; readonly status: number; readonly message: string };

/**
 * The plugin's request body → the client's request. Kong: `input.request.http.{headers, parsed_body, body}`;
 * APISIX: `input.type` `"http"` and `input.request.headers` (APISIX sends no body). Header values are strings or
 * arrays of strings (both gateways' Lua header tables); the client's header count is held to `maxHeaders`.
 */
export function readPluginInput(plugin: OpaPlugin, raw: unknown, maxHeaders: number): PluginInput {
  const bad = (message: string, status = 400): PluginInput => ({ ok: false, status, message });
  const name = plugin === 'kong' ? "Kong's opa plugin" : "APISIX's opa plugin";
  if (!Buffer.isBuffer(raw) || raw.length === 0) return bad(`the body must be the input ${name} sends ({"input": …})`);
  const parsed = parseRequestJson(raw);
  if (!parsed.ok) return bad(`the body is not JSON: ${parsed.error}`);
  const doc = parsed.value;
  const input = isRecord(doc) ? own(doc, 'input') : undefined;
  if (!isRecord(input)) return bad(`the body must be {"input": {…}}, the input ${name} sends`);
  let http: unknown;
  if (plugin === 'kong') {
    const request = own(input, 'request');
    http = isRecord(request) ? own(request, 'http') : undefined;
    if (!isRecord(http)) return bad('`input.request.http` must be an object (the request Kong received)');
  } else {
    if (own(input, 'type') !== 'http') return bad('`input.type` must be "http" (APISIX\'s http subsystem; stream routes have no request to decide)');
    http = own(input, 'request');
    if (!isRecord(http)) return bad('`input.request` must be an object (the request APISIX received)');
  }
  const rawHeaders = own(http, 'headers');
  if (!isRecord(rawHeaders)) return bad('the request\'s `headers` must be an object');
  const headers: Record<string, string | string[]> = {};
  let count = 0;
  for (const [k, v] of Object.entries(rawHeaders)) {
    const values = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    count += Math.max(1, values.length);
    if (count > maxHeaders) return bad(`the client's request has more than ${maxHeaders} headers`, 431);
    if (values.length === 0) continue;
    const key = k.toLowerCase();
    const prev = headers[key];
    const merged = prev === undefined ? values : [...(Array.isArray(prev) ? prev : [prev]), ...values];
    headers[key] = merged.length === 1 ? merged[0]! : merged;
  }
  if (plugin === 'apisix') return { ok: true, request: { headers, body: {}, withBody: false } };
  // Kong: the parsed JSON body (include_parsed_json_body_in_opa_input), else the raw body (include_body_in_opa_input).
  const parsedBody = own(http, 'parsed_body');
  if (parsedBody !== undefined && parsedBody !== null) return { ok: true, request: { headers, body: parsedBody, withBody: true } };
  const text = own(http, 'body');
  if (typeof text === 'string' && text !== '') {
    const b = parseRequestJson(Buffer.from(text, 'utf8'));
    if (!b.ok) return bad(`the client's request body is not JSON: ${b.error}`);
    return { ok: true, request: { headers, body: b.value, withBody: true } };
  }
  return { ok: true, request: { headers, body: {}, withBody: false } };
}

/** The client's W3C `traceparent`, as the plugin passed it in the input's headers. */
export function inputTraceparent(r: PluginInput): string | undefined {
  if (!r.ok) return undefined;
  const t = r.request.headers.traceparent;
  return Array.isArray(t) ? t[0] : t;
}

/**
 * A refusal in the plugin's result shape: Kong `{allow: false, status, message, headers}`, APISIX `{allow: false,
 * status_code, reason, headers}`; `headers` go to the client with the refusal.
 */
export function pluginRefusal(plugin: OpaPlugin, decisionId: string, status: number, body: unknown, headers: Record<string, string>): { result: Record<string, unknown>; decision_id: string } {
  const h = { ...headers, 'content-type': 'application/json; charset=utf-8' };
  const result = plugin === 'kong' ? { allow: false, status, message: body, headers: h } : { allow: false, status_code: status, reason: body, headers: h };
  return { result, decision_id: decisionId };
}

/** An allow in the plugin's result shape: `headers` are what the plugin sets on the request to the upstream. */
function pluginAllow(plugin: OpaPlugin, decisionId: string, headers: Record<string, string>): { result: Record<string, unknown>; decision_id: string } {
  // Kong sets every header of `result.headers` on the upstream request: each govc name is written (empty when the
  // decision has no value), so no value a client sent under it reaches the upstream. APISIX clears the names listed
  // in send_headers_upstream that the result leaves out, so there a header without a value is simply left out.
  const out: Record<string, string> = plugin === 'kong' ? Object.fromEntries(UPSTREAM_HEADER_NAMES.map((n) => [n, headers[n] ?? ''])) : headers;
  return { result: { allow: true, headers: out }, decision_id: decisionId };
}

const malformedReason = (message: string): Reason => ({ code: 'malformed_request', message, rule: 'request', source: null }) as unknown as Reason;

/** The answer to a plugin input that could not be read (no decision was made). */
export function pluginMalformed(plugin: OpaPlugin, ex: Exchange, replica: string, status: number, message: string): PluginAnswer {
  const reasons = [malformedReason(message)];
  const headers = decisionHeaders(ex, replica);
  return { decision: 'deny', reasons, headers, body: pluginRefusal(plugin, ex.decisionId, status, deniedBody(ex, message, reasons, null), headers) };
}

/**
 * Decides the client's request a plugin describes: admission metered like Envoy's check (settled at once at its
 * estimate: neither plugin can call settle), the same redaction rule (a plugin cannot rewrite the body), the same
 * statuses (llmAdmission).
 */
export async function opaPluginCheck(
  plugin: OpaPlugin,
  request: PluginRequest,
  ex: Exchange,
  o: { readonly keys: ApiKeys | undefined; readonly settlements: Settlements; readonly upstreamRedacts: boolean; readonly replica: string },
): Promise<PluginAnswer> {
  const headers = decisionHeaders(ex, o.replica);
  const deny = (status: number, message: string, reasons: readonly Reason[], decision: Decision | null): PluginAnswer => ({
    decision: 'deny',
    reasons,
    headers,
    body: pluginRefusal(plugin, ex.decisionId, status, deniedBody(ex, message, reasons, decision), headers),
  });
  const key = callerKey(request.headers);
  if (key === undefined) return pluginMalformed(plugin, ex, o.replica, 401, 'an API key is required (authorization: Bearer, x-api-key or api-key)');
  if (o.keys === undefined) return pluginMalformed(plugin, ex, o.replica, 401, 'govc serve has no API keys (--keys): every caller is refused');
  const caller = o.keys.lookup(key);
  if (caller === undefined) return pluginMalformed(plugin, ex, o.replica, 401, o.keys.problem() ?? 'unknown API key');

  const a = await llmAdmission(ex, caller, request.body, o.settlements, {
    defer: false,
    check: (_ctx: CallContext<Decision>, redacted: boolean) =>
      redacted && !o.upstreamRedacts ? new Error(`the request holds data the policy requires redacted, and ${plugin === 'kong' ? "Kong's" : "APISIX's"} opa plugin cannot rewrite the body (run serve with --upstream-redacts when the upstream applies x-govc-redact)`) : undefined,
  });
  if (a.kind === 'denied') return deny(a.status, a.message, a.decision.reasons, a.decision);
  const d = a.decision;
  return { decision: d.decision, reasons: d.reasons, headers, body: pluginAllow(plugin, ex.decisionId, upstreamHeaders(ex, o.replica, caller, d, false)) };
}
