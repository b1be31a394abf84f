import type { IrApproval, IrModel, IrProgram, IrUseCase } from '../ir/types.js';
import type { Decision, DecisionKind, Limits, Obligations, Reason, ReasonCode, RedactObligation } from './types.js';
import { firstRequestProblem, isTraceId } from './validateRequest.js';
import { compareCodePoints } from '../util/compare.js';
import { echo, sortReasons } from '../runtime/decideSupport.js';

/**
 * The reference evaluator: the decision semantics of docs/semantics.md, written for clarity rather than speed.
 * Every other target (Rego, Wasm, TypeScript guards) is tested against it. It never throws on any input.
 *
 * Request strings that a reason or the decision repeats go through `echo` (RULE B): names the program declares
 * are the program's and printed whole; everything else the request chose (an unknown name, a region, a scope) is
 * bounded.
 */
export function evaluate(ir: IrProgram, input: unknown): Decision {
  let view: unknown;
  try {
    view = requestView(input);
  } catch {
    // A value whose getters or Proxy traps throw cannot be read: it is no request (fail closed, never thrown).
    view = undefined;
  }
  const problem = firstRequestProblem(view);
  if (problem !== undefined) {
    const traceId = isRecord(view) && isTraceId(view.trace_id) ? view.trace_id : null;
    return denyEarly(ir, null, traceId, { code: 'malformed_request', rule: 'request', message: problem, source: null });
  }
  // From here the request is well-formed (validateRequest's guarantees) plain data.
  const r = view as Req;
  const traceId = r.trace_id ?? null;

  // 1. Use case.
  const uc = own(ir.use_cases, r.use_case);
  if (!uc) {
    return denyEarly(ir, echo(r.use_case), traceId, {
      code: 'unknown_use_case',
      rule: 'request',
      message: `use case \`${echo(r.use_case)}\` is not declared`,
      source: null,
    });
  }
  const date = r.time.slice(0, 10);
  const deny: Reason[] = [];
  const info: Reason[] = [];
  const ucRule = `use_case/${uc.name}`;
  const classes = [...new Set(r.data_classes ?? [])].sort(compareCodePoints);
  const tokensIn = r.tokens?.input ?? 0;
  const tokensOut = r.tokens?.output ?? 0;

  // 2. The use case's own approvals.
  const valid = new Set(uc.approvals.filter((a) => approvalValid(a, date)).map((a) => a.approver));
  if (valid.size < uc.required_approvers) {
    const expired = uc.approvals.find((a) => a.expires !== null && a.expires < date);
    const pending = uc.approvals.find((a) => !approvalValid(a, date));
    const culprit = expired ?? pending;
    deny.push({
      code: expired ? 'approval_expired' : 'approval_not_yet_valid',
      rule: `${ucRule}/approved_by`,
      message: `use case \`${uc.name}\` has ${valid.size} valid approval(s) on ${date}; its tier requires ${uc.required_approvers}`,
      source: culprit?.source ?? uc.source,
    });
  }

  // 3. Model: the requested one, or the first usable of primary then fallbacks.
  let candidates: string[] = [...uc.models];
  if (r.model !== undefined) {
    if (!uc.models.includes(r.model)) {
      deny.push({
        code: 'model_not_allowed',
        rule: `${ucRule}/models`,
        message: `model \`${echo(r.model)}\` is not allowed for use case \`${uc.name}\``,
        source: uc.source,
      });
      candidates = [];
    } else candidates = [r.model];
  }
  const problemsOf = (name: string): Reason[] => modelProblems(ir, uc, name, r.region, classes, date);
  let chosen: string | null = null;
  for (const name of candidates) {
    if (problemsOf(name).length === 0) {
      chosen = name;
      break;
    }
  }
  if (chosen === null && candidates.length > 0) deny.push(...problemsOf(candidates[0]!));
  if (chosen !== null && chosen !== candidates[0]) {
    info.push({
      code: 'fallback_model',
      rule: `${ucRule}/models`,
      message: `model \`${candidates[0]}\` cannot serve this request; using fallback \`${chosen}\``,
      source: uc.source,
    });
  }

  // 4. Data classes, independent of the model.
  const redact: RedactObligation[] = [];
  for (const c of classes) {
    const dc = own(ir.data_classes, c);
    if (!dc) {
      deny.push({ code: 'unknown_data_class', rule: 'request', message: `data class \`${echo(c)}\` is not declared`, source: null });
      continue;
    }
    const flow = own(uc.data, c);
    let redacted = false;
    if (flow) {
      if (flow.action === 'deny') {
        deny.push({ code: 'data_class_denied', rule: `${ucRule}/data/${c}`, message: `data class \`${c}\` may not be sent in use case \`${uc.name}\``, source: flow.source });
      } else {
        if (flow.regions.length > 0 && !flow.regions.includes(r.region)) {
          deny.push({
            code: 'data_region_not_permitted',
            rule: `${ucRule}/data/${c}`,
            message: `data class \`${c}\` may not be sent from region \`${echo(r.region)}\` in use case \`${uc.name}\``,
            source: flow.source,
          });
        }
        redacted = flow.redacted;
      }
    } else if (dc.default === 'deny') {
      deny.push({
        code: 'data_class_not_permitted',
        rule: `data_class/${c}/default`,
        message: `data class \`${c}\` is denied by default and use case \`${uc.name}\` has no rule for it`,
        source: dc.source,
      });
    } else redacted = dc.default === 'redact';
    if (dc.residency.length > 0 && !dc.residency.includes(r.region)) {
      deny.push({
        code: 'residency_violation',
        rule: `data_class/${c}/residency`,
        message: `data class \`${c}\` must stay in ${dc.residency.join(', ')}, request region is \`${echo(r.region)}\``,
        source: dc.source,
      });
    }
    if (redacted) redact.push({ data_class: c, detectors: dc.detectors.map((d) => d.name) });
  }

  // 5. Tool call.
  let humanApproval = false;
  if (r.tool !== undefined) {
    const grant = own(uc.tools, r.tool.name);
    if (!grant) {
      deny.push({ code: 'tool_not_allowed', rule: `${ucRule}/tools`, message: `tool \`${echo(r.tool.name)}\` is not granted to use case \`${uc.name}\``, source: uc.source });
    } else {
      humanApproval = grant.human_approval;
      const tool = own(ir.tools, r.tool.name);
      if (tool && tool.approvals.length > 0 && !tool.approvals.some((a) => approvalValid(a, date))) {
        deny.push({
          code: 'tool_approval_expired',
          rule: `tool/${r.tool.name}/approved_by`,
          message: `tool \`${r.tool.name}\` has no valid approval on ${date}`,
          source: tool.approvals[0]!.source,
        });
      }
      const scope = r.tool.scope;
      if (!grant.scopes.some((g) => (g.endsWith('*') ? scope.startsWith(g.slice(0, -1)) : g === scope))) {
        deny.push({
          code: 'tool_scope_not_allowed',
          rule: `${ucRule}/tool/${r.tool.name}`,
          message: `scope \`${echo(scope)}\` is not granted for tool \`${r.tool.name}\``,
          source: grant.source,
        });
      } else if (grant.human_approval && r.tool.human_approved_by === undefined) {
        deny.push({
          code: 'human_approval_required',
          rule: `${ucRule}/tool/${r.tool.name}`,
          message: `tool \`${r.tool.name}\` needs a human approval before each call`,
          source: grant.source,
        });
      }
    }
  }

  // 6. Rate limits.
  for (const limit of uc.rate_limits) {
    const used = r.rate?.[limit.scope]?.[limit.kind];
    const field = `rate.${limit.scope}.${limit.kind}`;
    if (used === undefined) {
      deny.push({ code: 'counter_missing', rule: `${ucRule}/rate`, message: `\`${field}\` is required by a rate limit of use case \`${uc.name}\``, source: limit.source });
      continue;
    }
    const increment = limit.kind === 'requests' ? 1 : tokensIn + tokensOut;
    if (used + increment > limit.per_minute) {
      deny.push({
        code: 'rate_limited',
        rule: `${ucRule}/rate`,
        message: `${limit.scope === 'tenant' ? 'per-tenant ' : ''}${limit.kind} per minute would exceed ${limit.per_minute}`,
        source: limit.source,
      });
    }
  }

  // 7. Budgets, priced on the chosen model.
  let decision: DecisionKind = 'allow';
  let model = chosen;
  if (chosen !== null) {
    const spendOf = (scope: string, period: string): number | undefined => {
      const byPeriod = r.spend?.[scope as 'use_case' | 'tenant'];
      return byPeriod !== undefined ? own(byPeriod, period) : undefined;
    };
    let missing = false;
    for (const b of uc.budgets) {
      if (spendOf(b.scope, b.period) === undefined) {
        missing = true;
        deny.push({
          code: 'counter_missing',
          rule: `${ucRule}/budget`,
          message: `\`spend.${b.scope}.${b.period}\` is required by a budget of use case \`${uc.name}\``,
          source: b.source,
        });
      }
    }
    if (!missing) {
      const chosenCost = costMicros(ir.models[chosen]!, tokensIn, tokensOut);
      const exceeded = uc.budgets.filter((b) => spendOf(b.scope, b.period)! + chosenCost > b.amount_micros);
      if (exceeded.length > 0) {
        const policy = uc.on_budget_exhausted;
        const target = policy?.degrade_to ?? null;
        const canDegrade =
          target !== null &&
          target !== chosen &&
          own(ir.models, target) !== undefined &&
          problemsOf(target).length === 0 &&
          uc.budgets.every((b) => spendOf(b.scope, b.period)! + costMicros(ir.models[target]!, tokensIn, tokensOut) <= b.hard_limit_micros);
        if (canDegrade) {
          decision = 'degrade';
          model = target;
          info.push({
            code: 'budget_degraded',
            rule: `${ucRule}/on_budget_exhausted`,
            message: `budget exhausted; degraded from \`${chosen}\` to \`${target}\``,
            source: policy!.source,
          });
        } else {
          const first = exceeded[0]!;
          deny.push({
            code: 'budget_exhausted',
            rule: `${ucRule}/budget`,
            message: `${first.scope === 'tenant' ? 'per-tenant ' : ''}budget per ${first.period} is exhausted`,
            source: first.source,
          });
        }
      }
    }
  }

  const obligations: Obligations = {
    redact,
    log: { ...uc.log },
    retention_days: uc.retention_days,
    human_oversight: uc.human_oversight !== null,
    human_approval: humanApproval,
    disclosure: uc.disclosure,
  };
  // 8. Result.
  const limits = limitsOf(uc);
  if (deny.length > 0) {
    const reasons = sortReasons(deny);
    const message = reasons.some((x) => x.code === 'budget_exhausted')
      ? uc.on_budget_exhausted?.message ?? null
      : reasons.some((x) => x.code === 'rate_limited')
        ? uc.on_rate_limited.message
        : null;
    return decisionOf(ir, 'deny', uc.name, null, reasons, message, obligations, limits, traceId);
  }
  info.push({ code: 'allowed', rule: ucRule, message: `allowed by use case \`${uc.name}\``, source: uc.source });
  return decisionOf(ir, decision, uc.name, model, sortReasons(info), null, obligations, limits, traceId);
}

