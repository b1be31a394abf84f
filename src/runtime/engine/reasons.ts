import { echo, malformedReason, modelApprovalReason, modelRegionReason, unknownUseCaseReason } from '../decideSupport.js';
import type { Reason } from '../types.js';

/**
 * Every reason the guards engine gives, code, rule and message, in one place: the words are the reference
 * evaluator's (src/eval/evaluate.ts, docs/semantics.md), and tests hold every decision to the reference byte for
 * byte. Request strings a message repeats go through `echo` (RULE B); program names are repeated as declared.
 *
 * The reasons that depend only on the program are built once, when a module loads (compileProgram.ts); the others
 * on denial only. `rule` arguments are a use case's rule prefix, `use_case/NAME`.
 */

export { malformedReason, modelApprovalReason, modelRegionReason, unknownUseCaseReason };

// ---------------------------------------------------------------------------------------------------------------
// Built when the module loads.

export function allowedReason(rule: string, useCase: string, source: string): Reason {
  return { code: 'allowed', rule, message: `allowed by use case \`${useCase}\``, source };
}

export function fallbackReason(rule: string, primary: string, fallback: string, source: string): Reason {
  return { code: 'fallback_model', rule: `${rule}/models`, message: `model \`${primary}\` cannot serve this request; using fallback \`${fallback}\``, source };
}

export function degradedReason(rule: string, from: string, to: string, source: string): Reason {
  return { code: 'budget_degraded', rule: `${rule}/on_budget_exhausted`, message: `budget exhausted; degraded from \`${from}\` to \`${to}\``, source };
}

export function modelRevokedReason(model: string, source: string): Reason {
  return { code: 'model_revoked', rule: `model/${model}/status`, message: `model \`${model}\` is revoked`, source };
}

export function dataClassDeniedReason(rule: string, useCase: string, dataClass: string, source: string): Reason {
  return { code: 'data_class_denied', rule: `${rule}/data/${dataClass}`, message: `data class \`${dataClass}\` may not be sent in use case \`${useCase}\``, source };
}

export function humanApprovalReason(rule: string, tool: string, source: string): Reason {
  return { code: 'human_approval_required', rule: `${rule}/tool/${tool}`, message: `tool \`${tool}\` needs a human approval before each call`, source };
}

export function rateCounterMissingReason(rule: string, useCase: string, scope: string, kind: string, source: string): Reason {
  return { code: 'counter_missing', rule: `${rule}/rate`, message: `\`rate.${scope}.${kind}\` is required by a rate limit of use case \`${useCase}\``, source };
}

export function rateLimitedReason(rule: string, scope: string, kind: string, perMinute: number, source: string): Reason {
  return { code: 'rate_limited', rule: `${rule}/rate`, message: `${scope === 'tenant' ? 'per-tenant ' : ''}${kind} per minute would exceed ${perMinute}`, source };
}

export function budgetCounterMissingReason(rule: string, useCase: string, scope: string, period: string, source: string): Reason {
  return { code: 'counter_missing', rule: `${rule}/budget`, message: `\`spend.${scope}.${period}\` is required by a budget of use case \`${useCase}\``, source };
}

export function budgetExhaustedReason(rule: string, scope: string, period: string, source: string): Reason {
  return { code: 'budget_exhausted', rule: `${rule}/budget`, message: `${scope === 'tenant' ? 'per-tenant ' : ''}budget per ${period} is exhausted`, source };
}

// ---------------------------------------------------------------------------------------------------------------
// Built on denial: they repeat the request's date, region or names.

export function unknownDataClassReason(dataClass: string): Reason {
  return { code: 'unknown_data_class', rule: 'request', message: `data class \`${echo(dataClass)}\` is not declared`, source: null };
}

/** Step 2: `expired` when an approval has expired by `date`, else some approval is not yet valid. */
export function approvalReason(rule: string, useCase: string, expired: boolean, valid: number, date: string, required: number, source: string): Reason {
  return {
    code: expired ? 'approval_expired' : 'approval_not_yet_valid',
    rule: `${rule}/approved_by`,
    message: `use case \`${useCase}\` has ${valid} valid approval(s) on ${date}; its tier requires ${required}`,
    source,
  };
}

export function modelNotAllowedReason(rule: string, useCase: string, model: string, source: string): Reason {
  return { code: 'model_not_allowed', rule: `${rule}/models`, message: `model \`${echo(model)}\` is not allowed for use case \`${useCase}\``, source };
}

export function dataFlowReason(rule: string, dataClass: string, provider: string, model: string, source: string): Reason {
  return { code: 'data_flow_not_permitted', rule: `${rule}/data/${dataClass}`, message: `data class \`${dataClass}\` may not be sent to provider \`${provider}\` (model \`${model}\`)`, source };
}

export function dataRegionReason(rule: string, useCase: string, dataClass: string, region: string, source: string): Reason {
  return { code: 'data_region_not_permitted', rule: `${rule}/data/${dataClass}`, message: `data class \`${dataClass}\` may not be sent from region \`${echo(region)}\` in use case \`${useCase}\``, source };
}

export function dataClassDefaultReason(useCase: string, dataClass: string, source: string): Reason {
  return { code: 'data_class_not_permitted', rule: `data_class/${dataClass}/default`, message: `data class \`${dataClass}\` is denied by default and use case \`${useCase}\` has no rule for it`, source };
}

export function residencyReason(dataClass: string, residency: string, region: string, source: string): Reason {
  return { code: 'residency_violation', rule: `data_class/${dataClass}/residency`, message: `data class \`${dataClass}\` must stay in ${residency}, request region is \`${echo(region)}\``, source };
}

export function toolNotAllowedReason(rule: string, useCase: string, tool: string, source: string): Reason {
  return { code: 'tool_not_allowed', rule: `${rule}/tools`, message: `tool \`${echo(tool)}\` is not granted to use case \`${useCase}\``, source };
}

export function toolApprovalReason(tool: string, date: string, source: string): Reason {
  return { code: 'tool_approval_expired', rule: `tool/${tool}/approved_by`, message: `tool \`${tool}\` has no valid approval on ${date}`, source };
}

export function toolScopeReason(rule: string, tool: string, scope: string, source: string): Reason {
  return { code: 'tool_scope_not_allowed', rule: `${rule}/tool/${tool}`, message: `scope \`${echo(scope)}\` is not granted for tool \`${tool}\``, source };
}
