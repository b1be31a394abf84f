import { escapeInvisibleUtf16 } from '../source/invisible.js';

/**
 * A small typed builder for generated Rego (after ajv's `code.ts`): text from `.gov` files or requests only ever
 * enters Rego as a JSON-escaped string literal or a validated name, so it cannot become Rego code.
 */

const REGO_KEYWORDS = new Set([
  'as', 'contains', 'default', 'else', 'every', 'false', 'if', 'import', 'in', 'not', 'null', 'package', 'some', 'true', 'with',
]);

/** Rego source that govc wrote: the only thing spliced raw into a template. */
export class RegoCode {
  private constructor(readonly text: string) {}

  /** @internal Wraps text govc itself wrote; never call with user data. */
  static trusted(text: string): RegoCode {
    return new RegoCode(text);
  }

  toString(): string {
    return this.text;
  }
}

/** A Rego identifier: throws unless the text is a valid, non-reserved identifier. */
export function regoName(text: string): RegoCode {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) || REGO_KEYWORDS.has(text)) {
    throw new Error(`INVARIANT: \`${text}\` is not a valid Rego identifier`);
  }
  return RegoCode.trusted(text);
}

/**
 * Any JSON value as a Rego term. JSON is valid Rego term syntax; every invisible or bidirectional character
 * (source/invisible.ts: line separators, bidi controls, BOMs...) is a `\uXXXX` escape, so none appears raw in
 * generated source and a reviewer sees what OPA reads.
 */
export function regoValue(value: unknown): RegoCode {
  const json = JSON.stringify(value, (_k, v: unknown) => (v === undefined ? null : v));
  if (json === undefined) throw new Error('INVARIANT: regoValue needs a JSON value');
  return RegoCode.trusted(escapeInvisibleUtf16(json));
}

/** Tagged template: interpolated `RegoCode` is spliced raw; anything else becomes a Rego literal. */
export function rego(strings: TemplateStringsArray, ...values: unknown[]): RegoCode {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += (v instanceof RegoCode ? v.text : regoValue(v).text) + (strings[i + 1] ?? '');
  });
  return RegoCode.trusted(out);
}

export function joinRego(parts: readonly RegoCode[], separator: string): RegoCode {
  return RegoCode.trusted(parts.map((p) => p.text).join(separator));
}
