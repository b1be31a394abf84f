import { fieldOf, fieldsOf } from '../../ast/nodes.js';
import type { LogLevel } from '../../ir/types.js';
import type { Rule } from './RuleContext.js';

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { none: 0, redacted: 1, full: 2 };

/**
 * Tier requirements: a use case meets every requirement its risk tier states (EU AI Act Art. 9, 12, 14, 19, 26,
 * 50 in the standard library's tiers), and never sits in a prohibited tier (Art. 5).
 */
export const TierRequirementsRule: Rule = {
  name: 'TierRequirements',
  codes: ['GOV2020', 'GOV2021', 'GOV2022', 'GOV2023', 'GOV2024', 'GOV2025', 'GOV2026', 'GOV2027', 'GOV2028'],
  run(ctx, model) {
    for (const { ir: uc, decl } of model.useCases.values()) {
      const tier = model.tiers.get(uc.tier)?.ir;
      const tierField = fieldOf(decl, 'Tier');
      if (!tier || !tierField) continue;
      const at = tierField.tier.span;
      const ucName = `use case \`${uc.name}\``;
      const tierName = `tier \`${tier.name}\``;
      if (tier.prohibited) {
        ctx.report('GOV2020', `${ucName} is in the prohibited ${tierName}`, at, {
          label: 'prohibited',
          help: 'practices in a prohibited tier may not be deployed at all (EU AI Act Art. 5); remove the use case or reassess its tier',
        });
        continue;
      }
      const missing = (code: 'GOV2021' | 'GOV2022' | 'GOV2025' | 'GOV2027' | 'GOV2028', what: string, fix: string): void => {
        ctx.report(code, `${ucName} has no ${what}, which ${tierName} requires`, decl.name.span, {
          label: `missing ${what}`,
          help: fix,
          related: [{ span: at, text: `${tierName} chosen here` }],
        });
      };
      if (tier.requires.eval && uc.evals.length === 0)
        missing('GOV2021', 'eval gate', 'add `eval NAME { dataset "..." metric >= 0.9 }`: it blocks a release that regresses');
      if (tier.requires.human_oversight && uc.human_oversight === null)
        missing('GOV2022', 'human oversight', 'add `human_oversight "who reviews what, and how they can intervene"` (EU AI Act Art. 14)');
      if (tier.requires.red_team && uc.red_team === null)
        missing('GOV2025', 'red-team suite', 'add `red_team "suite name"` naming the adversarial test suite run before release');
      if (tier.requires.disclosure && uc.disclosure === null)
        missing('GOV2027', 'disclosure', 'add `disclosure "text telling users they are talking to an AI"` (EU AI Act Art. 50)');
      // Language v2: any asset may be rolled back, and a use case with models needs a way back for its model.
      if (tier.requires.rollback && (uc.rollbacks.length === 0 || (uc.models.length > 0 && !uc.rollbacks.some((r) => r.asset === 'model'))))
        missing('GOV2028', uc.rollbacks.length === 0 ? 'rollback procedure' : 'model rollback', uc.rollbacks.length === 0 ? 'add `rollback to MODEL@"VERSION" within 15m owned_by "oncall@..."`' : 'add `rollback model MODEL to "VERSION" within 15m owned_by "oncall@..."`: a prompt or tool rollback does not bring back a model');
      if (uc.retention_days < tier.min_retention_days) {
        const retain = fieldOf(decl, 'Retain');
        ctx.report('GOV2023', `${ucName} keeps logs ${uc.retention_days} days, ${tierName} requires at least ${tier.min_retention_days}`, retain?.duration.span ?? decl.name.span, {
          label: retain ? 'too short' : 'inherits the org default',
          help: `set \`retain ${tier.min_retention_days}d\` or longer${tier.min_retention_days >= 180 ? '; high-risk logs are kept at least six months (EU AI Act Art. 19 and 26(6))' : ''}`,
        });
      }
      for (const channel of ['inputs', 'outputs', 'tool_calls'] as const) {
        if (LEVEL_RANK[uc.log[channel]] < LEVEL_RANK[tier.min_log[channel]]) {
          const log = fieldOf(decl, 'Log');
          const item = log?.items.find((i) => i.channel.text === channel);
          ctx.report('GOV2026', `${ucName} logs ${channel} at \`${uc.log[channel]}\`, ${tierName} requires at least \`${tier.min_log[channel]}\``, item?.level.span ?? log?.keySpan ?? decl.name.span, {
            label: 'below the tier minimum',
            help: `log ${channel} at \`${tier.min_log[channel]}\` or more (none < redacted < full)`,
          });
        }
      }
      // The owner's own sign-off does not count (segregation of duties, GOV2062); no approval at all is GOV2065.
      const owner = uc.owner.toLowerCase();
      const approvers = new Set(uc.approvals.map((a) => a.approver).filter((a) => a !== owner));
      if (uc.approvals.length > 0 && approvers.size < tier.approvers) {
        const approvals = fieldsOf(decl, 'ApprovalField');
        ctx.report('GOV2024', `${ucName} has ${approvers.size} distinct approver${approvers.size === 1 ? '' : 's'}, ${tierName} requires ${tier.approvers}`, approvals[0]?.keySpan ?? decl.name.span, {
          label: 'not enough approvers',
          help: `add \`approved_by "..." on DATE ticket ... expires DATE\` lines until ${tier.approvers} different ${tier.approvers === 1 ? 'person has' : 'people have'} approved`,
        });
      }
    }
  },
};
