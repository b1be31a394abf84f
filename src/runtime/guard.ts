import { randomUUID } from 'node:crypto';
import { budgetKey, PERIOD_TTL_SECONDS, RATE_TTL_SECONDS, rateKey } from './counterKeys.js';
import type { DecisionLogEntry, DecisionLogSink } from './decisionLog.js';
import { costMicros } from './policy.js';
import { compileClasses, detect, redact, type CompiledClass } from './redact.js';
import { MemoryStore, type AddOp, type CounterStore, type ReserveOp } from './store.js';
import type { AnyRequest, Decision, GuardPolicy, LogLevel, PolicyUseCase } from './types.js';

/**
 * `guard.invoke(request, call)`: decide, redact, meter, call, record, log. The policy decides (the generated
 * `decide`, identical to every other target); the runtime supplies what a decision alone cannot know — the counters
 * — and keeps them: it reads spend and rate counters from a store, decides with them, reserves the estimated cost
 * and tokens atomically (so concurrent callers, in one process or across replicas sharing Redis, never exceed a
 * limit together), calls the model with the chosen model and the redacted input, settles the reservation to the
 * actual cost from the response's token usage, and writes a decision log entry.
 */

export interface GuardOptions {
  /** Where counters live. Default: a MemoryStore (this process only). */
  readonly store?: CounterStore;
  /** Decision log sink (JsonlDecisionLog, MemoryDecisionLog...). Default: none. */
  readonly log?: DecisionLogSink;
  /** Prefix of every counter key. Default `govc:`. */
  readonly keyPrefix?: string;
  /**
   * What to do when the store fails (unreachable, timeout). `closed` (default): the counters are not supplied, so
   * the policy denies with `counter_missing` for every limit that needs one. `soft`: budgets count as exhausted, so
   * the use case's `on budget_exhausted` applies (degrade to the named model within its cap, else refuse with its
   * message), and rate limits are counted in this process only. Either way the entry's `store` is `unavailable`
   * and `onStoreError` is called: a store failure is never silent and never lets a call through unmetered.
   */
  readonly storeFailure?: 'closed' | 'soft';
  readonly onStoreError?: (error: unknown) => void;
  /** In-flight calls allowed per use case and per (use case, tenant) in this process; refused beyond. */
  readonly concurrency?: { readonly perUseCase?: number; readonly perTenant?: number };
  /** Find data classes in the input with the declared detectors and add them to `data_classes`. Default true. */
  readonly detectDataClasses?: boolean;
  /** Token usage of a call's result; the default reads OpenAI (`prompt_tokens`/`completion_tokens`, `input_tokens`/`output_tokens`) and Anthropic shapes. */
  readonly usage?: (output: unknown) => { input: number; output: number } | undefined;
  /** Milliseconds since the epoch; for tests. Default Date.now. */
  readonly clock?: () => number;
  /** Labels copied into every log entry (OPA's `labels`). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What `invoke` passes to the model call. */
export interface CallContext<D extends Decision> {
  readonly model: NonNullable<D['model']>;
  readonly provider: NonNullable<D['provider']>;
  /** The request's input with the obligations' data classes redacted. */
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
    };

/** A request for `invoke`: counters and time are the runtime's job; `input` is the payload to redact and send. */
export type InvokeRequest<R> = R extends unknown ? Omit<R, 'spend' | 'rate' | 'time'> & { readonly time?: string; readonly input?: unknown } : never;

export interface Guard<R extends AnyRequest, D extends Decision> {
  readonly policy: GuardPolicy<R, D>;
  decide(request: R): D;
  invoke<O>(request: InvokeRequest<R>, call: (ctx: CallContext<D>) => Promise<O> | O): Promise<InvokeResult<D, O>>;
}

const MAX_ATTEMPTS = 16;
type Counters = { spend?: Record<string, Record<string, number>>; rate?: Record<string, Record<string, number>> };

function defaultUsage(output: unknown): { input: number; output: number } | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const u = (output as { usage?: Record<string, unknown> }).usage;
  if (typeof u !== 'object' || u === null) return undefined;
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof u[k] === 'number' && Number.isInteger(u[k]) && (u[k] as number) >= 0) return u[k] as number;
    return undefined;
  };
  const input = num('input_tokens', 'prompt_tokens', 'input');
  const out = num('output_tokens', 'completion_tokens', 'output');
  return input === undefined && out === undefined ? undefined : { input: input ?? 0, output: out ?? 0 };
}

