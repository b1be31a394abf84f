import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import { parseRequestJson } from '../src/eval/parseRequestJson.js';
import type { IrProgram } from '../src/ir/types.js';
import { compileFiles } from '../src/project/compile.js';
import { govFilesIn } from '../src/project/loadProgram.js';
import { budgetKey, rateKey } from '../src/runtime/counterKeys.js';
import { MemoryDecisionLog, type DecisionLogEntry } from '../src/runtime/decisionLog.js';
import { MemoryStore } from '../src/runtime/store.js';
import { ApiKeys } from '../src/serve/apiKeys.js';
import { createServer, type GovcServer, type ServeOptions } from '../src/serve/createServer.js';
import { servedProgram, staticProgramSource } from '../src/serve/staticProgram.js';
import { loadCorpora } from './helpers/corpus.js';
import { exampleIr, REPO_ROOT } from './helpers/repo.js';
import { canonical, requestArbitrary } from './helpers/requests.js';

/**
 * `govc serve`'s server (src/serve/createServer.ts) through fastify's inject: the OPA-compatible endpoints decide
 * as the reference evaluator on every corpus and on random requests; the metered endpoints meter through the
 * runtime's guard (budgets degrade then refuse, rates, settle at usage, failed calls give the reservation back,
 * timeouts charge the estimate); the Envoy adapter maps keys, tools, degrade, redaction and its own headers; hostile
 * requests are refused with a reason; traces, logs and metrics are as docs/serve.md says.
 */

const GATEWAY_ORG = join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org');

function gatewayIr(): IrProgram {
  const r = compileFiles(govFilesIn(GATEWAY_ORG), { asOf: '2026-11-26', cwd: REPO_ROOT });
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.ir;
}

function programOf(ir: IrProgram) {
  const p = servedProgram(ir, 'test');
  if (!p.ok) throw new Error(p.error);
  return p.program;
}

const KEYS = {
  'key-assistant-0001': { tenant: 't1', use_case: 'assistant', region: 'eu' },
  'key-drafts-000001': { tenant: 't1', use_case: 'drafts', region: 'eu' },
  'key-summaries-001': { tenant: 't1', use_case: 'summaries', region: 'eu' },
  'key-shared-000001': { tenant: 't9', use_case: 'shared', region: 'eu' },
};

interface Harness {
  server: GovcServer;
  store: MemoryStore;
  log: MemoryDecisionLog;
  ir: IrProgram;
}

function harness(ir: IrProgram, extra: Partial<ServeOptions> = {}): Harness {
  const store = new MemoryStore();
  const log = new MemoryDecisionLog();
  const keys = ApiKeys.fromText(JSON.stringify(KEYS));
  if (!keys.ok) throw new Error(keys.error);
  const server = createServer({ source: staticProgramSource(programOf(ir)), store, log, keys: keys.keys, replica: 'r1', ...extra });
  return { server, store, log, ir };
}

const post = (h: Harness, url: string, body: unknown, headers: Record<string, string> = {}) =>
  h.server.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

const today = (): number => Date.now();

