import type { IrApproval, IrProgram, IrUseCase, LogLevel } from '../ir/types.js';

/**
 * The state of one approval on a date, the one approval logic `govc explain` and `govc doc` share. An approval is
 * valid from `on` through `expires`, both inclusive, a null bound open (docs/semantics.md "The algorithm"), so a
 * valid approval here is exactly one the reference evaluator counts on that date. `expiring` is valid but lapses
 * within `soonDays` (the checker's GOV2061 window, 30 days).
 */
export type ApprovalState = 'valid' | 'expiring' | 'expired' | 'not_yet_valid';

export interface ApprovalView {
  /** The approver's e-mail address, as the IR holds it (a person resolves to theirs). */
  readonly approver: string;
  readonly on: string | null;
  readonly expires: string | null;
  readonly ticket: string | null;
  readonly source: string;
  readonly state: ApprovalState;
  /** Days from the as-of date to `expires` (0 on the last valid day, negative once expired); null without expiry. */
  readonly days_left: number | null;
}

export type AssetKind = 'use_case' | 'model' | 'prompt' | 'tool' | 'provider' | 'data_class' | 'person' | 'team' | 'corpus';

/** The checker's expiry-warning window (GOV2061). */
export const SOON_DAYS = 30;

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to + 'T00:00:00Z') - Date.parse(from + 'T00:00:00Z')) / DAY_MS);
}

export function approvalView(a: IrApproval, asOf: string, soonDays: number = SOON_DAYS): ApprovalView {
  const daysLeft = a.expires === null ? null : daysBetween(asOf, a.expires);
  let state: ApprovalState;
  if (a.on !== null && a.on > asOf) state = 'not_yet_valid';
  else if (a.expires !== null && a.expires < asOf) state = 'expired';
  else if (daysLeft !== null && daysLeft <= soonDays) state = 'expiring';
  else state = 'valid';
  return { approver: a.approver, on: a.on, expires: a.expires, ticket: a.ticket, source: a.source, state, days_left: daysLeft };
}

/** Valid on the as-of date: what the evaluator counts (an expiring approval still counts). */
export function isCounted(v: ApprovalView): boolean {
  return v.state === 'valid' || v.state === 'expiring';
}

export interface ApprovalsOf {
  readonly approvals: readonly ApprovalView[];
  /** For a use case, its tier's `approvers`; null for every other kind. */
  readonly required: number | null;
  /** Distinct approvers whose approval is valid on the as-of date. */
  readonly valid_approvers: number;
  /**
   * Whether the approvals let requests through on the as-of date, as the evaluator judges them: a use case needs
   * `required` distinct valid approvers (step 3); a prompt needs one valid approval (step 4); a model, a tool or a
   * corpus with approvals needs one valid (steps 6 and 8; a corpus by the same rule); what carries no approvals
   * (providers, data classes, people, teams, and a model or tool that declares none) is met.
   */
  readonly met: boolean;
}

/** The approvals of one declared thing, each with its state on `asOf`; an undeclared name has none (and is met). */
export function approvalsOf(ir: IrProgram, kind: AssetKind, name: string, asOf: string, soonDays: number = SOON_DAYS): ApprovalsOf {
  const raw = rawApprovals(ir, kind, name);
  const approvals = raw.map((a) => approvalView(a, asOf, soonDays));
  const validApprovers = new Set(approvals.filter(isCounted).map((a) => a.approver)).size;
  if (kind === 'use_case') {
    const uc = own(ir.use_cases, name);
    const required = uc ? uc.required_approvers : 0;
    return { approvals, required, valid_approvers: validApprovers, met: validApprovers >= required };
  }
  const met = kind === 'prompt' ? validApprovers >= 1 : approvals.length === 0 || validApprovers >= 1;
  return { approvals, required: null, valid_approvers: validApprovers, met };
}

