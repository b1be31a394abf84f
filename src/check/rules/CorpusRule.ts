import { fieldOf, type NameNode } from '../../ast/nodes.js';
import type { IrCorpus, IrDataClass, IrUseCaseFacts } from '../../ir/types.js';
import type { Span } from '../../source/Source.js';
import type { CheckContext } from '../CheckContext.js';
import { own } from '../records.js';
import type { SemanticModel } from '../resolve.js';
import { meetsTerm, selfOperated, termFix } from '../resolve/contractTerms.js';
import { quotedList } from './DataFlowRule.js';
import type { Rule } from './RuleContext.js';

const SENSITIVE = new Set(['high', 'critical']);

/**
 * Retrieval corpora (issue 10 1.8). Embeddings are data leaving the company too: the embedding model must be an
 * embedding model, and its provider must meet, for every class the corpus holds, the class's residency, a DPA for
 * high/critical data (unless the company operates the runtime) and the class's required contract terms. A use case
 * may not retrieve a corpus holding a class it denies, and some model of the use case must take all its classes,
 * since every retrieval sends them to the model.
 */
export const CorpusRule: Rule = {
  name: 'Corpus',
  codes: ['GOV2093', 'GOV2094', 'GOV2095', 'GOV2096', 'GOV2097', 'GOV2098'],
  run(ctx, model) {
    for (const { ir, decl } of model.corpora.values()) {
      const emb = fieldOf(decl, 'Embeddings');
      if (emb && ir.embeddings !== null) checkEmbeddings(ctx, model, ir, emb.model);
    }
    for (const { ir: uc, decl } of model.useCases.values()) {
      const names = fieldOf(decl, 'Retrieval')?.values ?? [];
      for (const name of uc.corpora) {
        const corpus = model.corpora.get(name)?.ir;
        const span = names.find((n) => n.text === name)?.span ?? decl.name.span;
        if (corpus) checkRetrieval(ctx, model, uc, corpus, span);
      }
    }
  },
};

function checkEmbeddings(ctx: CheckContext, model: SemanticModel, corpus: IrCorpus, name: NameNode): void {
  const m = model.models.get(name.text)?.ir;
  if (!m) return;
  if (m.kind !== 'embedding') {
    ctx.report('GOV2093', `model \`${m.name}\` of corpus \`${corpus.name}\` is not an embedding model`, name.span, {
      label: `a \`${m.kind}\` model`,
      help: `name a model declared \`kind embedding\`, or add \`kind embedding\` to model \`${m.name}\` if that is what it is`,
    });
  }
  const provider = model.providers.get(m.provider)?.ir;
  if (!provider) return;
  const via = `provider \`${provider.name}\` (embedding model \`${m.name}\`)`;
  const residencies: Array<{ what: string; regions: readonly string[] }> = [];
  if (corpus.residency.length > 0) residencies.push({ what: `corpus \`${corpus.name}\``, regions: corpus.residency });
  const classes: IrDataClass[] = corpus.data_classes.flatMap((c) => model.dataClasses.get(c)?.ir ?? []);
  for (const dc of classes) if (dc.residency.length > 0) residencies.push({ what: `data class \`${dc.name}\``, regions: dc.residency });
  for (const { what, regions } of residencies) {
    if (regions.some((r) => provider.regions.includes(r))) continue;
    ctx.report('GOV2094', `${what} must stay in ${quotedList(regions)}, but ${via} serves only ${quotedList(provider.regions)}`, name.span, {
      label: 'embeddings computed outside the residency',
      help: `compute the embeddings with a model whose provider serves ${quotedList(regions)}, or add the region to provider \`${provider.name}\` if its contract covers it`,
      notes: ['embedding a corpus sends its text to the embedding model\'s provider'],
    });
  }
  for (const dc of classes) {
    const noDpa = provider.dpa_signed === null && !selfOperated(provider) && SENSITIVE.has(dc.sensitivity);
    if (noDpa) {
      ctx.report('GOV2095', `${dc.sensitivity}-sensitivity data class \`${dc.name}\` of corpus \`${corpus.name}\` is embedded by ${via}, which has no DPA`, name.span, {
        label: 'no data processing agreement',
        help: `sign a DPA and record it (\`dpa signed DATE\` in provider \`${provider.name}\`), state \`hosting on_premises\` if the company runs it, or embed with another model`,
      });
    }
    for (const term of dc.requires) {
      if (meetsTerm(provider, term) || (term === 'dpa' && noDpa)) continue;
      ctx.report('GOV2096', `data class \`${dc.name}\` of corpus \`${corpus.name}\` requires \`${term}\`, which ${via} does not meet`, name.span, {
        label: `\`${provider.name}\` does not meet \`${term}\``,
        help: `record ${termFix(provider, term)} if its contract says so, or embed with a model whose provider meets it`,
        notes: [`data class \`${dc.name}\` requires it of every provider it reaches, embedding providers included`],
      });
    }
  }
}

/** Whether model `name` of the use case may receive class `dc` (its rule, or its default when it has none). */
function mayReceive(model: SemanticModel, uc: IrUseCaseFacts, dc: IrDataClass, name: string): boolean {
  const flow = own(uc.data, dc.name);
  if (!flow) return dc.default !== 'deny';
  if (flow.action === 'deny') return false;
  return flow.models.includes(name) || flow.providers.includes(model.models.get(name)?.ir.provider ?? '');
}

function checkRetrieval(ctx: CheckContext, model: SemanticModel, uc: IrUseCaseFacts, corpus: IrCorpus, span: Span): void {
  const classes: IrDataClass[] = corpus.data_classes.flatMap((c) => model.dataClasses.get(c)?.ir ?? []);
  let denied = false;
  for (const dc of classes) {
    const flow = own(uc.data, dc.name);
    const how = flow?.action === 'deny' ? `\`data ${dc.name} deny\`` : !flow && dc.default === 'deny' ? `its default (\`default deny\`) and no rule` : undefined;
    if (how === undefined) continue;
    denied = true;
    ctx.report('GOV2097', `use case \`${uc.name}\` retrieves corpus \`${corpus.name}\`, which holds data class \`${dc.name}\` it denies`, span, {
      label: `holds \`${dc.name}\``,
      help: `remove \`${corpus.name}\` from \`retrieval\`, or allow the class with a rule (\`data ${dc.name} -> ...\`) if it may reach the model`,
      notes: [`the use case denies \`${dc.name}\` by ${how}; every retrieval sends the corpus's classes to the model`],
    });
  }
  if (denied || uc.models.length === 0 || classes.length === 0) return;
  if (uc.models.some((m) => classes.every((dc) => mayReceive(model, uc, dc, m)))) return;
  ctx.report('GOV2098', `no model of use case \`${uc.name}\` may receive every data class of corpus \`${corpus.name}\``, span, {
    label: `holds ${quotedList(classes.map((c) => c.name))}`,
    help: `let one model of the use case take all of them (name it in each class's rule), or split the corpus`,
    notes: ['every request retrieving this corpus would be denied; the checker refuses it before it ships'],
  });
}
