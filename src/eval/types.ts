/** The decision request and the decision, as docs/semantics.md defines them. */

export interface DecisionRequest {
  readonly trace_id?: string;
  readonly caller?: unknown;
  readonly use_case: string;
  readonly model?: string;
  readonly tenant: string;
  readonly region: string;
  readonly data_classes?: readonly string[];
  readonly tool?: { readonly name: string; readonly scope: string; readonly human_approved_by?: string };
  readonly tokens?: { readonly input?: number; readonly output?: number };
  /** Spend so far in the current period, integer micro-units of the org currency. */
  readonly spend?: { readonly use_case?: Readonly<Record<string, number>>; readonly tenant?: Readonly<Record<string, number>> };
  /** Requests and tokens already used in the current minute. */
  readonly rate?: {
    readonly use_case?: { readonly requests?: number; readonly tokens?: number };
    readonly tenant?: { readonly requests?: number; readonly tokens?: number };
  };
  /** RFC 3339 in UTC (`...Z`); its date is what approvals are judged against. */
  readonly time: string;
}

export type DecisionKind = 'allow' | 'degrade' | 'deny';

export type ReasonCode =
  | 'allowed'
  | 'fallback_model'
  | 'budget_degraded'
  | 'malformed_request'
  | 'unknown_use_case'
  | 'approval_expired'
  | 'approval_not_yet_valid'
  | 'model_not_allowed'
  | 'model_revoked'
  | 'model_approval_expired'
  | 'model_region_not_served'
  | 'data_flow_not_permitted'
  | 'unknown_data_class'
  | 'data_class_denied'
  | 'data_class_not_permitted'
  | 'data_region_not_permitted'
  | 'residency_violation'
  | 'tool_not_allowed'
  | 'tool_approval_expired'
  | 'tool_scope_not_allowed'
  | 'human_approval_required'
  | 'counter_missing'
  | 'rate_limited'
  | 'budget_exhausted';

export interface Reason {
  readonly code: ReasonCode;
  /** The rule that decided, as a path: `use_case/support_chat/data/pii`, `model/gpt-4.1/status`, `request`. */
  readonly rule: string;
  readonly message: string;
  /** `file:line:col` of the rule in the `.gov` sources; null for problems of the request itself. */
  readonly source: string | null;
}

export interface RedactObligation {
  readonly data_class: string;
  readonly detectors: readonly string[];
}

export interface Obligations {
  readonly redact: readonly RedactObligation[];
  readonly log: { readonly inputs: string; readonly outputs: string; readonly tool_calls: string };
  readonly retention_days: number;
  readonly human_oversight: boolean;
  readonly human_approval: boolean;
  readonly disclosure: string | null;
}

export interface Limits {
  readonly budgets: ReadonlyArray<{ readonly scope: string; readonly period: string; readonly amount_micros: number }>;
  readonly rate_limits: ReadonlyArray<{ readonly scope: string; readonly kind: string; readonly per_minute: number }>;
}

export interface Decision {
  readonly decision: DecisionKind;
  readonly allow: boolean;
  readonly use_case: string | null;
  readonly model: string | null;
  readonly provider: string | null;
  readonly reasons: readonly Reason[];
  /** Text to show the user when refused for budget or rate; null otherwise. */
  readonly message: string | null;
  readonly obligations: Obligations | null;
  readonly limits: Limits | null;
  readonly trace_id: string | null;
  readonly policy_revision: string;
}
