/**
 * Portkey enforcing through `govc serve`: the real `@portkey-ai/gateway` 1.15.2 on 127.0.0.1, configured with
 * docs/serve/portkey-config.json (its webhook guardrail before the request admits, after the response settles),
 * in front of fake upstreams that record every body. First the webhook contract serve relies on, shown with a
 * recording webhook in serve's place (what Portkey sends, what it does with the answer, that it fails closed); then
 * a real `govc serve` process deciding: budgets, degrade, rates, tools, residency, settlement from the response's
 * usage, and serve down. Every process is on 127.0.0.1, bounded in time and stopped by its pid.
 * Facts read from the gateway's bundle and checked here: docs/serve.md (the Portkey webhook) and docs/portkey.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKey } from '../src/runtime/counterKeys.js';
import { readLlmRequest } from '../src/serve/llmRequest.js';
import { startUpstreams, type FakeUpstream, type UpstreamKind } from './gateways/fakeUpstreams.js';
import { startPortkeyGateway, type PortkeyGateway } from './gateways/portkey/portkeyGateway.js';
import { startServe, type GovcServe } from './gateways/govcServe.js';
import { freePort } from './helpers/net.js';
import { govc } from './helpers/diagnostics.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { REPO_ROOT } from './helpers/repo.js';

const CONFIG_FILE = join(REPO_ROOT, 'docs', 'serve', 'portkey-config.json');
const PROGRAM = join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org');
const TODAY = new Date().toISOString().slice(0, 10);
const RUN = Date.now().toString(36);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GPT_MAIN = 'gpt-4.1-2025-04-14';
const GPT_MINI = 'gpt-4.1-mini-2025-04-14';
const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * docs/serve/portkey-config.json with its `${NAME}` placeholders set, string by string on the parsed JSON (a value
 * never changes the config's structure). A placeholder without a value is an error: the test must set them all.
 */
function portkeyConfig(vars: Readonly<Record<string, string>>): unknown {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string')
      return v.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
        const value = vars[name];
        if (value === undefined) throw new Error(`no value for \${${name}} in ${CONFIG_FILE}`);
        return value;
      });
    if (Array.isArray(v)) return v.map(fill);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(JSON.parse(readFileSync(CONFIG_FILE, 'utf8')));
}

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

/** One chat completion through the gateway with a config (and the client's own headers, which serve never sees). */
async function ask(gateway: PortkeyGateway, config: unknown, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-portkey-config': JSON.stringify(config), ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await r.text();
  try {
    return { status: r.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: r.status, json: { text } };
  }
}

interface HookCheck {
  readonly verdict?: boolean;
  readonly error?: { name: string; message: string };
  readonly data?: { responseData?: Record<string, unknown> } | null;
}
interface HookResult {
  readonly id: string;
  readonly verdict: boolean;
  readonly deny: boolean;
  readonly checks: HookCheck[];
}

/** The hook results Portkey adds to its answer, before or after the request. */
function hooks(a: Answer, when: 'before' | 'after'): HookResult[] {
  const r = a.json.hook_results as { before_request_hooks?: HookResult[]; after_request_hooks?: HookResult[] } | undefined;
  return (when === 'before' ? r?.before_request_hooks : r?.after_request_hooks) ?? [];
}

/** What the webhook answered as `data` (serve's decision), as Portkey shows it to the client. */
function served(a: Answer, when: 'before' | 'after' = 'before'): Record<string, unknown> {
  return hooks(a, when)[0]?.checks[0]?.data?.responseData ?? {};
}

const reasonCodes = (data: Record<string, unknown>): string[] =>
  ((data.reasons as unknown[] | undefined) ?? []).map((r) => (typeof r === 'string' ? r : String((r as { code?: unknown }).code)));

const user = (content: string) => [{ role: 'user', content }];
const HOOKS_FAILED = { message: 'The guardrail checks defined in the config failed. You can find more information in the `hook_results` object.', type: 'hooks_failed', param: null, code: null };

interface HookEvent {
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    eventType: string;
    request: { json: Record<string, unknown>; text: string; isStreamingRequest: boolean; isTransformed: boolean; headers?: unknown };
    response: { json: Record<string, unknown> | null; text: string; statusCode: number | null; isTransformed: boolean };
    provider: string;
    requestType: string;
    metadata: Record<string, unknown>;
  };
}
interface HookReply {
  readonly status?: number;
  readonly type?: string;
  readonly text: string;
  readonly delayMs?: number;
}

