import type { DataField } from '../../ast/nodes.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';
import { lookup } from './lookup.js';

/**
 * The targets of a `->` data rule, split into providers and models. `provider NAME` and `model NAME` say which; a
 * bare name is whichever is declared, and a name declared as both is GOV2090 (the rule would mean two things).
 */
export function flowTargetsOf(ctx: CheckContext, field: DataField): { providers: string[]; models: string[] } {
  const providers: string[] = [];
  const models: string[] = [];
  const where = `in the \`${field.dataClass.text}\` data rule`;
  const add = (list: string[], name: string): void => {
    if (!list.includes(name)) list.push(name);
  };
  for (const t of field.targets) {
    const name = t.name.text;
    if (t.qualifier === 'provider') {
      if (lookup(ctx, 'Provider', t.name, where)) add(providers, name);
      continue;
    }
    if (t.qualifier === 'model') {
      if (lookup(ctx, 'Model', t.name, where)) add(models, name);
      continue;
    }
    const isProvider = ctx.decls.Provider.has(name);
    const isModel = ctx.decls.Model.has(name);
    if (isProvider && isModel) {
      ctx.report('GOV2090', `\`${name}\` is both a provider and a model ${where}`, t.name.span, {
        label: 'ambiguous target',
        help: `write \`provider ${name}\` (every model of the provider) or \`model ${name}\` (only that model)`,
      });
    } else if (isProvider) {
      ctx.noteReference(t.name, ctx.decls.Provider.get(name)!);
      add(providers, name);
    } else if (isModel) {
      ctx.noteReference(t.name, ctx.decls.Model.get(name)!);
      add(models, name);
    }
    else {
      const candidates = [...ctx.decls.Provider.keys(), ...ctx.decls.Model.keys()];
      ctx.report('GOV2001', `unknown provider or model \`${name}\` ${where}`, t.name.span, {
        label: 'not declared by any `provider` or `model` block',
        ...hintFor(t.name, candidates, 'a data rule sends a class to providers (all their models) or to single models'),
      });
    }
  }
  return { providers, models };
}
