/**
 * Request validation as the reference reads it: REQUEST_FIELDS in order, the first problem found is the one
 * reported, so every target names the same field. `null` is not "absent": an optional field is either missing or
 * of its type. Unknown fields are ignored so callers can send more context than the policy reads.
 */
import { compareCodePoints } from '../util/compare.js';
import { atMostCodePoints, echo } from './echo.js';
import { childFields, keyMessage, MAX_PRINCIPAL, MAX_TRACE_ID, REQUEST_FIELDS, type RequestField } from './requestFields.js';

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
/** A valid principal: a non-empty string of at most 256 code points (echoed whole in the decision). */
export function isPrincipal(v: Json): v is string {
  return typeof v === 'string' && v.length > 0 && atMostCodePoints(v, MAX_PRINCIPAL);
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
    case 'bounded_string':
      return isNonEmptyString(v) && atMostCodePoints(v as string, f.max!);
  }
}

/** A field of the table and the fields under it. */
interface Node {
  readonly field: RequestField;
  readonly key: string;
  readonly children: readonly Node[];
}

function nodeOf(f: RequestField): Node {
  return { field: f, key: f.path[f.path.length - 1] ?? '', children: childFields(f.path).map(nodeOf) };
}

/** The table as a tree. Read depth first it is the table's order, which lists every field's descendants right after it. */
const ROOT = nodeOf(REQUEST_FIELDS[0]!);

/** The first problem among `nodes`, fields of the object `o`, and their descendants. */
function problemIn(o: Record<string, Json>, nodes: readonly Node[]): string | undefined {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.key === '*') {
      for (const k of Object.keys(o).sort(compareCodePoints)) if (!fits(n.field, o[k])) return keyMessage(n.field, k);
      continue;
    }
    // An absent field has no problem unless it is required; a present one must fit before its own fields are read.
    if (!has(o, n.key)) {
      if (n.field.required) return n.field.message;
      continue;
    }
    const v = o[n.key];
    if (!fits(n.field, v)) return n.field.message;
    if (n.children.length > 0) {
      const problem = problemIn(v as Record<string, Json>, n.children);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/** Returns the message for the first invalid field, or undefined for a well-formed request. */
export function firstRequestProblem(r: Json): string | undefined {
  return isObject(r) ? problemIn(r, ROOT.children) : ROOT.field.message;
}
