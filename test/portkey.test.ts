/**
 * The `portkey` target: a Portkey gateway config per use case, checked as data (golden, determinism, no secrets,
 * routes and checks from the IR, regexes that match as govc's runtime does, hostile programs) and run on the real
 * `@portkey-ai/gateway` 1.15.2 on 127.0.0.1 against a fake OpenAI-compatible upstream that records every body.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortkeyBackend } from '../src/backends/portkey/PortkeyBackend.js';
import {
  configFileNames,
  NODE_HEADER_LIMIT,
  NOT_ALLOWED,
  portkeyHeaderValue,
  portkeyFiles,
  portkeyRegexSource,
  portkeyUseCasePlan,
  RETRY_ATTEMPTS,
  type PortkeyConfig,
  type PortkeyTargetInfo,
} from '../src/backends/portkey/index.js';
import type { IrModel, IrProgram, ProviderApi } from '../src/ir/types.js';
import { compileFiles } from '../src/project/compile.js';
import { parsePortableRegex } from '../src/regex/index.js';
import { compileClasses, redact } from '../src/runtime/redact.js';
import { compileDetector } from '../src/runtime/detector.js';
import { startFakeOpenAi, type FakeOpenAi } from './gateways/portkey/fakeOpenAi.js';
import { HOSTILE_PATTERNS, hostileProgram, MATCHES } from './gateways/portkey/hostileProgram.js';
import { chat, fillConfig, listeningAddresses, startPortkeyGateway, type PortkeyGateway } from './gateways/portkey/portkeyGateway.js';
import { AS_OF, exampleIr, exampleNames } from './helpers/repo.js';

interface Manifest {
  readonly use_cases: Record<string, { file: string; header_bytes: number; routes: Array<{ model: string; path: string; chain: string[] }>; targets: PortkeyTargetInfo[]; undetectable: string[] }>;
  readonly not_enforced: string[];
}

function build(ir: IrProgram): { files: Record<string, string>; manifest: Manifest } {
  const out = PortkeyBackend.emit({ ir, sources: [] }, { asOf: AS_OF });
  return { files: out.files as Record<string, string>, manifest: out.manifest as unknown as Manifest };
}

function configOf(built: ReturnType<typeof build>, useCase: string): PortkeyConfig {
  return JSON.parse(built.files[built.manifest.use_cases[useCase]!.file]!) as PortkeyConfig;
}

/** The IR with some models' deployments changed (LANG's `deployment` field), so routes show the deployment sent. */
function withDeployments(ir: IrProgram, deployments: Readonly<Record<string, string>>): IrProgram {
  const models = Object.fromEntries(Object.entries(ir.models).map(([n, m]) => [n, { ...m, deployment: deployments[n] ?? m.deployment } satisfies IrModel]));
  return { ...ir, models };
}

function withApis(ir: IrProgram, apis: Readonly<Record<string, ProviderApi>>): IrProgram {
  const providers = Object.fromEntries(Object.entries(ir.providers).map(([n, p]) => [n, { ...p, api: apis[n] ?? p.api }]));
  return { ...ir, providers };
}

function compileText(text: string): IrProgram {
  const dir = mkdtempSync(join(tmpdir(), 'govc-portkey-'));
  writeFileSync(join(dir, 'policy.gov'), text);
  const r = compileFiles([join(dir, 'policy.gov')], { asOf: AS_OF, cwd: dir });
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.ir!;
}

type Guardrails = ReadonlyArray<Record<string, unknown>>;

/**
 * Every leaf (provider target) of a config with its path, as Portkey names it, and the guardrails it runs: its own
 * when it has `input_guardrails` (even `[]`), else its route's, else the config's (Portkey's inheritance).
 */
function leaves(config: PortkeyConfig): Array<{ path: string; leaf: Record<string, unknown>; runs: Guardrails }> {
  const top = (config as { input_guardrails?: Guardrails }).input_guardrails ?? [];
  return config.targets.flatMap((route, r) => {
    if (!('targets' in route)) return [];
    const inherited = (route as { input_guardrails?: Guardrails }).input_guardrails ?? top;
    return route.targets.map((leaf, i) => ({
      path: `config.targets[${r}].targets[${i}]`,
      leaf: leaf as unknown as Record<string, unknown>,
      runs: (leaf as { input_guardrails?: Guardrails }).input_guardrails ?? inherited,
    }));
  });
}

