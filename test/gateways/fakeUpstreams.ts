import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Fake LLM upstreams on 127.0.0.1 for the gateway tests, one server per wire protocol, each speaking it closely
 * enough for LiteLLM: OpenAI (`/v1/chat/completions`), Azure OpenAI (`/openai/deployments/<deployment>/chat/completions`
 * with a required `api-version` and `api-key`), Anthropic messages (`/v1/messages` with `x-api-key`), AWS Bedrock
 * runtime (`/model/<id>/converse` and `/model/<id>/invoke`; any SigV4 signature is accepted, one is required) and
 * vLLM (OpenAI-compatible). Every request is recorded with its body; an upstream fails on purpose (HTTP 500) for a
 * model in `failing` or a message containing `FAIL:<kind>`.
 *
 * Usage in every answer: 10 input tokens, and min(max_tokens, 20) output tokens, so a gateway's estimate of a
 * request with at least 24 characters and `max_tokens` ≥ 20 bounds what it is charged.
 */

export type UpstreamKind = 'openai' | 'azure' | 'anthropic' | 'bedrock' | 'vllm';
export const UPSTREAM_KINDS: readonly UpstreamKind[] = ['openai', 'azure', 'anthropic', 'bedrock', 'vllm'];

export interface RecordedCall {
  readonly kind: UpstreamKind;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as text, and parsed when it is JSON. */
  readonly text: string;
  readonly body: unknown;
  /** The model the call names: the body's `model`, the Azure deployment or the Bedrock model id. */
  readonly model: string | null;
  /** Milliseconds since the epoch, when it arrived. */
  readonly at: number;
  /** The status the fake answered with. */
  status: number;
}

export interface FakeUpstream {
  readonly kind: UpstreamKind;
  readonly port: number;
  /** The base URL a gateway is configured with (`…/v1` for OpenAI-style servers). */
  readonly base: string;
  readonly calls: RecordedCall[];
  /** Models (body `model`, Azure deployment, Bedrock id) answered with 500. */
  readonly failing: Set<string>;
  /** Calls of chat completions/messages/converse/invoke only (health checks and model listings left out). */
  completions(): RecordedCall[];
  close(): Promise<void>;
}

const INPUT_TOKENS = 10;
const MAX_OUTPUT_TOKENS = 20;

function outputTokens(body: Record<string, unknown>): number {
  const asked = [body.max_completion_tokens, body.max_tokens, (body.inferenceConfig as Record<string, unknown> | undefined)?.maxTokens, body.max_gen_len].find(
    (v) => typeof v === 'number',
  ) as number | undefined;
  return Math.max(0, Math.min(asked ?? MAX_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return status;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
      if (text.length > 10_000_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

const openaiAnswer = (model: string, kind: UpstreamKind, body: Record<string, unknown>): unknown => ({
  id: `chatcmpl-${kind}-${Date.now()}`,
  object: 'chat.completion',
  created: Math.floor(Date.now() / 1000),
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: `reply from ${kind}:${model}` }, finish_reason: 'stop' }],
  usage: { prompt_tokens: INPUT_TOKENS, completion_tokens: outputTokens(body), total_tokens: INPUT_TOKENS + outputTokens(body) },
});

/** An OpenAI stream (server-sent events): two content chunks, then a usage chunk when `stream_options.include_usage`. */
function stream(res: ServerResponse, model: string, kind: UpstreamKind, body: Record<string, unknown>): number {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: `chatcmpl-${kind}-s`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
  const event = (x: unknown): void => void res.write(`data: ${JSON.stringify(x)}\n\n`);
  event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'streamed ' }, finish_reason: null }] });
  event({ ...base, choices: [{ index: 0, delta: { content: `reply from ${kind}:${model}` }, finish_reason: 'stop' }] });
  if ((body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true) {
    const out = outputTokens(body);
    event({ ...base, choices: [], usage: { prompt_tokens: INPUT_TOKENS, completion_tokens: out, total_tokens: INPUT_TOKENS + out } });
  }
  res.end('data: [DONE]\n\n');
  return 200;
}

/** The text of every message of a body, whatever the protocol, to look for `FAIL:<kind>`. */
function mentions(text: string, kind: UpstreamKind): boolean {
  return text.includes(`FAIL:${kind}`);
}

