import { fieldOf } from '../../ast/nodes.js';
import type { Rule } from './RuleContext.js';

/**
 * Models: a use case runs only on models that are approved and live (not revoked), in regions their provider
 * serves; the degrade target of a budget is one of the use case's models and actually cheaper.
 */
export const ModelRule: Rule = {
  name: 'Model',
  codes: ['GOV2040', 'GOV2041', 'GOV2042', 'GOV2043', 'GOV2044', 'GOV2065'],
  run(ctx, model) {
    for (const { ir: m, decl } of model.models.values()) {
      const provider = model.providers.get(m.provider)?.ir;
      const regions = fieldOf(decl, 'Regions');
      if (provider && regions) {
        for (const r of regions.values) {
          if (!provider.regions.includes(r.text)) {
            ctx.report('GOV2044', `model \`${m.name}\` lists region \`${r.text}\`, which provider \`${provider.name}\` does not serve`, r.span, {
              label: `\`${provider.name}\` serves ${provider.regions.map((x) => `\`${x}\``).join(', ') || 'no region'}`,
              help: `remove \`${r.text}\` or add it to provider \`${provider.name}\``,
            });
          }
        }
      }
      if (m.status !== 'revoked' && m.approvals.length === 0) {
        ctx.report('GOV2065', `model \`${m.name}\` has no approval`, decl.name.span, {
          label: 'never approved',
          help: 'record who approved the model: `approved_by "..." on DATE ticket ... expires DATE`',
        });
      }
    }
    for (const { ir: uc, decl } of model.useCases.values()) {
      const models = fieldOf(decl, 'Models');
      if (!models) continue;
      for (const node of [models.primary, ...models.fallbacks]) {
        const m = model.models.get(node.text)?.ir;
        if (!m) continue;
        if (m.status === 'revoked') {
          ctx.report('GOV2040', `use case \`${uc.name}\` lists revoked model \`${m.name}\``, node.span, {
            label: 'revoked',
            help: 'remove it: a revoked model is denied at runtime; roll back or move to an approved model',
          });
        } else if (m.status === 'deprecated') {
          ctx.report('GOV2041', `use case \`${uc.name}\` lists deprecated model \`${m.name}\``, node.span, {
            label: 'deprecated',
            help: 'plan a move to an approved model before the deprecated one is revoked',
          });
        }
      }
      const on = decl.fields.find((f) => f.kind === 'On' && f.degradeTo !== undefined);
      const degrade = uc.on_budget_exhausted?.degrade_to;
      if (!degrade || on?.kind !== 'On' || !on.degradeTo) continue;
      if (!uc.models.includes(degrade)) {
        ctx.report('GOV2043', `degrade model \`${degrade}\` is not one of use case \`${uc.name}\`'s models`, on.degradeTo.span, {
          label: 'not in `models`',
          help: `add it as a fallback (\`models ${uc.models.join(' fallback ')} fallback ${degrade}\`) so it is approved for this use case`,
        });
      }
      const target = model.models.get(degrade)?.ir;
      const primary = model.models.get(uc.models[0] ?? '')?.ir;
      if (target && primary && target.name !== primary.name) {
        const cost = (x: typeof target): number => x.price.input_nanos_per_token + x.price.output_nanos_per_token;
        if (cost(target) >= cost(primary)) {
          ctx.report('GOV2042', `degrade model \`${degrade}\` is not cheaper than primary model \`${primary.name}\``, on.degradeTo.span, {
            help: 'degrading is meant to cut spend once the budget is exhausted; pick a cheaper model',
          });
        }
      }
    }
  },
};
