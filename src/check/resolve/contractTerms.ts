import type { NameNode } from '../../ast/nodes.js';
import type { ContractTerm, IrProvider } from '../../ir/types.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';

export const CONTRACT_TERMS: readonly ContractTerm[] = ['dpa', 'zero_retention', 'no_training'];

/** The terms of a `requires` list (data class or flow), each once, in the order written; unknown ones are GOV2014. */
export function termsOf(ctx: CheckContext, names: readonly NameNode[]): ContractTerm[] {
  const out: ContractTerm[] = [];
  for (const n of names) {
    const term = CONTRACT_TERMS.find((t) => t === n.text);
    if (term === undefined) {
      ctx.report('GOV2014', `\`${n.text}\` is not a contract term`, n.span, {
        ...hintFor(n, CONTRACT_TERMS, `the terms are ${CONTRACT_TERMS.map((t) => `\`${t}\``).join(', ')}`),
      });
      continue;
    }
    if (!out.includes(term)) out.push(term);
  }
  return out;
}

/** A runtime the company operates itself is not a processor: it meets `dpa` without an agreement. */
export function selfOperated(p: IrProvider): boolean {
  return p.hosting !== 'vendor';
}

/** Whether a provider meets a term, as its block records it (hosting already folded into the defaults). */
export function meetsTerm(p: IrProvider, term: ContractTerm): boolean {
  if (term === 'dpa') return p.dpa_signed !== null || selfOperated(p);
  if (term === 'zero_retention') return p.zero_retention;
  return !p.trains_on_customer_data;
}

/** What the provider block should say to meet the term, for help texts. */
export function termFix(p: IrProvider, term: ContractTerm): string {
  if (term === 'dpa') return `\`dpa signed DATE\` (or \`hosting on_premises\` for a runtime the company operates) in provider \`${p.name}\``;
  if (term === 'zero_retention') return `\`zero_retention yes\` in provider \`${p.name}\``;
  return `\`trains_on_customer_data no\` in provider \`${p.name}\``;
}
