import type { IrDataClass, IrDataFlow, IrModel, IrProgram, IrUseCase, ProviderApi } from '../../ir/types.js';
import { compareCodePoints } from '../../util/compare.js';
import { portkeyRegexRule, portkeyRegexSource } from './portkeyRegex.js';
import { providerEnvName } from '../../ir/providerEnv.js';

/**
 * One use case's Portkey gateway config (`x-portkey-config`), built as data: the shapes below are the part of
 * Portkey's config schema govc writes (gateway 1.15.2, `src/middlewares/requestValidator/schema/config.ts`), in the
 * key order written.
 *
 * The config routes on the model the caller names (a `conditional` strategy on `params.model`, which Portkey reads
 * from the request as sent): each model the use case may use has a route, a `fallback` over that model and the
 * use case's later models in declared order, then its model rollback targets; every other model, and a request
 * naming none, takes the `not_allowed` route, whose only target refuses with a failing `modelWhitelist` check (446
 * `hooks_failed`) before anything is sent. The allow-list is a route and not a hook on the answering targets because
 * Portkey runs a target's hooks on the request with that target's `override_params` applied, so a hook there sees
 * the deployment, never the model asked for.
 *
 * Each answering target runs one input guardrail: a hook with `deny: true` (a failing `deny: false` check crashes
 * 1.15.2) and `sequential: true` (parallel checks would each see the original text and only one redaction would
 * survive), whose checks are, in order, one block per class the target may not receive (denied by the use case, or
 * allowed only to other models and providers; its detectors as one alternation, which matches where any of them
 * does), then one redaction per detector of each class the use case redacts (one by one, as govc's runtime
 * replaces them). Every check has `failOnError: true`: Portkey passes a check that errors unless told otherwise.
 *
 * The config travels in an HTTP header, whose size Node limits (16 KiB by default), so a guardrail is written once
 * where Portkey's inheritance allows: a target without `input_guardrails` runs its parent's, one with them (even
 * `[]`) runs only its own. So the guardrail most answering targets run sits at the top of the config (the
 * `not_allowed` route has its own), a route whose targets mostly run another has that one, and a target carries its
 * own only where it differs from what it inherits.
 */
export interface PortkeyConfig {
  readonly strategy: PortkeyConditionalStrategy;
  /** The guardrail most answering targets run. */
  readonly input_guardrails?: readonly PortkeyGuardrail[];
  readonly targets: readonly PortkeyRouteTarget[];
}

export interface PortkeyConditionalStrategy {
  readonly mode: 'conditional';
  readonly conditions: readonly { readonly query: { readonly 'params.model': string }; readonly then: string }[];
  readonly default: typeof NOT_ALLOWED;
}

export type PortkeyRouteTarget = PortkeyFallbackRoute | PortkeyRefusal;

export interface PortkeyFallbackRoute {
  readonly name: string;
  readonly strategy: { readonly mode: 'fallback'; readonly on_status_codes: readonly number[] };
  /** The guardrail most of the route's targets run, when it is not the config's. */
  readonly input_guardrails?: readonly PortkeyGuardrail[];
  readonly targets: readonly PortkeyLeaf[];
}

/** A provider target. Endpoints and keys are never written: the client adds them at send time (PortkeyTargetInfo.env). */
export interface PortkeyLeaf {
  readonly provider: PortkeyProvider;
  /** Azure OpenAI: the deployment in the request path. */
  readonly deployment_id?: string;
  readonly override_params: { readonly model: string };
  readonly retry: { readonly attempts: number; readonly on_status_codes: readonly number[] };
  /** This target's own guardrail, where it differs from the one it inherits (`[]`: none). */
  readonly input_guardrails?: readonly PortkeyGuardrail[];
}

export interface PortkeyRefusal {
  readonly name: typeof NOT_ALLOWED;
  /** Never called: the check refuses first. A provider is still needed for Portkey to build the target. */
  readonly provider: 'openai';
  readonly input_guardrails: readonly PortkeyGuardrail[];
}

/** Portkey's guardrail shorthand: `deny`/`sequential`, then one entry per check, its id in `params.id`. */
export type PortkeyGuardrail = { readonly deny: true; readonly sequential: true } & { readonly [check: string]: PortkeyCheck | true };

export type PortkeyCheck = PortkeyRegexCheck | PortkeyModelCheck;

