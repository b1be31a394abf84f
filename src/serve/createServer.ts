import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parseRequestJson } from '../eval/parseRequestJson.js';
import type { DecisionLogEntry, DecisionLogSink } from '../runtime/decisionLog.js';
import type { Guard, GuardOptions } from '../runtime/guard.js';
import { MemoryStore, type CounterStore } from '../runtime/store.js';
import type { AnyRequest, Decision } from '../runtime/types.js';
import { admit } from './admit.js';
import type { ApiKeys } from './apiKeys.js';
import { envoyCheck } from './envoyCheck.js';
import { inputTraceparent, opaPluginCheck, pluginMalformed, pluginRefusal, readPluginInput, type OpaPlugin } from './opaPlugins.js';
import { PortkeyPending, portkeyWebhook } from './portkeyWebhook.js';
import { headerValue } from './headerValue.js';
import { parseOpaBody } from './opaBody.js';
import { logPureDecision } from './pureDecisionLog.js';
import type { ProgramSource, ServedProgram } from './ServedProgram.js';
import { ServeMetrics, type Endpoint } from './serveMetrics.js';
import { Settlements } from './settlements.js';
import { traceContext, traceparent } from './traceContext.js';
import { decisionHeaders, type Exchange } from './exchange.js';

export interface ServeOptions {
  readonly source: ProgramSource;
  /** Counters: a RedisStore for replicas that share budgets. Default: in memory (this process). */
  readonly store?: CounterStore;
  /** Whether `store` is shared (Redis): /ready then asks `storeReady`. */
  readonly storeReady?: () => Promise<string | undefined>;
  readonly storeFailure?: 'closed' | 'soft';
  readonly keyPrefix?: string;
  /** API keys → callers, for the LLM-shaped adapters (Envoy, Portkey). */
  readonly keys?: ApiKeys;
  readonly log?: DecisionLogSink;
  readonly settleTimeoutSeconds?: number;
  readonly maxBodyBytes?: number;
  readonly maxHeaders?: number;
  readonly requestTimeoutMs?: number;
  /** The upstream applies `x-govc-redact` itself: Envoy allows a call whose body holds a class to redact. */
  readonly upstreamRedacts?: boolean;
  /** This process's name in `x-govc-replica` and the log's `labels.replica`. Default `<hostname>-<pid>`. */
  readonly replica?: string;
  readonly maxPending?: number;
  /** fastify's pino logger for operational logs (not decisions): a level, or false (default). */
  readonly logLevel?: string | false;
}

export interface GovcServer {
  readonly app: FastifyInstance;
  readonly metrics: ServeMetrics;
  readonly replica: string;
  /** Listens; resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting, finishes in-flight requests, settles pending calls at their estimate, flushes the log. */
  close(): Promise<void>;
}

export const DEFAULTS = {
  settleTimeoutSeconds: 300,
  maxBodyBytes: 1024 * 1024,
  maxHeaders: 100,
  requestTimeoutMs: 5000,
  maxPending: 100_000,
  keyPrefix: 'govc:',
} as const;

type OpaPath = 'decision' | 'allow' | 'reasons';

/**
 * `govc serve`: a fastify server deciding with the program `source.current()` gives when a request arrives (one
 * program per request, whatever reloads meanwhile), metering through the runtime's guard. Endpoints: docs/serve.md.
 */
