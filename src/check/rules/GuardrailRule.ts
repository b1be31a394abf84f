import { fieldOf } from '../../ast/nodes.js';
import type { Rule } from './RuleContext.js';

/**
 * Guardrails and red-team suites (language v2): a use case's red-team suite tests guardrails; one that tests a
 * guardrail the use case does not run proves nothing about this use case (GOV2108, a warning).
 */
export const GuardrailRule: Rule = {
  name: 'Guardrail',
  codes: ['GOV2108'],
  run(ctx, model) {
    for (const { ir: uc, decl } of model.useCases.values()) {
      const suite = uc.red_team?.suite ? model.redTeamSuites.get(uc.red_team.suite)?.ir : undefined;
      if (!suite) continue;
      const missing = suite.guardrails.filter((g) => !uc.guardrails.includes(g));
      if (missing.length === 0) continue;
      const at = fieldOf(decl, 'RedTeam')?.suite?.span ?? decl.name.span;
      ctx.report('GOV2108', `red-team suite \`${suite.name}\` tests ${missing.map((g) => `\`${g}\``).join(', ')}, which use case \`${uc.name}\` does not run`, at, {
        label: 'tests other guardrails',
        help: `add them to the use case (\`guardrails ${[...uc.guardrails, ...missing].join(', ')}\`) or use a suite written for this use case`,
      });
    }
  },
};
