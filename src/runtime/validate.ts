import { compareCodePoints } from '../util/compare.js';
import { atMostCodePoints, echo } from './decideSupport.js';

/**
 * Request validation for generated guards: the same checks, order and messages as the reference
 * (src/eval/validateRequest.ts, docs/semantics.md "Malformed requests"), written to allocate nothing on the common
 * path. test/guards.test.ts checks it against the reference on random and broken requests.
 */

const MAX_TOKENS = 1_000_000_000;
const MAX_MICROS = 1_000_000_000_000_000;
const MAX_COUNTER = 1_000_000_000_000;
const MAX_TRACE_ID = 256;
const TIME_MESSAGE = '`time` must be an RFC 3339 UTC timestamp such as 2026-11-26T09:30:00Z';
const TRACE_ID_MESSAGE = '`trace_id` must be a string of at most 256 characters';
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
  if (!isObject(r)) return 'the request must be a JSON object';
  // Fields are own properties: an inherited `use_case` is no more a field than it would be in JSON.
  if (!isNonEmptyString(ownField(r, 'use_case'))) return '`use_case` must be a non-empty string';
  if (!isNonEmptyString(ownField(r, 'tenant'))) return '`tenant` must be a non-empty string';
  if (!isNonEmptyString(ownField(r, 'region'))) return '`region` must be a non-empty string';
  const time = ownField(r, 'time');
  if (typeof time !== 'string' || !isValidTime(time)) return TIME_MESSAGE;
  if (hasOwn.call(r, 'trace_id') && !isTraceId(r.trace_id)) return TRACE_ID_MESSAGE;
  if (hasOwn.call(r, 'model') && !isNonEmptyString(r.model)) return '`model` must be a non-empty string';
  if (hasOwn.call(r, 'data_classes')) {
    const c = r.data_classes;
    let ok = Array.isArray(c);
    // By index, holes included, up to the first bad element (a sparse array's length is no bound on work).
    for (let i = 0; ok && i < (c as unknown[]).length; i++) if (!isNonEmptyString((c as unknown[])[i])) ok = false;
    if (!ok) return '`data_classes` must be an array of non-empty strings';
  }
  if (hasOwn.call(r, 'tool')) {
    const t = r.tool;
    if (!isObject(t)) return '`tool` must be an object';
    if (!isNonEmptyString(ownField(t, 'name'))) return '`tool.name` must be a non-empty string';
    if (!isNonEmptyString(ownField(t, 'scope'))) return '`tool.scope` must be a non-empty string';
    if (hasOwn.call(t, 'human_approved_by') && !isNonEmptyString(t.human_approved_by)) return '`tool.human_approved_by` must be a non-empty string';
  }
  if (hasOwn.call(r, 'tokens')) {
    const t = r.tokens;
    if (!isObject(t)) return '`tokens` must be an object';
    if (hasOwn.call(t, 'input') && !isBoundedInt(t.input, MAX_TOKENS)) return `\`tokens.input\` must be an integer from 0 to ${MAX_TOKENS}`;
    if (hasOwn.call(t, 'output') && !isBoundedInt(t.output, MAX_TOKENS)) return `\`tokens.output\` must be an integer from 0 to ${MAX_TOKENS}`;
  }
  if (hasOwn.call(r, 'spend')) {
    const s = r.spend;
    if (!isObject(s)) return '`spend` must be an object';
    const p = spendProblem(s, 'use_case') ?? spendProblem(s, 'tenant');
    if (p !== undefined) return p;
  }
  if (hasOwn.call(r, 'rate')) {
    const s = r.rate;
    if (!isObject(s)) return '`rate` must be an object';
    const p = rateProblem(s, 'use_case') ?? rateProblem(s, 'tenant');
    if (p !== undefined) return p;
  }
  return undefined;
}

function spendProblem(s: Record<string, unknown>, scope: 'use_case' | 'tenant'): string | undefined {
  if (!hasOwn.call(s, scope)) return undefined;
  const byPeriod = s[scope];
  if (!isObject(byPeriod)) return `\`spend.${scope}\` must be an object`;
  let bad: string | undefined;
  // The first bad key in code-point order is the one reported; find it without sorting when all are fine.
  for (const key in byPeriod) {
    if (!hasOwn.call(byPeriod, key)) continue;
    if (!isBoundedInt(byPeriod[key], MAX_MICROS) && (bad === undefined || compareCodePoints(key, bad) < 0)) bad = key;
  }
  return bad === undefined ? undefined : `\`spend.${scope}.${echo(bad)}\` must be an integer number of micro-units from 0 to ${MAX_MICROS}`;
}

function rateProblem(s: Record<string, unknown>, scope: 'use_case' | 'tenant'): string | undefined {
  if (!hasOwn.call(s, scope)) return undefined;
  const c = s[scope];
  if (!isObject(c)) return `\`rate.${scope}\` must be an object`;
  if (hasOwn.call(c, 'requests') && !isBoundedInt(c.requests, MAX_COUNTER)) return `\`rate.${scope}.requests\` must be an integer from 0 to ${MAX_COUNTER}`;
  if (hasOwn.call(c, 'tokens') && !isBoundedInt(c.tokens, MAX_COUNTER)) return `\`rate.${scope}.tokens\` must be an integer from 0 to ${MAX_COUNTER}`;
  return undefined;
}

/** The trace id a malformed request still carries: echoed only when it is a valid one (an own field, RULE C). */
export function malformedTraceId(input: unknown): string | null {
  if (!isObject(input) || !hasOwn.call(input, 'trace_id')) return null;
  const t = input.trace_id;
  return isTraceId(t) ? t : null;
}
