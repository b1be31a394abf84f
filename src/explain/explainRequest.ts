import { REASONS } from '../decision/reasons.js';
import type { Decision, Reason } from '../decision/types.js';
import { firstRequestProblem } from '../decision/validateRequest.js';
import { approvalValid, costMicros, evaluate } from '../eval/evaluate.js';
import type { IrModel, IrProgram, IrUseCase } from '../ir/types.js';
import { compareCodePoints } from '../util/compare.js';
import { irWith, type ExplainProgram } from './ExplainProgram.js';

/**
 * `govc explain --request`: the reference evaluator's decision, and beside it each step of docs/semantics.md "The
 * algorithm" with what it compared. The comparisons are made here again, in the semantics' order, so a governor
 * can follow them; whether a step denies is decided from those comparisons, and test/explain-request.test.ts
 * proves on every example corpus and on random requests that the failing steps are exactly the steps of the
 * decision's deny reasons.
 */

/** One comparison of a step. */
export interface StepCheck {
  /** What was compared, in words. */
  readonly what: string;
  /** Whether the comparison holds. */
  readonly ok: boolean;
  /** Whether it denies the request (a failed comparison may not: a primary model with problems, when a fallback serves). */
  readonly denies: boolean;
  /** Where the rule compared against is written (`file:line:col`), null for the request itself. */
  readonly source: string | null;
}

export type StepStatus = 'passed' | 'failed' | 'not_applicable';

export interface ExplainedStep {
  readonly step: number;
  readonly title: string;
  readonly status: StepStatus;
  readonly checks: readonly StepCheck[];
  /** The decision's reasons this step gives (deny and informational), as the decision holds them. */
  readonly reasons: readonly Reason[];
}

export interface RequestExplanation {
  /** `evaluate`'s decision, unchanged. */
  readonly decision: Decision;
  readonly steps: readonly ExplainedStep[];
}

export const STEP_TITLES: Readonly<Record<number, string>> = {
  0: 'Request is well-formed',
  1: 'Use case',
  2: 'Identity',
  3: 'Use-case approvals',
  4: 'Prompt',
  5: 'Retrieval',
  6: 'Model',
  7: 'Data classes',
  8: 'Tool call',
  9: 'Rate limits',
  10: 'Budgets and alerts',
  11: 'Result',
};

/** The step of docs/semantics.md a reason comes from (`counter_missing` is step 9 for a rate, 10 for a budget). */
export function stepOf(r: Reason): number {
  if (r.code === 'counter_missing') return r.rule.endsWith('/rate') ? 9 : 10;
  for (const spec of Object.values(REASONS)) if (spec.code === r.code) return spec.step;
  return 11;
}

type Req = {
  trace_id?: string;
  principal?: string;
  use_case: string;
  model?: string;
  region: string;
  data_classes?: string[];
  tool?: { name: string; scope: string; human_approved_by?: string };
  tokens?: { input?: number; output?: number };
  spend?: Partial<Record<'use_case' | 'tenant', Record<string, number>>>;
  rate?: Partial<Record<'use_case' | 'tenant', { requests?: number; tokens?: number }>>;
  corpora?: string[];
  time: string;
  prompt?: { name: string; version?: string; sha256?: string };
};

function own<T>(t: Readonly<Record<string, T>>, k: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(t, k) ? t[k] : undefined;
}

const q = (s: string): string => `\`${s}\``;
const list = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.map(q).join(', '));
const money = (micros: number, currency: string): string => `${(micros / 1e6).toFixed(6).replace(/\.?0+$/, '')} ${currency}`;

