import type { GuardrailObligation, PromptObligation } from '../decision/types.js';

/**
 * The typed IR: the one input of every backend and of the reference evaluator. Plain JSON, described by
 * ir.schema.json and validated with ajv. Money is in integer micro-units of the org currency, prices in integer
 * nano-units per token, durations in days or seconds, dates as `YYYY-MM-DD`: integers keep every target's arithmetic
 * exact and identical. Tables are keyed by name so a decision looks up its use case instead of scanning.
 */

/**
 * The IR's shape version. 2: each use case carries `decision`, the parts of its decisions that lowering precomputes
 * (an IR of version 1 lacks them, and a target reading a version-2 IR relies on them). 3: language v2 (people and
 * teams, the org's `require`, each use case's `log_access`, and the decision's `owner`, `log.access` and
 * `hard_limit_micros` precomputed). 4: how a provider and a model are reached (each provider's `api`, each model's
 * `deployment` and `capacity`), with their defaults lowered.
 */
export const IR_VERSION = 4;

/** `path:line:col` of the declaration or field a value came from. */
export type IrSource = string;

export type LogLevel = 'none' | 'redacted' | 'full';
export type Period = 'day' | 'week' | 'month' | 'quarter' | 'year';
export type LimitScope = 'use_case' | 'tenant';

export interface IrLog {
  readonly inputs: LogLevel;
  readonly outputs: LogLevel;
  readonly tool_calls: LogLevel;
}

/** A declared person (`person dana { email "..." }`): an owner reference and an approver. */
export interface IrPerson {
  readonly name: string;
  /** Lower-cased, as every e-mail address in the IR. */
  readonly email: string;
  readonly title: string | null;
  readonly source: IrSource;
}

/** A declared team: an owner reference (never an approver); members are e-mail addresses. */
export interface IrTeam {
  readonly name: string;
  readonly email: string;
  readonly title: string | null;
  readonly members: readonly string[];
  readonly source: IrSource;
}

export interface IrApproval {
  readonly approver: string;
  /** First day the approval is valid; null when not stated. */
  readonly on: string | null;
  readonly ticket: string | null;
  /** Last day the approval is valid (inclusive); null for no expiry. */
  readonly expires: string | null;
  readonly source: IrSource;
}

export interface IrBudget {
  readonly scope: LimitScope;
  readonly period: Period;
  readonly amount_micros: number;
  /**
   * Where degraded traffic stops: floor(amount * cap_percent / 100), precomputed exactly so no target multiplies
   * past 2^53. Equal to the amount when there is no degrade model.
   */
  readonly hard_limit_micros: number;
  /**
   * Where each `budget_alert` threshold of the use case falls in this budget: floor(amount * pct / 100) per
   * threshold, ascending, precomputed exactly (empty without alerts, and for org budgets).
   */
  readonly alert_thresholds_micros: readonly number[];
  readonly source: IrSource;
}

export interface IrRateLimit {
  readonly scope: LimitScope;
  readonly kind: 'requests' | 'tokens';
  readonly per_minute: number;
  readonly source: IrSource;
}

/** What the org requires of every request (`require trace_id, principal`): step 2 of docs/semantics.md. */
export interface IrOrgRequire {
  readonly trace_id: boolean;
  readonly principal: boolean;
  /** The `require` field; null when the org does not declare one (then both are false). */
  readonly source: IrSource | null;
}

export interface IrOrg {
  readonly name: string;
  readonly title: string | null;
  /** E-mail addresses (owner references resolved: a person or team stands for its e-mail). */
  readonly owners: readonly string[];
  readonly require: IrOrgRequire;
  readonly currency: string;
  readonly budgets: readonly IrBudget[];
  readonly retention_days: number;
  readonly log: IrLog;
  readonly source: IrSource;
}

export interface IrProvider {
  readonly name: string;
  readonly title: string | null;
  readonly regions: readonly string[];
  readonly dpa_signed: string | null;
  readonly zero_retention: boolean;
  readonly trains_on_customer_data: boolean;
  /** Who operates the runtime: a runtime the company operates itself (`on_premises`, `self_hosted`) needs no DPA. */
  readonly hosting: ProviderHosting;
  /** The wire protocol a gateway speaks to it; `openai_compatible` when unstated. Endpoints and keys are never here. */
  readonly api: ProviderApi;
  readonly source: IrSource;
}

