import type { AnyRequest } from '../types.js';

/**
 * A well-formed request that is not plain data (a prototype chain, own fields set to undefined, a long trace id...)
 * as the reference reads it: its own properties only, copied into objects without a prototype. Off the fast path.
 */

const hasOwn = Object.prototype.hasOwnProperty;
const REQUEST_FIELDS = ['trace_id', 'use_case', 'model', 'tenant', 'region', 'data_classes', 'tool', 'tokens', 'spend', 'rate', 'time', 'principal', 'prompt', 'corpora'];
const PROMPT_FIELDS = ['name', 'version', 'sha256'];
const TOOL_FIELDS = ['name', 'scope', 'human_approved_by'];
const TOKEN_FIELDS = ['input', 'output'];
const SCOPE_FIELDS = ['use_case', 'tenant'];
const RATE_FIELDS = ['requests', 'tokens'];

/** The own properties `keys` of `o`, in an object without a prototype. */
function ownFields(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (hasOwn.call(o, k)) out[k] = o[k];
  }
  return out;
}

/** INVARIANT: `input` is well-formed (validate.ts found no problem), so every field present has its type. */
export function ownRequest(input: Record<string, unknown>): AnyRequest {
  const r = ownFields(input, REQUEST_FIELDS);
  if (r.tool !== undefined) r.tool = ownFields(r.tool as Record<string, unknown>, TOOL_FIELDS);
  if (r.tokens !== undefined) r.tokens = ownFields(r.tokens as Record<string, unknown>, TOKEN_FIELDS);
  if (r.spend !== undefined) {
    const spend = ownFields(r.spend as Record<string, unknown>, SCOPE_FIELDS);
    for (const k of SCOPE_FIELDS) {
      const byPeriod = spend[k] as Record<string, unknown> | undefined;
      if (byPeriod !== undefined) spend[k] = ownFields(byPeriod, Object.keys(byPeriod));
    }
    r.spend = spend;
  }
  if (r.rate !== undefined) {
    const rate = ownFields(r.rate as Record<string, unknown>, SCOPE_FIELDS);
    for (const k of SCOPE_FIELDS) if (rate[k] !== undefined) rate[k] = ownFields(rate[k] as Record<string, unknown>, RATE_FIELDS);
    r.rate = rate;
  }
  if (r.prompt !== undefined) r.prompt = ownFields(r.prompt as Record<string, unknown>, PROMPT_FIELDS);
  return r as unknown as AnyRequest;
}
