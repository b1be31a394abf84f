import type { DeclKind, FieldKind } from '../ast/nodes.js';

export interface FieldSpec {
  /** The keyword a governor writes. */
  readonly word: string;
  readonly kind: FieldKind;
  /** May appear more than once (approvals, data rules, tools, evals, ...). */
  readonly repeatable?: boolean;
  readonly required?: boolean;
}

/**
 * Which fields each declaration accepts: one table drives unknown-field, duplicate-field and missing-field
 * diagnostics, and the language guide's field lists.
 */
export const BLOCK_FIELDS: Readonly<Record<DeclKind, readonly FieldSpec[]>> = {
  Org: [
    { word: 'title', kind: 'Title' },
    { word: 'owners', kind: 'Owners', required: true },
    { word: 'budget', kind: 'Budget' },
    { word: 'retain', kind: 'Retain' },
    { word: 'log', kind: 'Log' },
  ],
  Provider: [
    { word: 'title', kind: 'Title' },
    { word: 'regions', kind: 'Regions', required: true },
    { word: 'dpa', kind: 'Dpa', required: true },
    { word: 'zero_retention', kind: 'ZeroRetention' },
    { word: 'trains_on_customer_data', kind: 'TrainsOnCustomerData' },
  ],
  Model: [
    { word: 'title', kind: 'Title' },
    { word: 'provider', kind: 'ModelProvider', required: true },
    { word: 'version', kind: 'Version', required: true },
    { word: 'approved_versions', kind: 'ApprovedVersions' },
    { word: 'regions', kind: 'Regions', required: true },
    { word: 'price', kind: 'Price', required: true },
    { word: 'context', kind: 'Context' },
    { word: 'status', kind: 'Status', required: true },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true },
  ],
  DataClass: [
    { word: 'title', kind: 'Title' },
    { word: 'sensitivity', kind: 'Sensitivity', required: true },
    { word: 'default', kind: 'Default', required: true },
    { word: 'detect', kind: 'Detect' },
    { word: 'residency', kind: 'Residency' },
  ],
  Tier: [
    { word: 'title', kind: 'Title' },
    { word: 'requires', kind: 'Requires' },
    { word: 'min_retention', kind: 'MinRetention' },
    { word: 'log', kind: 'Log' },
    { word: 'approvers', kind: 'Approvers' },
    { word: 'prohibited', kind: 'Prohibited' },
  ],
  Tool: [
    { word: 'title', kind: 'Title' },
    { word: 'scopes', kind: 'Scopes', required: true },
    { word: 'owner', kind: 'Owner' },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true },
  ],
  UseCase: [
    { word: 'title', kind: 'Title' },
    { word: 'tier', kind: 'Tier', required: true },
    { word: 'owner', kind: 'Owner', required: true },
    { word: 'surfaces', kind: 'Surfaces' },
    { word: 'models', kind: 'Models', required: true },
    { word: 'data', kind: 'Data', repeatable: true },
    { word: 'tool', kind: 'ToolGrant', repeatable: true },
    { word: 'budget', kind: 'Budget' },
    { word: 'rate', kind: 'Rate' },
    { word: 'on', kind: 'On', repeatable: true },
    { word: 'log', kind: 'Log' },
    { word: 'retain', kind: 'Retain' },
    { word: 'human_oversight', kind: 'HumanOversight' },
    { word: 'disclosure', kind: 'Disclosure' },
    { word: 'red_team', kind: 'RedTeam' },
    { word: 'eval', kind: 'Eval', repeatable: true },
    { word: 'rollback', kind: 'Rollback' },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true },
  ],
};
