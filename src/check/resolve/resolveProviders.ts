import { fieldOf } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { loc, oneOf, title, uniqueNames } from './commonFields.js';
import type { SemanticModel } from './SemanticModel.js';
import type { ProviderApi } from '../../ir/types.js';

export const PROVIDER_APIS: readonly ProviderApi[] = ['openai', 'azure_openai', 'anthropic', 'bedrock', 'openai_compatible'];

/** `provider` blocks: regions, DPA, retention and training terms, hosting, the api a gateway speaks to it. */
export function resolveProviders(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Provider.values()) {
    const dpa = fieldOf(decl, 'Dpa');
    const hostingField = fieldOf(decl, 'Hosting');
    const apiField = fieldOf(decl, 'Api');
    const hosting = (hostingField && oneOf(ctx, hostingField.value, ['vendor', 'on_premises', 'self_hosted'] as const, 'hosting')) ?? 'vendor';
    // A runtime the company operates keeps no data elsewhere and trains on nothing unless its block says otherwise.
    const selfRun = hosting !== 'vendor';
    model.providers.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        regions: uniqueNames(fieldOf(decl, 'Regions')?.values ?? []),
        dpa_signed: dpa?.signed?.value ?? null,
        zero_retention: fieldOf(decl, 'ZeroRetention')?.value ?? selfRun,
        // Unstated means "assume it might": the conservative reading for data protection (a vendor's runtime).
        trains_on_customer_data: fieldOf(decl, 'TrainsOnCustomerData')?.value ?? !selfRun,
        hosting,
        // Unstated: an OpenAI-compatible endpoint, what most runtimes (vLLM, Mistral, ...) serve.
        api: (apiField && oneOf(ctx, apiField.value, PROVIDER_APIS, 'provider api')) ?? 'openai_compatible',
        source: loc(decl.name.span),
      },
    });
  }
}
