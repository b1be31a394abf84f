import { fieldOf } from '../../ast/nodes.js';
import type { IrLog, IrOrgRequire } from '../../ir/types.js';
import type { DeclNode } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { durationDays } from '../units.js';
import { loc, logOf, oneOf, title } from './commonFields.js';
import { resolveOwners } from './owners.js';
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

/** What every request must carry: `require trace_id, principal` (step 2 of docs/semantics.md). */
const REQUIREMENTS = ['trace_id', 'principal'] as const;

function requireOf(ctx: CheckContext, orgDecl: DeclNode): IrOrgRequire {
  const field = fieldOf(orgDecl, 'Require');
  if (!field) return { trace_id: false, principal: false, source: null };
  const words = new Set(field.values.map((v) => oneOf(ctx, v, REQUIREMENTS, 'request requirement')));
  return { trace_id: words.has('trace_id'), principal: words.has('principal'), source: loc(field.span) };
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
        owners: resolveOwners(ctx, fieldOf(orgDecl, 'Owners')?.values ?? []),
        require: requireOf(ctx, orgDecl),
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
