import { escapeInvisibleUtf16 } from '../source/invisible.js';

/**
 * The one JSON writer of every file and every JSON text govc writes (ir.json, data.json, the manifests, diagnostics,
 * decisions): JSON.stringify's text, which is deterministic because govc builds every object in a fixed key order,
 * with every invisible or bidirectional character (source/invisible.ts) written as a `\uXXXX` escape, so a reviewer
 * sees it and the parsed value is the same.
 */
export function stableJson(value: unknown, options: { readonly indent?: number; readonly newline?: boolean } = {}): string {
  const text = JSON.stringify(value, null, options.indent ?? 2);
  // INVARIANT: callers pass JSON values (objects, arrays, strings, finite numbers, booleans, null).
  if (text === undefined) throw new Error('INVARIANT: stableJson needs a JSON value');
  return escapeInvisibleUtf16(text) + (options.newline === false ? '' : '\n');
}

/** The same writer without indentation or final newline: for data that machines read (bundle data, Rego terms). */
export function compactJson(value: unknown): string {
  return stableJson(value, { indent: 0, newline: false });
}
