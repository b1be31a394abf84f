import type { StringNode } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';

/**
 * STAND-IN for S1's `resolveOwner` (src/check/resolve/owners.ts, issue 10 1.1), which also resolves declared
 * `person` and `team` names. Until it merges, a `corpus owner` is an e-mail text only: one `@`, a dot inside the
 * domain, no spaces. Lower-cased, as approvers are. Replace the import in resolveCorpora.ts with S1's function and
 * delete this file when both are on main.
 */
export function resolveOwner(ctx: CheckContext, node: StringNode): string | undefined {
  const text = node.value;
  const at = text.indexOf('@');
  const domain = text.slice(at + 1);
  const dot = domain.indexOf('.');
  const ok = at > 0 && at === text.lastIndexOf('@') && !/\s/.test(text) && dot > 0 && dot < domain.length - 1 && !domain.includes('..');
  if (ok) return text.toLowerCase();
  ctx.report('GOV2014', `\`${text}\` is not an e-mail address`, node.span, {
    label: 'not an e-mail address',
    help: 'write an address such as `"support-content@acme.example"`',
  });
  return undefined;
}