export interface PortkeyRegexCheck {
  readonly id: 'default.regexReplace';
  readonly rule: string;
  readonly redactText: string;
  /** A block fails the check on a match; a redaction replaces every match and passes. */
  readonly failOnDetection: boolean;
  readonly failOnError: true;
}

export interface PortkeyModelCheck {
  readonly id: 'default.modelWhitelist';
  readonly models: readonly string[];
  readonly failOnError: true;
}

export type PortkeyProvider = 'openai' | 'azure-openai' | 'anthropic' | 'bedrock';

/** The route of every model that is not allowed. Route names are govc's, never a program's text. */
export const NOT_ALLOWED = 'not_allowed';
/** The statuses Portkey retries by default and govc falls over on: rate limited and upstream failures. */
export const RETRY_ON: readonly number[] = [429, 500, 502, 503, 504];
/** Retries of one target before the fallback moves on (Portkey backs off 1 s, then 2 s). */
export const RETRY_ATTEMPTS = 2;

/** Where one provider target of a config is and what the client must add to it before sending. */
export interface PortkeyTargetInfo {
  /** The target's path as Portkey names it in `x-portkey-last-used-option-index`. */
  readonly path: string;
  readonly model: string;
  readonly deployment: string;
  readonly provider: string;
  readonly api: ProviderApi;
  readonly portkey_provider: PortkeyProvider;
  /** Config field → environment variable whose value the client sets there; `custom_host` required or optional. */
  readonly env: Readonly<Record<string, string>>;
  readonly custom_host: 'required' | 'optional';
  /** Data classes this target blocks, and those it redacts, sorted. */
  readonly blocks: readonly string[];
  readonly redacts: readonly string[];
}

/** What a use case's config enforces, and what it cannot: the manifest's entry for it. */
export interface PortkeyUseCasePlan {
  readonly config: PortkeyConfig;
  /** Each allowed model and the route Portkey takes for it, in declared order. */
  readonly routes: readonly { readonly model: string; readonly path: string; readonly chain: readonly string[] }[];
  readonly targets: readonly PortkeyTargetInfo[];
  /** Models the use case names that are not routed (revoked, embedding), sorted. */
  readonly unrouted: readonly string[];
  /** Classes the use case denies or redacts that have no detector, so Portkey cannot see them, sorted. */
  readonly undetectable: readonly string[];
  /** What the config does not enforce for this use case, each one line. */
  readonly not_enforced: readonly string[];
}

const PORTKEY_PROVIDER: Readonly<Record<ProviderApi, PortkeyProvider>> = {
  openai: 'openai',
  azure_openai: 'azure-openai',
  anthropic: 'anthropic',
  bedrock: 'bedrock',
  // Portkey reaches any OpenAI-style endpoint as `openai` with a custom host.
  openai_compatible: 'openai',
};

function envOf(provider: string, api: ProviderApi): Record<string, string> {
  if (api === 'bedrock') {
    return {
      aws_access_key_id: providerEnvName(provider, 'AWS_ACCESS_KEY_ID'),
      aws_secret_access_key: providerEnvName(provider, 'AWS_SECRET_ACCESS_KEY'),
      aws_region: providerEnvName(provider, 'AWS_REGION'),
      custom_host: providerEnvName(provider, 'API_BASE'),
    };
  }
  const env: Record<string, string> = { api_key: providerEnvName(provider, 'API_KEY'), custom_host: providerEnvName(provider, 'API_BASE') };
  if (api === 'azure_openai') env.api_version = providerEnvName(provider, 'API_VERSION');
  return env;
}

const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** How one class is handled in a use case (docs/semantics.md steps 6 and 7), as far as the request's model decides it. */
interface ClassHandling {
  readonly cls: IrDataClass;
  readonly action: 'deny' | 'redact' | 'allow';
  /** The use case's allow flow, whose targets restrict which models may receive the class; null otherwise. */
  readonly flow: (IrDataFlow & { readonly action: 'allow' }) | null;
}

function handlingOf(uc: IrUseCase, cls: IrDataClass): ClassHandling {
  const flow = own(uc.data, cls.name);
  if (flow === undefined) return { cls, action: cls.default, flow: null };
  if (flow.action === 'deny') return { cls, action: 'deny', flow: null };
  return { cls, action: flow.redacted ? 'redact' : 'allow', flow };
}

/** Step 6: the flow permits the model when it names the model or the model's provider. */
const permits = (h: ClassHandling, m: IrModel): boolean => h.flow === null || h.flow.providers.includes(m.provider) || h.flow.models.includes(m.name);

