import { compareCodePoints } from '../util/compare.js';
import { atMostCodePoints } from '../decision/echo.js';
import { FIELD_MESSAGES, keyMessage, MAX_COUNTER, MAX_MICROS, MAX_PRINCIPAL, MAX_TOKENS, MAX_TRACE_ID, REQUEST_FIELDS, type RequestField } from '../decision/requestFields.js';

/**
 * Request validation for generated guards: the checks, order, bounds and messages of the request-field table
 * (src/decision/requestFields.ts, docs/semantics.md "Malformed requests"), written out by hand to allocate nothing
 * on the common path. test/contract.test.ts breaks every field of the table in turn and requires this validator's
 * message; test/guards.test.ts checks it against the reference on random and broken requests.
 */

/** The table's messages for the fields checked below: a name the table lacks fails at load, a typo at compile time. */
function messages<const K extends string>(names: readonly K[]): Readonly<Record<K, string>> {
  const out = {} as Record<K, string>;
  for (const name of names) {
    const m = FIELD_MESSAGES[name];
    // INVARIANT: every field checked here is a field of REQUEST_FIELDS (test/contract.test.ts checks the converse).
    if (m === undefined) throw new Error(`INVARIANT: request field \`${name}\` is not in REQUEST_FIELDS`);
    out[name] = m;
  }
  return out;
}

const M = messages([
  '', 'use_case', 'tenant', 'region', 'time', 'trace_id', 'model', 'data_classes', 'tool', 'tool.name', 'tool.scope',
  'tool.human_approved_by', 'tokens', 'tokens.input', 'tokens.output', 'spend', 'spend.use_case', 'spend.tenant', 'rate',
  'rate.use_case', 'rate.use_case.requests', 'rate.use_case.tokens', 'rate.tenant', 'rate.tenant.requests', 'rate.tenant.tokens',
  'principal',
  'prompt', 'prompt.name', 'prompt.version', 'prompt.sha256',
  'corpora',
]);

function tableField(name: string): RequestField {
  const f = REQUEST_FIELDS.find((x) => x.path.join('.') === name);
  // INVARIANT: as for `messages`.
  if (f === undefined) throw new Error(`INVARIANT: request field \`${name}\` is not in REQUEST_FIELDS`);
  return f;
}

