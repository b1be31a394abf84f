export { evaluate, approvalValid, costMicros, sortReasons } from './evaluate.js';
export { firstRequestProblem, TIME_PATTERN, isValidTime, MAX_TOKENS, MAX_MICROS, MAX_COUNTER } from './validateRequest.js';
export type * from './types.js';
