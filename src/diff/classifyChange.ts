import type { IrApproval, IrProgram } from '../ir/types.js';
import { approvalValid } from '../eval/evaluate.js';
import type { Classification, LeafKind } from './meaningLeaves.js';

/** Why a leaf's change is classified as it is, in words for a reviewer. */
export interface Classified {
  readonly classification: Classification;
  readonly why: string;
  /** Days on which approvals differ (for `dates` leaves): the example search tries them. */
  readonly dates?: readonly string[];
}

export interface ClassifyContext {
  readonly oldIr: IrProgram | null;
  readonly newIr: IrProgram | null;
}

const RANK: Record<Classification, number> = { neutral: 0, narrowed: 1, widened: 2 };

/** The stronger of two classifications: widened over narrowed over neutral. */
export function stronger(a: Classification, b: Classification): Classification {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The other direction: widened ↔ narrowed; neutral stays. */
export function opposite(c: Classification): Classification {
  return c === 'widened' ? 'narrowed' : c === 'narrowed' ? 'widened' : 'neutral';
}

function show(v: unknown): string {
  return v === null ? 'none' : typeof v === 'string' ? `\`${v}\`` : JSON.stringify(v);
}

/** Mixed changes (some of it widens, some narrows) are widened: a reviewer must see the widening. */
function mixed(parts: Array<{ c: Classification; text: string }>): Classified {
  let c: Classification = 'neutral';
  for (const p of parts) c = stronger(c, p.c);
  const hasW = parts.some((p) => p.c === 'widened');
  const hasN = parts.some((p) => p.c === 'narrowed');
  const why = parts.map((p) => p.text).join('; ') + (hasW && hasN ? ' (it also narrows; counted as widened)' : '');
  return { classification: c, why };
}

function providerOf(ctx: ClassifyContext, model: string): string | undefined {
  for (const ir of [ctx.newIr, ctx.oldIr]) {
    if (ir && Object.prototype.hasOwnProperty.call(ir.models, model)) return ir.models[model]!.provider;
  }
  return undefined;
}

/** Whether `x` is allowed by the members of `set` (`*` is everything; a scope `p*` covers every scope starting with `p`). */
function covered(ctx: ClassifyContext, x: string, set: readonly string[], covers: 'scopes' | 'targets' | undefined): boolean {
  if (set.includes('*') || set.includes(x)) return true;
  if (covers === 'scopes') {
    return set.some((g) => g.endsWith('*') && x.startsWith(g.slice(0, -1)));
  }
  if (covers === 'targets' && x.startsWith('model:')) {
    const p = providerOf(ctx, x.slice('model:'.length));
    return p !== undefined && set.includes(`provider:${p}`);
  }
  return false;
}

/**
 * Classifies the change of one leaf from `before` to `after` (both present: an entry created or deleted is
 * classified by its `presence` kind instead). Never throws.
 */
export function classifyChange(kind: LeafKind, before: unknown, after: unknown, ctx: ClassifyContext): Classified {
  switch (kind.k) {
    case 'neutral':
    case 'hidden':
      return { classification: 'neutral', why: 'no decision or control depends on it' };
    case 'presence':
      return { classification: kind.present, why: 'changed' };
    case 'set': {
      const b = (before ?? []) as string[];
      const a = (after ?? []) as string[];
      const added = a.filter((x) => !covered(ctx, x, b, kind.covers));
      const removed = b.filter((x) => !covered(ctx, x, a, kind.covers));
      const parts: Array<{ c: Classification; text: string }> = [];
      if (added.length > 0) parts.push({ c: kind.more, text: `newly ${kind.more === 'narrowed' ? 'required' : 'allowed'}: ${added.map(show).join(', ')}` });
      if (removed.length > 0) parts.push({ c: opposite(kind.more), text: `no longer ${kind.more === 'narrowed' ? 'required' : 'allowed'}: ${removed.map(show).join(', ')}` });
      if (kind.order !== undefined) {
        const common = b.filter((x) => a.includes(x));
        const commonAfter = a.filter((x) => b.includes(x));
        if (common.join('\u0000') !== commonAfter.join('\u0000')) {
          parts.push({ c: kind.order, text: `new order ${commonAfter.map(show).join(', ')} (was ${common.map(show).join(', ')})` });
        }
      }
      if (parts.length === 0) return { classification: 'neutral', why: 'the same members, written differently' };
      return mixed(parts);
    }
    case 'num': {
      const inf = kind.nullIs === 'infinity';
      const b = before === null ? (inf ? Infinity : null) : (before as number);
      const a = after === null ? (inf ? Infinity : null) : (after as number);
      if (b === null || a === null) {
        // One side has no value at all: a limit appears or goes.
        const c: Classification = a === null ? opposite(kind.higher) : kind.higher;
        return { classification: c === 'neutral' ? 'widened' : c, why: `${show(before)} → ${show(after)}` };
      }
      if (a === b) return { classification: 'neutral', why: 'the same value' };
      const c = a > b ? kind.higher : opposite(kind.higher);
      return { classification: c, why: `${a > b ? 'raised' : 'lowered'} from ${show(before)} to ${show(after)}` };
    }
    case 'rank': {
      const bi = kind.order.indexOf(before as string);
      const ai = kind.order.indexOf(after as string);
      if (bi < 0 || ai < 0) return { classification: 'widened', why: `${show(before)} → ${show(after)}: not comparable, counted as widened` };
      return { classification: ai > bi ? kind.higher : opposite(kind.higher), why: `${show(before)} → ${show(after)}` };
    }
    case 'bool':
      return { classification: after === true ? kind.whenTrue : opposite(kind.whenTrue), why: `${before ? 'yes' : 'no'} → ${after ? 'yes' : 'no'}` };
    case 'nullable': {
      if (before === null) return { classification: kind.present, why: `added: ${show(after)}` };
      if (after === null) return { classification: opposite(kind.present), why: `removed (was ${show(before)})` };
      return { classification: kind.changed, why: `${show(before)} → ${show(after)}${kind.changed === 'widened' ? ': a different one, not comparable, counted as widened' : ''}` };
    }
    case 'threshold': {
      const b = before as { op: string; threshold: number };
      const a = after as { op: string; threshold: number };
      const text = `\`${b.op} ${b.threshold}\` → \`${a.op} ${a.threshold}\``;
      const lowerBound = (op: string): boolean => op === '>=' || op === '>';
      if (lowerBound(a.op) !== lowerBound(b.op)) return { classification: 'widened', why: `${text}: the bound changed direction, not comparable, counted as widened` };
      // For `>=`/`>` a lower threshold passes more runs; for `<=`/`<` a higher one does. Strictness breaks ties.
      const looser = lowerBound(a.op)
        ? a.threshold < b.threshold || (a.threshold === b.threshold && a.op === '>=' && b.op === '>')
        : a.threshold > b.threshold || (a.threshold === b.threshold && a.op === '<=' && b.op === '<');
      return { classification: looser ? 'widened' : 'narrowed', why: `${text}: ${looser ? 'loosened' : 'tightened'}` };
    }
    case 'dates':
      return classifyDates(kind.rule, before, after);
    case 'other':
      return { classification: 'widened', why: `${show(before)} → ${show(after)}: govc cannot tell whether this allows more, so it counts as widened` };
  }
}

interface DatesValue {
  readonly required?: number;
  readonly approvals?: readonly IrApproval[];
}

function approvalsOf(v: unknown): { required: number; approvals: IrApproval[] } {
  if (Array.isArray(v)) return { required: 1, approvals: v as IrApproval[] };
  const d = v as DatesValue;
  return { required: d.required ?? 1, approvals: [...(d.approvals ?? [])] };
}

/** The day after `date` (YYYY-MM-DD), or null past 9999-12-31. */
export function nextDay(date: string): string | null {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(t)) return null;
  const next = new Date(t + 86_400_000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(next) ? next : null;
}

export function previousDay(date: string): string | null {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(t)) return null;
  const prev = new Date(t - 86_400_000).toISOString().slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(prev) ? prev : null;
}

