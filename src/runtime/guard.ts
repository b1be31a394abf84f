import { randomUUID } from 'node:crypto';
import { budgetKey, PERIOD_TTL_SECONDS, RATE_TTL_SECONDS, rateKey } from './counterKeys.js';
import type { DecisionLogEntry, DecisionLogSink } from './decisionLog.js';
import { createEntryBuilder, type EntryExtra } from './decisionLogEntry.js';
import { malformedReason } from './decideSupport.js';
import { costMicros } from './policy.js';
import {
  compileClasses,
  DEFAULT_INSPECTION_LIMITS,
  detectStrings,
  inspect,
  redact,
  snapshotRequest,
  type CompiledClass,
  type InspectionLimits,
  type JsonObject,
  type JsonValue,
} from './redact.js';
import { MemoryStore, type AddOp, type CounterStore, type ReserveOp } from './store.js';
import type { AnyRequest, Decision, GuardPolicy, LogLevel, LogLevels, PolicyUseCase } from './types.js';
import { isValidTime, requestProblem } from './validate.js';

/**
 * `guard.invoke(request, call)`: inspect, decide, redact, meter, call, record, log. The policy decides (the
 * generated `decide`, identical to every other target); the runtime supplies what a decision alone cannot know —
 * the counters — and keeps them: it snapshots the request into plain JSON data (refusing what it cannot fully
 * inspect), detects data classes in that snapshot, reads spend and rate counters from a store, decides with them,
 * reserves the estimated cost and tokens atomically (so concurrent callers, in one process or across replicas
 * sharing Redis, never exceed a limit together), calls the model with the chosen model and the redacted snapshot,
 * settles the reservation to the actual cost from the response's token usage, and writes a decision log entry
 * that holds only what the use case's log rules allow. It never throws.
 */

