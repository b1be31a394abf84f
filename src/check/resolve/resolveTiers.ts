import { fieldOf } from '../../ast/nodes.js';
import type { IrTier } from '../../ir/types.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';
import { count, durationDays } from '../units.js';
import { loc, logOf, title } from './commonFields.js';
import type { SemanticModel } from './SemanticModel.js';

const TIER_REQUIREMENTS = ['eval', 'human_oversight', 'red_team', 'disclosure', 'rollback'] as const;

/** `tier` blocks: prohibition, requirements, minimum retention and logging, approver count. */
export function resolveTiers(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Tier.values()) {
    const requires: Record<string, boolean> = Object.fromEntries(TIER_REQUIREMENTS.map((r) => [r, false]));
    for (const r of fieldOf(decl, 'Requires')?.values ?? []) {
      if ((TIER_REQUIREMENTS as readonly string[]).includes(r.text)) requires[r.text] = true;
      else
        ctx.report('GOV2014', `\`${r.text}\` is not a tier requirement`, r.span, {
          ...hintFor(r, TIER_REQUIREMENTS, `requirements: ${TIER_REQUIREMENTS.map((t) => `\`${t}\``).join(', ')}`),
        });
    }
    const minRet = fieldOf(decl, 'MinRetention');
    const approvers = fieldOf(decl, 'Approvers');
    let approverCount = 1;
    if (approvers) {
      const c = count(ctx, approvers.count, 'approvers', [undefined]);
      if (c && (c.value < 1 || c.value > 10)) {
        ctx.report('GOV2013', 'approvers must be between 1 and 10', approvers.count.span, { label: 'out of range' });
      } else if (c) approverCount = c.value;
    }
    model.tiers.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        prohibited: fieldOf(decl, 'Prohibited') !== undefined,
        requires: requires as unknown as IrTier['requires'],
        min_retention_days: (minRet && durationDays(ctx, minRet.duration, 'minimum retention')) ?? 0,
        min_log: logOf(ctx, fieldOf(decl, 'Log'), { inputs: 'none', outputs: 'none', tool_calls: 'none' }),
        approvers: approverCount,
        source: loc(decl.name.span),
      },
    });
  }
}