/** A webhook on 127.0.0.1 in serve's place: records what Portkey posts and answers as `reply` says. */
async function startRecordingWebhook(): Promise<{ url: string; events: HookEvent[]; reply: (r: (e: HookEvent) => HookReply) => void; close(): Promise<void> }> {
  const events: HookEvent[] = [];
  let answer: (e: HookEvent) => HookReply = () => ({ text: JSON.stringify({ verdict: true, data: { recorded: true } }) });
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const event: HookEvent = { headers: req.headers, body: JSON.parse(text) as HookEvent['body'] };
      events.push(event);
      const r = answer(event);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(r.status ?? 200, { 'content-type': r.type ?? 'application/json' });
        res.end(r.text);
      };
      if (r.delayMs === undefined) send();
      else setTimeout(send, r.delayMs);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    reply: (r) => void (answer = r),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}


let gateway: PortkeyGateway;
let ups: Record<UpstreamKind, FakeUpstream>;

const upstreamVars = (): Record<string, string> => ({
  OPENAI_API_BASE: ups.openai.base,
  OPENAI_API_KEY: 'key-openai',
  VLLM_API_BASE: ups.vllm.base,
  VLLM_API_KEY: 'key-vllm',
});
const since = (u: FakeUpstream, n: number) => u.completions().slice(n);
const count = (u: FakeUpstream): number => u.completions().length;

beforeAll(async () => {
  ups = await startUpstreams();
  gateway = await startPortkeyGateway();
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  if (ups) await Promise.all(Object.values(ups).map((u) => u.close()));
});

