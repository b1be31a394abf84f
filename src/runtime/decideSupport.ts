import { compareCodePoints } from '../util/compare.js';
import { reason } from '../decision/reasons.js';
import type { Reason } from './types.js';

/**
 * Helpers that generated guard modules and the guards' engine share. Every reason is the decision contract's
 * (`reason()` over src/decision/reasons.ts), so its text is the reference's.
 * @internal Called by generated code; the signatures may change with govc's version.
 */

export { echo, atMostCodePoints, ECHO_MAX_CODE_POINTS } from '../decision/echo.js';
export { sortReasons } from '../decision/sortReasons.js';

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
  return reason('model_approval_expired', { model, date }, source);
}

export function modelRegionReason(model: string, region: string, source: string): Reason {
  return reason('model_region_not_served', { model, region }, source);
}

/** `use case ... is not declared`, as the reference words it (the name echoed, RULE B). */
export function unknownUseCaseReason(useCase: string): Reason {
  return reason('unknown_use_case', { use_case: useCase }, null);
}

export function malformedReason(message: string): Reason {
  return reason('malformed_request', { problem: message }, null);
}
