/**
 * JSON Schema (draft-07) of the IR. Kept in TypeScript so it ships inside the compiled package; `govc build`
 * writes it beside the IR as `ir.schema.json`, and docs/ir.schema.json is a copy a test keeps in sync.
 */
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const nullableDate = { anyOf: [date, { type: 'null' }] } as const;
const strArray = { type: 'array', items: str } as const;
const contractTerms = { type: 'array', items: { enum: ['dpa', 'zero_retention', 'no_training'] } } as const;
const nonNegInt = { type: 'integer', minimum: 0 } as const;
const posInt = { type: 'integer', minimum: 1 } as const;
const nullablePosInt = { type: ['integer', 'null'], minimum: 1 } as const;
const logLevel = { enum: ['none', 'redacted', 'full'] } as const;
const scope = { enum: ['use_case', 'tenant'] } as const;

function obj(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: Object.keys(properties), properties };
}

const fraction0 = { type: 'number', minimum: 0, maximum: 1 } as const;
const log = obj({ inputs: logLevel, outputs: logLevel, tool_calls: logLevel });
const approval = obj({ approver: str, on: nullableDate, ticket: nullableStr, expires: nullableDate, source: str });
const period = { enum: ['day', 'week', 'month', 'quarter', 'year'] } as const;
const amountMicros = { type: 'integer', minimum: 1, maximum: 1e14 } as const;
const rateKind = { enum: ['requests', 'tokens'] } as const;
const budget = obj({
  scope,
  period,
  amount_micros: amountMicros,
  hard_limit_micros: { type: 'integer', minimum: 1, maximum: 1e15 },
  alert_thresholds_micros: { type: 'array', items: nonNegInt },
  source: str,
});
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
/** Language v2, assets: prompts, and what decisions carry of them and of guardrails. */
const prompt = obj({ name: str, title: nullableStr, owner: nullableStr, version: str, sha256, approved_versions: strArray, approvals: { type: 'array', items: approval }, source: str });
const promptObligation = obj({ name: str, version: str, sha256 });
const guardrailObligation = obj({
  name: str,
  kind: { enum: ['classifier', 'allow_list', 'deny_list'] },
  stage: { enum: ['input', 'output', 'both'] },
  action: { enum: ['block', 'flag'] },
  threshold: { anyOf: [fraction0, { type: 'null' }] },
});
const budgetAlerts = obj({ thresholds_percent: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 100 }, minItems: 1 }, notify: str, source: str });
const rateLimit = obj({ scope, kind: rateKind, per_minute: posInt, source: str });
const fraction = { type: 'number', minimum: 0, maximum: 1 } as const;
/** The precomputed parts of a use case's decisions (IrUseCaseDecision), in the shapes the decision has. */
const useCaseDecision = obj({
  allowed: obj({ code: { const: 'allowed' }, rule: str, message: str, source: str }),
  owner: str,
  obligations: obj({ redact: { type: 'array', maxItems: 0 }, log: obj({ inputs: logLevel, outputs: logLevel, tool_calls: logLevel, access: strArray }), retention_days: nonNegInt, human_oversight: { type: 'boolean' }, human_approval: { const: false }, disclosure: nullableStr, prompts: { type: 'array', items: promptObligation }, guardrails: { type: 'array', items: guardrailObligation }, alerts: { type: 'array', maxItems: 0 } }),
  limits: obj({
    budgets: { type: 'array', items: obj({ scope, period, amount_micros: amountMicros, hard_limit_micros: { type: 'integer', minimum: 1, maximum: 1e15 } }) },
    rate_limits: { type: 'array', items: obj({ scope, kind: rateKind, per_minute: posInt }) },
  }),
  budget_message: nullableStr,
  rate_message: str,
});

