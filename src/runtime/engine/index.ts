export { defineGuards, type Guards } from './defineGuards.js';
export type { ApprovalSpec, BudgetSpec, ClassSpec, FlowSpec, GrantSpec, GuardTables, ModelSpec, RateSpec, ToolSpec, UseCaseSpec } from './tables.js';
