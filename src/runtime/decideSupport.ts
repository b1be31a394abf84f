import { compareCodePoints } from '../util/compare.js';
import type { Reason, RedactObligation } from './types.js';

/**
 * Helpers that generated guard modules call on their slower paths (denials, data classes, tools). The fast path of
 * a decision (dispatch, approvals, model choice, rate limits, budgets) is generated inline per use case; these
 * functions hold the parts whose work depends on what the request lists. Messages are exactly the reference
 * evaluator's (src/eval/evaluate.ts).
 * @internal Called by generated code only; the signatures may change with govc's version.
 */

export interface ApprovalInfo {
  readonly approver: string;
  readonly on: string | null;
  readonly expires: string | null;
  readonly source: string;
}

export interface DataRuleInfo {
  readonly action: 'allow' | 'deny';
  readonly providers: readonly string[];
  readonly regions: readonly string[];
  readonly redacted: boolean;
  readonly source: string;
}

export interface ClassInfo {
  readonly default: 'allow' | 'redact' | 'deny';
  readonly residency: readonly string[];
  readonly redact: RedactObligation;
  readonly source: string;
}

export interface GrantInfo {
  readonly scopes: readonly string[];
  readonly human_approval: boolean;
  readonly source: string;
  /** The tool's own approvals (program-wide); empty when it declares none. */
  readonly tool_approvals: readonly ApprovalInfo[];
}

export interface UseCaseTables {
  readonly name: string;
  readonly source: string;
  readonly required_approvers: number;
  readonly approvals: readonly ApprovalInfo[];
  readonly data: ReadonlyMap<string, DataRuleInfo>;
  readonly tools: ReadonlyMap<string, GrantInfo>;
}

export const EMPTY: readonly never[] = Object.freeze([]);

/** Freezes a value and everything reachable from it (plain objects and arrays), so shared parts stay unchanged. */
export function freezeDeep<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) freezeDeep(v);
    Object.freeze(value);
  }
  return value;
}

/** Builds a use case's lookup tables from the entry lists a generated module writes (never object keys). */
export function useCaseTables(t: {
  name: string;
  source: string;
  required_approvers: number;
  approvals: ApprovalInfo[];
  data: Array<[string, DataRuleInfo]>;
  tools: Array<[string, GrantInfo]>;
}): UseCaseTables {
  return Object.freeze({
    name: t.name,
    source: t.source,
    required_approvers: t.required_approvers,
    approvals: freezeDeep(t.approvals),
    data: new Map(freezeDeep(t.data)),
    tools: new Map(freezeDeep(t.tools)),
  });
}

export function classTables(entries: Array<[string, ClassInfo]>): ReadonlyMap<string, ClassInfo> {
  return new Map(freezeDeep(entries));
}

function valid(a: ApprovalInfo, date: string): boolean {
  return (a.on === null || a.on <= date) && (a.expires === null || date <= a.expires);
}

/** The reason for too few valid use-case approvals on `date` (the caller has established there are too few). */
export function approvalReason(uc: UseCaseTables, date: string): Reason {
  const approvers = new Set<string>();
  for (const a of uc.approvals) if (valid(a, date)) approvers.add(a.approver);
  const expired = uc.approvals.find((a) => a.expires !== null && a.expires < date);
  const pending = uc.approvals.find((a) => !valid(a, date));
  const culprit = expired ?? pending;
  return {
    code: expired ? 'approval_expired' : 'approval_not_yet_valid',
    rule: `use_case/${uc.name}/approved_by`,
    message: `use case \`${uc.name}\` has ${approvers.size} valid approval(s) on ${date}; its tier requires ${uc.required_approvers}`,
    source: culprit?.source ?? uc.source,
  };
}

/** The data classes of a request: distinct, sorted by code point. */
export function distinctSorted(classes: readonly string[] | undefined): readonly string[] {
  if (classes === undefined || classes.length === 0) return EMPTY;
  if (classes.length === 1) return classes;
  return [...new Set(classes)].sort(compareCodePoints);
}

/** True when a class the request lists may not reach `provider` in this use case (a data-flow problem). */
export function flowBlocks(uc: UseCaseTables, classes: readonly string[], provider: string): boolean {
  for (const c of classes) {
    const flow = uc.data.get(c);
    if (flow !== undefined && flow.action === 'allow' && !flow.providers.includes(provider)) return true;
  }
  return false;
}

/** Pushes the data-flow problems of model `model` (provider `provider`) for the request's classes. */
export function flowProblems(uc: UseCaseTables, classes: readonly string[], model: string, provider: string, out: Reason[]): void {
  for (const c of classes) {
    const flow = uc.data.get(c);
    if (flow !== undefined && flow.action === 'allow' && !flow.providers.includes(provider)) {
      out.push({
        code: 'data_flow_not_permitted',
        rule: `use_case/${uc.name}/data/${c}`,
        message: `data class \`${c}\` may not be sent to provider \`${provider}\` (model \`${model}\`)`,
        source: flow.source,
      });
    }
  }
}