/** Explains one request (a JSON value) against the program. Never throws. */
export function explainRequest(p: ExplainProgram, request: unknown): RequestExplanation {
  const useCase = typeof request === 'object' && request !== null && typeof (request as { use_case?: unknown }).use_case === 'string' ? (request as { use_case: string }).use_case : '';
  const ir = irWith(p, useCase);
  const decision = evaluate(ir, request);
  const byStep = new Map<number, Reason[]>();
  for (const r of decision.reasons) {
    const s = stepOf(r);
    byStep.set(s, [...(byStep.get(s) ?? []), r]);
  }
  const steps: ExplainedStep[] = [];
  const push = (step: number, checks: StepCheck[], applicable = true): void => {
    const status: StepStatus = !applicable ? 'not_applicable' : checks.some((c) => c.denies) ? 'failed' : 'passed';
    steps.push({ step, title: STEP_TITLES[step]!, status, checks, reasons: byStep.get(step) ?? [] });
  };
  const problem = firstRequestProblem(request as never);
  if (problem !== undefined) {
    push(0, [{ what: `the request is not well-formed: ${problem}`, ok: false, denies: true, source: null }]);
    push(11, [{ what: 'decision: deny (a malformed request is never decided further)', ok: true, denies: false, source: null }]);
    return { decision, steps };
  }
  push(0, [{ what: 'every field has the type and bounds docs/semantics.md gives it', ok: true, denies: false, source: null }]);
  const r = request as Req;
  const uc = own(ir.use_cases, r.use_case);
  if (!uc) {
    push(1, [{ what: `use case ${q(r.use_case)} is not declared`, ok: false, denies: true, source: null }]);
    push(11, [{ what: 'decision: deny (no use case, nothing else is decided)', ok: true, denies: false, source: null }]);
    return { decision, steps };
  }
  push(1, [{ what: `use case ${q(uc.name)} is declared (tier ${q(uc.tier)}, owner ${uc.owner})`, ok: true, denies: false, source: uc.source }]);
  const date = r.time.slice(0, 10);
  push(2, identity(ir, r));
  push(3, approvals(uc, date));
  push(4, promptChecks(ir, uc, r, date), r.prompt !== undefined);
  const retrieval = retrievalChecks(ir, uc, r);
  push(5, retrieval.checks, r.corpora !== undefined);
  const model = modelChecks(ir, uc, r, retrieval.classes, date);
  push(6, model.checks);
  push(7, dataChecks(ir, uc, r, retrieval.classes), retrieval.classes.length > 0);
  push(8, toolChecks(ir, uc, r, date), r.tool !== undefined);
  push(9, rateChecks(uc, r), uc.rate_limits.length > 0);
  const budgets = budgetChecks(ir, uc, r, model.chosen, retrieval.classes, date);
  for (const a of decision.obligations?.alerts ?? []) {
    budgets.push({ what: `alert: this request reaches ${a.threshold_percent}% of the ${a.scope === 'tenant' ? 'per-tenant ' : ''}budget per ${a.period} (${money(a.threshold_micros, ir.org.currency)}); ${a.notify} is told`, ok: true, denies: false, source: uc.budget_alerts?.source ?? uc.source });
  }
  push(10, budgets, uc.budgets.length > 0 && model.chosen !== null);
  const denied = steps.filter((s) => s.status === 'failed').map((s) => s.step);
  const result =
    denied.length > 0
      ? `deny: step${denied.length === 1 ? '' : 's'} ${denied.join(', ')} denied the request`
      : `${decision.decision}: no step denied; model ${q(decision.model ?? '')} of provider ${q(decision.provider ?? '')} serves`;
  push(11, [{ what: result, ok: true, denies: false, source: uc.source }]);
  return { decision, steps };
}

function identity(ir: IrProgram, r: Req): StepCheck[] {
  const req = ir.org.require;
  const src = req.source ?? ir.org.source;
  if (!req.trace_id && !req.principal) return [{ what: `org ${q(ir.org.name)} requires no trace id nor principal`, ok: true, denies: false, source: req.source }];
  const out: StepCheck[] = [];
  if (req.trace_id) {
    const ok = r.trace_id !== undefined;
    out.push({ what: `org requires a trace id: the request ${ok ? `has ${q(r.trace_id!)}` : 'has none'}`, ok, denies: !ok, source: src });
  }
  if (req.principal) {
    const ok = r.principal !== undefined;
    out.push({ what: `org requires a principal: the request ${ok ? `has ${q(r.principal!)}` : 'has none'}`, ok, denies: !ok, source: src });
  }
  return out;
}