/** Whether the asset counts as approved on `date`, as the decision's step for it says. */
function approvedOn(rule: 'use_case' | 'any_or_none' | 'any', v: { required: number; approvals: IrApproval[] }, date: string): boolean {
  if (rule === 'use_case') return new Set(v.approvals.filter((a) => approvalValid(a, date)).map((a) => a.approver)).size >= v.required;
  if (rule === 'any_or_none' && v.approvals.length === 0) return true;
  return v.approvals.some((a) => approvalValid(a, date));
}

/**
 * Approvals compared by their meaning: the days on which the asset is approved. Validity changes only at an
 * approval's first day and the day after its last, so one day per stretch between those decides for the stretch.
 */
function classifyDates(rule: 'use_case' | 'any_or_none' | 'any', before: unknown, after: unknown): Classified {
  const b = approvalsOf(before);
  const a = approvalsOf(after);
  const points = new Set<string>();
  for (const x of [...b.approvals, ...a.approvals]) {
    if (x.on !== null) points.add(x.on);
    if (x.expires !== null) {
      const n = nextDay(x.expires);
      if (n !== null) points.add(n);
    }
  }
  const days = [...points].sort();
  const first = days[0] === undefined ? '2026-01-01' : previousDay(days[0]);
  if (first !== null) days.unshift(first);
  let gained = false;
  let lost = false;
  const differing: string[] = [];
  for (const d of days) {
    const was = approvedOn(rule, b, d);
    const is = approvedOn(rule, a, d);
    if (was !== is) differing.push(d);
    if (is && !was) gained = true;
    if (was && !is) lost = true;
  }
  const req = b.required !== a.required ? ` (the tier requires ${b.required} → ${a.required} approver(s))` : '';
  if (!gained && !lost) return { classification: 'neutral', why: `approvals changed, but the days on which it is approved did not${req}` };
  const classification: Classification = gained ? 'widened' : 'narrowed';
  const words = gained && lost ? 'approved on other days (approved on some new days; counted as widened)' : gained ? 'approved on more days (an approval added, extended or a requirement lowered)' : 'approved on fewer days';
  return { classification, why: `${words}; first such day ${differing[0]}${req}`, dates: differing.slice(0, 8) };
}