/** Step 4 of the algorithm: pushes data-class denials, returns the redact obligations (sorted, as `classes` is). */
export function dataClassStep(
  uc: UseCaseTables,
  classes: ReadonlyMap<string, ClassInfo>,
  requested: readonly string[],
  region: string,
  deny: Reason[],
): readonly RedactObligation[] {
  let redact: RedactObligation[] | undefined;
  for (const c of requested) {
    const dc = classes.get(c);
    if (dc === undefined) {
      deny.push({ code: 'unknown_data_class', rule: 'request', message: `data class \`${c}\` is not declared`, source: null });
      continue;
    }
    const flow = uc.data.get(c);
    let redacted = false;
    if (flow !== undefined) {
      if (flow.action === 'deny') {
        deny.push({ code: 'data_class_denied', rule: `use_case/${uc.name}/data/${c}`, message: `data class \`${c}\` may not be sent in use case \`${uc.name}\``, source: flow.source });
      } else {
        if (flow.regions.length > 0 && !flow.regions.includes(region)) {
          deny.push({
            code: 'data_region_not_permitted',
            rule: `use_case/${uc.name}/data/${c}`,
            message: `data class \`${c}\` may not be sent from region \`${region}\` in use case \`${uc.name}\``,
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
    if (dc.residency.length > 0 && !dc.residency.includes(region)) {
      deny.push({
        code: 'residency_violation',
        rule: `data_class/${c}/residency`,
        message: `data class \`${c}\` must stay in ${dc.residency.join(', ')}, request region is \`${region}\``,
        source: dc.source,
      });
    }
    if (redacted) (redact ??= []).push(dc.redact);
  }
  return redact ?? EMPTY;
}

/** Step 5: pushes tool denials; returns whether the granted tool requires a human's approval. */
export function toolStep(
  uc: UseCaseTables,
  tool: { readonly name: string; readonly scope: string; readonly human_approved_by?: string },
  date: string,
  deny: Reason[],
): boolean {
  const grant = uc.tools.get(tool.name);
  if (grant === undefined) {
    deny.push({ code: 'tool_not_allowed', rule: `use_case/${uc.name}/tools`, message: `tool \`${tool.name}\` is not granted to use case \`${uc.name}\``, source: uc.source });
    return false;
  }
  if (grant.tool_approvals.length > 0 && !grant.tool_approvals.some((a) => valid(a, date))) {
    deny.push({
      code: 'tool_approval_expired',
      rule: `tool/${tool.name}/approved_by`,
      message: `tool \`${tool.name}\` has no valid approval on ${date}`,
      source: grant.tool_approvals[0]!.source,
    });
  }
  const scope = tool.scope;
  if (!grant.scopes.some((g) => (g.endsWith('*') ? scope.startsWith(g.slice(0, -1)) : g === scope))) {
    deny.push({ code: 'tool_scope_not_allowed', rule: `use_case/${uc.name}/tool/${tool.name}`, message: `scope \`${scope}\` is not granted for tool \`${tool.name}\``, source: grant.source });
  } else if (grant.human_approval && tool.human_approved_by === undefined) {
    deny.push({ code: 'human_approval_required', rule: `use_case/${uc.name}/tool/${tool.name}`, message: `tool \`${tool.name}\` needs a human approval before each call`, source: grant.source });
  }
  return grant.human_approval;
}

/** Model problems that depend on the request's date or region (the static ones are generated inline). */
export function modelApprovalReason(model: string, date: string, source: string): Reason {
  return { code: 'model_approval_expired', rule: `model/${model}/approved_by`, message: `model \`${model}\` has no valid approval on ${date}`, source };
}

export function modelRegionReason(model: string, region: string, source: string): Reason {
  return { code: 'model_region_not_served', rule: `model/${model}/regions`, message: `model \`${model}\` is not available in region \`${region}\``, source };
}

export function modelNotAllowedReason(uc: UseCaseTables, model: string): Reason {
  return { code: 'model_not_allowed', rule: `use_case/${uc.name}/models`, message: `model \`${model}\` is not allowed for use case \`${uc.name}\``, source: uc.source };
}

/** Reasons in the total order of docs/semantics.md (code, rule, message, source with null first), deduplicated. */
export function sortReasons(reasons: Reason[]): readonly Reason[] {
  if (reasons.length < 2) return reasons;
  reasons.sort(
    (a, b) =>
      compareCodePoints(a.code, b.code) ||
      compareCodePoints(a.rule, b.rule) ||
      compareCodePoints(a.message, b.message) ||
      (a.source === null ? -1 : 0) - (b.source === null ? -1 : 0) ||
      compareCodePoints(a.source ?? '', b.source ?? ''),
  );
  let w = 1;
  for (let i = 1; i < reasons.length; i++) {
    const x = reasons[i]!;
    const p = reasons[w - 1]!;
    if (x.code !== p.code || x.rule !== p.rule || x.message !== p.message || x.source !== p.source) reasons[w++] = x;
  }
  reasons.length = w;
  return reasons;
}

/** `use case ... is not declared`, as the reference words it. */
export function unknownUseCaseReason(useCase: string): Reason {
  return { code: 'unknown_use_case', rule: 'request', message: `use case \`${useCase}\` is not declared`, source: null };
}

export function malformedReason(message: string): Reason {
  return { code: 'malformed_request', rule: 'request', message, source: null };
}
