/**
 * Request validation, field by field in a fixed order: the first problem found is the one reported, so every
 * target (Rego, Wasm, guards) names the same field. `null` is not "absent": an optional field is either missing
 * or of its type. Unknown fields are ignored so callers can send more context than the policy reads.
 */

export const MAX_TOKENS = 1_000_000_000;
export const MAX_MICROS = 1_000_000_000_000_000;
export const MAX_COUNTER = 1_000_000_000_000;
export const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** The pattern, and a real instant: month 01-12, a day of that month, hour 00-23, minute and second 00-59. */
export function isValidTime(value: string): boolean {
  if (!TIME_PATTERN.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days && Number(value.slice(11, 13)) <= 23 && Number(value.slice(14, 16)) <= 59 && Number(value.slice(17, 19)) <= 59;
}

import { compareCodePoints } from '../util/compare.js';
import { atMostCodePoints, echo } from '../runtime/decideSupport.js';

/** RULE C of docs/semantics.md: the longest trace id, in code points. */
export const MAX_TRACE_ID = 256;

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** A request's fields are its own properties: inherited ones are absent, as they would be in JSON. */
function has(o: Record<string, Json>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}
function field(o: Record<string, Json>, k: string): Json {
  return has(o, k) ? o[k] : undefined;
}
/** A valid trace id: a string of at most 256 code points. */
export function isTraceId(v: Json): v is string {
  return typeof v === 'string' && atMostCodePoints(v, MAX_TRACE_ID);
}
function isNonEmptyString(v: Json): boolean {
  return typeof v === 'string' && v.length > 0;
}
function isBoundedInt(v: Json, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

/** Returns the message for the first invalid field, or undefined for a well-formed request. */
export function firstRequestProblem(r: Json): string | undefined {
  if (!isObject(r)) return 'the request must be a JSON object';
  if (!isNonEmptyString(field(r, 'use_case'))) return '`use_case` must be a non-empty string';
  if (!isNonEmptyString(field(r, 'tenant'))) return '`tenant` must be a non-empty string';
  if (!isNonEmptyString(field(r, 'region'))) return '`region` must be a non-empty string';
  const time = field(r, 'time');
  if (typeof time !== 'string' || !isValidTime(time)) return '`time` must be an RFC 3339 UTC timestamp such as 2026-11-26T09:30:00Z';
  if (has(r, 'trace_id') && !isTraceId(r.trace_id)) return '`trace_id` must be a string of at most 256 characters';
  if (has(r, 'model') && !isNonEmptyString(r.model)) return '`model` must be a non-empty string';
  if (has(r, 'data_classes')) {
    const c = r.data_classes;
    // Every index, holes included (a hole is no string), as JSON would carry it.
    let ok = Array.isArray(c);
    for (let i = 0; ok && i < (c as Json[]).length; i++) if (!isNonEmptyString((c as Json[])[i])) ok = false;
    if (!ok) return '`data_classes` must be an array of non-empty strings';
  }
  if (has(r, 'tool')) {
    const t = r.tool;
    if (!isObject(t)) return '`tool` must be an object';
    if (!isNonEmptyString(field(t, 'name'))) return '`tool.name` must be a non-empty string';
    if (!isNonEmptyString(field(t, 'scope'))) return '`tool.scope` must be a non-empty string';
    if (has(t, 'human_approved_by') && !isNonEmptyString(t.human_approved_by)) return '`tool.human_approved_by` must be a non-empty string';
  }
  if (has(r, 'tokens')) {
    const t = r.tokens;
    if (!isObject(t)) return '`tokens` must be an object';
    for (const k of ['input', 'output']) {
      if (has(t, k) && !isBoundedInt(t[k], MAX_TOKENS)) return `\`tokens.${k}\` must be an integer from 0 to ${MAX_TOKENS}`;
    }
  }
  if (has(r, 'spend')) {
    const s = r.spend;
    if (!isObject(s)) return '`spend` must be an object';
    for (const scope of ['use_case', 'tenant']) {
      if (!has(s, scope)) continue;
      const byPeriod = s[scope];
      if (!isObject(byPeriod)) return `\`spend.${scope}\` must be an object`;
      for (const key of Object.keys(byPeriod).sort(compareCodePoints)) {
        if (!isBoundedInt(byPeriod[key], MAX_MICROS)) return `\`spend.${scope}.${echo(key)}\` must be an integer number of micro-units from 0 to ${MAX_MICROS}`;
      }
    }
  }
  if (has(r, 'rate')) {
    const s = r.rate;
    if (!isObject(s)) return '`rate` must be an object';
    for (const scope of ['use_case', 'tenant']) {
      if (!has(s, scope)) continue;
      const counters = s[scope];
      if (!isObject(counters)) return `\`rate.${scope}\` must be an object`;
      for (const k of ['requests', 'tokens']) {
        if (has(counters, k) && !isBoundedInt(counters[k], MAX_COUNTER)) return `\`rate.${scope}.${k}\` must be an integer from 0 to ${MAX_COUNTER}`;
      }
    }
  }
  return undefined;
}
