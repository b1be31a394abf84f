import { EMPTY, freezeDeep } from '../decideSupport.js';
import type { Obligations, Reason, RedactObligation } from '../types.js';
import {
  allowedReason,
  budgetCounterMissingReason,
  budgetExhaustedReason,
  dataClassDeniedReason,
  degradedReason,
  fallbackReason,
  humanApprovalReason,
  modelRevokedReason,
  principalRequiredReason,
  rateCounterMissingReason,
  rateLimitedReason,
  traceIdRequiredReason,
} from './reasons.js';
import type { AlertRec, Approval, ClassRec, FlowRec, GrantRec, ModelRec, Program, PromptRec, Span, UseCaseRec } from './records.js';
import type { AlertSpec, ApprovalSpec, ClassSpec, GuardTables, ModelSpec, PromptSpec, ToolSpec, UseCaseSpec } from './tables.js';

/**
 * Compiles a program's tables into the records a decision reads (records.ts): the model candidates with their
 * static facts, the data-flow table indexed by data class, the tool grants, the approvals, rate limits, budgets and
 * data rules packed into one Float64Array, and the precomputed parts of decisions (reasons, obligations, limits),
 * deeply frozen so that decisions can hand them out as they are.
 */

const PERIODS = ['day', 'week', 'month', 'quarter', 'year'];

/**
 * Freezes a record's objects, deeply (Map entries included). Arrays are left as they are: every array a decision
 * returns (reasons, redactions, limits, detectors) is frozen with freezeDeep where it is built, and the others are
 * lookup lists the decision reads, which V8 (Node 20) would read on a slow path once frozen (about 100 ns a
 * decision, measured); no code outside the engine can reach them.
 */
function freezeRecord<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    if (value instanceof Map) for (const v of value.values()) freezeRecord(v);
    for (const v of Object.values(value)) freezeRecord(v);
    if (!Array.isArray(value)) Object.freeze(value);
  }
  return value;
}

/** `YYYY-MM-DD` as the number YYYYMMDD; null (an open bound) as `open`. */
function dayNumber(date: string | null, open: number): number {
  return date === null ? open : Number(date.slice(0, 4)) * 10000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));
}

function approvalOf(a: ApprovalSpec): Approval {
  return { approver: a[0], on: dayNumber(a[1], -1), expires: dayNumber(a[2], 1e9), source: a[3] };
}

function modelRec(m: ModelSpec): ModelRec {
  return {
    name: m.name,
    provider: m.provider,
    revoked: m.status === 'revoked' ? modelRevokedReason(m.name, m.source) : null,
    windows: m.approvals.map(approvalOf),
    approvalSource: m.approvals.length > 0 ? m.approvals[0]![3] : m.source,
    regions: m.regions,
    inNanos: m.price[0],
    outNanos: m.price[1],
    source: m.source,
  };
}

function classRec(c: ClassSpec, index: number): ClassRec {
  return {
    name: c.name,
    index,
    deny: c.default === 'deny',
    redact: c.default === 'redact',
    residency: c.residency,
    obligation: freezeDeep({ data_class: c.name, detectors: c.detectors.map((d) => d[0]) }),
    source: c.source,
  };
}

/** The program-wide tables a use case's record is built against, and the numbers being packed. */
interface Context {
  readonly models: ReadonlyMap<string, ModelRec>;
  readonly classRecs: readonly ClassRec[];
  readonly classes: ReadonlyMap<string, ClassRec>;
  readonly tools: ReadonlyMap<string, ToolSpec>;
  readonly toolIndex: ReadonlyMap<string, number>;
  readonly nums: number[];
}

/** The use case's precomputed obligations with the request-dependent fields set (key order kept: the IR's). */
function obligationsOf(u: UseCaseSpec, redact: readonly RedactObligation[], humanApproval: boolean): Obligations {
  return freezeDeep({ ...structuredClone(u.obligations), redact, human_approval: humanApproval });
}

/** Language v2: a pinned prompt's record (step 4). */
function promptRec(p: PromptSpec): PromptRec {
  const approvals = p[3];
  return { name: p[0], version: p[1], sha256: p[2], windows: approvals.map(approvalOf), approvalSource: approvals.length > 0 ? approvals[0]![3] : p[4], source: p[4] };
}