describe('the webhook contract govc serve relies on (a recording webhook in serve\'s place)', () => {
  let hook: Awaited<ReturnType<typeof startRecordingWebhook>>;
  let config: unknown;
  beforeAll(async () => {
    hook = await startRecordingWebhook();
    config = portkeyConfig({ ...upstreamVars(), GOVC_SERVE_URL: hook.url, GOVC_API_KEY: 'sk-the-configs-key' });
  });
  afterAll(async () => {
    await hook?.close();
  });
  const fresh = (reply?: (e: HookEvent) => HookReply): void => {
    hook.events.length = 0;
    hook.reply(reply ?? (() => ({ text: JSON.stringify({ verdict: true, data: { recorded: true } }) })));
  };

  it('posts the request as routed (the deployment, the provider) before, the response with its usage after, with the config\'s key and never the client\'s', async () => {
    fresh();
    const before = count(ups.openai);
    const a = await ask(gateway, config, { model: 'gpt-main', messages: user('What are your opening hours today?'), max_tokens: 20 }, {
      authorization: 'Bearer the-clients-own-secret',
      'x-portkey-metadata': JSON.stringify({ govc: { trace_id: 'trace-1' } }),
      'x-portkey-trace-id': 'portkey-trace-1',
    });
    expect(a.status, JSON.stringify(a.json)).toBe(200);
    expect(since(ups.openai, before).map((c) => c.model)).toEqual([GPT_MAIN]);
    expect(hook.events.map((e) => e.body.eventType)).toEqual(['beforeRequestHook', 'afterRequestHook']);
    const [pre, post] = hook.events as [HookEvent, HookEvent];
    for (const e of [pre, post]) {
      expect(e.headers.authorization).toBe('Bearer sk-the-configs-key');
      expect(e.headers['content-type']).toBe('application/json');
      expect(JSON.stringify(e)).not.toContain('the-clients-own-secret');
      expect(JSON.stringify(e)).not.toContain('portkey-trace-1');
      expect(e.body.request.headers).toBeUndefined();
      expect(e.body).toMatchObject({ provider: 'openai', requestType: 'chatComplete', metadata: { govc: { trace_id: 'trace-1' } } });
    }
    // The request as the target is sent it: the client named `gpt-main`, the route's override names the deployment.
    expect(pre.body.request.json).toEqual({ model: GPT_MAIN, messages: user('What are your opening hours today?'), max_tokens: 20 });
    expect(pre.body.response).toEqual({ json: {}, text: '', statusCode: null, isTransformed: false });
    // Nothing names the span: the after call is matched to its before call by the same request, provider and metadata.
    expect(post.body.request).toEqual(pre.body.request);
    expect(post.body.response.statusCode).toBe(200);
    expect(post.body.response.json?.usage).toEqual({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 });
    expect(served(a)).toEqual({ recorded: true });
  });

  it('refuses with 446 and the webhook\'s data when the verdict is false, and calls no upstream', async () => {
    fresh(() => ({ text: JSON.stringify({ verdict: false, data: { reasons: ['budget_exhausted'] } }) }));
    const before = count(ups.openai);
    const a = await ask(gateway, config, { model: 'gpt-main', messages: user('Spend what is left, please.'), max_tokens: 20 });
    expect(a.status).toBe(446);
    expect(a.json.error).toEqual(HOOKS_FAILED);
    expect(hooks(a, 'before').map((h) => [h.id, h.verdict, h.deny])).toEqual([['govc-admit', false, true]]);
    expect(served(a)).toEqual({ reasons: ['budget_exhausted'] });
    expect(count(ups.openai)).toBe(before);
    expect(hook.events.map((e) => e.body.eventType)).toEqual(['beforeRequestHook']);
  });

  it('withholds an answer the after call refuses (446), though the upstream was called', async () => {
    fresh((e) => ({ text: JSON.stringify({ verdict: e.body.eventType === 'beforeRequestHook', data: { at: e.body.eventType } }) }));
    const before = count(ups.openai);
    const a = await ask(gateway, config, { model: 'gpt-main', messages: user('Say something the output check dislikes.'), max_tokens: 20 });
    expect(a.status).toBe(446);
    expect(a.json.error).toEqual(HOOKS_FAILED);
    expect(a.json.choices).toBeUndefined();
    expect(served(a, 'after')).toEqual({ at: 'afterRequestHook' });
    expect(count(ups.openai)).toBe(before + 1);
  });

  it('sends the request the webhook rewrote (`transformedData`), and shows the after call that rewritten request', async () => {
    fresh((e) =>
      e.body.eventType === 'beforeRequestHook'
        ? { text: JSON.stringify({ verdict: true, data: { degraded: true }, transformedData: { request: { json: { ...e.body.request.json, model: GPT_MINI } } } }) }
        : { text: JSON.stringify({ verdict: true }) },
    );
    const before = count(ups.openai);
    const a = await ask(gateway, config, { model: 'gpt-main', messages: user('Degrade this one to the small model.'), max_tokens: 20 });
    expect(a.status, JSON.stringify(a.json)).toBe(200);
    expect(since(ups.openai, before).map((c) => c.model)).toEqual([GPT_MINI]);
    const post = hook.events[1]!;
    expect(post.body.request.json.model).toBe(GPT_MINI);
    expect(post.body.request.isTransformed).toBe(true);
  });

  it('fails closed (446, no upstream) when the webhook is down, slower than its timeout, failing or not answering JSON', async () => {
    const down = portkeyConfig({ ...upstreamVars(), GOVC_SERVE_URL: `http://127.0.0.1:${await freePort()}`, GOVC_API_KEY: 'sk-the-configs-key' });
    const cases: Array<[string, unknown, ((e: HookEvent) => HookReply) | undefined]> = [
      ['down', down, undefined],
      ['slow', config, () => ({ text: JSON.stringify({ verdict: true }), delayMs: 2_500 })],
      ['500', config, () => ({ status: 500, text: JSON.stringify({ verdict: true }) })],
      ['not JSON', config, () => ({ type: 'text/plain', text: 'verdict: true' })],
    ];
    for (const [name, c, reply] of cases) {
      fresh(reply);
      const before = count(ups.openai);
      const a = await ask(gateway, c, { model: 'gpt-main', messages: user(`The webhook is ${name} now.`), max_tokens: 20 });
      expect([name, a.status]).toEqual([name, 446]);
      expect([name, hooks(a, 'before')[0]?.checks[0]?.error?.name]).toEqual([name, { down: 'TypeError', slow: 'TimeoutError', '500': 'HttpError', 'not JSON': 'SyntaxError' }[name]]);
      expect([name, count(ups.openai)]).toEqual([name, before]);
    }
  }, 30_000);

  it('would fail open without `failOnError` (why the config sets it)', async () => {
    const open = JSON.parse(JSON.stringify(portkeyConfig({ ...upstreamVars(), GOVC_SERVE_URL: `http://127.0.0.1:${await freePort()}`, GOVC_API_KEY: 'k' }))) as {
      input_guardrails: Array<{ webhook: Record<string, unknown> }>;
      output_guardrails: Array<{ webhook: Record<string, unknown> }>;
    };
    for (const g of [...open.input_guardrails, ...open.output_guardrails]) delete g.webhook.failOnError;
    const before = count(ups.openai);
    const a = await ask(gateway, open, { model: 'gpt-main', messages: user('Nobody is checking this one.'), max_tokens: 20 });
    expect(a.status).toBe(200);
    expect(count(ups.openai)).toBe(before + 1);
  });
});

