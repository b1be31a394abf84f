import type { Source, Span } from '../source/Source.js';

/** AST of a `.gov` file: immutable; resolved symbols live in the checker's side tables, not here. */

export interface NameNode {
  readonly kind: 'Name';
  readonly span: Span;
  readonly text: string;
}

export interface StringNode {
  readonly kind: 'String';
  readonly span: Span;
  readonly value: string;
}

/** A number with an optional glued suffix: `200k` is {value: 200, suffix: 'k'}. */
export interface NumberNode {
  readonly kind: 'Number';
  readonly span: Span;
  readonly value: number;
  /** The digits as written, kept to judge precision (`0.075` has 3 decimals). */
  readonly digits: string;
  readonly suffix: string;
}

export interface DateNode {
  readonly kind: 'Date';
  readonly span: Span;
  /** `YYYY-MM-DD`, validated as a calendar date. */
  readonly value: string;
}

/** A number followed by an optional unit word: `5000 USD`, `600 rpm`, `180d`. */
export interface AmountNode {
  readonly kind: 'Amount';
  readonly span: Span;
  readonly number: NumberNode;
  readonly unit?: NameNode;
}

/** One budget or rate item; `pers` holds each word after `per` (a period or `tenant`). */
export interface LimitItemNode {
  readonly kind: 'LimitItem';
  readonly span: Span;
  readonly amount: AmountNode;
  readonly pers: readonly NameNode[];
}

/** An owner reference: an e-mail text, or the name of a declared `person` or `team` (check/resolve/owners.ts). */
export type OwnerRefNode = StringNode | NameNode;

/** The text of an owner reference as written (the e-mail, or the name). */
export function ownerRefText(ref: OwnerRefNode): string {
  return ref.kind === 'String' ? ref.value : ref.text;
}

export interface ApprovalNode {
  readonly kind: 'Approval';
  readonly span: Span;
  readonly keySpan: Span;
  /** An e-mail text or a declared person (a team cannot approve). */
  readonly approver: OwnerRefNode;
  readonly on?: DateNode;
  readonly ticket?: NameNode | StringNode;
  readonly expires?: DateNode;
  /** The span of `never` in `expires never`: no expiry, stated (IR `expires: null`). */
  readonly expiresNever?: Span;
}

export interface LogItemNode {
  readonly kind: 'LogItem';
  readonly span: Span;
  readonly channel: NameNode;
  readonly level: NameNode;
}

export interface DetectorNode {
  readonly kind: 'Detector';
  readonly span: Span;
  readonly name: NameNode;
  /** Present for `pattern NAME "regex"`; absent for a built-in detector. */
  readonly pattern?: StringNode;
}

export interface MetricNode {
  readonly kind: 'Metric';
  readonly span: Span;
  readonly metric: NameNode;
  readonly op: '<=' | '>=' | '<' | '>';
  readonly threshold: NumberNode;
}

interface FieldBase {
  readonly span: Span;
  /** The span of the field's keyword, used to point at "which field". */
  readonly keySpan: Span;
}

