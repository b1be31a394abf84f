import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * `govc serve` as users run it: `node dist/cli/main.js serve <source> --addr 127.0.0.1:<free port> ...`, a child
 * process awaited on `GET /ready`, bounded in time, stopped by its pid (SIGTERM, then SIGKILL after a bound) or
 * killed outright to play a crash.
 */

export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface GovcServe {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Everything the process wrote (stdout and stderr), for failure messages and stdout decision logs. */
  output(): string;
  stdout(): string;
  /** The exit code and signal once it has exited, else null. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /**
   * One HTTP request over a keep-alive pool (far cheaper than `fetch` under load); resolves to status, headers and
   * body text; rejects after `timeoutMs` so a stuck server fails the test instead of hanging it.
   */
  request(method: string, path: string, body?: string, headers?: Record<string, string>, timeoutMs?: number): Promise<ServeAnswer>;
  /** POST a JSON body and parse the answer (`json` is null when the body is not JSON). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<ServeAnswer & { json: any }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: the decision point crashing. */
  kill(): Promise<void>;
}

export interface ServeAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export interface ServeOptions {
  /** Options after the source (`--redis`, `--keys`, `--poll`, ...); `--addr` is added unless given. */
  readonly args?: readonly string[];
  /** A port to listen on (default: a free one). */
  readonly port?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export function requireCli(): string {
  if (!existsSync(CLI)) throw new Error(`dist/cli/main.js is missing: run \`npm run build\` first (npm test does)`);
  return CLI;
}

export async function startServe(source: string, options: ServeOptions = {}): Promise<GovcServe> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = options.port ?? (await freePort());
  const args = [requireCli(), 'serve', source, ...(options.args ?? [])];
  if (!args.includes('--addr')) args.push('--addr', `127.0.0.1:${port}`);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  const cap = (s: string): string => (s.length > 4_000_000 ? s.slice(-2_000_000) : s);
  child.stdout?.on('data', (b: Buffer) => {
    stdout = cap(stdout + b.toString());
    out = cap(out + b.toString());
  });
  child.stderr?.on('data', (b: Buffer) => (out = cap(out + b.toString())));
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}`;
  // Idle sockets are dropped before the server's keep-alive timeout (5 s) can close them under a new request.
  const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
  const exited = (): { code: number | null; signal: NodeJS.Signals | null } | null =>
    child.exitCode !== null || child.signalCode !== null ? { code: child.exitCode, signal: child.signalCode } : null;
  const whenExited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const request = (method: string, path: string, body?: string, headers: Record<string, string> = {}, requestTimeoutMs = 30_000): Promise<ServeAnswer> =>
    new Promise((resolve, reject) => {
      const h: Record<string, string | number> = { ...headers };
      if (body !== undefined) {
        h['content-type'] ??= 'application/json';
        h['content-length'] = Buffer.byteLength(body);
      }
      const req = httpRequest({ host: '127.0.0.1', port, path, method, agent, headers: h, timeout: requestTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${requestTimeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });

  const stop = async (graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    agent.destroy();
    const done = exited();
    if (done) return done;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await whenExited;
    clearTimeout(timer);
    return result;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error(`govc serve exited with ${JSON.stringify(exited())} before it was ready:\n${out.slice(-6000)}`);
    try {
      const r = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(1000);
      throw new Error(`govc serve was not ready within ${timeoutMs} ms:\n${out.slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    port,
    url,
    pid,
    output: () => out,
    stdout: () => stdout,
    exited,
    request,
    async post(path, body, headers) {
      const a = await request('POST', path, JSON.stringify(body), headers);
      let json: any = null;
      try {
        json = JSON.parse(a.text);
      } catch {
        json = null;
      }
      return { ...a, json };
    },
    stop,
    async kill() {
      agent.destroy();
      if (exited()) return;
      child.kill('SIGKILL');
      await whenExited;
    },
  };
}

/**
 * Runs `govc serve` expecting it to refuse to start (a bad source, a wrong signature): resolves to its exit code
 * and output, or rejects if it became ready or did not exit within `timeoutMs`.
 */
export async function serveRefuses(source: string, args: readonly string[], timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [requireCli(), 'serve', source, '--addr', `127.0.0.1:${port}`, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`govc serve did not exit within ${timeoutMs} ms:\n${out.slice(-4000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: out });
    });
  });
}
