import { escapeInvisibleForDisplay } from '../source/invisible.js';
import { displayName, lineColumnOf, lineCount, lineText, type Span } from '../source/Source.js';
import type { Diagnostic } from './Diagnostic.js';

export interface RenderOptions {
  readonly color?: boolean;
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/**
 * Replaces control, bidirectional and invisible characters with `\u{X}` (source/invisible.ts), so a hostile file
 * can neither drive the user's terminal nor reorder what a diagnostic shows.
 */
function visible(text: string): string {
  return escapeInvisibleForDisplay(text.replace(/\t/g, '  '));
}

/** At most this many characters of any one message, label, help or note are printed (a name may be a megabyte). */
export const MAX_ECHO = 300;
/** Code frames show at most this many columns of a source line, around the underline. */
export const MAX_FRAME_COLUMNS = 160;

/** Any text for a terminal line (a path, a value from the command line): clipped, invisible characters escaped. */
export function printable(text: string, max: number = MAX_ECHO): string {
  return visible(clip(text, max));
}

/** Cuts text to `max` characters with a marker saying how much was left out; never splits a surrogate pair. */
export function clip(text: string, max: number = MAX_ECHO): string {
  if (text.length <= max) return text;
  let cut = max;
  if (/[\ud800-\udbff]/.test(text[cut - 1] ?? '')) cut--;
  return `${text.slice(0, cut)}… (${text.length - cut} more characters)`;
}

function location(span: Span): string {
  const { line, column } = lineColumnOf(span.source, span.start);
  return `${visible(clip(displayName(span.source)))}:${line}:${column}`;
}

/**
 * The part of a line a frame shows: all of it when short, else a window of MAX_FRAME_COLUMNS around `from`, with
 * `…` where it was cut. Returns the shown text and the offset of `from` in it.
 */
function frameWindow(text: string, from: number): { shown: string; shift: number } {
  if (text.length <= MAX_FRAME_COLUMNS) return { shown: text, shift: 0 };
  const start = Math.max(0, Math.min(from - 40, text.length - MAX_FRAME_COLUMNS));
  const end = Math.min(text.length, start + MAX_FRAME_COLUMNS);
  return { shown: (start > 0 ? '…' : '') + text.slice(start, end) + (end < text.length ? '…' : ''), shift: start - (start > 0 ? 1 : 0) };
}

/** The source line(s) around a span with the span underlined, in the style of rustc/miette/cedar. */
function codeFrame(span: Span, label: string | undefined, color: boolean): string[] {
  const start = lineColumnOf(span.source, span.start);
  const end = lineColumnOf(span.source, Math.max(span.start, span.end - 1));
  const gutterWidth = String(Math.min(end.line + 1, lineCount(span.source))).length;
  const gutter = (n?: number): string => paint(color, '34', `${n === undefined ? ' '.repeat(gutterWidth) : String(n).padStart(gutterWidth)} |`);
  const out: string[] = [gutter()];
  if (start.line > 1) out.push(`${gutter(start.line - 1)} ${visible(frameWindow(lineText(span.source, start.line - 1), 0).shown)}`);
  const full = lineText(span.source, start.line);
  const { shown: text, shift } = frameWindow(full, start.column - 1);
  out.push(`${gutter(start.line)} ${visible(text)}`);
  const from = start.column - 1 - shift;
  const prefix = visible(text.slice(0, from));
  const lastCol = (end.line === start.line ? end.column : full.length) - shift;
  const width = Math.max(1, visible(text.slice(from, Math.min(lastCol, text.length))).length);
  const marks = ' '.repeat(prefix.length) + '^'.repeat(width);
  out.push(`${gutter()} ${paint(color, '31;1', marks)}${label ? ' ' + paint(color, '31;1', visible(clip(label))) : ''}`);
  if (end.line > start.line) out.push(`${gutter()} ${paint(color, '2', `... through line ${end.line}`)}`);
  return out;
}

/** Human rendering: `error[GOV2003]: message`, the location, a code frame, related spans, help and notes. */
export function renderHuman(d: Diagnostic, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const sev = d.severity === 'error' ? paint(color, '31;1', `error[${d.code}]`) : paint(color, '33;1', `warning[${d.code}]`);
  const lines = [`${sev}: ${visible(clip(d.message))}`];
  if (d.span) {
    lines.push(`  ${paint(color, '34', '-->')} ${location(d.span)}`);
    lines.push(...codeFrame(d.span, d.label, color).map((l) => '  ' + l));
  }
  for (const r of d.related ?? []) {
    lines.push(`  ${paint(color, '34', ':::')} ${location(r.span)}${r.text ? ` ${visible(clip(r.text))}` : ''}`);
  }
  if (d.help) lines.push(`  = help: ${visible(clip(d.help))}`);
  for (const n of d.notes ?? []) lines.push(`  = note: ${visible(clip(n))}`);
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

/**
 * JSON rendering: the same fields, with `{line,column,offset}` start/end (as Elm's `toJson`). Texts are clipped as in
 * human output; the JSON writer (codegen/json.ts) escapes invisible characters.
 */
export function toJson(d: Diagnostic): Record<string, unknown> {
  return {
    code: d.code,
    severity: d.severity,
    message: clip(d.message),
    file: d.span ? displayName(d.span.source) : null,
    start: d.span ? position(d.span, d.span.start) : null,
    end: d.span ? position(d.span, d.span.end) : null,
    label: d.label === undefined ? null : clip(d.label),
    help: d.help === undefined ? null : clip(d.help),
    notes: (d.notes ?? []).map((n) => clip(n)),
    related: (d.related ?? []).map((r) => ({
      file: displayName(r.span.source),
      start: position(r.span, r.span.start),
      end: position(r.span, r.span.end),
      text: r.text === undefined ? null : clip(r.text),
    })),
  };
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