describe('govc serve: OPA-compatible endpoints decide as the reference evaluator', () => {
  for (const corpus of loadCorpora()) {
    it(`${corpus.example}: every corpus case, and random requests, on decision, allow and reasons`, async () => {
      const ir = exampleIr(corpus.example);
      const h = harness(ir);
      const check = async (input: unknown): Promise<void> => {
        const text = JSON.stringify(input === undefined ? {} : { input });
        const parsed = parseRequestJson(text);
        const sent = parsed.ok ? (parsed.value as { input?: unknown }).input : undefined;
        const expected = evaluate(ir, sent);
        const r = await post(h, '/v1/data/govc/decision', text);
        expect(r.statusCode).toBe(200);
        const body = r.json() as { result: unknown; decision_id: string };
        expect(canonical(body.result)).toBe(canonical(expected));
        expect(body.decision_id).toMatch(/^[0-9a-f-]{36}$/);
      };
      for (const c of corpus.cases) await check(c.input);
      await fc.assert(fc.asyncProperty(requestArbitrary(ir), check), { numRuns: 150 });
      const c0 = corpus.cases[0]!;
      const allow = (await post(h, '/v1/data/govc/allow', { input: c0.input })).json() as { result: unknown };
      const reasons = (await post(h, '/v1/data/govc/reasons', { input: c0.input })).json() as { result: unknown };
      expect(allow.result).toBe(evaluate(ir, c0.input).allow);
      expect(canonical(reasons.result)).toBe(canonical(evaluate(ir, c0.input).reasons));
      await h.server.close();
    }, 120_000);
  }

  it('answers a body without input, malformed JSON and a non-object body as OPA does', async () => {
    const ir = exampleIr('acme-support');
    const h = harness(ir);
    const missing = await post(h, '/v1/data/govc/decision', {});
    expect(missing.statusCode).toBe(200);
    expect(missing.json()).toMatchObject({ result: evaluate(ir, undefined), warning: { code: 'api_usage_warning', message: "'input' key missing from the request" } });
    const empty = await h.server.app.inject({ method: 'POST', url: '/v1/data/govc/decision' });
    expect(empty.json()).toMatchObject({ result: { decision: 'deny' }, warning: { code: 'api_usage_warning' } });
    for (const bad of ['{"input":', '[1]', '"x"', '{"input": 1', '{"input": [}']) {
      const r = await post(h, '/v1/data/govc/decision', bad);
      expect([bad, r.statusCode]).toEqual([bad, 400]);
      expect(r.json()).toMatchObject({ code: 'invalid_parameter', message: expect.stringMatching(/^body contains malformed input document: /) });
    }
    // As Go's decoder in OPA, the first JSON value is the body; what follows it is not read.
    const trailing = await post(h, '/v1/data/govc/decision', '{"input": {"use_case": "x"}} trailing');
    expect(trailing.json()).toMatchObject({ result: evaluate(ir, { use_case: 'x' }) });
    await h.server.close();
  });
});

