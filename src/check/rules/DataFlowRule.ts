import { fieldsOf } from '../../ast/nodes.js';
import type { IrDataClass, IrUseCaseFacts } from '../../ir/types.js';
import type { Span } from '../../source/Source.js';
import type { CheckContext } from '../CheckContext.js';
import { own } from '../records.js';
import type { SemanticModel } from '../resolve.js';
import type { Rule } from './RuleContext.js';

const SENSITIVE = new Set(['high', 'critical']);

/**
 * Data flows: where each data class may go. Residency (data with `residency eu` stays in the EU), DPAs (no
 * personal or confidential data to a provider without a data processing agreement, GDPR Art. 28), regions a
 * provider actually serves, and that every model the use case may run on (primary, fallbacks, degrade target)
 * is allowed to receive the data the use case sends.
 */
export const DataFlowRule: Rule = {
  name: 'DataFlow',
  codes: ['GOV2030', 'GOV2031', 'GOV2032', 'GOV2033', 'GOV2034'],
  run(ctx, model) {
    for (const { ir: uc, decl } of model.useCases.values()) {
      for (const field of fieldsOf(decl, 'Data')) {
        const flow = own(uc.data, field.dataClass.text);
        const dc = model.dataClasses.get(field.dataClass.text)?.ir;
        if (!flow || !dc || flow.action !== 'allow') continue;
        // Residency: the flow must be confined to the class's regions.
        if (dc.residency.length > 0) {
          const outside = flow.regions.filter((r) => !dc.residency.includes(r));
          if (flow.regions.length === 0) {
            ctx.report('GOV2030', `data class \`${dc.name}\` must stay in ${list(dc.residency)}, but this rule allows any region`, field.span, {
              label: 'no `in` regions',
              help: `confine the flow: \`data ${dc.name} -> ${flow.providers.join(', ')} in ${dc.residency.join(', ')}\``,
            });
          } else if (outside.length > 0) {
            const span = field.regions.find((r) => outside.includes(r.text))?.span ?? field.span;
            ctx.report('GOV2030', `data class \`${dc.name}\` must stay in ${list(dc.residency)}, but this rule allows ${list(outside)}`, span, {
              label: 'outside the residency',
              help: `remove ${list(outside)} from the rule, or change the residency of \`${dc.name}\``,
            });
          }
        }
        for (const providerNode of field.providers) {
          const provider = model.providers.get(providerNode.text)?.ir;
          if (!provider) continue;
          if (provider.dpa_signed === null && SENSITIVE.has(dc.sensitivity)) {
            ctx.report('GOV2031', `data class \`${dc.name}\` may reach provider \`${provider.name}\`, which has no DPA`, providerNode.span, {
              label: 'no data processing agreement',
              help: `sign a DPA and record it (\`dpa signed DATE\` in provider \`${provider.name}\`), or remove \`${provider.name}\` from the rule`,
            });
          }
          if (SENSITIVE.has(dc.sensitivity) && provider.trains_on_customer_data) {
            ctx.report('GOV2034', `${dc.sensitivity}-sensitivity data class \`${dc.name}\` may reach provider \`${provider.name}\`, which may train on customer data`, providerNode.span, {
              help: `state \`trains_on_customer_data no\` in provider \`${provider.name}\` once the contract excludes training, or stop the flow`,
            });
          }
          const regions = flow.regions.length ? flow.regions : dc.residency;
          const unserved = regions.filter((r) => !provider.regions.includes(r));
          if (unserved.length > 0) {
            ctx.report('GOV2032', `provider \`${provider.name}\` does not serve ${list(unserved)}`, providerNode.span, {
              label: `serves ${list(provider.regions)}`,
              help: `add the region to provider \`${provider.name}\` if its contract covers it, or choose a provider that serves ${list(unserved)}`,
            });
          }
        }
      }
      checkModelsReceiveData(ctx, model, uc, decl.name.span);
    }
  },
};

function checkModelsReceiveData(ctx: CheckContext, model: SemanticModel, uc: IrUseCaseFacts, fallbackSpan: Span): void {
  const { decl } = model.useCases.get(uc.name)!;
  const modelsField = decl.fields.find((f) => f.kind === 'Models');
  const degrade = decl.fields.find((f) => f.kind === 'On' && f.degradeTo !== undefined);
  const spans = new Map<string, Span>();
  if (modelsField?.kind === 'Models') for (const n of [modelsField.primary, ...modelsField.fallbacks]) spans.set(n.text, n.span);
  const candidates = [...uc.models];
  if (uc.on_budget_exhausted?.degrade_to && !candidates.includes(uc.on_budget_exhausted.degrade_to)) {
    candidates.push(uc.on_budget_exhausted.degrade_to);
    if (degrade?.kind === 'On' && degrade.degradeTo) spans.set(degrade.degradeTo.text, degrade.degradeTo.span);
  }
  for (const name of candidates) {
    const m = model.models.get(name)?.ir;
    if (!m) continue;
    for (const [className, flow] of Object.entries(uc.data)) {
      if (flow.action !== 'allow' || flow.providers.includes(m.provider)) continue;
      const role = name === uc.models[0] ? 'primary model' : uc.models.includes(name) ? 'fallback model' : 'degrade model';
      ctx.report('GOV2033', `${role} \`${name}\` runs on provider \`${m.provider}\`, which may not receive data class \`${className}\``, spans.get(name) ?? fallbackSpan, {
        label: `\`${className}\` may only reach ${list(flow.providers)}`,
        help: `allow the provider in the rule (\`data ${className} -> ${[...flow.providers, m.provider].join(', ')} ...\`) or use a model of ${list(flow.providers)}`,
        notes: ['a request carrying this data would be denied on this model; the checker refuses it before it ships'],
      });
    }
    // Implicit flows: classes without a rule whose default lets them through reach every model's provider.
    const provider = model.providers.get(m.provider)?.ir;
    if (!provider || provider.dpa_signed !== null) continue;
    for (const dc of model.dataClasses.values()) {
      const cls: IrDataClass = dc.ir;
      if (own(uc.data, cls.name) || cls.default === 'deny' || !SENSITIVE.has(cls.sensitivity)) continue;
      ctx.report('GOV2031', `data class \`${cls.name}\` (default \`${cls.default}\`) may reach provider \`${provider.name}\`, which has no DPA`, spans.get(name) ?? fallbackSpan, {
        label: `model \`${name}\` runs on \`${provider.name}\``,
        help: `add \`data ${cls.name} deny\` to the use case, or sign a DPA with \`${provider.name}\``,
      });
    }
  }
}

function list(items: readonly string[]): string {
  return items.length ? items.map((i) => `\`${i}\``).join(', ') : 'no region';
}

export { list as quotedList };