function rawApprovals(ir: IrProgram, kind: AssetKind, name: string): readonly IrApproval[] {
  switch (kind) {
    case 'use_case':
      return own(ir.use_cases, name)?.approvals ?? [];
    case 'model':
      return own(ir.models, name)?.approvals ?? [];
    case 'prompt':
      return own(ir.prompts, name)?.approvals ?? [];
    case 'tool':
      return own(ir.tools, name)?.approvals ?? [];
    case 'corpus':
      return own(ir.corpora, name)?.approvals ?? [];
    default:
      return [];
  }
}

export interface TierRequirement {
  /** `eval`, `human_oversight`, `red_team`, `disclosure`, `rollback`, `retention`, `log`. */
  readonly requirement: string;
  /** Whether the use case's tier requires it. */
  readonly required: boolean;
  /** Whether the use case meets it (always true when not required). */
  readonly met: boolean;
  /** Why, in words: what the use case declares, or what is missing. */
  readonly how: string;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { none: 0, redacted: 1, full: 2 };

/**
 * What the use case's tier requires besides approvals, each met or not and why, judged as the checker judges it
 * (src/check/rules/TierRequirementsRule.ts): an eval gate, human oversight, a red-team suite, a disclosure, a
 * rollback (with a model rollback when the use case has models), and the minimum retention and log levels.
 * An undeclared use case or tier gives no requirements.
 */
export function tierRequirements(ir: IrProgram, useCase: string): TierRequirement[] {
  const uc = own(ir.use_cases, useCase);
  const tier = uc ? own(ir.tiers, uc.tier) : undefined;
  if (!uc || !tier) return [];
  const r = tier.requires;
  const out: TierRequirement[] = [];
  const push = (requirement: string, required: boolean, met: boolean, how: string): void => {
    out.push({ requirement, required, met: !required || met, how });
  };
  push('eval', r.eval, uc.evals.length > 0, uc.evals.length > 0 ? `eval gate ${uc.evals.map((e) => `\`${e.name}\``).join(', ')}` : 'no eval gate');
  push('human_oversight', r.human_oversight, uc.human_oversight !== null, uc.human_oversight !== null ? `human oversight: ${uc.human_oversight}` : 'no human oversight');
  push('red_team', r.red_team, uc.red_team !== null, redTeamText(uc));
  push('disclosure', r.disclosure, uc.disclosure !== null, uc.disclosure !== null ? `disclosure: ${uc.disclosure}` : 'no disclosure');
  const modelRollback = uc.models.length === 0 || uc.rollbacks.some((b) => b.asset === 'model');
  push('rollback', r.rollback, uc.rollbacks.length > 0 && modelRollback, rollbackText(uc, modelRollback));
  const minDays = tier.min_retention_days;
  push('retention', minDays > 0, uc.retention_days >= minDays, `logs kept ${uc.retention_days} days${minDays > 0 ? `, at least ${minDays} required` : ''}`);
  const channels = (['inputs', 'outputs', 'tool_calls'] as const).filter((c) => LEVEL_RANK[tier.min_log[c]] > 0);
  const low = channels.filter((c) => LEVEL_RANK[uc.log[c]] < LEVEL_RANK[tier.min_log[c]]);
  push(
    'log',
    channels.length > 0,
    low.length === 0,
    `logs inputs ${uc.log.inputs}, outputs ${uc.log.outputs}, tool calls ${uc.log.tool_calls}` +
      (low.length > 0 ? `; below the minimum: ${low.map((c) => `${c} (at least ${tier.min_log[c]})`).join(', ')}` : ''),
  );
  return out;
}

function redTeamText(uc: IrUseCase): string {
  if (uc.red_team === null) return 'no red-team suite';
  if (uc.red_team.suite !== null) return `red-team suite \`${uc.red_team.suite}\``;
  return `red team: ${uc.red_team.text ?? ''}`;
}

function rollbackText(uc: IrUseCase, modelRollback: boolean): string {
  if (uc.rollbacks.length === 0) return 'no rollback procedure';
  const list = uc.rollbacks.map((b) => `${b.asset} \`${b.name}\`${b.version !== null ? ` to ${b.version}` : ''}`).join(', ');
  return modelRollback ? `rollback of ${list}` : `rollback of ${list}, but none of a model`;
}

/** Own-property lookup: a name such as `__proto__` finds nothing. */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
