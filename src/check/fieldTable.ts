import type { DeclKind, FieldKind } from '../ast/nodes.js';

export interface FieldSpec {
  /** The keyword a governor writes. */
  readonly word: string;
  readonly kind: FieldKind;
  /** May appear more than once (approvals, data rules, tools, evals, ...). */
  readonly repeatable?: boolean;
  readonly required?: boolean;
  /** How the field is written, shown in help when it does not parse. */
  readonly form: string;
}

/**
 * Which fields each declaration accepts: one table drives unknown-field, duplicate-field and missing-field
 * diagnostics, and the language guide's field lists.
 */
export const BLOCK_FIELDS: Readonly<Record<DeclKind, readonly FieldSpec[]>> = {
  Org: [
    { word: 'title', kind: 'Title', form: 'title "Acme Corporation"' },
    { word: 'owners', kind: 'Owners', required: true, form: 'owners "governance@acme.example", "cto@acme.example"' },
    { word: 'budget', kind: 'Budget', form: 'budget 50000 USD per month' },
    { word: 'retain', kind: 'Retain', form: 'retain 30d' },
    { word: 'log', kind: 'Log', form: 'log inputs redacted, outputs redacted, tool_calls full' },
    { word: 'require', kind: 'Require', form: 'require trace_id, principal' },
  ],
  Person: [
    { word: 'title', kind: 'Title', form: 'title "Data protection officer"' },
    { word: 'email', kind: 'Email', required: true, form: 'email "dana@acme.example"' },
  ],
  Team: [
    { word: 'title', kind: 'Title', form: 'title "Support on-call"' },
    { word: 'email', kind: 'Email', required: true, form: 'email "support-oncall@acme.example"' },
    { word: 'members', kind: 'Members', form: 'members dana, "ops-lead@acme.example"' },
  ],
  Provider: [
    { word: 'title', kind: 'Title', form: 'title "OpenAI (API platform)"' },
    { word: 'regions', kind: 'Regions', required: true, form: 'regions eu, us' },
    { word: 'dpa', kind: 'Dpa', required: true, form: 'dpa signed 2025-01-10   (or: dpa none)' },
    { word: 'zero_retention', kind: 'ZeroRetention', form: 'zero_retention yes' },
    { word: 'trains_on_customer_data', kind: 'TrainsOnCustomerData', form: 'trains_on_customer_data no' },
    { word: 'hosting', kind: 'Hosting', form: 'hosting on_premises   (vendor, on_premises, self_hosted)' },
    { word: 'api', kind: 'Api', form: 'api azure_openai   (openai, azure_openai, anthropic, bedrock, openai_compatible)' },
  ],
  Model: [
    { word: 'title', kind: 'Title', form: 'title "GPT-4.1"' },
    { word: 'provider', kind: 'ModelProvider', required: true, form: 'provider openai' },
    { word: 'version', kind: 'Version', required: true, form: 'version "2025-04-14"' },
    { word: 'approved_versions', kind: 'ApprovedVersions', form: 'approved_versions "2024-11-20", "2025-04-14"' },
    { word: 'regions', kind: 'Regions', required: true, form: 'regions eu, us' },
    { word: 'price', kind: 'Price', required: true, form: 'price input 2.00 USD output 8.00 USD per 1M tokens' },
    { word: 'context', kind: 'Context', form: 'context 1M tokens' },
    { word: 'status', kind: 'Status', required: true, form: 'status approved   (or deprecated, revoked)' },
    { word: 'kind', kind: 'ModelKind', form: 'kind embedding   (chat, embedding)' },
    { word: 'deployment', kind: 'Deployment', form: 'deployment "gpt-41-eu"' },
    { word: 'capacity', kind: 'Capacity', form: 'capacity 600 rpm, 200k tpm' },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true, form: 'approved_by "ml-lead@acme.example" on 2026-01-10 ticket GOV-101 expires 2027-01-10' },
  ],
  DataClass: [
    { word: 'title', kind: 'Title', form: 'title "Personal data"' },
    { word: 'sensitivity', kind: 'Sensitivity', required: true, form: 'sensitivity high   (low, medium, high, critical)' },
    { word: 'default', kind: 'Default', required: true, form: 'default redact   (allow, redact, deny)' },
    { word: 'detect', kind: 'Detect', form: 'detect email, phone, pattern employee_id "EMP-[0-9]{6}"' },
    { word: 'residency', kind: 'Residency', form: 'residency eu' },
    { word: 'requires', kind: 'Requires', form: 'requires dpa, zero_retention, no_training' },
  ],
  Tier: [
    { word: 'title', kind: 'Title', form: 'title "High risk"' },
    { word: 'requires', kind: 'Requires', form: 'requires eval, human_oversight, red_team, disclosure, rollback' },
    { word: 'min_retention', kind: 'MinRetention', form: 'min_retention 180d' },
    { word: 'log', kind: 'Log', form: 'log inputs redacted, outputs redacted, tool_calls full' },
    { word: 'approvers', kind: 'Approvers', form: 'approvers 2' },
    { word: 'prohibited', kind: 'Prohibited', form: 'prohibited' },
  ],
  Tool: [
    { word: 'title', kind: 'Title', form: 'title "Issue a refund"' },
    { word: 'scopes', kind: 'Scopes', required: true, form: 'scopes "payments:read", "payments:refund"' },
    { word: 'owner', kind: 'Owner', form: 'owner "payments-team@acme.example"' },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true, form: 'approved_by "security@acme.example" on 2026-01-10 ticket SEC-7 expires 2027-01-10' },
    { word: 'version', kind: 'Version', form: 'version "v3"' },
    { word: 'approved_versions', kind: 'ApprovedVersions', form: 'approved_versions "v2", "v3"' },
  ],
  UseCase: [
    { word: 'title', kind: 'Title', form: 'title "Customer-support assistant"' },
    { word: 'tier', kind: 'Tier', required: true, form: 'tier high' },
    { word: 'owner', kind: 'Owner', required: true, form: 'owner "support-eng@acme.example"' },
    { word: 'surfaces', kind: 'Surfaces', form: 'surfaces "web-chat", "zendesk"' },
    { word: 'models', kind: 'Models', required: true, form: 'models gpt-4.1 fallback claude-sonnet-4' },
    { word: 'data', kind: 'Data', repeatable: true, form: 'data pii -> openai, model llama-3.3-70b in eu redacted requires zero_retention   (or: data phi deny)' },
    { word: 'tool', kind: 'ToolGrant', repeatable: true, form: 'tool refund scope "payments:refund" requires human_approval' },
    { word: 'budget', kind: 'Budget', form: 'budget 5000 USD per month, 200 USD per day per tenant' },
    { word: 'rate', kind: 'Rate', form: 'rate 600 rpm, 200k tpm per tenant' },
    { word: 'on', kind: 'On', repeatable: true, form: 'on budget_exhausted degrade to gpt-4.1-mini up to 120% then refuse "..."' },
    { word: 'log', kind: 'Log', form: 'log inputs redacted, outputs redacted, tool_calls full' },
    { word: 'retain', kind: 'Retain', form: 'retain 180d' },
    { word: 'human_oversight', kind: 'HumanOversight', form: 'human_oversight "Agents approve every refund"' },
    { word: 'disclosure', kind: 'Disclosure', form: 'disclosure "You are chatting with an AI assistant."' },
    { word: 'red_team', kind: 'RedTeam', form: 'red_team support_jailbreaks   (a red_team_suite, or a description: red_team "support-jailbreak-v3")' },
    { word: 'guardrails', kind: 'Guardrails', form: 'guardrails toxicity, competitor_names' },
    { word: 'eval', kind: 'Eval', repeatable: true, form: 'eval safety { dataset "evals/safety.jsonl" toxicity <= 0.01 regression 0.02 }' },
    { word: 'rollback', kind: 'Rollback', repeatable: true, form: 'rollback model gpt-4.1 to "2025-04-14" within 15m owned_by "oncall@acme.example"   (or: rollback to gpt-4.1@"2025-04-14" ...)' },
    { word: 'log_access', kind: 'LogAccess', form: 'log_access compliance_team, "security@acme.example"' },
    { word: 'retrieval', kind: 'Retrieval', form: 'retrieval help_center, product_docs' },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true, form: 'approved_by "cto@acme.example" on 2026-02-01 ticket GOV-130 expires 2027-02-01' },
    { word: 'prompts', kind: 'Prompts', form: 'prompts support_system' },
    { word: 'budget_alert', kind: 'BudgetAlert', form: 'budget_alert 80%, 95% notify "finance@acme.example"' },
  ],
  Guardrail: [
    { word: 'title', kind: 'Title', form: 'title "Toxicity classifier on replies"' },
    { word: 'kind', kind: 'Kind', required: true, form: 'kind classifier   (classifier, allow_list, deny_list)' },
    { word: 'stage', kind: 'Stage', required: true, form: 'stage output   (input, output, both)' },
    { word: 'action', kind: 'Action', required: true, form: 'action block   (block, flag)' },
    { word: 'threshold', kind: 'Threshold', form: 'threshold 0.8' },
    { word: 'model', kind: 'GuardrailModel', form: 'model text-moderation-007' },
    { word: 'items', kind: 'Items', form: 'items "AcmeRival", "OtherCo"' },
  ],
  RedTeamSuite: [
    { word: 'title', kind: 'Title', form: 'title "Support jailbreak suite"' },
    { word: 'dataset', kind: 'Dataset', required: true, form: 'dataset "redteam/support-v3.jsonl"' },
    { word: 'guardrails', kind: 'Guardrails', form: 'guardrails toxicity, competitor_names' },
    { word: 'min_pass_rate', kind: 'MinPassRate', required: true, form: 'min_pass_rate 98%' },
  ],
  Prompt: [
    { word: 'title', kind: 'Title', form: 'title "Support assistant system prompt"' },
    { word: 'owner', kind: 'Owner', form: 'owner "support-eng@acme.example"' },
    { word: 'version', kind: 'Version', required: true, form: 'version "v7"' },
    { word: 'sha256', kind: 'Sha256', required: true, form: 'sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"' },
    { word: 'file', kind: 'File', form: 'file "prompts/support_system.txt"' },
    { word: 'approved_versions', kind: 'ApprovedVersions', form: 'approved_versions "v6", "v7"' },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true, form: 'approved_by "cto@acme.example" on 2026-06-15 ticket GOV-131 expires 2027-06-15' },
  ],
  Corpus: [
    { word: 'title', kind: 'Title', form: 'title "Help-centre articles"' },
    { word: 'owner', kind: 'Owner', required: true, form: 'owner "support-content@acme.example"' },
    { word: 'data_classes', kind: 'DataClasses', form: 'data_classes customer_content, pii' },
    { word: 'residency', kind: 'Residency', form: 'residency eu' },
    { word: 'embeddings', kind: 'Embeddings', required: true, form: 'embeddings text-embedding-3-large' },
    { word: 'version', kind: 'Version', required: true, form: 'version "2026-11-01"' },
    { word: 'approved_versions', kind: 'ApprovedVersions', form: 'approved_versions "2026-10-01", "2026-11-01"' },
    { word: 'approved_by', kind: 'ApprovalField', repeatable: true, form: 'approved_by "dpo@acme.example" on 2026-10-02 ticket DPIA-7 expires 2027-10-02' },
  ],
};
