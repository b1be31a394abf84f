import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { freePort } from './net.js';

/** Debian's redis-server, which `.ci/run` and scripts/setup-test-env.sh install. Tests fail, not skip, without it. */
export const REDIS_SERVER = '/usr/bin/redis-server';

export function requireRedis(): string {
  if (!existsSync(REDIS_SERVER)) throw new Error(`redis-server is not installed at ${REDIS_SERVER}: run \`bash scripts/setup-test-env.sh\` (npm test does)`);
  return REDIS_SERVER;
}

/** One PING over a raw socket: true when the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (b) => done(b.toString().startsWith('+PONG')));
  });
}

export interface RedisServer {
  readonly port: number;
  /** SIGKILL: Redis going away without warning. Resolves when the process has exited. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** Default: a free port. Give a stopped server's port to restart it where its clients reconnect. */
  readonly port?: number;
  /** Persist to this folder with an append-only file synced on every write, so a restart keeps the counters. */
  readonly dir?: string;
  readonly timeoutMs?: number;
}

/**
 * Starts a throwaway redis-server on 127.0.0.1 (no persistence unless `dir` is given); waits for PING; bounded by
 * `timeoutMs`.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const port = options.port ?? (await freePort());
  const persistence = options.dir === undefined ? ['--appendonly', 'no'] : ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always'];
  const child: ChildProcess = spawn(requireRedis(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'yes'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const end = (signal: NodeJS.Signals) => async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  };
  return { port, kill: end('SIGKILL'), stop: end('SIGTERM') };
}