/** The checks of the guardrails a leaf runs, in order. */
const checksOf = (runs: Guardrails): Array<Record<string, unknown>> =>
  runs.flatMap((g) => Object.entries(g).filter(([k]) => k.startsWith('check_')).map(([, v]) => v as Record<string, unknown>));

const ACME = exampleIr('acme-support');
const ACME_DEPLOYED = withDeployments(ACME, { 'gpt-4.1': 'gpt-41-prod', 'claude-sonnet-4': 'claude-sonnet-4-20250514', 'gpt-4.1-mini': 'gpt-41-mini-prod' });

describe('the configs as data', () => {
  it('match the golden config of acme-support `support_assistant`', async () => {
    const { files } = build(ACME);
    await expect(files['portkey/support_assistant.json']).toMatchFileSnapshot('gateways/portkey/golden/acme-support/support_assistant.json');
    await expect(files['portkey/README.md']).toMatchFileSnapshot('gateways/portkey/golden/acme-support/README.md');
  });

  it('are the same bytes on every build, one file per use case plus the README, and hold no endpoint or key', () => {
    for (const name of exampleNames()) {
      const ir = exampleIr(name);
      const a = build(ir);
      const b = build(JSON.parse(JSON.stringify(ir)) as IrProgram);
      expect(a).toEqual(b);
      expect(Object.keys(a.files)).toEqual([...Object.keys(ir.use_cases).sort().map((u) => `portkey/${u}.json`), 'portkey/README.md']);
      for (const [path, text] of Object.entries(a.files)) {
        if (!path.endsWith('.json')) continue;
        expect([path, /"(?:api_key|custom_host|aws_[a-z_]+|api_version|resource_name)"/.test(text)]).toEqual([path, false]);
        expect([path, /^[\x20-\x7e\n]*$/.test(text)]).toEqual([path, true]);
      }
    }
    expect(PortkeyBackend.replaces).toEqual(['portkey']);
  });

  it('fit, with room for the other headers, in the header size Node allows by default', () => {
    for (const name of exampleNames()) {
      const { manifest } = build(exampleIr(name));
      for (const [useCase, entry] of Object.entries(manifest.use_cases)) {
        expect([name, useCase, entry.header_bytes <= NODE_HEADER_LIMIT - 2048]).toEqual([name, useCase, true]);
        expect(entry.header_bytes).toBe(portkeyHeaderValue(configOf(build(exampleIr(name)), useCase)).length);
      }
    }
  });

  it('route each allowed model to a fallback over it and the later models in declared order, then the model rollback target', () => {
    const plan = portkeyUseCasePlan(ACME_DEPLOYED, ACME_DEPLOYED.use_cases.support_assistant!);
    expect(plan.routes).toEqual([
      { model: 'gpt-4.1', path: 'config.targets[0]', chain: ['gpt-4.1', 'claude-sonnet-4', 'gpt-4.1-mini'] },
      { model: 'claude-sonnet-4', path: 'config.targets[1]', chain: ['claude-sonnet-4', 'gpt-4.1-mini'] },
      // The model rollback (`claude-sonnet-4`) comes after the declared models it is not already among.
      { model: 'gpt-4.1-mini', path: 'config.targets[2]', chain: ['gpt-4.1-mini', 'claude-sonnet-4'] },
    ]);
    const c = plan.config;
    expect(c.strategy).toEqual({
      mode: 'conditional',
      conditions: [
        { query: { 'params.model': 'gpt-4.1' }, then: 'route_1' },
        { query: { 'params.model': 'claude-sonnet-4' }, then: 'route_2' },
        { query: { 'params.model': 'gpt-4.1-mini' }, then: 'route_3' },
      ],
      default: NOT_ALLOWED,
    });
    expect(leaves(c).map(({ path, leaf }) => [path, (leaf.override_params as { model: string }).model])).toEqual([
      ['config.targets[0].targets[0]', 'gpt-41-prod'],
      ['config.targets[0].targets[1]', 'claude-sonnet-4-20250514'],
      ['config.targets[0].targets[2]', 'gpt-41-mini-prod'],
      ['config.targets[1].targets[0]', 'claude-sonnet-4-20250514'],
      ['config.targets[1].targets[1]', 'gpt-41-mini-prod'],
      ['config.targets[2].targets[0]', 'gpt-41-mini-prod'],
      ['config.targets[2].targets[1]', 'claude-sonnet-4-20250514'],
    ]);
    for (const { leaf } of leaves(c)) expect(leaf.retry).toEqual({ attempts: RETRY_ATTEMPTS, on_status_codes: [429, 500, 502, 503, 504] });
    expect(c.targets[3]).toEqual({
      name: NOT_ALLOWED,
      provider: 'openai',
      input_guardrails: [{ deny: true, sequential: true, check_1: { id: 'default.modelWhitelist', models: ['gpt-4.1', 'claude-sonnet-4', 'gpt-4.1-mini'], failOnError: true } }],
    });
    expect(plan.targets.map((t) => t.path)).toEqual(leaves(c).map((l) => l.path));
  });

  it('block every detector of each class a target may not receive, before redacting each class the use case redacts', () => {
    const ir = exampleIr('eu-lender');
    const plan = portkeyUseCasePlan(ir, ir.use_cases.credit_decisioning!);
    const byModel = new Map(plan.targets.map((t) => [t.model, t]));
    // credit_score may reach llama-3.3-70b only; pii reaches azure_openai's models and llama, redacted.
    expect(byModel.get('llama-3.3-70b')!.blocks).toEqual(['national_id', 'payment_card', 'phi', 'secrets']);
    expect(byModel.get('gpt-4.1')!.blocks).toEqual(['credit_score', 'national_id', 'payment_card', 'phi', 'secrets']);
    expect(byModel.get('gpt-4.1')!.redacts).toEqual(['pii']);
    // bank_transactions has no detector: listed as beyond the config's sight.
    expect(plan.undetectable).toEqual(['bank_transactions']);
    const runs = leaves(plan.config).find((l) => l.path === 'config.targets[0].targets[1]')!.runs;
    const dc = ir.data_classes;
    const src = (r: string): string => portkeyRegexSource(r)!;
    const blocks = ['credit_score', 'national_id', 'payment_card', 'phi', 'secrets'].map((c) => {
      const sources = dc[c]!.detectors.map((d) => src(d.regex));
      return [`/${sources.length === 1 ? sources[0] : sources.map((x) => `(?:${x})`).join('|')}/u`, `[BLOCKED:${c}]`, true];
    });
    const redactions = dc.pii!.detectors.map((d) => [`/${src(d.regex)}/gu`, '[REDACTED:pii]', false]);
    expect(checksOf(runs).map((c) => [c.rule, c.redactText, c.failOnDetection])).toEqual([...blocks, ...redactions]);
    expect(runs.map((g) => [g.deny, g.sequential])).toEqual([[true, true]]);
    // Both model rollbacks follow the declared models they are not already among.
    expect(plan.routes.map((r) => r.chain)).toEqual([
      ['llama-3.3-70b', 'gpt-4.1', 'gpt-4.1-mini'],
      ['gpt-4.1', 'gpt-4.1-mini', 'llama-3.3-70b'],
      ['gpt-4.1-mini', 'llama-3.3-70b', 'gpt-4.1'],
    ]);
    // The revoked llama-3.1-70b is never routed.
    const lender = portkeyUseCasePlan(ir, ir.use_cases.collections_assistant!);
    expect(lender.targets.some((t) => t.model === 'llama-3.1-70b')).toBe(false);
  });

  it('name each provider target after its wire protocol, with the environment variables the client fills it from', () => {
    const ir = withApis(exampleIr('devpilot'), { openai: 'openai', anthropic: 'anthropic', aws_bedrock: 'bedrock' });
    const plan = portkeyUseCasePlan(ir, ir.use_cases.code_assistant!);
    const t = new Map(plan.targets.map((x) => [x.model, x]));
    expect(t.get('gpt-5')).toMatchObject({ portkey_provider: 'openai', custom_host: 'optional', env: { api_key: 'GOVC_OPENAI_API_KEY', custom_host: 'GOVC_OPENAI_API_BASE' } });
    expect(t.get('claude-sonnet-4-5')).toMatchObject({ portkey_provider: 'anthropic', env: { api_key: 'GOVC_ANTHROPIC_API_KEY', custom_host: 'GOVC_ANTHROPIC_API_BASE' } });
    expect(t.get('claude-3-7-sonnet')).toMatchObject({
      portkey_provider: 'bedrock',
      env: { aws_access_key_id: 'GOVC_AWS_BEDROCK_AWS_ACCESS_KEY_ID', aws_secret_access_key: 'GOVC_AWS_BEDROCK_AWS_SECRET_ACCESS_KEY', aws_region: 'GOVC_AWS_BEDROCK_AWS_REGION', custom_host: 'GOVC_AWS_BEDROCK_API_BASE' },
    });
    const azure = withApis(exampleIr('eu-lender'), { azure_openai: 'azure_openai' });
    const az = portkeyUseCasePlan(azure, azure.use_cases.service_chat!);
    expect(az.targets[0]).toMatchObject({ portkey_provider: 'azure-openai', custom_host: 'required', env: { api_key: 'GOVC_AZURE_OPENAI_API_KEY', custom_host: 'GOVC_AZURE_OPENAI_API_BASE', api_version: 'GOVC_AZURE_OPENAI_API_VERSION' } });
    // eu-lender's gpt-4.1 is served as deployment `credit-letters` (its `deployment`).
    expect(leaves(az.config)[0]!.leaf).toMatchObject({ provider: 'azure-openai', deployment_id: 'credit-letters', override_params: { model: 'credit-letters' } });
  });

  it('give each use case a file name of its own, whatever the file system', () => {
    expect(configFileNames(['a', 'con', 'CON', 'A', 'README', 'x'.repeat(80), 'nul.x'])).toEqual(['a', '_con', '_CON-2', 'A-2', '_README', 'x'.repeat(64), '_nul.x']);
  });
});

