import { echo, EMPTY, sortReasons } from '../decideSupport.js';
import type { AlertObligation, AnyRequest, Decision, Limits, Obligations, Reason, RedactObligation } from '../types.js';
import { malformedPrincipal, malformedTraceId, requestProblem } from '../validate.js';
import { classList } from './classList.js';
import { ownRequest } from './ownRequest.js';
import {
  approvalReason,
  corpusNotAllowedReason,
  corpusRegionReason,
  unknownCorpusReason,
  dataClassDefaultReason,
  dataFlowReason,
  dataRegionReason,
  malformedReason,
  modelApprovalReason,
  modelNotAllowedReason,
  modelRegionReason,
  residencyReason,
  toolApprovalReason,
  toolNotAllowedReason,
  toolScopeReason,
  unknownDataClassReason,
  unknownUseCaseReason,
  promptApprovalReason,
  promptNotAllowedReason,
  promptNotPinnedReason,
} from './reasons.js';
import type { AlertRec, Approval, ClassRec, FlowRec, GrantRec, ModelRec, Program, PromptRec, Span, UseCaseRec } from './records.js';
import { dayOf, OBJECT_PROTO, wellFormed } from './wellFormed.js';

/**
 * The decision (docs/semantics.md "The algorithm"; the step numbers below are that page's, as in every target),
 * over a compiled program (records.ts).
 *
 * Performance notes (docs/guards.md "Performance"): the common path (a well-formed request, up to three data
 * classes, allow) reads the use case's record, allocates only the decision object, and reuses the record's frozen
 * fragments (reasons, obligations, limits). No Set or sort for three classes or fewer, no string is built except on
 * denial, and there are no closures: every helper is a top-level function taking the program, so the one
 * `decideRequest` stays hot and monomorphic whatever the program and the number of its use cases. Reasons are built
 * in reasons.ts, on denial only.
 */

const hasOwn = Object.prototype.hasOwnProperty;
const PERIODS = ['day', 'week', 'month', 'quarter', 'year'];

function includes(list: readonly string[], x: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === x) return true;
  return false;
}

function anyValid(spans: readonly Span[], day: number): boolean {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.on <= day && day <= s.expires) return true;
  }
  return false;
}

/** Step 3: fewer distinct approvers valid on `day` than the tier requires. */
function approvalsShort(nums: Float64Array, u: UseCaseRec, day: number): boolean {
  let p = u.at;
  const required = nums[p]!;
  const approvers = nums[p + 1]!;
  p += 2;
  let valid = 0;
  for (let i = 0; i < approvers; i++) {
    const spans = nums[p]!;
    const end = p + 1 + 2 * spans;
    for (let q = p + 1; q < end; q += 2) {
      if (nums[q]! <= day && day <= nums[q + 1]!) {
        if (++valid >= required) return false;
        break;
      }
    }
    p = end;
  }
  return true;
}

/** Step 3's denial: how many approvers are valid, and the approval to blame (the first expired, else the first not yet valid). */
function approvalDenial(u: UseCaseRec, day: number, date: string): Reason {
  const valid = new Set<string>();
  let expired: Approval | undefined;
  let pending: Approval | undefined;
  for (const a of u.approvals) {
    if (a.on <= day && day <= a.expires) valid.add(a.approver);
    else pending ??= a;
    if (a.expires < day) expired ??= a;
  }
  const culprit = expired ?? pending;
  return approvalReason(u.name, expired !== undefined, valid.size, date, u.required, culprit !== undefined ? culprit.source : u.source);
}

/**
 * Step 6: the model has no problem on this request (`n` resolved classes in `scratch`). `k` is the model's position
 * among the candidates (-1 for a degrade model that is not one) and `blocked` the OR of the classes' masks.
 */
function modelOk(u: UseCaseRec, m: ModelRec, k: number, region: string, scratch: readonly ClassRec[], n: number, day: number, blocked: number): boolean {
  if (m.revoked !== null || (m.windows.length > 0 && !anyValid(m.windows, day)) || !includes(m.regions, region)) return false;
  const flows = u.flows;
  if (flows === null || n === 0) return true;
  if (k >= 0 && u.maskable) return ((blocked >>> k) & 1) === 0;
  for (let i = 0; i < n; i++) {
    const f = flows[scratch[i]!.index] ?? null;
    if (f !== null && f.denied === null && !flowPermits(f, m)) return false;
  }
  return true;
}