export function createServer(options: ServeOptions): GovcServer {
  const source = options.source;
  const store = options.store ?? new MemoryStore();
  const prefix = options.keyPrefix ?? DEFAULTS.keyPrefix;
  const replica = options.replica ?? `${hostname()}-${process.pid}`;
  const maxBody = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const maxHeaders = options.maxHeaders ?? DEFAULTS.maxHeaders;
  const settlements = new Settlements((options.settleTimeoutSeconds ?? DEFAULTS.settleTimeoutSeconds) * 1000, options.maxPending ?? DEFAULTS.maxPending);
  const metrics = new ServeMetrics(source, store, prefix, () => settlements.size);
  source.onChange((e) => {
    metrics.reloads.inc({ result: e.kind });
    if (e.kind === 'failed') app.log.warn({ error: e.error }, 'program reload failed; the current program stays');
  });

  // Log entries of metered decisions carry serve's labels; the runtime's writes go through this sink.
  const sink: DecisionLogSink | undefined = options.log;
  const guards = new WeakMap<ServedProgram, Guard<AnyRequest, Decision>>();
  const guardOf = (p: ServedProgram): Guard<AnyRequest, Decision> => {
    let g = guards.get(p);
    if (g === undefined) {
      const go: GuardOptions = {
        store,
        keyPrefix: prefix,
        storeFailure: options.storeFailure ?? 'closed',
        ...(sink !== undefined && { log: sink }),
        labels: { app: 'govc-serve', replica },
        onStoreError: (err) => {
          metrics.storeErrors.inc();
          app.log.warn({ error: err instanceof Error ? err.message : String(err) }, 'counter store error');
        },
        onLogError: (err) => app.log.error({ error: err instanceof Error ? err.message : String(err) }, 'decision log write failed'),
      };
      g = p.guards.createGuard(go) as Guard<AnyRequest, Decision>;
      guards.set(p, g);
    }
    return g;
  };

  const app = Fastify({
    // Operational logs on standard error (standard output may carry the decision log); fastify logs every request at info.
    logger: options.logLevel ? { level: options.logLevel, stream: process.stderr } : false,
    bodyLimit: maxBody,
    handlerTimeout: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    requestTimeout: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    connectionTimeout: 0,
    // Longer than the idle timeout clients are told to use (docs/serve/envoy.yaml: 60 s), so govc never closes a
    // kept-alive connection a check is being sent on (a reset there is refused as a failed check).
    keepAliveTimeout: 75_000,
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    genReqId: () => randomUUID(),
  });
  // Node drops headers beyond maxHeadersCount silently, and a dropped Host makes its own empty 400; with no count limit
  // (the header bytes stay bounded by Node's maxHeaderSize, 16 KiB) every header arrives and the hook below refuses.
  app.server.maxHeadersCount = 0;

  app.removeAllContentTypeParsers();
  // Bodies are read as bytes and parsed per endpoint, as every govc target parses JSON (parseRequestJson).
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBody }, (_req, body, done) => done(null, body));

  /** `traceHeader`: the caller's traceparent (default: the request's own; the OPA plugins pass the client's in their input). */
  const exchange = (req: FastifyRequest, traceHeader: string | string[] | undefined = req.headers.traceparent, path?: string): Exchange => {
    const program = source.current();
    const trace = traceContext(traceHeader);
    const decisionId = randomUUID();
    return {
      program,
      guard: guardOf(program),
      trace,
      decisionId,
      started: process.hrtime.bigint(),
      logFields: (requestTraceId: unknown) => ({
        trace_id: trace.fromHeader ? trace.traceId : typeof requestTraceId === 'string' ? requestTraceId : trace.traceId,
        span_id: trace.spanId,
        req_id: req.id,
        requested_by: req.ip,
        ...(path !== undefined && { path }),
      }),
    };
  };
  const seconds = (ex: Exchange): number => Number(process.hrtime.bigint() - ex.started) / 1e9;

  const endpointOf = (url: string): Endpoint | 'other' =>
    url.startsWith('/v1/data/govc/kong') ? 'kong' : url.startsWith('/v1/data/govc/apisix') ? 'apisix' : url.startsWith('/v1/data/') ? 'opa' : url.startsWith('/envoy/check') ? 'envoy' : url.startsWith('/v1/decide') ? 'decide' : url.startsWith('/v1/settle') ? 'settle' : url.startsWith('/portkey') ? 'portkey' : 'other';

  /** A refusal before any decision (too big, too many headers, too slow...), in the endpoint's own shape. */
  const refuseEarly = (req: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply => {
    const endpoint = endpointOf(req.url);
    const id = randomUUID();
    reply.code(status).header('x-govc-decision-id', id).header('x-govc-replica', headerValue(replica)).header('content-type', 'application/json; charset=utf-8');
    if (endpoint === 'kong' || endpoint === 'apisix') {
      // The plugins read only a 200 answer's `result` (docs/serve.md): the refusal, and its status, go in there.
      const reasons = [{ code: 'malformed_request', message }];
      metrics.decided(endpoint, 'deny', reasons, 0);
      const headers = { 'x-govc-decision-id': id, 'x-govc-replica': headerValue(replica) };
      return reply.code(200).send(pluginRefusal(endpoint, id, status, { error: { type: 'govc_denied', message, reasons, decision_id: id } }, headers));
    }
    if (endpoint === 'opa') return reply.send({ code: status === 413 ? 'invalid_parameter' : status >= 500 ? 'internal_error' : 'invalid_parameter', message });
    // A refused decision request counts as a deny; a refused settle call is no decision.
    if (endpoint !== 'other' && endpoint !== 'settle') metrics.decided(endpoint, 'deny', [{ code: 'malformed_request' }], 0);
    return reply.send({ error: { type: endpoint === 'envoy' || endpoint === 'portkey' ? 'govc_denied' : 'govc_bad_request', message, reasons: [{ code: 'malformed_request', message }], decision_id: id } });
  };

  app.addHook('onRequest', (req, reply, done) => {
    const n = req.raw.rawHeaders.length / 2;
    if (n > maxHeaders) {
      void refuseEarly(req, reply, 431, `the request has more than ${maxHeaders} headers`);
      return;
    }
    done();
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const message =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `the request body is larger than ${maxBody} bytes`
        : err.code === 'FST_ERR_HANDLER_TIMEOUT'
          ? 'the decision took longer than the request timeout; refused'
          : status >= 500
            ? 'govc serve could not decide this request; refused'
            : `the request cannot be read: ${headerValue(err.message, 200)}`;
    if (status >= 500) app.log.error({ err }, 'request failed');
    return refuseEarly(req, reply, status === 500 ? 500 : status, message);
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'resource_not_found', message: `no endpoint \`${headerValue(req.url, 200)}\`; see docs/serve.md` }));

  // --- Health -------------------------------------------------------------------------------------------------
  app.get('/health', (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const p = source.current();
    const body = { revision: p.revision, source: p.source, loadedAt: p.loadedAt, verified: p.verified };
    const why = options.storeReady ? await options.storeReady() : undefined;
    if (why !== undefined) return reply.code(503).send({ status: 'unavailable', why, ...body });
    return reply.send({ status: 'ready', ...body });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });

  // --- OPA-compatible (pure decisions: no counters are touched) ---------------------------------------------
  const opa = (path: OpaPath) => async (req: FastifyRequest, reply: FastifyReply) => {
    const ex = exchange(req);
    const raw = req.body;
    let input: unknown;
    let missing = false;
    if (!Buffer.isBuffer(raw) || raw.length === 0) missing = true;
    else {
      const parsed = parseOpaBody(raw);
      if (!parsed.ok) return reply.code(400).send({ code: 'invalid_parameter', message: `body contains malformed input document: ${parsed.error}` });
      const doc = parsed.value;
      if (doc === null) missing = true;
      else if (typeof doc !== 'object' || Array.isArray(doc)) return reply.code(400).send({ code: 'invalid_parameter', message: `body contains malformed input document: the body must be a JSON object, not ${Array.isArray(doc) ? 'an array' : typeof doc}` });
      else if (!Object.prototype.hasOwnProperty.call(doc, 'input')) missing = true;
      else {
        input = (doc as Record<string, unknown>).input;
        // OPA reads `"input": null` as no input at all.
        if (input === null) {
          input = undefined;
          missing = true;
        }
      }
    }
    const decision = ex.program.guards.decideUnknown(input) as Decision;
    metrics.decided('opa', decision.decision, decision.reasons, seconds(ex));
    if (sink !== undefined) logPureDecision(sink, ex, input, decision, `govc/${path}`, (err) => app.log.error({ error: String(err) }, 'decision log write failed'));
    const result = path === 'decision' ? decision : path === 'allow' ? decision.allow : decision.reasons;
    reply.header('x-govc-decision-id', ex.decisionId).header('traceparent', traceparent(ex.trace));
    return reply.send(missing ? { decision_id: ex.decisionId, result, warning: { code: 'api_usage_warning', message: "'input' key missing from the request" } } : { decision_id: ex.decisionId, result });
  };
  for (const p of ['decision', 'allow', 'reasons'] as const) app.post(`/v1/data/govc/${p}`, opa(p));

  // --- Native metered ---------------------------------------------------------------------------------------
  app.post('/v1/decide', async (req, reply) => {
    const ex = exchange(req);
    const bad = (message: string): FastifyReply => {
      metrics.decided('decide', 'deny', [{ code: 'malformed_request' }], seconds(ex));
      return reply.code(400).headers(decisionHeaders(ex, replica)).send({ error: { type: 'govc_bad_request', message, decision_id: ex.decisionId } });
    };
    const raw = req.body;
    if (!Buffer.isBuffer(raw) || raw.length === 0) return bad('the body must be a govc request (a JSON object)');
    const parsed = parseRequestJson(raw);
    if (!parsed.ok) return bad(`the body is not JSON: ${parsed.error}`);
    const request = parsed.value;
    if (typeof request === 'object' && request !== null && !Array.isArray(request)) {
      for (const k of ['spend', 'rate']) {
        if (Object.prototype.hasOwnProperty.call(request, k)) return bad(`\`${k}\` is counted by govc serve: send the request without it`);
      }
    }
    const traceId = typeof request === 'object' && request !== null ? (request as { trace_id?: unknown }).trace_id : undefined;
    const a = await admit(ex.guard, request, settlements, { decisionId: ex.decisionId, logFields: ex.logFields(traceId), defer: true });
    const decision = a.kind === 'admitted' ? a.ctx.decision : a.result.decision;
    metrics.decided('decide', decision.decision, decision.reasons, seconds(ex));
    reply.headers(decisionHeaders(ex, replica));
    if (a.kind === 'admitted') return reply.send({ decision, decision_id: ex.decisionId, settle: a.deferred ? '/v1/settle' : null, replica });
    const r = a.result;
    const refusal = r.ok ? null : r.refusal === 'policy' ? null : r.refusal;
    return reply.send({ decision, decision_id: ex.decisionId, settle: null, replica, ...(refusal !== null && { refusal, message: r.ok ? null : r.message }) });
  });

  app.post('/v1/settle', async (req, reply) => {
    const started = process.hrtime.bigint();
    const raw = req.body;
    const bad = (status: number, message: string): FastifyReply => reply.code(status).header('x-govc-replica', headerValue(replica)).send({ error: { type: status === 404 ? 'govc_not_pending' : 'govc_bad_request', message } });
    const parsed = Buffer.isBuffer(raw) && raw.length > 0 ? parseRequestJson(raw) : { ok: false as const, error: 'empty body' };
    if (!parsed.ok) return bad(400, `the body is not JSON: ${parsed.error}`);
    const b = parsed.value as Record<string, unknown> | null;
    if (typeof b !== 'object' || b === null || Array.isArray(b) || typeof b.decision_id !== 'string') return bad(400, 'send {"decision_id", "usage": {"input_tokens", "output_tokens"}} or {"decision_id", "outcome": "failed"}');
    const id = b.decision_id;
    let s: { usage: { input_tokens: number; output_tokens: number } } | { failed: true };
    if (b.outcome === 'failed') s = { failed: true };
    else {
      const u = b.usage as Record<string, unknown> | undefined;
      const tok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 1_000_000_000;
      if (typeof u !== 'object' || u === null || !tok(u.input_tokens) || !tok(u.output_tokens)) return bad(400, '`usage` must be {"input_tokens", "output_tokens"}, whole numbers of tokens (or send "outcome": "failed")');
      s = { usage: { input_tokens: u.input_tokens, output_tokens: u.output_tokens } };
    }
    const done = settlements.settle(id, s);
    if (done === undefined) return bad(404, `no call is waiting to be settled under decision id \`${headerValue(id, 100)}\` on replica \`${headerValue(replica)}\` (unknown, already settled, timed out and charged its estimate, or admitted by another replica)`);
    const r = await done;
    metrics.duration.observe({ endpoint: 'settle' }, Number(process.hrtime.bigint() - started) / 1e9);
    return reply.header('x-govc-replica', headerValue(replica)).send({
      decision_id: id,
      settled: 'failed' in s ? 'failed' : 'usage',
      cost_micros: r !== undefined && r.ok ? r.cost_micros : 0,
    });
  });

  // --- Envoy ext_authz HTTP mode ----------------------------------------------------------------------------
  const envoy = async (req: FastifyRequest, reply: FastifyReply) => {
    const ex = exchange(req);
    const answer = await envoyCheck(req, ex, { keys: options.keys, settlements, upstreamRedacts: options.upstreamRedacts ?? false, replica });
    metrics.decided('envoy', answer.decision, answer.reasons, seconds(ex));
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  };
  app.all('/envoy/check', envoy);
  app.all('/envoy/check/*', envoy);

  // --- Kong's and APISIX's OPA plugins ------------------------------------------------------------------------
  const plugin = (kind: OpaPlugin) => async (req: FastifyRequest, reply: FastifyReply) => {
    const input = readPluginInput(kind, req.body, maxHeaders);
    const ex = exchange(req, inputTraceparent(input), `govc/${kind}`);
    const answer = input.ok
      ? await opaPluginCheck(kind, input.request, ex, { keys: options.keys, settlements, upstreamRedacts: options.upstreamRedacts ?? false, replica })
      : pluginMalformed(kind, ex, replica, input.status, input.message);
    metrics.decided(kind, answer.decision, answer.reasons, seconds(ex));
    return reply.code(200).headers(answer.headers).send(answer.body);
  };
  app.post('/v1/data/govc/kong', plugin('kong'));
  app.post('/v1/data/govc/apisix', plugin('apisix'));

  // --- Portkey webhook guardrail ------------------------------------------------------------------------------
  const portkeyPending = new PortkeyPending(options.maxPending ?? DEFAULTS.maxPending);
  app.post('/portkey/webhook', async (req, reply) => {
    const ex = exchange(req);
    const answer = await portkeyWebhook(req, ex, { keys: options.keys, settlements, pending: portkeyPending, replica });
    if (answer.decision !== 'settle') metrics.decided('portkey', answer.decision, answer.reasons, seconds(ex));
    else metrics.duration.observe({ endpoint: 'settle' }, seconds(ex));
    return reply.code(200).headers(answer.headers).send(answer.body);
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    metrics,
    replica,
    async listen(host: string, port: number) {
      await app.listen({ host, port });
      const a = app.server.address();
      return typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port };
    },
    close() {
      closing ??= (async () => {
        await app.close();
        await settlements.drain();
        const flush = (sink as { flush?: () => Promise<void> } | undefined)?.flush;
        if (flush) await flush.call(sink).catch(() => undefined);
      })();
      return closing;
    },
  };
}

export type { DecisionLogEntry };
