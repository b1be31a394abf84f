/**
 * The table of reasons: for every reason a decision can give, its code, what it decides, the step of
 * docs/semantics.md "The algorithm" that gives it, its rule path and message templates, what its parameters are,
 * and where its `source` comes from. It is the one statement of every reason's text: the reference evaluator and
 * the runtime render reasons through `reason()`, lowering renders the precomputed ones into the IR, and
 * scripts/generate-contract.mjs writes the Rego functions (src/backends/opa/contract.rego), the AssemblyScript
 * builders (src/backends/wasm/assembly/contract.ts) and the table of docs/semantics.md from it.
 *
 * Templates name their parameters in braces. Parameters are listed in the order they first appear in the rule,
 * then in the message; that order is the order of the generated functions' arguments.
 */
import { echo } from './echo.js';

/**
 * What a template parameter holds, and so how it is printed:
 * - `name`: a value the decision found in the program (a declared name, or an IR word such as `tenant`), whole;
 * - `echo`: a string the request chose, through echo (RULE B: at most 64 code points, then "…");
 * - `date`: the request's date, `YYYY-MM-DD` (validated, so bounded);
 * - `int`: an integer, in decimal;
 * - `names`: program names, joined with ", ";
 * - `per_scope`: a limit's scope as the message words it (PER_SCOPE: "per-tenant " or nothing);
 * - `text`: a message already made (a request field's malformed message, whose key is echoed there).
 */
export type ParamKind = 'name' | 'echo' | 'date' | 'int' | 'names' | 'per_scope' | 'text';

/** How a `per_scope` parameter prints a limit's scope. */
export const PER_SCOPE = { use_case: '', tenant: 'per-tenant ' } as const;

export type ReasonKind = 'allow' | 'info' | 'deny';

export interface ReasonSpec {
  readonly code: string;
  readonly kind: ReasonKind;
  /** The step of docs/semantics.md "The algorithm" (0: the request validation before it, "Malformed requests"). */
  readonly step: number;
  readonly rule: string;
  readonly message: string;
  readonly params: Readonly<Record<string, ParamKind>>;
  /** The IR location the reason's `source` is read from (templated like the rule), or null for the request's own problems. */
  readonly source: string | null;
  /** When the reason is given, in a few words (docs/semantics.md). */
  readonly when: string;
  /** Set when lowering writes the whole reason into the IR, so every target copies it: where. */
  readonly precomputed?: string;
}

