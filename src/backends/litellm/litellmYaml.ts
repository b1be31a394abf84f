import { Document, type ScalarTag } from 'yaml';

/**
 * YAML as LiteLLM reads it: PyYAML, a YAML 1.1 reader. The document is built as data and serialised by the `yaml`
 * library in its 1.1 mode (so `yes`, `on`, `0755` stay strings), with two scalar writers of our own:
 * - every string is double-quoted with everything outside printable ASCII escaped (`\uXXXX`, `\UXXXXXXXX`), because
 *   PyYAML reads U+2028, U+0085, DEL and a BOM in a file as line breaks or refuses them, and the library writes them raw;
 * - a price is a `YamlDecimal`: its exact decimal text with a point (`0.000002`), which PyYAML reads as a float
 *   (`2e-06` would be read as a string), instead of the nearest double's shortest form.
 */

/** An exact decimal number written as its text. */
export class YamlDecimal {
  constructor(readonly text: string) {}
}

/** A double-quoted YAML string with every character outside printable ASCII (and `"`, `\`) escaped. */
export function yamlQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

// The library's own string writer cannot be replaced for plain strings, so each string goes in wrapped.
class YamlText {
  constructor(readonly text: string) {}
}

const STRING_TAG: ScalarTag = {
  identify: (v) => v instanceof YamlText,
  tag: 'tag:yaml.org,2002:str',
  default: true,
  resolve: (s) => s,
  stringify: (item) => yamlQuoted((item.value as YamlText).text),
};

// Keys are config field names and program identifiers (the lexer's `[A-Za-z0-9_.-]`), which the library writes safely.
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The data with every string value wrapped for STRING_TAG. */
function wrapStrings(v: unknown): unknown {
  if (typeof v === 'string') return new YamlText(v);
  if (Array.isArray(v)) return v.map(wrapStrings);
  if (v !== null && typeof v === 'object' && !(v instanceof YamlDecimal)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      // INVARIANT: keys are field names or identifiers (see KEY).
      if (!KEY.test(k)) throw new Error(`INVARIANT: a YAML key that is not an identifier: ${JSON.stringify(k)}`);
      out[k] = wrapStrings(x);
    }
    return out;
  }
  return v;
}

const DECIMAL_TAG: ScalarTag = {
  identify: (v) => v instanceof YamlDecimal,
  tag: 'tag:yaml.org,2002:float',
  default: true,
  resolve: (s) => Number(s),
  stringify: (item) => (item.value as YamlDecimal).text,
};

/** `units / 10^scale` as an exact decimal with a point: nanos 2000 at scale 9 → `0.000002`. */
export function decimalText(units: number, scale: number): YamlDecimal {
  // INVARIANT: prices are non-negative safe integers (ir.schema.json).
  if (!Number.isSafeInteger(units) || units < 0) throw new Error('INVARIANT: a price is a non-negative integer');
  const digits = String(units).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return new YamlDecimal(`${whole}.${fraction === '' ? '0' : fraction}`);
}

/** The text of a YAML 1.1 document holding `data` (plain objects, arrays, strings, integers, booleans, YamlDecimal). */
export function toYaml(data: unknown, header: readonly string[] = []): string {
  const doc = new Document(wrapStrings(data), { version: '1.1', customTags: [STRING_TAG, DECIMAL_TAG] });
  if (header.length > 0) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0, directives: false });
}
