import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { MemoryDecisionLog } from '../src/runtime/decisionLog.js';
import type { CounterStore } from '../src/runtime/store.js';
import { ApiKeys } from '../src/serve/apiKeys.js';
import { createServer } from '../src/serve/createServer.js';
import { servedProgram, staticProgramSource } from '../src/serve/staticProgram.js';
import { UPSTREAM_HEADER_NAMES } from '../src/serve/upstreamHeaders.js';
import { startServe, type GovcServe } from './gateways/govcServe.js';
import { govc } from './helpers/diagnostics.js';
import { REPO_ROOT } from './helpers/repo.js';

/**
 * Kong's and APISIX's `opa` plugins in front of a real `govc serve` process (the gateway fixture program built by
 * `govc build`). Kong and APISIX cannot run here (no Docker; neither is on npm or PyPI), so each request is the
 * input the plugin sends, built only from the fields docs/serve.md documents with their sources: Kong
 * `{input: {request: {http: {host, port, tls, method, scheme, path, querystring, headers, body?, body_size?,
 * parsed_body?}}}}`, APISIX `{input: {type, request: {scheme, method, host, port, path, headers, query}, var}}`.
 * Answers are checked against each plugin's documented result shape; expected decisions come from the reference
 * evaluator, never written by hand.
 */

const PROGRAM = join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org');
const TODAY = new Date().toISOString().slice(0, 10);
const RUN = Date.now().toString(36);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_BODY = 200_000;

const KEYS: Record<string, Record<string, string>> = {
  'sk-assist-eu-000': { tenant: `eu-${RUN}`, use_case: 'assistant', region: 'eu', principal: 'svc:web' },
  'sk-drafts-0000': { tenant: `drafts-${RUN}`, use_case: 'drafts', region: 'eu' },
  'sk-summaries-00': { tenant: `sum-${RUN}`, use_case: 'summaries', region: 'eu' },
  'sk-spoof-00000': { tenant: `spoof-${RUN}`, use_case: 'assistant', region: 'eu' },
};

let dir: string;
let ir: IrProgram;
let serve: GovcServe;

type Plugin = 'kong' | 'apisix';

/** The client request a gateway received, before its plugin describes it to govc serve. */
interface ClientRequest {
  readonly method?: string;
  readonly path?: string;
  readonly headers: Record<string, string | string[]>;
  /** The JSON body; sent by Kong only as the body options say (APISIX sends none). */
  readonly json?: unknown;
}

/** Kong's input (developer.konghq.com/plugins/opa); `body`: which of Kong's body options are on. */
function kongInput(c: ClientRequest, body: 'parsed' | 'raw' | 'none' = 'parsed'): unknown {
  const text = c.json === undefined ? '' : JSON.stringify(c.json);
  return {
    input: {
      request: {
        http: {
          host: 'gateway.example',
          port: '8000',
          tls: {},
          method: c.method ?? 'POST',
          scheme: 'http',
          path: c.path ?? '/v1/chat/completions',
          querystring: {},
          headers: { host: 'gateway.example', 'content-type': 'application/json', ...c.headers },
          // include_body_in_opa_input: the raw body and its size; include_parsed_json_body_in_opa_input: the parsed JSON.
          ...(body === 'raw' && { body: text, body_size: Buffer.byteLength(text) }),
          ...(body === 'parsed' && c.json !== undefined && { parsed_body: c.json }),
        },
      },
    },
  };
}

/** APISIX's input (apisix/plugins/opa/helper.lua, build_opa_input): no body. */
function apisixInput(c: ClientRequest): unknown {
  return {
    input: {
      type: 'http',
      request: {
        scheme: 'http',
        method: c.method ?? 'POST',
        host: '127.0.0.1',
        port: 9080,
        path: c.path ?? '/v1/chat/completions',
        headers: { host: '127.0.0.1:9080', 'content-type': 'application/json', ...c.headers },
        query: {},
      },
      var: { server_addr: '127.0.0.1', server_port: '9080', remote_addr: '127.0.0.1', remote_port: '53412', timestamp: Math.floor(Date.now() / 1000) },
    },
  };
}

