import { fieldOf, type DeclNode, type OwnerRefNode } from '../../ast/nodes.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';

/**
 * Owner references (docs/language.md "Owners"): an e-mail text, or the name of a declared `person` or `team`.
 * Every field that names who owns, approves, is notified or may read something resolves through `resolveOwner`, so
 * each is checked the same way and lowered to an e-mail address (lower-cased: addresses compare without case).
 */

/** One `@`, a dot inside the domain, no spaces: enough to catch a name written as text, not an RFC 5322 parser. */
export function isEmailAddress(text: string): boolean {
  const at = text.indexOf('@');
  if (at <= 0 || at !== text.lastIndexOf('@') || /\s/.test(text)) return false;
  const domain = text.slice(at + 1);
  const dot = domain.indexOf('.');
  return dot > 0 && dot < domain.length - 1 && !domain.includes('..');
}

/** What an owner reference may name: `approved_by` takes people only (a team cannot sign an approval). */
export type OwnerKinds = 'person_or_team' | 'person';

/** The e-mail a `person` or `team` declares, lower-cased; undefined when it has none or it is not an address. */
export function declaredEmail(decl: DeclNode): string | undefined {
  const email = fieldOf(decl, 'Email')?.value.value;
  return email !== undefined && isEmailAddress(email) ? email.toLowerCase() : undefined;
}

/**
 * The e-mail address an owner reference stands for, lower-cased, or undefined after reporting why it has none:
 * GOV2080 for a text that is not an e-mail address or a name no `person` or `team` declares, GOV2081 for a team
 * where only a person may stand (`approved_by`).
 */
export function resolveOwner(ctx: CheckContext, node: OwnerRefNode, kinds: OwnerKinds = 'person_or_team'): string | undefined {
  if (node.kind === 'String') {
    if (isEmailAddress(node.value)) return node.value.toLowerCase();
    const asName = ctx.decls.Person.get(node.value) ?? ctx.decls.Team.get(node.value);
    ctx.report('GOV2080', `\`${node.value}\` is not an e-mail address`, node.span, {
      label: 'not an e-mail address',
      help: asName
        ? `\`${node.value}\` is a declared ${asName.kind === 'Person' ? 'person' : 'team'}: write it without quotes, \`${node.value}\``
        : 'write an address such as `"dana@acme.example"`, or the name of a declared `person` or `team` (without quotes)',
    });
    return undefined;
  }
  const person = ctx.decls.Person.get(node.text);
  if (person) {
    ctx.noteReference(node, person);
    return declaredEmail(person);
  }
  const team = ctx.decls.Team.get(node.text);
  if (team) {
    ctx.noteReference(node, team);
    if (kinds === 'person') {
      ctx.report('GOV2081', `team \`${node.text}\` cannot approve`, node.span, {
        label: 'a team',
        help: 'an approval is one accountable person: name a declared `person` or write their e-mail address',
        related: [{ span: team.name.span, text: 'declared as a team here' }],
      });
      return undefined;
    }
    return declaredEmail(team);
  }
  const candidates = [...ctx.decls.Person.keys(), ...ctx.decls.Team.keys()];
  ctx.report('GOV2080', `unknown person or team \`${node.text}\``, node.span, {
    label: 'not declared by any `person` or `team` block',
    ...hintFor(node, candidates, `declare it (\`person ${node.text} { email "..." }\` or \`team ${node.text} { email "..." }\`), or write an e-mail address in quotes`),
  });
  return undefined;
}

/** The declaration's `owner` field, resolved (undefined when absent or not resolvable, the latter reported). */
export function ownerOf(ctx: CheckContext, decl: DeclNode): string | undefined {
  const field = fieldOf(decl, 'Owner');
  return field ? resolveOwner(ctx, field.value) : undefined;
}

/** Every reference of a list, resolved, in order and without repeats (those that do not resolve are reported and dropped). */
export function resolveOwners(ctx: CheckContext, nodes: readonly OwnerRefNode[], kinds: OwnerKinds = 'person_or_team'): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const email = resolveOwner(ctx, n, kinds);
    if (email !== undefined && !out.includes(email)) out.push(email);
  }
  return out;
}
