import { Redis } from 'ioredis';
import { JsonlDecisionLog, type DecisionLogEntry, type DecisionLogSink } from '../../runtime/decisionLog.js';
import { RedisStore } from '../../runtime/redisStore.js';
import { printable } from '../../diagnostics/render.js';
import { ApiKeys } from '../../serve/apiKeys.js';
import { createServer, DEFAULTS } from '../../serve/createServer.js';
import { openStandInSource } from '../../serve/openStandInSource.js';
import type { ProgramSource } from '../../serve/ServedProgram.js';
import { EXIT } from '../exitCodes.js';

export interface ServeCliOptions {
  addr?: string;
  poll?: string;
  verificationKey?: string;
  verificationAlg?: string;
  verificationKeyId?: string;
  redis?: string;
  storeFailure?: string;
  keyPrefix?: string;
  keys?: string;
  decisionLog?: string;
  settleTimeout?: string;
  maxBodyBytes?: string;
  maxHeaders?: string;
  requestTimeoutMs?: string;
  upstreamRedacts?: boolean;
  replica?: string;
  logLevel?: string;
  drainSeconds?: string;
}

const fail = (message: string): number => {
  process.stderr.write(`govc serve: ${message}\n`);
  return EXIT.usage;
};

function count(name: string, text: string | undefined, fallback: number, min: number): number | string {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min ? n : `${name} must be a whole number of at least ${min}, got \`${printable(text)}\``;
}