class StoreDown {
  constructor(readonly error: unknown) {}
}

export function createGuard<R extends AnyRequest, D extends Decision>(policy: GuardPolicy<R, D>, options: GuardOptions = {}): Guard<R, D> {
  const store = options.store ?? new MemoryStore(options.clock);
  const local = new MemoryStore(options.clock);
  const prefix = options.keyPrefix ?? 'govc:';
  const clock = options.clock ?? Date.now;
  const failSoft = options.storeFailure === 'soft';
  const classes: Map<string, CompiledClass> = compileClasses(policy.dataClasses.values());
  const usageOf = options.usage ?? defaultUsage;
  const inFlight = new Map<string, number>();
  const detectClasses = options.detectDataClasses ?? true;

  const storeError = (err: unknown): StoreDown => {
    options.onStoreError?.(err);
    return new StoreDown(err);
  };
  const tryStore = async <T>(p: () => Promise<T>): Promise<T | StoreDown> => {
    try {
      return await p();
    } catch (err) {
      return storeError(err);
    }
  };

  function keysOf(uc: PolicyUseCase, tenant: string, ms: number): { budget: string[]; rate: string[] } {
    return {
      budget: uc.budgets.map((b) => budgetKey(prefix, uc.name, tenant, b.scope, b.period, ms)),
      rate: uc.rate_limits.map((l) => rateKey(prefix, uc.name, tenant, l.scope, l.kind, ms)),
    };
  }

  function countersFrom(uc: PolicyUseCase, values: readonly number[] | undefined, rateValues: readonly number[] | undefined, soft: boolean): Counters {
    const c: Counters = {};
    if (values !== undefined || soft) {
      uc.budgets.forEach((b, i) => {
        const byScope = ((c.spend ??= {})[b.scope] ??= {});
        byScope[b.period] = soft ? b.amount_micros + 1 : values![i]!;
      });
    }
    if (rateValues !== undefined) {
      uc.rate_limits.forEach((l, i) => {
        ((c.rate ??= {})[l.scope] ??= {})[l.kind] = rateValues[i]!;
      });
    }
    return c;
  }

  const level = (l: LogLevel, value: unknown, path: string, erased: string[], masked: string[]): unknown => {
    if (l === 'none') {
      erased.push(path);
      return undefined;
    }
    if (l === 'redacted') {
      masked.push(path);
      return redact(value, classes.values());
    }
    return value;
  };

  async function invoke<O>(request: InvokeRequest<R>, call: (ctx: CallContext<D>) => Promise<O> | O): Promise<InvokeResult<D, O>> {
    const t0 = process.hrtime.bigint();
    const decisionId = randomUUID();
    const now = clock();
    const req = request as unknown as AnyRequest & { input?: unknown; time?: string };
    const time = typeof req.time === 'string' ? req.time : new Date(now).toISOString();
    const ms = Number.isFinite(Date.parse(time)) ? Date.parse(time) : now;
    const uc = typeof req.use_case === 'string' ? policy.useCases.get(req.use_case) : undefined;
    const tenant = typeof req.tenant === 'string' ? req.tenant : '';
    const base: Record<string, unknown> = { ...req, time };
    delete base.input;
    delete base.spend;
    delete base.rate;
    if (detectClasses && req.input !== undefined) {
      const found = detect(req.input, classes.values());
      if (found.length > 0) base.data_classes = [...new Set([...(Array.isArray(req.data_classes) ? req.data_classes : []), ...found])];
    }
    const tokensIn = typeof req.tokens?.input === 'number' ? req.tokens.input : 0;
    const tokensOut = typeof req.tokens?.output === 'number' ? req.tokens.output : 0;

    let storeState: DecisionLogEntry['store'] = uc && (uc.budgets.length > 0 || uc.rate_limits.length > 0) ? 'available' : 'none';
    const keys = uc ? keysOf(uc, tenant, ms) : { budget: [], rate: [] };
    let budgetValues: readonly number[] | undefined;
    let rateValues: readonly number[] | undefined;
    let down = false;
    const goDown = (): void => {
      down = true;
      storeState = 'unavailable';
      budgetValues = undefined;
      rateValues = undefined;
    };
    if (storeState === 'available') {
      const got = await tryStore(() => store.get([...keys.budget, ...keys.rate]));
      if (got instanceof StoreDown) goDown();
      else {
        budgetValues = got.slice(0, keys.budget.length);
        rateValues = got.slice(keys.budget.length);
      }
    }
    if (down && failSoft) rateValues = await local.get(keys.rate);

    const tDecide = process.hrtime.bigint();
    let decision!: D;
    let reserved: ReserveOp[] = [];
    let reservedOn: CounterStore = store;
    let estimate = 0;
    let refusal = null as 'policy' | 'concurrency' | 'contention' | null;
    for (let attempt = 0; ; attempt++) {
      const counters = uc ? countersFrom(uc, budgetValues, rateValues, down && failSoft) : {};
      decision = policy.decide({ ...base, ...counters });
      if (decision.decision === 'deny' || uc === undefined) {
        refusal = decision.decision === 'deny' ? 'policy' : null;
        break;
      }
      if (attempt >= MAX_ATTEMPTS) {
        refusal = 'contention';
        break;
      }
      const model = policy.models.get(decision.model ?? '');
      estimate = model ? costMicros(model, tokensIn, tokensOut) : 0;
      const budgetOps: ReserveOp[] = down
        ? []
        : uc.budgets.map((b, i) => ({
            key: keys.budget[i]!,
            amount: estimate,
            limit: decision.decision === 'degrade' ? b.hard_limit_micros : b.amount_micros,
            ttlSeconds: PERIOD_TTL_SECONDS[b.period],
          }));
      const rateOps: ReserveOp[] = uc.rate_limits.map((l, i) => ({
        key: keys.rate[i]!,
        amount: l.kind === 'requests' ? 1 : tokensIn + tokensOut,
        limit: l.per_minute,
        ttlSeconds: RATE_TTL_SECONDS,
      }));
      if (budgetOps.length === 0 && down && rateOps.length > 0) {
        const r = await local.reserve(rateOps);
        if (r.ok) {
          reserved = rateOps;
          reservedOn = local;
          break;
        }
        rateValues = r.values;
        continue;
      }
      if (budgetOps.length + rateOps.length === 0) break;
      const r = await tryStore(() => store.reserve([...budgetOps, ...rateOps]));
      if (r instanceof StoreDown) {
        goDown();
        if (failSoft) rateValues = await local.get(keys.rate);
        continue;
      }
      if (r.ok) {
        reserved = [...budgetOps, ...rateOps];
        break;
      }
      // Someone else took the headroom since we read: decide again on the values the store saw.
      budgetValues = r.values.slice(0, budgetOps.length);
      rateValues = r.values.slice(budgetOps.length);
    }
    const decideNs = Number(process.hrtime.bigint() - tDecide);

    // Concurrency: a slot per use case and per (use case, tenant), released when the call settles.
    const slots: string[] = [];
    if (refusal === null && uc && options.concurrency) {
      const want: Array<[string, number | undefined]> = [
        [`u\u0000${uc.name}`, options.concurrency.perUseCase],
        [`t\u0000${uc.name}\u0000${tenant}`, options.concurrency.perTenant],
      ];
      for (const [k, max] of want) {
        if (max === undefined) continue;
        if ((inFlight.get(k) ?? 0) >= max) refusal = 'concurrency';
      }
      if (refusal === null) for (const [k, max] of want) if (max !== undefined) slots.push(k), inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
    }
    const release = async (ops: readonly ReserveOp[], amountOf: (o: ReserveOp) => number): Promise<boolean> => {
      const adds: AddOp[] = ops.map((o) => ({ key: o.key, amount: amountOf(o), ttlSeconds: o.ttlSeconds })).filter((a) => a.amount !== 0);
      if (adds.length === 0) return true;
      const r = await tryStore(() => reservedOn.add(adds));
      return !(r instanceof StoreDown);
    };

    const erased: string[] = [];
    const masked: string[] = [];
    const logRules = decision.obligations?.log ?? uc?.log ?? { inputs: 'none', outputs: 'none', tool_calls: 'none' };
    const loggedInput = (): unknown => {
      const { input: payload, ...rest } = { ...base, input: req.input } as Record<string, unknown>;
      const out: Record<string, unknown> = { ...rest };
      if (payload !== undefined) {
        const v = level(logRules.inputs, payload, '/input/input', erased, masked);
        if (v !== undefined) out.input = v;
      }
      if (out.tool !== undefined) {
        const v = level(logRules.tool_calls, out.tool, '/input/tool', erased, masked);
        if (v === undefined) delete out.tool;
        else out.tool = v;
      }
      return out;
    };
    const writeLog = async (extra: { cost: number; usage: DecisionLogEntry['usage']; output?: unknown; error?: string; callNs?: number }): Promise<void> => {
      if (!options.log) return;
      const entry: DecisionLogEntry = {
        decision_id: decisionId,
        trace_id: decision.trace_id,
        timestamp: new Date(now).toISOString(),
        path: 'govc/decision',
        labels: { app: 'govc-guards', org: policy.org, ...options.labels },
        bundles: { govc: { revision: policy.revision } },
        revision: policy.revision,
        owner: uc?.owner ?? null,
        use_case: decision.use_case,
        tenant: typeof req.tenant === 'string' ? req.tenant : null,
        model: decision.model,
        provider: decision.provider,
        decision: decision.decision,
        reasons: decision.reasons,
        message: refusal === 'concurrency' || refusal === 'contention' ? uc?.rate_message ?? null : decision.message,
        cost_micros: extra.cost,
        estimated_cost_micros: refusal === null ? estimate : 0,
        usage: extra.usage,
        refusal: refusal === 'policy' ? null : refusal,
        store: storeState,
        retention_days: decision.obligations?.retention_days ?? uc?.retention_days ?? 0,
        input: loggedInput(),
        ...(extra.output !== undefined && { output: level(logRules.outputs, extra.output, '/output', erased, masked) }),
        result: decision,
        ...(erased.length > 0 && { erased }),
        ...(masked.length > 0 && { masked }),
        ...(extra.error !== undefined && { error: extra.error }),
        metrics: {
          timer_govc_decide_ns: decideNs,
          ...(extra.callNs !== undefined && { timer_govc_call_ns: extra.callNs }),
          timer_govc_invoke_ns: Number(process.hrtime.bigint() - t0),
        },
      };
      await options.log.write(entry);
    };

    if (refusal !== null) {
      if (refusal !== 'policy') await release(reserved, (o) => -o.amount);
      await writeLog({ cost: 0, usage: null });
      return {
        ok: false,
        decision,
        decision_id: decisionId,
        message: refusal === 'policy' ? decision.message : uc?.rate_message ?? null,
        refusal,
      };
    }

    const redactClasses = (decision.obligations?.redact ?? []).map((r) => classes.get(r.data_class)).filter((c): c is CompiledClass => c !== undefined);
    const input = req.input === undefined ? undefined : redact(req.input, redactClasses);
    const tCall = process.hrtime.bigint();
    let output: O;
    try {
      output = await call({ model: decision.model as NonNullable<D['model']>, provider: decision.provider as NonNullable<D['provider']>, input, decision, decision_id: decisionId });
    } catch (err) {
      for (const k of slots) inFlight.set(k, (inFlight.get(k) ?? 1) - 1);
      // The call failed: give back what was reserved for it, except the request itself in the requests-per-minute count.
      await release(reserved, (o) => (keys.rate.includes(o.key) && uc!.rate_limits[keys.rate.indexOf(o.key)]!.kind === 'requests' ? 0 : -o.amount));
      await writeLog({ cost: 0, usage: null, error: err instanceof Error ? err.message : String(err), callNs: Number(process.hrtime.bigint() - tCall) });
      throw err;
    }
    const callNs = Number(process.hrtime.bigint() - tCall);
    for (const k of slots) inFlight.set(k, (inFlight.get(k) ?? 1) - 1);
    const used = usageOf(output);
    const model = policy.models.get(decision.model ?? '');
    const cost = used && model ? costMicros(model, used.input, used.output) : estimate;
    // Settle: replace the estimate with the actual cost and tokens.
    const settled = await release(reserved, (o) => {
      const rateIndex = keys.rate.indexOf(o.key);
      if (rateIndex < 0) return cost - o.amount;
      return uc!.rate_limits[rateIndex]!.kind === 'tokens' && used ? used.input + used.output - o.amount : 0;
    });
    if (!settled) storeState = 'unavailable';
    await writeLog({ cost, usage: used ? { input_tokens: used.input, output_tokens: used.output } : null, output, callNs });
    return { ok: true, decision, decision_id: decisionId, output, cost_micros: cost, usage: used ? { input_tokens: used.input, output_tokens: used.output } : null };
  }

  return {
    policy,
    decide: (request: R) => policy.decide(request),
    invoke,
  };
}
