import type { CheckContext } from './CheckContext.js';
import { emptyModel, type SemanticModel } from './resolve/SemanticModel.js';
import { resolveCorpora } from './resolve/resolveCorpora.js';
import { resolveDataClasses } from './resolve/resolveDataClasses.js';
import { resolveModels } from './resolve/resolveModels.js';
import { resolveOrg } from './resolve/resolveOrg.js';
import { resolveGuardrails } from './resolve/resolveGuardrails.js';
import { resolvePrompts } from './resolve/resolvePrompts.js';
import { resolvePeople } from './resolve/resolvePeople.js';
import { resolveProviders } from './resolve/resolveProviders.js';
import { resolveTiers } from './resolve/resolveTiers.js';
import { resolveTools } from './resolve/resolveTools.js';
import { resolveUseCases } from './resolve/resolveUseCases.js';

export { declare } from './declare.js';
export type { Resolved, SemanticModel } from './resolve/SemanticModel.js';
export { lookup } from './resolve/lookup.js';
export { isEmailAddress, resolveOwner, resolveOwners, type OwnerKinds } from './resolve/owners.js';
export { approvalIr } from './resolve/commonFields.js';
export { MAX_BUDGET_MICROS, percentOf } from './resolve/limits.js';
export { DEFAULT_ORG_LOG, DEFAULT_ORG_RETENTION_DAYS, type OrgDefaults } from './resolve/resolveOrg.js';
export { DEFAULT_DEGRADE_CAP_PERCENT, DEFAULT_RATE_LIMITED_MESSAGE } from './resolve/resolveUseCases.js';

/**
 * Interprets every declaration into IR-shaped values, reporting unit, value and name problems: one module per kind
 * of declaration (resolve/), run in this order because later kinds read earlier ones. The org comes first (its
 * currency, log and retention are every other block's defaults); use cases come last (they name all the rest).
 */
export function resolve(ctx: CheckContext): SemanticModel {
  const model = emptyModel();
  resolvePeople(ctx, model);
  const org = resolveOrg(ctx, model);
  resolveProviders(ctx, model);
  resolveDataClasses(ctx, model);
  resolveTiers(ctx, model);
  resolveTools(ctx, model);
  resolveModels(ctx, model, org);
  resolvePrompts(ctx, model);
  resolveGuardrails(ctx, model);
  resolveCorpora(ctx, model);
  resolveUseCases(ctx, model, org);
  return model;
}