/** `host:port` (IPv6 as `[::1]:8181`); the default is OPA's port on loopback. */
export function parseAddr(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/** Writes each entry as one JSON line to standard output (`--decision-log -`). */
class StdoutDecisionLog implements DecisionLogSink {
  write(entry: DecisionLogEntry): void {
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  }
}

/** `govc serve <source>`: runs until SIGTERM or SIGINT, then drains and exits 0. Returns an exit code only when it cannot start. */
export async function runServe(spec: string, opts: ServeCliOptions): Promise<number> {
  const addr = parseAddr(opts.addr ?? '127.0.0.1:8181');
  if (addr === undefined) return fail(`--addr must be host:port, got \`${printable(String(opts.addr))}\``);
  const nums: Record<string, number> = {};
  for (const [name, text, fallback, min] of [
    ['--poll', opts.poll, 10, 0],
    ['--settle-timeout', opts.settleTimeout, DEFAULTS.settleTimeoutSeconds, 1],
    ['--max-body-bytes', opts.maxBodyBytes, DEFAULTS.maxBodyBytes, 1],
    ['--max-headers', opts.maxHeaders, DEFAULTS.maxHeaders, 1],
    ['--request-timeout-ms', opts.requestTimeoutMs, DEFAULTS.requestTimeoutMs, 1],
    ['--drain-seconds', opts.drainSeconds, 10, 0],
  ] as const) {
    const v = count(name, text, fallback, min);
    if (typeof v === 'string') return fail(v);
    nums[name] = v;
  }
  const storeFailure = opts.storeFailure ?? 'closed';
  if (storeFailure !== 'closed' && storeFailure !== 'soft') return fail(`--store-failure must be closed or soft, got \`${printable(storeFailure)}\``);
  let verification: { alg: 'RS256' | 'ES256' | 'HS256'; key: string; keyId?: string } | undefined;
  if (opts.verificationKey !== undefined) {
    const alg = opts.verificationAlg ?? 'RS256';
    if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'HS256') return fail(`--verification-alg must be RS256, ES256 or HS256, got \`${printable(alg)}\``);
    verification = { alg, key: opts.verificationKey, ...(opts.verificationKeyId !== undefined && { keyId: opts.verificationKeyId }) };
  } else if (opts.verificationAlg !== undefined || opts.verificationKeyId !== undefined) return fail('--verification-alg and --verification-key-id need --verification-key');

  let keys: ApiKeys | undefined;
  if (opts.keys !== undefined) {
    const k = ApiKeys.fromFile(opts.keys);
    if (!k.ok) return fail(k.error);
    keys = k.keys;
  }

  let source: ProgramSource;
  try {
    // After the program loader is merged: openProgramSource(spec, ...) from '../../serve/program/index.js'.
    source = await openStandInSource(spec, { ...(verification !== undefined && { verification }), pollSeconds: nums['--poll']! });
  } catch (err) {
    return fail(`cannot serve \`${printable(spec)}\`: ${err instanceof Error ? err.message : String(err)}`);
  }

  let redis: Redis | undefined;
  let store: RedisStore | undefined;
  let storeReady: (() => Promise<string | undefined>) | undefined;
  if (opts.redis !== undefined) {
    // Fail fast when Redis is away: the guard then fails closed or soft, as --store-failure says.
    redis = new Redis(opts.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 100, 1000) });
    redis.on('error', () => undefined);
    // Start once Redis answers or has failed once (then serve anyway: /ready says why, decisions fail as configured).
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      redis!.once('ready', done);
      redis!.once('error', done);
    });
    store = new RedisStore(redis, { timeoutMs: 500 });
    let last: { at: number; why: string | undefined } = { at: 0, why: 'not asked yet' };
    storeReady = async () => {
      if (Date.now() - last.at < 1000) return last.why;
      let why: string | undefined;
      try {
        await Promise.race([redis!.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 500 ms')), 500).unref())]);
      } catch (err) {
        why = `the counter store (Redis) does not answer: ${err instanceof Error ? err.message : String(err)}`;
      }
      last = { at: Date.now(), why };
      return why;
    };
  }

  const log = opts.decisionLog === undefined ? undefined : opts.decisionLog === '-' ? new StdoutDecisionLog() : new JsonlDecisionLog(opts.decisionLog);
  const server = createServer({
    source,
    ...(store !== undefined && { store }),
    ...(storeReady !== undefined && { storeReady }),
    storeFailure,
    keyPrefix: opts.keyPrefix ?? DEFAULTS.keyPrefix,
    ...(keys !== undefined && { keys }),
    ...(log !== undefined && { log }),
    settleTimeoutSeconds: nums['--settle-timeout']!,
    maxBodyBytes: nums['--max-body-bytes']!,
    maxHeaders: nums['--max-headers']!,
    requestTimeoutMs: nums['--request-timeout-ms']!,
    upstreamRedacts: opts.upstreamRedacts === true,
    ...(opts.replica !== undefined && { replica: opts.replica }),
    logLevel: opts.logLevel === undefined || opts.logLevel === 'off' ? false : opts.logLevel,
  });

  let bound: { host: string; port: number };
  try {
    bound = await server.listen(addr.host, addr.port);
  } catch (err) {
    await source.close();
    redis?.disconnect();
    return fail(`cannot listen on ${printable(opts.addr ?? '127.0.0.1:8181')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Terse by default: one line per reload, whatever --log-level says.
  source.onChange((e) => {
    if (e.kind === 'swapped') process.stderr.write(`govc serve: now serving revision ${printable(e.program.revision)} from ${printable(e.program.source)}\n`);
    else process.stderr.write(`govc serve: reload failed, revision ${printable(source.current().revision)} stays: ${printable(e.error)}\n`);
  });
  const p = source.current();
  const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  process.stderr.write(`govc serve: listening on http://${host}:${bound.port} (revision ${printable(p.revision)} from ${printable(p.source)}, replica ${printable(server.replica)})\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`govc serve: ${signal}: draining\n`);
      const bound = setTimeout(() => {
        process.stderr.write('govc serve: drain took too long; exiting\n');
        resolve();
      }, nums['--drain-seconds']! * 1000);
      bound.unref();
      void server
        .close()
        .then(() => source.close())
        .then(() => redis?.disconnect())
        .finally(() => {
          clearTimeout(bound);
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  redis?.disconnect();
  return EXIT.ok;
}