export const REASONS = {
  allowed: {
    code: 'allowed',
    kind: 'allow',
    step: 11,
    rule: 'use_case/{use_case}',
    message: 'allowed by use case `{use_case}`',
    params: { use_case: 'name' },
    source: 'use_cases.{use_case}.source',
    when: 'no rule denied',
    precomputed: 'use_cases.{use_case}.decision.allowed',
  },
  fallback_model: {
    code: 'fallback_model',
    kind: 'info',
    step: 6,
    rule: 'use_case/{use_case}/models',
    message: 'model `{model}` cannot serve this request; using fallback `{fallback}`',
    params: { use_case: 'name', model: 'name', fallback: 'name' },
    source: 'use_cases.{use_case}.source',
    when: 'the primary (or first candidate) had problems; a fallback serves',
  },
  budget_degraded: {
    code: 'budget_degraded',
    kind: 'info',
    step: 10,
    rule: 'use_case/{use_case}/on_budget_exhausted',
    message: 'budget exhausted; degraded from `{model}` to `{degrade_to}`',
    params: { use_case: 'name', model: 'name', degrade_to: 'name' },
    source: 'use_cases.{use_case}.on_budget_exhausted.source',
    when: 'a budget ran out and the degrade model serves',
  },
  malformed_request: {
    code: 'malformed_request',
    kind: 'deny',
    step: 0,
    rule: 'request',
    message: '{problem}',
    params: { problem: 'text' },
    source: null,
    when: 'the request is not well-formed (first problem, REQUEST_FIELDS)',
  },
  unknown_use_case: {
    code: 'unknown_use_case',
    kind: 'deny',
    step: 1,
    rule: 'request',
    message: 'use case `{use_case}` is not declared',
    params: { use_case: 'echo' },
    source: null,
    when: 'no such use case',
  },
  trace_id_required: {
    code: 'trace_id_required',
    kind: 'deny',
    step: 2,
    rule: 'org/require/trace_id',
    message: 'org `{org}` requires a `trace_id` on every request',
    params: { org: 'name' },
    source: 'org.require.source',
    when: 'the org requires a trace id and the request has none',
  },
  principal_required: {
    code: 'principal_required',
    kind: 'deny',
    step: 2,
    rule: 'org/require/principal',
    message: 'org `{org}` requires a `principal` on every request',
    params: { org: 'name' },
    source: 'org.require.source',
    when: 'the org requires a principal and the request has none',
  },
  approval_expired: {
    code: 'approval_expired',
    kind: 'deny',
    step: 3,
    rule: 'use_case/{use_case}/approved_by',
    message: 'use case `{use_case}` has {valid} valid approval(s) on {date}; its tier requires {required}',
    params: { use_case: 'name', valid: 'int', date: 'date', required: 'int' },
    source: 'use_cases.{use_case}.approvals[i].source, the first expired',
    when: 'too few valid approvals; one has expired',
  },
  approval_not_yet_valid: {
    code: 'approval_not_yet_valid',
    kind: 'deny',
    step: 3,
    rule: 'use_case/{use_case}/approved_by',
    message: 'use case `{use_case}` has {valid} valid approval(s) on {date}; its tier requires {required}',
    params: { use_case: 'name', valid: 'int', date: 'date', required: 'int' },
    source: 'use_cases.{use_case}.approvals[i].source, the first not valid on the date',
    when: 'too few valid approvals; one is dated after the request',
  },
  // Step 5 of language v2's numbering (retrieval, issue 10): between use-case approvals and the model.
  unknown_corpus: {
    code: 'unknown_corpus',
    kind: 'deny',
    step: 5,
    rule: 'request',
    message: 'corpus `{corpus}` is not declared',
    params: { corpus: 'echo' },
    source: null,
    when: 'the request names an undeclared corpus',
  },
  corpus_not_allowed: {
    code: 'corpus_not_allowed',
    kind: 'deny',
    step: 5,
    rule: 'use_case/{use_case}/retrieval',
    message: 'corpus `{corpus}` may not be read by use case `{use_case}`',
    params: { use_case: 'name', corpus: 'name' },
    source: 'use_cases.{use_case}.source',
    when: "the corpus is not among the use case's `retrieval`",
  },
  corpus_region_not_permitted: {
    code: 'corpus_region_not_permitted',
    kind: 'deny',
    step: 5,
    rule: 'corpus/{corpus}/residency',
    message: 'corpus `{corpus}` may not be read from region `{region}`',
    params: { corpus: 'name', region: 'echo' },
    source: 'corpora.{corpus}.source',
    when: "the request region is outside the corpus's residency",
  },
  model_not_allowed: {
    code: 'model_not_allowed',
    kind: 'deny',
    step: 6,
    rule: 'use_case/{use_case}/models',
    message: 'model `{model}` is not allowed for use case `{use_case}`',
    params: { use_case: 'name', model: 'echo' },
    source: 'use_cases.{use_case}.source',
    when: "the requested model is not one of the use case's",
  },
  model_revoked: {
    code: 'model_revoked',
    kind: 'deny',
    step: 6,
    rule: 'model/{model}/status',
    message: 'model `{model}` is revoked',
    params: { model: 'name' },
    source: 'models.{model}.source',
    when: 'the model is revoked',
  },
  model_approval_expired: {
    code: 'model_approval_expired',
    kind: 'deny',
    step: 6,
    rule: 'model/{model}/approved_by',
    message: 'model `{model}` has no valid approval on {date}',
    params: { model: 'name', date: 'date' },
    source: 'models.{model}.approvals[0].source',
    when: "no approval of the model is valid on the request's date",
  },
  model_region_not_served: {
    code: 'model_region_not_served',
    kind: 'deny',
    step: 6,
    rule: 'model/{model}/regions',
    message: 'model `{model}` is not available in region `{region}`',
    params: { model: 'name', region: 'echo' },
    source: 'models.{model}.source',
    when: "the model is not offered in the request's region",
  },
  data_flow_not_permitted: {
    code: 'data_flow_not_permitted',
    kind: 'deny',
    step: 6,
    rule: 'use_case/{use_case}/data/{data_class}',
    message: 'data class `{data_class}` may not be sent to provider `{provider}` (model `{model}`)',
    params: { use_case: 'name', data_class: 'name', provider: 'name', model: 'name' },
    source: 'use_cases.{use_case}.data.{data_class}.source',
    when: "the class's rule names neither the model nor its provider (model targets)",
  },
  unknown_data_class: {
    code: 'unknown_data_class',
    kind: 'deny',
    step: 7,
    rule: 'request',
    message: 'data class `{data_class}` is not declared',
    params: { data_class: 'echo' },
    source: null,
    when: 'the request names an undeclared data class',
  },
  data_class_denied: {
    code: 'data_class_denied',
    kind: 'deny',
    step: 7,
    rule: 'use_case/{use_case}/data/{data_class}',
    message: 'data class `{data_class}` may not be sent in use case `{use_case}`',
    params: { use_case: 'name', data_class: 'name' },
    source: 'use_cases.{use_case}.data.{data_class}.source',
    when: '`data C deny`',
  },
  data_class_not_permitted: {
    code: 'data_class_not_permitted',
    kind: 'deny',
    step: 7,
    rule: 'data_class/{data_class}/default',
    message: 'data class `{data_class}` is denied by default and use case `{use_case}` has no rule for it',
    params: { data_class: 'name', use_case: 'name' },
    source: 'data_classes.{data_class}.source',
    when: 'no rule for the class and its default is `deny`',
  },
  data_region_not_permitted: {
    code: 'data_region_not_permitted',
    kind: 'deny',
    step: 7,
    rule: 'use_case/{use_case}/data/{data_class}',
    message: 'data class `{data_class}` may not be sent from region `{region}` in use case `{use_case}`',
    params: { use_case: 'name', data_class: 'name', region: 'echo' },
    source: 'use_cases.{use_case}.data.{data_class}.source',
    when: 'the class may flow only `in` other regions',
  },
  residency_violation: {
    code: 'residency_violation',
    kind: 'deny',
    step: 7,
    rule: 'data_class/{data_class}/residency',
    message: 'data class `{data_class}` must stay in {residency}, request region is `{region}`',
    params: { data_class: 'name', residency: 'names', region: 'echo' },
    source: 'data_classes.{data_class}.source',
    when: 'the class must stay in its residency regions',
  },
  tool_not_allowed: {
    code: 'tool_not_allowed',
    kind: 'deny',
    step: 8,
    rule: 'use_case/{use_case}/tools',
    message: 'tool `{tool}` is not granted to use case `{use_case}`',
    params: { use_case: 'name', tool: 'echo' },
    source: 'use_cases.{use_case}.source',
    when: 'the tool is not granted',
  },
  tool_approval_expired: {
    code: 'tool_approval_expired',
    kind: 'deny',
    step: 8,
    rule: 'tool/{tool}/approved_by',
    message: 'tool `{tool}` has no valid approval on {date}',
    params: { tool: 'name', date: 'date' },
    source: 'tools.{tool}.approvals[0].source',
    when: "the tool has approvals and none is valid on the request's date",
  },
  tool_scope_not_allowed: {
    code: 'tool_scope_not_allowed',
    kind: 'deny',
    step: 8,
    rule: 'use_case/{use_case}/tool/{tool}',
    message: 'scope `{scope}` is not granted for tool `{tool}`',
    params: { use_case: 'name', tool: 'name', scope: 'echo' },
    source: 'use_cases.{use_case}.tools.{tool}.source',
    when: 'the scope is not granted',
  },
  human_approval_required: {
    code: 'human_approval_required',
    kind: 'deny',
    step: 8,
    rule: 'use_case/{use_case}/tool/{tool}',
    message: 'tool `{tool}` needs a human approval before each call',
    params: { use_case: 'name', tool: 'name' },
    source: 'use_cases.{use_case}.tools.{tool}.source',
    when: 'the tool needs a human approval and none was given',
  },
  counter_missing_rate: {
    code: 'counter_missing',
    kind: 'deny',
    step: 9,
    rule: 'use_case/{use_case}/rate',
    message: '`rate.{scope}.{kind}` is required by a rate limit of use case `{use_case}`',
    params: { use_case: 'name', scope: 'name', kind: 'name' },
    source: 'use_cases.{use_case}.rate_limits[i].source',
    when: 'a counter a rate limit needs was not sent',
  },
  rate_limited: {
    code: 'rate_limited',
    kind: 'deny',
    step: 9,
    rule: 'use_case/{use_case}/rate',
    message: '{scope}{kind} per minute would exceed {per_minute}',
    params: { use_case: 'name', scope: 'per_scope', kind: 'name', per_minute: 'int' },
    source: 'use_cases.{use_case}.rate_limits[i].source',
    when: 'a per-minute limit would be exceeded',
  },
  counter_missing_budget: {
    code: 'counter_missing',
    kind: 'deny',
    step: 10,
    rule: 'use_case/{use_case}/budget',
    message: '`spend.{scope}.{period}` is required by a budget of use case `{use_case}`',
    params: { use_case: 'name', scope: 'name', period: 'name' },
    source: 'use_cases.{use_case}.budgets[i].source',
    when: 'a counter a budget needs was not sent',
  },
  budget_exhausted: {
    code: 'budget_exhausted',
    kind: 'deny',
    step: 10,
    rule: 'use_case/{use_case}/budget',
    message: '{scope}budget per {period} is exhausted',
    params: { use_case: 'name', scope: 'per_scope', period: 'name' },
    source: 'use_cases.{use_case}.budgets[i].source, the first exceeded',
    when: 'a budget is exhausted and degrading is impossible',
  },
  // Language v2, assets: step 4, the prompt (new numbering of docs/semantics.md).
  prompt_not_allowed: {
    code: 'prompt_not_allowed',
    kind: 'deny',
    step: 4,
    rule: 'use_case/{use_case}/prompts',
    message: 'prompt `{prompt}` is not pinned by use case `{use_case}`',
    params: { use_case: 'name', prompt: 'echo' },
    source: 'use_cases.{use_case}.source',
    when: 'the request names a prompt the use case does not pin',
  },
  prompt_version_not_pinned: {
    code: 'prompt_version_not_pinned',
    kind: 'deny',
    step: 4,
    rule: 'use_case/{use_case}/prompts',
    message: 'use case `{use_case}` pins prompt `{prompt}` at version `{version}` (sha256 `{hash}`), not the one requested',
    params: { use_case: 'name', prompt: 'name', version: 'name', hash: 'name' },
    source: 'prompts.{prompt}.source',
    when: "the request's prompt version or sha256 differs from the pinned one",
  },
  prompt_approval_expired: {
    code: 'prompt_approval_expired',
    kind: 'deny',
    step: 4,
    rule: 'prompt/{prompt}/approved_by',
    message: 'prompt `{prompt}` has no valid approval on {date}',
    params: { prompt: 'name', date: 'date' },
    source: 'prompts.{prompt}.approvals[0].source',
    when: "no approval of the pinned prompt is valid on the request's date",
  },
} as const satisfies Readonly<Record<string, ReasonSpec>>;