function approvals(uc: IrUseCase, date: string): StepCheck[] {
  const out: StepCheck[] = uc.approvals.map((a) => {
    const ok = approvalValid(a, date);
    const span = `from ${a.on ?? 'any date'} through ${a.expires ?? 'never'}`;
    const why = ok ? 'valid' : a.expires !== null && a.expires < date ? `expired before ${date}` : `not yet valid on ${date}`;
    return { what: `approval by ${a.approver}${a.ticket !== null ? ` (${a.ticket})` : ''}, valid ${span}: ${why}`, ok, denies: false, source: a.source };
  });
  const valid = new Set(uc.approvals.filter((a) => approvalValid(a, date)).map((a) => a.approver)).size;
  const ok = valid >= uc.required_approvers;
  out.push({ what: `${valid} distinct valid approver${valid === 1 ? '' : 's'} on ${date}; tier ${q(uc.tier)} requires ${uc.required_approvers}`, ok, denies: !ok, source: uc.approvals.find((a) => !approvalValid(a, date))?.source ?? uc.source });
  return out;
}

function promptChecks(ir: IrProgram, uc: IrUseCase, r: Req, date: string): StepCheck[] {
  if (r.prompt === undefined) return [{ what: 'the request names no prompt', ok: true, denies: false, source: null }];
  const pinned = uc.prompts.includes(r.prompt.name) ? own(ir.prompts, r.prompt.name) : undefined;
  if (!pinned) return [{ what: `prompt ${q(r.prompt.name)} against the pinned prompts ${list(uc.prompts)}: not pinned`, ok: false, denies: true, source: uc.source }];
  const out: StepCheck[] = [{ what: `prompt ${q(pinned.name)} is pinned by the use case`, ok: true, denies: false, source: uc.source }];
  if (r.prompt.version !== undefined) {
    const ok = r.prompt.version === pinned.version;
    out.push({ what: `requested version ${q(r.prompt.version)} against the pinned ${q(pinned.version)}`, ok, denies: !ok, source: pinned.source });
  }
  if (r.prompt.sha256 !== undefined) {
    const ok = r.prompt.sha256 === pinned.sha256;
    out.push({ what: `requested sha256 ${q(r.prompt.sha256.slice(0, 12))}… against the pinned ${q(pinned.sha256.slice(0, 12))}…`, ok, denies: !ok, source: pinned.source });
  }
  const ok = pinned.approvals.some((a) => approvalValid(a, date));
  out.push({ what: `the prompt's approvals on ${date}: ${ok ? 'one is valid' : 'none is valid'}`, ok, denies: !ok, source: pinned.approvals[0]?.source ?? pinned.source });
  return out;
}

function retrievalChecks(ir: IrProgram, uc: IrUseCase, r: Req): { checks: StepCheck[]; classes: string[] } {
  const effective = new Set(r.data_classes ?? []);
  const checks: StepCheck[] = [];
  if (r.corpora === undefined) {
    checks.push({ what: 'the request reads no corpus', ok: true, denies: false, source: null });
    return { checks, classes: [...effective].sort(compareCodePoints) };
  }
  for (const k of [...new Set(r.corpora)].sort(compareCodePoints)) {
    const corpus = own(ir.corpora, k);
    if (!corpus) {
      checks.push({ what: `corpus ${q(k)} is not declared`, ok: false, denies: true, source: null });
      continue;
    }
    if (!uc.corpora.includes(k)) {
      checks.push({ what: `corpus ${q(k)} against the use case's retrieval ${list(uc.corpora)}: not granted`, ok: false, denies: true, source: uc.source });
      continue;
    }
    if (corpus.residency.length > 0) {
      const ok = corpus.residency.includes(r.region);
      checks.push({ what: `region ${q(r.region)} against corpus ${q(k)}'s residency ${list(corpus.residency)}`, ok, denies: !ok, source: corpus.source });
    } else checks.push({ what: `corpus ${q(k)} is granted and may be read from any region`, ok: true, denies: false, source: corpus.source });
    if (corpus.data_classes.length > 0) checks.push({ what: `corpus ${q(k)} adds its data classes ${list(corpus.data_classes)}`, ok: true, denies: false, source: corpus.source });
    for (const c of corpus.data_classes) effective.add(c);
  }
  return { checks, classes: [...effective].sort(compareCodePoints) };
}