type Req = {
  trace_id?: string;
  use_case: string;
  model?: string;
  tenant: string;
  region: string;
  data_classes?: string[];
  tool?: { name: string; scope: string; human_approved_by?: string };
  tokens?: { input?: number; output?: number };
  spend?: { use_case?: Record<string, number>; tenant?: Record<string, number> };
  rate?: { use_case?: { requests?: number; tokens?: number }; tenant?: { requests?: number; tokens?: number } };
  time: string;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FIELDS = ['trace_id', 'use_case', 'model', 'tenant', 'region', 'data_classes', 'tool', 'tokens', 'spend', 'rate', 'time'];

/**
 * The request as plain data, each field read once: its own properties only (inherited ones are absent, as in JSON),
 * array elements by index (a hole is `undefined`), into objects without a prototype. What is validated is then
 * exactly what is decided. Fields the semantics ignores are left out.
 */
function requestView(input: unknown): unknown {
  if (!isRecord(input)) return input;
  const out = pick(input, FIELDS);
  if (isRecord(out.tool)) out.tool = pick(out.tool, ['name', 'scope', 'human_approved_by']);
  if (isRecord(out.tokens)) out.tokens = pick(out.tokens, ['input', 'output']);
  if (isRecord(out.rate)) {
    const rate = pick(out.rate, ['use_case', 'tenant']);
    for (const scope of ['use_case', 'tenant']) if (isRecord(rate[scope])) rate[scope] = pick(rate[scope], ['requests', 'tokens']);
    out.rate = rate;
  }
  if (isRecord(out.spend)) {
    const spend = pick(out.spend, ['use_case', 'tenant']);
    for (const scope of ['use_case', 'tenant']) {
      const byPeriod = spend[scope];
      if (isRecord(byPeriod)) spend[scope] = pick(byPeriod, Object.keys(byPeriod));
    }
    out.spend = spend;
  }
  const classes = out.data_classes;
  if (Array.isArray(classes)) {
    const copy: unknown[] = [];
    // Up to the first element that is not a name: the request is malformed there, whatever follows.
    for (let i = 0; i < classes.length; i++) {
      const c: unknown = classes[i];
      copy.push(c);
      if (typeof c !== 'string' || c === '') break;
    }
    out.data_classes = copy;
  }
  return out;
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(o, k)) out[k] = o[k];
  return out;
}