/** One entry of REASONS (a reason code has one entry per message it can give: `counter_missing` has two). */
export type ReasonId = keyof typeof REASONS;

/** The codes a reason can carry. */
export type ReasonCode = (typeof REASONS)[ReasonId]['code'];

type ValueOf<K> = K extends 'int' ? number : K extends 'names' ? readonly string[] : string;

/** The parameters of reason `I`, typed by their kinds: a missing or misspelt one is a compile error. */
export type ReasonParams<I extends ReasonId> = { readonly [P in keyof (typeof REASONS)[I]['params']]: ValueOf<(typeof REASONS)[I]['params'][P]> };

/** A reason's `source`: null exactly for the reasons the table says come from the request itself. */
export type ReasonSource<I extends ReasonId> = (typeof REASONS)[I]['source'] extends null ? null : string;

/** A template cut into literal text and parameters. */
export type TemplatePart = string | { readonly param: string };

/** Cuts a template at its `{param}` placeholders. */
export function templateParts(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (const m of template.matchAll(/\{([a-z_]+)\}/g)) {
    if (m.index > at) parts.push(template.slice(at, m.index));
    parts.push({ param: m[1]! });
    at = m.index + m[0].length;
  }
  if (at < template.length) parts.push(template.slice(at));
  return parts;
}

