export type * from './types.js';
export type { CorpusCase } from './corpus.js';
export {
  REASONS,
  PER_SCOPE,
  reason,
  templateParts,
  type BuiltReason,
  type ParamKind,
  type ReasonId,
  type ReasonKind,
  type ReasonParams,
  type ReasonSource,
  type ReasonSpec,
  type TemplatePart,
} from './reasons.js';
export {
  REQUEST_FIELDS,
  FIELD_MESSAGES,
  MAX_TOKENS,
  MAX_MICROS,
  MAX_COUNTER,
  MAX_TRACE_ID,
  MAX_PRINCIPAL,
  childFields,
  fieldName,
  keyMessage,
  type FieldType,
  type RequestField,
} from './requestFields.js';
export { firstRequestProblem, isPrincipal, isTraceId, isValidTime, TIME_PATTERN } from './validateRequest.js';
export { echo, atMostCodePoints, ECHO_MAX_CODE_POINTS, ECHO_ELLIPSIS } from './echo.js';
export { sortReasons } from './sortReasons.js';
