import { fieldOf } from '../../ast/nodes.js';
import { compareSpans, type Span } from '../../source/Source.js';
import type { Rule } from './RuleContext.js';

/**
 * Deployments: two models of one provider may not name the same deployment (a stated `deployment`, or the model's
 * name when unstated). A gateway would send both to one upstream model, so the versions, prices and approvals govc
 * keeps apart for them would describe the same thing twice.
 */
export const DeploymentRule: Rule = {
  name: 'Deployment',
  codes: ['GOV2112'],
  run(ctx, model) {
    const groups = new Map<string, { provider: string; deployment: string; models: { name: string; span: Span; stated: boolean }[] }>();
    for (const { ir: m, decl } of model.models.values()) {
      if (m.provider === '') continue;
      const field = fieldOf(decl, 'Deployment');
      // JSON of the pair: no separator character can make two different pairs meet.
      const key = JSON.stringify([m.provider, m.deployment]);
      const group = groups.get(key) ?? { provider: m.provider, deployment: m.deployment, models: [] };
      group.models.push({ name: m.name, span: field ? field.value.span : decl.name.span, stated: field !== undefined });
      groups.set(key, group);
    }
    for (const { provider, deployment, models: list } of groups.values()) {
      if (list.length < 2) continue;
      list.sort((a, b) => compareSpans(a.span, b.span));
      const first = list[0]!;
      for (const other of list.slice(1)) {
        ctx.report('GOV2112', `models \`${first.name}\` and \`${other.name}\` of provider \`${provider}\` both name deployment \`${deployment}\``, other.span, {
          label: other.stated ? `also the deployment of \`${first.name}\`` : `deployed under its name, the deployment of \`${first.name}\``,
          related: [{ span: first.span, text: first.stated ? `the deployment of \`${first.name}\`` : `\`${first.name}\`, deployed under its name` }],
          help: 'give each model the id the provider serves it under: `deployment "..."`; one deployment is one model',
        });
      }
    }
  },
};
