/**
 * Request validation for the engine: a fast, conservative check (true only for a well-formed request made of plain
 * objects) in front of the runtime's exact one (validate.ts), which alone decides whether and how a request is
 * malformed (first problem, reference messages). A request's fields are its own properties (docs/semantics.md):
 * the fast check accepts only objects whose prototype is Object.prototype or null while Object.prototype has no
 * property named like a field, so that reading `r.model` reads an own property; anything else is decided on a copy
 * of its own properties (ownRequest.ts).
 *
 * Written for V8: named loads on the request, `in` for absent fields, no allocation, no closure.
 */

const MAX_TOKENS = 1000000000;
const MAX_MICROS = 1000000000000000;
const MAX_COUNTER = 1000000000000;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** RULE C: a trace id has at most 256 code points; at most 256 UTF-16 units is certain, the rest is counted exactly. */
const MAX_TRACE_UNITS = 256;
/** A principal has at most 256 code points: at most 256 UTF-16 units is certain, the rest is counted exactly. */
const MAX_PRINCIPAL_UNITS = 256;

export const OBJECT_PROTO: object = Object.prototype;

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}

function bounded(v: unknown, max: number): boolean {
  return typeof v === 'number' && v >= 0 && v <= max && Math.floor(v) === v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Whether an object's fields are its own properties (given fieldsInherited() is false): its prototype is
 * Object.prototype or null (so not an array). Called after the object's fields are read, so that V8 knows its maps
 * and folds the prototype to a constant instead of calling into the runtime.
 */
function plain(v: object): boolean {
  const p: unknown = Object.getPrototypeOf(v);
  return p === OBJECT_PROTO || p === null;
}

/** An empty plain object: what it reads for a field's name is what every plain object would inherit. */
const PROBE: Record<string, unknown> = {};

/** Whether Object.prototype has been given a value named like a field. Monomorphic misses: a few ns in all. */
function fieldsInherited(): boolean {
  const o = PROBE;
  return (
    o.trace_id !== undefined || o.use_case !== undefined || o.model !== undefined || o.tenant !== undefined || o.region !== undefined ||
    o.data_classes !== undefined || o.tool !== undefined || o.tokens !== undefined || o.spend !== undefined || o.rate !== undefined ||
    o.time !== undefined || o.name !== undefined || o.scope !== undefined || o.human_approved_by !== undefined || o.input !== undefined ||
    o.output !== undefined || o.requests !== undefined || o.principal !== undefined || o.prompt !== undefined || o.version !== undefined || o.sha256 !== undefined || o.corpora !== undefined
  );
}

/** A digit's value at `i`, or 10 for anything else. */
function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : 10;
}

/**
 * The last timestamp found well-formed, and its day: requests made in the same second (or millisecond) send the same
 * text, and comparing it costs less than checking it again. Same text, same result: the memo cannot change a
 * decision, and one memo serves every program.
 */
let lastTime = '';
let lastDay = 0;

/** The reference's time check: RFC 3339 in UTC with an optional fraction of 1 to 9 digits, and a real instant. */
export function timeOk(s: string): boolean {
  const n = s.length;
  if ((n !== 20 && n < 22) || n > 30) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(n - 1) !== 90) return false;
  if (n !== 20) {
    if (s.charCodeAt(19) !== 46) return false;
    for (let i = 20; i < n - 1; i++) if (digitAt(s, i) > 9) return false;
  }
  const y0 = digitAt(s, 0), y1 = digitAt(s, 1), y2 = digitAt(s, 2), y3 = digitAt(s, 3);
  const m0 = digitAt(s, 5), m1 = digitAt(s, 6), d0 = digitAt(s, 8), d1 = digitAt(s, 9);
  const h0 = digitAt(s, 11), h1 = digitAt(s, 12), i0 = digitAt(s, 14), i1 = digitAt(s, 15), s0 = digitAt(s, 17), s1 = digitAt(s, 18);
  if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 || i0 > 9 || i1 > 9 || s0 > 9 || s1 > 9) return false;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || h0 * 10 + h1 > 23 || i0 > 5 || s0 > 5) return false;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  if (day > 28 && (month !== 2 ? day > DAYS[month - 1]! : day !== 29 || year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0))) return false;
  lastTime = s;
  lastDay = year * 10000 + month * 100 + day;
  return true;
}