export interface GuardOptions {
  /** Where counters live. Default: a MemoryStore (this process only). */
  readonly store?: CounterStore;
  /** Decision log sink (JsonlDecisionLog, MemoryDecisionLog...). Default: none. */
  readonly log?: DecisionLogSink;
  /** Prefix of every counter key. Default `govc:`. */
  readonly keyPrefix?: string;
  /**
   * What to do when the store fails (unreachable, timeout, a reply that is not counters). `closed` (default): the
   * counters are not supplied, so the policy denies with `counter_missing` for every limit that needs one.
   * `soft`: budgets count as exhausted, so the use case's `on budget_exhausted` applies (degrade to the named model
   * within its cap, else refuse with its message), and budgets and rates are metered in this process, from the
   * last values it saw, until the store answers again (docs/guards.md gives the bound across replicas). Either way
   * the entry's `store` is `unavailable` and `onStoreError` is called: a store failure is never silent and never
   * lets a call through unmetered.
   */
  readonly storeFailure?: 'closed' | 'soft';
  readonly onStoreError?: (error: unknown) => void;
  /** Called when the decision log sink throws or rejects. Default: a process warning (`GOVC_DECISION_LOG`). */
  readonly onLogError?: (error: unknown) => void;
  /** In-flight calls allowed per use case and per (use case, tenant) in this process; refused beyond. */
  readonly concurrency?: { readonly perUseCase?: number; readonly perTenant?: number };
  /** Find data classes in the input with the declared detectors and add them to `data_classes`. Default true. */
  readonly detectDataClasses?: boolean;
  /** Bounds on the request invoke inspects (depth, values, characters); beyond them it is denied. */
  readonly inspection?: Partial<InspectionLimits>;
  /** How far a request's own `time` may be from the clock, in ms. Default 300,000 (5 minutes). */
  readonly maxClockSkewMs?: number;
  /** Token usage of a call's result; the default reads OpenAI (`prompt_tokens`/`completion_tokens`, `input_tokens`/`output_tokens`) and Anthropic shapes. */
  readonly usage?: (output: unknown) => { input: number; output: number } | undefined;
  /** Milliseconds since the epoch; for tests. Default Date.now (also when it throws or is not a time). */
  readonly clock?: () => number;
  /** Labels copied into every log entry (OPA's `labels`). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What `invoke` passes to the model call. */
export interface CallContext<D extends Decision> {
  readonly model: NonNullable<D['model']>;
  readonly provider: NonNullable<D['provider']>;
  /** The request's input as inspected, with the obligations' data classes redacted; deeply frozen JSON data. */
  readonly input: unknown;
  readonly decision: D;
  readonly decision_id: string;
}

export type InvokeResult<D extends Decision, O> =
  | {
      readonly ok: true;
      readonly decision: D;
      readonly decision_id: string;
      readonly output: O;
      readonly cost_micros: number;
      readonly usage: { readonly input_tokens: number; readonly output_tokens: number } | null;
    }
  | {
      readonly ok: false;
      readonly decision: D;
      readonly decision_id: string;
      /** The text to show the user: the policy's refusal message, or the rate message for concurrency. */
      readonly message: string | null;
      /** `policy`: the decision is a deny. `concurrency`, `contention`: the runtime refused an allowed call. */
      readonly refusal: 'policy' | 'concurrency' | 'contention';
    }
  | {
      readonly ok: false;
      /** The allow or degrade the call was made under (or, for a failure inside the runtime itself, a deny). */
      readonly decision: D;
      readonly decision_id: string;
      readonly message: null;
      /** `error`: the call threw or rejected; its reservation was given back. */
      readonly refusal: 'error';
      /** What the call threw, as it threw it. */
      readonly error: unknown;
    };

/** A request for `invoke`: counters and time are the runtime's job; `input` is the payload to redact and send. */
export type InvokeRequest<R> = R extends unknown ? Omit<R, 'spend' | 'rate' | 'time'> & { readonly time?: string; readonly input?: unknown } : never;

/** Per call, for a caller that is itself a service (govc serve): its own decision id and log fields. */
export interface InvokeOptions {
  /** The decision's id. Default: a new UUID. */
  readonly decisionId?: string;
  /** Fields added to this call's log entry (a server's `span_id`, `req_id`, `requested_by`...); they replace fields of the same name. */
  readonly logFields?: Readonly<Record<string, unknown>>;
}

export interface Guard<R extends AnyRequest, D extends Decision> {
  readonly policy: GuardPolicy<R, D>;
  decide(request: R): D;
  /**
   * The log entry of a decision made without `invoke` (a pure decision: no counters, no call), written by the
   * same log rules as invoke's entries. `request` is what was decided; it is snapshotted, never kept.
   */
  logEntry(request: unknown, decision: D, options?: InvokeOptions & { readonly path?: string }): DecisionLogEntry;
  /** Never throws: every outcome, a failed call included, is an InvokeResult. */
  invoke<O>(request: InvokeRequest<R>, call: (ctx: CallContext<D>) => Promise<O> | O, options?: InvokeOptions): Promise<InvokeResult<D, O>>;
}

const MAX_ATTEMPTS = 16;
// The validator's bounds (docs/semantics.md): a counter beyond them is past every limit anyway.
const MAX_TOKENS = 1_000_000_000;
const MAX_SPEND = 1_000_000_000_000_000;
const MAX_RATE = 1_000_000_000_000;
const DEFAULT_SKEW_MS = 300_000;
const MAX_ERROR_CHARS = 2000;
const SHOWN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Counters = { spend?: Record<string, Record<string, number>>; rate?: Record<string, Record<string, number>> };
interface Keys {
  readonly budget: readonly string[];
  readonly rate: readonly string[];
}
const NO_KEYS: Keys = { budget: [], rate: [] };

function isTokenCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_TOKENS;
}

