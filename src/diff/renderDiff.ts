import type { Decision } from '../decision/types.js';
import { clip } from '../diagnostics/render.js';
import { escapeInvisibleForDisplay } from '../source/invisible.js';
import type { ApprovalCheck } from './approvalAfterChange.js';
import type { IrDiff, MeaningChange } from './diffIr.js';

/** One side of a diff as the output names it. */
export interface DiffSide {
  /** As given on the command line. */
  readonly spec: string;
  readonly kind: 'git' | 'folder';
  /** For a git revision: the commit and its committer day. */
  readonly commit: string | null;
  readonly date: string | null;
  /** The program's path (in the repository for a revision). */
  readonly program: string;
  /** The IR's revision (content hash of the sources). */
  readonly revision: string;
}

export interface DiffReport {
  readonly old: DiffSide;
  readonly new: DiffSide;
  readonly asOf: string;
  readonly diff: IrDiff;
  readonly approvalCheck: ApprovalCheck | null;
  readonly exitCode: number;
}

/** The version of govc's diff JSON: a consumer accepts any 1.x and rejects another major, as with Terraform's plan JSON. */
export const DIFF_FORMAT_VERSION = '1.0';

function requestText(r: Record<string, unknown>): string {
  return JSON.stringify(r);
}

/** A decision in one line: `deny (model_not_allowed, data_class_denied)` or `allow gpt-4.1, retention 30 days`. */
export function decisionLine(d: Decision): string {
  if (d.decision === 'deny') return `deny (${[...new Set(d.reasons.map((r) => r.code))].join(', ')})`;
  const info = d.reasons.filter((r) => r.code !== 'allowed').map((r) => r.code);
  return `${d.decision} on ${d.model}${info.length > 0 ? ` (${info.join(', ')})` : ''}`;
}

/** What differs between the two decisions besides their kind, in a few words (obligations, limits, messages). */
export function decisionDelta(a: Decision, b: Decision): string[] {
  const out: string[] = [];
  for (const k of ['model', 'message', 'owner'] as const) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k}: ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`);
  const keys = new Set([...Object.keys(a.obligations ?? {}), ...Object.keys(b.obligations ?? {})]);
  for (const k of keys as Set<keyof NonNullable<Decision['obligations']>>) {
    const x = JSON.stringify(a.obligations?.[k] ?? null);
    const y = JSON.stringify(b.obligations?.[k] ?? null);
    if (x !== y) out.push(`obligations.${k}: ${x} → ${y}`);
  }
  for (const k of ['budgets', 'rate_limits'] as const) {
    const x = JSON.stringify(a.limits?.[k]);
    const y = JSON.stringify(b.limits?.[k]);
    if (x !== y) out.push(`limits.${k}: ${x} → ${y}`);
  }
  if (out.length === 0 && a.decision === b.decision) {
    const x = a.reasons.map((r) => r.message).join('; ');
    const y = b.reasons.map((r) => r.message).join('; ');
    if (x !== y) out.push(`reasons: ${x} → ${y}`);
  }
  return out;
}

function sideText(label: string, s: DiffSide): string {
  return s.kind === 'git'
    ? `${label} \`${s.spec}\` (commit ${s.commit!.slice(0, 12)}, ${s.date}, ${s.program || '.'})`
    : `${label} \`${s.spec}\` (folder)`;
}

function symbol(c: MeaningChange): string {
  return c.actions[0] === 'create' ? '+' : c.actions[0] === 'delete' ? '-' : '~';
}

function value(v: unknown): string {
  return v === null || v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v);
}

function groups(diff: IrDiff): Array<{ title: string; changes: MeaningChange[] }> {
  const out: Array<{ title: string; changes: MeaningChange[] }> = [];
  const org = diff.changes.filter((c) => c.use_case === null);
  if (org.length > 0) out.push({ title: 'org (every use case)', changes: org });
  const names = [...new Set(diff.changes.flatMap((c) => (c.use_case === null ? [] : [c.use_case])))];
  for (const n of names) out.push({ title: `use case \`${n}\``, changes: diff.changes.filter((c) => c.use_case === n) });
  return out;
}

const RESULT_WORDS = { no_change: 'no change in meaning', neutral: 'neutral changes only', narrowed: 'narrowed (nothing widened)', widened: 'WIDENED' } as const;

/** The default output: for people in a terminal. Every user-chosen string is shown with invisible characters escaped. */
export function renderText(report: DiffReport): string {
  const lines: string[] = [];
  lines.push(`govc diff: ${sideText('OLD', report.old)} → ${sideText('NEW', report.new)}`);
  const { diff } = report;
  if (diff.changes.length === 0) lines.push('', 'No change in meaning: every request is decided the same and every control is the same.');
  for (const g of groups(diff)) {
    lines.push('', `${g.title}:`);
    for (const c of g.changes) {
      lines.push(`  ${symbol(c)} ${c.classification.padEnd(8)} ${c.address}`);
      lines.push(`      ${c.what}: ${c.why}`);
      if (c.actions[0] === 'update') lines.push(`      before: ${value(c.before)}`, `      after:  ${value(c.after)}`);
      else lines.push(`      ${c.actions[0] === 'create' ? 'after' : 'before'}: ${value(c.actions[0] === 'create' ? c.after : c.before)}`);
      if (c.classification !== 'neutral') lines.push(...exampleText(c));
    }
  }
  if (report.approvalCheck) lines.push('', ...approvalText(report.approvalCheck));
  const s = diff.summary;
  lines.push('', `Result: ${RESULT_WORDS[s.result]} — ${s.widened} widened, ${s.narrowed} narrowed, ${s.neutral} neutral (exit ${report.exitCode})`);
  return lines.map((l) => escapeInvisibleForDisplay(l)).join('\n') + '\n';
}

