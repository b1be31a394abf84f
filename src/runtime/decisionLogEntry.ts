import type { DecisionLogEntry } from './decisionLog.js';
import { inspect, redact, type CompiledClass, type InspectionLimits, type JsonObject, type JsonValue } from './redact.js';
import type { Decision, GuardPolicy, LogLevel, LogLevels, PolicyUseCase } from './types.js';

/**
 * The decision log entry of one decision, written as the use case's `log` rules allow (docs/guards.md): the
 * request's own facts as sent, every other field and the payload at the `inputs` level, the tool call at
 * `tool_calls`, the output at `outputs`, an error at the stricter of inputs and outputs. Shared by `invoke` and by
 * a decision made without it (govc serve's OPA-compatible endpoints), so both log alike.
 */

const RANK: Readonly<Record<LogLevel, number>> = { none: 0, redacted: 1, full: 2 };

/** What a log entry records beside the payloads: which paths were erased or masked, and why. */
interface LogNotes {
  readonly erased: string[];
  readonly masked: string[];
  readonly problems: string[];
}

/** What the call added to an entry: its cost and usage, output, error, time. */
export interface EntryExtra {
  readonly cost: number;
  readonly usage: DecisionLogEntry['usage'];
  readonly output?: { readonly value: unknown };
  readonly error?: string;
  readonly callNs?: number;
}

export interface EntryFacts<D extends Decision> {
  readonly decisionId: string;
  readonly timestamp: string;
  readonly decision: D;
  readonly useCase: PolicyUseCase | undefined;
  readonly tenant: string | null;
  /** The request as decided, as plain JSON data (a snapshot), with its payload under `input`. */
  readonly request: JsonObject;
  /** The data classes detection found in the payload, or null when it did not run. */
  readonly found: readonly string[] | null;
  readonly refusal: 'policy' | 'concurrency' | 'contention' | null;
  readonly estimate: number;
  readonly store: DecisionLogEntry['store'];
  readonly decideNs: number;
  /** process.hrtime.bigint() when the decision started. */
  readonly started: bigint;
  readonly extra: EntryExtra;
  readonly path?: string;
  readonly logFields?: Readonly<Record<string, unknown>>;
}

export interface EntryContext {
  /** The classes with detectors, compiled. */
  readonly detectable: readonly CompiledClass[];
  readonly limits: InspectionLimits;
  /** Whether a key may appear in a message (it cannot be user data). */
  readonly showKey: (k: string) => boolean;
  readonly labels: Readonly<Record<string, string>> | undefined;
}

const isString = (v: JsonValue): boolean => typeof v === 'string';
// The fields the policy reads, when they have their documented type, are the decision's own facts and are
// logged as sent; anything else a request carries is payload and follows the `inputs` level.
const KNOWN: Readonly<Record<string, (v: JsonValue) => boolean>> = {
  use_case: isString,
  tenant: isString,
  region: isString,
  time: isString,
  trace_id: isString,
  model: isString,
  data_classes: (v) => Array.isArray(v) && (v as readonly JsonValue[]).every(isString),
  tokens: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number'),
};

