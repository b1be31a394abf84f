import { providerEnvName, providerEnvStem } from '../../ir/providerEnv.js';
import { compareSpans, type Span } from '../../source/Source.js';
import type { Rule } from './RuleContext.js';

/**
 * Gateways read each provider's endpoint and keys from variables named after it (`GOVC_<PROVIDER>_API_KEY`,
 * ir/providerEnv.ts). Two providers whose names give the same variables (`azure-eu`, `azure_eu`) would be sent one
 * endpoint and one key: the data meant for one provider would reach the other.
 */
export const ProviderEnvRule: Rule = {
  name: 'ProviderEnv',
  codes: ['GOV2113'],
  run(ctx, model) {
    const byStem = new Map<string, { name: string; span: Span }[]>();
    for (const { ir: p, decl } of model.providers.values()) {
      const stem = providerEnvStem(p.name);
      const list = byStem.get(stem) ?? [];
      list.push({ name: p.name, span: decl.name.span });
      byStem.set(stem, list);
    }
    for (const list of byStem.values()) {
      if (list.length < 2) continue;
      list.sort((a, b) => compareSpans(a.span, b.span));
      const first = list[0]!;
      const key = providerEnvName(first.name, 'API_KEY');
      for (const other of list.slice(1)) {
        ctx.report('GOV2113', `providers \`${first.name}\` and \`${other.name}\` would read the same gateway environment (\`${key}\`, ...)`, other.span, {
          label: `reads the variables of \`${first.name}\``,
          related: [{ span: first.span, text: `\`${first.name}\`, whose endpoint and key are \`${providerEnvName(first.name, 'API_BASE')}\` and \`${key}\`` }],
          help: 'rename one provider so the two differ in more than case and `-`, `.` or `_`: each needs its own endpoint and key',
        });
      }
    }
  },
};
