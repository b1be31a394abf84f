import { fieldOf } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { approvalsOf, loc, title, uniqueNames } from './commonFields.js';
import { lookup } from './lookup.js';
import { resolveOwner } from './owners.js';
import type { SemanticModel } from './SemanticModel.js';

/**
 * `corpus` blocks (retrieval corpora, issue 10 1.8): owner, the data classes the corpus holds, its residency, the
 * embedding model, versions and approvals. Runs after data classes and models (it names both). The current
 * `version` counts as approved, as a model's does.
 */
export function resolveCorpora(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Corpus.values()) {
    const where = `in corpus \`${decl.name.text}\``;
    const classes = (fieldOf(decl, 'DataClasses')?.values ?? []).filter((n) => lookup(ctx, 'DataClass', n, where) !== undefined);
    const emb = fieldOf(decl, 'Embeddings');
    const embeddings = emb && lookup(ctx, 'Model', emb.model, where) ? emb.model.text : null;
    const ownerField = fieldOf(decl, 'Owner');
    const version = fieldOf(decl, 'Version')?.value.value ?? '';
    const approvedVersions = [...new Set([...(fieldOf(decl, 'ApprovedVersions')?.values.map((v) => v.value) ?? []), version])].filter((v) => v !== '');
    model.corpora.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        owner: (ownerField && resolveOwner(ctx, ownerField.value)) ?? '',
        data_classes: uniqueNames(classes),
        residency: uniqueNames(fieldOf(decl, 'Residency')?.values ?? []),
        embeddings,
        version,
        approved_versions: approvedVersions,
        approvals: approvalsOf(ctx, decl),
        source: loc(decl.name.span),
      },
    });
  }
}

/** A use case's `retrieval` list: declared corpora, each once, in the order written (unknown ones GOV2001). */
export function retrievalOf(ctx: CheckContext, decl: Parameters<typeof fieldOf>[0]): string[] {
  const where = `in use case \`${decl.name.text}\``;
  const out: string[] = [];
  for (const n of fieldOf(decl, 'Retrieval')?.values ?? []) {
    if (!lookup(ctx, 'Corpus', n, where)) continue;
    if (out.includes(n.text)) {
      ctx.report('GOV2003', `corpus \`${n.text}\` is listed twice in use case \`${decl.name.text}\``, n.span, { help: 'list each corpus once' });
      continue;
    }
    out.push(n.text);
  }
  return out;
}
