/**
 * The request and the decision of docs/semantics.md: the contract every target implements. The decision types are
 * generic in the program's names so that a generated guard's request and decision carry the use-case, model,
 * data-class and tool names of one program as literal unions; unparameterised they are the reference's.
 */
import type { ReasonCode } from './reasons.js';

export type { ReasonCode };

export type DecisionKind = 'allow' | 'degrade' | 'deny';

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

/** The log levels alone (what the org's defaults state). */
export interface LogLevels {
  readonly inputs: LogLevel;
  readonly outputs: LogLevel;
  readonly tool_calls: LogLevel;
}

export interface LogRules extends LogLevels {
  /** Who may read the logs (`log_access`), as e-mail addresses; empty when the use case does not say. */
  readonly access: readonly string[];
}

export interface Obligations {
  readonly redact: readonly RedactObligation[];
  readonly log: LogRules;
  readonly retention_days: number;
  readonly human_oversight: boolean;
  readonly human_approval: boolean;
  readonly disclosure: string | null;
  /** Language v2: the use case's pinned prompts, in declared order. */
  readonly prompts: readonly PromptObligation[];
  /** Language v2: the guardrails the use case runs, in declared order. */
  readonly guardrails: readonly GuardrailObligation[];
  /** Language v2: the budget alerts this request triggers (step 10). */
  readonly alerts: readonly AlertObligation[];
}

export interface PromptObligation {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

export interface GuardrailObligation {
  readonly name: string;
  readonly kind: 'classifier' | 'allow_list' | 'deny_list';
  readonly stage: 'input' | 'output' | 'both';
  readonly action: 'block' | 'flag';
  readonly threshold: number | null;
}

/** A budget threshold this request crosses: finance hears before the budget runs out. */
export interface AlertObligation {
  readonly scope: LimitScope;
  readonly period: Period;
  readonly threshold_percent: number;
  readonly threshold_micros: number;
  /** E-mail address of who is told. */
  readonly notify: string;
}

export type LimitScope = 'use_case' | 'tenant';
export type Period = 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface BudgetLimit {
  readonly scope: LimitScope;
  readonly period: Period;
  readonly amount_micros: number;
  /** Where degraded traffic stops: the `up to N%` cap (default 110%) as micro-units; the amount without a degrade model. */
  readonly hard_limit_micros: number;
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
  /** The use case's owner (an e-mail address); null when there is no use case (malformed, unknown). */
  readonly owner: string | null;
  /** The request's principal (the calling service or team identity), when valid; else null. */
  readonly principal: string | null;
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

/**
 * A decision request for use case `U` whose model is one of `M`, data classes `C` and tools `T`. The fields, their
 * bounds and the order they are validated in are REQUEST_FIELDS (requestFields.ts).
 */
export interface RequestOf<U extends string, M extends string, C extends string, T extends string> {
  readonly trace_id?: string;
  /** The calling service or team identity (at most 256 code points); an org may require it. */
  readonly principal?: string;
  readonly caller?: unknown;
  readonly use_case: U;
  readonly model?: M;
  readonly tenant: string;
  readonly region: string;
  readonly data_classes?: readonly C[];
  readonly tool?: { readonly name: T; readonly scope: string; readonly human_approved_by?: string };
  readonly tokens?: { readonly input?: number; readonly output?: number };
  /** Spend so far in the current period, integer micro-units of the org currency. */
  readonly spend?: { readonly use_case?: SpendCounters; readonly tenant?: SpendCounters };
  /** Requests and tokens already used in the current minute. */
  readonly rate?: { readonly use_case?: RateCounters; readonly tenant?: RateCounters };
  /** Retrieval corpora this request reads (docs/semantics.md step 5); their data classes count as the request's. */
  readonly corpora?: readonly string[];
  /** RFC 3339 in UTC (`...Z`); its date is what approvals are judged against. */
  readonly time: string;
  /** Language v2: the prompt the request runs with; `version` and `sha256`, when sent, must be the pinned ones. */
  readonly prompt?: { readonly name: string; readonly version?: string; readonly sha256?: string };
}

/** Any request shape, for generic code. */
export type AnyRequest = RequestOf<string, string, string, string>;

/** The request of docs/semantics.md, over any program's names. */
export type DecisionRequest = AnyRequest;