export interface TitleField extends FieldBase { readonly kind: 'Title'; readonly value: StringNode }
export interface OwnersField extends FieldBase { readonly kind: 'Owners'; readonly values: readonly OwnerRefNode[] }
export interface OwnerField extends FieldBase { readonly kind: 'Owner'; readonly value: OwnerRefNode }
/** `require trace_id, principal` (org). */
export interface RequireField extends FieldBase { readonly kind: 'Require'; readonly values: readonly NameNode[] }
/** `email "dana@acme.example"` (person, team). */
export interface EmailField extends FieldBase { readonly kind: 'Email'; readonly value: StringNode }
/** `members dana, "ops-lead@acme.example"` (team). */
export interface MembersField extends FieldBase { readonly kind: 'Members'; readonly values: readonly OwnerRefNode[] }
/** `log_access compliance_team, "security@acme.example"` (use case). */
export interface LogAccessField extends FieldBase { readonly kind: 'LogAccess'; readonly values: readonly OwnerRefNode[] }
export interface BudgetField extends FieldBase { readonly kind: 'Budget'; readonly items: readonly LimitItemNode[] }
export interface RateField extends FieldBase { readonly kind: 'Rate'; readonly items: readonly LimitItemNode[] }
export interface RetainField extends FieldBase { readonly kind: 'Retain'; readonly duration: AmountNode }
export interface LogField extends FieldBase { readonly kind: 'Log'; readonly items: readonly LogItemNode[] }
export interface RegionsField extends FieldBase { readonly kind: 'Regions'; readonly values: readonly NameNode[] }
export interface DpaField extends FieldBase { readonly kind: 'Dpa'; readonly signed?: DateNode }
export interface ZeroRetentionField extends FieldBase { readonly kind: 'ZeroRetention'; readonly value: boolean }
export interface TrainsField extends FieldBase { readonly kind: 'TrainsOnCustomerData'; readonly value: boolean }
export interface ModelProviderField extends FieldBase { readonly kind: 'ModelProvider'; readonly provider: NameNode }
export interface VersionField extends FieldBase { readonly kind: 'Version'; readonly value: StringNode }
export interface ApprovedVersionsField extends FieldBase {
  readonly kind: 'ApprovedVersions';
  readonly values: readonly StringNode[];
}
export interface PriceField extends FieldBase {
  readonly kind: 'Price';
  readonly input: AmountNode;
  readonly output: AmountNode;
  readonly per: AmountNode;
}
export interface ContextField extends FieldBase { readonly kind: 'Context'; readonly size: AmountNode }
export interface StatusField extends FieldBase { readonly kind: 'Status'; readonly value: NameNode }
export interface HostingField extends FieldBase { readonly kind: 'Hosting'; readonly value: NameNode }
export interface ModelKindField extends FieldBase { readonly kind: 'ModelKind'; readonly value: NameNode }
/** `api azure_openai` (provider): the wire protocol a gateway speaks to it. */
export interface ApiField extends FieldBase { readonly kind: 'Api'; readonly value: NameNode }
/** `deployment "gpt-41-eu"` (model): the id the provider serves it under. */
export interface DeploymentField extends FieldBase { readonly kind: 'Deployment'; readonly value: StringNode }
/** `capacity 600 rpm, 200k tpm` (model): the deployment's own limits, rate items without `per tenant`. */
export interface CapacityField extends FieldBase { readonly kind: 'Capacity'; readonly items: readonly LimitItemNode[] }
export interface SensitivityField extends FieldBase { readonly kind: 'Sensitivity'; readonly value: NameNode }
export interface DefaultField extends FieldBase { readonly kind: 'Default'; readonly value: NameNode }
export interface DetectField extends FieldBase { readonly kind: 'Detect'; readonly detectors: readonly DetectorNode[] }
export interface ResidencyField extends FieldBase { readonly kind: 'Residency'; readonly values: readonly NameNode[] }
export interface RequiresField extends FieldBase { readonly kind: 'Requires'; readonly values: readonly NameNode[] }
export interface MinRetentionField extends FieldBase { readonly kind: 'MinRetention'; readonly duration: AmountNode }
export interface ApproversField extends FieldBase { readonly kind: 'Approvers'; readonly count: AmountNode }
export interface ProhibitedField extends FieldBase { readonly kind: 'Prohibited' }
export interface ScopesField extends FieldBase { readonly kind: 'Scopes'; readonly values: readonly StringNode[] }
export interface TierField extends FieldBase { readonly kind: 'Tier'; readonly tier: NameNode }
export interface SurfacesField extends FieldBase { readonly kind: 'Surfaces'; readonly values: readonly StringNode[] }
export interface ModelsField extends FieldBase {
  readonly kind: 'Models';
  readonly primary: NameNode;
  readonly fallbacks: readonly NameNode[];
}
/** One target of a `->` data rule: a provider or a model, qualified (`provider x`, `model y`) or resolved by name. */
export interface FlowTargetNode {
  readonly kind: 'FlowTarget';
  readonly span: Span;
  readonly name: NameNode;
  readonly qualifier?: 'provider' | 'model';
}
export interface DataField extends FieldBase {
  readonly kind: 'Data';
  readonly dataClass: NameNode;
  readonly deny: boolean;
  readonly targets: readonly FlowTargetNode[];
  readonly regions: readonly NameNode[];
  readonly redacted: boolean;
  /** Contract terms every provider this flow reaches must meet (`requires zero_retention`). */
  readonly requires: readonly NameNode[];
}
export interface ToolGrantField extends FieldBase {
  readonly kind: 'ToolGrant';
  readonly tool: NameNode;
  readonly scopes: readonly StringNode[];
  readonly requirement?: NameNode;
}
export interface OnField extends FieldBase {
  readonly kind: 'On';
  readonly event: NameNode;
  readonly degradeTo?: NameNode;
  readonly upTo?: NumberNode;
  readonly refuse: StringNode;
}
export interface HumanOversightField extends FieldBase { readonly kind: 'HumanOversight'; readonly value: StringNode }
export interface DisclosureField extends FieldBase { readonly kind: 'Disclosure'; readonly value: StringNode }
/** `red_team "<text>"` (v1, `value`) or `red_team SUITE` (language v2, `suite`): exactly one is set. */
export interface RedTeamField extends FieldBase { readonly kind: 'RedTeam'; readonly value?: StringNode; readonly suite?: NameNode }
export interface EvalField extends FieldBase {
  readonly kind: 'Eval';
  readonly name: NameNode;
  readonly datasets: readonly StringNode[];
  readonly baselines: readonly StringNode[];
  readonly regressions: readonly NumberNode[];
  readonly metrics: readonly MetricNode[];
}
export interface RollbackField extends FieldBase {
  readonly kind: 'Rollback';
  /** What is rolled back (language v2); the v1 form `rollback to MODEL@...` is a model. */
  readonly asset: 'model' | 'prompt' | 'tool' | 'corpus';
  /** The asset's name (a model for the v1 form). */
  readonly model: NameNode;
  readonly version?: StringNode;
  readonly within?: AmountNode;
  readonly ownedBy?: OwnerRefNode;
  readonly steps: readonly StringNode[];
}
/** `data_classes a, b` of a corpus: the classes it holds (they reach the model with every retrieval). */
export interface DataClassesField extends FieldBase { readonly kind: 'DataClasses'; readonly values: readonly NameNode[] }
/** `embeddings MODEL` of a corpus: the embedding model its embeddings are computed with. */
export interface EmbeddingsField extends FieldBase { readonly kind: 'Embeddings'; readonly model: NameNode }
/** `retrieval k1, k2` of a use case: the corpora it may read. */
export interface RetrievalField extends FieldBase { readonly kind: 'Retrieval'; readonly values: readonly NameNode[] }
export interface ApprovalField extends FieldBase { readonly kind: 'ApprovalField'; readonly approval: ApprovalNode }
// Language v2, assets: prompts and budget alerts.
export interface Sha256Field extends FieldBase { readonly kind: 'Sha256'; readonly value: StringNode }
export interface FileField extends FieldBase { readonly kind: 'File'; readonly value: StringNode }
export interface PromptsField extends FieldBase { readonly kind: 'Prompts'; readonly values: readonly NameNode[] }
export interface BudgetAlertField extends FieldBase {
  readonly kind: 'BudgetAlert';
  readonly thresholds: readonly NumberNode[];
  /** An owner reference: an e-mail text, or the name of a person or team. */
  readonly notify?: StringNode | NameNode;
}
// Language v2, assets: guardrails and red-team suites.
export interface KindField extends FieldBase { readonly kind: 'Kind'; readonly value: NameNode }
export interface StageField extends FieldBase { readonly kind: 'Stage'; readonly value: NameNode }
export interface ActionField extends FieldBase { readonly kind: 'Action'; readonly value: NameNode }
export interface GuardrailModelField extends FieldBase { readonly kind: 'GuardrailModel'; readonly value: NameNode }
export interface ThresholdField extends FieldBase { readonly kind: 'Threshold'; readonly value: NumberNode }
export interface ItemsField extends FieldBase { readonly kind: 'Items'; readonly values: readonly StringNode[] }
export interface DatasetField extends FieldBase { readonly kind: 'Dataset'; readonly value: StringNode }
export interface MinPassRateField extends FieldBase { readonly kind: 'MinPassRate'; readonly value: NumberNode }
export interface GuardrailsField extends FieldBase { readonly kind: 'Guardrails'; readonly values: readonly NameNode[] }
/** A word that is not a field of its block; kept so the checker can report it once with did-you-mean. */
export interface UnknownField extends FieldBase { readonly kind: 'Unknown'; readonly word: NameNode }

