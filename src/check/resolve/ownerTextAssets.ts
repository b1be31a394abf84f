import type { NameNode, StringNode } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';

/**
 * A stand-in for S1's `resolveOwner` (src/check/resolve/owners.ts, issue 10): the owner references of the asset
 * declarations (`prompt owner`, `budget_alert notify`) accept e-mail texts only until people and teams exist. The
 * lead replaces every call with S1's `resolveOwner(ctx, node)` at merge; the contract is the same: the e-mail
 * address, or undefined after reporting why not.
 */
export function resolveOwnerText(ctx: CheckContext, node: StringNode | NameNode): string | undefined {
  if (node.kind === 'Name') {
    ctx.report('GOV2001', `unknown person or team \`${node.text}\``, node.span, {
      label: 'not an e-mail address',
      help: `write the owner's e-mail address in quotes, for example \`"${node.text}@acme.example"\``,
    });
    return undefined;
  }
  if (!isEmailAddress(node.value)) {
    ctx.report('GOV2014', `\`${node.value}\` is not an e-mail address`, node.span, {
      label: 'not an e-mail address',
      help: 'an owner is an e-mail address such as `"oncall@acme.example"`: one `@`, a dot in the domain, no spaces',
    });
    return undefined;
  }
  return node.value;
}

/** One `@`, a non-empty local part, a dot inside the domain, no whitespace. */
export function isEmailAddress(text: string): boolean {
  if (/\s/.test(text)) return false;
  const at = text.indexOf('@');
  if (at <= 0 || at !== text.lastIndexOf('@')) return false;
  const domain = text.slice(at + 1);
  const dot = domain.indexOf('.');
  return dot > 0 && dot < domain.length - 1;
}
