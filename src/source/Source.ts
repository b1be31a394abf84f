import { compareCodePoints } from '../util/compare.js';

/**
 * A `.gov` source file as the compiler sees it. `path` names it inside the program, posix-separated: relative to the
 * program root (`models.gov`, `shared/vendors.gov`) or `std/…` for the standard library, so the IR, reasons and the
 * revision never depend on where the program sits on disk. `display` is how diagnostics name it for a person
 * (relative to the working directory, so terminals and editors can open it); it defaults to `path`.
 */
export interface Source {
  readonly path: string;
  readonly text: string;
  readonly display?: string;
}

/** The name diagnostics show for a source. */
export function displayName(source: Source): string {
  return source.display ?? source.path;
}

/** A half-open range of UTF-16 offsets into one source. */
export interface Span {
  readonly source: Source;
  readonly start: number;
  readonly end: number;
}

export interface LineColumn {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column in UTF-16 code units. */
  readonly column: number;
}

const lineStartsCache = new WeakMap<Source, number[]>();

function lineStarts(source: Source): number[] {
  let starts = lineStartsCache.get(source);
  if (starts === undefined) {
    starts = [0];
    const text = source.text;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) starts.push(i + 1);
      else if (ch === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    lineStartsCache.set(source, starts);
  }
  return starts;
}

/** Converts an offset to a 1-based line and column; computed lazily, once per source. */
export function lineColumnOf(source: Source, offset: number): LineColumn {
  const starts = lineStarts(source);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}

/** The text of a 1-based line, without its terminator. */
export function lineText(source: Source, line: number): string {
  const starts = lineStarts(source);
  const start = starts[line - 1];
  if (start === undefined) return '';
  const next = starts[line];
  let end = next === undefined ? source.text.length : next;
  while (end > start && (source.text[end - 1] === '\n' || source.text[end - 1] === '\r')) end--;
  return source.text.slice(start, end);
}

export function lineCount(source: Source): number {
  return lineStarts(source).length;
}

/** `path:line:col` of a span's start, the form used in reasons and diagnostics. */
export function formatLocation(span: Span): string {
  const { line, column } = lineColumnOf(span.source, span.start);
  return `${span.source.path}:${line}:${column}`;
}

export function spanText(span: Span): string {
  return span.source.text.slice(span.start, span.end);
}

export function joinSpans(a: Span, b: Span): Span {
  return { source: a.source, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Position order (path, then offset), so which of two declarations is "the second" never depends on file order. */
export function compareSpans(a: Span, b: Span): number {
  return compareCodePoints(a.source.path, b.source.path) || a.start - b.start;
}