/** Own-property lookup: a request naming `__proto__` or `toString` must not find anything. */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** Valid from `on` through `expires`, both inclusive; a missing bound is open. */
export function approvalValid(a: IrApproval, date: string): boolean {
  return (a.on === null || a.on <= date) && (a.expires === null || date <= a.expires);
}

/** Estimated cost in micro-units, rounded up: ceil((in * price_in + out * price_out) / 1000). */
export function costMicros(m: IrModel, tokensIn: number, tokensOut: number): number {
  const nanos = tokensIn * m.price.input_nanos_per_token + tokensOut * m.price.output_nanos_per_token;
  return Math.ceil(nanos / 1000);
}

function modelProblems(ir: IrProgram, uc: IrUseCase, name: string, region: string, classes: readonly string[], date: string): Reason[] {
  const m = own(ir.models, name);
  const out: Reason[] = [];
  if (!m) return out;
  const rule = `model/${name}`;
  if (m.status === 'revoked') {
    out.push({ code: 'model_revoked', rule: `${rule}/status`, message: `model \`${name}\` is revoked`, source: m.source });
  } else if (m.approvals.length > 0 && !m.approvals.some((a) => approvalValid(a, date))) {
    out.push({
      code: 'model_approval_expired',
      rule: `${rule}/approved_by`,
      message: `model \`${name}\` has no valid approval on ${date}`,
      source: m.approvals[0]!.source,
    });
  }
  if (!m.regions.includes(region)) {
    out.push({ code: 'model_region_not_served', rule: `${rule}/regions`, message: `model \`${name}\` is not available in region \`${echo(region)}\``, source: m.source });
  }
  for (const c of classes) {
    const flow = own(uc.data, c);
    if (flow && flow.action === 'allow' && !flow.providers.includes(m.provider)) {
      out.push({
        code: 'data_flow_not_permitted',
        rule: `use_case/${uc.name}/data/${c}`,
        message: `data class \`${c}\` may not be sent to provider \`${m.provider}\` (model \`${name}\`)`,
        source: flow.source,
      });
    }
  }
  return out;
}

function limitsOf(uc: IrUseCase): Limits {
  return {
    budgets: uc.budgets.map((b) => ({ scope: b.scope, period: b.period, amount_micros: b.amount_micros })),
    rate_limits: uc.rate_limits.map((l) => ({ scope: l.scope, kind: l.kind, per_minute: l.per_minute })),
  };
}

function denyEarly(ir: IrProgram, useCase: string | null, traceId: string | null, reason: Reason): Decision {
  return decisionOf(ir, 'deny', useCase, null, [reason], null, null, null, traceId);
}

function decisionOf(
  ir: IrProgram,
  decision: DecisionKind,
  useCase: string | null,
  model: string | null,
  reasons: readonly Reason[],
  message: string | null,
  obligations: Obligations | null,
  limits: Limits | null,
  traceId: string | null,
): Decision {
  return {
    decision,
    allow: decision !== 'deny',
    use_case: useCase,
    model,
    provider: model === null ? null : ir.models[model]?.provider ?? null,
    reasons,
    message,
    obligations,
    limits,
    trace_id: traceId,
    policy_revision: ir.revision,
  };
}

export type { ReasonCode };

export { sortReasons };