/** A reason as `reason()` builds it: `code` and the four fields of docs/semantics.md. */
export interface BuiltReason<C extends ReasonCode = ReasonCode> {
  readonly code: C;
  readonly rule: string;
  readonly message: string;
  readonly source: string | null;
}

/** A template part as `reason()` renders it: literal text, or a parameter with its kind. */
type CompiledPart = string | { readonly param: string; readonly kind: ParamKind };

interface Compiled {
  readonly code: ReasonCode;
  readonly rule: readonly CompiledPart[];
  readonly message: readonly CompiledPart[];
}

function compile(template: string, kinds: Readonly<Record<string, ParamKind>>): CompiledPart[] {
  return templateParts(template).map((p) => (typeof p === 'string' ? p : { param: p.param, kind: kinds[p.param]! }));
}

const COMPILED = Object.fromEntries(
  Object.entries(REASONS).map(([id, spec]: [string, ReasonSpec]) => [id, { code: spec.code as ReasonCode, rule: compile(spec.rule, spec.params), message: compile(spec.message, spec.params) }]),
) as unknown as Readonly<Record<ReasonId, Compiled>>;

function text(kind: ParamKind, v: unknown): string {
  switch (kind) {
    case 'echo':
      return echo(v as string);
    case 'names':
      return (v as readonly string[]).join(', ');
    case 'per_scope':
      return v === 'tenant' ? PER_SCOPE.tenant : PER_SCOPE.use_case;
    case 'int':
      return String(v);
    default:
      return v as string;
  }
}

function render(parts: readonly CompiledPart[], params: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    out += typeof p === 'string' ? p : text(p.kind, params[p.param]);
  }
  return out;
}

/**
 * Reason `id` with its rule and message rendered from the table: program names whole, request strings echoed
 * (RULE B). The one way the TypeScript targets and lowering make a reason.
 */
export function reason<I extends ReasonId>(id: I, params: ReasonParams<I>, source: ReasonSource<I>): BuiltReason<(typeof REASONS)[I]['code']> {
  const c = COMPILED[id];
  const values = params as Readonly<Record<string, unknown>>;
  return {
    code: c.code as (typeof REASONS)[I]['code'],
    rule: render(c.rule, values),
    message: render(c.message, values),
    source,
  };
}
