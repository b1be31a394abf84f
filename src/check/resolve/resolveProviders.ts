import { fieldOf } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { loc, title, uniqueNames } from './commonFields.js';
import type { SemanticModel } from './SemanticModel.js';

/** `provider` blocks: regions, DPA, retention and training terms. */
export function resolveProviders(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Provider.values()) {
    const dpa = fieldOf(decl, 'Dpa');
    model.providers.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        regions: uniqueNames(fieldOf(decl, 'Regions')?.values ?? []),
        dpa_signed: dpa?.signed?.value ?? null,
        zero_retention: fieldOf(decl, 'ZeroRetention')?.value ?? false,
        // Unstated means "assume it might": the conservative reading for data protection.
        trains_on_customer_data: fieldOf(decl, 'TrainsOnCustomerData')?.value ?? true,
        source: loc(decl.name.span),
      },
    });
  }
}
