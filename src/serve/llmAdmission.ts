import type { IncomingHttpHeaders } from 'node:http';
import type { CallContext } from '../runtime/guard.js';
import type { Decision, Reason } from '../runtime/types.js';
import { admit } from './admit.js';
import type { Caller } from './apiKeys.js';
import type { Exchange } from './exchange.js';
import { readLlmRequest } from './llmRequest.js';
import type { Settlements } from './settlements.js';

/** An HTTP answer of an LLM-shaped adapter. */
export interface LlmAnswer {
  readonly status: number;
  readonly decision: string;
  readonly reasons: readonly Reason[];
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

const THROTTLE = new Set(['budget_exhausted', 'rate_limited']);
const NOT_DENYING = new Set(['allowed', 'fallback_model', 'budget_degraded']);
const MAX_KEY_CHARS = 4096;

/** The API key of a request: `authorization: Bearer`, else `x-api-key`, else `api-key` (as gateways send them). */
export function callerKey(headers: IncomingHttpHeaders): string | undefined {
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  const auth = one(headers.authorization);
  let key: string | undefined;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) key = auth.replace(/^bearer\s+/i, '').trim();
  key ||= one(headers['x-api-key'])?.trim() || one(headers['api-key'])?.trim();
  return key !== undefined && key !== '' && key.length <= MAX_KEY_CHARS ? key : undefined;
}

/** A deny's status: 429 for budgets and rates, 503 when counters could not be read, 400 malformed, 403 otherwise. */
export function statusOf(decision: Decision): number {
  const denying = decision.reasons.filter((r) => !NOT_DENYING.has(r.code));
  if (denying.some((r) => THROTTLE.has(r.code))) return 429;
  if (denying.some((r) => r.code === 'counter_missing')) return 503;
  if (denying.some((r) => r.code === 'malformed_request')) return 400;
  return 403;
}

function messageOf(decision: Decision): string {
  if (decision.message) return decision.message;
  const denying = decision.reasons.filter((r) => !NOT_DENYING.has(r.code));
  if (denying.some((r) => r.code === 'counter_missing')) return "govc's counter store is unavailable; the request was not sent";
  return denying[0]?.message ?? 'refused by policy';
}

/** The counters of a use case at zero: a decision on the request alone (tools), with no limit reached. */
function zeroCounters(ex: Exchange, useCase: string): Record<string, unknown> {
  const uc = ex.program.guards.policy.useCases.get(useCase);
  if (uc === undefined) return {};
  const spend: Record<string, Record<string, number>> = {};
  const rate: Record<string, Record<string, number>> = {};
  for (const b of uc.budgets) (spend[b.scope] ??= {})[b.period] = 0;
  for (const l of uc.rate_limits) (rate[l.scope] ??= {})[l.kind] = 0;
  return { ...(uc.budgets.length > 0 && { spend }), ...(uc.rate_limits.length > 0 && { rate }) };
}

export type LlmAdmission =
  | { readonly kind: 'denied'; readonly status: number; readonly message: string; readonly decision: Decision }
  | { readonly kind: 'admitted'; readonly decision: Decision; readonly deferred: boolean; readonly ctx: CallContext<Decision> };

/**
 * Decides an OpenAI-shaped request for a caller as the LiteLLM guardrail does (src/backends/litellm/python/): the
 * identity is the key's, never the request's; data classes are detected in the texts; each tool the request offers
 * or calls is decided (the first through the metered admission, the others on the request alone: a tool's own rules
 * do not depend on counters); the token estimate is reserved through the runtime's guard.
 */
export async function llmAdmission(
  ex: Exchange,
  caller: Caller,
  body: unknown,
  settlements: Settlements,
  o: { readonly defer: boolean; readonly check?: (ctx: CallContext<Decision>, redacted: boolean) => Error | undefined },
): Promise<LlmAdmission> {
  const llm = readLlmRequest(body);
  const base: Record<string, unknown> = { use_case: caller.use_case, tenant: caller.tenant, region: caller.region };
  if (caller.principal !== undefined) base.principal = caller.principal;
  if (llm.model !== undefined) base.model = llm.model;
  base.tokens = llm.tokens;
  for (const [k, v] of Object.entries(llm.extra)) base[k] = v;

  if (llm.tools.length > 1) {
    const zeros = zeroCounters(ex, caller.use_case);
    const time = new Date().toISOString();
    for (const t of llm.tools.slice(1)) {
      const d = ex.guard.decide({ ...base, ...zeros, time, tool: t } as never) as Decision;
      if (d.decision === 'deny') return { kind: 'denied', status: statusOf(d), message: messageOf(d), decision: d };
    }
  }
  const request: Record<string, unknown> = { ...base };
  if (llm.tools.length > 0) request.tool = llm.tools[0];
  if (llm.texts.length > 0) request.input = llm.texts;

  const sent = JSON.stringify(llm.texts);
  const a = await admit(ex.guard, request, settlements, {
    decisionId: ex.decisionId,
    logFields: ex.logFields(base.trace_id),
    defer: o.defer,
    ...(o.check !== undefined && { check: (ctx: CallContext<Decision>) => o.check!(ctx, ctx.input !== undefined && JSON.stringify(ctx.input) !== sent) }),
  });
  if (a.kind === 'admitted') return { kind: 'admitted', decision: a.ctx.decision, deferred: a.deferred, ctx: a.ctx };
  const r = a.result;
  if (r.ok) return { kind: 'admitted', decision: r.decision, deferred: false, ctx: undefined as never };
  if (r.refusal === 'policy') return { kind: 'denied', status: statusOf(r.decision), message: messageOf(r.decision), decision: r.decision };
  if (r.refusal === 'concurrency' || r.refusal === 'contention') return { kind: 'denied', status: 429, message: r.message ?? 'too many requests', decision: r.decision };
  // `error`: the check refused the admitted call (its reservation was given back), or the runtime failed.
  const message = 'error' in r && r.error instanceof Error ? r.error.message : 'govc serve could not decide this request';
  return { kind: 'denied', status: r.decision.decision === 'deny' ? 503 : 403, message, decision: r.decision };
}
