import { escapeInvisibleUtf16 } from '../../source/invisible.js';

/**
 * A small typed builder for generated TypeScript (the counterpart of codegen/rego.ts): text from `.gov` files only
 * ever enters a guard module as a JSON-escaped string literal (with every invisible or bidirectional character
 * escaped, source/invisible.ts), and identifiers are govc's own, validated here. `TsCode` is the only thing spliced
 * raw.
 */

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with as implements interface ' +
    'let package private protected public static yield any boolean constructor declare get module require number set string ' +
    'symbol type from of await async undefined never unknown object keyof readonly satisfies infer is asserts'
  ).split(' '),
);

/** TypeScript source that govc wrote. */
export class TsCode {
  private constructor(readonly text: string) {}

  /** @internal Wraps text govc itself wrote; never call with user data. */
  static trusted(text: string): TsCode {
    return new TsCode(text);
  }

  toString(): string {
    return this.text;
  }
}

/** A TypeScript identifier: throws unless it is plain ASCII, not reserved. */
export function tsName(text: string): TsCode {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(text) || RESERVED.has(text)) throw new Error(`INVARIANT: \`${text}\` is not a safe TypeScript identifier`);
  return TsCode.trusted(text);
}

function checkValue(value: unknown): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('INVARIANT: tsValue needs finite numbers');
  } else if (Array.isArray(value)) value.forEach(checkValue);
  else if (typeof value === 'object' && value !== null) {
    // A quoted `__proto__` key in an object literal sets the prototype; only govc's own keys ever get here.
    if (Object.prototype.hasOwnProperty.call(value, '__proto__')) throw new Error('INVARIANT: tsValue refuses a `__proto__` key');
    Object.values(value).forEach(checkValue);
  } else if (!['string', 'boolean'].includes(typeof value) && value !== null) throw new Error(`INVARIANT: tsValue cannot write a ${typeof value}`);
}

/**
 * Any JSON value as a TypeScript expression (or, for a string, a literal type). JSON is valid TypeScript; line and
 * paragraph separators, bidirectional controls, BOMs and the other invisible characters are `\uXXXX` escapes, so
 * no line break appears raw inside a literal and a reviewer of the module sees every character.
 */
export function tsValue(value: unknown): TsCode {
  checkValue(value);
  const json = JSON.stringify(value);
  return TsCode.trusted(escapeInvisibleUtf16(json));
}

/** Tagged template: interpolated `TsCode` is spliced raw; anything else becomes a literal. */
export function ts(strings: TemplateStringsArray, ...values: unknown[]): TsCode {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += (v instanceof TsCode ? v.text : tsValue(v).text) + (strings[i + 1] ?? '');
  });
  return TsCode.trusted(out);
}

export function joinTs(parts: readonly TsCode[], separator: string): TsCode {
  return TsCode.trusted(parts.map((p) => p.text).join(separator));
}

/**
 * An object literal with govc's own keys (plain identifiers, written bare) and any JSON values (tsValue). A bare
 * `__proto__` key would set the prototype, so it is refused.
 */
export function tsRecord(entries: object): TsCode {
  const fields = Object.entries(entries).map(([k, v]) => {
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) || k === '__proto__') throw new Error(`INVARIANT: \`${k}\` is not a safe property name`);
    return `${k}: ${tsValue(v).text}`;
  });
  return TsCode.trusted(fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`);
}

/** A union of string literal types, or `never`. */
export function tsUnion(names: readonly string[]): TsCode {
  return names.length === 0 ? TsCode.trusted('never') : joinTs(names.map((n) => tsValue(n)), ' | ');
}
