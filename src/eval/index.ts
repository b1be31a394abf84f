export { evaluate, approvalValid, costMicros, sortReasons } from './evaluate.js';
export { firstRequestProblem, isTraceId, TIME_PATTERN, isValidTime } from '../decision/validateRequest.js';
export { MAX_TOKENS, MAX_MICROS, MAX_COUNTER, MAX_TRACE_ID } from '../decision/requestFields.js';
export { parseRequestJson, MAX_JSON_DEPTH, type ParsedRequest } from './parseRequestJson.js';
export type * from '../decision/types.js';