function route(kind: UpstreamKind, req: IncomingMessage, url: URL, body: Record<string, unknown>, text: string, failing: Set<string>, res: ServerResponse): { model: string | null; status: number } {
  const path = url.pathname;
  const fail = (model: string | null): boolean => (model !== null && failing.has(model)) || mentions(text, kind);
  const failed = (model: string | null) => ({ model, status: send(res, 500, { error: { message: `${kind} upstream failing on purpose`, type: 'server_error' } }) });

  if ((kind === 'openai' || kind === 'vllm') && req.method === 'GET' && path === '/v1/models') {
    return { model: null, status: send(res, 200, { object: 'list', data: [] }) };
  }
  if ((kind === 'openai' || kind === 'vllm') && req.method === 'POST' && path === '/v1/chat/completions') {
    if (req.headers.authorization !== `Bearer key-${kind}`) return { model: null, status: send(res, 401, { error: { message: 'bad key' } }) };
    const model = typeof body.model === 'string' ? body.model : null;
    if (fail(model)) return failed(model);
    if (body.stream === true) return { model, status: stream(res, model ?? '', kind, body) };
    return { model, status: send(res, 200, openaiAnswer(model ?? '', kind, body)) };
  }
  if (kind === 'azure') {
    const m = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(path);
    if (m && req.method === 'POST') {
      const model = decodeURIComponent(m[1]!);
      if (!url.searchParams.get('api-version')) return { model, status: send(res, 404, { error: { code: '404', message: 'Resource not found (no api-version)' } }) };
      if (req.headers['api-key'] !== 'key-azure') return { model, status: send(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key.' } }) };
      if (fail(model)) return failed(model);
      return { model, status: send(res, 200, openaiAnswer(model, kind, body)) };
    }
  }
  if (kind === 'anthropic' && req.method === 'POST' && path === '/v1/messages') {
    if (req.headers['x-api-key'] !== 'key-anthropic' || typeof req.headers['anthropic-version'] !== 'string') {
      return { model: null, status: send(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }) };
    }
    const model = typeof body.model === 'string' ? body.model : null;
    if (fail(model)) return { model, status: send(res, 500, { type: 'error', error: { type: 'api_error', message: 'anthropic upstream failing on purpose' } }) };
    if (typeof body.max_tokens !== 'number') return { model, status: send(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } }) };
    const out = outputTokens(body);
    return {
      model,
      status: send(res, 200, {
        id: `msg_${Date.now()}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: `reply from anthropic:${model}` }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: INPUT_TOKENS, output_tokens: out },
      }),
    };
  }
  if (kind === 'bedrock' && req.method === 'POST') {
    const m = /^\/model\/([^/]+)\/(converse|invoke)$/.exec(path);
    if (m) {
      const model = decodeURIComponent(m[1]!);
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        return { model, status: send(res, 403, { message: 'Missing Authentication Token' }) };
      }
      if (fail(model)) return { model, status: send(res, 500, { message: 'bedrock upstream failing on purpose' }, { 'x-amzn-errortype': 'InternalServerException' }) };
      const out = outputTokens(body);
      if (m[2] === 'converse') {
        return {
          model,
          status: send(res, 200, {
            output: { message: { role: 'assistant', content: [{ text: `reply from bedrock:${model}` }] } },
            stopReason: 'end_turn',
            usage: { inputTokens: INPUT_TOKENS, outputTokens: out, totalTokens: INPUT_TOKENS + out },
            metrics: { latencyMs: 5 },
          }),
        };
      }
      return {
        model,
        status: send(res, 200, { generation: `reply from bedrock:${model}`, prompt_token_count: INPUT_TOKENS, generation_token_count: out, stop_reason: 'stop' }, {
          'x-amzn-bedrock-input-token-count': String(INPUT_TOKENS),
          'x-amzn-bedrock-output-token-count': String(out),
        }),
      };
    }
  }
  return { model: null, status: send(res, 404, { error: { message: `no route ${req.method} ${path}` } }) };
}

/** Starts one fake upstream of `kind` on a free port of 127.0.0.1. */
export async function startUpstream(kind: UpstreamKind): Promise<FakeUpstream> {
  const calls: RecordedCall[] = [];
  const failing = new Set<string>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown = null;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        body = null;
      }
      const obj = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
      const record: RecordedCall = {
        kind,
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers },
        text,
        body,
        model: null,
        at: Date.now(),
        status: 0,
      };
      const r = route(kind, req, url, obj, text, failing, res);
      calls.push({ ...record, model: r.model, status: r.status });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: { message: 'fake upstream error' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = kind === 'openai' || kind === 'vllm' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`;
  return {
    kind,
    port,
    base,
    calls,
    failing,
    completions: () => calls.filter((c) => c.method === 'POST'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** All five fake upstreams. */
export async function startUpstreams(): Promise<Record<UpstreamKind, FakeUpstream>> {
  const entries = await Promise.all(UPSTREAM_KINDS.map(async (k) => [k, await startUpstream(k)] as const));
  return Object.fromEntries(entries) as Record<UpstreamKind, FakeUpstream>;
}
