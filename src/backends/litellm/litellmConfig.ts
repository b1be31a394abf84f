import type { IrModel, IrProgram, IrProvider, ProviderApi } from '../../ir/types.js';
import { decimalText, toYaml, type YamlDecimal } from './litellmYaml.js';
import { providerEnvName } from '../../ir/providerEnv.js';

/**
 * `litellm/config.yaml`: the program's routes as LiteLLM proxy configuration, built as data and serialised by the
 * YAML library (litellmYaml.ts), never templated. What the config enforces natively (the deployments that exist,
 * their prices, regions and capacity, fallbacks, logging switched off) and what the guardrail enforces (everything a
 * decision needs: docs/litellm.md) are both derived from the IR here and nowhere else.
 */

const API_PREFIX: Readonly<Record<ProviderApi, string>> = {
  openai: 'openai',
  azure_openai: 'azure',
  anthropic: 'anthropic',
  bedrock: 'bedrock',
  // An OpenAI-compatible server (vLLM, most runtimes): LiteLLM's OpenAI client with our api_base.
  openai_compatible: 'openai',
};

const env = (name: string): string => `os.environ/${name}`;

/** The models some use case may be served by: approved or deprecated, never revoked; in the IR's (sorted) order. */
export function routedModels(ir: IrProgram): IrModel[] {
  const used = new Set<string>();
  for (const uc of Object.values(ir.use_cases)) for (const m of uc.models) used.add(m);
  return Object.values(ir.models).filter((m) => used.has(m.name) && m.status !== 'revoked');
}

/** Where LiteLLM reaches one deployment: model id, endpoint and credentials, by the provider's wire protocol. */
function connection(model: IrModel, provider: IrProvider): Record<string, string> {
  const api = provider.api;
  const p = provider.name;
  const params: Record<string, string> = { model: `${API_PREFIX[api]}/${model.deployment}` };
  if (api === 'bedrock') {
    params.aws_access_key_id = env(providerEnvName(p, 'AWS_ACCESS_KEY_ID'));
    params.aws_secret_access_key = env(providerEnvName(p, 'AWS_SECRET_ACCESS_KEY'));
    params.aws_region_name = env(providerEnvName(p, 'AWS_REGION'));
    params.aws_bedrock_runtime_endpoint = env(providerEnvName(p, 'API_BASE'));
    return params;
  }
  params.api_base = env(providerEnvName(p, 'API_BASE'));
  params.api_key = env(providerEnvName(p, 'API_KEY'));
  if (api === 'azure_openai') params.api_version = env(providerEnvName(p, 'API_VERSION'));
  return params;
}

/** A price in nano-units per token as LiteLLM's cost per token in currency units, exactly. */
const perToken = (nanos: number): YamlDecimal => decimalText(nanos, 9);

function deployment(ir: IrProgram, model: IrModel): Record<string, unknown> {
  const provider = ir.providers[model.provider]!;
  const capacity = model.capacity;
  const params: Record<string, unknown> = {
    ...connection(model, provider),
    input_cost_per_token: perToken(model.price.input_nanos_per_token),
    output_cost_per_token: perToken(model.price.output_nanos_per_token),
  };
  if (model.regions.length === 1) params.region_name = model.regions[0]!;
  if (capacity.rpm !== null) params.rpm = capacity.rpm;
  if (capacity.tpm !== null) params.tpm = capacity.tpm;
  return {
    model_name: model.name,
    litellm_params: params,
    model_info: {
      // The guardrail maps the deployment that answered (`model_id`) back to the govc model it settles on.
      id: model.name,
      mode: model.kind === 'embedding' ? 'embedding' : 'chat',
      govc: {
        provider: model.provider,
        api: provider.api,
        version: model.version,
        approved_versions: [...model.approved_versions],
        status: model.status,
        kind: model.kind,
      },
    },
  };
}

/**
 * Per model group, where LiteLLM goes when its upstream fails: each use case's fallbacks after its primary, in
 * declared order, then the use case's model rollback target when it is one of its models. A primary shared by
 * several use cases gets their lists merged in use-case order (the guardrail narrows the list per request to the
 * models the policy allows for that request and use case, so the merged list is only the default).
 */
export function fallbackGroups(ir: IrProgram): Array<Record<string, string[]>> {
  const routed = new Set(routedModels(ir).map((m) => m.name));
  const byPrimary = new Map<string, string[]>();
  for (const uc of Object.values(ir.use_cases)) {
    const [primary, ...rest] = uc.models.filter((m) => routed.has(m));
    if (primary === undefined) continue;
    const rollback = uc.rollbacks.find((r) => r.asset === 'model');
    const order = [...rest];
    if (rollback !== undefined && rollback.name !== primary && uc.models.includes(rollback.name) && routed.has(rollback.name) && !order.includes(rollback.name)) order.push(rollback.name);
    const list = byPrimary.get(primary) ?? [];
    for (const m of order) if (!list.includes(m)) list.push(m);
    byPrimary.set(primary, list);
  }
  return [...byPrimary].filter(([, list]) => list.length > 0).map(([primary, list]) => ({ [primary]: list }));
}

/** Whether every use case logs inputs and outputs in full (then LiteLLM may log messages too). */
function logsEverything(ir: IrProgram): boolean {
  return Object.values(ir.use_cases).every((uc) => uc.log.inputs === 'full' && uc.log.outputs === 'full');
}

export const GUARDRAIL_NAME = 'govc-policy';

/** The config as data, in the order a reader meets it. */
export function litellmConfigData(ir: IrProgram): Record<string, unknown> {
  const models = routedModels(ir);
  const router: Record<string, unknown> = {};
  const fallbacks = fallbackGroups(ir);
  if (fallbacks.length > 0) router.fallbacks = fallbacks;
  if (models.some((m) => m.capacity.rpm !== null || m.capacity.tpm !== null)) router.optional_pre_call_checks = ['enforce_model_rate_limits'];
  // A failed upstream goes to the next declared model at once; retrying the same one first only delays that.
  router.num_retries = 0;
  return {
    model_list: models.map((m) => deployment(ir, m)),
    router_settings: router,
    litellm_settings: {
      // Messages stay out of LiteLLM's logs unless every use case may log them whole; no callback ships data out.
      turn_off_message_logging: !logsEverything(ir),
      redact_user_api_key_info: true,
    },
    general_settings: {
      master_key: env('LITELLM_MASTER_KEY'),
      custom_auth: 'govc_auth.user_api_key_auth',
    },
    guardrails: [
      {
        guardrail_name: GUARDRAIL_NAME,
        litellm_params: {
          guardrail: 'govc_guardrail.GovcGuardrail',
          mode: ['pre_call', 'post_call'],
          default_on: true,
        },
      },
    ],
  };
}

/** `litellm/config.yaml`'s text. */
export function litellmConfigYaml(ir: IrProgram): string {
  return toYaml(litellmConfigData(ir), [
    `LiteLLM proxy configuration generated by govc from policy revision ${ir.revision}; do not edit.`,
    'Secrets and endpoints are read from the environment (os.environ/NAME); API keys map to callers in GOVC_LITELLM_KEYS_FILE.',
  ]);
}