/** Step 6 (model targets): an allowing rule permits a model it names, or any model of a provider it names. */
function flowPermits(f: FlowRec, m: ModelRec): boolean {
  return includes(f.providers, m.provider) || (f.models.length > 0 && includes(f.models, m.name));
}

/** Step 6: the model's problems, in the order of docs/semantics.md. */
function modelProblems(u: UseCaseRec, m: ModelRec, region: string, scratch: readonly ClassRec[], n: number, day: number, date: string, out: Reason[]): void {
  if (m.revoked !== null) out.push(m.revoked);
  else if (m.windows.length > 0 && !anyValid(m.windows, day)) out.push(modelApprovalReason(m.name, date, m.approvalSource));
  if (!includes(m.regions, region)) out.push(modelRegionReason(m.name, region, m.source));
  const flows = u.flows;
  if (flows === null) return;
  for (let i = 0; i < n; i++) {
    const dc = scratch[i]!;
    const f = flows[dc.index] ?? null;
    if (f !== null && f.denied === null && !flowPermits(f, m)) out.push(dataFlowReason(u.name, dc.name, m.provider, m.name, f.source));
  }
}

/** Step 7 for one class; pushes its denials. */
function classStep(u: UseCaseRec, dc: ClassRec, f: FlowRec | null, region: string, deny: Reason[]): void {
  if (f !== null) {
    if (f.denied !== null) deny.push(f.denied);
    else if (f.regions.length > 0 && !includes(f.regions, region)) deny.push(dataRegionReason(u.name, dc.name, region, f.source));
  } else if (dc.deny) deny.push(dataClassDefaultReason(u.name, dc.name, dc.source));
  if (dc.residency.length > 0 && !includes(dc.residency, region)) deny.push(residencyReason(dc.name, dc.residency, region, dc.source));
}

/**
 * Step 5 (v2 numbering), retrieval: each distinct corpus, sorted, must be declared, granted by the use case and
 * readable from the region; returns the effective classes (the request's and every granted, declared corpus's,
 * distinct and sorted). Called only for a request that names corpora, so other requests pay nothing.
 */
function retrieval(p: Program, u: UseCaseRec, corpora: readonly string[], region: string, classes: readonly string[], deny: Reason[]): readonly string[] {
  const all: string[] = [...classes];
  const names = classList(corpora);
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    const corpus = p.corpora.get(k);
    if (corpus === undefined) deny.push(unknownCorpusReason(k));
    else if (!includes(u.corpora, k)) deny.push(corpusNotAllowedReason(u.name, k, u.source));
    else {
      if (corpus.residency.length > 0 && !includes(corpus.residency, region)) deny.push(corpusRegionReason(k, region, corpus.source));
      for (let j = 0; j < corpus.classes.length; j++) all.push(corpus.classes[j]!);
    }
  }
  return all.length === classes.length ? classes : classList(all);
}

type Tool = NonNullable<AnyRequest['tool']>;

function scopeGranted(g: GrantRec, scope: string): boolean {
  for (let i = 0; i < g.exact.length; i++) if (g.exact[i] === scope) return true;
  for (let i = 0; i < g.prefixes.length; i++) if (scope.startsWith(g.prefixes[i]!)) return true;
  return false;
}

/** Step 8: the tool call's denials; returns whether the grant requires a human approval. */
function toolStep(u: UseCaseRec, tool: Tool, grant: GrantRec | undefined, day: number, date: string, deny: Reason[]): boolean {
  if (grant === undefined) {
    deny.push(toolNotAllowedReason(u.name, tool.name, u.source));
    return false;
  }
  if (grant.windows.length > 0 && !anyValid(grant.windows, day)) deny.push(toolApprovalReason(tool.name, date, grant.approvalSource));
  if (!scopeGranted(grant, tool.scope)) deny.push(toolScopeReason(u.name, tool.name, tool.scope, grant.source));
  else if (grant.humanApproval && tool.human_approved_by === undefined) deny.push(grant.humanRequired);
  return grant.humanApproval;
}

type Prompt = NonNullable<AnyRequest['prompt']>;

