import { fieldsOf } from '../../ast/nodes.js';
import type { ContractTerm, IrDataClass, IrDataFlow, IrProvider, IrUseCaseFacts } from '../../ir/types.js';
import type { Span } from '../../source/Source.js';
import type { CheckContext } from '../CheckContext.js';
import { own } from '../records.js';
import type { SemanticModel } from '../resolve.js';
import { meetsTerm, selfOperated, termFix } from '../resolve/contractTerms.js';
import type { Rule } from './RuleContext.js';

const SENSITIVE = new Set(['high', 'critical']);

/** A provider a flow reaches: named in the rule, or the provider of a model named in it. */
interface Reached {
  readonly provider: IrProvider;
  readonly span: Span;
  readonly viaModel: string | null;
}

/**
 * Data flows: where each data class may go. Residency (data with `residency eu` stays in the EU), DPAs (no
 * personal or confidential data to a provider without a data processing agreement, GDPR Art. 28, unless the
 * company runs the runtime itself), regions a provider actually serves, the contract terms a class or flow
 * requires of every provider it reaches, and that every class with a rule can reach some model of the use case.
 */
export const DataFlowRule: Rule = {
  name: 'DataFlow',
  codes: ['GOV2030', 'GOV2031', 'GOV2032', 'GOV2033', 'GOV2034', 'GOV2091'],
  run(ctx, model) {
    for (const { ir: uc, decl } of model.useCases.values()) {
      for (const field of fieldsOf(decl, 'Data')) {
        const flow = own(uc.data, field.dataClass.text);
        const dc = model.dataClasses.get(field.dataClass.text)?.ir;
        if (!flow || !dc || flow.action !== 'allow') continue;
        const targets = [...flow.providers, ...flow.models.map((m) => `model ${m}`)];
        // Residency: the flow must be confined to the class's regions.
        if (dc.residency.length > 0) {
          const outside = flow.regions.filter((r) => !dc.residency.includes(r));
          if (flow.regions.length === 0) {
            ctx.report('GOV2030', `data class \`${dc.name}\` must stay in ${list(dc.residency)}, but this rule allows any region`, field.span, {
              label: 'no `in` regions',
              help: `confine the flow: \`data ${dc.name} -> ${targets.join(', ')} in ${dc.residency.join(', ')}\``,
            });
          } else if (outside.length > 0) {
            const span = field.regions.find((r) => outside.includes(r.text))?.span ?? field.span;
            ctx.report('GOV2030', `data class \`${dc.name}\` must stay in ${list(dc.residency)}, but this rule allows ${list(outside)}`, span, {
              label: 'outside the residency',
              help: `remove ${list(outside)} from the rule, or change the residency of \`${dc.name}\``,
            });
          }
        }
        const terms = [...new Set([...dc.requires, ...flow.requires])];
        for (const { provider, span, viaModel } of reachedProviders(model, field.targets, flow)) {
          const via = viaModel === null ? '' : ` (model \`${viaModel}\`)`;
          const remove = viaModel === null ? `remove \`${provider.name}\` from the rule` : `remove model \`${viaModel}\` from the rule`;
          const noDpa = provider.dpa_signed === null && !selfOperated(provider) && SENSITIVE.has(dc.sensitivity);
          if (noDpa) {
            ctx.report('GOV2031', `data class \`${dc.name}\` may reach provider \`${provider.name}\`${via}, which has no DPA`, span, {
              label: 'no data processing agreement',
              help: `sign a DPA and record it (\`dpa signed DATE\` in provider \`${provider.name}\`), state \`hosting on_premises\` if the company runs it, or ${remove}`,
            });
          }
          for (const term of terms) {
            // A missing DPA on sensitive data is already GOV2031; say it once.
            if (meetsTerm(provider, term) || (term === 'dpa' && noDpa)) continue;
            reportTerm(ctx, dc, term, provider, span, `data class \`${dc.name}\` requires \`${term}\`, which provider \`${provider.name}\`${via} does not meet`, `record ${termFix(provider, term)} if its contract says so, or ${remove}`);
          }
          if (SENSITIVE.has(dc.sensitivity) && provider.trains_on_customer_data && !terms.includes('no_training')) {
            ctx.report('GOV2034', `${dc.sensitivity}-sensitivity data class \`${dc.name}\` may reach provider \`${provider.name}\`${via}, which may train on customer data`, span, {
              help: `state \`trains_on_customer_data no\` in provider \`${provider.name}\` once the contract excludes training, or stop the flow`,
            });
          }
          const regions = flow.regions.length ? flow.regions : dc.residency;
          const unserved = regions.filter((r) => !provider.regions.includes(r));
          if (unserved.length > 0) {
            ctx.report('GOV2032', `provider \`${provider.name}\` does not serve ${list(unserved)}`, span, {
              label: `serves ${list(provider.regions)}`,
              help: `add the region to provider \`${provider.name}\` if its contract covers it, or choose a provider that serves ${list(unserved)}`,
            });
          }
        }
        // A target that did not resolve was reported already; judging reachability without it would mislead.
        if (targets.length === field.targets.length) checkReachesSomeModel(ctx, model, uc, dc.name, flow, field.span, targets);
      }
      checkImplicitFlows(ctx, model, uc, decl.name.span);
    }
  },
};