export type Field =
  | TitleField
  | OwnersField
  | OwnerField
  | BudgetField
  | RateField
  | RetainField
  | LogField
  | RegionsField
  | DpaField
  | ZeroRetentionField
  | TrainsField
  | ModelProviderField
  | VersionField
  | ApprovedVersionsField
  | PriceField
  | ContextField
  | StatusField
  | HostingField
  | ModelKindField
  | ApiField
  | DeploymentField
  | CapacityField
  | SensitivityField
  | DefaultField
  | DetectField
  | ResidencyField
  | RequiresField
  | MinRetentionField
  | ApproversField
  | ProhibitedField
  | ScopesField
  | TierField
  | SurfacesField
  | ModelsField
  | DataField
  | ToolGrantField
  | OnField
  | HumanOversightField
  | DisclosureField
  | RedTeamField
  | EvalField
  | RollbackField
  | DataClassesField
  | EmbeddingsField
  | RetrievalField
  | ApprovalField
  | RequireField
  | EmailField
  | MembersField
  | LogAccessField
  | Sha256Field
  | FileField
  | PromptsField
  | BudgetAlertField
  | KindField
  | StageField
  | ActionField
  | GuardrailModelField
  | ThresholdField
  | ItemsField
  | DatasetField
  | MinPassRateField
  | GuardrailsField
  | UnknownField;

