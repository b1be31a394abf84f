import type { IrApproval, IrModel, IrProgram, IrUseCase } from '../ir/types.js';
import type { AlertObligation, Decision, DecisionKind, Limits, Obligations, Reason, RedactObligation } from '../decision/types.js';
import { echo } from '../decision/echo.js';
import { reason } from '../decision/reasons.js';
import { childFields, REQUEST_FIELDS, type RequestField } from '../decision/requestFields.js';
import { sortReasons } from '../decision/sortReasons.js';
import { firstRequestProblem, isPrincipal, isTraceId } from '../decision/validateRequest.js';
import { compareCodePoints } from '../util/compare.js';

/**
 * The reference evaluator: the decision semantics of docs/semantics.md, written for clarity rather than speed.
 * Every other target (Rego, Wasm, TypeScript guards) is tested against it. It never throws on any input.
 *
 * Every reason is made by the contract's `reason()` (src/decision/reasons.ts), which prints names the program
 * declares whole and echoes (RULE B) what the request chose; what does not depend on the request (the `allowed`
 * reason, the limits, most obligations, the refusal texts) is copied from the use case's precomputed `decision`.
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
    const principal = isRecord(view) && isPrincipal(view.principal) ? view.principal : null;
    return denyEarly(ir, null, traceId, principal, reason('malformed_request', { problem }, null));
  }
  // From here the request is well-formed (validateRequest's guarantees) plain data.
  const r = view as Req;
  const traceId = r.trace_id ?? null;
  const principal = r.principal ?? null;

  // 1. Use case.
  const uc = own(ir.use_cases, r.use_case);
  if (!uc) {
    return denyEarly(ir, echo(r.use_case), traceId, principal, reason('unknown_use_case', { use_case: r.use_case }, null));
  }
  const date = r.time.slice(0, 10);
  const deny: Reason[] = [];
  const info: Reason[] = [];
  let classes = [...new Set(r.data_classes ?? [])].sort(compareCodePoints);
  const tokensIn = r.tokens?.input ?? 0;
  const tokensOut = r.tokens?.output ?? 0;

  // 2. Identity: what the org requires every request to carry.
  deny.push(...identityProblems(ir, r));

  // 3. The use case's own approvals.
  const valid = new Set(uc.approvals.filter((a) => approvalValid(a, date)).map((a) => a.approver));
  if (valid.size < uc.required_approvers) {
    const expired = uc.approvals.find((a) => a.expires !== null && a.expires < date);
    const pending = uc.approvals.find((a) => !approvalValid(a, date));
    const culprit = expired ?? pending;
    const params = { use_case: uc.name, valid: valid.size, date, required: uc.required_approvers };
    deny.push(reason(expired ? 'approval_expired' : 'approval_not_yet_valid', params, culprit?.source ?? uc.source));
  }

  // 4. Prompt.
  promptStep(ir, uc, r.prompt, date, deny);

  // 5. Retrieval: the corpora the request reads, and the effective classes steps 6 and 7 use.
  if (r.corpora !== undefined) classes = retrieval(ir, uc, r.corpora, r.region, classes, deny);

  // 6. Model: the requested one, or the first usable of primary then fallbacks.
  let candidates: string[] = [...uc.models];
  if (r.model !== undefined) {
    if (!uc.models.includes(r.model)) {
      deny.push(reason('model_not_allowed', { use_case: uc.name, model: r.model }, uc.source));
      candidates = [];
    } else candidates = [r.model];
  }
  const problemsOf = (name: string): Reason[] => modelProblems(ir, uc, name, r.region, classes, date);
  let chosen: string | null = null;
  let firstProblems: Reason[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const name = candidates[i]!;
    const problems = problemsOf(name);
    if (i === 0) firstProblems = problems;
    if (problems.length === 0) {
      chosen = name;
      break;
    }
  }
  if (chosen === null) deny.push(...firstProblems);
  if (chosen !== null && chosen !== candidates[0]) {
    info.push(reason('fallback_model', { use_case: uc.name, model: candidates[0]!, fallback: chosen }, uc.source));
  }

  // 7. Data classes, independent of the model.
  const redact: RedactObligation[] = [];
  for (const c of classes) {
    const dc = own(ir.data_classes, c);
    if (!dc) {
      deny.push(reason('unknown_data_class', { data_class: c }, null));
      continue;
    }
    const flow = own(uc.data, c);
    let redacted = false;
    if (flow) {
      if (flow.action === 'deny') {
        deny.push(reason('data_class_denied', { use_case: uc.name, data_class: c }, flow.source));
      } else {
        if (flow.regions.length > 0 && !flow.regions.includes(r.region)) {
          deny.push(reason('data_region_not_permitted', { use_case: uc.name, data_class: c, region: r.region }, flow.source));
        }
        redacted = flow.redacted;
      }
    } else if (dc.default === 'deny') {
      deny.push(reason('data_class_not_permitted', { data_class: c, use_case: uc.name }, dc.source));
    } else redacted = dc.default === 'redact';
    if (dc.residency.length > 0 && !dc.residency.includes(r.region)) {
      deny.push(reason('residency_violation', { data_class: c, residency: dc.residency, region: r.region }, dc.source));
    }
    if (redacted) redact.push({ data_class: c, detectors: dc.detectors.map((d) => d.name) });
  }

  // 8. Tool call.
  let humanApproval = false;
  if (r.tool !== undefined) {
    const grant = own(uc.tools, r.tool.name);
    if (!grant) {
      deny.push(reason('tool_not_allowed', { use_case: uc.name, tool: r.tool.name }, uc.source));
    } else {
      humanApproval = grant.human_approval;
      const tool = own(ir.tools, r.tool.name);
      if (tool && tool.approvals.length > 0 && !tool.approvals.some((a) => approvalValid(a, date))) {
        deny.push(reason('tool_approval_expired', { tool: r.tool.name, date }, tool.approvals[0]!.source));
      }
      const scope = r.tool.scope;
      if (!grant.scopes.some((g) => (g.endsWith('*') ? scope.startsWith(g.slice(0, -1)) : g === scope))) {
        deny.push(reason('tool_scope_not_allowed', { use_case: uc.name, tool: r.tool.name, scope }, grant.source));
      } else if (grant.human_approval && r.tool.human_approved_by === undefined) {
        deny.push(reason('human_approval_required', { use_case: uc.name, tool: r.tool.name }, grant.source));
      }
    }
  }

  // 9. Rate limits.
  for (const limit of uc.rate_limits) {
    const used = r.rate?.[limit.scope]?.[limit.kind];
    if (used === undefined) {
      deny.push(reason('counter_missing_rate', { use_case: uc.name, scope: limit.scope, kind: limit.kind }, limit.source));
      continue;
    }
    const increment = limit.kind === 'requests' ? 1 : tokensIn + tokensOut;
    if (used + increment > limit.per_minute) {
      deny.push(reason('rate_limited', { use_case: uc.name, scope: limit.scope, kind: limit.kind, per_minute: limit.per_minute }, limit.source));
    }
  }

  // 10. Budgets, priced on the chosen model.
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
        deny.push(reason('counter_missing_budget', { use_case: uc.name, scope: b.scope, period: b.period }, b.source));
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
          info.push(reason('budget_degraded', { use_case: uc.name, model: chosen, degrade_to: target }, policy!.source));
        } else {
          const first = exceeded[0]!;
          deny.push(reason('budget_exhausted', { use_case: uc.name, scope: first.scope, period: first.period }, first.source));
        }
      }
    }
  }

  // 10. Alerts (language v2): the budget thresholds this request crosses, on the model that serves.
  const alerts = deny.length === 0 && model !== null ? alertsOf(ir, uc, r, model, tokensIn, tokensOut) : [];

  // 11. Result. What the request cannot change is copied from the use case's precomputed parts.
  const parts = uc.decision;
  // A copy (the decision must not share objects with the IR), with the request-dependent fields set in place.
  const obligations: Obligations = { ...(structuredClone(parts.obligations) as Obligations), redact, human_approval: humanApproval, alerts };
  const limits: Limits = structuredClone(parts.limits);
  if (deny.length > 0) {
    const reasons = sortReasons(deny);
    const message = reasons.some((x) => x.code === 'budget_exhausted')
      ? parts.budget_message
      : reasons.some((x) => x.code === 'rate_limited')
        ? parts.rate_message
        : null;
    return decisionOf(ir, 'deny', uc.name, null, reasons, message, obligations, limits, traceId, parts.owner, principal);
  }
  info.push({ ...(parts.allowed as Reason) });
  return decisionOf(ir, decision, uc.name, model, sortReasons(info), null, obligations, limits, traceId, parts.owner, principal);
}

/** Step 2: `trace_id_required` and `principal_required` when the org requires them and the request has none. */
function identityProblems(ir: IrProgram, r: Req): Reason[] {
  const out: Reason[] = [];
  const req = ir.org.require;
  if (req.trace_id && r.trace_id === undefined) out.push(reason('trace_id_required', { org: ir.org.name }, req.source ?? ir.org.source));
  if (req.principal && r.principal === undefined) out.push(reason('principal_required', { org: ir.org.name }, req.source ?? ir.org.source));
  return out;
}

