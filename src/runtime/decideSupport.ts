import { compareCodePoints } from '../util/compare.js';
import type { Reason } from './types.js';

/**
 * Helpers that generated guard modules (and the reference evaluator, for the reason order) share: messages are
 * exactly the reference evaluator's (src/eval/evaluate.ts).
 * @internal Called by generated code; the signatures may change with govc's version.
 */

export const EMPTY: readonly never[] = Object.freeze([]);

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
  return { code: 'model_region_not_served', rule: `model/${model}/regions`, message: `model \`${model}\` is not available in region \`${region}\``, source };
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

/** `use case ... is not declared`, as the reference words it. */
export function unknownUseCaseReason(useCase: string): Reason {
  return { code: 'unknown_use_case', rule: 'request', message: `use case \`${useCase}\` is not declared`, source: null };
}

export function malformedReason(message: string): Reason {
  return { code: 'malformed_request', rule: 'request', message, source: null };
}