/** Step 4 (language v2): the request's prompt is pinned by the use case, at the pinned version and hash, and approved. */
function promptStep(u: UseCaseRec, prompt: Prompt, day: number, date: string, denied: Reason[] | null): Reason[] | null {
  let deny = denied;
  let p: PromptRec | undefined;
  for (let i = 0; i < u.prompts.length; i++) {
    if (u.prompts[i]!.name === prompt.name) {
      p = u.prompts[i]!;
      break;
    }
  }
  if (p === undefined) {
    (deny ??= []).push(promptNotAllowedReason(u.name, prompt.name, u.source));
    return deny;
  }
  if ((prompt.version !== undefined && prompt.version !== p.version) || (prompt.sha256 !== undefined && prompt.sha256 !== p.sha256)) {
    (deny ??= []).push(promptNotPinnedReason(u.name, p.name, p.version, p.sha256, p.source));
  }
  if (!anyValid(p.windows, day)) (deny ??= []).push(promptApprovalReason(p.name, date, p.approvalSource));
  return deny;
}

/**
 * Step 10 (language v2): the budget thresholds this request crosses (`spent` holds step 7's counters), on the model
 * that serves; null when it crosses none.
 */
function alertsOf(a: AlertRec, u: UseCaseRec, nums: Float64Array, spent: Float64Array, cost: number): AlertObligation[] | null {
  let out: AlertObligation[] | null = null;
  const b0 = u.budgetAt + 1;
  for (let i = 0; i < a.micros.length; i++) {
    const s = spent[i]!;
    const ts = a.micros[i]!;
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k]!;
      if (s < t && t <= s + cost) {
        const flags = nums[b0 + 3 * i]!;
        (out ??= []).push({ scope: flags >= 8 ? 'tenant' : 'use_case', period: PERIODS[flags & 7] as AlertObligation['period'], threshold_percent: a.percents[k]!, threshold_micros: t, notify: a.notify });
      }
    }
  }
  return out;
}

type Counters = Readonly<Record<string, number | undefined>> & {
  readonly day?: number;
  readonly week?: number;
  readonly month?: number;
  readonly quarter?: number;
  readonly year?: number;
};

/** `spend[scope][period]` if it is an own property (as the reference reads it), else undefined. */
function spent(spend: AnyRequest['spend'], flags: number): number | undefined {
  if (spend === undefined) return undefined;
  const o: Counters | undefined = flags >= 8 ? spend.tenant : spend.use_case;
  const period = flags & 7;
  if (o === undefined) return undefined;
  let v: number | undefined;
  let inherited: boolean;
  // Named loads (fast); then "own" is certain for a plain object when Object.prototype lacks the key.
  switch (period) {
    case 0: v = o.day; inherited = 'day' in OBJECT_PROTO; break;
    case 1: v = o.week; inherited = 'week' in OBJECT_PROTO; break;
    case 2: v = o.month; inherited = 'month' in OBJECT_PROTO; break;
    case 3: v = o.quarter; inherited = 'quarter' in OBJECT_PROTO; break;
    default: v = o.year; inherited = 'year' in OBJECT_PROTO; break;
  }
  if (v === undefined) return undefined;
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto === null || (proto === OBJECT_PROTO && !inherited)) return v;
  return hasOwn.call(o, PERIODS[period]!) ? v : undefined;
}

function decision(
  kind: 'allow' | 'degrade' | 'deny',
  useCase: string | null,
  model: ModelRec | null,
  reasons: readonly Reason[],
  message: string | null,
  obligations: Obligations | null,
  limits: Limits | null,
  trace: string | null,
  owner: string | null,
  principal: string | null,
  revision: string,
): Decision {
  return {
    decision: kind,
    allow: kind !== 'deny',
    use_case: useCase,
    model: model === null ? null : model.name,
    provider: model === null ? null : model.provider,
    reasons,
    message,
    obligations,
    limits,
    trace_id: trace,
    owner,
    principal,
    policy_revision: revision,
  };
}