/** How a gateway talks to a provider: `openai_compatible` is any OpenAI-style endpoint (vLLM, Mistral, most runtimes). */
export type ProviderApi = 'openai' | 'azure_openai' | 'anthropic' | 'bedrock' | 'openai_compatible';
export type ProviderHosting = 'vendor' | 'on_premises' | 'self_hosted';
/** A contract term a data class or flow may require of every provider it reaches. */
export type ContractTerm = 'dpa' | 'zero_retention' | 'no_training';
export type ModelKind = 'chat' | 'embedding';

export type ModelStatus = 'approved' | 'deprecated' | 'revoked';

export interface IrModel {
  readonly name: string;
  readonly title: string | null;
  readonly provider: string;
  readonly version: string;
  readonly approved_versions: readonly string[];
  readonly regions: readonly string[];
  readonly price: { readonly input_nanos_per_token: number; readonly output_nanos_per_token: number };
  readonly context_tokens: number | null;
  readonly status: ModelStatus;
  readonly approvals: readonly IrApproval[];
  /** `embedding` models compute retrieval embeddings and may not serve a use case's requests. */
  readonly kind: ModelKind;
  /**
   * The id the provider serves the model under (the OpenAI/Anthropic model id, the Azure deployment name, the
   * Bedrock model id, the vLLM served model name); the model's name when unstated.
   */
  readonly deployment: string;
  /** The deployment's own limits per minute, null when unstated: what a gateway routes within, not a govc limit. */
  readonly capacity: IrModelCapacity;
  readonly source: IrSource;
}

export interface IrModelCapacity {
  readonly rpm: number | null;
  readonly tpm: number | null;
}

export type DataHandling = 'allow' | 'redact' | 'deny';
export type Sensitivity = 'low' | 'medium' | 'high' | 'critical';

export interface IrDetector {
  readonly name: string;
  /** A pattern in govc's portable subset: it means the same in JavaScript, Python (re.ASCII) and RE2. */
  readonly regex: string;
  readonly builtin: boolean;
}

export interface IrDataClass {
  readonly name: string;
  readonly title: string | null;
  readonly sensitivity: Sensitivity;
  readonly default: DataHandling;
  readonly detectors: readonly IrDetector[];
  /** Regions this data may be processed in; empty means anywhere. */
  readonly residency: readonly string[];
  /** Contract terms every provider this class may reach must meet. */
  readonly requires: readonly ContractTerm[];
  readonly source: IrSource;
}

export interface IrTierRequirements {
  readonly eval: boolean;
  readonly human_oversight: boolean;
  readonly red_team: boolean;
  readonly disclosure: boolean;
  readonly rollback: boolean;
}

export interface IrTier {
  readonly name: string;
  readonly title: string | null;
  readonly prohibited: boolean;
  readonly requires: IrTierRequirements;
  readonly min_retention_days: number;
  readonly min_log: IrLog;
  readonly approvers: number;
  readonly source: IrSource;
}

export interface IrTool {
  readonly name: string;
  readonly title: string | null;
  readonly scopes: readonly string[];
  readonly owner: string | null;
  readonly approvals: readonly IrApproval[];
  /** Language v2, for rollbacks: the version in use (null when not stated) and every approved one. */
  readonly version: string | null;
  readonly approved_versions: readonly string[];
  readonly source: IrSource;
}

export type IrDataFlow =
  | { readonly action: 'deny'; readonly source: IrSource }
  | {
      readonly action: 'allow';
      /** Providers the data may reach (any of their models). */
      readonly providers: readonly string[];
      /** Models the data may reach besides those of `providers`: model M may receive it iff M ∈ models or provider(M) ∈ providers. */
      readonly models: readonly string[];
      /** Request regions in which the flow applies; empty means any region. */
      readonly regions: readonly string[];
      readonly redacted: boolean;
      /** Contract terms the flow requires of every provider it reaches (besides the class's own). */
      readonly requires: readonly ContractTerm[];
      readonly source: IrSource;
    };

export interface IrToolGrant {
  /** Granted scopes; a scope ending in `*` grants every scope with that prefix. */
  readonly scopes: readonly string[];
  readonly human_approval: boolean;
  readonly source: IrSource;
}

export interface IrOnBudgetExhausted {
  readonly degrade_to: string | null;
  /** Degraded traffic may continue until spend reaches this percentage of each budget. */
  readonly cap_percent: number;
  readonly message: string;
  readonly source: IrSource;
}

export interface IrOnRateLimited {
  readonly message: string;
  readonly source: IrSource;
}

export interface IrMetricThreshold {
  readonly metric: string;
  readonly op: '<=' | '>=' | '<' | '>';
  readonly threshold: number;
}

