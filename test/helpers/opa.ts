import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { freePort } from './net.js';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.js';

/** The pinned OPA that scripts/install-opa.sh installs (`npm test` runs it first). Tests fail, not skip, without it. */
export const OPA = join(REPO_ROOT, '.tools', 'bin', 'opa');

export function requireOpa(): string {
  if (!existsSync(OPA)) throw new Error(`OPA is not installed at ${OPA}: run \`bash scripts/install-opa.sh\` (npm test does)`);
  return OPA;
}

export function opa(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(requireOpa(), args, { input, maxBuffer: 1 << 29, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface OpaServer {
  readonly url: string;
  /** The child's pid: the server is stopped by pid, never by name. */
  readonly pid: number;
  decide(input: unknown): Promise<unknown>;
  /**
   * One HTTP request over a keep-alive connection pool (several times cheaper per call than `fetch`, for load
   * tests); resolves to the status and body text, rejects after `timeoutMs` so a stuck server fails the test.
   */
  request(method: string, path: string, body?: string, timeoutMs?: number): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
}

/** Starts `opa run --server` on 127.0.0.1 with a bundle; waits until it answers; bounded by `timeoutMs`. */
export async function startOpaServer(bundle: string, extraArgs: string[] = [], timeoutMs = 30_000): Promise<OpaServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(requireOpa(), ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '-b', bundle, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`opa exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/health?bundles`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`opa did not become healthy within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    url,
    pid: child.pid!,
    request(method: string, path: string, body?: string, timeoutMs = 30_000): Promise<{ status: number; text: string }> {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = { 'content-type': 'application/json' };
        if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
        const req = httpRequest({ host: '127.0.0.1', port, path, method, agent, headers, timeout: timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    async decide(input: unknown): Promise<unknown> {
      const res = await fetch(`${url}/v1/data/govc/decision`, { method: 'POST', body: JSON.stringify({ input }), headers: { 'content-type': 'application/json' } });
      const body = (await res.json()) as { result?: unknown };
      return body.result;
    },
    async stop(): Promise<void> {
      agent.destroy();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    },
  };
}

/** Tries to start a server; resolves to its stderr and exit code if OPA refuses the bundle. */
export async function opaServerRefuses(bundle: string, extraArgs: string[], timeoutMs = 20_000): Promise<string | undefined> {
  try {
    const server = await startOpaServer(bundle, extraArgs, timeoutMs);
    await server.stop();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