describe('govc serve: metered decisions through the runtime guard', () => {
  let ir: IrProgram;
  beforeAll(() => {
    ir = gatewayIr();
  });

  const decide = async (h: Harness, req: Record<string, unknown>) => {
    const r = await post(h, '/v1/decide', req);
    expect(r.statusCode).toBe(200);
    return r.json() as { decision: { decision: string; model: string | null; reasons: Array<{ code: string }>; message: string | null }; decision_id: string; settle: string | null };
  };
  const settle = (h: Harness, body: unknown) => post(h, '/v1/settle', body);
  const drafts = { use_case: 'drafts', tenant: 't1', region: 'eu', model: 'gpt-main', tokens: { input: 10, output: 20 } };
  const draftsKey = (): string => budgetKey('govc:', 'drafts', 't1', 'tenant', 'day', today());

  it('allows within the budget, degrades beyond it up to the cap, then refuses with the policy message', async () => {
    const h = harness(ir);
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) {
      const d = await decide(h, drafts);
      seen.push(`${d.decision.decision}:${d.decision.model ?? '-'}`);
      if (d.settle !== null) expect((await settle(h, { decision_id: d.decision_id, usage: { input_tokens: 10, output_tokens: 20 } })).statusCode).toBe(200);
    }
    // gpt-main costs 1000 µUSD a token: 30,000 a call against 100,000 a day; gpt-mini half, up to 150,000.
    expect(seen).toEqual(['allow:gpt-main', 'allow:gpt-main', 'allow:gpt-main', 'degrade:gpt-mini', 'degrade:gpt-mini', 'degrade:gpt-mini', 'degrade:gpt-mini', 'deny:-', 'deny:-']);
    expect(h.store.peek(draftsKey())).toBe(3 * 30_000 + 4 * 15_000);
    const last = await decide(h, drafts);
    expect(last.decision.message).toBe('Drafts are paused until tomorrow.');
    expect(last.settle).toBeNull();
    await h.server.close();
  });

  it('settles at the actual usage, gives back a failed call, and charges the estimate after the settle timeout', async () => {
    const h = harness(ir, { settleTimeoutSeconds: 0.3 });
    const a = await decide(h, drafts);
    expect(h.store.peek(draftsKey())).toBe(30_000);
    const s = await settle(h, { decision_id: a.decision_id, usage: { input_tokens: 1, output_tokens: 2 } });
    expect(s.json()).toEqual({ decision_id: a.decision_id, settled: 'usage', cost_micros: 3000 });
    expect(h.store.peek(draftsKey())).toBe(3000);
    const again = await settle(h, { decision_id: a.decision_id, usage: { input_tokens: 1, output_tokens: 2 } });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: { type: 'govc_not_pending' } });

    const b = await decide(h, drafts);
    expect(h.store.peek(draftsKey())).toBe(33_000);
    expect((await settle(h, { decision_id: b.decision_id, outcome: 'failed' })).json()).toMatchObject({ settled: 'failed', cost_micros: 0 });
    expect(h.store.peek(draftsKey())).toBe(3000);

    await decide(h, drafts);
    expect(h.store.peek(draftsKey())).toBe(33_000);
    await new Promise((r) => setTimeout(r, 600));
    // Timed out: the estimate stays charged, and the call can no longer be settled.
    expect(h.store.peek(draftsKey())).toBe(33_000);
    expect(h.log.entries.at(-1)).toMatchObject({ use_case: 'drafts', cost_micros: 30_000, estimated_cost_micros: 30_000 });
    expect((await settle(h, { decision_id: 'nope', outcome: 'failed' })).statusCode).toBe(404);
    for (const bad of [{}, { decision_id: 'x' }, { decision_id: 'x', usage: { input_tokens: -1, output_tokens: 1 } }, { decision_id: 'x', usage: { input_tokens: 1.5, output_tokens: 1 } }]) {
      expect((await settle(h, bad)).statusCode).toBe(400);
    }
    await h.server.close();
  });

  it('limits requests per minute, and a failed call still counts against them', async () => {
    const h = harness(ir);
    const req = { use_case: 'summaries', tenant: 't1', region: 'eu', model: 'llama', tokens: { input: 1, output: 1 } };
    const out: string[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await decide(h, req);
      out.push(d.decision.decision === 'deny' ? d.decision.reasons.map((r) => r.code).join(',') : d.decision.decision);
      if (d.settle !== null) await settle(h, { decision_id: d.decision_id, outcome: 'failed' });
    }
    expect(out).toEqual(['allow', 'allow', 'allow', 'rate_limited']);
    expect(h.store.peek(rateKey('govc:', 'summaries', 't1', 'tenant', 'requests', today()))).toBe(3);
    await h.server.close();
  });

  it('refuses counters in the request, and decides a non-object body as malformed', async () => {
    const h = harness(ir);
    const r = await post(h, '/v1/decide', { ...drafts, spend: { tenant: { day: 0 } } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: { type: 'govc_bad_request', message: expect.stringContaining('`spend` is counted by govc serve') } });
    for (const body of ['[1,2]', '"text"', '42', 'null']) {
      const d = await post(h, '/v1/decide', body);
      expect(d.statusCode).toBe(200);
      expect(d.json()).toMatchObject({ decision: { decision: 'deny', reasons: [{ code: 'malformed_request' }] }, settle: null });
    }
    expect((await post(h, '/v1/decide', '{"use_case":')).statusCode).toBe(400);
    expect(h.store.size()).toBe(0);
    await h.server.close();
  });

  it('on shutdown settles pending calls at their estimate and logs them', async () => {
    const h = harness(ir);
    await decide(h, drafts);
    await decide(h, drafts);
    expect(h.server.metrics.pending.get).toBeDefined();
    expect(h.log.entries.length).toBe(0);
    await h.server.close();
    expect(h.log.entries.map((e) => e.cost_micros)).toEqual([30_000, 30_000]);
    expect(h.store.peek(draftsKey())).toBe(60_000);
  });
});

