/** Sets of code points, the alphabet of govc's regex tree: `\d`, `\w`, classes and their complements. */

/** Sorted, disjoint, non-adjacent inclusive code point ranges, flattened: `[lo0, hi0, lo1, hi1, ...]`. */
export type CodePointSet = readonly number[];

export const MAX_CODE_POINT = 0x10ffff;

export function normalizeSet(pairs: number[]): CodePointSet {
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < pairs.length; i += 2) ranges.push([pairs[i]!, pairs[i + 1]!]);
  ranges.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of ranges) {
    if (out.length > 0 && lo <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

export function unionSet(a: CodePointSet, b: CodePointSet): CodePointSet {
  return normalizeSet([...a, ...b]);
}

export function complementSet(a: CodePointSet): CodePointSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i]! > next) out.push(next, a[i]! - 1);
    next = a[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

export const DIGIT: CodePointSet = [0x30, 0x39];
export const WORD: CodePointSet = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
