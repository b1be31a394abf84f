import { fieldOf, fieldsOf, ownerRefText, DECL_NOUN, type DeclNode } from '../../ast/nodes.js';
import type { IrApproval } from '../../ir/types.js';
import type { SemanticModel } from '../resolve.js';
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
  codes: ['GOV2060', 'GOV2061', 'GOV2062', 'GOV2063', 'GOV2064', 'GOV2065', 'GOV2066', 'GOV2082'],
  run(ctx, model) {
    for (const { decl, ir } of model.models.values()) checkApprovals(ctx, decl, ir.approvals, { email: null, team: null }, expiryIsWarning(model, ir.name));
    for (const { decl, ir } of model.tools.values()) checkApprovals(ctx, decl, ir.approvals, owningEmails(model, decl, ir.owner), false);
    for (const { decl, ir } of model.prompts.values()) checkApprovals(ctx, decl, ir.approvals, owningEmails(model, decl, ir.owner), false);
    for (const { decl, ir } of model.corpora.values()) checkApprovals(ctx, decl, ir.approvals, owningEmails(model, decl, ir.owner || null), false);
    for (const { decl, ir } of model.useCases.values()) {
      checkApprovals(ctx, decl, ir.approvals, owningEmails(model, decl, ir.owner || null), false);
      if (ir.approvals.length === 0) {
        ctx.report('GOV2065', `use case \`${ir.name}\` has no approval`, decl.name.span, {
          label: 'never approved',
          help: 'record the sign-off: `approved_by "..." on DATE ticket GOV-123 expires DATE`',
        });
      }
    }
  },
};

/**
 * Who may not approve: the owner (an e-mail address) and, when the owner is a declared team, each of its members
 * (segregation of duties, GOV2062).
 */
interface Owning {
  readonly email: string | null;
  /** The owning team's name and members, when the owner is a declared team. */
  readonly team: { readonly name: string; readonly members: readonly string[] } | null;
}

function owningEmails(model: SemanticModel, decl: DeclNode, owner: string | null): Owning {
  if (owner === null) return { email: null, team: null };
  const ref = fieldOf(decl, 'Owner')?.value;
  const team = ref?.kind === 'Name' ? model.teams.get(ref.text) : undefined;
  return { email: owner.toLowerCase(), team: team ? { name: team.ir.name, members: team.ir.members } : null };
}

/**
 * A register keeps its history: the lapsed approvals of an expired or revoked model that nothing references (no
 * use case's models, degrade target or rollback) are a warning (GOV2082), not GOV2060. Referencing it stays an
 * error (GOV2060 here, GOV2040 for a revoked one).
 */
function expiryIsWarning(model: SemanticModel, name: string): boolean {
  for (const { ir } of model.useCases.values()) {
    if (ir.models.includes(name) || ir.on_budget_exhausted?.degrade_to === name || ir.rollbacks.some((r) => r.asset === 'model' && r.name === name)) return false;
  }
  return true;
}

function checkApprovals(ctx: CheckContext, decl: DeclNode, irApprovals: readonly IrApproval[], owners: Owning, historical: boolean): void {
  const soon = addDays(ctx.asOf, EXPIRY_WARNING_DAYS);
  const seen = new Map<string, DeclNode['span']>();
  const what = `${DECL_NOUN[decl.kind]} \`${decl.name.text}\``;
  const approvals = fieldsOf(decl, 'ApprovalField');
  for (let i = 0; i < approvals.length; i++) {
    const { approval } = approvals[i]!;
    // Written as in the source; compared by the e-mail address it stands for (a person resolves to theirs).
    const who = ownerRefText(approval.approver);
    const email = irApprovals[i]?.approver ?? who.toLowerCase();
    const first = seen.get(email);
    if (first) {
      ctx.report('GOV2064', `\`${who}\` approves ${what} twice`, approval.approver.span, {
        related: [{ span: first, text: 'first approval' }],
        help: 'an approver counts once; renewals replace the old line instead of adding one',
      });
    } else seen.set(email, approval.approver.span);
    const member = owners.email !== email && owners.team !== null && owners.team.members.includes(email);
    if (owners.email === email || member) {
      const message = member ? `\`${who}\` approves ${what}, which their team \`${owners.team!.name}\` owns` : `\`${who}\` both owns and approves ${what}`;
      ctx.report('GOV2062', message, approval.approver.span, {
        label: member ? 'a member of the owning team' : 'the owner',
        help: 'segregation of duties: someone other than the owner must approve',
        related: [{ span: fieldOf(decl, 'Owner')?.value.span ?? decl.name.span, text: 'owner' }],
      });
    }
    const noExpiry = !approval.expires && !approval.expiresNever;
    const missing = [!approval.on && '`on DATE`', !approval.ticket && '`ticket ID`', noExpiry && '`expires DATE`'].filter((x): x is string => Boolean(x));
    if (missing.length > 0) {
      // An approval without a date, a ticket or an expiry cannot be audited; no expiry must be said (`expires never`).
      const written = approval.approver.kind === 'String' ? `"${who}"` : who;
      ctx.report('GOV2066', `approval of ${what} by \`${who}\` has no ${missing.join(', ')}`, approval.span, {
        label: 'incomplete',
        help: `write the whole approval: \`approved_by ${written} on 2026-01-15 ticket GOV-123 expires 2027-01-15\``,
        ...(noExpiry && { notes: ['an approval that never lapses says so: `expires never`'] }),
      });
    }
    if (approval.on && approval.expires && approval.expires.value < approval.on.value) {
      ctx.report('GOV2063', `approval by \`${who}\` expires ${approval.expires.value}, before it was given on ${approval.on.value}`, approval.expires.span, {
        help: 'check the dates: an approval is valid from `on` through `expires`',
      });
      continue;
    }
    if (approval.expires && approval.expires.value < ctx.asOf && historical) {
      ctx.report('GOV2082', `approval of ${what} by \`${who}\` expired on ${approval.expires.value}; the model is kept as a record`, approval.expires.span, {
        label: `expired before ${ctx.asOf}`,
        help: 'no use case references this model, so its lapsed approval is history; a use case that names it again needs a renewed approval',
        notes: [`judged as of ${ctx.asOf}; requests naming the model are denied (\`model_approval_expired\` or \`model_revoked\`)`],
      });
    } else if (approval.expires && approval.expires.value < ctx.asOf) {
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