export function createEntryBuilder<D extends Decision>(policy: Pick<GuardPolicy, 'org' | 'revision' | 'defaults'>, ctx: EntryContext): (facts: EntryFacts<D>) => DecisionLogEntry {
  const { detectable, limits, showKey } = ctx;

  /** A value at a log level: erased (`none`), with every data class's detectors applied (`redacted`), or as is. */
  const atLevel = (l: LogLevel, value: JsonValue, path: string, notes: LogNotes, among: readonly CompiledClass[] = detectable): JsonValue | undefined => {
    if (l === 'none') {
      notes.erased.push(path);
      return undefined;
    }
    if (l === 'full') return value;
    const r = redact(value, among, path, showKey);
    if (!r.ok) {
      // Never written unredacted: erased, and the entry says why.
      notes.erased.push(path);
      notes.problems.push(r.problem);
      return undefined;
    }
    notes.masked.push(path);
    return r.value;
  };

  function loggedRequest(req: JsonObject, rules: LogLevels, found: readonly string[] | null, notes: LogNotes): JsonObject {
    const out: Record<string, JsonValue> = {};
    const other: Record<string, JsonValue> = {};
    let hasOther = false;
    for (const k of Object.keys(req)) {
      if (k === 'input' || k === 'tool') continue;
      const v = req[k]!;
      if (Object.hasOwn(KNOWN, k) && KNOWN[k]!(v)) out[k] = v;
      else {
        other[k] = v;
        hasOther = true;
      }
    }
    if (hasOther) {
      // One path for all other fields: their names may be user data too, so none is written into `erased`.
      const v = atLevel(rules.inputs, other, '/input/*', notes);
      if (v !== undefined) for (const k of Object.keys(v as JsonObject)) out[k] = (v as JsonObject)[k]!;
    }
    if (req.tool !== undefined) {
      const v = atLevel(rules.tool_calls, req.tool, '/input/tool', notes);
      if (v !== undefined) out.tool = v;
    }
    if (req.input !== undefined) {
      // Detection already found which classes occur in the input: only those can match in it.
      const among = found === null ? detectable : detectable.filter((c) => found.includes(c.name));
      const v = atLevel(rules.inputs, req.input, '/input/input', notes, among);
      if (v !== undefined) out.input = v;
    }
    return out;
  }

  return (f: EntryFacts<D>): DecisionLogEntry => {
    const { decision, useCase: uc, extra, refusal } = f;
    const notes: LogNotes = { erased: [], masked: [], problems: [] };
    const rules = decision.obligations?.log ?? uc?.log ?? policy.defaults.log;
    const logged = loggedRequest(f.request, rules, f.found, notes);
    let output: JsonValue | undefined;
    if (extra.output !== undefined) {
      if (rules.outputs === 'none') notes.erased.push('/output');
      else {
        const seen = inspect(extra.output.value, limits, 'output', showKey);
        if (!seen.ok) {
          notes.erased.push('/output');
          notes.problems.push(seen.problem);
        } else if (seen.value !== undefined) output = atLevel(rules.outputs, seen.value, '/output', notes);
      }
    }
    // An error message may quote the input or the output: it is logged as the stricter of the two allows.
    const errorLevel = RANK[rules.inputs] <= RANK[rules.outputs] ? rules.inputs : rules.outputs;
    const error = extra.error === undefined ? undefined : atLevel(errorLevel, extra.error, '/error', notes);
    return {
      decision_id: f.decisionId,
      trace_id: decision.trace_id,
      timestamp: f.timestamp,
      path: (f.path ?? 'govc/decision') as 'govc/decision',
      labels: { app: 'govc-guards', org: policy.org, ...ctx.labels },
      bundles: { govc: { revision: policy.revision } },
      revision: policy.revision,
      owner: uc?.owner ?? null,
      use_case: decision.use_case,
      tenant: f.tenant,
      model: decision.model,
      provider: decision.provider,
      decision: decision.decision,
      reasons: decision.reasons,
      message: refusal === 'concurrency' || refusal === 'contention' ? (uc?.rate_message ?? null) : decision.message,
      cost_micros: extra.cost,
      estimated_cost_micros: refusal === null ? f.estimate : 0,
      usage: extra.usage,
      refusal: refusal === 'policy' ? null : refusal === null && extra.error !== undefined ? 'error' : refusal,
      store: f.store,
      retention_days: decision.obligations?.retention_days ?? uc?.retention_days ?? policy.defaults.retention_days,
      input: logged,
      ...(output !== undefined && { output }),
      result: decision,
      ...(notes.erased.length > 0 && { erased: notes.erased }),
      ...(notes.masked.length > 0 && { masked: notes.masked }),
      ...(typeof error === 'string' && { error }),
      ...(notes.problems.length > 0 && { log_problems: notes.problems }),
      metrics: {
        timer_govc_decide_ns: f.decideNs,
        ...(extra.callNs !== undefined && { timer_govc_call_ns: extra.callNs }),
        timer_govc_invoke_ns: Number(process.hrtime.bigint() - f.started),
      },
      ...f.logFields,
    };
  };
}