interface PluginAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: any;
}

async function ask(plugin: Plugin, c: ClientRequest, body: 'parsed' | 'raw' | 'none' = 'parsed'): Promise<PluginAnswer> {
  const a = await serve.post(`/v1/data/govc/${plugin}`, plugin === 'kong' ? kongInput(c, body) : apisixInput(c));
  return { status: a.status, headers: a.headers, json: a.json };
}

const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
const chat = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], max_tokens: 20, ...extra });

/** A refusal's status and body, wherever the plugin's shape puts them. */
function refusal(plugin: Plugin, a: PluginAnswer): { status: number; error: any; headers: Record<string, string> } {
  expect(a.status, JSON.stringify(a.json)).toBe(200);
  const r = a.json?.result;
  expect(r?.allow).toBe(false);
  if (plugin === 'kong') {
    expect(Object.keys(r).sort()).toEqual(['allow', 'headers', 'message', 'status']);
    return { status: r.status, error: r.message?.error, headers: r.headers };
  }
  expect(Object.keys(r).sort()).toEqual(['allow', 'headers', 'reason', 'status_code']);
  return { status: r.status_code, error: r.reason?.error, headers: r.headers };
}

/** The upstream headers of an allow. */
function allowed(a: PluginAnswer): Record<string, string> {
  expect(a.status).toBe(200);
  expect(a.json?.result?.allow, JSON.stringify(a.json)).toBe(true);
  expect(Object.keys(a.json.result).sort()).toEqual(['allow', 'headers']);
  const h = a.json.result.headers as Record<string, string>;
  for (const [name, value] of Object.entries(h)) {
    expect(UPSTREAM_HEADER_NAMES as readonly string[]).toContain(name);
    expect(value).toMatch(/^[\x20-\x7e]*$/);
  }
  return h;
}

/** The govc request govc_guardrail.py builds from such a call (docs/serve.md: serve maps a body the same way). */
function govcRequest(key: string, body: { model?: string; messages: Array<{ content: string }>; max_tokens: number } | undefined, spend: Record<string, number> = {}): Record<string, unknown> {
  const who = KEYS[key]!;
  const chars = body === undefined ? 0 : body.messages.reduce((n, m) => n + m.content.length, 0);
  return {
    use_case: who.use_case,
    tenant: who.tenant,
    region: who.region,
    ...(who.principal ? { principal: who.principal } : {}),
    ...(body?.model ? { model: body.model } : {}),
    // No body (APISIX): nothing to count in, and the guardrail's default output bound.
    tokens: body === undefined ? { input: 0, output: 1024 } : { input: Math.ceil(chars / 4) + 4 * body.messages.length, output: body.max_tokens },
    ...counters(who.use_case!, spend),
    time: new Date().toISOString(),
  };
}

function counters(useCase: string, spend: Record<string, number>): { spend: Record<string, Record<string, number>>; rate: Record<string, Record<string, number>> } {
  const uc = ir.use_cases[useCase]!;
  const out = { spend: { tenant: {}, use_case: {} } as Record<string, Record<string, number>>, rate: { tenant: {}, use_case: {} } as Record<string, Record<string, number>> };
  for (const b of uc.budgets) out.spend[b.scope]![b.period] = b.scope === 'tenant' ? (spend[b.period] ?? 0) : 0;
  for (const l of uc.rate_limits) out.rate[l.scope]![l.kind] = 0;
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'govc-serve-plugins-'));
  const built = govc(['build', PROGRAM, '--out', join(dir, 'out'), '--as-of', TODAY]);
  if (built.status !== 0) throw new Error(`govc build failed: ${built.stderr}`);
  ir = JSON.parse(readFileSync(join(dir, 'out', 'ir.json'), 'utf8')) as IrProgram;
  writeFileSync(join(dir, 'keys.json'), JSON.stringify(KEYS));
  serve = await startServe(join(dir, 'out'), {
    args: ['--keys', join(dir, 'keys.json'), '--poll', '0', '--decision-log', join(dir, 'logs'), '--max-body-bytes', String(MAX_BODY), '--max-headers', '40', '--replica', 'plugins-1'],
  });
}, 120_000);