function exampleText(c: MeaningChange): string[] {
  const ex = c.example;
  if (ex === null && c.example_status === 'not_searched') return ['      example: not searched (--no-examples, or the diff\'s budget of candidate requests is spent)'];
  if (ex === null) return ['      example: none found — no request tried is decided differently (the change is not visible in decisions)'];
  return [
    `      example: ${requestText(ex.request)}`,
    `        OLD: ${decisionLine(ex.before)}`,
    `        NEW: ${decisionLine(ex.after)}`,
    ...decisionDelta(ex.before, ex.after).map((d) => `        ${clip(d, 240)}`),
  ];
}

function approvalText(check: ApprovalCheck): string[] {
  if (check.passed) return [`Approval rule: passed (every widened use case whose tier requires approvers has an approval dated on or after ${check.change_date})`];
  return [
    `Approval rule: FAILED — widened use cases need an approval dated on or after ${check.change_date}:`,
    ...check.violations.map(
      (v) => `  use case \`${v.use_case}\` (tier \`${v.tier}\`, ${v.required_approvers} approver(s)): latest approval ${v.latest_approval ?? 'none dated'}`,
    ),
  ];
}

/** `--format json`: Terraform's plan JSON shape (`format_version`, changes with `address`, `actions`, `change.before`/`after`) plus govc's fields. */
export function renderJsonValue(report: DiffReport): unknown {
  const side = (s: DiffSide): unknown => ({ spec: s.spec, kind: s.kind, commit: s.commit, date: s.date, program: s.program, revision: s.revision });
  return {
    format_version: DIFF_FORMAT_VERSION,
    old: side(report.old),
    new: side(report.new),
    as_of: report.asOf,
    result: report.diff.summary.result,
    summary: { widened: report.diff.summary.widened, narrowed: report.diff.summary.narrowed, neutral: report.diff.summary.neutral },
    widened_use_cases: [...report.diff.widened_use_cases],
    changes: report.diff.changes.map((c) => ({
      address: c.address,
      use_case: c.use_case,
      what: c.what,
      actions: [...c.actions],
      change: { before: c.before, after: c.after },
      classification: c.classification,
      reason: c.why,
      example: c.example === null ? null : { request: c.example.request, before: c.example.before, after: c.example.after },
      example_status: c.example_status,
    })),
    approval_check: report.approvalCheck,
    exit_code: report.exitCode,
  };
}

/** Text inside a Markdown table cell or paragraph: Markdown's and HTML's special characters escaped, one line. */
export function escapeMd(text: string): string {
  return escapeInvisibleForDisplay(text)
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (ch) => `\\${ch}`);
}

/** A code span in a table cell: no backtick can close it early and no `|` can end the cell (GFM). */
function codeCell(text: string): string {
  return '`' + escapeInvisibleForDisplay(text).replace(/[\r\n]+/g, ' ').replace(/`/g, "'").replace(/\|/g, '\\|') + '`';
}

/** A fenced block that its content cannot close: the fence is longer than any backtick run inside. */
function fenced(lang: string, content: string): string[] {
  const text = content.split('\n').map((l) => escapeInvisibleForDisplay(l)).join('\n');
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [fence + lang, text, fence];
}

const BADGE = { widened: '🔴 widened', narrowed: '🟢 narrowed', neutral: '⚪ neutral' } as const;

/** `--format markdown`: a pull-request comment. */
export function renderMarkdown(report: DiffReport): string {
  const { diff } = report;
  const s = diff.summary;
  const lines: string[] = [];
  lines.push(`### govc diff: ${escapeMd(RESULT_WORDS[s.result])}`, '');
  lines.push(`${escapeMd(sideText('OLD', report.old))} → ${escapeMd(sideText('NEW', report.new))}`, '');
  lines.push(`**${s.widened}** widened, **${s.narrowed}** narrowed, **${s.neutral}** neutral (exit ${report.exitCode}).`, '');
  if (diff.changes.length > 0) {
    lines.push('| | change | what | before | after |', '|---|---|---|---|---|');
    for (const c of diff.changes) {
      lines.push(`| ${BADGE[c.classification]} | ${codeCell(c.address)} | ${escapeMd(`${c.what}: ${c.why}`)} | ${escapeMd(value(c.before))} | ${escapeMd(value(c.after))} |`);
    }
    lines.push('');
  }
  const withExamples = diff.changes.filter((c) => c.classification !== 'neutral');
  if (withExamples.length > 0) {
    lines.push('#### Example requests', '');
    for (const c of withExamples) {
      lines.push('<details>', `<summary>${escapeMd(`${c.classification}: ${c.address}`)}</summary>`, '');
      if (c.example === null) lines.push(c.example_status === 'not_searched' ? 'Not searched.' : 'No request tried is decided differently: the change is not visible in decisions.', '');
      else {
        lines.push(...fenced('json', JSON.stringify(c.example.request, null, 2)), '');
        lines.push(`- OLD: ${escapeMd(decisionLine(c.example.before))}`, `- NEW: ${escapeMd(decisionLine(c.example.after))}`);
        for (const d of decisionDelta(c.example.before, c.example.after)) lines.push(`- ${escapeMd(d)}`);
        lines.push('');
      }
      lines.push('</details>', '');
    }
  }
  if (report.approvalCheck) lines.push(...approvalText(report.approvalCheck).map((l) => escapeMd(l)), '');
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}
