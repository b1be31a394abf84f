import type { NameNode } from '../../ast/nodes.js';
import type { Rule } from './RuleContext.js';

/**
 * Embedding models compute retrieval embeddings; they cannot answer a request. One in a use case's `models` (or
 * as its degrade target) would be chosen for requests it cannot serve, so it is an error (issue 10, 1.3).
 */
export const ModelKindRule: Rule = {
  name: 'ModelKind',
  codes: ['GOV2092'],
  run(ctx, model) {
    for (const { decl } of model.useCases.values()) {
      const names: NameNode[] = [];
      for (const f of decl.fields) {
        if (f.kind === 'Models') names.push(f.primary, ...f.fallbacks);
        else if (f.kind === 'On' && f.degradeTo) names.push(f.degradeTo);
      }
      for (const n of names) {
        if (model.models.get(n.text)?.ir.kind !== 'embedding') continue;
        ctx.report('GOV2092', `embedding model \`${n.text}\` cannot serve use case \`${decl.name.text}\``, n.span, {
          label: 'declared `kind embedding`',
          help: 'list chat models here; an embedding model computes a corpus\'s embeddings (`embeddings ' + n.text + '` in a `corpus` block)',
        });
      }
    }
  },
};
