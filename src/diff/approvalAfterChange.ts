import type { IrProgram } from '../ir/types.js';
import { compareCodePoints } from '../util/compare.js';
import type { IrDiff } from './diffIr.js';

export interface ApprovalViolation {
  readonly use_case: string;
  readonly tier: string;
  readonly required_approvers: number;
  /** The latest `on` date among the use case's approvals in NEW, or null when none has one. */
  readonly latest_approval: string | null;
}

export interface ApprovalCheck {
  /** The day the change is dated: the NEW commit's date, or `--as-of` for a folder. */
  readonly change_date: string;
  readonly passed: boolean;
  readonly violations: readonly ApprovalViolation[];
}

/**
 * The rule "widening a use case whose tier requires approvers needs an approval granted on or after the change":
 * each use case with a widened change (its own, or an org, model, class or tool change reaching it) whose tier in
 * NEW requires at least one approver must hold an approval in NEW dated `on` the change's day or later.
 */
export function approvalAfterChange(diff: IrDiff, newIr: IrProgram, changeDate: string): ApprovalCheck {
  const violations: ApprovalViolation[] = [];
  for (const name of [...diff.widened_use_cases].sort(compareCodePoints)) {
    const uc = Object.prototype.hasOwnProperty.call(newIr.use_cases, name) ? newIr.use_cases[name]! : undefined;
    // A use case that NEW deleted widens nothing it still governs.
    if (!uc || uc.required_approvers < 1) continue;
    const dates = uc.approvals.map((a) => a.on).filter((d): d is string => d !== null).sort();
    const latest = dates[dates.length - 1] ?? null;
    if (latest === null || latest < changeDate) violations.push({ use_case: name, tier: uc.tier, required_approvers: uc.required_approvers, latest_approval: latest });
  }
  return { change_date: changeDate, passed: violations.length === 0, violations };
}
