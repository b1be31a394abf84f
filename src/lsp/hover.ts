import { DECL_KEYWORD, DECL_NOUN, type DeclKind, type DeclNode } from '../ast/nodes.js';
import type { SemanticModel } from '../check/resolve.js';
import { approvalView, isCounted, type ApprovalView } from '../explain/approvalState.js';
import type { IrApproval } from '../ir/types.js';
import { spanText } from '../source/Source.js';

/** A hover shows at most this many lines of a declaration: enough for a block, not a screenful of a hostile one. */
export const HOVER_MAX_LINES = 40;
const HOVER_MAX_CHARS = 4000;

/** What an approvable declaration needs to be let through, as the evaluator judges it (explain/approvalState.ts). */
interface ApprovalNeed {
  readonly approvals: readonly IrApproval[];
  /** Distinct valid approvers required; 0 when approvals are optional (but one that exists must be valid). */
  readonly required: number;
}

function approvalNeed(model: SemanticModel, kind: DeclKind, name: string): ApprovalNeed | undefined {
  switch (kind) {
    case 'UseCase': {
      const uc = model.useCases.get(name)?.ir;
      if (uc === undefined) return undefined;
      return { approvals: uc.approvals, required: model.tiers.get(uc.tier)?.ir.approvers ?? 0 };
    }
    case 'Prompt': {
      const p = model.prompts.get(name)?.ir;
      return p && { approvals: p.approvals, required: 1 };
    }
    case 'Model': {
      const m = model.models.get(name)?.ir;
      return m && { approvals: m.approvals, required: 0 };
    }
    case 'Tool': {
      const t = model.tools.get(name)?.ir;
      return t && { approvals: t.approvals, required: 0 };
    }
    case 'Corpus': {
      const c = model.corpora.get(name)?.ir;
      return c && { approvals: c.approvals, required: 0 };
    }
    default:
      return undefined;
  }
}

function stateWords(v: ApprovalView): string {
  switch (v.state) {
    case 'valid':
      return v.days_left === null ? 'valid, no expiry' : `valid, ${v.days_left} days left`;
    case 'expiring':
      return `expiring in ${v.days_left} day${v.days_left === 1 ? '' : 's'}`;
    case 'expired':
      return `expired on ${v.expires}`;
    case 'not_yet_valid':
      return `not yet valid (from ${v.on})`;
  }
}

/** The approval state of a declaration on `asOf`, as Markdown lines, or [] for what carries no approvals. */
export function approvalLines(model: SemanticModel, kind: DeclKind, name: string, asOf: string): string[] {
  const need = approvalNeed(model, kind, name);
  if (need === undefined) return [];
  const views = need.approvals.map((a) => approvalView(a, asOf));
  const valid = new Set(views.filter(isCounted).map((v) => v.approver)).size;
  const lines: string[] = [];
  if (views.length === 0) {
    lines.push(need.required > 0 ? `**Approval: missing** on ${asOf}: ${need.required} approver${need.required === 1 ? '' : 's'} required, none given` : `Approval: none given (none required) on ${asOf}`);
    return lines;
  }
  const met = need.required > 0 ? valid >= need.required : valid >= 1;
  const verdict = met ? (views.some((v) => v.state === 'expiring') ? 'expiring' : 'valid') : views.every((v) => v.state === 'expired') ? 'expired' : 'missing';
  const counted = need.required > 0 ? `${valid} of ${need.required} required approvers valid` : `${valid} valid`;
  lines.push(`**Approval: ${verdict}** on ${asOf} (${counted})`);
  for (const v of views) {
    const window = `${v.on ?? '?'} → ${v.expires ?? 'never'}`;
    lines.push(`- \`${v.approver}\`: ${stateWords(v)} (${window}${v.ticket === null ? '' : `, ticket ${v.ticket}`})`);
  }
  return lines;
}

/** The declaration's own text, clipped, in a fence no line of it can close. */
export function declarationBlock(decl: DeclNode): string {
  let text = spanText(decl.span);
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > HOVER_MAX_LINES) text = lines.slice(0, HOVER_MAX_LINES).join('\n') + '\n  …';
  if (text.length > HOVER_MAX_CHARS) text = text.slice(0, HOVER_MAX_CHARS) + ' …';
  let fence = '```';
  while (text.includes(fence)) fence += '`';
  return `${fence}gov\n${text}\n${fence}`;
}

/** The hover of a name: what it is, where it is declared, its block, and its approval state. */
export function hoverMarkdown(decl: DeclNode, model: SemanticModel, asOf: string): string {
  const head = `**${DECL_NOUN[decl.kind]}** \`${decl.name.text}\` — declared in \`${decl.span.source.path}\` (\`${DECL_KEYWORD[decl.kind]}\`)`;
  const approval = approvalLines(model, decl.kind, decl.name.text, asOf);
  return [head, ...(approval.length ? ['', ...approval] : []), '', declarationBlock(decl)].join('\n');
}
