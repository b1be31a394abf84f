import { fieldOf, fieldsOf, ownerRefText, type ApprovalNode, type DeclNode, type LogField, type NameNode } from '../../ast/nodes.js';
import type { IrApproval, IrLog, LogLevel } from '../../ir/types.js';
import { formatLocation, type Span } from '../../source/Source.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';
import { resolveOwner } from './owners.js';

/** Readers of what several kinds of declaration share: titles, approvals, log levels, enumerated words, names. */

const LOG_LEVELS: readonly LogLevel[] = ['none', 'redacted', 'full'];
const LOG_CHANNELS = ['inputs', 'outputs', 'tool_calls'] as const;

export const loc = (span: Span): string => formatLocation(span);

export function title(decl: DeclNode): string | null {
  return fieldOf(decl, 'Title')?.value.value ?? null;
}

export function approvalsOf(ctx: CheckContext, decl: DeclNode): IrApproval[] {
  return fieldsOf(decl, 'ApprovalField').map(({ approval }) => approvalIr(ctx, approval));
}

/** An approval as the IR records it; its approver is a person or an e-mail (owners.ts), never a team. */
export function approvalIr(ctx: CheckContext, a: ApprovalNode): IrApproval {
  return {
    // Email addresses are case-insensitive: `CTO@acme.example` is the same person as `cto@acme.example`. An
    // approver that does not resolve is reported; the text stands in (a program with errors is never lowered).
    approver: resolveOwner(ctx, a.approver, 'person') ?? ownerRefText(a.approver).toLowerCase(),
    on: a.on?.value ?? null,
    ticket: a.ticket ? (a.ticket.kind === 'Name' ? a.ticket.text : a.ticket.value) : null,
    // `expires never` and a missing `expires` (GOV2066) both lower to null: only the former passes the check.
    expires: a.expires?.value ?? null,
    source: loc(a.span),
  };
}

export function logOf(ctx: CheckContext, field: LogField | undefined, base: IrLog): IrLog {
  if (!field) return base;
  const log: Record<string, LogLevel> = { ...base };
  const seen = new Set<string>();
  for (const item of field.items) {
    const channel = item.channel.text;
    if (!(LOG_CHANNELS as readonly string[]).includes(channel)) {
      ctx.report('GOV2014', `\`${channel}\` is not a log channel`, item.channel.span, {
        ...hintFor(item.channel, LOG_CHANNELS, 'the channels are `inputs`, `outputs` and `tool_calls`'),
      });
      continue;
    }
    if (seen.has(channel)) {
      ctx.report('GOV2003', `log channel \`${channel}\` is given twice`, item.channel.span, { help: 'keep one level per channel' });
    }
    seen.add(channel);
    const level = item.level.text as LogLevel;
    if (!LOG_LEVELS.includes(level)) {
      ctx.report('GOV2014', `\`${item.level.text}\` is not a log level`, item.level.span, {
        ...hintFor(item.level, LOG_LEVELS, 'the levels are `none`, `redacted` and `full`'),
      });
      continue;
    }
    log[channel] = level;
  }
  return log as unknown as IrLog;
}

export function oneOf<T extends string>(ctx: CheckContext, name: NameNode, allowed: readonly T[], what: string): T | undefined {
  if ((allowed as readonly string[]).includes(name.text)) return name.text as T;
  ctx.report('GOV2014', `\`${name.text}\` is not a valid ${what}`, name.span, {
    ...hintFor(name, allowed, `use one of ${allowed.map((a) => `\`${a}\``).join(', ')}`),
  });
  return undefined;
}

export function uniqueNames(names: readonly NameNode[]): string[] {
  return [...new Set(names.map((n) => n.text))];
}
