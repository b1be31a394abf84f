/**
 * @deprecated The request validator is the decision contract's (src/decision/validateRequest.ts); this path stays
 * until test/guards.test.ts imports it from there.
 */
export { firstRequestProblem, isTraceId, isValidTime, TIME_PATTERN } from '../decision/validateRequest.js';