/** OpenAI and Anthropic usage shapes; each property is read once. */
function defaultUsage(output: unknown): { input: number; output: number } | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const u: unknown = (output as { usage?: unknown }).usage;
  if (typeof u !== 'object' || u === null) return undefined;
  const first = (...keys: string[]): unknown => {
    for (const k of keys) {
      const v: unknown = (u as Record<string, unknown>)[k];
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const input = first('input_tokens', 'prompt_tokens', 'input');
  const out = first('output_tokens', 'completion_tokens', 'output');
  return input === undefined && out === undefined ? undefined : { input: (input ?? 0) as number, output: (out ?? 0) as number };
}

/** The counters a store answered, when they are counters: as many as asked, integers, never negative. */
function counterValues(got: unknown, n: number): readonly number[] | undefined {
  if (!Array.isArray(got) || got.length !== n) return undefined;
  for (const v of got as unknown[]) if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return undefined;
  return got as number[];
}

/** A thrown value as bounded text, without trusting it: its getters and toString may throw too. */
function errorText(err: unknown): string {
  let s: string;
  try {
    s = err instanceof Error ? String(err.message) : typeof err === 'string' ? err : String(err);
  } catch {
    s = 'an error that cannot be printed';
  }
  return s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS)}… (${s.length - MAX_ERROR_CHARS} more characters)` : s;
}

class StoreDown {
  constructor(readonly error: unknown) {}
}

export function createGuard<R extends AnyRequest, D extends Decision>(policy: GuardPolicy<R, D>, options: GuardOptions = {}): Guard<R, D> {
  const userClock = options.clock ?? Date.now;
  const clock = (): number => {
    let t: unknown;
    try {
      t = userClock();
    } catch {
      return Date.now();
    }
    return typeof t === 'number' && Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? t : Date.now();
  };
  const store = options.store ?? new MemoryStore(clock);
  const prefix = options.keyPrefix ?? 'govc:';
  const failSoft = options.storeFailure === 'soft';
  const classes: Map<string, CompiledClass> = compileClasses(policy.dataClasses.values());
  const detectable: readonly CompiledClass[] = [...classes.values()].filter((c) => c.detectors.length > 0);
  const usageOf = options.usage ?? defaultUsage;
  const inFlight = new Map<string, number>();
  const detectClasses = options.detectDataClasses ?? true;
  const limits: InspectionLimits = { ...DEFAULT_INSPECTION_LIMITS, ...options.inspection };
  const maxSkew = options.maxClockSkewMs ?? DEFAULT_SKEW_MS;
  // A key appears in a refusal's message only when it cannot be user data: a short identifier no detector matches.
  const showKey = (k: string): boolean => k.length <= 40 && SHOWN_KEY.test(k) && !detectable.some((c) => c.detectors.some((d) => d.detector.test(k)));

  const safely = (f: ((e: unknown) => void) | undefined, err: unknown): void => {
    try {
      f?.(err);
    } catch {
      // A reporting callback that throws must not become invoke's failure.
    }
  };
  const onLogError =
    options.onLogError ?? ((err: unknown) => process.emitWarning(`a decision log entry could not be written: ${errorText(err)}`, { code: 'GOVC_DECISION_LOG' }));

  const storeError = (err: unknown): StoreDown => {
    safely(options.onStoreError, err);
    return new StoreDown(err);
  };
  const tryStore = async <T>(p: () => Promise<T>): Promise<T | StoreDown> => {
    try {
      return await p();
    } catch (err) {
      return storeError(err);
    }
  };

  // --- When the store is unavailable -------------------------------------------------------------------------
  // `observed`: the last value this process saw of each counter (soft mode only). Per use case (one Redis Cluster
  // slot, one failure domain): `fallback`, the counters this process meters alone while the store is down, seeded
  // from `observed` (budgets at least exhausted); `backlog`, what this process added to counters that the store
  // has not seen (spend while down, settlements that failed). The backlog is added to the store before the store's
  // values are used again, so this process's spend is never forgotten when the store comes back.
  interface Outage {
    fallback: MemoryStore | null;
    backlog: Map<string, { amount: number; ttl: number }>;
    flushing: Promise<boolean> | null;
  }
  const observed = failSoft ? new MemoryStore(clock) : null;
  const outages = new Map<string, Outage>();
  const outageOf = (uc: string): Outage => {
    let o = outages.get(uc);
    if (o === undefined) outages.set(uc, (o = { fallback: null, backlog: new Map(), flushing: null }));
    return o;
  };

  const toBacklog = (uc: string, adds: readonly AddOp[]): void => {
    const g = outageOf(uc).backlog;
    for (const a of adds) {
      const e = g.get(a.key);
      if (e === undefined) g.set(a.key, { amount: a.amount, ttl: a.ttlSeconds });
      else e.amount += a.amount;
    }
  };

  /** Adds a use case's backlog to the store (one flush at a time); false when the store did not take it. */
  const flush = (o: Outage): Promise<boolean> => {
    if (o.flushing !== null) return o.flushing;
    o.flushing = (async () => {
      const taken = o.backlog;
      o.backlog = new Map();
      const adds: AddOp[] = [];
      for (const [key, e] of taken) if (e.amount !== 0) adds.push({ key, amount: e.amount, ttlSeconds: e.ttl });
      if (adds.length === 0 || !((await tryStore(() => store.add(adds))) instanceof StoreDown)) return true;
      // Not taken: back in front of whatever was added meanwhile.
      for (const [key, e] of o.backlog) {
        const t = taken.get(key);
        if (t === undefined) taken.set(key, e);
        else t.amount += e.amount;
      }
      o.backlog = taken;
      return false;
    })().finally(() => {
      o.flushing = null;
    });
    return o.flushing;
  };

  // Building a use case's keys (percent-encoding, UTC periods) costs microseconds; every period boundary is a
  // minute boundary, so a (use case, tenant)'s keys are the same all minute. Bounded: cleared when full.
  const keyCache = new Map<string, { minute: number; keys: Keys }>();
  function keysOf(uc: PolicyUseCase, tenant: string, ms: number): Keys {
    const minute = Math.floor(ms / 60_000);
    const id = `${uc.name}\u0000${tenant}`;
    const hit = keyCache.get(id);
    if (hit !== undefined && hit.minute === minute) return hit.keys;
    const keys: Keys = {
      budget: uc.budgets.map((b) => budgetKey(prefix, uc.name, tenant, b.scope, b.period, ms)),
      rate: uc.rate_limits.map((l) => rateKey(prefix, uc.name, tenant, l.scope, l.kind, ms)),
    };
    if (keyCache.size >= 10_000 && hit === undefined) keyCache.clear();
    keyCache.set(id, { minute, keys });
    return keys;
  }

  function countersFrom(uc: PolicyUseCase, budgetValues: readonly number[] | undefined, rateValues: readonly number[] | undefined): Counters {
    const c: Counters = {};
    if (budgetValues !== undefined) {
      uc.budgets.forEach((b, i) => {
        ((c.spend ??= {})[b.scope] ??= {})[b.period] = Math.min(budgetValues[i]!, MAX_SPEND);
      });
    }
    if (rateValues !== undefined) {
      uc.rate_limits.forEach((l, i) => {
        ((c.rate ??= {})[l.scope] ??= {})[l.kind] = Math.min(rateValues[i]!, MAX_RATE);
      });
    }
    return c;
  }

  /** A deny for a request invoke cannot take, shaped as every target's `malformed_request` deny. */
  const malformed = (message: string, traceId: JsonValue | undefined): D =>
    ({
      decision: 'deny',
      allow: false,
      use_case: null,
      model: null,
      provider: null,
      reasons: [malformedReason(message)],
      message: null,
      obligations: null,
      limits: null,
      trace_id: typeof traceId === 'string' ? traceId : null,
      policy_revision: policy.revision,
    }) as unknown as D;

  // --- Decision logs ----------------------------------------------------------------------------------------

  const buildEntry = createEntryBuilder(policy, { detectable, limits, showKey, labels: options.labels });

  const writeLog = async (entry: DecisionLogEntry): Promise<void> => {
    try {
      await options.log!.write(entry);
    } catch (err) {
      safely(onLogError, err);
    }
  };

  // --- invoke -----------------------------------------------------------------------------------------------

  async function run<O>(request: unknown, call: (ctx: CallContext<D>) => Promise<O> | O, callOptions: InvokeOptions | undefined): Promise<InvokeResult<D, O>> {
    const t0 = process.hrtime.bigint();
    const decisionId = callOptions?.decisionId ?? randomUUID();
    const now = clock();
    const nowIso = new Date(now).toISOString();

    // 1. Snapshot: everything below reads only this copy, so the request is read once and what is decided,
    // metered, sent and logged is one and the same data.
    const snap = snapshotRequest(request, limits, showKey, detectClasses);
    const req: JsonObject = snap.ok ? snap.request : snap.partial;
    const uc = typeof req.use_case === 'string' ? policy.useCases.get(req.use_case) : undefined;
    const tenant = typeof req.tenant === 'string' ? req.tenant : '';
    const found = snap.ok && snap.inputStrings !== null ? detectStrings(snap.inputStrings, detectable) : null;

    let decision!: D;
    let refusal: 'policy' | 'concurrency' | 'contention' | null = null;
    let storeState: DecisionLogEntry['store'] = 'none';
    let estimate = 0;
    let decideNs = 0;
    let reserved: readonly ReserveOp[] = [];
    let reservedOn: CounterStore | null = null;
    let keys = NO_KEYS;
    let input: JsonValue | undefined;
    let tokensIn = 0;
    let tokensOut = 0;
    // What the log entry's `input` is made from: the request as decided (time and detected classes filled in).
    let logView: JsonObject = req;

    const entry = (extra: EntryExtra): DecisionLogEntry =>
      buildEntry({
        decisionId,
        timestamp: nowIso,
        decision,
        useCase: uc,
        tenant: typeof req.tenant === 'string' ? req.tenant : null,
        request: logView,
        found,
        refusal,
        estimate,
        store: storeState,
        decideNs,
        started: t0,
        extra,
        ...(callOptions?.logFields !== undefined && { logFields: callOptions.logFields }),
      });

    /** Adds to the counters a reservation went to; what the store cannot take now waits in the backlog. */
    const adjust = async (amountOf: (o: ReserveOp) => number): Promise<void> => {
      const adds: AddOp[] = [];
      for (const o of reserved) {
        const a = amountOf(o);
        if (a !== 0) adds.push({ key: o.key, amount: a, ttlSeconds: o.ttlSeconds });
      }
      if (adds.length === 0 || reservedOn === null || uc === undefined) return;
      if (reservedOn !== store) {
        // Reserved in this process while the store was down: the store learns of it with the rest of the backlog.
        await reservedOn.add(adds);
        toBacklog(uc.name, adds);
        return;
      }
      if ((await tryStore(() => store.add(adds))) instanceof StoreDown) {
        storeState = 'unavailable';
        toBacklog(uc.name, adds);
      }
    };

    const refuse = async (): Promise<InvokeResult<D, O>> => {
      // Nothing was called: give back all that was reserved, the request's own count included.
      await adjust((o) => -o.amount);
      if (options.log) await writeLog(entry({ cost: 0, usage: null }));
      const r = refusal as 'policy' | 'concurrency' | 'contention';
      return { ok: false, decision, decision_id: decisionId, message: r === 'policy' ? decision.message : (uc?.rate_message ?? null), refusal: r };
    };

    if (!snap.ok) {
      decision = malformed(snap.problem, req.trace_id);
      refusal = 'policy';
      return refuse();
    }

    // 2. The decision's request: the snapshot without the payload, with the detected classes and the time.
    const base: Record<string, JsonValue> = {};
    for (const k of Object.keys(req)) if (k !== 'input') base[k] = req[k]!;
    if (found !== null && found.length > 0) {
      const dc = req.data_classes;
      if (dc === undefined) base.data_classes = found;
      else if (Array.isArray(dc)) base.data_classes = [...new Set([...(dc as readonly JsonValue[]), ...found])];
      // Any other `data_classes` stays as sent, for the policy to deny as malformed.
    }
    let timeProblem: string | undefined;
    if (req.time === undefined) base.time = nowIso;
    else if (typeof req.time === 'string' && isValidTime(req.time)) {
      // A request's time picks approval dates; a caller must not pick another day's (or another period's) policy.
      const at = Date.parse(req.time);
      if (!(Math.abs(at - now) <= maxSkew)) timeProblem = `\`time\` must be within ${maxSkew / 1000} seconds of the guard's clock (send no \`time\` to use the clock)`;
    }

    logView = req.input === undefined ? base : { ...base, input: req.input };

    const tDecide = process.hrtime.bigint();
    if (requestProblem(base) !== undefined || uc === undefined) {
      // Malformed or unknown: the policy says so, and no counter is read.
      decision = policy.decide(base);
      if (decision.decision === 'deny') refusal = 'policy';
    } else if (timeProblem !== undefined) {
      decision = malformed(timeProblem, req.trace_id);
      refusal = 'policy';
    } else {
      const tk = base.tokens as { readonly input?: number; readonly output?: number } | undefined;
      tokensIn = tk?.input ?? 0;
      tokensOut = tk?.output ?? 0;
      await meter(uc);
    }
    decideNs = Number(process.hrtime.bigint() - tDecide);

    /** Reads the counters, decides with them and reserves, deciding again on contention (at most 16 times). */
    async function meter(uc: PolicyUseCase): Promise<void> {
      const nb = uc.budgets.length;
      const n = nb + uc.rate_limits.length;
      let budgetValues: readonly number[] | undefined;
      let rateValues: readonly number[] | undefined;
      // Set once the store failed: the in-process counters to meter on (soft), or null (closed: nothing to meter).
      const down: { local: MemoryStore | null; yes: boolean } = { local: null, yes: false };
      const take = (values: readonly number[]): void => {
        budgetValues = values.slice(0, nb);
        rateValues = values.slice(nb);
      };
      const goDown = (): void => {
        storeState = 'unavailable';
        down.yes = true;
        budgetValues = undefined;
        rateValues = undefined;
        if (!failSoft) return;
        // Soft: meter here, from the last values seen; a budget counts at least as exhausted, so only the
        // degrade rule (within its cap) or its refusal applies while the store cannot be asked.
        const outage = outageOf(uc.name);
        const local = (down.local = outage.fallback ??= new MemoryStore(clock));
        budgetValues = uc.budgets.map((b, i) => local.seed(keys.budget[i]!, Math.max(observed!.peek(keys.budget[i]!) ?? 0, b.amount_micros + 1), PERIOD_TTL_SECONDS[b.period]));
        rateValues = uc.rate_limits.map((_, i) => local.seed(keys.rate[i]!, observed!.peek(keys.rate[i]!) ?? 0, RATE_TTL_SECONDS));
      };
      const observe = (ks: readonly string[], values: readonly number[], ttl: (i: number) => number): void => {
        if (observed !== null) for (let i = 0; i < ks.length; i++) observed.put(ks[i]!, values[i]!, ttl(i));
      };
      const ttlOf = (i: number): number => (i < nb ? PERIOD_TTL_SECONDS[uc.budgets[i]!.period] : RATE_TTL_SECONDS);

      if (n === 0) {
        decision = policy.decide(base);
        if (decision.decision === 'deny') refusal = 'policy';
        return;
      }
      storeState = 'available';
      keys = keysOf(uc, tenant, now);
      const all = [...keys.budget, ...keys.rate];
      // What this process added while the store was away goes in first, so the values read include it.
      const outage = outages.get(uc.name);
      if (outage !== undefined && (outage.backlog.size > 0 || outage.flushing !== null) && !(await flush(outage))) goDown();
      else {
        const got = await tryStore(() => store.get(all));
        const values = got instanceof StoreDown ? undefined : counterValues(got, n);
        if (values === undefined) {
          if (!(got instanceof StoreDown)) storeError(new Error('the counter store answered with something other than counters'));
          goDown();
        } else {
          take(values);
          observe(all, values, ttlOf);
          if (outage !== undefined && outage.backlog.size === 0 && outage.flushing === null) {
            // The store is back and knows all this process spent: the next outage seeds from fresh values.
            outages.delete(uc.name);
          }
        }
      }

      for (let attempt = 0; ; attempt++) {
        decision = policy.decide({ ...base, ...countersFrom(uc, budgetValues, rateValues) });
        if (decision.decision === 'deny') {
          refusal = 'policy';
          return;
        }
        if (attempt >= MAX_ATTEMPTS) {
          refusal = 'contention';
          return;
        }
        const model = policy.models.get(decision.model ?? '');
        estimate = model ? costMicros(model, tokensIn, tokensOut) : 0;
        const degrade = decision.decision === 'degrade';
        const ops: ReserveOp[] = [];
        uc.budgets.forEach((b, i) => ops.push({ key: keys.budget[i]!, amount: estimate, limit: degrade ? b.hard_limit_micros : b.amount_micros, ttlSeconds: PERIOD_TTL_SECONDS[b.period] }));
        uc.rate_limits.forEach((l, i) => ops.push({ key: keys.rate[i]!, amount: l.kind === 'requests' ? 1 : tokensIn + tokensOut, limit: l.per_minute, ttlSeconds: RATE_TTL_SECONDS }));
        const target = down.local;
        if (target !== null) {
          const r = await target.reserve(ops);
          if (r.ok) {
            reserved = ops;
            reservedOn = target;
            toBacklog(uc.name, ops);
            return;
          }
          take(r.values);
          continue;
        }
        // INVARIANT: failing closed supplies no counters, so the policy denied above and the store is up here.
        if (down.yes) throw new Error('INVARIANT: a closed guard reserved without counters');
        const r = await tryStore(() => store.reserve(ops));
        if (r instanceof StoreDown) {
          goDown();
          continue;
        }
        if (r !== null && typeof r === 'object' && r.ok === true) {
          reserved = ops;
          reservedOn = store;
          if (observed !== null) observe(all, ops.map((o, i) => (i < nb ? budgetValues![i]! : rateValues![i - nb]!) + o.amount), ttlOf);
          return;
        }
        const values = r !== null && typeof r === 'object' && r.ok === false ? counterValues(r.values, n) : undefined;
        if (values === undefined) {
          storeError(new Error('the counter store answered a reservation with something other than counters'));
          goDown();
          continue;
        }
        // Someone else took the headroom since we read: decide again on the values the store saw.
        take(values);
        observe(all, values, ttlOf);
      }
    }

    // 3. The model's input: the snapshot with the obligations' classes redacted (only classes found in it, when
    // detection ran). A redaction that cannot be done exactly refuses the call rather than sending an approximation.
    if (refusal === null) {
      input = req.input;
      const wanted = decision.obligations?.redact ?? [];
      if (input !== undefined && wanted.length > 0) {
        const list: CompiledClass[] = [];
        for (const w of wanted) {
          const c = classes.get(w.data_class);
          if (c !== undefined && c.detectors.length > 0 && (found === null || found.includes(c.name))) list.push(c);
        }
        const r = redact(input, list, 'input', showKey, true);
        if (r.ok) input = r.value;
        else {
          decision = malformed(r.problem, req.trace_id);
          refusal = 'policy';
        }
      }
    }

    // 4. Concurrency: a slot per use case and per (use case, tenant), released however the call ends.
    const slots: string[] = [];
    if (refusal === null && uc && options.concurrency) {
      const want: Array<[string, number | undefined]> = [
        [`u\u0000${uc.name}`, options.concurrency.perUseCase],
        [`t\u0000${uc.name}\u0000${tenant}`, options.concurrency.perTenant],
      ];
      for (const [k, max] of want) if (max !== undefined && (inFlight.get(k) ?? 0) >= max) refusal = 'concurrency';
      if (refusal === null) for (const [k, max] of want) if (max !== undefined) slots.push(k), inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
    }
    if (refusal !== null) return refuse();

    let released = false;
    const releaseSlots = (): void => {
      if (released) return;
      released = true;
      for (const k of slots) {
        const left = (inFlight.get(k) ?? 1) - 1;
        if (left <= 0) inFlight.delete(k);
        else inFlight.set(k, left);
      }
    };
    try {
      // 5. The call.
      const tCall = process.hrtime.bigint();
      let output: O;
      try {
        output = await call({ model: decision.model as NonNullable<D['model']>, provider: decision.provider as NonNullable<D['provider']>, input, decision, decision_id: decisionId });
      } catch (err) {
        const callNs = Number(process.hrtime.bigint() - tCall);
        releaseSlots();
        // The call failed: give back what was reserved for it, except the request itself in the requests-per-minute count.
        await adjust((o) => (keys.rate.includes(o.key) && uc!.rate_limits[keys.rate.indexOf(o.key)]!.kind === 'requests' ? 0 : -o.amount));
        if (options.log) await writeLog(entry({ cost: 0, usage: null, error: errorText(err), callNs }));
        return { ok: false, decision, decision_id: decisionId, message: null, refusal: 'error', error: err };
      }
      const callNs = Number(process.hrtime.bigint() - tCall);
      releaseSlots();

      // 6. Settle: replace the estimate with the actual cost and tokens (usage that is not token counts is ignored).
      let used: { input: number; output: number } | undefined;
      try {
        const u = usageOf(output);
        if (u !== undefined && u !== null) {
          const i: unknown = u.input;
          const o: unknown = u.output;
          if (isTokenCount(i) && isTokenCount(o)) used = { input: i, output: o };
        }
      } catch {
        used = undefined; // a usage reader (or a usage getter) that throws: charge the estimate
      }
      const model = policy.models.get(decision.model ?? '');
      const cost = used && model ? costMicros(model, used.input, used.output) : estimate;
      await adjust((o) => {
        const rateIndex = keys.rate.indexOf(o.key);
        if (rateIndex < 0) return cost - o.amount;
        return uc!.rate_limits[rateIndex]!.kind === 'tokens' && used ? used.input + used.output - o.amount : 0;
      });
      const usage = used ? { input_tokens: used.input, output_tokens: used.output } : null;
      if (options.log) await writeLog(entry({ cost, usage, output: { value: output }, callNs }));
      return { ok: true, decision, decision_id: decisionId, output, cost_micros: cost, usage };
    } finally {
      releaseSlots();
    }
  }

  const invoke = <O>(request: InvokeRequest<R>, call: (ctx: CallContext<D>) => Promise<O> | O, callOptions?: InvokeOptions): Promise<InvokeResult<D, O>> =>
    run(request, call, callOptions).catch((err: unknown) => ({
      // Only a defect of the runtime itself reaches here; still a result, never a throw.
      ok: false as const,
      decision: malformed('invoke could not complete this request because of an internal error', undefined),
      decision_id: callOptions?.decisionId ?? randomUUID(),
      message: null,
      refusal: 'error' as const,
      error: err,
    }));

  const logEntry = (request: unknown, decision: D, o?: InvokeOptions & { readonly path?: string }): DecisionLogEntry => {
    const t0 = process.hrtime.bigint();
    const snap = snapshotRequest(request, limits, showKey, detectClasses);
    const req: JsonObject = snap.ok ? snap.request : snap.partial;
    const found = snap.ok && snap.inputStrings !== null ? detectStrings(snap.inputStrings, detectable) : null;
    return buildEntry({
      decisionId: o?.decisionId ?? randomUUID(),
      timestamp: new Date(clock()).toISOString(),
      decision,
      useCase: typeof req.use_case === 'string' ? policy.useCases.get(req.use_case) : undefined,
      tenant: typeof req.tenant === 'string' ? req.tenant : null,
      request: req,
      found,
      refusal: decision.decision === 'deny' ? 'policy' : null,
      estimate: 0,
      store: 'none',
      decideNs: 0,
      started: t0,
      extra: { cost: 0, usage: null },
      ...(o?.path !== undefined && { path: o.path }),
      ...(o?.logFields !== undefined && { logFields: o.logFields }),
    });
  };

  return {
    policy,
    decide: (request: R) => policy.decide(request),
    logEntry,
    invoke,
  };
}