export type FieldKind = Field['kind'];
export type FieldOf<K extends FieldKind> = Extract<Field, { kind: K }>;

export type DeclKind = 'Org' | 'Provider' | 'Model' | 'DataClass' | 'Tier' | 'Tool' | 'UseCase' | 'Person' | 'Team' | 'Prompt' | 'Guardrail' | 'RedTeamSuite' | 'Corpus';

export interface DeclNode {
  readonly kind: DeclKind;
  readonly span: Span;
  readonly keySpan: Span;
  readonly name: NameNode;
  readonly fields: readonly Field[];
}

export interface ImportNode {
  readonly kind: 'Import';
  readonly span: Span;
  readonly path: StringNode;
}

export interface FileNode {
  readonly kind: 'File';
  readonly span: Span;
  readonly source: Source;
  readonly imports: readonly ImportNode[];
  readonly decls: readonly DeclNode[];
}

/** Words governors see for each declaration kind, used in messages ("in use case `x`"). */
export const DECL_KEYWORD: Readonly<Record<DeclKind, string>> = {
  Org: 'org',
  Provider: 'provider',
  Model: 'model',
  DataClass: 'data_class',
  Tier: 'tier',
  Tool: 'tool',
  UseCase: 'use_case',
  Person: 'person',
  Team: 'team',
  Prompt: 'prompt',
  Guardrail: 'guardrail',
  RedTeamSuite: 'red_team_suite',
  Corpus: 'corpus',
};

export const DECL_NOUN: Readonly<Record<DeclKind, string>> = {
  Org: 'org',
  Provider: 'provider',
  Model: 'model',
  DataClass: 'data class',
  Tier: 'tier',
  Tool: 'tool',
  UseCase: 'use case',
  Person: 'person',
  Team: 'team',
  Prompt: 'prompt',
  Guardrail: 'guardrail',
  RedTeamSuite: 'red-team suite',
  Corpus: 'corpus',
};

/** The fields of a declaration of kind K, in the order they were written. */
export function fieldsOf<K extends FieldKind>(decl: DeclNode, kind: K): FieldOf<K>[] {
  return decl.fields.filter((f): f is FieldOf<K> => f.kind === kind);
}

export function fieldOf<K extends FieldKind>(decl: DeclNode, kind: K): FieldOf<K> | undefined {
  return decl.fields.find((f): f is FieldOf<K> => f.kind === kind);
}