afterAll(async () => {
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Kong's opa plugin → POST /v1/data/govc/kong", () => {
  it('allows with the decision headers for the upstream, reading the parsed JSON body', async () => {
    const body = { model: 'gpt-main', ...chat('What are your opening hours on Sunday?') };
    const a = await ask('kong', { headers: auth('sk-assist-eu-000'), json: body });
    const h = allowed(a);
    const want = evaluate(ir, govcRequest('sk-assist-eu-000', body));
    expect(want.decision).toBe('allow');
    // Kong sets every govc header name, empty when the decision has none, so a client's value never survives.
    expect(Object.keys(h).sort()).toEqual([...UPSTREAM_HEADER_NAMES].sort());
    expect(h['x-govc-decision-id']).toMatch(UUID);
    expect(a.json.decision_id).toBe(h['x-govc-decision-id']);
    expect(a.headers['x-govc-decision-id']).toBe(h['x-govc-decision-id']);
    expect(h['x-govc-decision']).toBe(want.decision);
    expect(h['x-govc-model']).toBe(want.model);
    expect(h['x-govc-provider']).toBe(ir.models[want.model!]!.provider);
    expect(h['x-govc-use-case']).toBe('assistant');
    expect(h['x-govc-tenant']).toBe(KEYS['sk-assist-eu-000']!.tenant);
    expect(h['x-govc-policy-revision']).toBe(ir.revision);
    expect(h['x-govc-replica']).toBe('plugins-1');
    expect(h['x-govc-redact']).toBe('');
    expect(h['x-govc-settle']).toBe('');
    expect(JSON.parse(h['x-govc-obligations']!)).toEqual(JSON.parse(JSON.stringify(want.obligations)));
  });

  it('reads the raw body (include_body_in_opa_input) as it reads the parsed one', async () => {
    const body = { model: 'gpt-mini', ...chat('Please use the small model for this one.') };
    const want = evaluate(ir, govcRequest('sk-assist-eu-000', body));
    expect(want.decision).toBe('deny');
    const r = refusal('kong', await ask('kong', { headers: auth('sk-assist-eu-000'), json: body }, 'raw'));
    expect(r.status).toBe(403);
    expect(r.error).toMatchObject({ type: 'govc_denied', message: want.message ?? want.reasons[0]!.message, policy_revision: ir.revision, decision: 'deny' });
    expect(r.error.reasons.map((x: { code: string }) => x.code)).toEqual(want.reasons.map((x) => x.code));
    expect(r.headers['x-govc-decision-id']).toBe(r.error.decision_id);
    expect(r.headers['content-type']).toContain('application/json');
  });

  it('without a body (no body option), decides on the key alone: the use case picks the model', async () => {
    const h = allowed(await ask('kong', { headers: auth('sk-assist-eu-000'), json: chat('Ignored: Kong does not send it.') }, 'none'));
    const want = evaluate(ir, govcRequest('sk-assist-eu-000', undefined));
    expect(h['x-govc-model']).toBe(want.model);
  });

  it('refuses data the use case denies and data that must be redacted (a plugin cannot rewrite the body)', async () => {
    const secret = refusal('kong', await ask('kong', { headers: auth('sk-assist-eu-000'), json: { model: 'gpt-main', ...chat('My key is AKIAIOSFODNN7EXAMPLE, please check it.') } }));
    expect(secret.status).toBe(403);
    expect(secret.error.reasons.map((x: { code: string }) => x.code)).toContain('data_class_denied');
    const pii = refusal('kong', await ask('kong', { headers: auth('sk-assist-eu-000'), json: { model: 'gpt-main', ...chat('Mail jane.doe@example.com about her order, please.') } }));
    expect(pii.status).toBe(403);
    expect(pii.error.message).toContain("Kong's opa plugin cannot rewrite the body");
    expect(JSON.stringify(pii)).not.toContain('jane.doe@example.com');
  });

  it('degrades when the budget runs out, then refuses with 429, exactly as the reference evaluator decides', async () => {
    const key = 'sk-drafts-0000';
    const body = { model: 'gpt-main', ...chat('Draft a reply to this customer, please.') };
    const period = ir.use_cases.drafts!.budgets[0]!.period;
    let spent = 0;
    const expected: Array<{ decision: string; model: string | null }> = [];
    for (let i = 0; i < 12; i++) {
      const d = evaluate(ir, govcRequest(key, body, { [period]: spent }));
      expected.push({ decision: d.decision, model: d.model });
      if (d.decision !== 'deny') {
        const { price } = ir.models[d.model!]!;
        const tokens = govcRequest(key, body).tokens as { input: number; output: number };
        spent += Math.ceil((tokens.input * price.input_nanos_per_token + tokens.output * price.output_nanos_per_token) / 1000);
      }
    }
    expect(new Set(expected.map((e) => e.decision))).toEqual(new Set(['allow', 'degrade', 'deny']));
    const got: Array<{ decision: string; model: string | null }> = [];
    let firstRefusal: ReturnType<typeof refusal> | undefined;
    for (let i = 0; i < expected.length; i++) {
      const a = await ask('kong', { headers: auth(key), json: body });
      if (a.json?.result?.allow === true) got.push({ decision: a.json.result.headers['x-govc-decision'], model: a.json.result.headers['x-govc-model'] });
      else {
        firstRefusal ??= refusal('kong', a);
        got.push({ decision: 'deny', model: null });
      }
    }
    expect(got).toEqual(expected);
    expect(firstRefusal!.status).toBe(429);
    expect(firstRefusal!.error.message).toBe(ir.use_cases.drafts!.on_budget_exhausted!.message);
  }, 60_000);
});