/** Language v2: `budget_alert` (step 10). */
function alertRec(a: AlertSpec | null): AlertRec | null {
  return a === null ? null : { notify: a[0], percents: a[1], micros: a[2] };
}

function packApprovals(u: UseCaseSpec, nums: number[]): number {
  const byApprover = new Map<string, Span[]>();
  for (const a of u.approvals) {
    const list = byApprover.get(a[0]);
    if (list === undefined) byApprover.set(a[0], [approvalOf(a)]);
    else list.push(approvalOf(a));
  }
  const at = nums.length;
  nums.push(u.required_approvers, byApprover.size);
  for (const spans of byApprover.values()) {
    nums.push(spans.length);
    for (const span of spans) nums.push(span.on, span.expires);
  }
  return at;
}

function flowRecs(u: UseCaseSpec, cx: Context): (FlowRec | null)[] {
  const flows: (FlowRec | null)[] = cx.classRecs.map(() => null);
  for (const f of u.data) {
    // INVARIANT (checked by the generator): data rules name declared classes.
    const index = cx.classes.get(f[0])!.index;
    if (f[1] === 'deny') flows[index] = { denied: dataClassDeniedReason(u.name, f[0], f[2]), providers: EMPTY, models: EMPTY, regions: EMPTY, redacted: false, source: f[2] };
    else flows[index] = { denied: null, providers: f[2], models: f[6] ?? EMPTY, regions: f[3], redacted: f[4], source: f[5] };
  }
  return flows;
}

function grantRec(useCase: string, grant: UseCaseSpec['tools'][number], cx: Context): GrantRec {
  const [tool, scopes, humanApproval, source] = grant;
  const approvals = cx.tools.get(tool)?.approvals ?? EMPTY;
  return freezeRecord({
    exact: scopes.filter((s) => !s.endsWith('*')),
    prefixes: scopes.filter((s) => s.endsWith('*')).map((s) => s.slice(0, -1)),
    humanApproval,
    humanRequired: humanApprovalReason(useCase, tool, source),
    windows: approvals.map(approvalOf),
    approvalSource: approvals.length > 0 ? approvals[0]![3] : source,
    source,
  });
}

