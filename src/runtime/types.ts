/**
 * The types a generated guard module (`ts/guards.ts`) and the runtime share. The request and decision types are
 * the decision contract's (src/decision/types.ts), re-exported here because `govc/runtime` is their public home;
 * below them are the program facts a generated module gives the runtime.
 */
import type { AnyRequest, BudgetLimit, Decision, LogLevels, LogRules, RateLimit } from '../decision/types.js';

export type {
  AlertObligation,
  GuardrailObligation,
  PromptObligation,
  AnyRequest,
  BudgetLimit,
  Decision,
  DecisionKind,
  LimitScope,
  Limits,
  LogLevel,
  LogLevels,
  LogRules,
  Obligations,
  Period,
  RateCounters,
  RateLimit,
  Reason,
  ReasonCode,
  RedactObligation,
  RequestOf,
  SpendCounters,
} from '../decision/types.js';

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
  readonly log: LogLevels;
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