export interface IrEvalGate {
  readonly name: string;
  readonly datasets: readonly string[];
  readonly baseline: string | null;
  readonly max_regression: number | null;
  readonly metrics: readonly IrMetricThreshold[];
  readonly source: IrSource;
}

/** A rollback of one asset (language v2; the v1 form is a model rollback). */
export interface IrRollback {
  readonly asset: 'model' | 'prompt' | 'tool' | 'corpus';
  /** The asset's name. */
  readonly name: string;
  /** The version rolled back to, one of the asset's approved versions; null only for a v1 model rollback without `@`. */
  readonly version: string | null;
  readonly within_seconds: number | null;
  readonly owner: string | null;
  readonly steps: readonly string[];
  readonly source: IrSource;
}

/** A governed, versioned prompt (language v2): its pinned version and content hash, and who approved it. */
export interface IrPrompt {
  readonly name: string;
  readonly title: string | null;
  /** An e-mail address, or null when not stated. */
  readonly owner: string | null;
  readonly version: string;
  /** 64 lowercase hex digits: the SHA-256 of the prompt text. */
  readonly sha256: string;
  /** Every approved version, the current one included. */
  readonly approved_versions: readonly string[];
  readonly approvals: readonly IrApproval[];
  readonly source: IrSource;
}

/** A retrieval corpus (RAG source): what it holds reaches the model with every retrieval. */
export interface IrCorpus {
  readonly name: string;
  readonly title: string | null;
  /** Owner e-mail address (lower-cased). */
  readonly owner: string;
  /** Data classes the corpus holds, distinct, in declared order. */
  readonly data_classes: readonly string[];
  /** Regions it is stored in and may be read from; empty means anywhere. */
  readonly residency: readonly string[];
  /** The embedding model its embeddings are computed with. */
  readonly embeddings: string | null;
  readonly version: string;
  readonly approved_versions: readonly string[];
  readonly approvals: readonly IrApproval[];
  readonly source: IrSource;
}

/** `budget_alert`: thresholds in percent of every budget of the use case, ascending, and who is told. */
export interface IrBudgetAlerts {
  readonly thresholds_percent: readonly number[];
  /** An e-mail address: the `notify` owner, else the use case's owner. */
  readonly notify: string;
  readonly source: IrSource;
}

export interface IrRedTeam {
  readonly suite: string | null;
  readonly text: string | null;
}

/** A guardrail (language v2): a safety classifier or an allow/deny list, where it runs and what it does. */
export interface IrGuardrail {
  readonly name: string;
  readonly title: string | null;
  readonly kind: 'classifier' | 'allow_list' | 'deny_list';
  readonly stage: 'input' | 'output' | 'both';
  readonly action: 'block' | 'flag';
  /** A classifier's score threshold, 0..1; null for lists. */
  readonly threshold: number | null;
  /** A classifier's model, when stated. */
  readonly model: string | null;
  /** A list's items; empty for classifiers. */
  readonly items: readonly string[];
  readonly source: IrSource;
}

/** A red-team suite (language v2): the adversarial dataset that tests guardrails, and the pass rate it must reach. */
export interface IrRedTeamSuite {
  readonly name: string;
  readonly title: string | null;
  readonly dataset: string;
  readonly guardrails: readonly string[];
  /** 0..1. */
  readonly min_pass_rate: number;
  readonly source: IrSource;
}

/** One pinned prompt and one guardrail as `obligations.prompts` and `obligations.guardrails` carry them: the decision's own shapes. */
export type IrPromptObligation = PromptObligation;
export type IrGuardrailObligation = GuardrailObligation;