function reachedProviders(model: SemanticModel, targets: readonly { name: { text: string; span: Span } }[], flow: Extract<IrDataFlow, { action: 'allow' }>): Reached[] {
  const spanOf = (name: string): Span | undefined => targets.find((t) => t.name.text === name)?.name.span;
  const out: Reached[] = [];
  for (const p of flow.providers) {
    const provider = model.providers.get(p)?.ir;
    const span = spanOf(p);
    if (provider && span) out.push({ provider, span, viaModel: null });
  }
  for (const m of flow.models) {
    const ir = model.models.get(m)?.ir;
    const provider = ir ? model.providers.get(ir.provider)?.ir : undefined;
    const span = spanOf(m);
    // A model of a provider the rule names already reaches it: check the provider once.
    if (provider && span && !flow.providers.includes(provider.name)) out.push({ provider, span, viaModel: m });
  }
  return out;
}

/**
 * GOV2033: a class with a `->` rule must reach at least one model of the use case, else every request carrying it
 * is denied by construction. A model that may not take some class needs no diagnostic: the decision picks another.
 */
function checkReachesSomeModel(
  ctx: CheckContext,
  model: SemanticModel,
  uc: IrUseCaseFacts,
  className: string,
  flow: Extract<IrDataFlow, { action: 'allow' }>,
  span: Span,
  targets: readonly string[],
): void {
  if (uc.models.length === 0) return;
  const reaches = uc.models.some((name) => flow.models.includes(name) || flow.providers.includes(model.models.get(name)?.ir.provider ?? ''));
  if (reaches) return;
  const primary = uc.models[0]!;
  ctx.report('GOV2033', `data class \`${className}\` can reach no model of use case \`${uc.name}\``, span, {
    label: `may only reach ${targets.length ? list(targets) : 'nothing'}`,
    help: `name a model of the use case in the rule (\`data ${className} -> ${[...targets, `model ${primary}`].join(', ')} ...\`), or add a model of ${list(targets)} to \`models\``,
    notes: ['every request carrying this data would be denied; the checker refuses it before it ships'],
  });
}

/** Classes without a rule whose default lets them through reach every model's provider: DPA and required terms. */
function checkImplicitFlows(ctx: CheckContext, model: SemanticModel, uc: IrUseCaseFacts, fallbackSpan: Span): void {
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
    const provider = m ? model.providers.get(m.provider)?.ir : undefined;
    if (!provider) continue;
    const span = spans.get(name) ?? fallbackSpan;
    for (const dc of model.dataClasses.values()) {
      const cls: IrDataClass = dc.ir;
      if (own(uc.data, cls.name) || cls.default === 'deny') continue;
      const noDpa = provider.dpa_signed === null && !selfOperated(provider) && SENSITIVE.has(cls.sensitivity);
      if (noDpa) {
        ctx.report('GOV2031', `data class \`${cls.name}\` (default \`${cls.default}\`) may reach provider \`${provider.name}\`, which has no DPA`, span, {
          label: `model \`${name}\` runs on \`${provider.name}\``,
          help: `add \`data ${cls.name} deny\` to the use case, or sign a DPA with \`${provider.name}\``,
        });
      }
      for (const term of cls.requires) {
        if (meetsTerm(provider, term) || (term === 'dpa' && noDpa)) continue;
        reportTerm(ctx, cls, term, provider, span, `data class \`${cls.name}\` (default \`${cls.default}\`) requires \`${term}\`, which provider \`${provider.name}\` (model \`${name}\`) does not meet`, `add a rule for \`${cls.name}\` to providers that meet it (or \`data ${cls.name} deny\`), or record ${termFix(provider, term)} if its contract says so`);
      }
    }
  }
}

function reportTerm(ctx: CheckContext, dc: IrDataClass, term: ContractTerm, provider: IrProvider, span: Span, message: string, help: string): void {
  ctx.report('GOV2091', message, span, {
    label: `\`${provider.name}\` does not meet \`${term}\``,
    help,
    notes: [dc.requires.includes(term) ? `data class \`${dc.name}\` requires it of every provider it reaches` : 'the data rule requires it'],
  });
}

function list(items: readonly string[]): string {
  return items.length ? items.map((i) => `\`${i}\``).join(', ') : 'no region';
}

export { list as quotedList };
