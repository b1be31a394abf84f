/**
 * Request validation as the reference reads it: REQUEST_FIELDS in order, the first problem found is the one
 * reported, so every target names the same field. `null` is not "absent": an optional field is either missing or
 * of its type. Unknown fields are ignored so callers can send more context than the policy reads.
 */
import { compareCodePoints } from '../util/compare.js';
import { atMostCodePoints, echo } from './echo.js';
import { keyMessage, MAX_TRACE_ID, REQUEST_FIELDS, type RequestField } from './requestFields.js';

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

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** A request's fields are its own properties: inherited ones are absent, as they would be in JSON. */
function has(o: Record<string, Json>, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}
/** A valid trace id: a string of at most 256 code points (RULE C). */
export function isTraceId(v: Json): v is string {
  return typeof v === 'string' && atMostCodePoints(v, MAX_TRACE_ID);
}
function isNonEmptyString(v: Json): boolean {
  return typeof v === 'string' && v.length > 0;
}

/** Whether a present value has the field's type. */
function fits(f: RequestField, v: Json): boolean {
  switch (f.type) {
    case 'object':
      return isObject(v);
    case 'string':
      return isNonEmptyString(v);
    case 'time':
      return typeof v === 'string' && isValidTime(v);
    case 'trace_id':
      return typeof v === 'string' && atMostCodePoints(v, f.max!);
    case 'string_array': {
      if (!Array.isArray(v)) return false;
      // Every index, holes included (a hole is no string), as JSON would carry it.
      for (let i = 0; i < v.length; i++) if (!isNonEmptyString((v as Json[])[i])) return false;
      return true;
    }
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= f.max!;
  }
}

/** The field's problem, if it has one; its parents have passed their own checks (they come first in the table). */
function problemOf(r: Json, f: RequestField): string | undefined {
  if (f.path.length === 0) return isObject(r) ? undefined : f.message;
  let parent = r as Record<string, Json>;
  const last = f.path.length - 1;
  for (let i = 0; i < last; i++) {
    // An absent parent has no fields; a present one is an object (its own entry came earlier).
    if (!has(parent, f.path[i]!)) return undefined;
    parent = parent[f.path[i]!] as Record<string, Json>;
  }
  const key = f.path[last]!;
  if (key === '*') {
    for (const k of Object.keys(parent).sort(compareCodePoints)) if (!fits(f, parent[k])) return keyMessage(f, k);
    return undefined;
  }
  if (!has(parent, key)) return f.required ? f.message : undefined;
  return fits(f, parent[key]) ? undefined : f.message;
}

/** Returns the message for the first invalid field, or undefined for a well-formed request. */
export function firstRequestProblem(r: Json): string | undefined {
  for (const f of REQUEST_FIELDS) {
    const problem = problemOf(r, f);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
