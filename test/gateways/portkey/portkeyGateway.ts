import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { portkeyHeaderValue } from '../../../src/backends/portkey/index.js';
import { REPO_ROOT } from '../../helpers/repo.js';

export const START_SERVER = join(REPO_ROOT, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
export const FORCE_LOOPBACK = join(REPO_ROOT, 'test', 'gateways', 'portkey', 'forceLoopback.cjs');

export interface PortkeyGateway {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** What the gateway printed, for failure messages. */
  output(): string;
  /** Stops the gateway by its pid (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 now (the gateway takes a port number, not 0). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `@portkey-ai/gateway` (its own start-server.js, headless) with the loopback preload, and waits, at most
 * `timeoutMs`, until `/` answers. Stopped by pid only (PortkeyGateway.stop); a failed start stops what it started.
 */
export async function startPortkeyGateway(timeoutMs = 20_000): Promise<PortkeyGateway> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--require', FORCE_LOOPBACK, START_SERVER, `--port=${port}`, '--headless'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // No REDIS_CONNECTION_STRING and no provider keys from the test's environment reach the gateway.
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test' },
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid!;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    }, 3_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Portkey gateway exited (${child.exitCode}):\n${out}`);
    try {
      const r = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
      if (r.ok && (await r.text()).includes('AI Gateway')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Portkey gateway did not answer on ${url} within ${timeoutMs} ms:\n${out}`);
    }
    await sleep(100);
  }
  return { url, port, pid, output: () => out, stop };
}

/**
 * The local addresses on which some socket listens on `port`, read from /proc/net/tcp and tcp6 (state 0A is
 * LISTEN), as `a.b.c.d` or the raw IPv6 hex: every interface is `0.0.0.0` or `::`, loopback `127.0.0.1`.
 */
export function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue;
      const [hexAddr, hexPort] = cols[1]!.split(':') as [string, string];
      if (parseInt(hexPort, 16) !== port) continue;
      if (hexAddr.length === 8) {
        // IPv4 in /proc is little-endian per 32-bit word.
        const bytes = hexAddr.match(/../g)!.map((b) => parseInt(b, 16)).reverse();
        out.push(bytes.join('.'));
      } else out.push(hexAddr === '00000000000000000000000000000000' ? '::' : hexAddr);
    }
  }
  return out.sort();
}

/** A target of the manifest entry (PortkeyTargetInfo): where it is and which config fields come from which variables. */
export interface TargetFill {
  readonly path: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * What a client does before sending (docs/portkey.md, "Endpoints and keys"): a copy of the config with each target's
 * fields set from `env`, the target found by the path the manifest names (`config.targets[1].targets[0]`).
 * A variable that is not set leaves its field out.
 */
export function fillConfig(config: unknown, targets: readonly TargetFill[], env: Readonly<Record<string, string | undefined>>): unknown {
  const copy = structuredClone(config) as { targets: unknown[] };
  for (const t of targets) {
    const indexes = [...t.path.matchAll(/\.targets\[(\d+)\]/g)].map((m) => Number(m[1]));
    let node = copy as { targets?: unknown[] } & Record<string, unknown>;
    for (const i of indexes) node = node.targets![i] as typeof node;
    for (const [field, variable] of Object.entries(t.env)) {
      const value = env[variable];
      if (value !== undefined) node[field] = value;
    }
  }
  return copy;
}

/** POSTs one chat completion through the gateway with a config; the status, the headers and the parsed body. */
export async function chat(
  gateway: PortkeyGateway,
  config: unknown,
  body: Record<string, unknown>,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> & { error?: { type?: string }; hook_results?: unknown } }> {
  const r = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-portkey-config': portkeyHeaderValue(config) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: r.status, headers: r.headers, json };
}
