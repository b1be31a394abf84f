import type { Span } from '../source/Source.js';
import type { DiagnosticCode, Severity } from './codes.js';

// Defined beside the registry (codes.ts), which gives every code one; part of a diagnostic's shape, so exported here too.
export type { Severity } from './codes.js';

export interface Label {
  readonly span: Span;
  readonly text?: string;
}

/**
 * A replacement the checker is confident enough to name (a did-you-mean candidate): replacing `span`'s text with
 * `replacement` is what the hint proposes. Editors offer one quick fix per suggestion (govc lsp); rendering ignores
 * it, so human and JSON output are the same with or without it.
 */
export interface Suggestion {
  readonly span: Span;
  readonly replacement: string;
}

/**
 * One problem found in any phase. Messages follow STYLE.md: lowercase, no final period, user values in backticks,
 * one line; everything else goes into `help` and `notes`.
 */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for problems that have no place in a source, such as a missing input path. */
  readonly span?: Span;
  readonly label?: string;
  readonly help?: string;
  readonly notes?: readonly string[];
  readonly related?: readonly Label[];
  /** Structured did-you-mean fixes, best first; set only where the checker knows the candidates. */
  readonly suggestions?: readonly Suggestion[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: by file, then offset, then code, so output does not depend on rule order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const pa = a.span?.source.path ?? '';
    const pb = b.span?.source.path ?? '';
    if (pa !== pb) return pa < pb ? -1 : 1;
    const oa = a.span?.start ?? -1;
    const ob = b.span?.start ?? -1;
    if (oa !== ob) return oa - ob;
    if (a.code !== b.code) return a.code < b.code ? -1 : 1;
    return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}
