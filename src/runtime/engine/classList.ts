import { compareCodePoints as cmp } from '../../util/compare.js';
import { distinctSorted, EMPTY } from '../decideSupport.js';

/**
 * A request's data classes, distinct and in code-point order (as the reference sorts them); for up to three,
 * without a Set or a sort, and usually the list as sent.
 */
export function classList(list: readonly string[] | undefined): readonly string[] {
  if (list === undefined) return EMPTY;
  const n = list.length;
  if (n < 2) return list;
  if (n === 2) {
    const c = cmp(list[0]!, list[1]!);
    return c < 0 ? list : c === 0 ? [list[0]!] : [list[1]!, list[0]!];
  }
  if (n === 3) {
    let a = list[0]!;
    let b = list[1]!;
    let c = list[2]!;
    if (cmp(a, b) < 0 && cmp(b, c) < 0) return list;
    let t: string;
    if (cmp(a, b) > 0) { t = a; a = b; b = t; }
    if (cmp(b, c) > 0) { t = b; b = c; c = t; }
    if (cmp(a, b) > 0) { t = a; a = b; b = t; }
    if (a === b) return b === c ? [a] : [a, c];
    return b === c ? [a, b] : [a, b, c];
  }
  return distinctSorted(list);
}
