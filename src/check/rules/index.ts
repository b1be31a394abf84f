import { ApprovalRule } from './ApprovalRule.js';
import { BudgetRule } from './BudgetRule.js';
import { CorpusRule } from './CorpusRule.js';
import { DataFlowRule } from './DataFlowRule.js';
import { DeploymentRule } from './DeploymentRule.js';
import { ModelKindRule } from './ModelKindRule.js';
import { GuardrailRule } from './GuardrailRule.js';
import { ModelRule } from './ModelRule.js';
import { ProviderEnvRule } from './ProviderEnvRule.js';
import type { Rule } from './RuleContext.js';
import { TierRequirementsRule } from './TierRequirementsRule.js';
import { ToolAndRollbackRule } from './ToolAndRollbackRule.js';
import { UnusedRule } from './UnusedRule.js';

/** Every semantic rule, in the order they run (their diagnostics are sorted by position afterwards). */
export const specifiedRules: readonly Rule[] = [
  TierRequirementsRule,
  DataFlowRule,
  ModelRule,
  DeploymentRule,
  ProviderEnvRule,
  ModelKindRule,
  CorpusRule,
  BudgetRule,
  ApprovalRule,
  ToolAndRollbackRule,
  GuardrailRule,
  UnusedRule,
];

export type { Rule };
export { scopeMatches } from './ToolAndRollbackRule.js';
