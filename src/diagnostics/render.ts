import { lineColumnOf, lineCount, lineText, type Span } from '../source/Source.js';
import type { Diagnostic } from './Diagnostic.js';

export interface RenderOptions {
  readonly color?: boolean;
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Replaces control characters so a hostile file cannot drive the user's terminal through a diagnostic. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`).replace(/\t/g, '  ');
}

function location(span: Span): string {
  const { line, column } = lineColumnOf(span.source, span.start);
  return `${span.source.path}:${line}:${column}`;
}

/** The source line(s) around a span with the span underlined, in the style of rustc/miette/cedar. */
function codeFrame(span: Span, label: string | undefined, color: boolean): string[] {
  const start = lineColumnOf(span.source, span.start);
  const end = lineColumnOf(span.source, Math.max(span.start, span.end - 1));
  const gutterWidth = String(Math.min(end.line + 1, lineCount(span.source))).length;
  const gutter = (n?: number): string => paint(color, '34', `${n === undefined ? ' '.repeat(gutterWidth) : String(n).padStart(gutterWidth)} |`);
  const out: string[] = [gutter()];
  if (start.line > 1) out.push(`${gutter(start.line - 1)} ${visible(lineText(span.source, start.line - 1))}`);
  const text = lineText(span.source, start.line);
  out.push(`${gutter(start.line)} ${visible(text)}`);
  const prefix = visible(text.slice(0, start.column - 1));
  const lastCol = end.line === start.line ? end.column : text.length;
  const width = Math.max(1, visible(text.slice(start.column - 1, lastCol)).length);
  const marks = ' '.repeat(prefix.length) + '^'.repeat(width);
  out.push(`${gutter()} ${paint(color, '31;1', marks)}${label ? ' ' + paint(color, '31;1', visible(label)) : ''}`);
  if (end.line > start.line) out.push(`${gutter()} ${paint(color, '2', `... through line ${end.line}`)}`);
  return out;
}

/** Human rendering: `error[GOV2003]: message`, the location, a code frame, related spans, help and notes. */
export function renderHuman(d: Diagnostic, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const sev = d.severity === 'error' ? paint(color, '31;1', `error[${d.code}]`) : paint(color, '33;1', `warning[${d.code}]`);
  const lines = [`${sev}: ${visible(d.message)}`];
  if (d.span) {
    lines.push(`  ${paint(color, '34', '-->')} ${location(d.span)}`);
    lines.push(...codeFrame(d.span, d.label, color).map((l) => '  ' + l));
  }
  for (const r of d.related ?? []) {
    lines.push(`  ${paint(color, '34', ':::')} ${location(r.span)}${r.text ? ` ${visible(r.text)}` : ''}`);
  }
  if (d.help) lines.push(`  = help: ${visible(d.help)}`);
  for (const n of d.notes ?? []) lines.push(`  = note: ${visible(n)}`);
  lines.push(`  = note: run \`govc check --explain ${d.code}\` for details`);
  return lines.join('\n');
}

interface JsonPosition {
  line: number;
  column: number;
  offset: number;
}

function position(span: Span, offset: number): JsonPosition {
  const lc = lineColumnOf(span.source, offset);
  return { line: lc.line, column: lc.column, offset };
}

/** JSON rendering: the same fields, with `{line,column,offset}` start/end (as Elm's `toJson`). */
export function toJson(d: Diagnostic): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.span?.source.path ?? null,
    start: d.span ? position(d.span, d.span.start) : null,
    end: d.span ? position(d.span, d.span.end) : null,
    label: d.label ?? null,
    help: d.help ?? null,
    notes: d.notes ?? [],
    related: (d.related ?? []).map((r) => ({
      file: r.span.source.path,
      start: position(r.span, r.span.start),
      end: position(r.span, r.span.end),
      text: r.text ?? null,
    })),
  };
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