// API key → caller (govc_auth.py's format); tenants carry the run id so that counters never meet an earlier run's.
const KEYS: Record<string, Record<string, unknown>> = {
  'sk-assist-eu-000': { tenant: `eu-${RUN}`, use_case: 'assistant', region: 'eu', principal: 'svc:web' },
  'sk-assist-us-000': { tenant: `us-${RUN}`, use_case: 'assistant', region: 'us' },
  'sk-drafts-0000': { tenant: `drafts-${RUN}`, use_case: 'drafts', region: 'eu' },
  'sk-summaries-00': { tenant: `sum-${RUN}`, use_case: 'summaries', region: 'eu' },
  'sk-shared-0000': { tenant: `shared-${RUN}`, use_case: 'shared', region: 'eu' },
  'sk-shared-many': { tenant: `many-${RUN}`, use_case: 'shared', region: 'eu' },
  'sk-shared-fail': { tenant: `fail-${RUN}`, use_case: 'shared', region: 'eu' },
};

describe('Portkey enforcing through govc serve', () => {
  let out: string;
  let redis: RedisServer;
  let redisClient: Redis;
  let serve: GovcServe;
  const configFor = (key: string, serveUrl = serve.url): unknown => portkeyConfig({ ...upstreamVars(), GOVC_SERVE_URL: serveUrl, GOVC_API_KEY: key });
  const through = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> => ask(gateway, configFor(key), body, headers);

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'govc-serve-portkey-'));
    const built = govc(['build', PROGRAM, '--out', join(out, 'program'), '--as-of', TODAY]);
    if (built.status !== 0) throw new Error(`govc build failed: ${built.stderr}`);
    writeFileSync(join(out, 'keys.json'), JSON.stringify(KEYS));
    redis = await startRedis();
    redisClient = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await redisClient.connect();
    serve = await startServe(join(out, 'program'), { args: ['--keys', join(out, 'keys.json'), '--redis', `redis://127.0.0.1:${redis.port}/0`, '--poll', '0'] });
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    redisClient?.disconnect();
    await redis?.stop();
  });

  it('admits an allowed request: the upstream gets the routed deployment, the client the answer and serve\'s decision id', async () => {
    const before = count(ups.openai);
    const a = await through('sk-assist-eu-000', { model: 'gpt-main', messages: user('What are your opening hours today?'), max_tokens: 20 });
    expect(a.status, `${JSON.stringify(a.json)}\n${serve.output()}`).toBe(200);
    expect(since(ups.openai, before).map((c) => c.model)).toEqual([GPT_MAIN]);
    expect(hooks(a, 'before').map((h) => h.verdict)).toEqual([true]);
    expect(hooks(a, 'after').map((h) => h.verdict)).toEqual([true]);
    expect(String(served(a).decision_id)).toMatch(UUID);
    expect(served(a).decision).toBe('allow');
    // The after call found its admission (by the request itself) and settled it at the response's usage.
    expect(served(a, 'after')).toMatchObject({ decision_id: served(a).decision_id, settled: true, cost_micros: 30_000 });
  });

  it('refuses an unknown key and a model the use case may not use, with serve\'s reasons, calling no upstream', async () => {
    const before = count(ups.openai);
    const unknown = await through('sk-not-a-key-at-all', { model: 'gpt-main', messages: user('hello there, anyone home?') });
    expect(unknown.status).toBe(446);
    expect(served(unknown).decision).toBe('deny');
    const model = await through('sk-assist-eu-000', { model: 'gpt-mini', messages: user('Please use the small model for this one.'), max_tokens: 20 });
    expect(model.status).toBe(446);
    expect(reasonCodes(served(model))).toEqual(['model_not_allowed']);
    expect(String(served(model).decision_id)).toMatch(UUID);
    expect(count(ups.openai)).toBe(before);
  });

  it('enforces residency: EU records leave only from the EU', async () => {
    const text = 'Customer record EUREC-123456 needs an address change.';
    const before = count(ups.openai);
    const us = await through('sk-assist-us-000', { model: 'gpt-main', messages: user(text), max_tokens: 20 });
    expect(us.status).toBe(446);
    expect(reasonCodes(served(us))).toContain('residency_violation');
    expect(count(ups.openai)).toBe(before);
    const eu = await through('sk-assist-eu-000', { model: 'gpt-main', messages: user(text), max_tokens: 20 });
    expect(eu.status, JSON.stringify(eu.json)).toBe(200);
  });

  it('checks tools against grants, scopes and human approval', async () => {
    const tool = (name: string) => ({ type: 'function', function: { name, description: name, parameters: { type: 'object', properties: {} } } });
    const askTools = (tools: unknown[], govcTools: Record<string, unknown> | undefined) =>
      through('sk-assist-eu-000', {
        model: 'gpt-main',
        messages: user('Where is my order number 12345, please?'),
        tools,
        max_tokens: 20,
        ...(govcTools && { metadata: { govc: { tools: govcTools } } }),
      });
    const before = count(ups.openai);
    const wrongScope = await askTools([tool('order_lookup')], { order_lookup: { scope: 'orders:write' } });
    expect(wrongScope.status).toBe(446);
    expect(reasonCodes(served(wrongScope))).toEqual(['tool_scope_not_allowed']);
    const ungranted = await askTools([tool('order_lookup'), tool('wire_money')], { order_lookup: { scope: 'orders:read' }, wire_money: { scope: 'x' } });
    expect(reasonCodes(served(ungranted))).toEqual(['tool_not_allowed']);
    const unapproved = await askTools([tool('refund')], { refund: { scope: 'payments:refund' } });
    expect(reasonCodes(served(unapproved))).toEqual(['human_approval_required']);
    expect(count(ups.openai)).toBe(before);
    const granted = await askTools([tool('order_lookup'), tool('refund')], { order_lookup: { scope: 'orders:read' }, refund: { scope: 'payments:refund', human_approved_by: 'agent@gatewayco.example' } });
    expect(granted.status, JSON.stringify(granted.json)).toBe(200);
    const [call] = since(ups.openai, before);
    expect(((call?.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map((t) => t.function.name)).toEqual(['order_lookup', 'refund']);
    // The grants may come as Portkey metadata (`x-portkey-metadata`) instead, which never reaches the upstream.
    const viaHeader = (approved: boolean) =>
      through('sk-assist-eu-000', { model: 'gpt-main', messages: user('Refund order 12345, it arrived broken.'), tools: [tool('refund')], max_tokens: 20 }, {
        'x-portkey-metadata': JSON.stringify({ govc: { tools: { refund: { scope: 'payments:refund', ...(approved && { human_approved_by: 'agent@gatewayco.example' }) } } } }),
      });
    expect(reasonCodes(served(await viaHeader(false)))).toEqual(['human_approval_required']);
    expect((await viaHeader(true)).status).toBe(200);
  });

  it('settles each call at the usage of its response, and refuses once the budget is spent', async () => {
    // Each call is estimated at 150 output tokens, and its response uses 10 + 20 tokens at 1000 USD per 1M:
    // 30,000 micro-USD of the 200,000 of the day. Charged at the estimate, the counter would grow by more.
    const key = budgetKey('govc:', 'shared', `shared-${RUN}`, 'tenant', 'day', Date.now());
    const answers: Answer[] = [];
    for (let i = 0; i < 10; i++) {
      const a = await through('sk-shared-0000', { model: 'gpt-main', messages: user(`Shared budget request number ${i} here.`), max_tokens: 150 });
      answers.push(a);
      if (a.status !== 200) break;
      const ok = answers.length;
      expect(Number((await redisClient.get(key)) ?? '0'), `after ${ok} served`).toBe(ok * 30_000);
    }
    const last = answers.at(-1)!;
    const ok = answers.filter((a) => a.status === 200).length;
    expect(ok).toBeGreaterThan(0);
    expect(last.status).toBe(446);
    expect(reasonCodes(served(last))).toEqual(['budget_exhausted']);
    expect(served(last).message).toBe('The shared budget is spent.');
    expect(ok * 30_000).toBeLessThanOrEqual(200_000);
    expect(Number(await redisClient.get(key))).toBe(ok * 30_000);
  }, 60_000);

  it('never overspends under concurrent identical requests: each after call settles one admission', async () => {
    const key = budgetKey('govc:', 'shared', `many-${RUN}`, 'tenant', 'day', Date.now());
    const before = count(ups.openai);
    const body = { model: 'gpt-main', messages: user('The same question, asked many times at once.'), max_tokens: 20 };
    const answers = await Promise.all(Array.from({ length: 12 }, () => through('sk-shared-many', body)));
    const ok = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 446);
    expect(ok + refused.length).toBe(12);
    expect(ok).toBeGreaterThan(0);
    expect(refused.every((a) => reasonCodes(served(a)).join() === 'budget_exhausted')).toBe(true);
    expect(since(ups.openai, before).length).toBe(ok);
    expect(answers.filter((a) => a.status === 200).every((a) => served(a, 'after').settled === true)).toBe(true);
    expect(ok * 30_000).toBeLessThanOrEqual(200_000);
    expect(Number(await redisClient.get(key))).toBe(ok * 30_000);
  }, 60_000);

  it('keeps an attempt whose upstream failed charged at its estimate: Portkey calls no after hook for it', async () => {
    const key = budgetKey('govc:', 'shared', `fail-${RUN}`, 'tenant', 'day', Date.now());
    const body = { model: 'gpt-main', messages: user('This call fails upstream, on purpose.'), max_tokens: 20 };
    ups.openai.failing.add(GPT_MAIN);
    let a: Answer;
    try {
      a = await through('sk-shared-fail', body);
    } finally {
      ups.openai.failing.delete(GPT_MAIN);
    }
    expect(a.status).toBe(500);
    expect(hooks(a, 'after')).toEqual([]);
    // gpt-main costs 1000 USD per 1M tokens: 1000 micro-USD a token, the request's estimate held until --settle-timeout.
    const { input, output } = readLlmRequest({ ...body, model: GPT_MAIN }).tokens;
    expect(Number(await redisClient.get(key))).toBe((input + output) * 1000);
  });

  it('degrades to the declared model when the budget runs out (serve rewrites the request), then refuses', async () => {
    const seen: string[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < 20; i++) {
      const before = count(ups.openai);
      last = await through('sk-drafts-0000', { model: 'gpt-main', messages: user(`Draft a short reply to ticket ${i} for me.`), max_tokens: 20 });
      if (last.status !== 200) break;
      seen.push(...since(ups.openai, before).map((c) => c.model ?? ''));
    }
    const firstMini = seen.indexOf(GPT_MINI);
    expect(firstMini, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen.slice(0, firstMini).every((m) => m === GPT_MAIN)).toBe(true);
    expect(seen.slice(firstMini).every((m) => m === GPT_MINI)).toBe(true);
    expect(last!.status).toBe(446);
    expect(reasonCodes(served(last!))).toEqual(['budget_exhausted']);
    expect(served(last!).message).toBe('Drafts are paused until tomorrow.');
  }, 60_000);

  it('refuses beyond the rate limit', async () => {
    // Counted per minute: start early in a minute, so the requests fall in one.
    if (Date.now() % 60_000 > 50_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
    const before = count(ups.vllm);
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await through('sk-summaries-00', { model: 'llama', messages: user(`Summarise thread number ${i} in one line.`), max_tokens: 20 }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 446]);
    expect(reasonCodes(served(answers[3]!))).toEqual(['rate_limited']);
    expect(served(answers[3]!).message).toBe('Summaries are rate limited; retry in a minute.');
    expect(since(ups.vllm, before).map((c) => c.model)).toEqual([LLAMA, LLAMA, LLAMA]);
  }, 75_000);

  it('counts Portkey\'s calls in serve\'s metrics', async () => {
    const text = await (await fetch(`${serve.url}/metrics`)).text();
    expect(text).toMatch(/govc_decisions_total\{[^}]*endpoint="portkey"[^}]*\} [1-9]/);
  });

  it('fails closed when serve is down: 446, and no upstream is called', async () => {
    const config = configFor('sk-assist-eu-000');
    await serve.stop();
    const before = count(ups.openai);
    const a = await ask(gateway, config, { model: 'gpt-main', messages: user('Is anyone deciding today?'), max_tokens: 20 });
    expect(a.status).toBe(446);
    expect(hooks(a, 'before')[0]?.checks[0]?.error?.name).toBe('TypeError');
    expect(count(ups.openai)).toBe(before);
  });
});