/** A deterministic generator of texts mixing what detectors match and what they must not. */
function randomTexts(seed: number, count: number): string[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pieces = ['a', 'Z', 'k', '1', '42', '12345', ' ', '-', '_', '.', '@', '+', '(', ')', '/', '$', '&', '"', '}', ']', '{', '\n', '\u2028', 'é', '😀', '\ud800', 'EMP-', 'MRN', 'sk-', 'AKIA', 'DE89', 'line', 'break', 'x.y@z.io', '+49 170 123 4567', '10.0.0.1', '123-45-6789', '4111 1111 1111 1111'];
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(next() * 12) }, () => pieces[Math.floor(next() * pieces.length)]!).join(''));
}

/** Portkey's own reading of a `regexReplace` rule (plugins/default/regexReplace.ts in the bundle). */
function portkeyRegExp(rule: string): RegExp {
  const m = /^\/(.+?)\/([gimsuyd]*)$/.exec(rule);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(rule);
}

describe('detector patterns in Portkey', () => {
  const allDetectors = [...new Map(exampleNames().flatMap((n) => Object.values(exampleIr(n).data_classes).flatMap((c) => c.detectors.map((d) => [d.regex, d.name] as const)))).entries()];
  const edges = [...Object.values(HOSTILE_PATTERNS), '[\\-a]+x', '\\x41\\xe9+', '[é-ü]+\\d', '(?:ab|cd)+?e', '\\{\\d+\\}', 'x\\/y', '[A-Za-z]+@[a-z]+\\.io'];

  it('accepts every edge pattern as portable (so the comparison below covers it)', () => {
    for (const p of edges) expect([p, parsePortableRegex(p).ok]).toEqual([p, true]);
  });

  it('match and redact exactly what govc\'s runtime matches and redacts, on random text', () => {
    const texts = [...randomTexts(11, 400), ...Object.values(MATCHES)];
    for (const pattern of [...allDetectors.map(([p]) => p), ...edges]) {
      const source = portkeyRegexSource(pattern)!;
      expect(/^[\x20-\x7e]+$/.test(source)).toBe(true);
      const runtime = compileDetector(pattern);
      const block = portkeyRegExp(`/${source}/u`);
      const all = portkeyRegExp(`/${source}/gu`);
      expect([pattern, block.source, block.flags]).toEqual([pattern, new RegExp(source, 'u').source, 'u']);
      for (const text of texts) {
        expect([pattern, text, block.test(text)]).toEqual([pattern, text, runtime.test(text)]);
        expect([pattern, text, text.replace(all, '[REDACTED:x]')]).toEqual([pattern, text, runtime.replaceAll(text, '[REDACTED:x]')]);
      }
    }
  });

  it('block, with one alternation of a class\'s detectors, where any of them matches', () => {
    const texts = [...randomTexts(23, 300), ...Object.values(MATCHES)];
    const classes = exampleNames().flatMap((n) => Object.values(exampleIr(n).data_classes)).filter((c) => c.detectors.length > 1);
    expect(classes.length).toBeGreaterThan(0);
    for (const c of classes) {
      // The class alone, denied by default, in a use case without data rules: one block check.
      const ir = { ...ACME, data_classes: { [c.name]: { ...c, default: 'deny' as const } } };
      const checks = checksOf(leaves(portkeyUseCasePlan(ir, { ...ACME.use_cases.support_assistant!, data: {} }).config)[0]!.runs);
      expect(checks.map((x) => x.redactText)).toEqual([`[BLOCKED:${c.name}]`]);
      const rule = checks[0]!.rule as string;
      const block = portkeyRegExp(rule);
      const detectors = c.detectors.map((d) => compileDetector(d.regex));
      for (const text of texts) expect([c.name, text, block.test(text)]).toEqual([c.name, text, detectors.some((d) => d.test(text))]);
    }
  });
});

