import { fieldsOf } from '../../ast/nodes.js';
import type { Rule } from './RuleContext.js';

/** A granted scope matches a declared one exactly, or by prefix when it ends in `*`. */
export function scopeMatches(granted: string, scope: string): boolean {
  return granted.endsWith('*') ? scope.startsWith(granted.slice(0, -1)) : granted === scope;
}

/**
 * Tools and rollback: grants name scopes their tool declares; high-risk use cases grant no wildcard scopes
 * (least privilege for agents); a rollback target is a version that was once approved.
 */
export const ToolAndRollbackRule: Rule = {
  name: 'ToolAndRollback',
  codes: ['GOV2070', 'GOV2071', 'GOV2072'],
  run(ctx, model) {
    for (const { ir: uc, decl } of model.useCases.values()) {
      const tier = model.tiers.get(uc.tier)?.ir;
      const highRisk = tier !== undefined && (tier.name === 'high' || tier.requires.human_oversight);
      for (const grant of fieldsOf(decl, 'ToolGrant')) {
        const tool = model.tools.get(grant.tool.text)?.ir;
        if (!tool) continue;
        for (const s of grant.scopes) {
          if (s.value.includes('*') && highRisk) {
            ctx.report('GOV2071', `wildcard scope \`${s.value}\` in high-risk use case \`${uc.name}\``, s.span, {
              label: 'grants every matching scope',
              help: `list the exact scopes the agent needs: ${tool.scopes.filter((x) => scopeMatches(s.value, x)).map((x) => `\`"${x}"\``).join(', ') || 'none match'}`,
            });
          }
          if (!tool.scopes.some((declared) => scopeMatches(s.value, declared))) {
            ctx.report('GOV2072', `tool \`${tool.name}\` has no scope \`${s.value}\``, s.span, {
              label: 'not declared by the tool',
              help: `the tool declares ${tool.scopes.map((x) => `\`${x}\``).join(', ') || 'no scopes'}`,
            });
          }
        }
      }
      // Every rollback returns to a version that was once approved (language v2: of a model, a prompt, a tool or a corpus).
      for (const rb of fieldsOf(decl, 'Rollback')) {
        if (!rb.version) continue;
        const name = rb.model.text;
        const target =
          rb.asset === 'model'
            ? model.models.get(name)?.ir
            : rb.asset === 'prompt'
              ? model.prompts.get(name)?.ir
              : rb.asset === 'corpus'
                ? model.corpora.get(name)?.ir
                : model.tools.get(name)?.ir;
        if (!target || target.approved_versions.includes(rb.version.value)) continue;
        const none = target.approved_versions.length === 0;
        ctx.report('GOV2070', `version \`${rb.version.value}\` of ${rb.asset} \`${target.name}\` was never approved`, rb.version.span, {
          label: 'not an approved version',
          help: none
            ? `${rb.asset} \`${target.name}\` lists no approved versions: give it \`version\` and \`approved_versions\` once they are approved`
            : `roll back to one of ${target.approved_versions.map((v) => `\`${v}\``).join(', ')}, or add the version to \`approved_versions\` once it is approved`,
        });
      }
    }
  },
};
