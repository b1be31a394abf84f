import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKey } from '../src/runtime/counterKeys.js';
import { chat, MASTER_KEY, startLitellm, type ChatAnswer, type LitellmProxy } from './gateways/litellmProxy.js';
import { startUpstreams, type FakeUpstream, type UpstreamKind } from './gateways/fakeUpstreams.js';
import { govc } from './helpers/diagnostics.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { REPO_ROOT } from './helpers/repo.js';

/**
 * The LiteLLM back end on the real proxy (.venv, litellm[proxy] 1.108.0): test/fixtures/litellm/gateway-org built
 * with `govc build --target litellm`, one proxy for most cases and a second one on the same Redis for the shared
 * budget, in front of fake upstreams of all five wire protocols (test/gateways/fakeUpstreams.ts) that record every
 * body. Every process is on 127.0.0.1, bounded in time and stopped by its pid.
 */

const PROGRAM = join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org');
const TODAY = new Date().toISOString().slice(0, 10);
const RUN = Date.now().toString(36);

// API key → caller; tenants carry the run id so that counters never meet an earlier run's.
const KEYS: Record<string, Record<string, unknown>> = {
  'sk-assist-eu-000': { tenant: `eu-${RUN}`, use_case: 'assistant', region: 'eu', principal: 'svc:web' },
  'sk-assist-us-000': { tenant: `us-${RUN}`, use_case: 'assistant', region: 'us' },
  'sk-drafts-0000': { tenant: `drafts-${RUN}`, use_case: 'drafts', region: 'eu' },
  'sk-summaries-00': { tenant: `sum-${RUN}`, use_case: 'summaries', region: 'eu', rpm: 100 },
  'sk-native-rpm-0': { tenant: `native-${RUN}`, use_case: 'summaries', region: 'eu', rpm: 2 },
  'sk-shared-0000': { tenant: `shared-${RUN}`, use_case: 'shared', region: 'eu' },
  'sk-providers-0': { tenant: `tour-${RUN}`, use_case: 'providers', region: 'eu' },
  'sk-resilient-0': { tenant: `res-${RUN}`, use_case: 'resilient', region: 'eu' },
  'sk-give-back-0': { tenant: `back-${RUN}`, use_case: 'shared', region: 'eu' },
  'sk-streaming-0': { tenant: `stream-${RUN}`, use_case: 'shared', region: 'eu' },
};

// The provider names of the program, and the fake that speaks each one's protocol.
const PROVIDER_OF: Record<UpstreamKind, string> = { openai: 'OPENAI', azure: 'AZURE', anthropic: 'ANTHROPIC', bedrock: 'BEDROCK', vllm: 'VLLM' };

let out: string;
let ups: Record<UpstreamKind, FakeUpstream>;
let redis: RedisServer;
let proxy: LitellmProxy;
let env: Record<string, string>;

const user = (content: string) => [{ role: 'user', content }];
const govcOf = (a: ChatAnswer): Record<string, unknown> => {
  const err = a.body.error as { provider_specific_fields?: { govc?: Record<string, unknown> } } | undefined;
  return err?.provider_specific_fields?.govc ?? {};
};
const codes = (a: ChatAnswer): string[] => ((govcOf(a).reasons as Array<{ code: string }> | undefined) ?? []).map((r) => r.code);
const message = (a: ChatAnswer): string => String((a.body.error as { message?: unknown } | undefined)?.message ?? '');
const reply = (a: ChatAnswer): string => String(((a.body.choices as Array<{ message: { content: string } }> | undefined) ?? [])[0]?.message.content ?? '');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function since(u: FakeUpstream, n: number) {
  return u.completions().slice(n);
}
const count = (u: FakeUpstream): number => u.completions().length;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'govc-litellm-e2e-'));
  const built = govc(['build', PROGRAM, '--out', out, '--as-of', TODAY, '--target', 'litellm']);
  if (built.status !== 0) throw new Error(`govc build failed: ${built.stderr}`);
  ups = await startUpstreams();
  redis = await startRedis();
  const keysFile = join(out, 'keys.json');
  writeFileSync(keysFile, JSON.stringify(KEYS));
  env = {
    GOVC_LITELLM_KEYS_FILE: keysFile,
    GOVC_REDIS_URL: `redis://127.0.0.1:${redis.port}/0`,
    GOVC_AZURE_API_VERSION: '2024-10-21',
    GOVC_BEDROCK_AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    GOVC_BEDROCK_AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
    GOVC_BEDROCK_AWS_REGION: 'us-east-1',
  };
  for (const [kind, name] of Object.entries(PROVIDER_OF) as Array<[UpstreamKind, string]>) {
    env[`GOVC_${name}_API_BASE`] = ups[kind].base;
    if (kind !== 'bedrock') env[`GOVC_${name}_API_KEY`] = `key-${kind}`;
  }
  proxy = await startLitellm({ dir: join(out, 'litellm'), env });
}, 180_000);

