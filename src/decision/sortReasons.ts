import { compareCodePoints } from '../util/compare.js';
import type { Reason } from './types.js';

/**
 * Reasons in the total order of docs/semantics.md (code, rule, message, then source with null first, strings by
 * code point), exact duplicates dropped. Sorts in place and returns the array.
 */
export function sortReasons(reasons: Reason[]): readonly Reason[] {
  if (reasons.length < 2) return reasons;
  reasons.sort(
    (a, b) =>
      compareCodePoints(a.code, b.code) ||
      compareCodePoints(a.rule, b.rule) ||
      compareCodePoints(a.message, b.message) ||
      (a.source === null ? -1 : 0) - (b.source === null ? -1 : 0) ||
      compareCodePoints(a.source ?? '', b.source ?? ''),
  );
  let w = 1;
  for (let i = 1; i < reasons.length; i++) {
    const x = reasons[i]!;
    const p = reasons[w - 1]!;
    if (x.code !== p.code || x.rule !== p.rule || x.message !== p.message || x.source !== p.source) reasons[w++] = x;
  }
  reasons.length = w;
  return reasons;
}