describe('a hostile program', () => {
  const ir = compileText(hostileProgram());
  const built = build(ir);

  it('compiles with every hostile name and pattern in the IR', () => {
    expect(Object.keys(ir.use_cases).sort()).toEqual(['CON', '__proto__', 'con']);
    expect(ir.data_classes.deny!.detectors.map((d) => d.regex)).toEqual([HOSTILE_PATTERNS.quotes, HOSTILE_PATTERNS.slashes]);
  });

  it('cannot break the JSON, add a hook or a check, or change a check\'s kind', () => {
    expect(Object.keys(built.files).sort()).toEqual(['portkey/README.md', 'portkey/_CON.json', 'portkey/__proto__.json', 'portkey/_con-2.json']);
    for (const [name, entry] of Object.entries(built.manifest.use_cases)) {
      const uc = ir.use_cases[name]!;
      const config = configOf(built, name);
      const plan = portkeyUseCasePlan(ir, uc);
      expect(config).toEqual(JSON.parse(JSON.stringify(plan.config)));
      for (const route of config.targets.slice(0, -1)) expect(Object.keys(route).filter((k) => k !== 'input_guardrails')).toEqual(['name', 'strategy', 'targets']);
      expect(config.strategy.conditions.map((c) => Object.keys(c.query))).toEqual(plan.routes.map(() => ['params.model']));
      expect(config.targets.map((t) => t.name)).toEqual([...plan.routes.map((_, i) => `route_${i + 1}`), NOT_ALLOWED]);
      expect(Object.keys(config).filter((k) => k !== 'input_guardrails')).toEqual(['strategy', 'targets']);
      for (const { path, leaf, runs } of leaves(config)) {
        expect(Object.keys(leaf).filter((k) => k !== 'input_guardrails')).toEqual(['provider', 'override_params', 'retry']);
        const info = entry.targets.find((t) => t.path === path)!;
        const wanted = info.blocks.length + info.redacts.flatMap((c) => ir.data_classes[c]!.detectors).length;
        expect(runs).toHaveLength(wanted > 0 ? 1 : 0);
        for (const g of runs) {
          expect(Object.keys(g)).toEqual(['deny', 'sequential', ...Array.from({ length: wanted }, (_, i) => `check_${i + 1}`)]);
          expect([g.deny, g.sequential]).toEqual([true, true]);
        }
        const checks = checksOf(runs);
        expect(checks.map((c) => c.redactText)).toEqual([...info.blocks.map((c) => `[BLOCKED:${c}]`), ...info.redacts.flatMap((c) => ir.data_classes[c]!.detectors.map(() => `[REDACTED:${c}]`))]);
        for (const c of checks) {
          expect(Object.keys(c)).toEqual(['id', 'rule', 'redactText', 'failOnDetection', 'failOnError']);
          expect([c.id, c.failOnError, c.failOnDetection]).toEqual(['default.regexReplace', true, String(c.redactText).startsWith('[BLOCKED:')]);
        }
      }
    }
    // The route of the use case `__proto__`: its hostile-named models, and `id` kept from all but `route_1`.
    const plan = portkeyUseCasePlan(ir, ir.use_cases.__proto__!);
    expect(plan.routes.map((r) => r.chain)).toEqual([['not_allowed', 'route_1', 'constructor'], ['route_1', 'constructor'], ['constructor']]);
    expect(plan.targets.map((t) => [t.model, t.blocks, t.redacts])).toEqual([
      ['not_allowed', ['check_1', 'deny', 'id'], ['sequential']],
      ['route_1', ['check_1', 'deny'], ['sequential']],
      ['constructor', ['check_1', 'deny', 'id'], ['sequential']],
      ['route_1', ['check_1', 'deny'], ['sequential']],
      ['constructor', ['check_1', 'deny', 'id'], ['sequential']],
      ['constructor', ['check_1', 'deny', 'id'], ['sequential']],
    ]);
  });

  it('leaves its messages and titles out of the configs', () => {
    for (const [path, text] of Object.entries(built.files)) {
      expect([path, text.includes('default.log'), text.includes('"deny": false')]).toEqual([path, false, false]);
    }
  });
});