/** The day of a well-formed request's time, as the number YYYYMMDD. */
export function dayOf(time: string): number {
  if (time === lastTime) return lastDay;
  return (
    (time.charCodeAt(0) - 48) * 10000000 + (time.charCodeAt(1) - 48) * 1000000 + (time.charCodeAt(2) - 48) * 100000 + (time.charCodeAt(3) - 48) * 10000 +
    (time.charCodeAt(5) - 48) * 1000 + (time.charCodeAt(6) - 48) * 100 + (time.charCodeAt(8) - 48) * 10 + (time.charCodeAt(9) - 48)
  );
}

/**
 * Every enumerable key, own or inherited (a superset of what the exact check reads), holds a bounded integer; no
 * prototype check is needed, as the decision reads a period only when it is an own property.
 */
function spendOk(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!bounded((v as Record<string, unknown>)[k], MAX_MICROS)) return false;
  return true;
}

function rateOk(v: unknown): boolean {
  if (!isObject(v)) return false;
  const a = v.requests;
  if (a !== undefined ? !bounded(a, MAX_COUNTER) : 'requests' in v) return false;
  const b = v.tokens;
  if (b !== undefined ? !bounded(b, MAX_COUNTER) : 'tokens' in v) return false;
  return plain(v);
}

/** True only for a well-formed request made of plain objects (false says nothing: the exact check decides). */
export function wellFormed(r: unknown): boolean {
  if (!isObject(r) || fieldsInherited()) return false;
  if (!nonEmpty(r.use_case) || !nonEmpty(r.tenant) || !nonEmpty(r.region)) return false;
  const time = r.time;
  if (typeof time !== 'string' || (time !== lastTime && !timeOk(time))) return false;
  // An absent field must not be an own property set to undefined: `in` (cheaper than hasOwnProperty) says so.
  let v = r.trace_id;
  if (v !== undefined ? typeof v !== 'string' || v.length > MAX_TRACE_UNITS : 'trace_id' in r) return false;
  v = r.model;
  if (v !== undefined ? !nonEmpty(v) : 'model' in r) return false;
  v = r.data_classes;
  if (v !== undefined) {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!nonEmpty(v[i])) return false;
  } else if ('data_classes' in r) return false;
  v = r.tool;
  if (v !== undefined) {
    if (!isObject(v) || !nonEmpty(v.name) || !nonEmpty(v.scope)) return false;
    const by = v.human_approved_by;
    if ((by !== undefined ? !nonEmpty(by) : 'human_approved_by' in v) || !plain(v)) return false;
  } else if ('tool' in r) return false;
  v = r.tokens;
  if (v !== undefined) {
    if (!isObject(v)) return false;
    const a = v.input;
    if (a !== undefined ? !bounded(a, MAX_TOKENS) : 'input' in v) return false;
    const b = v.output;
    if ((b !== undefined ? !bounded(b, MAX_TOKENS) : 'output' in v) || !plain(v)) return false;
  } else if ('tokens' in r) return false;
  v = r.spend;
  if (v !== undefined) {
    if (!isObject(v)) return false;
    const a = v.use_case;
    if (a !== undefined ? !spendOk(a) : 'use_case' in v) return false;
    const b = v.tenant;
    if ((b !== undefined ? !spendOk(b) : 'tenant' in v) || !plain(v)) return false;
  } else if ('spend' in r) return false;
  v = r.rate;
  if (v !== undefined) {
    if (!isObject(v)) return false;
    const a = v.use_case;
    if (a !== undefined ? !rateOk(a) : 'use_case' in v) return false;
    const b = v.tenant;
    if ((b !== undefined ? !rateOk(b) : 'tenant' in v) || !plain(v)) return false;
  } else if ('rate' in r) return false;
  v = r.principal;
  if (v !== undefined ? typeof v !== 'string' || v.length === 0 || v.length > MAX_PRINCIPAL_UNITS : 'principal' in r) return false;
  // Language v2: the prompt.
  v = r.prompt;
  if (v !== undefined) {
    if (!isObject(v) || !nonEmpty(v.name)) return false;
    const a = v.version;
    if (a !== undefined ? !nonEmpty(a) : 'version' in v) return false;
    const b = v.sha256;
    if ((b !== undefined ? !nonEmpty(b) : 'sha256' in v) || !plain(v)) return false;
  } else if ('prompt' in r) return false;
  v = r.corpora;
  if (v !== undefined) {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!nonEmpty(v[i])) return false;
  } else if ('corpora' in r) return false;
  return plain(r);
}
