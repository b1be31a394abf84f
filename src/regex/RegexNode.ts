import type { CodePointSet } from './codePointSet.js';

/** The syntax tree of a pattern in govc's portable subset, and the structural facts every analysis reads. */
interface Spanned {
  /** Offsets into the pattern text, end exclusive. */
  readonly start: number;
  readonly end: number;
}
export type RegexNode =
  | (Spanned & { readonly kind: 'Set'; readonly set: CodePointSet })
  | (Spanned & { readonly kind: 'Assert'; readonly negated: boolean })
  | (Spanned & { readonly kind: 'Seq'; readonly items: readonly RegexNode[] })
  | (Spanned & { readonly kind: 'Alt'; readonly alternatives: readonly RegexNode[] })
  | (Spanned & { readonly kind: 'Repeat'; readonly body: RegexNode; readonly min: number; readonly max: number });


export function isNullable(n: RegexNode): boolean {
  switch (n.kind) {
    case 'Set':
      return false;
    case 'Assert':
      return true;
    case 'Seq':
      return n.items.every(isNullable);
    case 'Alt':
      return n.alternatives.some(isNullable);
    case 'Repeat':
      return n.min === 0 || isNullable(n.body);
  }
}

/** Longest match in code points (Infinity when unbounded). */
export function maxLength(n: RegexNode): number {
  switch (n.kind) {
    case 'Set':
      return 1;
    case 'Assert':
      return 0;
    case 'Seq':
      return n.items.reduce((s, i) => s + maxLength(i), 0);
    case 'Alt':
      return Math.max(...n.alternatives.map(maxLength));
    case 'Repeat':
      return n.max === 0 ? 0 : n.max === Infinity ? (maxLength(n.body) === 0 ? 0 : Infinity) : n.max * maxLength(n.body);
  }
}

export function minLength(n: RegexNode): number {
  switch (n.kind) {
    case 'Set':
      return 1;
    case 'Assert':
      return 0;
    case 'Seq':
      return n.items.reduce((s, i) => s + minLength(i), 0);
    case 'Alt':
      return Math.min(...n.alternatives.map(minLength));
    case 'Repeat':
      return n.min * minLength(n.body);
  }
}

export function children(n: RegexNode): readonly RegexNode[] {
  return n.kind === 'Seq' ? n.items : n.kind === 'Alt' ? n.alternatives : n.kind === 'Repeat' ? [n.body] : [];
}

export function someNode(n: RegexNode, pred: (m: RegexNode) => boolean): boolean {
  return pred(n) || children(n).some((c) => someNode(c, pred));
}

/** Copies of the body once counted: `x{2,4}` is four, `x{3,}` three (the last one loops), `x*` one. */
export function copies(r: RegexNode & { kind: 'Repeat' }): number {
  return r.max === Infinity ? Math.max(r.min, 1) : r.max;
}

export function positionCount(n: RegexNode): number {
  switch (n.kind) {
    case 'Set':
      return 1;
    case 'Assert':
      return 0;
    case 'Seq':
      return n.items.reduce((s, i) => s + positionCount(i), 0);
    case 'Alt':
      return n.alternatives.reduce((s, i) => s + positionCount(i), 0);
    case 'Repeat':
      return copies(n) * positionCount(n.body);
  }
}
