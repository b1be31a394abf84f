import { types } from 'node:util';
import { compileDetector, type Detector } from './detector.js';
import type { PolicyDataClass } from './types.js';

/**
 * What `invoke` knows about a payload: it first copies the request into plain JSON data (a *snapshot*), reading
 * every property once, and refuses what it cannot fully inspect; detection and redaction then run over that copy,
 * object keys included, and the copy is what the model and the decision log receive. Nothing that was not
 * inspected can reach either: a value the snapshot does not hold is not sent.
 *
 * Detectors are compiled by detector.ts (one engine for every pattern); matches become `[REDACTED:<class>]`.
 */

/** JSON data as a snapshot holds it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** Bounds on what a snapshot copies; beyond them the value is refused, never passed unread. */
export interface InspectionLimits {
  /** Deepest nesting of objects and arrays below the request (the request's fields are at depth 1). */
  readonly maxDepth: number;
  /** Most values (strings, numbers, booleans, nulls, objects, arrays) in one snapshot. */
  readonly maxValues: number;
  /** Most UTF-16 code units in one snapshot's strings and object keys together. */
  readonly maxChars: number;
}

export const DEFAULT_INSPECTION_LIMITS: InspectionLimits = Object.freeze({ maxDepth: 64, maxValues: 100_000, maxChars: 2_000_000 });

export interface CompiledDetector {
  readonly name: string;
  readonly detector: Detector;
}

export interface CompiledClass {
  readonly name: string;
  readonly detectors: readonly CompiledDetector[];
  /** The text a match becomes. */
  readonly marker: string;
}