/** A use case's declared facts, as the checker resolves them (`check/`); lowering adds `decision`. */
export interface IrUseCaseFacts {
  readonly name: string;
  readonly title: string | null;
  readonly tier: string;
  readonly owner: string;
  readonly surfaces: readonly string[];
  /** Primary model first, then fallbacks in order. */
  readonly models: readonly string[];
  readonly data: Readonly<Record<string, IrDataFlow>>;
  readonly tools: Readonly<Record<string, IrToolGrant>>;
  readonly budgets: readonly IrBudget[];
  readonly rate_limits: readonly IrRateLimit[];
  readonly on_budget_exhausted: IrOnBudgetExhausted | null;
  readonly on_rate_limited: IrOnRateLimited;
  readonly log: IrLog;
  readonly retention_days: number;
  readonly human_oversight: string | null;
  readonly disclosure: string | null;
  /** `red_team SUITE` (language v2) or v1's `red_team "<text>"`; null when not stated. */
  readonly red_team: IrRedTeam | null;
  /** Who may read the use case's logs (`log_access`), as e-mail addresses, in declared order. */
  readonly log_access: readonly string[];
  readonly evals: readonly IrEvalGate[];
  /** Rollbacks, one per asset, in declared order (language v2; replaces v1's single `rollback`). */
  readonly rollbacks: readonly IrRollback[];
  /** Retrieval corpora the use case may read (`retrieval`), in declared order, distinct. */
  readonly corpora: readonly string[];
  readonly approvals: readonly IrApproval[];
  readonly required_approvers: number;
  /** Pinned prompts (language v2), in declared order. */
  readonly prompts: readonly string[];
  /** Guardrails the use case runs (language v2), in declared order. */
  readonly guardrails: readonly string[];
  readonly budget_alerts: IrBudgetAlerts | null;
  readonly source: IrSource;
}

/** A reason as the decision gives it (docs/semantics.md), precomputed. */
export interface IrReason {
  readonly code: string;
  readonly rule: string;
  readonly message: string;
  readonly source: IrSource | null;
}

/**
 * The parts of a use case's decisions that do not depend on the request, computed once by lowering so that every
 * target copies them instead of recomputing them (docs/semantics.md "The decision").
 */
export interface IrUseCaseDecision {
  /** The `allowed` reason of every allow and degrade. */
  readonly allowed: IrReason & { readonly code: 'allowed' };
  /** The decision's `owner`: the use case's owner as an e-mail address. */
  readonly owner: string;
  /**
   * `obligations` whole, in the decision's key order, with its request-dependent fields at their empty values
   * (`redact: []`, `human_approval: false`): a target copies it and sets those, so an obligation that depends only
   * on the program reaches every target through lowering alone.
   */
  readonly obligations: {
    readonly redact: readonly never[];
    /** The log levels and who may read the logs (`access`: `log_access` as e-mail addresses). */
    readonly log: IrLog & { readonly access: readonly string[] };
    readonly retention_days: number;
    /** Whether the use case declares human oversight. */
    readonly human_oversight: boolean;
    readonly human_approval: false;
    readonly disclosure: string | null;
    /** The pinned prompts, in declared order (language v2). */
    readonly prompts: readonly IrPromptObligation[];
    /** The guardrails the use case runs, in declared order (language v2). */
    readonly guardrails: readonly IrGuardrailObligation[];
    /** Request-dependent (step 10): empty here. */
    readonly alerts: readonly never[];
  };
  /** `limits`, whole. */
  readonly limits: {
    readonly budgets: readonly { readonly scope: LimitScope; readonly period: Period; readonly amount_micros: number; readonly hard_limit_micros: number }[];
    readonly rate_limits: readonly { readonly scope: LimitScope; readonly kind: 'requests' | 'tokens'; readonly per_minute: number }[];
  };
  /** `message` of a deny with `budget_exhausted`: the `on budget_exhausted ... refuse` text, or null. */
  readonly budget_message: string | null;
  /** `message` of a deny with `rate_limited` and no `budget_exhausted`: the `on rate_limited refuse` text or the default. */
  readonly rate_message: string;
}

/** A use case in the IR: its facts and its precomputed decision parts. */
export interface IrUseCase extends IrUseCaseFacts {
  readonly decision: IrUseCaseDecision;
}

export interface IrProgram {
  readonly ir_version: typeof IR_VERSION;
  /** Content hash of the sources: the policy revision every decision reports. */
  readonly revision: string;
  readonly org: IrOrg;
  readonly people: Readonly<Record<string, IrPerson>>;
  readonly teams: Readonly<Record<string, IrTeam>>;
  readonly providers: Readonly<Record<string, IrProvider>>;
  readonly models: Readonly<Record<string, IrModel>>;
  readonly data_classes: Readonly<Record<string, IrDataClass>>;
  readonly tiers: Readonly<Record<string, IrTier>>;
  readonly tools: Readonly<Record<string, IrTool>>;
  readonly use_cases: Readonly<Record<string, IrUseCase>>;
  /** Language v2: governed prompts, guardrails and red-team suites. */
  readonly prompts: Readonly<Record<string, IrPrompt>>;
  readonly guardrails: Readonly<Record<string, IrGuardrail>>;
  readonly red_team_suites: Readonly<Record<string, IrRedTeamSuite>>;
  readonly corpora: Readonly<Record<string, IrCorpus>>;
}