function source(h: ClassHandling, detector: { readonly name: string; readonly regex: string }): string {
  const out = portkeyRegexSource(detector.regex);
  // INVARIANT: a checked program's detectors are in the portable subset (GOV2015/GOV2016 refuse the rest).
  if (out === undefined) throw new Error(`INVARIANT: detector \`${detector.name}\` of \`${h.cls.name}\` is not in the portable subset`);
  return out;
}

/** Fails on a match of any of the class's detectors. */
function blockCheck(h: ClassHandling): PortkeyRegexCheck {
  const sources = h.cls.detectors.map((d) => source(h, d));
  return {
    id: 'default.regexReplace',
    rule: portkeyRegexRule(sources.length === 1 ? sources[0]! : sources.map((x) => `(?:${x})`).join('|'), 'u'),
    redactText: `[BLOCKED:${h.cls.name}]`,
    failOnDetection: true,
    failOnError: true,
  };
}

/** Replaces every match of one detector with the class's marker, as runtime/redact.ts does. */
function redactCheck(h: ClassHandling, detector: { readonly name: string; readonly regex: string }): PortkeyRegexCheck {
  return {
    id: 'default.regexReplace',
    rule: portkeyRegexRule(source(h, detector), 'gu'),
    // Class names are identifiers, so the marker holds no `$` that String.prototype.replace would expand.
    redactText: `[REDACTED:${h.cls.name}]`,
    failOnDetection: false,
    failOnError: true,
  };
}

/** One guardrail object holding `checks` in order, keyed `check_1`, `check_2`... (no program text in a key). */
function guardrail(checks: readonly PortkeyCheck[]): PortkeyGuardrail {
  return Object.fromEntries([['deny', true], ['sequential', true], ...checks.map((c, i) => [`check_${i + 1}`, c] as const)]) as PortkeyGuardrail;
}

/** The models a use case routes, in declared order: revoked and embedding models never serve its requests. */
function routable(ir: IrProgram, names: readonly string[]): IrModel[] {
  const out: IrModel[] = [];
  for (const n of names) {
    const m = own(ir.models, n);
    if (m !== undefined && m.status !== 'revoked' && m.kind === 'chat' && !out.includes(m)) out.push(m);
  }
  return out;
}

/** What no Portkey config of govc enforces, each one line (docs/portkey.md says why). */
export const PORTKEY_NOT_ENFORCED: readonly string[] = [
  'data classes are detected in the last message only (Portkey checks and redacts the last message of a chat, the prompt of a completion, the input of an embedding); earlier messages, the system prompt and tool results pass unread',
  'the request region: model regions, data-class residency and region-bound data rules',
  'budgets, spend and degrade-then-refuse',
  'rate limits per use case and per tenant',
  'tool calls, their scopes and human approval',
  'approval dates of the use case and its models, prompts, retrieval corpora, the org\'s required trace id and principal',
  'which caller may use the use case: whoever sends the config gets its routes',
];