describe("APISIX's opa plugin → POST /v1/data/govc/apisix", () => {
  it('allows with the decision headers (those the decision has), the use case picking the model', async () => {
    const a = await ask('apisix', { headers: auth('sk-assist-eu-000') });
    const h = allowed(a);
    const want = evaluate(ir, govcRequest('sk-assist-eu-000', undefined));
    expect(want.decision).toBe('allow');
    expect(h['x-govc-decision']).toBe(want.decision);
    expect(h['x-govc-model']).toBe(want.model);
    expect(h['x-govc-tenant']).toBe(KEYS['sk-assist-eu-000']!.tenant);
    expect(h['x-govc-decision-id']).toBe(a.json.decision_id);
    // APISIX clears a send_headers_upstream name the result leaves out: no empty values here.
    expect(h['x-govc-redact']).toBeUndefined();
    expect(h['x-govc-settle']).toBeUndefined();
  });

  it('passes a rate limit exactly: the 4th call in a minute is refused with 429 and the policy message', async () => {
    if (new Date().getUTCSeconds() > 45) await new Promise((r) => setTimeout(r, (61 - new Date().getUTCSeconds()) * 1000));
    const limit = ir.use_cases.summaries!.rate_limits.find((l) => l.kind === 'requests')!.per_minute;
    const answers: PluginAnswer[] = [];
    for (let i = 0; i < limit + 2; i++) answers.push(await ask('apisix', { headers: auth('sk-summaries-00') }));
    expect(answers.map((a) => a.json?.result?.allow)).toEqual([...Array(limit).fill(true), false, false]);
    const r = refusal('apisix', answers[limit]!);
    expect(r.status).toBe(429);
    expect(r.error.message).toBe(ir.use_cases.summaries!.on_rate_limited.message);
    expect(r.error.reasons.map((x: { code: string }) => x.code)).toEqual(['rate_limited']);
  }, 90_000);
});

