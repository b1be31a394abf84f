import type { ApprovalState } from '../explain/approvalState.js';

/**
 * The neutral document `govc doc` builds once per page and renders twice, as Markdown (markdown.ts) and as HTML
 * (site.ts), so both say the same. Text stays text here: each renderer escapes it for its own format.
 */

/** A page kind of the site: each has a folder and one page per name. */
export type PageKind = 'use_case' | 'model' | 'provider' | 'person';

/** A run of inline content. */
export type Inline =
  | string
  | { readonly kind: 'ref'; readonly page: PageKind; readonly name: string; readonly text: string }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'state'; readonly state: ApprovalState | 'met' | 'not_met' | 'missing' | 'todo'; readonly text: string };

export type Line = readonly Inline[];

export type Block =
  | { readonly type: 'fields'; readonly rows: ReadonlyArray<readonly [string, Line]> }
  | { readonly type: 'table'; readonly head: readonly string[]; readonly rows: ReadonlyArray<readonly Line[]> }
  | { readonly type: 'para'; readonly line: Line }
  | { readonly type: 'list'; readonly items: readonly Line[] }
  | { readonly type: 'diagram'; readonly useCase: string };

export interface Section {
  /** An anchor: lower-case letters and `-`. */
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface DocPage {
  readonly title: string;
  readonly subtitle: string | null;
  readonly sections: readonly Section[];
}

/** Joins lines with a separator (`, `). */
export function joinLine(lines: readonly Line[], sep: Inline = ', '): Inline[] {
  const out: Inline[] = [];
  lines.forEach((l, i) => {
    if (i > 0) out.push(sep);
    out.push(...l);
  });
  return out;
}