/** Decides any value (parsed JSON, say) under a compiled program: a malformed request is denied with a reason, never thrown. */
export function decideRequest(p: Program, input: unknown): Decision {
  // One try around the whole decision (no call of its own): a value whose getters or Proxy traps throw cannot be
  // read, and is no request, as for the reference.
  try {
    let r = input as AnyRequest;
    if (!wellFormed(input)) {
      const problem = requestProblem(input);
      if (problem !== undefined) return decision('deny', null, null, [malformedReason(problem)], null, null, null, malformedTraceId(input), null, malformedPrincipal(input), p.revision);
      // Well-formed, but not plain data (a prototype chain, a long trace id...): decided on its own properties.
      r = ownRequest(input as Record<string, unknown>);
    }
    const trace = r.trace_id ?? null;
    const principal = r.principal ?? null;
    // 1. Use case.
    const u = p.useCases.get(r.use_case);
    if (u === undefined) return decision('deny', echo(r.use_case), null, [unknownUseCaseReason(r.use_case)], null, null, null, trace, null, principal, p.revision);
    const nums = p.nums;
    const scratch = p.scratch;
    const time = r.time;
    const day = dayOf(time);
    const region = r.region;
    const tokens = r.tokens;
    const ti = tokens === undefined ? 0 : tokens.input ?? 0;
    const to = tokens === undefined ? 0 : tokens.output ?? 0;
    let deny: Reason[] | null = null;

    // The request's classes, distinct and sorted, resolved once into `scratch`; undeclared ones are denied (step 7).
    let classes = classList(r.data_classes);
    // 5. Retrieval: corpora add their classes (the effective classes) before they are resolved.
    const corpora = r.corpora;
    if (corpora !== undefined) {
      const denied: Reason[] = [];
      classes = retrieval(p, u, corpora, region, classes, denied);
      if (denied.length > 0) (deny ??= []).push(...denied);
    }
    let n = 0;
    let blocked = 0;
    const flowAt = u.flowAt;
    for (let i = 0; i < classes.length; i++) {
      const dc = p.classes.get(classes[i]!);
      if (dc !== undefined) {
        scratch[n++] = dc;
        if (flowAt >= 0) blocked |= nums[flowAt + 2 * dc.index + 1]!;
      } else (deny ??= []).push(unknownDataClassReason(classes[i]!));
    }

    // 2. Identity: what the org requires of every request (precomputed reasons; null when not required).
    if (p.traceRequired !== null && trace === null) (deny ??= []).push(p.traceRequired);
    if (p.principalRequired !== null && principal === null) (deny ??= []).push(p.principalRequired);

    // 3. The use case's approvals.
    if (u.required > 0 && approvalsShort(nums, u, day)) (deny ??= []).push(approvalDenial(u, day, time.slice(0, 10)));

    // 4. Prompt.
    if (r.prompt !== undefined) deny = promptStep(u, r.prompt, day, time.slice(0, 10), deny);

    // 6. Model: the requested one, or the first usable of primary then fallbacks.
    const models = u.models;
    const wanted = r.model;
    let first: ModelRec | null = null;
    let chosen: ModelRec | null = null;
    let at = -1;
    if (wanted !== undefined) {
      for (let i = 0; i < models.length; i++) {
        if (models[i]!.name === wanted) {
          at = i;
          break;
        }
      }
      if (at < 0) (deny ??= []).push(modelNotAllowedReason(u.name, wanted, u.source));
      else {
        first = models[at]!;
        if (modelOk(u, first, at, region, scratch, n, day, blocked)) chosen = first;
      }
    } else if (models.length > 0) {
      first = models[0]!;
      for (let i = 0; i < models.length; i++) {
        if (modelOk(u, models[i]!, i, region, scratch, n, day, blocked)) {
          chosen = models[i]!;
          at = i;
          break;
        }
      }
    }
    if (chosen === null && first !== null) modelProblems(u, first, region, scratch, n, day, time.slice(0, 10), (deny ??= []));

    // 7. Data classes; the redaction of one class alone is a precomputed obligation.
    let redactOne = -1;
    let redactMany: RedactObligation[] | null = null;
    for (let i = 0; i < n; i++) {
      const dc = scratch[i]!;
      const flags = flowAt >= 0 ? nums[flowAt + 2 * dc.index]! : 0;
      if ((flags & 1) !== 0 ? (flags & 2) !== 0 || ((flags & 8) !== 0 && !includes(u.flows![dc.index]!.regions, region)) : dc.deny) {
        classStep(u, dc, u.flows === null ? null : u.flows[dc.index] ?? null, region, (deny ??= []));
      } else if (dc.residency.length > 0 && !includes(dc.residency, region)) classStep(u, dc, u.flows === null ? null : u.flows[dc.index] ?? null, region, (deny ??= []));
      if (!((flags & 1) !== 0 ? (flags & 4) !== 0 : dc.redact)) continue;
      if (redactOne < 0) redactOne = dc.index;
      else (redactMany ??= [p.classRecs[redactOne]!.obligation]).push(dc.obligation);
    }

    // 8. Tool call.
    let humanApproval = false;
    const tool = r.tool;
    if (tool !== undefined) {
      let grant: GrantRec | undefined;
      const id = p.toolIndex.get(tool.name);
      if (id !== undefined) {
        const ids = u.toolIds;
        for (let i = 0; i < ids.length; i++) {
          if (ids[i] === id) {
            grant = u.grants[i]!;
            break;
          }
        }
      }
      if (
        grant !== undefined &&
        (grant.windows.length === 0 || anyValid(grant.windows, day)) &&
        scopeGranted(grant, tool.scope) &&
        (!grant.humanApproval || tool.human_approved_by !== undefined)
      ) humanApproval = grant.humanApproval;
      else humanApproval = toolStep(u, tool, grant, day, time.slice(0, 10), (deny ??= []));
    }

    // 9. Rate limits.
    let rateOut = false;
    let q = u.rateAt;
    const nRates = nums[q++]!;
    if (nRates > 0) {
      const rate = r.rate;
      for (let i = 0; i < nRates; i++, q += 2) {
        const flags = nums[q]!;
        const byScope = rate === undefined ? undefined : flags >= 2 ? rate.tenant : rate.use_case;
        const used = byScope === undefined ? undefined : (flags & 1) === 1 ? byScope.tokens : byScope.requests;
        if (used === undefined) (deny ??= []).push(u.rateReasons[2 * i]!);
        else if (used + ((flags & 1) === 1 ? ti + to : 1) > nums[q + 1]!) {
          (deny ??= []).push(u.rateReasons[2 * i + 1]!);
          rateOut = true;
        }
      }
    }

    // 10. Budgets, priced on the chosen model.
    let budgetOut = false;
    let degradeTo: ModelRec | null = null;
    const b0 = u.budgetAt + 1;
    const nBudgets = nums[b0 - 1]!;
    if (chosen !== null && nBudgets > 0) {
      const spend = r.spend;
      const spentNow = p.spent;
      let missing = false;
      for (let i = 0; i < nBudgets; i++) {
        const v = spent(spend, nums[b0 + 3 * i]!);
        if (v === undefined) {
          missing = true;
          (deny ??= []).push(u.budgetReasons[2 * i]!);
        } else spentNow[i] = v;
      }
      if (!missing) {
        const cost = Math.ceil((ti * chosen.inNanos + to * chosen.outNanos) / 1000);
        let exceeded = -1;
        for (let i = 0; i < nBudgets; i++) {
          if (spentNow[i]! + cost > nums[b0 + 3 * i + 1]!) {
            exceeded = i;
            break;
          }
        }
        if (exceeded >= 0) {
          const d = u.degrade;
          let can = d !== null && d !== chosen && modelOk(u, d, models.indexOf(d), region, scratch, n, day, blocked);
          if (can) {
            const costD = Math.ceil((ti * d!.inNanos + to * d!.outNanos) / 1000);
            for (let i = 0; i < nBudgets; i++) {
              if (spentNow[i]! + costD > nums[b0 + 3 * i + 2]!) {
                can = false;
                break;
              }
            }
          }
          if (can) degradeTo = d;
          else {
            (deny ??= []).push(u.budgetReasons[2 * exceeded + 1]!);
            budgetOut = true;
          }
        }
      }
    }

    // 11. Result.
    let obligations: Obligations;
    if (redactMany !== null) obligations = { ...u.template, redact: redactMany, human_approval: humanApproval };
    else if (redactOne >= 0) obligations = (humanApproval ? u.singleHA : u.single)[redactOne]!;
    else obligations = humanApproval ? u.obligationsHA : u.obligations;
    if (deny !== null) return decision('deny', u.name, null, sortReasons(deny), budgetOut ? u.budgetMessage : rateOut ? u.rateMessage : null, obligations, u.limits, trace, u.owner, principal, p.revision);
    // 10. Alerts (language v2), on the model that serves: only for a use case with `budget_alert`.
    const served = degradeTo ?? chosen;
    if (u.alerts !== null && served !== null && nBudgets > 0) {
      const alerts = alertsOf(u.alerts, u, nums, p.spent, Math.ceil((ti * served.inNanos + to * served.outNanos) / 1000));
      if (alerts !== null) obligations = { ...obligations, alerts };
    }
    // Without a denial a model was chosen, unless the use case lists none (then the allow names no model).
    const fallback = wanted === undefined && at > 0;
    if (degradeTo !== null) return decision('degrade', u.name, degradeTo, (fallback ? u.degradedFallback : u.degraded)[at]!, null, obligations, u.limits, trace, u.owner, principal, p.revision);
    return decision('allow', u.name, chosen, fallback ? u.allowedFallback[at]! : u.allowed, null, obligations, u.limits, trace, u.owner, principal, p.revision);
  } catch {
    return decision('deny', null, null, [malformedReason(requestProblem(undefined)!)], null, null, null, null, null, null, p.revision);
  }
}
