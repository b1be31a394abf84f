/**
 * govc/runtime: what generated TypeScript guards (`ts/guards.*`) depend on, and nothing else does. The guards engine
 * (`defineGuards`: a program's tables in, `decide` out), `createGuard` (invoke: inspect, decide, redact, meter, call,
 * record, log), counter stores (memory, Redis) and decision logs. Loadable by `import` and by `require` (a CommonJS
 * build in dist/cjs/). See docs/guards.md.
 */
export type * from './types.js';
export {
  defineGuards,
  type ApprovalSpec,
  type BudgetSpec,
  type ClassSpec,
  type FlowSpec,
  type GrantSpec,
  type Guards,
  type GuardTables,
  type ModelSpec,
  type RateSpec,
  type ToolSpec,
  type UseCaseSpec,
} from './engine/index.js';
export { requestProblem, malformedTraceId, isValidTime } from './validate.js';
export { compareCodePoints } from '../util/compare.js';
export {
  distinctSorted,
  EMPTY,
  freezeDeep,
  malformedReason,
  modelApprovalReason,
  modelRegionReason,
  sortReasons,
  unknownUseCaseReason,
} from './decideSupport.js';
export { definePolicy, costMicros } from './policy.js';
export { createGuard, type CallContext, type Guard, type GuardOptions, type InvokeOptions, type InvokeRequest, type InvokeResult } from './guard.js';
export { MemoryStore, type AddOp, type CounterStore, type ReserveOp, type ReserveResult } from './store.js';
export { RedisStore, type RedisLike } from './redisStore.js';
export { budgetKey, rateKey, periodKey, PERIOD_TTL_SECONDS, RATE_TTL_SECONDS } from './counterKeys.js';
export { JsonlDecisionLog, MemoryDecisionLog, pruneDecisionLogs, type DecisionLogEntry, type DecisionLogSink, type PruneResult } from './decisionLog.js';
export {
  compileClasses,
  DEFAULT_INSPECTION_LIMITS,
  detect,
  inspect,
  redact,
  type CompiledClass,
  type CompiledDetector,
  type InspectionLimits,
  type JsonObject,
  type JsonValue,
  type KeyFilter,
  type Snapshot,
} from './redact.js';