/** Environment values for every variable a config names: each provider's API base is the fake upstream. */
function envFor(targets: readonly PortkeyTargetInfo[], upstream: FakeOpenAi): Record<string, string> {
  const env: Record<string, string> = {};
  for (const t of targets) {
    for (const [field, variable] of Object.entries(t.env)) {
      env[variable] = field === 'custom_host' ? upstream.baseUrl : field === 'api_version' ? '2024-10-21' : field === 'aws_region' ? 'eu-central-1' : `sk-test-${t.provider}`;
    }
  }
  return env;
}

const lastUserText = (body: { messages?: ReadonlyArray<{ content: unknown }> }): unknown => body.messages?.[body.messages.length - 1]?.content;

describe('the real Portkey gateway (127.0.0.1) runs the configs', () => {
  let upstream: FakeOpenAi;
  let gateway: PortkeyGateway;
  const acme = build(ACME_DEPLOYED);
  const filled = (b: ReturnType<typeof build>, useCase: string): unknown => {
    const targets = b.manifest.use_cases[useCase]!.targets;
    return fillConfig(configOf(b, useCase), targets, envFor(targets, upstream));
  };
  const send = (config: unknown, model: string | undefined, content: string, extra: Record<string, unknown> = {}) =>
    chat(gateway, config, { ...(model !== undefined && { model }), messages: [{ role: 'user', content }], ...extra });

  beforeAll(async () => {
    upstream = await startFakeOpenAi();
    gateway = await startPortkeyGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  it('listens on 127.0.0.1 only', async () => {
    expect(listeningAddresses(gateway.port)).toEqual(['127.0.0.1']);
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (outside !== undefined) {
      await expect(fetch(`http://${outside.address}:${gateway.port}/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  });

  it('accepts every config of every example, as written and as filled in (an invalid config would get HTTP 400)', async () => {
    const before = upstream.received.length;
    for (const name of exampleNames()) {
      const b = build(exampleIr(name));
      for (const useCase of Object.keys(b.manifest.use_cases)) {
        for (const config of [configOf(b, useCase), filled(b, useCase)]) {
          const r = await send(config, 'no-such-model', 'hello');
          expect([name, useCase, r.status, r.json.error?.type]).toEqual([name, useCase, 446, 'hooks_failed']);
        }
      }
    }
    expect(upstream.received.length).toBe(before);
    // The gateway's validator is live: a broken config is refused.
    const broken = { ...configOf(acme, 'support_assistant'), strategy: { mode: 'sideways' } };
    const r = await send(broken, 'gpt-4.1', 'hello');
    expect([r.status, r.json.message]).toEqual([400, 'Invalid config passed']);
  });

  it('answers an allowed model from its deployment, with the key the client set', async () => {
    const r = await send(filled(acme, 'support_assistant'), 'gpt-4.1', 'What are your opening hours?');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-portkey-last-used-option-index')).toBe('config.targets[0].targets[0]');
    expect((r.json.choices as Array<{ message: { content: string } }>)[0]!.message.content).toBe('ok from gpt-41-prod');
    const got = upstream.received.at(-1)!;
    expect([got.path, got.authorization, got.body.model, lastUserText(got.body)]).toEqual(['/v1/chat/completions', 'Bearer sk-test-openai', 'gpt-41-prod', 'What are your opening hours?']);
    // A fallback model named by the caller is served by its own route.
    const claude = await send(filled(acme, 'support_assistant'), 'claude-sonnet-4', 'hi');
    // acme-support's Anthropic provider says `api anthropic`: Portkey speaks Anthropic's protocol, key in `x-api-key`.
    const sent = upstream.received.at(-1)!;
    expect([claude.status, claude.headers.get('x-portkey-last-used-option-index'), sent.path, sent.body.model, sent.apiKey]).toEqual([
      200,
      'config.targets[1].targets[0]',
      '/v1/messages',
      'claude-sonnet-4-20250514',
      'sk-test-anthropic',
    ]);
  });

  it('refuses a model the use case may not use, and a request naming none, with 446 before anything is sent', async () => {
    const before = upstream.received.length;
    const other = await send(filled(acme, 'ticket_summary'), 'gpt-4.1', 'hi');
    expect([other.status, other.json.error?.type, other.headers.get('x-portkey-last-used-option-index')]).toEqual([446, 'hooks_failed', 'config.targets[2]']);
    const check = (other.json.hook_results as { before_request_hooks: Array<{ checks: Array<{ id: string; verdict: boolean; data: { allowedModels: string[] } }> }> }).before_request_hooks[0]!.checks[0]!;
    expect([check.id, check.verdict, check.data.allowedModels]).toEqual(['default.modelWhitelist', false, ['gpt-4.1-mini', 'claude-3-5-haiku']]);
    const none = await send(filled(acme, 'ticket_summary'), undefined, 'hi');
    expect([none.status, none.json.error?.type]).toEqual([446, 'hooks_failed']);
    // A deployment name is not a governed model name.
    const deployment = await send(filled(acme, 'support_assistant'), 'gpt-41-prod', 'hi');
    expect(deployment.status).toBe(446);
    expect(upstream.received.length).toBe(before);
  });

  it('redacts PII before the upstream sees it, exactly as govc\'s runtime redacts it', async () => {
    const text = 'Reach me at jane.doe@example.com or +49 170 123 4567 from 10.0.0.1, IBAN DE89370400440532013000.';
    const r = await send(filled(acme, 'support_assistant'), 'gpt-4.1', text);
    expect(r.status).toBe(200);
    const sent = lastUserText(upstream.received.at(-1)!.body) as string;
    const expected = redact(text, compileClasses([ACME.data_classes.pii!]).values());
    expect(expected.ok && expected.value).toBe(sent);
    expect(sent).not.toContain('jane.doe@example.com');
    expect(sent).toContain('[REDACTED:pii]');
    // Text parts of a multi-part message too.
    await send(filled(acme, 'support_assistant'), 'gpt-4.1', '', { messages: [{ role: 'user', content: [{ type: 'text', text: 'mail a.b@c.io' }] }] });
    expect(lastUserText(upstream.received.at(-1)!.body)).toEqual([{ type: 'text', text: 'mail [REDACTED:pii]' }]);
  });

  it('blocks a class the use case denies, and sends nothing', async () => {
    const before = upstream.received.length;
    const secret = await send(filled(acme, 'support_assistant'), 'gpt-4.1', 'my key is sk-abcdefghijklmnop1234');
    expect([secret.status, secret.json.error?.type]).toEqual([446, 'hooks_failed']);
    const card = await send(filled(acme, 'support_assistant'), 'gpt-4.1', 'card 4111 1111 1111 1111');
    expect(card.status).toBe(446);
    // kb_tagging denies pii, which support_assistant redacts.
    const pii = await send(filled(acme, 'kb_tagging'), 'gpt-4.1-mini', 'from jane@example.com');
    expect(pii.status).toBe(446);
    expect(upstream.received.length).toBe(before);
  });

  it('falls back to the next model in declared order when an upstream fails with 500, after its retries', async () => {
    upstream.fail('gpt-41-prod', 500);
    try {
      const before = upstream.received.length;
      const r = await send(filled(acme, 'support_assistant'), 'gpt-4.1', 'fall over please, a.b@c.io');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-portkey-last-used-option-index')).toBe('config.targets[0].targets[1]');
      const models = upstream.received.slice(before).map((b) => b.body.model);
      expect(models).toEqual([...Array(RETRY_ATTEMPTS + 1).fill('gpt-41-prod'), 'claude-sonnet-4-20250514']);
      // Each target redacts on its own: the fallback got the redacted text too.
      expect(upstream.received.slice(before).map((b) => lastUserText(b.body))).toEqual(models.map(() => 'fall over please, [REDACTED:pii]'));
      upstream.fail('claude-sonnet-4-20250514', 503);
      const third = await send(filled(acme, 'support_assistant'), 'gpt-4.1', 'and again');
      expect([third.status, third.headers.get('x-portkey-last-used-option-index'), upstream.received.at(-1)!.body.model]).toEqual([200, 'config.targets[0].targets[2]', 'gpt-41-mini-prod']);
      // A client error is the answer: no retry, no fallback.
      upstream.clearFailures();
      upstream.fail('gpt-41-prod', 400);
      const n = upstream.received.length;
      const bad = await send(filled(acme, 'support_assistant'), 'gpt-4.1', 'bad request');
      expect([bad.status, upstream.received.length - n]).toEqual([400, 1]);
    } finally {
      upstream.clearFailures();
    }
  }, 60_000);

  it('keeps a class from the models it may not reach, even on a fallback (eu-lender credit_score -> model llama-3.3-70b)', async () => {
    const lender = build(exampleIr('eu-lender'));
    const config = filled(lender, 'credit_decisioning');
    const bureau = exampleIr('eu-lender').data_classes.credit_score!.detectors[0]!;
    const sample = ['BR-2026-12345678'].find((s) => compileDetector(bureau.regex).test(s));
    expect(sample, `a sample for ${bureau.regex}`).toBeDefined();
    const text = `bureau report ${sample}`;
    const ok = await send(config, 'llama-3.3-70b', text);
    // Sent to llama, with only what the pii detectors match redacted (its phone pattern takes digits of the reference).
    const pii = redact(text, compileClasses([exampleIr('eu-lender').data_classes.pii!]).values());
    expect([ok.status, lastUserText(upstream.received.at(-1)!.body)]).toEqual([200, pii.ok && pii.value]);
    const refused = await send(config, 'gpt-4.1', text);
    expect(refused.status).toBe(446);
    upstream.fail('llama-3.3-70b', 500);
    try {
      const before = upstream.received.length;
      const over = await send(config, 'llama-3.3-70b', text);
      // llama fails; the fallback gpt-4.1 may not receive credit_score, so its check refuses instead of sending.
      expect(over.status).toBe(446);
      expect(upstream.received.slice(before).map((b) => b.body.model)).toEqual(Array(RETRY_ATTEMPTS + 1).fill('llama-3.3-70b'));
    } finally {
      upstream.clearFailures();
    }
  }, 60_000);

  it('runs no check on a target whose own guardrail list is empty, while the others inherit theirs', async () => {
    const model = (name: string): string =>
      `model ${name} {\n  provider p\n  version "v1"\n  regions eu\n  price input 1.00 USD output 2.00 USD per 1M tokens\n  status approved\n  approved_by "ml@acme.example" on 2026-01-01 ticket T-0 expires 2027-06-01\n}\n`;
    const ir = compileText(`org acme {
  owners "governance@acme.example"
}

tier open {
  approvers 1
}

provider p {
  regions eu
  dpa signed 2025-01-01
  zero_retention yes
  trains_on_customer_data no
}

${model('a')}
${model('b')}
data_class ticket {
  sensitivity low
  default allow
  detect pattern ref "\\\\bTK-\\\\d{4}\\\\b"
}

use_case u {
  tier open
  owner "owner@acme.example"
  models a fallback b
  data ticket -> model a
  approved_by "cto@acme.example" on 2026-01-01 ticket T-1 expires 2027-06-01
}
`);
    const b = build(ir);
    const config = configOf(b, 'u');
    // Two of three targets (b) block `ticket`: that guardrail is the config's; a's own list is empty.
    expect(leaves(config).map((l) => [l.path, (l.leaf as { input_guardrails?: unknown }).input_guardrails, checksOf(l.runs).length])).toEqual([
      ['config.targets[0].targets[0]', [], 0],
      ['config.targets[0].targets[1]', undefined, 1],
      ['config.targets[1].targets[0]', undefined, 1],
    ]);
    const filledConfig = filled(b, 'u');
    const a = await send(filledConfig, 'a', 'about TK-1234');
    expect([a.status, lastUserText(upstream.received.at(-1)!.body)]).toEqual([200, 'about TK-1234']);
    expect((await send(filledConfig, 'b', 'about TK-1234')).status).toBe(446);
    expect((await send(filledConfig, 'b', 'about nothing')).status).toBe(200);
  });

  it('runs the hostile program\'s config as its checks say: blocks, redacts and routes by the names as data', async () => {
    const ir = compileText(hostileProgram());
    const b = build(ir);
    const config = filled(b, '__proto__');
    const before = upstream.received.length;
    for (const key of ['quotes', 'slashes', 'dollars', 'breakline'] as const) {
      const r = await send(config, 'not_allowed', MATCHES[key]);
      expect([key, r.status]).toEqual([key, 446]);
    }
    expect(upstream.received.length).toBe(before);
    const redacted = await send(config, 'route_1', `${MATCHES.dash} ${MATCHES.astral} ${MATCHES.lazy}`);
    expect(redacted.status).toBe(200);
    const sent = lastUserText(upstream.received.at(-1)!.body);
    const expected = redact(`${MATCHES.dash} ${MATCHES.astral} ${MATCHES.lazy}`, compileClasses([ir.data_classes.sequential!]).values());
    expect(expected.ok && expected.value).toBe(sent);
    // `id` may reach route_1 only: sent there as is, refused on the model `not_allowed` (a route like any other).
    expect((await send(config, 'route_1', MATCHES.lazy)).status).toBe(200);
    expect((await send(config, 'not_allowed', MATCHES.lazy)).status).toBe(446);
    expect((await send(config, 'route_2', 'hello')).status).toBe(446);
  }, 60_000);
});
