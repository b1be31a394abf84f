import type { Obligations, PolicyDefaults } from '../types.js';

/**
 * The tables a generated guard module passes to `defineGuards`: one program's facts as plain data (JSON values, so
 * the generator writes them as literals and the module's JavaScript is the same text as its TypeScript). Compact
 * tuples where a table repeats a shape per use case, so a module grows about 1 KB per use case. The name parameters
 * default to `string`; a generated module narrows them to its program's literal unions, so the compiler checks the
 * tables against the program's names too.
 */

/** One approval: `[approver, on, expires, source]`; valid from `on` through `expires` (`YYYY-MM-DD`), a null bound is open. */
export type ApprovalSpec = readonly [approver: string, on: string | null, expires: string | null, source: string];

/** A use case's rule for one data class: `data C deny`, or `data C allow ...`. */
export type FlowSpec<C extends string = string> =
  | readonly [dataClass: C, action: 'deny', source: string]
  | readonly [
      dataClass: C,
      action: 'allow',
      providers: readonly string[],
      regions: readonly string[],
      redacted: boolean,
      source: string,
      /** Models the class may reach besides the providers' (written only when the rule names models). */
      models?: readonly string[],
    ];

/** A tool grant: `[tool, scopes, requires a human approval, source]`; a scope ending in `*` is a prefix. */
export type GrantSpec<T extends string = string> = readonly [tool: T, scopes: readonly string[], human_approval: boolean, source: string];

export type BudgetSpec = readonly [
  scope: 'use_case' | 'tenant',
  period: 'day' | 'week' | 'month' | 'quarter' | 'year',
  amount_micros: number,
  hard_limit_micros: number,
  source: string,
];

export type RateSpec = readonly [scope: 'use_case' | 'tenant', kind: 'requests' | 'tokens', per_minute: number, source: string];

export interface ModelSpec<M extends string = string, P extends string = string> {
  readonly name: M;
  readonly provider: P;
  readonly status: 'approved' | 'deprecated' | 'revoked';
  readonly regions: readonly string[];
  readonly approvals: readonly ApprovalSpec[];
  readonly price: readonly [input_nanos_per_token: number, output_nanos_per_token: number];
  readonly source: string;
}

export interface ClassSpec<C extends string = string> {
  readonly name: C;
  readonly default: 'allow' | 'redact' | 'deny';
  readonly residency: readonly string[];
  readonly detectors: readonly (readonly [name: string, regex: string])[];
  readonly source: string;
}

/** A retrieval corpus (step 5): the classes it holds, its residency (empty: anywhere) and its source. */
export interface CorpusSpec<C extends string = string> {
  readonly name: string;
  readonly classes: readonly C[];
  readonly residency: readonly string[];
  readonly source: string;
}

export interface ToolSpec<T extends string = string> {
  readonly name: T;
  readonly approvals: readonly ApprovalSpec[];
}

export interface UseCaseSpec<U extends string = string, M extends string = string, C extends string = string, T extends string = string> {
  readonly name: U;
  readonly owner: string;
  readonly source: string;
  readonly required_approvers: number;
  readonly approvals: readonly ApprovalSpec[];
  /** Primary first, then fallbacks. */
  readonly models: readonly M[];
  /** At most one rule per data class. */
  readonly data: readonly FlowSpec<C>[];
  /** At most one grant per tool. */
  readonly tools: readonly GrantSpec<T>[];
  readonly budgets: readonly BudgetSpec[];
  readonly rates: readonly RateSpec[];
  /** `[degrade_to, refusal message, source]` of `on budget_exhausted`. */
  readonly on_budget_exhausted: readonly [degrade_to: M | null, message: string, source: string] | null;
  readonly rate_message: string;
  /**
   * The IR's precomputed obligations (`decision.obligations`): every field in the decision's order, the
   * request-dependent ones (`redact`, `human_approval`) at their empty values. Copied, never rebuilt field by field.
   */
  readonly obligations: Obligations;
  /** Language v2: the pinned prompts, step 4's facts (their obligations are in `obligations`). */
  readonly prompts: readonly PromptSpec[];
  /** Language v2: `[notify, thresholds_percent, thresholds in micros per budget (budgets' order)]` of `budget_alert`. */
  readonly alerts: AlertSpec | null;
  /** The corpora the use case may read (`retrieval`); written only when it names some. */
  readonly corpora?: readonly string[];
}

/** A pinned prompt: `[name, version, sha256, approvals, source]`. */
export type PromptSpec = readonly [name: string, version: string, sha256: string, approvals: readonly ApprovalSpec[], source: string];

export type AlertSpec = readonly [notify: string, thresholds_percent: readonly number[], thresholds_micros: readonly (readonly number[])[]];

/**
 * One program, as `defineGuards` takes it. Every name a table refers to is declared in its own table (the generator
 * checks it: use-case models, degrade models, data rules and grants name declared models, classes and tools).
 */
export interface GuardTables {
  readonly revision: string;
  readonly org: string;
  /**
   * What the org requires of every request (`require trace_id, principal`) and the `require` field's source; absent
   * in modules built before language v2 (nothing required).
   */
  readonly require?: readonly [trace_id: boolean, principal: boolean, source: string | null];
  /** What applies to a request without a declared use case: the org's log rules and retention. */
  readonly defaults: PolicyDefaults;
  readonly models: readonly ModelSpec[];
  readonly dataClasses: readonly ClassSpec[];
  readonly tools: readonly ToolSpec[];
  readonly useCases: readonly UseCaseSpec[];
  /** Retrieval corpora; written only when the program declares some. */
  readonly corpora?: readonly CorpusSpec[];
}
