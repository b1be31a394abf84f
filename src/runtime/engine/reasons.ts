import { reason } from '../../decision/reasons.js';
import { malformedReason, modelApprovalReason, modelRegionReason, unknownUseCaseReason } from '../decideSupport.js';
import type { Reason } from '../types.js';

/**
 * Every reason the guards engine gives, named for the engine's call sites. Each is the decision contract's
 * (`reason()` over the table in src/decision/reasons.ts): code, rule and message come from there and nowhere else,
 * so the words are the reference evaluator's and every other target's. Request strings go through echo (RULE B)
 * because the table marks them `echo`; program names are repeated as declared.
 *
 * The reasons that depend only on the program are built once, when a module loads (compileProgram.ts); the others
 * on denial only.
 */

export { malformedReason, modelApprovalReason, modelRegionReason, unknownUseCaseReason };

// ---------------------------------------------------------------------------------------------------------------
// Built when the module loads.

export const allowedReason = (useCase: string, source: string): Reason => reason('allowed', { use_case: useCase }, source);


export const fallbackReason = (useCase: string, model: string, fallback: string, source: string): Reason =>
  reason('fallback_model', { use_case: useCase, model, fallback }, source);

export const degradedReason = (useCase: string, model: string, degradeTo: string, source: string): Reason =>
  reason('budget_degraded', { use_case: useCase, model, degrade_to: degradeTo }, source);

export const traceIdRequiredReason = (org: string, source: string): Reason => reason('trace_id_required', { org }, source);

export const principalRequiredReason = (org: string, source: string): Reason => reason('principal_required', { org }, source);

export const modelRevokedReason = (model: string, source: string): Reason => reason('model_revoked', { model }, source);

export const dataClassDeniedReason = (useCase: string, dataClass: string, source: string): Reason =>
  reason('data_class_denied', { use_case: useCase, data_class: dataClass }, source);

export const humanApprovalReason = (useCase: string, tool: string, source: string): Reason =>
  reason('human_approval_required', { use_case: useCase, tool }, source);

export const rateCounterMissingReason = (useCase: string, scope: string, kind: string, source: string): Reason =>
  reason('counter_missing_rate', { use_case: useCase, scope, kind }, source);

export const rateLimitedReason = (useCase: string, scope: string, kind: string, perMinute: number, source: string): Reason =>
  reason('rate_limited', { use_case: useCase, scope, kind, per_minute: perMinute }, source);

export const budgetCounterMissingReason = (useCase: string, scope: string, period: string, source: string): Reason =>
  reason('counter_missing_budget', { use_case: useCase, scope, period }, source);

export const budgetExhaustedReason = (useCase: string, scope: string, period: string, source: string): Reason =>
  reason('budget_exhausted', { use_case: useCase, scope, period }, source);

// ---------------------------------------------------------------------------------------------------------------
// Built on denial: they repeat the request's date, region or names.

export const unknownCorpusReason = (corpus: string): Reason => reason('unknown_corpus', { corpus }, null);

export const corpusNotAllowedReason = (useCase: string, corpus: string, source: string): Reason =>
  reason('corpus_not_allowed', { use_case: useCase, corpus }, source);

export const corpusRegionReason = (corpus: string, region: string, source: string): Reason =>
  reason('corpus_region_not_permitted', { corpus, region }, source);

export const unknownDataClassReason = (dataClass: string): Reason => reason('unknown_data_class', { data_class: dataClass }, null);

/** Step 2: `expired` when an approval has expired by `date`, else some approval is not yet valid. */
export const approvalReason = (useCase: string, expired: boolean, valid: number, date: string, required: number, source: string): Reason =>
  reason(expired ? 'approval_expired' : 'approval_not_yet_valid', { use_case: useCase, valid, date, required }, source);

export const modelNotAllowedReason = (useCase: string, model: string, source: string): Reason =>
  reason('model_not_allowed', { use_case: useCase, model }, source);

export const dataFlowReason = (useCase: string, dataClass: string, provider: string, model: string, source: string): Reason =>
  reason('data_flow_not_permitted', { use_case: useCase, data_class: dataClass, provider, model }, source);

export const dataRegionReason = (useCase: string, dataClass: string, region: string, source: string): Reason =>
  reason('data_region_not_permitted', { use_case: useCase, data_class: dataClass, region }, source);

export const dataClassDefaultReason = (useCase: string, dataClass: string, source: string): Reason =>
  reason('data_class_not_permitted', { data_class: dataClass, use_case: useCase }, source);

export const residencyReason = (dataClass: string, residency: readonly string[], region: string, source: string): Reason =>
  reason('residency_violation', { data_class: dataClass, residency, region }, source);

export const toolNotAllowedReason = (useCase: string, tool: string, source: string): Reason =>
  reason('tool_not_allowed', { use_case: useCase, tool }, source);

export const toolApprovalReason = (tool: string, date: string, source: string): Reason => reason('tool_approval_expired', { tool, date }, source);

export const toolScopeReason = (useCase: string, tool: string, scope: string, source: string): Reason =>
  reason('tool_scope_not_allowed', { use_case: useCase, tool, scope }, source);

// ---------------------------------------------------------------------------------------------------------------
// Language v2, assets: step 4, the prompt (built on denial).

export const promptNotAllowedReason = (useCase: string, prompt: string, source: string): Reason =>
  reason('prompt_not_allowed', { use_case: useCase, prompt }, source);

export const promptNotPinnedReason = (useCase: string, prompt: string, version: string, sha256: string, source: string): Reason =>
  reason('prompt_version_not_pinned', { use_case: useCase, prompt, version, hash: sha256 }, source);

export const promptApprovalReason = (prompt: string, date: string, source: string): Reason => reason('prompt_approval_expired', { prompt, date }, source);