/** A model's problems on this request (step 6), as checks; `denies` is set by the caller. */
function modelProblemChecks(ir: IrProgram, uc: IrUseCase, name: string, region: string, classes: readonly string[], date: string): StepCheck[] {
  const m = own(ir.models, name);
  if (!m) return [];
  const out: StepCheck[] = [];
  if (m.status === 'revoked') out.push({ what: `model ${q(name)} status is revoked`, ok: false, denies: false, source: m.source });
  else if (m.approvals.length > 0) {
    const ok = m.approvals.some((a) => approvalValid(a, date));
    out.push({ what: `model ${q(name)}'s approvals on ${date}: ${ok ? 'one is valid' : 'none is valid'}`, ok, denies: false, source: m.approvals[0]!.source });
  } else out.push({ what: `model ${q(name)} is ${m.status} and declares no approval`, ok: true, denies: false, source: m.source });
  out.push({ what: `region ${q(region)} against model ${q(name)}'s regions ${list(m.regions)}`, ok: m.regions.includes(region), denies: false, source: m.source });
  for (const c of classes) {
    const flow = own(uc.data, c);
    if (flow && flow.action === 'allow') {
      const ok = flow.providers.includes(m.provider) || flow.models.includes(name);
      const targets = [...flow.providers.map((x) => `provider ${q(x)}`), ...flow.models.map((x) => `model ${q(x)}`)].join(', ') || 'nothing';
      out.push({ what: `data class ${q(c)} may reach ${targets}: model ${q(name)} of provider ${q(m.provider)} ${ok ? 'is' : 'is not'} among them`, ok, denies: false, source: flow.source });
    }
  }
  return out;
}

function modelChecks(ir: IrProgram, uc: IrUseCase, r: Req, classes: readonly string[], date: string): { checks: StepCheck[]; chosen: string | null } {
  const checks: StepCheck[] = [];
  let candidates = [...uc.models];
  if (r.model !== undefined) {
    if (!uc.models.includes(r.model)) {
      checks.push({ what: `requested model ${q(r.model)} against the use case's models ${list(uc.models)}: not among them`, ok: false, denies: true, source: uc.source });
      return { checks, chosen: null };
    }
    checks.push({ what: `requested model ${q(r.model)} is one of the use case's models`, ok: true, denies: false, source: uc.source });
    candidates = [r.model];
  } else checks.push({ what: `no model requested: candidates in order ${list(candidates)}`, ok: true, denies: false, source: uc.source });
  let chosen: string | null = null;
  const tried: StepCheck[][] = [];
  for (const name of candidates) {
    const problems = modelProblemChecks(ir, uc, name, r.region, classes, date);
    tried.push(problems);
    if (problems.every((c) => c.ok)) {
      chosen = name;
      break;
    }
  }
  // With no usable candidate, the first candidate's problems deny (docs/semantics.md step 6).
  tried.forEach((problems, i) => checks.push(...problems.map((c) => ({ ...c, denies: chosen === null && i === 0 && !c.ok }))));
  if (chosen !== null) {
    const fallback = chosen !== candidates[0];
    checks.push({ what: fallback ? `fallback ${q(chosen)} serves: ${q(candidates[0]!)} cannot` : `model ${q(chosen)} has no problem and is chosen`, ok: true, denies: false, source: uc.source });
  } else if (candidates.length > 0) checks.push({ what: `no candidate can serve; the first one's problems deny`, ok: false, denies: false, source: uc.source });
  return { checks, chosen };
}

