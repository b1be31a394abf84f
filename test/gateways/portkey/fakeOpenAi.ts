import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake upstream received: its path, auth headers and JSON body, as sent by the gateway. */
export interface RecordedRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  /** Anthropic's key header (`x-api-key`): Portkey sends an `anthropic` target's key there. */
  readonly apiKey: string | undefined;
  readonly body: { readonly model?: unknown; readonly messages?: ReadonlyArray<{ readonly role: string; readonly content: unknown }> } & Record<string, unknown>;
}

export interface FakeOpenAi {
  /** `http://127.0.0.1:PORT/v1`: what a target's `custom_host` is set to. */
  readonly baseUrl: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly received: RecordedRequest[];
  /** Answer requests for this upstream model with `status` until cleared. */
  fail(model: string, status: number): void;
  clearFailures(): void;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible chat completions server on 127.0.0.1 (a free port): it records every body it gets and
 * answers `ok from <model>`, or fails on purpose with the status set for a model.
 */
export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const received: RecordedRequest[] = [];
  const failures = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: RecordedRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest['body'];
      } catch {
        // recorded as an empty body: the test sees it
      }
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, apiKey: typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined, body });
      const model = typeof body.model === 'string' ? body.model : '';
      const status = failures.get(model);
      if (status !== undefined) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `failing on purpose with ${status}`, type: 'server_error' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${received.length}`,
          object: 'chat.completion',
          created: 1_700_000_000,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: `ok from ${model}` }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    received,
    fail: (model, status) => void failures.set(model, status),
    clearFailures: () => failures.clear(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
