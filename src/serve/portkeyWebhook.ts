import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { parseRequestJson } from '../eval/parseRequestJson.js';
import type { Decision, Reason } from '../runtime/types.js';
import type { ApiKeys } from './apiKeys.js';
import { decisionHeaders, type Exchange } from './exchange.js';
import { callerKey, llmAdmission } from './llmAdmission.js';
import { withTexts } from './llmRequest.js';
import type { Settlements } from './settlements.js';

/**
 * Portkey's `webhook` guardrail check (gateway 1.15.2; wire format researched in the notes, docs/serve.md):
 * one URL for both hooks, told apart by `eventType`. `beforeRequestHook` → admission (metered, like /v1/decide):
 * `{verdict, data}` with the decision in `data` (the client sees it in `hook_results`), and for a degrade, a
 * fallback model or a redaction `transformedData.request.json`, the request Portkey then sends. `afterRequestHook`
 * → settles the admission at the response's usage before answering. Portkey sends no id linking the two hooks, so
 * an admission waits under a key of what the after hook will carry again: the caller's key, the request JSON serve
 * let through, the provider and the metadata (identical requests are interchangeable: first in, first settled).
 * Every answer is 200 JSON: a refusal is `verdict: false`, which Portkey turns into a 446 with `deny: true`.
 */

export interface PortkeyAnswer {
  readonly decision: string;
  readonly reasons: readonly Reason[];
  readonly headers: Record<string, string>;
  readonly body: { readonly verdict: boolean; readonly data: Record<string, unknown>; readonly transformedData?: unknown };
}

const NOT_DENYING = new Set(['allowed', 'fallback_model', 'budget_degraded']);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with object keys sorted: the same data gives the same key whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)) ?? 'null';
}

/** Admissions waiting for their after hook, by content key, first in first out. */
export class PortkeyPending {
  private readonly byKey = new Map<string, string[]>();
  private count = 0;

  constructor(private readonly max: number) {}

  static key(apiKey: string, requestJson: unknown, provider: unknown, metadata: unknown): string {
    return createHash('sha256').update(canonical([createHash('sha256').update(apiKey).digest('hex'), requestJson, provider ?? null, metadata ?? null])).digest('hex');
  }

  add(key: string, decisionId: string): void {
    if (this.count >= this.max) {
      // Bounded: the oldest key's entries go (their reservations still end, at the settle timeout).
      const first = this.byKey.keys().next();
      if (!first.done) {
        this.count -= this.byKey.get(first.value)!.length;
        this.byKey.delete(first.value);
      }
    }
    const q = this.byKey.get(key);
    if (q === undefined) this.byKey.set(key, [decisionId]);
    else q.push(decisionId);
    this.count++;
  }

  /** The waiting decision ids under a key, oldest first, removed as they are taken. */
  take(key: string): string | undefined {
    const q = this.byKey.get(key);
    if (q === undefined) return undefined;
    const id = q.shift();
    this.count--;
    if (q.length === 0) this.byKey.delete(key);
    return id;
  }
}

function modelFor(ex: Exchange, asked: unknown, provider: unknown, header: unknown): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (typeof h === 'string' && h !== '') return h;
  if (typeof asked !== 'string') return undefined;
  const models = Object.values(ex.program.ir.models);
  const byDeployment = models.filter((m) => m.deployment === asked);
  const hit = byDeployment.find((m) => m.provider === provider) ?? byDeployment[0] ?? models.find((m) => m.name === asked);
  return hit?.name ?? asked;
}

function data(ex: Exchange, d: Decision, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const reasons = d.decision === 'deny' ? d.reasons.filter((r) => !NOT_DENYING.has(r.code)) : d.reasons;
  return { decision_id: ex.decisionId, decision: d.decision, model: d.model, reasons, message: d.message, policy_revision: ex.program.revision, ...extra };
}