describe('govc serve: Envoy ext_authz adapter', () => {
  let ir: IrProgram;
  beforeAll(() => {
    ir = gatewayIr();
  });
  const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-main', messages: [{ role: 'user', content }], max_tokens: 20, ...extra });
  const check = (h: Harness, body: unknown, headers: Record<string, string>) => post(h, '/envoy/check/v1/chat/completions', body, headers);

  it('takes the identity from the API key, answers with its own x-govc-* headers, and refuses unknown keys', async () => {
    const h = harness(ir);
    const spoof = { 'x-govc-decision-id': 'spoofed', 'x-govc-model': 'evil', 'x-govc-tenant': 'someone-else', 'x-govc-use-case': 'providers' };
    const r = await check(h, chat('hello'), { authorization: 'Bearer key-assistant-0001', ...spoof });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-govc-decision-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers).toMatchObject({ 'x-govc-decision': 'allow', 'x-govc-model': 'gpt-main', 'x-govc-provider': 'openai', 'x-govc-use-case': 'assistant', 'x-govc-tenant': 't1', 'x-govc-policy-revision': ir.revision, 'x-govc-replica': 'r1' });
    expect(JSON.parse(String(r.headers['x-govc-obligations']))).toMatchObject({ disclosure: "You are talking to GatewayCo's assistant." });
    for (const [v, k] of Object.entries(r.headers)) if (k !== undefined) expect(String(k)).toMatch(/^[\x20-\x7e]*$/), expect(v).toBe(v.toLowerCase());
    for (const headers of [{}, { authorization: 'Bearer not-a-known-key' }, { 'x-api-key': 'nope-nope-nope' }, { authorization: 'Basic abc' }]) {
      const d = await check(h, chat('hello'), headers);
      expect(d.statusCode).toBe(401);
      expect(d.json()).toMatchObject({ error: { type: 'govc_denied', reasons: [{ code: 'malformed_request' }], decision_id: d.headers['x-govc-decision-id'] } });
    }
    expect((await check(h, chat('hello'), { 'x-api-key': 'key-assistant-0001' })).statusCode).toBe(200);
    expect((await check(h, chat('hello'), { 'api-key': 'key-assistant-0001' })).statusCode).toBe(200);
    await h.server.close();
  });

  it('decides every tool the request offers, with scopes from metadata.govc.tools', async () => {
    const h = harness(ir);
    const tools = (...names: string[]) => names.map((name) => ({ type: 'function', function: { name, parameters: { type: 'object' } } }));
    const meta = { metadata: { govc: { tools: { order_lookup: { scope: 'orders:read' }, refund: { scope: 'payments:refund' } } } } };
    const ok = await check(h, chat('where is my order', { tools: tools('order_lookup'), ...meta }), { authorization: 'Bearer key-assistant-0001' });
    expect(ok.statusCode).toBe(200);
    // A tool call without its scope is malformed, as every target decides it: 400.
    const noScope = await check(h, chat('where is my order', { tools: tools('order_lookup') }), { authorization: 'Bearer key-assistant-0001' });
    expect(noScope.statusCode).toBe(400);
    expect(noScope.json()).toMatchObject({ error: { reasons: [{ code: 'malformed_request', message: '`tool.scope` must be a non-empty string' }] } });
    // The second tool needs a human approval the request does not carry: the whole request is refused.
    const second = await check(h, chat('refund me', { tools: tools('order_lookup', 'refund'), ...meta }), { authorization: 'Bearer key-assistant-0001' });
    expect(second.statusCode).toBe(403);
    const codes = (second.json() as { error: { reasons: Array<{ code: string }> } }).error.reasons.map((r) => r.code);
    const expected = evaluate(ir, { use_case: 'assistant', tenant: 't1', region: 'eu', time: new Date().toISOString(), model: 'gpt-main', spend: { tenant: { day: 0 } }, rate: { tenant: { requests: 0 } }, tool: { name: 'refund', scope: 'payments:refund' } });
    expect(codes).toEqual(expected.reasons.map((r) => r.code));
    const unknown = await check(h, chat('x', { tools: tools('rm_rf'), metadata: { govc: { tools: { rm_rf: { scope: 'fs:write' } } } } }), { authorization: 'Bearer key-assistant-0001' });
    expect(unknown.statusCode).toBe(403);
    const ref = evaluate(ir, { use_case: 'assistant', tenant: 't1', region: 'eu', time: new Date().toISOString(), model: 'gpt-main', spend: { tenant: { day: 0 } }, rate: { tenant: { requests: 0 } }, tool: { name: 'rm_rf', scope: 'fs:write' } });
    expect((unknown.json() as { error: { reasons: Array<{ code: string }> } }).error.reasons.map((r) => r.code)).toEqual(ref.reasons.map((r) => r.code));
    await h.server.close();
  });

  it('sends the degrade model in x-govc-model, and 429 with the policy message when the budget is spent', async () => {
    const h = harness(ir);
    const statuses: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await check(h, { model: 'gpt-main', prompt: 'x'.repeat(40), max_tokens: 16 }, { authorization: 'Bearer key-drafts-000001' });
      statuses.push(`${r.statusCode}:${String(r.headers['x-govc-model'] ?? '-')}`);
      if (r.statusCode === 429) expect(r.json()).toMatchObject({ error: { message: 'Drafts are paused until tomorrow.', reasons: [{ code: 'budget_exhausted' }] } });
    }
    // Estimate: 40 chars = 10 input tokens + 16 output = 26,000 µUSD on gpt-main, settled at once at the estimate.
    expect(statuses).toEqual(['200:gpt-main', '200:gpt-main', '200:gpt-main', '200:gpt-mini', '200:gpt-mini', '200:gpt-mini', '200:gpt-mini', '200:gpt-mini', '429:-']);
    expect(h.store.peek(budgetKey('govc:', 'drafts', 't1', 'tenant', 'day', today()))).toBe(3 * 26_000 + 5 * 13_000);
    await h.server.close();
  });

  it('denies a request holding data to redact unless the upstream redacts, and never reserves for it', async () => {
    const body = chat('my email is jane.doe@example.com');
    const h = harness(ir);
    const r = await check(h, body, { authorization: 'Bearer key-assistant-0001' });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ error: { type: 'govc_denied', message: expect.stringContaining('ext_authz cannot rewrite the body') } });
    expect(h.store.peek(budgetKey('govc:', 'assistant', 't1', 'tenant', 'day', today())) ?? 0).toBe(0);
    await h.server.close();
    const trusting = harness(ir, { upstreamRedacts: true });
    const t = await check(trusting, body, { authorization: 'Bearer key-assistant-0001' });
    expect(t.statusCode).toBe(200);
    expect(t.headers['x-govc-redact']).toBe('pii');
    // The log entry, at the use case's `redacted` inputs level, holds no e-mail address.
    const entry = trusting.log.entries.at(-1)!;
    expect(JSON.stringify(entry)).not.toContain('jane.doe@example.com');
    expect(entry.masked).toContain('/input/input');
    await trusting.server.close();
  });

  it('defers settlement when asked (x-govc-settle: deferred) and settles through /v1/settle', async () => {
    const h = harness(ir);
    const r = await check(h, { model: 'gpt-main', prompt: 'x'.repeat(40), max_tokens: 16 }, { authorization: 'Bearer key-shared-000001', 'x-govc-settle': 'deferred' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-govc-settle']).toBe('/v1/settle');
    const key = budgetKey('govc:', 'shared', 't9', 'tenant', 'day', today());
    expect(h.store.peek(key)).toBe(26_000);
    await post(h, '/v1/settle', { decision_id: r.headers['x-govc-decision-id'], usage: { input_tokens: 10, output_tokens: 20 } });
    expect(h.store.peek(key)).toBe(30_000);
    await h.server.close();
  });
});