export function compileClasses(classes: Iterable<PolicyDataClass>): Map<string, CompiledClass> {
  const out = new Map<string, CompiledClass>();
  for (const c of classes) {
    out.set(c.name, { name: c.name, detectors: c.detectors.map((d) => ({ name: d.name, detector: compileDetector(d.regex) })), marker: `[REDACTED:${c.name}]` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots

const TAIL = ': invoke accepts only JSON data (plain objects, arrays, strings, finite numbers, booleans and null) and refuses what it cannot fully inspect';
const FAIL: unique symbol = Symbol('govc.inspection-failed');
type Out = JsonValue | undefined | typeof FAIL;

/** A name for a value that is not JSON data, read without running any of its code (no getters, no traps). */
function kindOf(v: object): string {
  if (types.isMap(v)) return 'a Map';
  if (types.isSet(v)) return 'a Set';
  if (types.isWeakMap(v) || types.isWeakSet(v)) return 'a weak collection';
  if (types.isDate(v)) return 'a Date (send its ISO string)';
  if (types.isRegExp(v)) return 'a RegExp';
  if (types.isTypedArray(v) || types.isDataView(v)) return 'a typed array (send text, e.g. base64)';
  if (types.isAnyArrayBuffer(v)) return 'an ArrayBuffer (send text, e.g. base64)';
  if (types.isBoxedPrimitive(v)) return 'a boxed primitive such as `new String(...)`';
  if (types.isPromise(v)) return 'a Promise';
  if (types.isNativeError(v)) return 'an Error';
  if (Array.isArray(v)) return 'an array subclass';
  return 'an instance of a class';
}

/** A key is shown in a message only when it cannot be user data: a short identifier that no detector matches. */
export type KeyFilter = (key: string) => boolean;

function renderPath(root: string, trail: ReadonlyArray<string | number>, showKey: KeyFilter): string {
  // `trail` is innermost first (it is filled while the walk unwinds).
  const parts: string[] = [];
  for (let i = trail.length - 1; i >= 0; i--) {
    const seg = trail[i]!;
    parts.push(typeof seg === 'number' ? `[${seg}]` : showKey(seg) ? `.${seg}` : '.…');
  }
  const shown = parts.length > 10 ? [...parts.slice(0, 6), `…(${parts.length - 8} more levels)…`, ...parts.slice(-2)] : parts;
  return `\`${root}${shown.join('')}\``;
}

/**
 * Copies JSON data out of a caller's value, reading each property once. Limits are shared by every value one walk
 * copies (a request's fields together). Strings and keys under a collecting value are gathered for detection, and
 * the copy of a frozen value is deeply frozen (what was inspected cannot change afterwards).
 */
class Walk {
  private values = 0;
  private chars = 0;
  private message = '';
  private whole = false;
  private readonly trail: Array<string | number> = [];
  private readonly stack: object[] = [];
  private strings: string[] | null = null;
  private freeze = false;

  constructor(
    private readonly limits: InspectionLimits,
    private readonly showKey: KeyFilter,
  ) {}

  /** The copy of `value`, or undefined for an absent value; `problem()` says why when it returns FAIL. */
  copy(value: unknown, depth: number, strings: string[] | null, freeze: boolean): Out {
    this.strings = strings;
    this.freeze = freeze;
    return this.value(value, depth);
  }

  problem(root: string): string {
    return this.whole ? this.message : `${renderPath(root, this.trail, this.showKey)} ${this.message}${TAIL}`;
  }

  private at(predicate: string): typeof FAIL {
    this.message = predicate;
    return FAIL;
  }

  private overall(message: string): typeof FAIL {
    this.message = message;
    this.whole = true;
    return FAIL;
  }

  private count(): boolean {
    return ++this.values > this.limits.maxValues;
  }

  private tooMany(): typeof FAIL {
    return this.overall(`the request holds more than ${this.limits.maxValues} values${TAIL}`);
  }

  private text(s: string): boolean {
    return (this.chars += s.length) > this.limits.maxChars;
  }

  private tooLong(): typeof FAIL {
    return this.overall(`the request's strings hold more than ${this.limits.maxChars} characters${TAIL}`);
  }

  private value(v: unknown, depth: number): Out {
    switch (typeof v) {
      case 'string':
        if (this.count()) return this.tooMany();
        if (this.text(v)) return this.tooLong();
        if (this.strings !== null && v.length > 0) this.strings.push(v);
        return v;
      case 'number':
        if (this.count()) return this.tooMany();
        if (!Number.isFinite(v)) return this.at(`is ${String(v)}, which JSON cannot hold`);
        return v === 0 ? 0 : v; // -0 is 0 in JSON
      case 'boolean':
        if (this.count()) return this.tooMany();
        return v;
      case 'undefined':
        return undefined;
      case 'object':
        if (v === null) return this.count() ? this.tooMany() : null;
        return this.object(v, depth);
      case 'bigint':
        return this.at('is a BigInt, which JSON cannot hold (send a string or a number)');
      case 'symbol':
        return this.at('is a symbol');
      default:
        return this.at('is a function');
    }
  }

  private object(v: object, depth: number): Out {
    if (this.count()) return this.tooMany();
    if (depth > this.limits.maxDepth) {
      // The walk only goes this deep down a cycle or a genuinely deep value; say which.
      return this.at(this.stack.includes(v) ? 'contains itself (a cycle)' : `is nested more than ${this.limits.maxDepth} levels deep`);
    }
    // A Proxy could answer each read differently, or run code while being read: never inspected.
    if (types.isProxy(v)) return this.at('is a Proxy');
    if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype ? this.array(v as unknown[], depth) : this.at(kindOf(v));
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return this.at(`is ${kindOf(v)}`);
    // Symbol-keyed properties are invisible to JSON but not to the caller's code: refuse rather than guess.
    if (Object.getOwnPropertySymbols(v).length > 0) return this.at('has a symbol key');
    const keys = Object.keys(v);
    const out: Record<string, JsonValue> = {};
    this.stack.push(v);
    let key = '';
    try {
      for (let i = 0; i < keys.length; i++) {
        key = keys[i]!;
        // Copied as `out[key] = ...`, `__proto__` would set the copy's prototype instead of a key: refused.
        if (key === '__proto__') return this.at('has a `__proto__` key, which JavaScript objects cannot hold as data');
        if (this.text(key)) return this.tooLong();
        if (this.strings !== null && key.length > 0) this.strings.push(key);
        const x = this.value((v as Record<string, unknown>)[key], depth + 1);
        if (x === FAIL) {
          this.trail.push(key);
          return FAIL;
        }
        if (x !== undefined) out[key] = x;
      }
    } catch {
      // A getter threw: the walk reads each property once, so there is no other value to take.
      this.trail.push(key);
      return this.at('threw an error when read');
    } finally {
      this.stack.pop();
    }
    return this.freeze ? Object.freeze(out) : out;
  }

  private array(v: unknown[], depth: number): Out {
    const n = v.length;
    if (n > this.limits.maxValues - this.values) return this.tooMany();
    const out: JsonValue[] = [];
    this.stack.push(v);
    let i = 0;
    try {
      for (; i < n; i++) {
        const e = v[i];
        // A hole, or an undefined element: JSON has neither (JSON.stringify would send null).
        if (e === undefined) {
          this.trail.push(i);
          return this.at('is a hole or undefined, which JSON arrays cannot hold');
        }
        const x = this.value(e, depth + 1);
        if (x === FAIL) {
          this.trail.push(i);
          return FAIL;
        }
        out.push(x as JsonValue);
      }
    } catch {
      this.trail.push(i);
      return this.at('threw an error when read');
    } finally {
      this.stack.pop();
    }
    return this.freeze ? Object.freeze(out) : out;
  }
}

export type Snapshot<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export interface RequestSnapshot {
  readonly ok: true;
  /** The request's fields, copied; `spend` and `rate` are skipped unread (the runtime supplies them). */
  readonly request: JsonObject;
  /** Every non-empty string and key of `input`, for detection; null unless asked for. */
  readonly inputStrings: string[] | null;
}

export interface RequestRefusal {
  readonly ok: false;
  readonly problem: string;
  /** The fields copied before the problem was met (to log and to echo `trace_id`). */
  readonly partial: JsonObject;
}

const SKIPPED = new Set(['spend', 'rate']);
const ECHOED = new Set(['trace_id', 'use_case', 'tenant', 'region', 'model']);
const NOT_OBJECT = 'the request must be a JSON object';

/** Snapshots an `invoke` request. `input` is copied deeply frozen. Never throws. */
export function snapshotRequest(request: unknown, limits: InspectionLimits, showKey: KeyFilter, collect: boolean): RequestSnapshot | RequestRefusal {
  const partial: Record<string, JsonValue> = {};
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return { ok: false, problem: NOT_OBJECT, partial };
  if (types.isProxy(request)) return { ok: false, problem: `the request is a Proxy${TAIL}`, partial };
  const proto: unknown = Object.getPrototypeOf(request);
  if (proto !== Object.prototype && proto !== null) return { ok: false, problem: `the request is ${kindOf(request)}${TAIL}`, partial };
  if (Object.getOwnPropertySymbols(request).length > 0) return { ok: false, problem: `the request has a symbol key${TAIL}`, partial };
  const walk = new Walk(limits, showKey);
  const strings: string[] | null = collect ? [] : null;
  const keys = Object.keys(request);
  let problem: string | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (SKIPPED.has(key)) continue;
    if (key === '__proto__') problem = `the request has a \`__proto__\` key, which JavaScript objects cannot hold as data${TAIL}`;
    else {
      let v: unknown;
      try {
        v = (request as Record<string, unknown>)[key];
      } catch {
        problem = `${renderPath('request', [key], showKey)} threw an error when read${TAIL}`;
      }
      if (problem === undefined) {
        const isInput = key === 'input';
        const x = walk.copy(v, 1, isInput ? strings : null, isInput);
        if (x === FAIL) problem = walk.problem(showKey(key) ? key : 'request.…');
        else if (x !== undefined) partial[key] = x;
      }
    }
    if (problem !== undefined) {
      // Refused; the identifying fields not read yet are still taken (once each) so the deny can echo
      // `trace_id` and the log entry can name the use case and tenant.
      for (let j = i + 1; j < keys.length; j++) {
        const k = keys[j]!;
        if (!ECHOED.has(k)) continue;
        try {
          const v: unknown = (request as Record<string, unknown>)[k];
          if (typeof v === 'string' && v.length <= 1000) partial[k] = v;
        } catch {
          // not echoed
        }
      }
      return { ok: false, problem, partial };
    }
  }
  return { ok: true, request: partial, inputStrings: strings };
}

/** Snapshots any value (a call's output, say) under the same rules; `root` names it in the problem. */
export function inspect(value: unknown, limits: InspectionLimits = DEFAULT_INSPECTION_LIMITS, root = 'value', showKey: KeyFilter = () => false): Snapshot<JsonValue | undefined> {
  const walk = new Walk(limits, showKey);
  const x = walk.copy(value, 0, null, false);
  return x === FAIL ? { ok: false, problem: walk.problem(root) } : { ok: true, value: x };
}

// ---------------------------------------------------------------------------------------------------------------
// Detection and redaction, over snapshots only

/** The classes whose detectors match one of `strings`, sorted by name. */
export function detectStrings(strings: readonly string[], classes: Iterable<CompiledClass>): string[] {
  const found: string[] = [];
  if (strings.length === 0) return found;
  for (const c of classes) {
    let hit = false;
    for (let d = 0; d < c.detectors.length && !hit; d++) {
      const det = c.detectors[d]!.detector;
      for (let i = 0; i < strings.length; i++) {
        if (det.test(strings[i]!)) {
          hit = true;
          break;
        }
      }
    }
    if (hit) found.push(c.name);
  }
  return found.sort();
}

/** The classes whose detectors match a string or a key anywhere in `value` (JSON data: a snapshot), sorted by name. */
export function detect(value: JsonValue | undefined, classes: Iterable<CompiledClass>): string[] {
  const strings: string[] = [];
  const gather = (v: JsonValue): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) for (const x of v as readonly JsonValue[]) gather(x);
    else if (typeof v === 'object' && v !== null)
      for (const k of Object.keys(v)) {
        strings.push(k);
        gather((v as JsonObject)[k]!);
      }
  };
  if (value !== undefined) gather(value);
  return detectStrings(strings, classes);
}

class RedactionProblem {
  readonly trail: Array<string | number> = [];
  constructor(readonly message: string) {}
}

/**
 * Replaces every match of the classes' detectors in every string and key of `value` (JSON data: a snapshot) and
 * returns a copy; parts without a match are shared, not copied. Refused, rather than done approximately, when two
 * keys of one object would become the same key, or when a redacted text still matches a detector of the classes
 * (a marker that a detector matches, say): what comes out holds no match of any of the classes.
 */
export function redact(value: JsonValue, classes: Iterable<CompiledClass>, root = 'value', showKey: KeyFilter = () => false, freeze = false): Snapshot<JsonValue> {
  const list = [...classes].filter((c) => c.detectors.length > 0);
  if (list.length === 0) return { ok: true, value };
  const text = (s: string): string => {
    let out = s;
    for (const c of list) for (const d of c.detectors) out = d.detector.replaceAll(out, c.marker);
    if (out === s) return s;
    for (const c of list) for (const d of c.detectors) if (d.detector.test(out)) throw new RedactionProblem(`still matches detector \`${d.name}\` of \`${c.name}\` after redaction, so it cannot be redacted`);
    return out;
  };
  const walk = (v: JsonValue): JsonValue => {
    if (typeof v === 'string') return text(v);
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) {
      const a = v as readonly JsonValue[];
      let out: JsonValue[] | null = null;
      for (let i = 0; i < a.length; i++) {
        let x: JsonValue;
        try {
          x = walk(a[i]!);
        } catch (e) {
          if (e instanceof RedactionProblem) e.trail.push(i);
          throw e;
        }
        if (out === null && x !== a[i]) out = a.slice(0, i);
        if (out !== null) out.push(x);
      }
      return out === null ? v : freeze ? Object.freeze(out) : out;
    }
    const o = v as JsonObject;
    const keys = Object.keys(o);
    let out: Record<string, JsonValue> | null = null;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      let nk: string;
      let x: JsonValue;
      try {
        nk = text(k);
        x = walk(o[k]!);
      } catch (e) {
        if (e instanceof RedactionProblem) e.trail.push(k);
        throw e;
      }
      if (out === null && (nk !== k || x !== o[k])) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]!] = o[keys[j]!]!;
      }
      if (out !== null) {
        // Two keys that redact to one would silently merge their values: refuse instead.
        if (Object.hasOwn(out, nk)) throw new RedactionProblem(`has keys that would all become \`${nk}\` when redacted, so they cannot be redacted apart`);
        out[nk] = x;
      }
    }
    return out === null ? v : freeze ? Object.freeze(out) : out;
  };
  try {
    return { ok: true, value: walk(value) };
  } catch (e) {
    if (!(e instanceof RedactionProblem)) throw e;
    return { ok: false, problem: `${renderPath(root, e.trail, showKey)} ${e.message}` };
  }
}