export async function portkeyWebhook(
  req: FastifyRequest,
  ex: Exchange,
  o: { readonly keys: ApiKeys | undefined; readonly settlements: Settlements; readonly pending: PortkeyPending; readonly replica: string },
): Promise<PortkeyAnswer> {
  const headers = decisionHeaders(ex, o.replica);
  const refuse = (message: string): PortkeyAnswer => {
    const reasons = [{ code: 'malformed_request', rule: 'request', message, source: null } as unknown as Reason];
    return { decision: 'deny', reasons, headers, body: { verdict: false, data: { decision_id: ex.decisionId, decision: 'deny', reasons, message, policy_revision: ex.program.revision } } };
  };
  const raw = req.body;
  const parsed = Buffer.isBuffer(raw) && raw.length > 0 ? parseRequestJson(raw) : { ok: false as const, error: 'empty body' };
  if (!parsed.ok) return refuse(`the webhook body is not JSON: ${parsed.error}`);
  const hook = parsed.value;
  if (!isRecord(hook)) return refuse('the webhook body must be a JSON object (Portkey webhook guardrail)');
  const event = hook.eventType;
  const request = isRecord(hook.request) ? hook.request : {};
  const requestJson = request.json;

  const key = callerKey(req.headers);
  if (key === undefined) return refuse('an API key is required in the webhook check\'s headers (authorization: Bearer, x-api-key or api-key)');
  if (o.keys === undefined) return refuse('govc serve has no API keys (--keys): every caller is refused');
  const caller = o.keys.lookup(key);
  if (caller === undefined) return refuse(o.keys.problem() ?? 'unknown API key');

  if (event === 'afterRequestHook') {
    const response = isRecord(hook.response) ? hook.response : {};
    const json = isRecord(response.json) ? response.json : undefined;
    const u = json !== undefined && isRecord(json.usage) ? json.usage : undefined;
    const tok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 1_000_000_000;
    const input = u?.prompt_tokens ?? u?.input_tokens;
    const output = u?.completion_tokens ?? u?.output_tokens;
    const settlement = tok(input) && tok(output) ? { usage: { input_tokens: input, output_tokens: output } } : { estimate: true as const };
    const k = PortkeyPending.key(key, requestJson, hook.provider, hook.metadata);
    let id: string | undefined;
    let r: Awaited<ReturnType<Settlements['settle']>> | undefined;
    // The oldest admission under this key that is still pending (one that timed out was charged its estimate).
    while ((id = o.pending.take(k)) !== undefined) {
      const done = o.settlements.settle(id, settlement);
      if (done !== undefined) {
        r = await done;
        break;
      }
    }
    // A paid answer is never withheld for bookkeeping: an unmatched after hook passes (docs/serve.md).
    return {
      decision: 'settle',
      reasons: [],
      headers,
      body: { verdict: true, data: { decision_id: r === undefined ? null : (id ?? null), settled: r !== undefined, ...(r !== undefined && r.ok && { cost_micros: r.cost_micros }) } },
    };
  }
  if (event !== 'beforeRequestHook') return refuse('`eventType` must be beforeRequestHook or afterRequestHook');
  if (!isRecord(requestJson)) return refuse('`request.json` must be the request as a JSON object');

  const model = modelFor(ex, requestJson.model, hook.provider, req.headers['x-govc-model']);
  const body: Record<string, unknown> = { ...requestJson, ...(model !== undefined && { model }) };
  // `metadata.govc` of a Portkey request is the hook's metadata (x-portkey-metadata), as the LiteLLM guardrail reads it from the body.
  if (isRecord(hook.metadata) && isRecord(hook.metadata.govc)) body.metadata = { govc: hook.metadata.govc };
  const a = await llmAdmission(ex, caller, body, o.settlements, { defer: true });
  if (a.kind === 'denied') return { decision: 'deny', reasons: a.decision.reasons, headers, body: { verdict: false, data: data(ex, a.decision, { message: a.decision.message ?? a.message }) } };
  const d = a.decision;
  // What Portkey sends on: the decided model's deployment, and the texts as the obligations redact them.
  let out: Record<string, unknown> = requestJson;
  const deployment = d.model === null ? undefined : ex.program.ir.models[d.model]?.deployment;
  const redacted = a.ctx !== undefined && Array.isArray(a.ctx.input) ? (a.ctx.input as string[]) : undefined;
  const rewritten = redacted === undefined ? undefined : withTexts(requestJson, redacted);
  const textsChanged = rewritten !== undefined && canonical(rewritten) !== canonical(requestJson);
  if (textsChanged) out = rewritten as Record<string, unknown>;
  if (deployment !== undefined && deployment !== requestJson.model) out = { ...out, model: deployment };
  const transformed = out !== requestJson;
  if (a.deferred) o.pending.add(PortkeyPending.key(key, out, hook.provider, hook.metadata), ex.decisionId);
  return {
    decision: d.decision,
    reasons: d.reasons,
    headers,
    body: { verdict: true, data: data(ex, d, { settle: a.deferred ? 'afterRequestHook' : null }), ...(transformed && { transformedData: { request: { json: out } } }) },
  };
}
