import { fieldOf, fieldsOf, DECL_NOUN, type DeclNode } from '../../ast/nodes.js';
import { addDays, type CheckContext } from '../CheckContext.js';
import type { Rule } from './RuleContext.js';

export const EXPIRY_WARNING_DAYS = 30;

/**
 * Approvals: who signed off, and whether it still holds on the `--as-of` date (default today, fixed so builds
 * are reproducible). Segregation of duties: the owner of a use case or tool cannot approve it. Every use case
 * needs at least one approval.
 */
export const ApprovalRule: Rule = {
  name: 'Approval',
  codes: ['GOV2060', 'GOV2061', 'GOV2062', 'GOV2063', 'GOV2064', 'GOV2065', 'GOV2066'],
  run(ctx, model) {
    for (const { decl } of model.models.values()) checkApprovals(ctx, decl, undefined);
    for (const { decl, ir } of model.tools.values()) checkApprovals(ctx, decl, ir.owner ?? undefined);
    for (const { decl, ir } of model.corpora.values()) checkApprovals(ctx, decl, ir.owner || undefined);
    for (const { decl, ir } of model.useCases.values()) {
      checkApprovals(ctx, decl, ir.owner || undefined);
      if (ir.approvals.length === 0) {
        ctx.report('GOV2065', `use case \`${ir.name}\` has no approval`, decl.name.span, {
          label: 'never approved',
          help: 'record the sign-off: `approved_by "..." on DATE ticket GOV-123 expires DATE`',
        });
      }
    }
  },
};

function checkApprovals(ctx: CheckContext, decl: DeclNode, owner: string | undefined): void {
  const soon = addDays(ctx.asOf, EXPIRY_WARNING_DAYS);
  const seen = new Map<string, DeclNode['span']>();
  const what = `${DECL_NOUN[decl.kind]} \`${decl.name.text}\``;
  for (const { approval } of fieldsOf(decl, 'ApprovalField')) {
    const who = approval.approver.value;
    const first = seen.get(who.toLowerCase());
    if (first) {
      ctx.report('GOV2064', `\`${who}\` approves ${what} twice`, approval.approver.span, {
        related: [{ span: first, text: 'first approval' }],
        help: 'an approver counts once; renewals replace the old line instead of adding one',
      });
    } else seen.set(who.toLowerCase(), approval.approver.span);
    if (owner !== undefined && who.toLowerCase() === owner.toLowerCase()) {
      ctx.report('GOV2062', `\`${who}\` both owns and approves ${what}`, approval.approver.span, {
        label: 'the owner',
        help: 'segregation of duties: someone other than the owner must approve',
        related: [{ span: fieldOf(decl, 'Owner')?.value.span ?? decl.name.span, text: 'owner' }],
      });
    }
    const missing = [!approval.on && '`on DATE`', !approval.ticket && '`ticket ID`', !approval.expires && '`expires DATE`'].filter((x): x is string => Boolean(x));
    if (missing.length > 0) {
      // An approval without a date, a ticket or an expiry cannot be audited, and one without expiry never lapses.
      ctx.report('GOV2066', `approval of ${what} by \`${who}\` has no ${missing.join(', ')}`, approval.span, {
        label: 'incomplete',
        help: `write the whole approval: \`approved_by "${who}" on 2026-01-15 ticket GOV-123 expires 2027-01-15\``,
      });
    }
    if (approval.on && approval.expires && approval.expires.value < approval.on.value) {
      ctx.report('GOV2063', `approval by \`${who}\` expires ${approval.expires.value}, before it was given on ${approval.on.value}`, approval.expires.span, {
        help: 'check the dates: an approval is valid from `on` through `expires`',
      });
      continue;
    }
    if (approval.expires && approval.expires.value < ctx.asOf) {
      ctx.report('GOV2060', `approval of ${what} by \`${who}\` expired on ${approval.expires.value}`, approval.expires.span, {
        label: `expired before ${ctx.asOf}`,
        help: 'renew the approval (new date, ticket and expiry) or retire what it approved; at runtime requests are denied',
        notes: [`judged as of ${ctx.asOf}; pass \`--as-of YYYY-MM-DD\` to check against another date`],
      });
    } else if (approval.expires && approval.expires.value <= soon) {
      ctx.report('GOV2061', `approval of ${what} by \`${who}\` expires on ${approval.expires.value}, within ${EXPIRY_WARNING_DAYS} days`, approval.expires.span, {
        label: 'expiring soon',
        help: 'schedule the renewal now; once it lapses, requests are denied',
      });
    }
  }
}
