import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IrProgram } from '../src/ir/types.js';
import { compileFiles } from '../src/project/compile.js';
import { govFilesIn } from '../src/project/loadProgram.js';
import { budgetKey } from '../src/runtime/counterKeys.js';
import { MemoryDecisionLog } from '../src/runtime/decisionLog.js';
import { MemoryStore } from '../src/runtime/store.js';
import { ApiKeys } from '../src/serve/apiKeys.js';
import { createServer } from '../src/serve/createServer.js';
import { readLlmRequest, withTexts } from '../src/serve/llmRequest.js';
import { servedProgram, staticProgramSource } from '../src/serve/staticProgram.js';
import { REPO_ROOT } from './helpers/repo.js';

/**
 * The Portkey webhook adapter (src/serve/portkeyWebhook.ts) with the hook bodies Portkey 1.15.2 posts (the
 * researched wire format, docs/serve.md): the before hook admits and may transform the request (degrade model,
 * redaction), the after hook settles at the response's usage before it answers, unknown keys are refused.
 */

function setup() {
  const r = compileFiles(govFilesIn(join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org')), { asOf: '2026-11-26', cwd: REPO_ROOT });
  const ir = r.ir as IrProgram;
  const p = servedProgram(ir, 'test');
  if (!p.ok) throw new Error(p.error);
  const keys = ApiKeys.fromText(JSON.stringify({ 'key-drafts-000001': { tenant: 't1', use_case: 'drafts', region: 'eu' }, 'key-assistant-0001': { tenant: 't1', use_case: 'assistant', region: 'eu' } }));
  if (!keys.ok) throw new Error(keys.error);
  const store = new MemoryStore();
  const log = new MemoryDecisionLog();
  const server = createServer({ source: staticProgramSource(p.program), store, log, keys: keys.keys, replica: 'pk' });
  return { ir, server, store, log };
}

const hook = (eventType: string, json: unknown, response: unknown = {}) => ({
  request: { json, text: '', isStreamingRequest: false, isTransformed: false },
  response: { json: response, text: '', statusCode: eventType === 'afterRequestHook' ? 200 : null, isTransformed: false },
  provider: 'openai',
  requestType: 'chatComplete',
  metadata: { _user: 'u1' },
  eventType,
});

type Answer = { verdict: boolean; data: Record<string, unknown>; transformedData?: { request: { json: Record<string, unknown> } } };

describe('govc serve: Portkey webhook guardrail', () => {
  it('admits, degrades with the cheaper deployment in transformedData, settles the after hook at its usage, and refuses', async () => {
    const { server, store } = setup();
    const send = async (body: unknown, key = 'key-drafts-000001'): Promise<Answer> => {
      const r = await server.app.inject({ method: 'POST', url: '/portkey/webhook', payload: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
      expect(r.statusCode).toBe(200);
      return r.json() as Answer;
    };
    const key = budgetKey('govc:', 'drafts', 't1', 'tenant', 'day', Date.now());
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) {
      const req = { model: 'gpt-4.1-2025-04-14', messages: [{ role: 'user', content: 'x'.repeat(36) }], max_tokens: 16 };
      const before = await send(hook('beforeRequestHook', req));
      seen.push(`${before.verdict}:${String(before.data.decision)}`);
      if (!before.verdict) {
        expect(before.data).toMatchObject({ message: 'Drafts are paused until tomorrow.', reasons: [{ code: 'budget_exhausted' }] });
        continue;
      }
      expect(before.data.decision_id).toMatch(/^[0-9a-f-]{36}$/);
      const sent = before.transformedData?.request.json ?? req;
      if (before.data.decision === 'degrade') expect(sent.model).toBe('gpt-4.1-mini-2025-04-14');
      else expect(before.transformedData).toBeUndefined();
      const after = await send(hook('afterRequestHook', sent, { usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } }));
      expect(after).toMatchObject({ verdict: true, data: { decision_id: before.data.decision_id, settled: true } });
    }
    // Reserved at the estimate (13 + 16 tokens), settled at the usage: 30,000 µUSD a call on gpt-main against
    // 100,000 a day, then gpt-mini at 15,000 up to 150,000.
    expect(seen).toEqual(['true:allow', 'true:allow', 'true:allow', 'true:degrade', 'true:degrade', 'true:degrade', 'true:degrade', 'false:deny', 'false:deny']);
    expect(store.peek(key)).toBe(150_000);
    // An after hook nothing waits for passes (the answer is paid for) and charges nothing.
    expect(await send(hook('afterRequestHook', { model: 'x' }, { usage: { prompt_tokens: 1, completion_tokens: 1 } }))).toEqual({ verdict: true, data: { decision_id: null, settled: false } });
    expect(store.peek(key)).toBe(150_000);
    const unknown = await send(hook('beforeRequestHook', { model: 'gpt-4.1-2025-04-14', messages: [] }), 'nope-nope-nope');
    expect(unknown).toMatchObject({ verdict: false, data: { decision: 'deny', reasons: [{ code: 'malformed_request', message: 'unknown API key' }] } });
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^govc_decisions_total\{endpoint="portkey",decision="allow",reason="allowed"\} 3$/m);
    await server.close();
  });

  it('redacts in the request it lets through, and refuses malformed hooks with verdict false', async () => {
    const { server } = setup();
    const send = async (body: unknown): Promise<Answer> => (await server.app.inject({ method: 'POST', url: '/portkey/webhook', payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-api-key': 'key-assistant-0001' } })).json() as Answer;
    const req = { model: 'gpt-4.1-2025-04-14', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'mail jane.doe@example.com please' }], max_tokens: 20 };
    const a = await send(hook('beforeRequestHook', req));
    expect(a.verdict).toBe(true);
    const out = a.transformedData!.request.json as { messages: Array<{ content: string }> };
    expect(out.messages[0]!.content).toBe('be brief');
    expect(out.messages[1]!.content).not.toContain('jane.doe@example.com');
    expect(out.model).toBe('gpt-4.1-2025-04-14');
    for (const bad of ['not json', '[1]', { eventType: 'other' }, { eventType: 'beforeRequestHook', request: { json: 'x' } }]) {
      expect(await send(bad)).toMatchObject({ verdict: false, data: { decision: 'deny' } });
    }
    await server.close();
  });

  it('reads OpenAI requests as the LiteLLM guardrail does, and writes redacted texts back in the same places', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'aaaa' }, { type: 'image_url' }] },
        { role: 'assistant', content: null, tool_calls: [{ function: { name: 'lookup', arguments: '{"id":1}' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup' } }, { type: 'function', function: { name: 'refund' } }],
      tool_choice: { type: 'function', function: { name: 'refund' } },
      prompt: ['p1', 2],
      metadata: { govc: { trace_id: 'tr', tools: { refund: { scope: 'payments:refund', human_approved_by: 'x@y', other: 1 } } } },
    };
    const r = readLlmRequest(body);
    expect(r.texts).toEqual(['aaaa', '{"id":1}', 'p1']);
    expect(r.tools).toEqual([{ name: 'lookup' }, { name: 'refund', scope: 'payments:refund', human_approved_by: 'x@y' }]);
    // ceil(14 chars / 4) + 4 per message; no max_tokens: the default bound of 1024.
    expect(r.tokens).toEqual({ input: 4 + 8, output: 1024 });
    expect(r.extra).toEqual({ trace_id: 'tr' });
    expect(readLlmRequest({ max_completion_tokens: 7, max_tokens: 9 }).tokens.output).toBe(7);
    expect(readLlmRequest('nonsense')).toMatchObject({ texts: [], tools: [], model: undefined });
    const w = withTexts(body, ['A', 'B', 'C']) as typeof body;
    expect((w.messages[0]!.content as Array<{ text?: string }>)[0]!.text).toBe('A');
    expect(w.messages[1]!.tool_calls![0]!.function.arguments).toBe('B');
    expect(w.prompt).toEqual(['C', 2]);
    expect((body.messages[0]!.content as Array<{ text?: string }>)[0]!.text).toBe('aaaa');
    expect(withTexts(body, ['only one'])).toBeUndefined();
  });
});
