export { evaluate, approvalValid, costMicros, sortReasons } from './evaluate.js';
export { firstRequestProblem, isTraceId, TIME_PATTERN, isValidTime, MAX_TOKENS, MAX_MICROS, MAX_COUNTER, MAX_TRACE_ID } from './validateRequest.js';
export { parseRequestJson, MAX_JSON_DEPTH, type ParsedRequest } from './parseRequestJson.js';
export type * from './types.js';