const SPEND_KEY = { use_case: tableField('spend.use_case.*'), tenant: tableField('spend.tenant.*') };
const hasOwn = Object.prototype.hasOwnProperty;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function ownField(o: Record<string, unknown>, key: string): unknown {
  return hasOwn.call(o, key) ? o[key] : undefined;
}
function isNonEmptyString(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}
/** RULE C of docs/semantics.md: a trace id is a string of at most 256 code points (echoed whole, so bounded). */
function isTraceId(v: unknown): v is string {
  return typeof v === 'string' && atMostCodePoints(v, MAX_TRACE_ID);
}
/** A principal: a non-empty string of at most 256 code points (echoed whole in the decision). */
function isPrincipal(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && atMostCodePoints(v, MAX_PRINCIPAL);
}
function isBoundedInt(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Two ASCII digits at `i` as a number, or -1. */
function two(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$` and a real instant, without a regex or allocation. */
export function isValidTime(s: string): boolean {
  const n = s.length;
  if (n < 20 || n > 30 || n === 21) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(n - 1) !== 90) return false;
  if (n !== 20) {
    if (s.charCodeAt(19) !== 46) return false;
    for (let i = 20; i < n - 1; i++) if (digit(s, i) < 0) return false;
  }
  const hi = two(s, 0);
  const lo = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (hi < 0 || lo < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || month < 1 || month > 12) return false;
  const year = hi * 100 + lo;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS[month - 1]!;
  return day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

/** The message for the first invalid field, or undefined for a well-formed request. */
export function requestProblem(r: unknown): string | undefined {
  if (!isObject(r)) return M[''];
  // Fields are own properties: an inherited `use_case` is no more a field than it would be in JSON.
  if (!isNonEmptyString(ownField(r, 'use_case'))) return M['use_case'];
  if (!isNonEmptyString(ownField(r, 'tenant'))) return M['tenant'];
  if (!isNonEmptyString(ownField(r, 'region'))) return M['region'];
  const time = ownField(r, 'time');
  if (typeof time !== 'string' || !isValidTime(time)) return M['time'];
  if (hasOwn.call(r, 'trace_id') && !isTraceId(r.trace_id)) return M['trace_id'];
  if (hasOwn.call(r, 'model') && !isNonEmptyString(r.model)) return M['model'];
  if (hasOwn.call(r, 'data_classes')) {
    const c = r.data_classes;
    let ok = Array.isArray(c);
    // By index, holes included, up to the first bad element (a sparse array's length is no bound on work).
    for (let i = 0; ok && i < (c as unknown[]).length; i++) if (!isNonEmptyString((c as unknown[])[i])) ok = false;
    if (!ok) return M['data_classes'];
  }
  if (hasOwn.call(r, 'tool')) {
    const t = r.tool;
    if (!isObject(t)) return M['tool'];
    if (!isNonEmptyString(ownField(t, 'name'))) return M['tool.name'];
    if (!isNonEmptyString(ownField(t, 'scope'))) return M['tool.scope'];
    if (hasOwn.call(t, 'human_approved_by') && !isNonEmptyString(t.human_approved_by)) return M['tool.human_approved_by'];
  }
  if (hasOwn.call(r, 'tokens')) {
    const t = r.tokens;
    if (!isObject(t)) return M['tokens'];
    if (hasOwn.call(t, 'input') && !isBoundedInt(t.input, MAX_TOKENS)) return M['tokens.input'];
    if (hasOwn.call(t, 'output') && !isBoundedInt(t.output, MAX_TOKENS)) return M['tokens.output'];
  }
  if (hasOwn.call(r, 'spend')) {
    const s = r.spend;
    if (!isObject(s)) return M['spend'];
    const p = spendProblem(s, 'use_case') ?? spendProblem(s, 'tenant');
    if (p !== undefined) return p;
  }
  if (hasOwn.call(r, 'rate')) {
    const s = r.rate;
    if (!isObject(s)) return M['rate'];
    const p = rateProblem(s, 'use_case') ?? rateProblem(s, 'tenant');
    if (p !== undefined) return p;
  }
  // Language v2 fields, after the v1 ones (REQUEST_FIELDS).
  if (hasOwn.call(r, 'principal') && !isPrincipal(r.principal)) return M['principal'];
  // Language v2: the prompt.
  if (hasOwn.call(r, 'prompt')) {
    const t = r.prompt;
    if (!isObject(t)) return M['prompt'];
    if (!isNonEmptyString(ownField(t, 'name'))) return M['prompt.name'];
    if (hasOwn.call(t, 'version') && !isNonEmptyString(t.version)) return M['prompt.version'];
    if (hasOwn.call(t, 'sha256') && !isNonEmptyString(t.sha256)) return M['prompt.sha256'];
  }
  if (hasOwn.call(r, 'corpora') && !isNameArray(r.corpora)) return M['corpora'];
  return undefined;
}

/** An array of non-empty strings, read by index up to the first bad element (holes included). */
function isNameArray(c: unknown): boolean {
  if (!Array.isArray(c)) return false;
  for (let i = 0; i < c.length; i++) if (!isNonEmptyString(c[i])) return false;
  return true;
}

function spendProblem(s: Record<string, unknown>, scope: 'use_case' | 'tenant'): string | undefined {
  if (!hasOwn.call(s, scope)) return undefined;
  const byPeriod = s[scope];
  if (!isObject(byPeriod)) return M[`spend.${scope}`];
  let bad: string | undefined;
  // The first bad key in code-point order is the one reported; find it without sorting when all are fine.
  for (const key in byPeriod) {
    if (!hasOwn.call(byPeriod, key)) continue;
    if (!isBoundedInt(byPeriod[key], MAX_MICROS) && (bad === undefined || compareCodePoints(key, bad) < 0)) bad = key;
  }
  return bad === undefined ? undefined : keyMessage(SPEND_KEY[scope], bad);
}

function rateProblem(s: Record<string, unknown>, scope: 'use_case' | 'tenant'): string | undefined {
  if (!hasOwn.call(s, scope)) return undefined;
  const c = s[scope];
  if (!isObject(c)) return M[`rate.${scope}`];
  if (hasOwn.call(c, 'requests') && !isBoundedInt(c.requests, MAX_COUNTER)) return M[`rate.${scope}.requests`];
  if (hasOwn.call(c, 'tokens') && !isBoundedInt(c.tokens, MAX_COUNTER)) return M[`rate.${scope}.tokens`];
  return undefined;
}

/** The trace id a malformed request still carries: echoed only when it is a valid one (an own field, RULE C). */
export function malformedTraceId(input: unknown): string | null {
  if (!isObject(input) || !hasOwn.call(input, 'trace_id')) return null;
  const t = input.trace_id;
  return isTraceId(t) ? t : null;
}

/** The principal a malformed request still carries: echoed only when it is a valid one (an own field). */
export function malformedPrincipal(input: unknown): string | null {
  if (!isObject(input) || !hasOwn.call(input, 'principal')) return null;
  const p = input.principal;
  return isPrincipal(p) ? p : null;
}
