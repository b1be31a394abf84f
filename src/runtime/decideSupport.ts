import { compareCodePoints } from '../util/compare.js';
import type { Reason } from './types.js';

/**
 * Helpers that generated guard modules (and the reference evaluator, for the reason order) share: messages are
 * exactly the reference evaluator's (src/eval/evaluate.ts).
 * @internal Called by generated code; the signatures may change with govc's version.
 */

export const EMPTY: readonly never[] = Object.freeze([]);

/** RULE B of docs/semantics.md: how many code points of a request string a decision echoes. */
export const ECHO_MAX_CODE_POINTS = 64;

/**
 * A request string as a decision echoes it (RULE B): itself if it has at most 64 code points, else its first 64
 * followed by "…", so a hostile name cannot make a decision (or a log of it) as large as the request. Counts code
 * points as String iteration does (a pair is one, a lone surrogate is one), so a pair is never split.
 */
export function echo(s: string): string {
  // At most 64 UTF-16 units is at most 64 code points: the common case costs one comparison and no allocation.
  if (s.length <= ECHO_MAX_CODE_POINTS) return s;
  const end = codePointOffset(s, ECHO_MAX_CODE_POINTS);
  return end >= s.length ? s : s.slice(0, end) + '\u2026';
}

/** Whether `s` has at most `max` code points, counted without allocating. */
export function atMostCodePoints(s: string, max: number): boolean {
  if (s.length <= max) return true;
  // Each code point is one or two UTF-16 units.
  if (s.length > 2 * max) return false;
  return codePointOffset(s, max) >= s.length;
}

/** The UTF-16 offset just after the first `n` code points of `s` (or `s.length` when it has fewer). */
function codePointOffset(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

/** Freezes a value and everything reachable from it (plain objects and arrays), so shared parts stay unchanged. */
export function freezeDeep<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) freezeDeep(v);
    Object.freeze(value);
  }
  return value;
}

/** The data classes of a request: distinct, sorted by code point. */
export function distinctSorted(classes: readonly string[] | undefined): readonly string[] {
  if (classes === undefined || classes.length === 0) return EMPTY;
  if (classes.length === 1) return classes;
  return [...new Set(classes)].sort(compareCodePoints);
}

/** Model problems that depend on the request's date or region (the static ones are generated inline). */
export function modelApprovalReason(model: string, date: string, source: string): Reason {
  return { code: 'model_approval_expired', rule: `model/${model}/approved_by`, message: `model \`${model}\` has no valid approval on ${date}`, source };
}

export function modelRegionReason(model: string, region: string, source: string): Reason {
  return { code: 'model_region_not_served', rule: `model/${model}/regions`, message: `model \`${model}\` is not available in region \`${echo(region)}\``, source };
}

/** Reasons in the total order of docs/semantics.md (code, rule, message, source with null first), deduplicated. */
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

/** `use case ... is not declared`, as the reference words it (the name echoed, RULE B). */
export function unknownUseCaseReason(useCase: string): Reason {
  return { code: 'unknown_use_case', rule: 'request', message: `use case \`${echo(useCase)}\` is not declared`, source: null };
}

export function malformedReason(message: string): Reason {
  return { code: 'malformed_request', rule: 'request', message, source: null };
}