type Req = {
  trace_id?: string;
  principal?: string;
  use_case: string;
  model?: string;
  tenant: string;
  region: string;
  data_classes?: string[];
  tool?: { name: string; scope: string; human_approved_by?: string };
  tokens?: { input?: number; output?: number };
  spend?: { use_case?: Record<string, number>; tenant?: Record<string, number> };
  rate?: { use_case?: { requests?: number; tokens?: number }; tenant?: { requests?: number; tokens?: number } };
  corpora?: string[];
  time: string;
  prompt?: { name: string; version?: string; sha256?: string };
};

/**
 * Step 4 (language v2): the request's prompt must be one the use case pins, at the pinned version and hash when it
 * states them, and the pinned prompt must hold an approval valid on the request's date.
 */
function promptStep(ir: IrProgram, uc: IrUseCase, prompt: Req['prompt'], date: string, deny: Reason[]): void {
  if (prompt === undefined) return;
  const p = uc.prompts.includes(prompt.name) ? own(ir.prompts, prompt.name) : undefined;
  if (p === undefined) {
    deny.push(reason('prompt_not_allowed', { use_case: uc.name, prompt: prompt.name }, uc.source));
    return;
  }
  if ((prompt.version !== undefined && prompt.version !== p.version) || (prompt.sha256 !== undefined && prompt.sha256 !== p.sha256)) {
    deny.push(reason('prompt_version_not_pinned', { use_case: uc.name, prompt: p.name, version: p.version, hash: p.sha256 }, p.source));
  }
  if (!p.approvals.some((a) => approvalValid(a, date))) {
    // The checker requires an approval (GOV2104); an IR without one is denied as having none valid, never thrown.
    deny.push(reason('prompt_approval_expired', { prompt: p.name, date }, p.approvals[0]?.source ?? p.source));
  }
}