describe('govc serve: hostile and malformed requests are refused with a reason', () => {
  let h: Harness;
  beforeAll(() => {
    h = harness(gatewayIr(), { maxBodyBytes: 4096, maxHeaders: 20 });
  });
  afterAll(() => h.server.close());

  it('413 for a body over the limit, 431 for too many headers, in each endpoint\'s shape', async () => {
    const big = JSON.stringify({ input: { x: 'y'.repeat(10_000) } });
    const opa = await post(h, '/v1/data/govc/decision', big);
    expect(opa.statusCode).toBe(413);
    expect(opa.json()).toMatchObject({ code: 'invalid_parameter', message: expect.stringContaining('larger than 4096 bytes') });
    const envoy = await post(h, '/envoy/check/v1/chat', big, { authorization: 'Bearer key-assistant-0001' });
    expect(envoy.statusCode).toBe(413);
    expect(envoy.json()).toMatchObject({ error: { type: 'govc_denied', reasons: [{ code: 'malformed_request' }] } });
    const headers: Record<string, string> = {};
    for (let i = 0; i < 30; i++) headers[`x-h-${i}`] = 'v';
    const many = await post(h, '/v1/decide', {}, headers);
    expect(many.statusCode).toBe(431);
    expect(many.json()).toMatchObject({ error: { message: 'the request has more than 20 headers' } });
  });

  it('bad JSON, deep nesting and odd content types', async () => {
    const deep = '['.repeat(1000) + ']'.repeat(1000);
    const d = await post(h, '/v1/decide', `{"use_case":"drafts","tenant":"t1","region":"eu","input":${deep}}`);
    expect(d.statusCode).toBe(200);
    expect(d.json()).toMatchObject({ decision: { decision: 'deny', reasons: [{ code: 'malformed_request' }] } });
    const tooDeep = await post(h, '/v1/data/govc/decision', `{"input":${deep}}`);
    expect(tooDeep.statusCode).toBe(200);
    expect(tooDeep.json()).toMatchObject({ result: { decision: 'deny', reasons: [{ code: 'malformed_request' }] } });
    const env = await h.server.app.inject({ method: 'POST', url: '/envoy/check/v1/chat', payload: 'not json', headers: { 'content-type': 'text/plain', authorization: 'Bearer key-assistant-0001' } });
    expect(env.statusCode).toBe(400);
    expect(env.json()).toMatchObject({ error: { type: 'govc_denied', message: expect.stringContaining('not JSON') } });
    const get = await h.server.app.inject({ method: 'GET', url: '/envoy/check/v1/models', headers: { authorization: 'Bearer key-assistant-0001' } });
    expect([200, 403]).toContain(get.statusCode);
    expect((await h.server.app.inject({ method: 'GET', url: '/nothing' })).statusCode).toBe(404);
  });

  it('fuzz: random bodies, headers and paths always get an answer with a reason, never a 500', async () => {
    const paths = fc.constantFrom('/v1/data/govc/decision', '/v1/data/govc/allow', '/v1/decide', '/v1/settle', '/envoy/check/v1/chat/completions', '/envoy/check', '/portkey/webhook');
    const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
    const chatish = fc.record({ model: fc.oneof(fc.string(), fc.constantFrom('gpt-main', 'gpt-mini', 'llama')), messages: fc.array(fc.record({ role: fc.string(), content: fc.oneof(fc.string(), fc.jsonValue()) }), { maxLength: 3 }), tools: fc.array(fc.jsonValue(), { maxLength: 3 }), max_tokens: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v));
    const portkeyish = fc.record({ eventType: fc.constantFrom('beforeRequestHook', 'afterRequestHook', 'x'), request: fc.record({ json: fc.oneof(fc.jsonValue(), chatish.map((s) => JSON.parse(s) as unknown)) }), provider: fc.constantFrom('openai', 'x'), metadata: fc.jsonValue(), response: fc.record({ json: fc.jsonValue() }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v));
    const body = fc.oneof(json, chatish, portkeyish, fc.string(), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')));
    const header = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.stringMatching(/^[\x20-\x7e]{0,40}$/));
    const auth = fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer key-assistant-0001' }, { 'x-api-key': 'key-drafts-000001' }, { authorization: 'Bearer nope' }, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, { traceparent: 'garbage' });
    await fc.assert(
      fc.asyncProperty(paths, body, fc.array(header, { maxLength: 8 }), auth, async (url, payload, hs, a) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...Object.fromEntries(hs.filter(([k]) => k !== 'content-length' && k !== 'transfer-encoding' && k !== 'host')), ...a };
        const r = await h.server.app.inject({ method: 'POST', url, payload, headers });
        expect(r.statusCode).not.toBe(500);
        // Envoy's allow is its headers (the body is not forwarded).
        if (url.startsWith('/envoy/') && r.statusCode === 200) return void expect(r.headers['x-govc-decision']).toMatch(/^(allow|degrade)$/);
        const b = r.json() as Record<string, unknown>;
        const text = JSON.stringify(b);
        // An answer always says what was decided or why it was refused.
        expect(text).toMatch(/"(result|decision|verdict|message|settled)"/);
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});

describe('govc serve: traces, decision logs and metrics', () => {
  it('joins the caller\'s trace, echoes traceparent with its own span id, and logs OPA fields with span_id and trace_id', async () => {
    const h = harness(gatewayIr());
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const r = await post(h, '/v1/decide', { use_case: 'summaries', tenant: 't1', region: 'eu', model: 'llama', tokens: { input: 1, output: 1 } }, { traceparent: parent });
    const echoed = String(r.headers.traceparent);
    expect(echoed).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(echoed).not.toBe(parent);
    await post(h, '/v1/settle', { decision_id: (r.json() as { decision_id: string }).decision_id, usage: { input_tokens: 1, output_tokens: 1 } });
    const e = h.log.entries.at(-1)! as DecisionLogEntry & Record<string, unknown>;
    expect(e).toMatchObject({ decision_id: r.headers['x-govc-decision-id'], trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: echoed.split('-')[2], path: 'govc/decision', labels: { app: 'govc-serve', replica: 'r1' }, requested_by: '127.0.0.1', bundles: { govc: { revision: h.ir.revision } } });
    expect(typeof e.req_id).toBe('string');
    expect(typeof e.timestamp).toBe('string');

    // No (or an invalid) traceparent: a new trace, or the request's own trace_id.
    const fresh = await post(h, '/v1/data/govc/decision', { input: { use_case: 'assistant', trace_id: 'my-trace' } }, { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' });
    expect(String(fresh.headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const pure = h.log.entries.at(-1)! as DecisionLogEntry & Record<string, unknown>;
    expect(pure).toMatchObject({ decision_id: fresh.headers['x-govc-decision-id'], trace_id: 'my-trace', path: 'govc/decision', decision: 'deny', cost_micros: 0, store: 'none' });
    await h.server.close();
  });

  it('logs an OPA-endpoint decision by the use case\'s log rules', async () => {
    const h = harness(gatewayIr());
    await post(h, '/v1/data/govc/decision', { input: { use_case: 'assistant', tenant: 't1', region: 'eu', time: new Date().toISOString(), input: 'mail me at jane.doe@example.com', note: 'jane.doe@example.com' } });
    const e = h.log.entries.at(-1)!;
    expect(JSON.stringify(e.input)).not.toContain('jane.doe@example.com');
    expect(e.masked).toEqual(expect.arrayContaining(['/input/input']));
    await h.server.close();
  });

  it('/metrics parses as Prometheus text and counts decisions by endpoint, outcome and reason', async () => {
    const h = harness(gatewayIr());
    for (let i = 0; i < 3; i++) await post(h, '/v1/data/govc/decision', { input: {} });
    await post(h, '/envoy/check/v1/chat', { model: 'gpt-main', prompt: 'hi' }, { authorization: 'Bearer key-assistant-0001' });
    await post(h, '/v1/decide', { use_case: 'shared', tenant: 't9', region: 'eu', model: 'gpt-main', tokens: { input: 10, output: 10 } });
    const r = await h.server.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(String(r.headers['content-type'])).toContain('text/plain');
    const samples = new Map<string, number>();
    for (const line of r.body.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|\+Inf)$/.exec(line);
      expect(m, line).not.toBeNull();
      samples.set(m![1]!, Number(m![2]));
    }
    expect(samples.get('govc_decisions_total{endpoint="opa",decision="deny",reason="malformed_request"}')).toBe(3);
    expect(samples.get('govc_decisions_total{endpoint="envoy",decision="allow",reason="allowed"}')).toBe(1);
    expect(samples.get('govc_decisions_total{endpoint="decide",decision="allow",reason="allowed"}')).toBe(1);
    expect(samples.get('govc_decision_duration_seconds_count{endpoint="opa"}')).toBe(3);
    expect(samples.get(`govc_policy_info{revision="${h.ir.revision}"}`)).toBe(1);
    expect(samples.get('govc_pending_settlements')).toBe(1);
    expect(samples.get('govc_store_errors_total')).toBe(0);
    await h.server.close();
  });

  it('reports use-case budget utilisation from the store, and reloads; a swap is atomic per request', async () => {
    const acme = exampleIr('acme-support');
    const gateway = gatewayIr();
    let current = programOf(acme);
    const listeners: Array<Parameters<import('../src/serve/ServedProgram.js').ProgramSource['onChange']>[0]> = [];
    const source = { current: () => current, onChange: (l: (typeof listeners)[number]) => void listeners.push(l), close: () => Promise.resolve() };
    const store = new MemoryStore();
    const server = createServer({ source, store, replica: 'r1' });
    const h: Harness = { server, store, log: new MemoryDecisionLog(), ir: acme };
    const a = await post(h, '/v1/decide', { use_case: 'support_assistant', tenant: 't1', region: 'eu', model: 'gpt-4.1', tokens: { input: 1000, output: 1000 } });
    expect(a.headers['x-govc-policy-revision']).toBe(acme.revision);
    const scrape = async (): Promise<string> => (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    const ratio = /^govc_budget_utilisation_ratio\{use_case="support_assistant",period="day"\} ([0-9.e-]+)$/m.exec(await scrape());
    const spent = store.peek(budgetKey('govc:', 'support_assistant', '', 'use_case', 'day', Date.now()))!;
    expect(spent).toBeGreaterThan(0);
    expect(Number(ratio![1])).toBeCloseTo(spent / acme.use_cases.support_assistant!.budgets.find((b) => b.scope === 'use_case' && b.period === 'day')!.amount_micros, 12);

    current = programOf(gateway);
    for (const l of listeners) l({ kind: 'swapped', program: current });
    for (const l of listeners) l({ kind: 'failed', error: 'a bad bundle' });
    // The call admitted by the old program settles through it; new requests are the new program's.
    const settled = await post(h, '/v1/settle', { decision_id: (a.json() as { decision_id: string }).decision_id, usage: { input_tokens: 1, output_tokens: 1 } });
    expect(settled.statusCode).toBe(200);
    const b = await post(h, '/v1/decide', { use_case: 'summaries', tenant: 't1', region: 'eu', model: 'llama', tokens: { input: 1, output: 1 } });
    expect(b.headers['x-govc-policy-revision']).toBe(gateway.revision);
    expect((b.json() as { decision: { policy_revision: string } }).decision.policy_revision).toBe(gateway.revision);
    const text = await scrape();
    expect(text).toMatch(/^govc_reloads_total\{result="swapped"\} 1$/m);
    expect(text).toMatch(/^govc_reloads_total\{result="failed"\} 1$/m);
    expect(text).toContain(`govc_policy_info{revision="${gateway.revision}"} 1`);
    expect(text).not.toContain(`govc_policy_info{revision="${acme.revision}"}`);
    await server.close();
  });

  it('/health and /ready', async () => {
    const h = harness(gatewayIr());
    expect((await h.server.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await h.server.app.inject({ method: 'GET', url: '/ready' })).json()).toMatchObject({ status: 'ready', revision: h.ir.revision, source: 'test' });
    await h.server.close();
    const down = harness(gatewayIr(), { storeReady: () => Promise.resolve('the counter store (Redis) does not answer') });
    const r = await down.server.app.inject({ method: 'GET', url: '/ready' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ status: 'unavailable', why: 'the counter store (Redis) does not answer' });
    await down.server.close();
  });
});