function dataChecks(ir: IrProgram, uc: IrUseCase, r: Req, classes: readonly string[]): StepCheck[] {
  if (classes.length === 0) return [{ what: 'the request carries no data class', ok: true, denies: false, source: null }];
  const out: StepCheck[] = [];
  for (const c of classes) {
    const dc = own(ir.data_classes, c);
    if (!dc) {
      out.push({ what: `data class ${q(c)} is not declared`, ok: false, denies: true, source: null });
      continue;
    }
    const flow = own(uc.data, c);
    if (flow?.action === 'deny') out.push({ what: `data class ${q(c)}: the use case says \`deny\``, ok: false, denies: true, source: flow.source });
    else if (flow) {
      if (flow.regions.length > 0) {
        const ok = flow.regions.includes(r.region);
        out.push({ what: `data class ${q(c)} may flow only in ${list(flow.regions)}: request region ${q(r.region)}`, ok, denies: !ok, source: flow.source });
      } else out.push({ what: `data class ${q(c)} is allowed by the use case${flow.redacted ? ', redacted' : ''}`, ok: true, denies: false, source: flow.source });
    } else {
      const ok = dc.default !== 'deny';
      out.push({ what: `data class ${q(c)}: no rule in the use case, the class default is \`${dc.default}\``, ok, denies: !ok, source: dc.source });
    }
    if (dc.residency.length > 0) {
      const ok = dc.residency.includes(r.region);
      out.push({ what: `data class ${q(c)} must stay in ${list(dc.residency)}: request region ${q(r.region)}`, ok, denies: !ok, source: dc.source });
    }
  }
  return out;
}

function toolChecks(ir: IrProgram, uc: IrUseCase, r: Req, date: string): StepCheck[] {
  if (r.tool === undefined) return [{ what: 'the request makes no tool call', ok: true, denies: false, source: null }];
  const t = r.tool;
  const grant = own(uc.tools, t.name);
  if (!grant) return [{ what: `tool ${q(t.name)} against the granted tools ${list(Object.keys(uc.tools).sort())}: not granted`, ok: false, denies: true, source: uc.source }];
  const out: StepCheck[] = [{ what: `tool ${q(t.name)} is granted`, ok: true, denies: false, source: grant.source }];
  const tool = own(ir.tools, t.name);
  if (tool && tool.approvals.length > 0) {
    const ok = tool.approvals.some((a) => approvalValid(a, date));
    out.push({ what: `the tool's approvals on ${date}: ${ok ? 'one is valid' : 'none is valid'}`, ok, denies: !ok, source: tool.approvals[0]!.source });
  }
  const scopeOk = grant.scopes.some((g) => (g.endsWith('*') ? t.scope.startsWith(g.slice(0, -1)) : g === t.scope));
  out.push({ what: `scope ${q(t.scope)} against the granted scopes ${list(grant.scopes)}`, ok: scopeOk, denies: !scopeOk, source: grant.source });
  if (scopeOk && grant.human_approval) {
    const ok = t.human_approved_by !== undefined;
    out.push({ what: `the grant requires a human approval before each call: ${ok ? 'one was given' : 'none was given'}`, ok, denies: !ok, source: grant.source });
  }
  return out;
}

function rateChecks(uc: IrUseCase, r: Req): StepCheck[] {
  if (uc.rate_limits.length === 0) return [{ what: 'the use case has no rate limit', ok: true, denies: false, source: null }];
  const tokens = (r.tokens?.input ?? 0) + (r.tokens?.output ?? 0);
  return uc.rate_limits.map((l) => {
    const used = r.rate?.[l.scope]?.[l.kind];
    const scope = l.scope === 'tenant' ? 'per tenant' : 'for the use case';
    if (used === undefined) return { what: `counter \`rate.${l.scope}.${l.kind}\` (limit ${l.per_minute} ${l.kind} per minute ${scope}) was not sent`, ok: false, denies: true, source: l.source };
    const add = l.kind === 'requests' ? 1 : tokens;
    const ok = used + add <= l.per_minute;
    return { what: `${l.kind} per minute ${scope}: ${used} used + ${add} = ${used + add} against the limit ${l.per_minute}`, ok, denies: !ok, source: l.source };
  });
}