/** Builds one use case's config and what it enforces. Never throws on a checked program. */
export function portkeyUseCasePlan(ir: IrProgram, uc: IrUseCase): PortkeyUseCasePlan {
  const classes = Object.keys(ir.data_classes)
    .sort(compareCodePoints)
    .map((n) => handlingOf(uc, ir.data_classes[n]!));
  const models = routable(ir, uc.models);
  const rollbackNames = uc.rollbacks.filter((r) => r.asset === 'model').map((r) => r.name);
  const rollbackModels = routable(ir, rollbackNames);

  const targets: PortkeyTargetInfo[] = [];
  const leaf = (m: IrModel, path: string): PortkeyLeaf => {
    const provider = ir.providers[m.provider]!;
    // A class blocked here: denied by the use case, or allowed only to other models (step 6, data_flow_not_permitted).
    const blocked = classes.filter((h) => h.action === 'deny' || !permits(h, m));
    const redacted = classes.filter((h) => h.action === 'redact' && permits(h, m));
    const checks: PortkeyCheck[] = [
      ...blocked.filter((h) => h.cls.detectors.length > 0).map(blockCheck),
      ...redacted.flatMap((h) => h.cls.detectors.map((d) => redactCheck(h, d))),
    ];
    const portkeyProvider = PORTKEY_PROVIDER[provider.api];
    targets.push({
      path,
      model: m.name,
      deployment: m.deployment,
      provider: provider.name,
      api: provider.api,
      portkey_provider: portkeyProvider,
      env: envOf(provider.name, provider.api),
      custom_host: provider.api === 'openai_compatible' || provider.api === 'azure_openai' ? 'required' : 'optional',
      blocks: blocked.filter((h) => h.cls.detectors.length > 0).map((h) => h.cls.name),
      redacts: redacted.filter((h) => h.cls.detectors.length > 0).map((h) => h.cls.name),
    });
    return {
      provider: portkeyProvider,
      ...(provider.api === 'azure_openai' && { deployment_id: m.deployment }),
      override_params: { model: m.deployment },
      retry: { attempts: RETRY_ATTEMPTS, on_status_codes: RETRY_ON },
      input_guardrails: checks.length > 0 ? [guardrail(checks)] : [],
    };
  };
  /** The guardrail most targets of `xs` run, as written (on a tie `prefer`, the inherited one, else the first). */
  const common = (xs: readonly PortkeyLeaf[], prefer?: readonly PortkeyGuardrail[]): readonly PortkeyGuardrail[] | undefined => {
    const counts = new Map<string, { n: number; g: readonly PortkeyGuardrail[] }>();
    for (const x of xs) {
      const key = JSON.stringify(x.input_guardrails ?? []);
      const c = counts.get(key);
      if (c === undefined) counts.set(key, { n: 1, g: x.input_guardrails ?? [] });
      else c.n++;
    }
    let best: { n: number; g: readonly PortkeyGuardrail[] } | undefined;
    for (const c of counts.values()) if (best === undefined || c.n > best.n) best = c;
    const preferred = prefer === undefined ? undefined : counts.get(JSON.stringify(prefer));
    return preferred !== undefined && best !== undefined && preferred.n === best.n ? preferred.g : best?.g;
  };
  const key = (g: readonly PortkeyGuardrail[] | undefined): string => JSON.stringify(g ?? []);

  const routes: Array<{ model: string; path: string; chain: string[] }> = [];
  const chains = models.map((m, k) => {
    const chain = models.slice(k);
    for (const r of rollbackModels) if (!chain.includes(r)) chain.push(r);
    const path = `config.targets[${k}]`;
    routes.push({ model: m.name, path, chain: chain.map((c) => c.name) });
    return chain.map((c, i) => leaf(c, `${path}.targets[${i}]`));
  });
  // Each guardrail as high as Portkey's inheritance lets it sit (see PortkeyConfig): the most common one at the top,
  // a route's most common one on the route when it differs, a target's own only where it differs from its route's.
  const top = common(chains.flat()) ?? [];
  const routeTargets: PortkeyRouteTarget[] = chains.map((chain, k) => {
    const strategy = { mode: 'fallback', on_status_codes: RETRY_ON } as const;
    const mine = common(chain, top) ?? [];
    const onRoute = key(mine) !== key(top);
    const inherited = onRoute ? mine : top;
    const targets = chain.map((l) => {
      const { input_guardrails: own, ...rest } = l;
      return key(own) === key(inherited) ? rest : { ...rest, input_guardrails: own ?? [] };
    });
    return { name: `route_${k + 1}`, strategy, ...(onRoute && { input_guardrails: mine }), targets };
  });
  routeTargets.push({
    name: NOT_ALLOWED,
    provider: 'openai',
    input_guardrails: [guardrail([{ id: 'default.modelWhitelist', models: models.map((m) => m.name), failOnError: true }])],
  });

  const config: PortkeyConfig = {
    strategy: {
      mode: 'conditional',
      conditions: models.map((m, k) => ({ query: { 'params.model': m.name }, then: `route_${k + 1}` })),
      default: NOT_ALLOWED,
    },
    ...(top.length > 0 && { input_guardrails: top }),
    targets: routeTargets,
  };

  const named = [...new Set([...uc.models, ...rollbackNames])];
  // A class without detectors that the use case denies, redacts or keeps from some of its models: no check sees it.
  const undetectable = classes.filter((h) => h.cls.detectors.length === 0 && (h.action !== 'allow' || models.some((m) => !permits(h, m)))).map((h) => h.cls.name);
  return {
    config,
    routes,
    targets,
    unrouted: named.filter((n) => !models.includes(own(ir.models, n)!) && !rollbackModels.includes(own(ir.models, n)!)).sort(compareCodePoints),
    undetectable,
    not_enforced: PORTKEY_NOT_ENFORCED,
  };
}
