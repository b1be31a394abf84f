import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  decide(input: unknown): Promise<unknown>;
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
  return {
    url,
    async decide(input: unknown): Promise<unknown> {
      const res = await fetch(`${url}/v1/data/govc/decision`, { method: 'POST', body: JSON.stringify({ input }), headers: { 'content-type': 'application/json' } });
      const body = (await res.json()) as { result?: unknown };
      return body.result;
    },
    async stop(): Promise<void> {
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
