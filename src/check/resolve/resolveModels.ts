import { fieldOf, type DeclNode } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { count, moneyMicros } from '../units.js';
import { approvalsOf, loc, oneOf, title, uniqueNames } from './commonFields.js';
import { capacityOf } from './limits.js';
import { lookup } from './lookup.js';
import type { OrgDefaults } from './resolveOrg.js';
import type { SemanticModel } from './SemanticModel.js';

/**
 * Printable ASCII without spaces: every provider's ids are (Azure deployment names, Bedrock ids and ARNs, Hugging
 * Face names), and a gateway puts the deployment into URLs and headers, where a space or a control character would
 * change what is sent.
 */
const DEPLOYMENT_ID = /^[\x21-\x7e]+$/;

/** The id the provider serves the model under: the model's name unless `deployment` says otherwise. */
function deploymentOf(ctx: CheckContext, decl: DeclNode): string {
  const field = fieldOf(decl, 'Deployment');
  if (!field) return decl.name.text;
  const text = field.value.value;
  if (text.trim() === '') {
    ctx.report('GOV2111', `model \`${decl.name.text}\` has an empty deployment`, field.value.span, {
      label: 'empty',
      help: `write the id the provider serves the model under, or leave \`deployment\` out to use the name \`${decl.name.text}\``,
    });
    return decl.name.text;
  }
  if (!DEPLOYMENT_ID.test(text)) {
    ctx.report('GOV2111', `the deployment of model \`${decl.name.text}\` holds a space, a control or a non-ASCII character`, field.value.span, {
      label: 'not a provider id',
      help: 'a deployment is an id such as `gpt-41-eu` or `anthropic.claude-3-7-sonnet-20250219-v1:0`: printable ASCII, no spaces',
    });
    return decl.name.text;
  }
  return text;
}

/** `model` blocks: provider, versions, regions, prices (to nano-units per token), context window, status, approvals. */
export function resolveModels(ctx: CheckContext, model: SemanticModel, org: OrgDefaults): void {
  const cur = org.currency;
  for (const decl of ctx.decls.Model.values()) {
    const providerField = fieldOf(decl, 'ModelProvider');
    if (providerField) lookup(ctx, 'Provider', providerField.provider, `in model \`${decl.name.text}\``);
    const version = fieldOf(decl, 'Version')?.value.value ?? '';
    const approvedVersions = [...new Set([...(fieldOf(decl, 'ApprovedVersions')?.values.map((v) => v.value) ?? []), version])].filter((v) => v !== '');
    const price = fieldOf(decl, 'Price');
    let inNanos = 0;
    let outNanos = 0;
    if (price) {
      const perTokens = count(ctx, price.per, 'a price', ['tokens']);
      const input = moneyMicros(ctx, price.input, 'an input price');
      const output = moneyMicros(ctx, price.output, 'an output price');
      if (perTokens && perTokens.value !== 1000 && perTokens.value !== 1_000_000) {
        ctx.report('GOV2014', 'prices are per 1k or per 1M tokens', price.per.span, { help: 'write `per 1M tokens` (or `per 1k tokens`)' });
      }
      for (const [m, node] of [
        [input, price.input],
        [output, price.output],
      ] as const) {
        if (m && cur !== undefined && m.currency !== cur) {
          ctx.report('GOV2012', `price is in \`${m.currency}\` but the org's currency is \`${cur}\``, node.span, {
            help: `govc does not convert currencies: state prices in \`${cur}\``,
          });
        }
      }
      if (input && output && perTokens) {
        // micros per `per` tokens -> nanos per token
        const toNanos = (micros: number, node: typeof price.input): number => {
          const nanos = (micros * 1000) / perTokens.value;
          if (!Number.isInteger(nanos)) {
            ctx.report('GOV2017', 'price is finer than a billionth of a currency unit per token', node.span, {
              help: 'prices per 1M tokens take at most 3 decimals (per 1k tokens: 6)',
            });
            return Math.round(nanos);
          }
          return nanos;
        };
        inNanos = toNanos(input.micros, price.input);
        outNanos = toNanos(output.micros, price.output);
      }
    }
    const context = fieldOf(decl, 'Context');
    let contextTokens: number | null = null;
    if (context) contextTokens = count(ctx, context.size, 'a context window', ['tokens'])?.value ?? null;
    const status = fieldOf(decl, 'Status');
    const kindField = fieldOf(decl, 'ModelKind');
    model.models.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        provider: providerField?.provider.text ?? '',
        version,
        approved_versions: approvedVersions,
        regions: uniqueNames(fieldOf(decl, 'Regions')?.values ?? []),
        price: { input_nanos_per_token: inNanos, output_nanos_per_token: outNanos },
        context_tokens: contextTokens,
        status: (status && oneOf(ctx, status.value, ['approved', 'deprecated', 'revoked'] as const, 'model status')) ?? 'revoked',
        approvals: approvalsOf(ctx, decl),
        kind: (kindField && oneOf(ctx, kindField.value, ['chat', 'embedding'] as const, 'model kind')) ?? 'chat',
        deployment: deploymentOf(ctx, decl),
        capacity: capacityOf(ctx, decl),
        source: loc(decl.name.span),
      },
    });
  }
}