/**
 * Step 10 (language v2): for each budget (declared order) and each alert threshold (ascending), an alert when the
 * spend so far is below the threshold and this request's cost, on the model that serves, reaches it.
 */
function alertsOf(ir: IrProgram, uc: IrUseCase, r: Req, model: string, tokensIn: number, tokensOut: number): AlertObligation[] {
  const alerts = uc.budget_alerts;
  if (alerts === null) return [];
  const cost = costMicros(ir.models[model]!, tokensIn, tokensOut);
  const out: AlertObligation[] = [];
  for (const b of uc.budgets) {
    // Step 7 denied any request missing a counter, so every budget's counter is present here.
    const spent = own(r.spend![b.scope]!, b.period)!;
    for (let i = 0; i < b.alert_thresholds_micros.length; i++) {
      const t = b.alert_thresholds_micros[i]!;
      if (spent < t && t <= spent + cost) {
        out.push({ scope: b.scope, period: b.period, threshold_percent: alerts.thresholds_percent[i]!, threshold_micros: t, notify: alerts.notify });
      }
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The request as plain data, each field read once: its own properties only (inherited ones are absent, as in JSON),
 * array elements by index (a hole is `undefined`), into objects without a prototype, and only the fields of the
 * request-field table (REQUEST_FIELDS). What is validated is then exactly what is decided.
 */
function requestView(input: unknown): unknown {
  return viewOf(input, REQUEST_VIEW);
}

/** What to read of an object field: its own keys named in the table (or all, for a `*` field), and how to read each. */
interface ViewPlan {
  readonly keys: readonly string[] | null;
  readonly children: ReadonlyArray<readonly [string, ViewPlan | 'names']>;
}

function planOf(f: RequestField): ViewPlan {
  const children = childFields(f.path);
  const key = (c: RequestField): string => c.path[c.path.length - 1]!;
  if (children.some((c) => key(c) === '*')) return { keys: null, children: [] };
  return {
    keys: children.map(key),
    children: children.flatMap((c): Array<readonly [string, ViewPlan | 'names']> =>
      c.type === 'object' ? [[key(c), planOf(c)]] : c.type === 'string_array' ? [[key(c), 'names']] : [],
    ),
  };
}

/** The request-field table as a reading plan, made once. */
const REQUEST_VIEW = planOf(REQUEST_FIELDS[0]!);

function viewOf(value: unknown, plan: ViewPlan): unknown {
  if (!isRecord(value)) return value;
  const out = pick(value, plan.keys ?? Object.keys(value));
  for (let i = 0; i < plan.children.length; i++) {
    const [k, child] = plan.children[i]!;
    if (!Object.prototype.hasOwnProperty.call(out, k)) continue;
    out[k] = child === 'names' ? namesView(out[k]) : viewOf(out[k], child);
  }
  return out;
}

/** An array of names read by index, up to the first element that is not a name (the request is malformed there). */
function namesView(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const copy: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    const c: unknown = value[i];
    copy.push(c);
    if (typeof c !== 'string' || c === '') break;
  }
  return copy;
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
  if (m.status === 'revoked') {
    out.push(reason('model_revoked', { model: name }, m.source));
  } else if (m.approvals.length > 0 && !m.approvals.some((a) => approvalValid(a, date))) {
    out.push(reason('model_approval_expired', { model: name, date }, m.approvals[0]!.source));
  }
  if (!m.regions.includes(region)) {
    out.push(reason('model_region_not_served', { model: name, region }, m.source));
  }
  for (const c of classes) {
    const flow = own(uc.data, c);
    // 6. Model targets: the flow permits the model when it names the model or the model's provider.
    if (flow && flow.action === 'allow' && !flow.providers.includes(m.provider) && !flow.models.includes(name)) {
      out.push(reason('data_flow_not_permitted', { use_case: uc.name, data_class: c, provider: m.provider, model: name }, flow.source));
    }
  }
  return out;
}

/**
 * Step 5, retrieval (docs/semantics.md): each distinct corpus, sorted, is declared, granted by the use case's
 * `retrieval` and readable from the request's region; the effective classes are the request's classes and those
 * of every granted, declared corpus, distinct and sorted.
 */
function retrieval(ir: IrProgram, uc: IrUseCase, corpora: readonly string[], region: string, classes: readonly string[], deny: Reason[]): string[] {
  const effective = new Set(classes);
  for (const k of [...new Set(corpora)].sort(compareCodePoints)) {
    const corpus = own(ir.corpora, k);
    if (!corpus) {
      deny.push(reason('unknown_corpus', { corpus: k }, null));
      continue;
    }
    if (!uc.corpora.includes(k)) {
      deny.push(reason('corpus_not_allowed', { use_case: uc.name, corpus: k }, uc.source));
      continue;
    }
    if (corpus.residency.length > 0 && !corpus.residency.includes(region)) {
      deny.push(reason('corpus_region_not_permitted', { corpus: k, region }, corpus.source));
    }
    for (const c of corpus.data_classes) effective.add(c);
  }
  return [...effective].sort(compareCodePoints);
}

function denyEarly(ir: IrProgram, useCase: string | null, traceId: string | null, principal: string | null, reason: Reason): Decision {
  return decisionOf(ir, 'deny', useCase, null, [reason], null, null, null, traceId, null, principal);
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
  owner: string | null,
  principal: string | null,
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
    owner,
    principal,
    policy_revision: ir.revision,
  };
}

export { sortReasons };
