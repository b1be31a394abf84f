import { fieldOf } from '../../ast/nodes.js';
import type { IrLog } from '../../ir/types.js';
import type { CheckContext } from '../CheckContext.js';
import { durationDays } from '../units.js';
import { loc, logOf, title } from './commonFields.js';
import { budgetsOf } from './limits.js';
import type { SemanticModel } from './SemanticModel.js';

export const DEFAULT_ORG_LOG: IrLog = { inputs: 'redacted', outputs: 'redacted', tool_calls: 'full' };
export const DEFAULT_ORG_RETENTION_DAYS = 30;

/** What the org states for everything else: the currency of every amount, the default log and retention. */
export interface OrgDefaults {
  /** The currency of the org's first budget, if it names one; every other amount must be in it. */
  readonly currency: string | undefined;
  readonly log: IrLog;
  readonly retentionDays: number;
}

/** The `org` block (the first one; declare() reports a second). */
export function resolveOrg(ctx: CheckContext, model: SemanticModel): OrgDefaults {
  const orgDecl = [...ctx.decls.Org.values()][0];
  let currency: string | undefined;
  let orgLog = DEFAULT_ORG_LOG;
  let orgRetention = DEFAULT_ORG_RETENTION_DAYS;
  if (orgDecl) {
    const budgetField = fieldOf(orgDecl, 'Budget');
    const firstMoney = budgetField?.items[0];
    if (firstMoney) {
      const unit = firstMoney.amount.unit?.text;
      if (unit && /^[A-Z]{3}$/.test(unit)) currency = unit;
    }
    const retain = fieldOf(orgDecl, 'Retain');
    if (retain) orgRetention = durationDays(ctx, retain.duration, 'retention') ?? orgRetention;
    orgLog = logOf(ctx, fieldOf(orgDecl, 'Log'), DEFAULT_ORG_LOG);
    model.org = {
      decl: orgDecl,
      ir: {
        name: orgDecl.name.text,
        title: title(orgDecl),
        owners: fieldOf(orgDecl, 'Owners')?.values.map((v) => v.value) ?? [],
        currency: currency ?? 'USD',
        budgets: budgetsOf(ctx, orgDecl, currency),
        retention_days: orgRetention,
        log: orgLog,
        source: loc(orgDecl.name.span),
      },
    };
  }
  return { currency, log: orgLog, retentionDays: orgRetention };
}
