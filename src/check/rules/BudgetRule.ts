import { fieldOf } from '../../ast/nodes.js';
import type { Period } from '../../ir/types.js';
import type { Rule } from './RuleContext.js';

function money(micros: number, currency: string): string {
  return `${(micros / 1_000_000).toLocaleString('en-US', { maximumFractionDigits: 6 })} ${currency}`;
}

/**
 * Budgets and rate limits: a per-tenant limit cannot exceed the use case's own for the same period or kind; the
 * use cases together should fit in the org budget; every budget states what happens when it runs out.
 */
export const BudgetRule: Rule = {
  name: 'Budget',
  codes: ['GOV2050', 'GOV2051', 'GOV2052'],
  run(ctx, model) {
    const currency = model.org?.ir.currency ?? 'USD';
    const totals = new Map<Period, number>();
    for (const { ir: uc, decl } of model.useCases.values()) {
      const budgetField = fieldOf(decl, 'Budget');
      for (const b of uc.budgets) {
        if (b.scope === 'use_case') totals.set(b.period, (totals.get(b.period) ?? 0) + b.amount_micros);
        if (b.scope !== 'tenant') continue;
        const whole = uc.budgets.find((x) => x.scope === 'use_case' && x.period === b.period);
        if (whole && b.amount_micros > whole.amount_micros) {
          const item = budgetField?.items.find((i) => i.pers.some((p) => p.text === 'tenant') && i.pers.some((p) => p.text === b.period));
          ctx.report('GOV2050', `per-tenant budget ${money(b.amount_micros, currency)} per ${b.period} is above the use case's ${money(whole.amount_micros, currency)}`, item?.span ?? decl.name.span, {
            label: 'above the use-case budget',
            help: 'one tenant can never spend more than the whole use case; lower the per-tenant amount',
          });
        }
      }
      const rateField = fieldOf(decl, 'Rate');
      for (const r of uc.rate_limits) {
        if (r.scope !== 'tenant') continue;
        const whole = uc.rate_limits.find((x) => x.scope === 'use_case' && x.kind === r.kind);
        if (whole && r.per_minute > whole.per_minute) {
          const unit = r.kind === 'requests' ? 'rpm' : 'tpm';
          const item = rateField?.items.find((i) => i.pers.some((p) => p.text === 'tenant') && (i.amount.number.suffix === unit || i.amount.unit?.text === unit));
          ctx.report('GOV2050', `per-tenant rate ${r.per_minute} ${unit} is above the use case's ${whole.per_minute} ${unit}`, item?.span ?? decl.name.span, {
            label: 'above the use-case limit',
            help: 'one tenant can never use more than the whole use case; lower the per-tenant limit',
          });
        }
      }
      if (uc.budgets.length > 0 && uc.on_budget_exhausted === null) {
        ctx.report('GOV2052', `use case \`${uc.name}\` has a budget but no \`on budget_exhausted\``, budgetField?.keySpan ?? decl.name.span, {
          label: 'what happens when it runs out?',
          help: 'fail soft: `on budget_exhausted degrade to CHEAPER-MODEL then refuse "message"` or `on budget_exhausted refuse "message"`',
        });
      }
    }
    const org = model.org;
    if (!org) return;
    const orgBudget = fieldOf(org.decl, 'Budget');
    for (const b of org.ir.budgets) {
      const total = totals.get(b.period) ?? 0;
      if (total > b.amount_micros) {
        ctx.report('GOV2051', `use-case budgets per ${b.period} add up to ${money(total, currency)}, above the org's ${money(b.amount_micros, currency)}`, orgBudget?.keySpan ?? org.decl.name.span, {
          help: 'the org budget is the ceiling for all AI spend; raise it or lower the use-case budgets',
        });
      }
    }
  },
};
