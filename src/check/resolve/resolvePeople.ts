import { fieldOf, type DeclNode } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { loc, title } from './commonFields.js';
import { isEmailAddress, resolveOwners } from './owners.js';
import type { SemanticModel } from './SemanticModel.js';

/** The e-mail a person or team declares, lower-cased; GOV2080 when it is not an address (GOV2004 covers none). */
function emailOf(ctx: CheckContext, decl: DeclNode): string {
  const field = fieldOf(decl, 'Email');
  if (!field) return '';
  if (!isEmailAddress(field.value.value)) {
    ctx.report('GOV2080', `\`${field.value.value}\` is not an e-mail address`, field.value.span, {
      label: 'not an e-mail address',
      help: 'write the address owners and approvals stand for, such as `email "dana@acme.example"`',
    });
    return '';
  }
  return field.value.value.toLowerCase();
}

/** `person` and `team` blocks: the people and teams owner references may name (owners.ts). */
export function resolvePeople(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Person.values()) {
    model.people.set(decl.name.text, {
      decl,
      ir: { name: decl.name.text, email: emailOf(ctx, decl), title: title(decl), source: loc(decl.name.span) },
    });
  }
  for (const decl of ctx.decls.Team.values()) {
    model.teams.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        email: emailOf(ctx, decl),
        title: title(decl),
        members: resolveOwners(ctx, fieldOf(decl, 'Members')?.values ?? []),
        source: loc(decl.name.span),
      },
    });
  }
}
