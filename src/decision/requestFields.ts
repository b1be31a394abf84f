/**
 * The table of request fields, in the order docs/semantics.md "Malformed requests" validates them: the first field
 * that fails its check is the one reported, with its message, as the `malformed_request` reason. The reference's
 * validator (validateRequest.ts) reads this table; the runtime's fast validator takes its messages and bounds from
 * it; scripts/generate-contract.mjs writes the Rego and AssemblyScript validation and the docs' table from it.
 */
import { echo } from './echo.js';

/** The largest token estimate (`tokens.input`, `tokens.output`). */
export const MAX_TOKENS = 1_000_000_000;
/** The largest spend counter, in micro-units (10^15: ten times the largest budget the IR allows). */
export const MAX_MICROS = 1_000_000_000_000_000;
/** The largest rate counter (`rate.*.requests`, `rate.*.tokens`). */
export const MAX_COUNTER = 1_000_000_000_000;
/** RULE C of docs/semantics.md: the longest trace id, in code points. */
export const MAX_TRACE_ID = 256;
/** The longest principal (the calling service or team identity), in code points: echoed whole like a trace id. */
export const MAX_PRINCIPAL = 256;

/**
 * What a field must hold when present:
 * - `object`: a JSON object (not null, not an array);
 * - `string`: a non-empty string;
 * - `time`: an RFC 3339 UTC timestamp that is a real instant (validateRequest.ts `isValidTime`);
 * - `trace_id`: a string of at most `max` code points (RULE C);
 * - `string_array`: an array of non-empty strings;
 * - `integer`: an integer from 0 to `max` (RULE A: its exact decimal value is one);
 * - `bounded_string`: a non-empty string of at most `max` code points (a decision echoes it whole).
 */
export type FieldType = 'object' | 'string' | 'time' | 'trace_id' | 'string_array' | 'integer' | 'bounded_string';

export interface RequestField {
  /**
   * Where the field is: keys from the request down; `[]` is the request itself, and a last key `*` stands for
   * every own key of its parent, checked in code-point order (the message's `{key}` is that key, echoed).
   */
  readonly path: readonly string[];
  readonly type: FieldType;
  /** Whether the field must be present when its parent is. */
  readonly required: boolean;
  /** `integer`: the largest value; `trace_id`, `bounded_string`: the most code points. */
  readonly max?: number;
  /** The `malformed_request` message. */
  readonly message: string;
}

const quoted = (path: string): string => '`' + path + '`';
const nonEmpty = (path: string): string => `${quoted(path)} must be a non-empty string`;
const object = (path: string): string => `${quoted(path)} must be an object`;
const integer = (path: string, max: number): string => `${quoted(path)} must be an integer from 0 to ${max}`;

function field(path: string, type: FieldType, required: boolean, message: string, max?: number): RequestField {
  return { path: path === '' ? [] : path.split('.'), type, required, message, ...(max === undefined ? {} : { max }) };
}

export const REQUEST_FIELDS: readonly RequestField[] = [
  field('', 'object', true, 'the request must be a JSON object'),
  field('use_case', 'string', true, nonEmpty('use_case')),
  field('tenant', 'string', true, nonEmpty('tenant')),
  field('region', 'string', true, nonEmpty('region')),
  field('time', 'time', true, '`time` must be an RFC 3339 UTC timestamp such as 2026-11-26T09:30:00Z'),
  field('trace_id', 'trace_id', false, `\`trace_id\` must be a string of at most ${MAX_TRACE_ID} characters`, MAX_TRACE_ID),
  field('model', 'string', false, nonEmpty('model')),
  field('data_classes', 'string_array', false, '`data_classes` must be an array of non-empty strings'),
  field('tool', 'object', false, object('tool')),
  field('tool.name', 'string', true, nonEmpty('tool.name')),
  field('tool.scope', 'string', true, nonEmpty('tool.scope')),
  field('tool.human_approved_by', 'string', false, nonEmpty('tool.human_approved_by')),
  field('tokens', 'object', false, object('tokens')),
  field('tokens.input', 'integer', false, integer('tokens.input', MAX_TOKENS), MAX_TOKENS),
  field('tokens.output', 'integer', false, integer('tokens.output', MAX_TOKENS), MAX_TOKENS),
  field('spend', 'object', false, object('spend')),
  ...['use_case', 'tenant'].flatMap((scope) => [
    field(`spend.${scope}`, 'object', false, object(`spend.${scope}`)),
    field(`spend.${scope}.*`, 'integer', false, `\`spend.${scope}.{key}\` must be an integer number of micro-units from 0 to ${MAX_MICROS}`, MAX_MICROS),
  ]),
  field('rate', 'object', false, object('rate')),
  ...['use_case', 'tenant'].flatMap((scope) => [
    field(`rate.${scope}`, 'object', false, object(`rate.${scope}`)),
    field(`rate.${scope}.requests`, 'integer', false, integer(`rate.${scope}.requests`, MAX_COUNTER), MAX_COUNTER),
    field(`rate.${scope}.tokens`, 'integer', false, integer(`rate.${scope}.tokens`, MAX_COUNTER), MAX_COUNTER),
  ]),
  // Language v2 fields, validated after the v1 fields (docs/semantics.md).
  field('principal', 'bounded_string', false, `\`principal\` must be a non-empty string of at most ${MAX_PRINCIPAL} characters`, MAX_PRINCIPAL),
  // Language v2, assets: the prompt the request runs with.
  field('prompt', 'object', false, object('prompt')),
  field('prompt.name', 'string', true, nonEmpty('prompt.name')),
  field('prompt.version', 'string', false, nonEmpty('prompt.version')),
  field('prompt.sha256', 'string', false, nonEmpty('prompt.sha256')),
  field('corpora', 'string_array', false, '`corpora` must be an array of non-empty strings'),
];

/** A field's path as messages and docs write it (`spend.use_case.*`; the request itself is ``). */
export function fieldName(f: RequestField): string {
  return f.path.join('.');
}

/** The message of each field by `fieldName`: for validators that check fields in code rather than by the table. */
export const FIELD_MESSAGES: Readonly<Record<string, string>> = Object.fromEntries(REQUEST_FIELDS.map((f) => [fieldName(f), f.message]));

/**
 * The message of a `*` field for key `key`, echoed (RULE B). A function replacement, so `$&` in a key is text.
 */
export function keyMessage(f: RequestField, key: string): string {
  return f.message.replace('{key}', () => echo(key));
}

const CHILDREN = new Map<string, readonly RequestField[]>();

/** The fields directly under `path`, in table order. */
export function childFields(path: readonly string[]): readonly RequestField[] {
  const key = path.join('.');
  let children = CHILDREN.get(key);
  if (children === undefined) {
    children = REQUEST_FIELDS.filter((f) => f.path.length === path.length + 1 && path.every((k, i) => f.path[i] === k));
    CHILDREN.set(key, children);
  }
  return children;
}