afterAll(async () => {
  await proxy?.stop();
  await redis?.stop();
  if (ups) await Promise.all(Object.values(ups).map((u) => u.close()));
});

describe('the LiteLLM proxy on the generated config', () => {
  it('answers an allowed model through its upstream, with the decision in its headers', async () => {
    const before = count(ups.openai);
    const a = await chat(proxy, 'sk-assist-eu-000', { model: 'gpt-main', messages: user('What are your opening hours today?'), max_tokens: 20 });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(reply(a)).toBe('reply from openai:gpt-4.1-2025-04-14');
    expect(a.headers.get('x-govc-decision')).toBe('allow');
    expect(a.headers.get('x-govc-model')).toBe('gpt-main');
    expect(a.headers.get('x-govc-decision-id')).toMatch(UUID);
    const [call] = since(ups.openai, before);
    expect(call?.model).toBe('gpt-4.1-2025-04-14');
    expect(call?.text).toContain('What are your opening hours today?');
  });

  it('refuses an unknown API key with 401', async () => {
    const a = await chat(proxy, 'sk-not-a-key-at-all', { model: 'gpt-main', messages: user('hello there, anyone home?') });
    expect(a.status).toBe(401);
  });

  it('lets the master key administer but not call models: it names no use case', async () => {
    const a = await chat(proxy, MASTER_KEY, { model: 'gpt-main', messages: user('Admins do not get to skip the policy.') });
    expect(a.status).toBe(403);
    expect(codes(a)).toEqual(['malformed_request']);
    expect(message(a)).toBe('`use_case` must be a non-empty string');
  });

  it('refuses a model the use case may not use with 403, govc\'s reason and a decision id, and calls no upstream', async () => {
    const before = count(ups.openai);
    const a = await chat(proxy, 'sk-assist-eu-000', { model: 'gpt-mini', messages: user('Please use the small model for this one.') });
    expect(a.status).toBe(403);
    expect(message(a)).toBe('model `gpt-mini` is not allowed for use case `assistant`');
    expect(codes(a)).toEqual(['model_not_allowed']);
    expect(govcOf(a).decision).toBe('deny');
    expect(String(govcOf(a).decision_id)).toMatch(UUID);
    expect(count(ups.openai)).toBe(before);
  });

  it('redacts personal data before the upstream sees it', async () => {
    const before = count(ups.openai);
    const a = await chat(proxy, 'sk-assist-eu-000', {
      model: 'gpt-main',
      messages: [
        { role: 'system', content: 'You help customers.' },
        { role: 'user', content: [{ type: 'text', text: 'Mail jane.doe@example.com about order 77, or call +44 20 7946 0958.' }] },
      ],
      max_tokens: 20,
    });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const [call] = since(ups.openai, before);
    expect(call?.text).not.toContain('jane.doe@example.com');
    expect(call?.text).not.toContain('7946');
    expect(call?.text).toContain('[REDACTED:pii]');
    expect(call?.text).toContain('about order 77');
  });

  it('blocks secrets: a denied data class never reaches a model', async () => {
    const before = UPSTREAMS_CALLS();
    const a = await chat(proxy, 'sk-assist-eu-000', { model: 'gpt-main', messages: user('My key is AKIAIOSFODNN7EXAMPLE, can you check it?') });
    expect(a.status).toBe(403);
    expect(codes(a)).toEqual(['data_class_denied']);
    expect(message(a)).toBe('data class `secrets` may not be sent in use case `assistant`');
    expect(UPSTREAMS_CALLS()).toBe(before);
  });

  it('enforces residency: EU records leave only from the EU', async () => {
    const text = 'Customer record EUREC-123456 needs an address change.';
    const us = await chat(proxy, 'sk-assist-us-000', { model: 'gpt-main', messages: user(text), max_tokens: 20 });
    expect(us.status).toBe(403);
    expect(codes(us)).toContain('residency_violation');
    expect(message(us)).toMatch(/data class `eu_records` (must stay in|may not be sent from region)/);
    const eu = await chat(proxy, 'sk-assist-eu-000', { model: 'gpt-main', messages: user(text), max_tokens: 20 });
    expect(eu.status, JSON.stringify(eu.body)).toBe(200);
  });

  it('checks tool calls against grants, scopes and human approval', async () => {
    const tool = (name: string) => ({ type: 'function', function: { name, description: name, parameters: { type: 'object', properties: {} } } });
    const ask = (tools: unknown[], govcTools: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
      chat(proxy, 'sk-assist-eu-000', {
        model: 'gpt-main',
        messages: user('Where is my order number 12345, please?'),
        tools,
        max_tokens: 20,
        ...(govcTools && { metadata: { govc: { tools: govcTools } } }),
        ...extra,
      });
    const wrongScope = await ask([tool('order_lookup')], { order_lookup: { scope: 'orders:write' } });
    expect(wrongScope.status).toBe(403);
    expect(codes(wrongScope)).toEqual(['tool_scope_not_allowed']);
    expect(message(wrongScope)).toBe('scope `orders:write` is not granted for tool `order_lookup`');
    const noScope = await ask([tool('order_lookup')], undefined);
    expect(noScope.status).toBe(403);
    expect(codes(noScope)).toEqual(['malformed_request']);
    expect(message(noScope)).toBe('`tool.scope` must be a non-empty string');
    const ungranted = await ask([tool('order_lookup'), tool('wire_money')], { order_lookup: { scope: 'orders:read' }, wire_money: { scope: 'x' } });
    expect(codes(ungranted)).toEqual(['tool_not_allowed']);
    const unapproved = await ask([tool('refund')], { refund: { scope: 'payments:refund' } });
    expect(codes(unapproved)).toEqual(['human_approval_required']);
    // An assistant message carrying a call counts as that tool's use too.
    const carried = await chat(proxy, 'sk-assist-eu-000', {
      model: 'gpt-main',
      max_tokens: 20,
      messages: [
        { role: 'user', content: 'Refund order 12345 please, it arrived broken.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'refund', arguments: '{"order":"12345"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'refunded' },
      ],
      metadata: { govc: { tools: { refund: { scope: 'payments:write' } } } },
    });
    expect(codes(carried)).toEqual(['tool_scope_not_allowed']);
    const before = count(ups.openai);
    const granted = await ask([tool('order_lookup'), tool('refund')], { order_lookup: { scope: 'orders:read' }, refund: { scope: 'payments:refund', human_approved_by: 'agent@gatewayco.example' } });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    const [call] = since(ups.openai, before);
    expect(((call?.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map((t) => t.function.name)).toEqual(['order_lookup', 'refund']);
  });

  it('degrades to the declared model when the budget runs out, then refuses with the declared message', async () => {
    const seen: Array<[number, string | null]> = [];
    let last: ChatAnswer | undefined;
    for (let i = 0; i < 20; i++) {
      last = await chat(proxy, 'sk-drafts-0000', { model: 'gpt-main', messages: user(`Draft a short reply to ticket ${i} for me.`), max_tokens: 20 });
      seen.push([last.status, last.status === 200 ? last.headers.get('x-govc-model') : null]);
      if (last.status !== 200) break;
    }
    const models = seen.filter(([s]) => s === 200).map(([, m]) => m);
    const firstMini = models.indexOf('gpt-mini');
    expect(models[0]).toBe('gpt-main');
    expect(firstMini, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(models.slice(0, firstMini).every((m) => m === 'gpt-main')).toBe(true);
    expect(models.slice(firstMini).every((m) => m === 'gpt-mini')).toBe(true);
    expect(last!.status).toBe(429);
    expect(message(last!)).toBe('Drafts are paused until tomorrow.');
    expect(codes(last!)).toEqual(['budget_exhausted']);
    // The degraded calls reached the cheaper deployment.
    const minis = ups.openai.completions().filter((c) => c.model === 'gpt-4.1-mini-2025-04-14' && c.text.includes('Draft a short reply'));
    expect(minis.length).toBe(models.length - firstMini);
  });

  it('answers 429 on rate limits: govc\'s per-tenant rpm, and LiteLLM\'s own per-key rpm from custom auth', async () => {
    // Both count per minute: start early in a minute, so the requests fall in one.
    if (Date.now() % 60_000 > 50_000) await new Promise((r) => setTimeout(r, 60_000 - (Date.now() % 60_000) + 200));
    const statuses: number[] = [];
    let last: ChatAnswer | undefined;
    for (let i = 0; i < 4; i++) {
      last = await chat(proxy, 'sk-summaries-00', { model: 'llama', messages: user(`Summarise thread number ${i} in one line.`), max_tokens: 20 });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(codes(last!)).toEqual(['rate_limited']);
    expect(message(last!)).toBe('Summaries are rate limited; retry in a minute.');
    const native: number[] = [];
    for (let i = 0; i < 3; i++) native.push((await chat(proxy, 'sk-native-rpm-0', { model: 'llama', messages: user(`Summarise thread ${i}, natively limited.`), max_tokens: 20 })).status);
    expect(native).toEqual([200, 200, 429]);
  });

  it('falls back in the declared order when upstreams fail', async () => {
    const b = { openai: count(ups.openai), anthropic: count(ups.anthropic), vllm: count(ups.vllm) };
    ups.openai.failing.add('fb-first');
    ups.anthropic.failing.add('fb-second');
    try {
      const a = await chat(proxy, 'sk-resilient-0', { model: 'fb-first', messages: user('Answer from whichever model is up.'), max_tokens: 20 });
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(reply(a)).toBe('reply from vllm:fb-third');
      // LiteLLM reports that it fell back (its count is of the nesting it went through, not of models tried).
      expect(Number(a.headers.get('x-litellm-attempted-fallbacks'))).toBeGreaterThan(0);
      const tried = [...since(ups.openai, b.openai), ...since(ups.anthropic, b.anthropic), ...since(ups.vllm, b.vllm)].sort((x, y) => x.at - y.at);
      expect(tried.map((c) => [c.kind, c.model, c.status])).toEqual([
        ['openai', 'fb-first', 500],
        ['anthropic', 'fb-second', 500],
        ['vllm', 'fb-third', 200],
      ]);
      // A caller cannot name its own fallbacks: the policy's are used.
      ups.anthropic.failing.delete('fb-second');
      const c = await chat(proxy, 'sk-resilient-0', { model: 'fb-first', messages: user('Answer from whichever model is up.'), max_tokens: 20, fallbacks: ['gpt-main'] });
      expect(reply(c)).toBe('reply from anthropic:fb-second');
    } finally {
      ups.openai.failing.delete('fb-first');
      ups.anthropic.failing.delete('fb-second');
    }
  });

  it('sends a governed request through each of the five providers, each in its own protocol', async () => {
    const cases: Array<[string, UpstreamKind, string]> = [
      ['gpt-main', 'openai', 'gpt-4.1-2025-04-14'],
      ['azure-gpt', 'azure', 'gpt-41-eu'],
      ['claude', 'anthropic', 'claude-sonnet-4-20250514'],
      ['bedrock-llama', 'bedrock', 'meta.llama3-1-8b-instruct-v1:0'],
      ['llama', 'vllm', 'meta-llama/Llama-3.1-8B-Instruct'],
    ];
    for (const [model, kind, deployment] of cases) {
      const before = count(ups[kind]);
      const a = await chat(proxy, 'sk-providers-0', { model, messages: user(`Hello ${model}, write to ops@gatewayco.example.`), max_tokens: 20 });
      expect([model, a.status], JSON.stringify(a.body)).toEqual([model, 200]);
      expect(reply(a)).toBe(`reply from ${kind}:${deployment}`);
      const calls = since(ups[kind], before);
      expect(calls.map((c) => c.model)).toEqual([deployment]);
      // Governed: the policy's redaction reached every protocol's body.
      expect(calls[0]!.text).not.toContain('ops@gatewayco.example');
      expect(calls[0]!.text).toContain('[REDACTED:pii]');
      if (kind === 'azure') expect(calls[0]!.query['api-version']).toBe('2024-10-21');
      if (kind === 'bedrock') expect(String(calls[0]!.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    }
  });
});

/** One GET over a raw socket (RESP), bounded in time: the counter as the store holds it, '0' when absent. */
async function redisGet(key: string): Promise<string> {
  const { createConnection } = await import('node:net');
  return new Promise<string>((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port: redis.port });
    let buf = '';
    s.once('connect', () => s.write(`GET ${key}\r\n`));
    s.on('data', (b) => {
      buf += b.toString();
      const m = /^\$(-?\d+)\r\n(?:([^\r]*)\r\n)?/.exec(buf);
      if (m && (m[1] === '-1' || m[2] !== undefined)) {
        s.destroy();
        resolve(m[2] ?? '0');
      }
    });
    s.once('error', reject);
    setTimeout(() => reject(new Error('redis GET timed out')), 5000).unref();
  });
}

function UPSTREAMS_CALLS(): number {
  return Object.values(ups).reduce((n, u) => n + u.completions().length, 0);
}

describe('two proxies on one Redis', () => {
  let second: LitellmProxy;
  beforeAll(async () => {
    second = await startLitellm({ dir: join(out, 'litellm'), env });
  }, 180_000);
  afterAll(async () => {
    await second?.stop();
  });

  it('never overspend one budget together', async () => {
    const before = ups.openai.completions().length;
    const both = [proxy, second];
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => chat(both[i % 2]!, 'sk-shared-0000', { model: 'gpt-main', messages: user(`Shared budget request number ${i} here.`), max_tokens: 20 })),
    );
    const ok = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    expect(ok + refused.length).toBe(16);
    expect(refused.every((a) => message(a) === 'The shared budget is spent.')).toBe(true);
    // Each call costs 10 input + 20 output tokens at 1000 USD per 1M: 30,000 micro-USD; the budget is 200,000.
    const served = ups.openai.completions().slice(before).filter((c) => c.status === 200 && c.text.includes('Shared budget request'));
    expect(served.length).toBe(ok);
    expect(ok * 30_000).toBeLessThanOrEqual(200_000);
    expect(ok).toBeGreaterThan(0);
    // The counter both proxies share, under govc/runtime's key layout, holds exactly what was settled.
    const key = budgetKey('govc:', 'shared', `shared-${RUN}`, 'tenant', 'day', Date.now());
    const value = await redisGet(key);
    expect(Number(value)).toBe(ok * 30_000);
  });

  it('gives a failed call\'s reservation back, and charges a served one its actual cost', async () => {
    const key = budgetKey('govc:', 'shared', `back-${RUN}`, 'tenant', 'day', Date.now());
    ups.openai.failing.add('gpt-4.1-2025-04-14');
    try {
      const failed = await chat(second, 'sk-give-back-0', { model: 'gpt-main', messages: user('This call fails upstream, on purpose.'), max_tokens: 20 });
      expect(failed.status).toBeGreaterThanOrEqual(500);
    } finally {
      ups.openai.failing.delete('gpt-4.1-2025-04-14');
    }
    expect(await redisGet(key)).toBe('0');
    const served = await chat(second, 'sk-give-back-0', { model: 'gpt-main', messages: user('This call is served and settled, at last.'), max_tokens: 20 });
    expect(served.status).toBe(200);
    expect(await redisGet(key)).toBe('30000');
  });

  it('streams a governed answer, redacted on the way up, and settles it on the usage the stream reports', async () => {
    const key = budgetKey('govc:', 'shared', `stream-${RUN}`, 'tenant', 'day', Date.now());
    const before = count(ups.openai);
    const r = await fetch(`${second.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-streaming-0' },
      body: JSON.stringify({ model: 'gpt-main', messages: user('Stream this to me, I am at ann@example.org.'), max_tokens: 20, stream: true, stream_options: { include_usage: true } }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await r.text();
    expect(r.status, text).toBe(200);
    const content = text
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => (JSON.parse(l.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '')
      .join('');
    expect(content).toBe('streamed reply from openai:gpt-4.1-2025-04-14');
    const [call] = since(ups.openai, before);
    expect(call?.text).not.toContain('ann@example.org');
    expect(call?.text).toContain('[REDACTED:pii]');
    // Reserved at the estimate (34 tokens), settled to the 30 the stream reported.
    expect(await redisGet(key)).toBe('30000');
  });

  it('fails closed when the shared counters are away: 503, and no upstream is called', async () => {
    await redis.stop();
    const before = UPSTREAMS_CALLS();
    const a = await chat(proxy, 'sk-shared-0000', { model: 'gpt-main', messages: user('Is anyone metering this request?'), max_tokens: 20 });
    expect(a.status).toBe(503);
    expect(message(a)).toBe("govc's counter store is unavailable; the request was not sent");
    expect(codes(a)).toEqual(['counter_missing']);
    expect(govcOf(a).refusal).toBe('store_unavailable');
    expect(UPSTREAMS_CALLS()).toBe(before);
    // A use case without budgets or rates needs no counters and is still served.
    expect((await chat(proxy, 'sk-resilient-0', { model: 'fb-first', messages: user('No counters needed for this one.'), max_tokens: 20 })).status).toBe(200);
  });
});

it('writes the proxy\'s folder with no bytecode and no secret', () => {
  const config = readFileSync(join(out, 'litellm', 'config.yaml'), 'utf8');
  for (const v of Object.values(env)) if (!v.startsWith('redis://') && !v.startsWith('http')) expect(config).not.toContain(v);
  expect(config).not.toContain('sk-assist');
  // PYTHONDONTWRITEBYTECODE: the generated folder stays exactly what govc wrote (manifest.json's hashes hold).
  expect(readdirSync(join(out, 'litellm')).sort()).toEqual(
    ['config.yaml', 'govc_auth.py', 'govc_contract.py', 'govc_counters.py', 'govc_engine.py', 'govc_guardrail.py', 'govc_policy.py', 'govc_redis_scripts.py'],
  );
});
