import type { Limits, Obligations, Reason, RedactObligation } from '../types.js';

/**
 * What the engine decides from: one program's tables compiled into records (compileProgram.ts), built once when a
 * module loads, deeply frozen where a decision hands them out, and shared by every decision. Every record of a kind
 * is built by the same code in the same field order, so V8 gives them one hidden class and the decision's reads
 * stay monomorphic whatever the program.
 */

/** An approval's validity as day numbers (`YYYYMMDD`, the order of the IR's `YYYY-MM-DD` strings); open bounds are -1 and 1e9. */
export interface Span {
  readonly on: number;
  readonly expires: number;
}

export interface Approval extends Span {
  readonly approver: string;
  readonly source: string;
}

export interface ModelRec {
  readonly name: string;
  readonly provider: string;
  /** The `model_revoked` reason, or null when the model is not revoked. */
  readonly revoked: Reason | null;
  readonly windows: readonly Span[];
  readonly approvalSource: string;
  readonly regions: readonly string[];
  readonly inNanos: number;
  readonly outNanos: number;
  readonly source: string;
}

export interface ClassRec {
  readonly name: string;
  /** Position in the program's data classes: use-case tables are arrays indexed by it. */
  readonly index: number;
  readonly deny: boolean;
  readonly redact: boolean;
  readonly residency: readonly string[];
  readonly obligation: RedactObligation;
  readonly source: string;
}

export interface FlowRec {
  /** The `data_class_denied` reason of `data C deny`; null for an allowing rule. */
  readonly denied: Reason | null;
  readonly providers: readonly string[];
  /** Models the rule names (step 6, model targets); a model may receive the class if it or its provider is named. */
  readonly models: readonly string[];
  readonly regions: readonly string[];
  readonly redacted: boolean;
  readonly source: string;
}

export interface GrantRec {
  readonly exact: readonly string[];
  readonly prefixes: readonly string[];
  readonly humanApproval: boolean;
  readonly humanRequired: Reason;
  readonly windows: readonly Span[];
  readonly approvalSource: string;
  readonly source: string;
}

/**
 * The numbers a decision reads, per use case, packed at `UseCaseRec.at` in one program-wide Float64Array
 * (`Program.nums`), so that a decision touches a cache line or two instead of a dozen objects:
 *
 *   at:       required approvers, then for each distinct approver: n, then n pairs (on, expires) of day numbers
 *   rateAt:   n, then n pairs (flags: 2 tenant + 1 tokens, per_minute)
 *   budgetAt: n, then n triples (flags: 8 tenant + period 0 day .. 4 year, amount_micros, hard_limit_micros)
 *   flowAt:   for each data class (by ClassRec.index), a pair: flags (1 the use case has a rule, 2 `deny`,
 *             4 redacted, 8 limited to regions) and the mask of model candidates (bit k: `models[k]`) whose
 *             provider may not receive the class; -1 when the use case has no data rule
 *
 * The reasons that go with a rate limit or budget are in `rateReasons` (missing, limited) and `budgetReasons`
 * (missing, exhausted), two per entry, read only on denial.
 */
export interface UseCaseRec {
  // Fields a decision reads first, so that they share the record's first cache lines.
  readonly name: string;
  /** The decision's `owner` (the IR's precomputed `decision.owner`). */
  readonly owner: string;
  readonly required: number;
  /** Offsets in `Program.nums` of the approvals, the rate limits, the budgets and the data rules. */
  readonly at: number;
  readonly rateAt: number;
  readonly budgetAt: number;
  readonly flowAt: number;
  /** Whether the candidates fit the masks at flowAt (31 at most). */
  readonly maskable: boolean;
  readonly models: readonly ModelRec[];
  /** The granted tools (by position in the program's tools) and their grants, in the same order. */
  readonly toolIds: readonly number[];
  readonly grants: readonly GrantRec[];
  readonly degrade: ModelRec | null;
  /** Reasons of an allow: `[allowed]`. */
  readonly allowed: readonly Reason[];
  /** Obligations without redaction, without and with a human approval. */
  readonly obligations: Obligations;
  readonly obligationsHA: Obligations;
  readonly limits: Limits;
  /** Obligations (by class index) for one class redacted alone, without and with a human approval; null where the class is not redacted. */
  readonly single: readonly (Obligations | null)[];
  readonly singleHA: readonly (Obligations | null)[];
  // Read on denials, fallbacks, degrades and redaction of several classes.
  readonly rule: string;
  readonly source: string;
  readonly approvals: readonly Approval[];
  /** The use case's data rule for each class (by ClassRec.index), or null when it has none at all. */
  readonly flows: readonly (FlowRec | null)[] | null;
  readonly rateReasons: readonly Reason[];
  readonly budgetReasons: readonly Reason[];
  /** Reasons of an allow by the chosen model's position: `[allowed]`, then `[allowed, fallback_model]`. */
  readonly allowedFallback: readonly (readonly Reason[])[];
  /** Reasons of a degrade by the chosen model's position; with `fallback_model` in the second (empty when the use case cannot degrade). */
  readonly degraded: readonly (readonly Reason[])[];
  readonly degradedFallback: readonly (readonly Reason[])[];
  /** The precomputed obligations (nothing redacted, no human approval), for a decision that redacts several classes. */
  readonly template: Obligations;
  readonly budgetMessage: string | null;
  readonly rateMessage: string;
  /** Language v2: the pinned prompts (step 4), and the budget alerts (step 10), null without any. */
  readonly prompts: readonly PromptRec[];
  readonly alerts: AlertRec | null;
  /** The corpora the use case may read (step 5). */
  readonly corpora: readonly string[];
}

/** A pinned prompt, as step 4 reads it. */
export interface PromptRec {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly windows: readonly Span[];
  readonly approvalSource: string;
  readonly source: string;
}

/** `budget_alert`: who is told, the percentages, and each budget's thresholds in micro-units (budgets' order). */
export interface AlertRec {
  readonly notify: string;
  readonly percents: readonly number[];
  readonly micros: readonly (readonly number[])[];
}

/** A retrieval corpus (step 5). */
export interface CorpusRec {
  readonly name: string;
  readonly classes: readonly string[];
  readonly residency: readonly string[];
  readonly source: string;
}

/** One compiled program: what `decideRequest` reads. */
export interface Program {
  readonly revision: string;
  /** Step 2: the `trace_id_required` and `principal_required` reasons when the org requires them, else null. */
  readonly traceRequired: Reason | null;
  readonly principalRequired: Reason | null;
  readonly useCases: ReadonlyMap<string, UseCaseRec>;
  readonly classes: ReadonlyMap<string, ClassRec>;
  readonly classRecs: readonly ClassRec[];
  readonly toolIndex: ReadonlyMap<string, number>;
  /** Retrieval corpora by name (step 5); read only for a request that names corpora. */
  readonly corpora: ReadonlyMap<string, CorpusRec>;
  readonly nums: Float64Array;
  /**
   * Scratch space of the decision being made (decisions are synchronous, so one buffer serves them all): the
   * request's declared data classes, resolved; and the spend under each budget.
   */
  readonly scratch: ClassRec[];
  readonly spent: Float64Array;
}
