/**
 * Tables keyed by names from `.gov` files. A name may be `__proto__`, `constructor` or `toString`: reading
 * `record[name]` would find Object.prototype's members, and writing `record['__proto__'] = x` would set the
 * prototype instead of adding an entry. These two helpers are the only way the checker and lowering touch such
 * records; symbol tables themselves are Maps.
 */

const hasOwn = Object.prototype.hasOwnProperty;

/** The record's own entry for `key`, never an inherited member. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwn.call(record, key) ? record[key] : undefined;
}

/**
 * A plain record of the entries, each an own enumerable data property (defined, not assigned, so `__proto__` is an
 * entry like any other and JSON.stringify writes it), in key order (UTF-16 code units, as `Array.prototype.sort`).
 */
export function recordOf<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, T> = {};
  for (const [key, value] of sorted) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}
