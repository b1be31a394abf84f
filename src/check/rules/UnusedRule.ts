import type { Rule } from './RuleContext.js';

/** Models, tools and providers that nothing uses are likely leftovers; tiers and data classes come from libraries. */
export const UnusedRule: Rule = {
  name: 'Unused',
  codes: ['GOV2007'],
  run(ctx, model) {
    const usedModels = new Set<string>();
    const usedTools = new Set<string>();
    const usedProviders = new Set<string>();
    for (const { ir } of model.useCases.values()) {
      ir.models.forEach((m) => usedModels.add(m));
      if (ir.on_budget_exhausted?.degrade_to) usedModels.add(ir.on_budget_exhausted.degrade_to);
      for (const rb of ir.rollbacks) if (rb.asset === 'model') usedModels.add(rb.name);
      for (const rb of ir.rollbacks) if (rb.asset === 'tool') usedTools.add(rb.name);
      Object.keys(ir.tools).forEach((t) => usedTools.add(t));
      for (const flow of Object.values(ir.data)) if (flow.action === 'allow') flow.providers.forEach((p) => usedProviders.add(p));
    }
    const usedCorpora = new Set<string>();
    for (const { ir } of model.useCases.values()) ir.corpora.forEach((k) => usedCorpora.add(k));
    for (const { ir } of model.corpora.values()) if (ir.embeddings !== null) usedModels.add(ir.embeddings);
    for (const { ir } of model.models.values()) usedProviders.add(ir.provider);
    const warn = (kind: string, name: string, span: Parameters<typeof ctx.report>[2]): void =>
      ctx.report('GOV2007', `${kind} \`${name}\` is never used`, span, {
        label: 'unused',
        help: `remove it, or reference it from a use case`,
      });
    for (const { ir, decl } of model.models.values()) if (!usedModels.has(ir.name)) warn('model', ir.name, decl.name.span);
    for (const { ir, decl } of model.tools.values()) if (!usedTools.has(ir.name)) warn('tool', ir.name, decl.name.span);
    for (const { ir, decl } of model.providers.values()) if (!usedProviders.has(ir.name)) warn('provider', ir.name, decl.name.span);
    const usedPrompts = new Set([...model.useCases.values()].flatMap(({ ir }) => ir.prompts));
    for (const { ir, decl } of model.prompts.values()) if (!usedPrompts.has(ir.name)) warn('prompt', ir.name, decl.name.span);
    for (const { ir, decl } of model.corpora.values()) if (!usedCorpora.has(ir.name)) warn('corpus', ir.name, decl.name.span);
  },
};
