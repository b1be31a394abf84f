/**
 * The types a generated guard module (`ts/guards.ts`) and the runtime share. They mirror docs/semantics.md and
 * src/eval/types.ts, but are generic in the program's names so that a guard's request and decision types carry the
 * use-case, model, data-class and tool names of one program as literal unions.
 */

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
  readonly rule: string;
  readonly message: string;
  readonly source: string | null;
}

export interface RedactObligation {
  readonly data_class: string;
  readonly detectors: readonly string[];
}

export type LogLevel = 'none' | 'redacted' | 'full';

export interface LogRules {
  readonly inputs: LogLevel;
  readonly outputs: LogLevel;
  readonly tool_calls: LogLevel;
}

export interface Obligations {
  readonly redact: readonly RedactObligation[];
  readonly log: LogRules;
  readonly retention_days: number;
  readonly human_oversight: boolean;
  readonly human_approval: boolean;
  readonly disclosure: string | null;
}

export type LimitScope = 'use_case' | 'tenant';
export type Period = 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface BudgetLimit {
  readonly scope: LimitScope;
  readonly period: Period;
  readonly amount_micros: number;
}

export interface RateLimit {
  readonly scope: LimitScope;
  readonly kind: 'requests' | 'tokens';
  readonly per_minute: number;
}

export interface Limits {
  readonly budgets: readonly BudgetLimit[];
  readonly rate_limits: readonly RateLimit[];
}

/** The decision of docs/semantics.md; `M` and `P` narrow the model and provider names to one program's. */
export interface Decision<M extends string = string, P extends string = string> {
  readonly decision: DecisionKind;
  readonly allow: boolean;
  /** The request's use case (a declared name, or whatever an unknown-use-case request said); null when malformed. */
  readonly use_case: string | null;
  readonly model: M | null;
  readonly provider: P | null;
  readonly reasons: readonly Reason[];
  readonly message: string | null;
  readonly obligations: Obligations | null;
  readonly limits: Limits | null;
  readonly trace_id: string | null;
  readonly policy_revision: string;
}

export interface SpendCounters {
  readonly day?: number;
  readonly week?: number;
  readonly month?: number;
  readonly quarter?: number;
  readonly year?: number;
  readonly [period: string]: number | undefined;
}

export interface RateCounters {
  readonly requests?: number;
  readonly tokens?: number;
}

/** A decision request for use case `U` whose model is one of `M`, data classes `C` and tools `T`. */
export interface RequestOf<U extends string, M extends string, C extends string, T extends string> {
  readonly trace_id?: string;
  readonly caller?: unknown;
  readonly use_case: U;
  readonly model?: M;
  readonly tenant: string;
  readonly region: string;
  readonly data_classes?: readonly C[];
  readonly tool?: { readonly name: T; readonly scope: string; readonly human_approved_by?: string };
  readonly tokens?: { readonly input?: number; readonly output?: number };
  readonly spend?: { readonly use_case?: SpendCounters; readonly tenant?: SpendCounters };
  readonly rate?: { readonly use_case?: RateCounters; readonly tenant?: RateCounters };
  /** RFC 3339 in UTC (`...Z`). */
  readonly time: string;
}

/** Any request shape, for the runtime's generic code. */
export type AnyRequest = RequestOf<string, string, string, string>;

// ---------------------------------------------------------------------------------------------------------------
// What a generated module tells the runtime about its program (everything `invoke` needs beyond `decide`).

export interface PolicyBudget extends BudgetLimit {
  readonly hard_limit_micros: number;
}

export interface PolicyUseCase {
  readonly name: string;
  readonly owner: string;
  readonly log: LogRules;
  readonly retention_days: number;
  readonly budgets: readonly PolicyBudget[];
  readonly rate_limits: readonly RateLimit[];
  readonly degrade_to: string | null;
  readonly budget_message: string | null;
  readonly rate_message: string;
}

export interface PolicyModel {
  readonly name: string;
  readonly provider: string;
  readonly input_nanos_per_token: number;
  readonly output_nanos_per_token: number;
}

export interface PolicyDetector {
  readonly name: string;
  readonly regex: string;
}

export interface PolicyDataClass {
  readonly name: string;
  readonly detectors: readonly PolicyDetector[];
}

/** The organisation's defaults: what applies to a request that names no declared use case. */
export interface PolicyDefaults {
  readonly log: LogRules;
  readonly retention_days: number;
}

/** The program facts a generated module passes to `definePolicy`. */
export interface PolicyTables {
  readonly revision: string;
  readonly org: string;
  /** The org's log rules and retention (IR `org.log`, `org.retention_days`). Optional for modules built before it existed. */
  readonly defaults?: PolicyDefaults;
  readonly useCases: readonly PolicyUseCase[];
  readonly models: readonly PolicyModel[];
  readonly dataClasses: readonly PolicyDataClass[];
}

/** A compiled policy: the generated `decide` plus lookup tables. `R` and `D` are the module's request and decision. */
export interface GuardPolicy<R extends AnyRequest = AnyRequest, D extends Decision = Decision> {
  readonly revision: string;
  readonly org: string;
  /**
   * What applies to a request without a declared use case (unknown or malformed): the org's log rules and
   * retention. When a module does not carry them, `definePolicy` takes log rules `none` and the longest retention
   * of any use case, so such entries are never pruned before the org default would prune them.
   */
  readonly defaults: PolicyDefaults;
  /** Decides any value; malformed input is denied with a reason, never thrown. */
  readonly decide: (input: unknown) => D;
  readonly useCases: ReadonlyMap<string, PolicyUseCase>;
  readonly models: ReadonlyMap<string, PolicyModel>;
  readonly dataClasses: ReadonlyMap<string, PolicyDataClass>;
  /** Phantom: carries the request type for `createGuard`'s inference. Always undefined. */
  readonly __request?: R;
}
