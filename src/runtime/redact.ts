import type { PolicyDataClass } from './types.js';

/**
 * Redaction with the data classes' detectors (regexes in govc's portable subset, which means the same in
 * JavaScript). Strings anywhere in a JSON-like value are rewritten; matches become `[REDACTED:<class>]`.
 */

export interface CompiledClass {
  readonly name: string;
  readonly patterns: readonly RegExp[];
}

export function compileClasses(classes: Iterable<PolicyDataClass>): Map<string, CompiledClass> {
  const out = new Map<string, CompiledClass>();
  for (const c of classes) out.set(c.name, { name: c.name, patterns: c.detectors.map((d) => new RegExp(d.regex, 'g')) });
  return out;
}

function mapStrings(value: unknown, f: (s: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return f(value);
  if (depth > 64 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, f, depth + 1);
  return out;
}

function eachString(value: unknown, f: (s: string) => boolean, depth = 0): boolean {
  if (typeof value === 'string') return f(value);
  if (depth > 64 || typeof value !== 'object' || value === null) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (eachString(v, f, depth + 1)) return true;
  return false;
}

/** Replaces every match of the classes' detectors in every string of `value` (a copy; the input is untouched). */
export function redact(value: unknown, classes: Iterable<CompiledClass>): unknown {
  const list = [...classes].filter((c) => c.patterns.length > 0);
  if (list.length === 0) return value;
  return mapStrings(value, (s) => {
    let out = s;
    for (const c of list) for (const p of c.patterns) out = out.replace(p, `[REDACTED:${c.name}]`);
    return out;
  });
}

/** The classes whose detectors match somewhere in `value`, sorted by name. */
export function detect(value: unknown, classes: Iterable<CompiledClass>): string[] {
  const found: string[] = [];
  for (const c of classes) {
    if (c.patterns.length === 0) continue;
    const hit = eachString(value, (s) =>
      c.patterns.some((p) => {
        p.lastIndex = 0;
        return p.test(s);
      }),
    );
    if (hit) found.push(c.name);
  }
  return found.sort();
}