describe('both plugins: identity, spoofing, hostile input', () => {
  it('ignores every x-govc-* header and identity claim a client sends', async () => {
    const spoof = {
      'x-govc-decision-id': 'spoofed',
      'x-govc-decision': 'allow-everything',
      'x-govc-model': 'gpt-mini',
      'x-govc-tenant': 'someone-else',
      'x-govc-use-case': 'drafts',
      'x-govc-settle': 'deferred',
      'x-govc-redact': 'none',
    };
    for (const plugin of ['kong', 'apisix'] as const) {
      const h = allowed(await ask(plugin, { headers: { ...auth('sk-spoof-00000'), ...spoof }, json: { model: 'gpt-main', ...chat('Is the shop open on public holidays?') } }));
      expect(h['x-govc-decision-id']).toMatch(UUID);
      expect(h['x-govc-decision']).toBe('allow');
      expect(h['x-govc-model']).toBe('gpt-main');
      expect(h['x-govc-tenant']).toBe(KEYS['sk-spoof-00000']!.tenant);
      expect(h['x-govc-use-case']).toBe('assistant');
      // Never deferred: neither plugin can call settle, and the client's header is not read.
      expect(h['x-govc-settle'] ?? '').toBe('');
      expect(h['x-govc-redact'] ?? '').toBe('');
    }
    const pending = await serve.request('GET', '/metrics');
    expect(pending.text).toMatch(/^govc_pending_settlements 0$/m);
  });

  it('reads the key from x-api-key and api-key too, and from a repeated header its first value', async () => {
    for (const plugin of ['kong', 'apisix'] as const) {
      allowed(await ask(plugin, { headers: { 'x-api-key': 'sk-assist-eu-000' } }));
      allowed(await ask(plugin, { headers: { 'api-key': 'sk-assist-eu-000' } }));
      allowed(await ask(plugin, { headers: { authorization: ['Bearer sk-assist-eu-000', 'Bearer sk-not-a-key-at-all'] } }));
    }
  });

  it('refuses a missing or unknown API key with 401, in each plugin\'s shape', async () => {
    for (const plugin of ['kong', 'apisix'] as const) {
      const none = refusal(plugin, await ask(plugin, { headers: {} }));
      expect(none.status).toBe(401);
      expect(none.error.reasons).toEqual([expect.objectContaining({ code: 'malformed_request' })]);
      const unknown = refusal(plugin, await ask(plugin, { headers: auth('sk-not-a-key-at-all') }));
      expect(unknown.status).toBe(401);
      expect(unknown.error.message).toBe('unknown API key');
    }
  });

  it('refuses malformed input with 400 in the plugin\'s shape, never with a crash', async () => {
    const cases: Array<[Plugin, string]> = [
      ['kong', 'not json at all'],
      ['kong', '[1, 2, 3]'],
      ['kong', '{"request": {}}'],
      ['kong', '{"input": {"request": {"http": "GET /"}}}'],
      ['kong', '{"input": {"request": {"http": {"headers": ["authorization"]}}}}'],
      ['kong', JSON.stringify({ input: { request: { http: { method: 'POST', path: '/v1/chat/completions', headers: auth('sk-assist-eu-000'), body: '{not json', body_size: 9 } } } })],
      ['apisix', '{"input": {"type": "stream", "request": {"headers": {}}}}'],
      ['apisix', '{"input": {"type": "http"}}'],
      ['apisix', '{"input": {"type": "http", "request": {"headers": 7}}}'],
      ['apisix', '{"input": 1}'],
      ['apisix', ''],
    ];
    for (const [plugin, text] of cases) {
      const a = await serve.request('POST', `/v1/data/govc/${plugin}`, text, { 'content-type': 'application/json' });
      const r = refusal(plugin, { status: a.status, headers: a.headers, json: JSON.parse(a.text) });
      expect([text, r.status]).toEqual([text, 400]);
      expect(r.error.type).toBe('govc_denied');
      expect(r.error.reasons[0].code).toBe('malformed_request');
    }
    expect(serve.exited()).toBeNull();
  });

  it('refuses an oversize body with 413 and too many client headers with 431, in the plugin\'s shape', async () => {
    for (const plugin of ['kong', 'apisix'] as const) {
      const big = plugin === 'kong' ? kongInput({ headers: auth('sk-assist-eu-000'), json: chat('x'.repeat(MAX_BODY)) }) : apisixInput({ headers: { ...auth('sk-assist-eu-000'), 'x-padding': 'x'.repeat(MAX_BODY) } });
      const a = await serve.request('POST', `/v1/data/govc/${plugin}`, JSON.stringify(big));
      const r = refusal(plugin, { status: a.status, headers: a.headers, json: JSON.parse(a.text) });
      expect(r.status).toBe(413);
      expect(r.error.message).toContain(`larger than ${MAX_BODY} bytes`);

      const many: Record<string, string> = auth('sk-assist-eu-000');
      for (let i = 0; i < 45; i++) many[`x-extra-${i}`] = String(i);
      const m = refusal(plugin, await ask(plugin, { headers: many }));
      expect(m.status).toBe(431);

      // The plugin's own request to govc serve with too many headers, Host last: every header must reach the
      // count (a Host dropped past a count limit would be Node's own empty 400, not the plugin's answer).
      const extra: Record<string, string> = {};
      for (let i = 0; i < 45; i++) extra[`x-extra-${i}`] = String(i);
      extra.host = `127.0.0.1:${serve.port}`;
      const h = await serve.request('POST', `/v1/data/govc/${plugin}`, JSON.stringify(apisixInput({ headers: auth('sk-assist-eu-000') })), extra);
      expect(refusal(plugin, { status: h.status, headers: h.headers, json: JSON.parse(h.text) }).status).toBe(431);
    }
  });

  it('counts decisions under the endpoint labels kong and apisix', async () => {
    const text = (await serve.request('GET', '/metrics')).text;
    expect(text).toMatch(/^govc_decisions_total\{endpoint="kong",decision="allow",reason="allowed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^govc_decisions_total\{endpoint="kong",decision="deny",reason="malformed_request"\} [1-9]\d*$/m);
    expect(text).toMatch(/^govc_decisions_total\{endpoint="apisix",decision="allow",reason="allowed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^govc_decisions_total\{endpoint="apisix",decision="deny",reason="rate_limited"\} [1-9]\d*$/m);
    expect(text).toMatch(/^govc_decision_duration_seconds_count\{endpoint="kong"\} [1-9]\d*$/m);
    expect(text).toMatch(/^govc_decision_duration_seconds_count\{endpoint="apisix"\} [1-9]\d*$/m);
  });

  it('logs each decision with its path, the client\'s trace and the policy\'s redaction', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const kong = allowed(await ask('kong', { headers: { ...auth('sk-assist-eu-000'), traceparent: `00-${trace}-00f067aa0ba902b7-01` }, json: { model: 'gpt-main', ...chat('My order EUREC-123456 is late, where is it?') } }));
    expect(String(kong.traceparent)).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
    const apisix = allowed(await ask('apisix', { headers: auth('sk-assist-eu-000') }));
    // SIGTERM flushes the log; the server is not needed after this test.
    expect((await serve.stop()).code).toBe(0);
    const files = readdirSync(join(dir, 'logs'));
    const entries = files.flatMap((f) => readFileSync(join(dir, 'logs', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>));
    const k = entries.find((e) => e.decision_id === kong['x-govc-decision-id'])!;
    expect(k).toMatchObject({ path: 'govc/kong', trace_id: trace, use_case: 'assistant', tenant: KEYS['sk-assist-eu-000']!.tenant, decision: 'allow', labels: { replica: 'plugins-1', app: 'govc-serve' } });
    expect(k.span_id).toBe(String(kong.traceparent).split('-')[2]);
    // `log inputs redacted`: the record id the text holds is not written.
    expect(JSON.stringify(k)).not.toContain('EUREC-123456');
    const a = entries.find((e) => e.decision_id === apisix['x-govc-decision-id'])!;
    expect(a).toMatchObject({ path: 'govc/apisix', decision: 'allow', use_case: 'assistant' });
    expect(a.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('a decision slower than the request timeout', () => {
  it('is refused in the plugin\'s shape with 503 (fail closed)', async () => {
    const r = await import('../src/project/compile.js');
    const { govFilesIn } = await import('../src/project/loadProgram.js');
    const compiled = r.compileFiles(govFilesIn(PROGRAM), { asOf: TODAY, cwd: REPO_ROOT });
    const p = servedProgram(compiled.ir as IrProgram, 'test');
    if (!p.ok) throw new Error(p.error);
    const keys = ApiKeys.fromText(JSON.stringify(KEYS));
    if (!keys.ok) throw new Error(keys.error);
    // A counter store that never answers: the decision cannot finish.
    const stuck: CounterStore = { get: () => new Promise(() => undefined), reserve: () => new Promise(() => undefined), add: () => new Promise(() => undefined) };
    const server = createServer({ source: staticProgramSource(p.program), store: stuck, keys: keys.keys, log: new MemoryDecisionLog(), requestTimeoutMs: 300 });
    try {
      for (const plugin of ['kong', 'apisix'] as const) {
        const payload = JSON.stringify(plugin === 'kong' ? kongInput({ headers: auth('sk-assist-eu-000'), json: chat('Hello there, anyone?') }) : apisixInput({ headers: auth('sk-assist-eu-000') }));
        const a = await server.app.inject({ method: 'POST', url: `/v1/data/govc/${plugin}`, payload, headers: { 'content-type': 'application/json' } });
        const res = refusal(plugin, { status: a.statusCode, headers: a.headers as Record<string, string>, json: a.json() });
        expect(res.status).toBe(503);
        expect(res.error.message).toContain('request timeout');
      }
    } finally {
      await server.close();
    }
  }, 20_000);
});

describe('docs/serve.md: the plugin configurations', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'serve.md'), 'utf8');
  const block = (heading: string, lang: string): string => {
    const at = doc.indexOf(heading);
    expect(at, heading).toBeGreaterThan(-1);
    const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc.slice(at));
    expect(m, `${lang} block under ${heading}`).not.toBeNull();
    return m![1]!;
  };

  it("Kong's declarative snippet points the opa plugin at govc/kong with the parsed body", () => {
    const y = parseYaml(block("#### Kong's `opa` plugin", 'yaml')) as { services: Array<{ plugins: Array<{ name: string; config: Record<string, unknown> }> }> };
    const opa = y.services[0]!.plugins.find((p) => p.name === 'opa')!;
    expect(opa.config).toMatchObject({ opa_protocol: 'http', opa_host: '127.0.0.1', opa_port: 8181, opa_path: '/v1/data/govc/kong', include_parsed_json_body_in_opa_input: true });
  });

  it("APISIX's route sends every govc header upstream (so a client's are removed) from govc/apisix", () => {
    const route = JSON.parse(block("#### APISIX's `opa` plugin", 'json')) as { plugins: { opa: { host: string; policy: string; send_headers_upstream: string[] } } };
    expect(route.plugins.opa.policy).toBe('govc/apisix');
    expect(route.plugins.opa.host).toBe('http://127.0.0.1:8181');
    expect([...route.plugins.opa.send_headers_upstream].sort()).toEqual([...UPSTREAM_HEADER_NAMES].sort());
  });
});
