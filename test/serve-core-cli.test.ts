import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/repo.js';
import { startRedis, type RedisServer } from './helpers/redis.js';

/**
 * `govc serve` as a process (node dist/cli/main.js serve): listens on 127.0.0.1 (port 0), meters in Redis and fails
 * closed when Redis goes away, and on SIGTERM drains: pending reservations are settled at their estimate, the
 * decision log is flushed, and it exits 0. Every process is started and stopped here by its pid, bounded in time.
 */

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const KEYS = { 'key-drafts-000001': { tenant: 't1', use_case: 'drafts', region: 'eu' } };

interface Serve {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function serve(args: string[]): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
    if (m) return { child, url: m[1]!, stderr: () => err, exited };
    if (child.exitCode !== null) throw new Error(`govc serve exited ${child.exitCode}: ${err}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`govc serve did not start: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const json = async (url: string, body?: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(url, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
};

describe('govc serve as a process', () => {
  let dir: string;
  let built: string;
  let keys: string;
  let redis: RedisServer | undefined;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'govc-serve-cli-'));
    built = join(dir, 'built');
    const b = spawnSync(process.execPath, [CLI, 'build', join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org'), '--out', built, '--as-of', '2026-11-26'], { encoding: 'utf8', timeout: 60_000 });
    expect(b.status, b.stderr).toBe(0);
    keys = join(dir, 'keys.json');
    writeFileSync(keys, JSON.stringify(KEYS));
  }, 90_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM settles pending calls at their estimate, flushes the decision log and exits 0', async () => {
    const logs = join(dir, 'logs');
    const s = await serve([built, '--addr', '127.0.0.1:0', '--keys', keys, '--decision-log', logs, '--replica', 'cli-1']);
    children.push(s.child);
    expect((await json(`${s.url}/health`)).body).toEqual({ status: 'ok' });
    const d = await json(`${s.url}/v1/decide`, { use_case: 'drafts', tenant: 't1', region: 'eu', model: 'gpt-main', tokens: { input: 10, output: 20 } });
    expect(d.body).toMatchObject({ decision: { decision: 'allow' }, settle: '/v1/settle', replica: 'cli-1' });
    expect(d.headers.get('x-govc-replica')).toBe('cli-1');
    const opa = await json(`${s.url}/v1/data/govc/allow`, { input: { use_case: 'drafts' } });
    expect(opa.body).toMatchObject({ result: false });
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const files = readdirSync(logs);
    expect(files).toHaveLength(1);
    const entries = readFileSync(join(logs, files[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toHaveLength(2);
    const metered = entries.find((e) => e.decision_id === d.body.decision_id)!;
    expect(metered).toMatchObject({ use_case: 'drafts', cost_micros: 30_000, estimated_cost_micros: 30_000, labels: { replica: 'cli-1', app: 'govc-serve' } });
  }, 60_000);

  it('meters in Redis and fails closed (503, counters unavailable) when Redis goes away; /ready says so', async () => {
    redis = await startRedis();
    const s = await serve([built, '--addr', '127.0.0.1:0', '--keys', keys, '--redis', `redis://127.0.0.1:${redis.port}`]);
    children.push(s.child);
    expect((await json(`${s.url}/ready`)).status).toBe(200);
    const check = () => json(`${s.url}/envoy/check/v1/chat/completions`, { model: 'gpt-main', prompt: 'x'.repeat(40), max_tokens: 16 }, { authorization: 'Bearer key-drafts-000001' });
    expect((await check()).status).toBe(200);
    await redis.kill();
    const down = await check();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ error: { message: "govc's counter store is unavailable; the request was not sent", reasons: [{ code: 'counter_missing' }] } });
    await new Promise((r) => setTimeout(r, 1100));
    const ready = await json(`${s.url}/ready`);
    expect(ready.status).toBe(503);
    expect(String(ready.body.why)).toContain('Redis');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^govc_store_errors_total [1-9]/m);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 60_000);

  it('refuses to start with a clear message on a bad address or an unreadable program', async () => {
    for (const [args, message] of [
      [[built, '--addr', 'nowhere'], /--addr must be host:port/],
      [[join(dir, 'missing')], /cannot serve/],
      [[built, '--keys', join(dir, 'nope.json')], /keys file/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, 'serve', ...args], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(built)).toBe(true);
  }, 60_000);
});
