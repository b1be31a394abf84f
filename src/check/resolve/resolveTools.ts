import { fieldOf } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { approvalsOf, loc, title } from './commonFields.js';
import { ownerOf } from './owners.js';
import type { SemanticModel } from './SemanticModel.js';

/** `tool` blocks: scopes, owner, approvals. */
export function resolveTools(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Tool.values()) {
    model.tools.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        scopes: [...new Set(fieldOf(decl, 'Scopes')?.values.map((v) => v.value) ?? [])],
        owner: ownerOf(ctx, decl) ?? null,
        approvals: approvalsOf(ctx, decl),
        // Language v2: the versions a tool rollback may return to (the current one among them, as for models).
        version: fieldOf(decl, 'Version')?.value.value ?? null,
        approved_versions: [...new Set([...(fieldOf(decl, 'ApprovedVersions')?.values.map((v) => v.value) ?? []), ...(fieldOf(decl, 'Version') ? [fieldOf(decl, 'Version')!.value.value] : [])])],
        source: loc(decl.name.span),
      },
    });
  }
}
