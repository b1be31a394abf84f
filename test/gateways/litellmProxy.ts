import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * A real LiteLLM proxy (the project's venv, `.venv/bin/litellm`, the pinned 1.108.0) on 127.0.0.1, started on a
 * generated `litellm/` folder with the environment the docs name, awaited on `/health/readiness`, bounded in time
 * and stopped by its pid (its process group, which only it and its children are in).
 */

export const LITELLM = join(REPO_ROOT, '.venv', 'bin', 'litellm');

export function requireLitellm(): string {
  if (!existsSync(LITELLM)) throw new Error(`the LiteLLM proxy is not installed at ${LITELLM}: run \`bash scripts/setup-test-env.sh\``);
  return LITELLM;
}

/** A master key as LiteLLM ≥1.108 insists on (`sk-` and 64 hex digits). */
export const MASTER_KEY = `sk-${'0123456789abcdef'.repeat(4)}`;

export interface LitellmProxy {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Everything the proxy wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** The generated `litellm/` folder (config.yaml and the Python modules). */
  readonly dir: string;
  /** Variables added to a minimal environment (PATH and HOME only are inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export async function startLitellm(options: ProxyOptions): Promise<LitellmProxy> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LITELLM_MASTER_KEY: MASTER_KEY,
    LITELLM_LOCAL_MODEL_COST_MAP: 'True',
    LITELLM_TELEMETRY: 'False',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    NO_PROXY: '127.0.0.1,localhost',
    ...options.env,
  };
  const child: ChildProcess = spawn(requireLitellm(), ['--config', join(options.dir, 'config.yaml'), '--host', '127.0.0.1', '--port', String(port)], {
    cwd: options.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000).unref();
    });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`litellm exited with ${child.exitCode} before it was ready:\n${out.slice(-6000)}`);
    try {
      const r = await fetch(`${url}/health/readiness`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`litellm was not ready within ${timeoutMs} ms:\n${out.slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port, url, pid, output: () => out, stop };
}

export interface ChatAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** POST /v1/chat/completions with an API key, bounded in time. */
export async function chat(proxy: { url: string }, apiKey: string, body: Record<string, unknown>, timeoutMs = 30_000): Promise<ChatAnswer> {
  const r = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: r.status, headers: r.headers, body: parsed };
}