export const IR_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://govc.dev/schemas/ir-v4.json',
  title: 'govc IR, version 4',
  ...obj({
    ir_version: { const: 4 },
    revision: { type: 'string', pattern: '^[0-9a-f]{16}$' },
    org: obj({
      name: str,
      title: nullableStr,
      owners: strArray,
      require: obj({ trace_id: { type: 'boolean' }, principal: { type: 'boolean' }, source: nullableStr }),
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      budgets: { type: 'array', items: budget },
      retention_days: nonNegInt,
      log,
      source: str,
    }),
    people: {
      type: 'object',
      additionalProperties: obj({ name: str, email: str, title: nullableStr, source: str }),
    },
    teams: {
      type: 'object',
      additionalProperties: obj({ name: str, email: str, title: nullableStr, members: strArray, source: str }),
    },
    providers: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        regions: strArray,
        dpa_signed: nullableDate,
        zero_retention: { type: 'boolean' },
        trains_on_customer_data: { type: 'boolean' },
        hosting: { enum: ['vendor', 'on_premises', 'self_hosted'] },
        api: { enum: ['openai', 'azure_openai', 'anthropic', 'bedrock', 'openai_compatible'] },
        source: str,
      }),
    },
    models: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        provider: str,
        version: str,
        approved_versions: strArray,
        regions: strArray,
        price: obj({ input_nanos_per_token: nonNegInt, output_nanos_per_token: nonNegInt }),
        context_tokens: { type: ['integer', 'null'], minimum: 1 },
        status: { enum: ['approved', 'deprecated', 'revoked'] },
        approvals: { type: 'array', items: approval },
        kind: { enum: ['chat', 'embedding'] },
        // Printable ASCII without spaces (GOV2111): gateways put it into URLs and headers.
        deployment: { type: 'string', pattern: '^[!-~]+$' },
        capacity: obj({ rpm: nullablePosInt, tpm: nullablePosInt }),
        source: str,
      }),
    },
    data_classes: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        sensitivity: { enum: ['low', 'medium', 'high', 'critical'] },
        default: { enum: ['allow', 'redact', 'deny'] },
        detectors: { type: 'array', items: obj({ name: str, regex: str, builtin: { type: 'boolean' } }) },
        residency: strArray,
        requires: contractTerms,
        source: str,
      }),
    },
    tiers: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        prohibited: { type: 'boolean' },
        requires: obj({
          eval: { type: 'boolean' },
          human_oversight: { type: 'boolean' },
          red_team: { type: 'boolean' },
          disclosure: { type: 'boolean' },
          rollback: { type: 'boolean' },
        }),
        min_retention_days: nonNegInt,
        min_log: log,
        approvers: posInt,
        source: str,
      }),
    },
    tools: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        scopes: strArray,
        owner: nullableStr,
        approvals: { type: 'array', items: approval },
        version: nullableStr,
        approved_versions: strArray,
        source: str,
      }),
    },
    use_cases: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        tier: str,
        owner: str,
        surfaces: strArray,
        models: { type: 'array', items: str, minItems: 1 },
        data: {
          type: 'object',
          additionalProperties: {
            oneOf: [
              obj({ action: { const: 'deny' }, source: str }),
              obj({
                action: { const: 'allow' },
                providers: strArray,
                models: strArray,
                regions: strArray,
                redacted: { type: 'boolean' },
                requires: contractTerms,
                source: str,
              }),
            ],
          },
        },
        tools: {
          type: 'object',
          additionalProperties: obj({ scopes: strArray, human_approval: { type: 'boolean' }, source: str }),
        },
        budgets: { type: 'array', items: budget },
        rate_limits: { type: 'array', items: rateLimit },
        on_budget_exhausted: {
          anyOf: [
            { type: 'null' },
            obj({ degrade_to: nullableStr, cap_percent: { type: 'integer', minimum: 101, maximum: 1000 }, message: str, source: str }),
          ],
        },
        on_rate_limited: obj({ message: str, source: str }),
        log,
        retention_days: nonNegInt,
        human_oversight: nullableStr,
        disclosure: nullableStr,
        red_team: { anyOf: [{ type: 'null' }, obj({ suite: nullableStr, text: nullableStr })] },
        log_access: strArray,
        evals: {
          type: 'array',
          items: obj({
            name: str,
            datasets: strArray,
            baseline: nullableStr,
            max_regression: { anyOf: [fraction, { type: 'null' }] },
            metrics: { type: 'array', items: obj({ metric: str, op: { enum: ['<=', '>=', '<', '>'] }, threshold: fraction }) },
            source: str,
          }),
        },
        rollbacks: {
          type: 'array',
          items: obj({
            asset: { enum: ['model', 'prompt', 'tool', 'corpus'] },
            name: str,
            version: nullableStr,
            within_seconds: { type: ['integer', 'null'], minimum: 0 },
            owner: nullableStr,
            steps: strArray,
            source: str,
          }),
        },
        corpora: strArray,
        approvals: { type: 'array', items: approval },
        required_approvers: posInt,
        prompts: strArray,
        guardrails: strArray,
        budget_alerts: { anyOf: [{ type: 'null' }, budgetAlerts] },
        source: str,
        decision: useCaseDecision,
      }),
    },
    prompts: { type: 'object', additionalProperties: prompt },
    guardrails: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        kind: { enum: ['classifier', 'allow_list', 'deny_list'] },
        stage: { enum: ['input', 'output', 'both'] },
        action: { enum: ['block', 'flag'] },
        threshold: { anyOf: [fraction0, { type: 'null' }] },
        model: nullableStr,
        items: strArray,
        source: str,
      }),
    },
    red_team_suites: {
      type: 'object',
      additionalProperties: obj({ name: str, title: nullableStr, dataset: str, guardrails: strArray, min_pass_rate: fraction0, source: str }),
    },
    corpora: {
      type: 'object',
      additionalProperties: obj({
        name: str,
        title: nullableStr,
        owner: str,
        data_classes: strArray,
        residency: strArray,
        embeddings: nullableStr,
        version: str,
        approved_versions: strArray,
        approvals: { type: 'array', items: approval },
        source: str,
      }),
    },
  }),
} as const;