function useCaseRec(u: UseCaseSpec, cx: Context): UseCaseRec {
  const rule = `use_case/${u.name}`;
  const nums = cx.nums;
  // INVARIANT (checked by the generator): use cases name declared models.
  const models = u.models.map((m) => cx.models.get(m)!);
  const at = packApprovals(u, nums);
  const rateAt = nums.length;
  nums.push(u.rates.length);
  for (const [scope, kind, perMinute] of u.rates) nums.push((scope === 'tenant' ? 2 : 0) + (kind === 'tokens' ? 1 : 0), perMinute);
  const budgetAt = nums.length;
  nums.push(u.budgets.length);
  for (const [scope, period, amount, hard] of u.budgets) nums.push((scope === 'tenant' ? 8 : 0) + PERIODS.indexOf(period), amount, hard);
  const flows = flowRecs(u, cx);
  // INVARIANT (checked by the generator): grants name declared tools.
  const toolIds = u.tools.map(([tool]) => cx.toolIndex.get(tool)!);
  const grants = u.tools.map((g) => grantRec(u.name, g, cx));
  const redactedAlone = (c: ClassRec): boolean => {
    const f = flows[c.index] ?? null;
    return f === null ? c.redact : f.redacted;
  };
  const single = cx.classRecs.map((c) => (redactedAlone(c) ? obligationsOf(u, freezeDeep([c.obligation]), false) : null));
  const singleHA = cx.classRecs.map((c) => (redactedAlone(c) ? obligationsOf(u, freezeDeep([c.obligation]), true) : null));
  const maskable = models.length <= 31;
  let flowAt = -1;
  if (u.data.length > 0) {
    flowAt = nums.length;
    for (const f of flows) {
      let mask = 0;
      if (f !== null && f.denied === null && maskable) models.forEach((m, k) => { if (!f.providers.includes(m.provider) && !f.models.includes(m.name)) mask |= 1 << k; });
      nums.push(f === null ? 0 : 1 + (f.denied !== null ? 2 : 0) + (f.redacted ? 4 : 0) + (f.regions.length > 0 ? 8 : 0), mask);
    }
  }
  // `allowed` and `limits` are rendered from the contract and the budget and rate tables the engine enforces (the
  // IR's precomputed ones are the same by construction; not writing them keeps the module ~0.5 KB a use case smaller).
  const allowed: Reason = allowedReason(u.name, u.source);
  const fallback = (k: number): Reason => fallbackReason(u.name, u.models[0]!, u.models[k]!, u.source);
  const policy = u.on_budget_exhausted;
  const degrade = policy === null || policy[0] === null ? null : cx.models.get(policy[0]) ?? null;
  // The degrade reasons exist only for a use case that can degrade (they are read only when it does).
  const degraded = (k: number): Reason => degradedReason(u.name, u.models[k]!, degrade!.name, policy![2]);
  return {
    name: u.name,
    owner: u.owner,
    required: u.required_approvers,
    at,
    rateAt,
    budgetAt,
    flowAt,
    maskable,
    models,
    toolIds,
    grants,
    degrade,
    allowed: freezeDeep([allowed]),
    obligations: obligationsOf(u, EMPTY, false),
    obligationsHA: obligationsOf(u, EMPTY, true),
    limits: freezeDeep({
      budgets: u.budgets.map(([scope, period, amount_micros, hard_limit_micros]) => ({ scope, period, amount_micros, hard_limit_micros })),
      rate_limits: u.rates.map(([scope, kind, per_minute]) => ({ scope, kind, per_minute })),
    }),
    single,
    singleHA,
    rule,
    source: u.source,
    approvals: u.approvals.map(approvalOf),
    flows: u.data.length > 0 ? flows : null,
    rateReasons: u.rates.flatMap(([scope, kind, perMinute, source]): Reason[] => [
      rateCounterMissingReason(u.name, scope, kind, source),
      rateLimitedReason(u.name, scope, kind, perMinute, source),
    ]),
    budgetReasons: u.budgets.flatMap(([scope, period, , , source]): Reason[] => [
      budgetCounterMissingReason(u.name, scope, period, source),
      budgetExhaustedReason(u.name, scope, period, source),
    ]),
    allowedFallback: models.map((_, k) => freezeDeep(k === 0 ? [allowed] : [allowed, fallback(k)])),
    degraded: degrade === null ? EMPTY : models.map((_, k) => freezeDeep([allowed, degraded(k)])),
    degradedFallback: degrade === null ? EMPTY : models.map((_, k) => freezeDeep(k === 0 ? [allowed, degraded(k)] : [allowed, degraded(k), fallback(k)])),
    template: obligationsOf(u, EMPTY, false),
    budgetMessage: policy === null ? null : policy[1],
    rateMessage: u.rate_message,
    prompts: u.prompts.map(promptRec),
    alerts: alertRec(u.alerts),
    corpora: u.corpora ?? EMPTY,
  };
}

/** Compiles one program's tables. */
export function compileProgram(t: GuardTables): Program {
  const models = new Map(t.models.map((m) => [m.name, freezeRecord(modelRec(m))]));
  const classRecs = t.dataClasses.map((c, i) => freezeRecord(classRec(c, i)));
  const classes = new Map(classRecs.map((c) => [c.name, c]));
  const cx: Context = {
    models,
    classRecs,
    classes,
    tools: new Map(t.tools.map((tool) => [tool.name, tool])),
    toolIndex: new Map(t.tools.map((tool, i) => [tool.name, i])),
    nums: [],
  };
  const useCases = new Map(t.useCases.map((u) => [u.name, freezeRecord(useCaseRec(u, cx))]));
  const [traceId, principal, requireSource] = t.require ?? [false, false, null];
  return {
    revision: t.revision,
    traceRequired: traceId ? freezeDeep(traceIdRequiredReason(t.org, requireSource ?? '')) : null,
    principalRequired: principal ? freezeDeep(principalRequiredReason(t.org, requireSource ?? '')) : null,
    useCases,
    classes,
    classRecs,
    toolIndex: cx.toolIndex,
    corpora: new Map((t.corpora ?? []).map((k) => [k.name, freezeRecord({ name: k.name, classes: k.classes, residency: k.residency, source: k.source })])),
    nums: new Float64Array(cx.nums),
    scratch: [],
    spent: new Float64Array(t.useCases.reduce((n, u) => Math.max(n, u.budgets.length), 0)),
  };
}
