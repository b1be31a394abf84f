/**
 * A small typed builder for generated Python (after ajv's `code.ts`, like rego.ts): text from `.gov` files or
 * requests only ever enters Python as an escaped literal or a validated name, so it cannot become Python code.
 *
 * Every literal is pure printable ASCII: a `str` escapes its quote, its backslash and every character outside
 * U+0020..U+007E (`\n`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`; an unpaired surrogate is its own `\uD8xx`, which a Python
 * `str` holds as is), so no byte of a generated file is invisible, bidirectional or a line break inside a literal,
 * and `ast.literal_eval` of the text gives back exactly the string it was made from.
 */

/**
 * Python's keywords and soft keywords (3.10 to 3.13): never an identifier of generated code, so a name can never
 * change the meaning of the statement it is in.
 */
const PYTHON_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type', '_',
]);

/** Python source that govc wrote: the only thing spliced raw into a template. */
export class PyCode {
  private constructor(readonly text: string) {}

  /** @internal Wraps text govc itself wrote; never call with user data. */
  static trusted(text: string): PyCode {
    return new PyCode(text);
  }

  toString(): string {
    return this.text;
  }
}

/** A Python identifier: throws unless the text is an ASCII identifier that is not a keyword nor a dunder name. */
export function pyName(text: string): PyCode {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) || PYTHON_KEYWORDS.has(text) || /^__.*__$/.test(text)) {
    throw new Error(`INVARIANT: \`${text}\` is not a valid Python identifier for generated code`);
  }
  return PyCode.trusted(text);
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** A `str` literal of pure printable ASCII that reads back as exactly `s` (code points; lone surrogates kept). */
export function pyStr(s: string): PyCode {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27) out += "\\'";
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[i]!;
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x100) out += '\\x' + hex(c, 2);
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A pair is one code point, and Python's str holds code points.
      out += '\\U' + hex(s.codePointAt(i)!, 8);
      i++;
    } else out += '\\u' + hex(c, 4);
  }
  return PyCode.trusted(out + "'");
}

/** An `int` literal: exact integers only (Number.isSafeInteger), so Python reads the value JavaScript holds. */
export function pyInt(n: number): PyCode {
  if (!Number.isSafeInteger(n)) throw new Error(`INVARIANT: ${n} is not an exact integer`);
  return PyCode.trusted(String(n === 0 ? 0 : n));
}

/**
 * A `float` literal for a finite non-integer: JavaScript's shortest round-trip text, which Python's correctly
 * rounded parser reads back as the same double (`0.8`, `1e-7`).
 */
export function pyFloat(n: number): PyCode {
  if (!Number.isFinite(n) || Number.isInteger(n)) throw new Error(`INVARIANT: ${n} is not a finite non-integer`);
  const text = String(n);
  // INVARIANT: String() of a finite number is digits, `.`, `-`, `e`, `+` only.
  if (!/^-?[0-9.]+(e[-+][0-9]+)?$/.test(text)) throw new Error(`INVARIANT: unexpected number text ${text}`);
  return PyCode.trusted(text);
}

/**
 * Any JSON value as a Python literal: `str`, `int` (exact), `float` (finite non-integer), `bool`, `None`, `list`,
 * and `dict` with `str` keys in the object's own key order. Throws on anything else (undefined, functions,
 * non-finite or inexact numbers, class instances), so only data becomes a literal.
 */
export function pyValue(value: unknown, options: { readonly indent?: number } = {}): PyCode {
  return PyCode.trusted(literal(value, 0, options.indent ?? 0));
}

/** Nesting beyond this is not data govc writes: a cycle, or a mistake. */
const MAX_DEPTH = 64;

const isScalar = (v: unknown): boolean => v === null || typeof v !== 'object';

/**
 * With `indent` > 0, a dict or list of containers has one item per line with a trailing comma (the layout a
 * reviewer diffs); lists of scalars and empty containers stay on one line.
 */
function literal(v: unknown, depth: number, indent: number): string {
  if (depth > MAX_DEPTH) throw new Error('INVARIANT: pyValue: value nested too deeply (a cycle?)');
  if (v === null) return 'None';
  switch (typeof v) {
    case 'string':
      return pyStr(v).text;
    case 'boolean':
      return v ? 'True' : 'False';
    case 'number':
      return Number.isInteger(v) ? pyInt(v).text : pyFloat(v).text;
    case 'object': {
      if (Array.isArray(v)) {
        const items: string[] = [];
        for (let i = 0; i < v.length; i++) {
          if (!Object.prototype.hasOwnProperty.call(v, i)) throw new Error('INVARIANT: pyValue: an array with a hole');
          items.push(literal(v[i], depth + 1, indent));
        }
        return layout('[', items, ']', depth, indent > 0 && !v.every(isScalar) ? indent : 0);
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new Error('INVARIANT: pyValue: only plain objects become dicts');
      if (Object.getOwnPropertySymbols(v).length > 0) throw new Error('INVARIANT: pyValue: an object with a symbol key');
      const entries = Object.keys(v).map((k) => pyStr(k).text + ': ' + literal((v as Record<string, unknown>)[k], depth + 1, indent));
      return layout('{', entries, '}', depth, indent);
    }
    default:
      throw new Error(`INVARIANT: pyValue: a ${typeof v} is not data`);
  }
}

function layout(open: string, items: readonly string[], close: string, depth: number, indent: number): string {
  if (indent === 0 || items.length === 0) return open + items.join(', ') + close;
  const pad = ' '.repeat(indent * (depth + 1));
  return open + '\n' + items.map((item) => pad + item + ',\n').join('') + ' '.repeat(indent * depth) + close;
}

/**
 * A `#` comment line: the text must be printable ASCII (no line break can end the comment early); anything else is
 * written as a `str` literal inside the comment, so it still cannot end it.
 */
export function pyComment(text: string): PyCode {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error('INVARIANT: pyComment: comment text must be printable ASCII');
  return PyCode.trusted(text === '' ? '#' : `# ${text}`);
}

/** Tagged template: interpolated `PyCode` is spliced raw; anything else becomes a Python literal (pyValue). */
export function py(strings: TemplateStringsArray, ...values: unknown[]): PyCode {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += (v instanceof PyCode ? v.text : pyValue(v).text) + (strings[i + 1] ?? '');
  });
  return PyCode.trusted(out);
}

export function joinPy(parts: readonly PyCode[], separator: string): PyCode {
  return PyCode.trusted(parts.map((p) => p.text).join(separator));
}

/**
 * A module of constant assignments, `NAME = literal` after a header of comment lines, each literal laid out one
 * item per line: the shape of every Python file govc generates (its data), nothing executable besides the
 * assignments.
 */
export function pyDataModule(header: readonly PyCode[], assignments: ReadonlyArray<readonly [string, unknown]>): string {
  const seen = new Set<string>();
  const lines = assignments.map(([name, value]) => {
    if (seen.has(name)) throw new Error(`INVARIANT: pyDataModule: \`${name}\` assigned twice`);
    seen.add(name);
    return py`${pyName(name)} = ${pyValue(value, { indent: 4 })}`.text;
  });
  return [...header.map((h) => h.text), '', ...lines, ''].join('\n');
}