function budgetChecks(ir: IrProgram, uc: IrUseCase, r: Req, chosen: string | null, classes: readonly string[], date: string): StepCheck[] {
  if (uc.budgets.length === 0) return [{ what: 'the use case has no budget', ok: true, denies: false, source: null }];
  if (chosen === null) return [{ what: 'no model was chosen: budgets are not priced', ok: true, denies: false, source: null }];
  const cur = ir.org.currency;
  const spendOf = (scope: 'use_case' | 'tenant', period: string): number | undefined => {
    const t = r.spend?.[scope];
    return t === undefined ? undefined : own(t, period);
  };
  const missing = uc.budgets.filter((b) => spendOf(b.scope, b.period) === undefined);
  if (missing.length > 0) return missing.map((b) => ({ what: `counter \`spend.${b.scope}.${b.period}\` (budget ${money(b.amount_micros, cur)} per ${b.period}) was not sent`, ok: false, denies: true, source: b.source }));
  const tIn = r.tokens?.input ?? 0;
  const tOut = r.tokens?.output ?? 0;
  const cost = costMicros(ir.models[chosen]!, tIn, tOut);
  const exceeded = uc.budgets.filter((b) => spendOf(b.scope, b.period)! + cost > b.amount_micros);
  const out: StepCheck[] = [];
  const target = uc.on_budget_exhausted?.degrade_to ?? null;
  let degrade = false;
  let degradeWhy = '';
  if (exceeded.length > 0 && target !== null) {
    const m = own(ir.models, target) as IrModel | undefined;
    const problems = m ? modelProblemChecks(ir, uc, target, r.region, classes, date).filter((c) => !c.ok) : [];
    const dCost = m ? costMicros(m, tIn, tOut) : 0;
    const capped = uc.budgets.filter((b) => spendOf(b.scope, b.period)! + dCost > b.hard_limit_micros);
    degrade = target !== chosen && m !== undefined && problems.length === 0 && capped.length === 0;
    degradeWhy =
      target === chosen
        ? `the degrade model ${q(target)} is the model already chosen`
        : m === undefined
          ? `the degrade model ${q(target)} is not declared`
          : problems.length > 0
            ? `the degrade model ${q(target)} cannot serve: ${problems.map((c) => c.what).join('; ')}`
            : capped.length > 0
              ? `on ${q(target)} (cost ${money(dCost, cur)}) the hard cap is passed: ${capped.map((b) => `${money(spendOf(b.scope, b.period)!, cur)} + ${money(dCost, cur)} > ${money(b.hard_limit_micros, cur)}`).join(', ')}`
              : `degrading to ${q(target)} (cost ${money(dCost, cur)}) stays within every hard cap`;
  }
  for (const b of uc.budgets) {
    const spent = spendOf(b.scope, b.period)!;
    const ok = spent + cost <= b.amount_micros;
    const scope = b.scope === 'tenant' ? 'per tenant' : 'for the use case';
    out.push({
      what: `budget per ${b.period} ${scope}: ${money(spent, cur)} spent + ${money(cost, cur)} on ${q(chosen)} = ${money(spent + cost, cur)} against ${money(b.amount_micros, cur)} (hard cap ${money(b.hard_limit_micros, cur)})`,
      ok,
      denies: !ok && !degrade && b === exceeded[0],
      source: b.source,
    });
  }
  if (exceeded.length > 0) {
    out.push({
      what: target === null ? 'a budget is exhausted and the use case cannot degrade: refused' : degrade ? `degraded: ${degradeWhy}` : `cannot degrade: ${degradeWhy}`,
      ok: degrade,
      denies: false,
      source: uc.on_budget_exhausted?.source ?? exceeded[0]!.source,
    });
  }
  return out;
}
