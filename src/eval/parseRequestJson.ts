/**
 * The JSON text of a request, parsed as every govc target reads it (docs/semantics.md "Request text"), for the
 * entry points that receive text (`govc decide`, and any server): the same text then gets the same decision from
 * the reference, the guards, OPA and the Wasm module.
 *
 * - One JSON value (RFC 8259) and nothing after it but whitespace: trailing garbage, a byte order mark, comments or
 *   nesting deeper than 10,000 levels are refused, as OPA's JSON decoder refuses them.
 * - Strings decode as Go's encoding/json (OPA) decodes them: a byte that does not start a valid UTF-8 sequence, and
 *   an escaped surrogate that is not half of a pair, become U+FFFD. A string input is read as its UTF-8 encoding,
 *   so its lone surrogates become U+FFFD too. Duplicate keys: the last one wins.
 * - RULE A: a number whose exact decimal value is not an integer but whose nearest double is one
 *   (`0.99999999999999999999`, `1e-400`) becomes NaN, which every validator reports as not an integer; every other
 *   number is its nearest double (`1e3` is 1000, `-0` is -0, `1.5` is 1.5, `1e400` is Infinity).
 *
 * Never throws: a text that is not one JSON value is `{ok: false}`.
 */
export type ParsedRequest = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** Go's encoding/json nesting limit (OPA's decoder): deeper texts are refused. */
export const MAX_JSON_DEPTH = 10_000;

export function parseRequestJson(input: string | Uint8Array): ParsedRequest {
  const text = typeof input === 'string' ? wellFormed(input) : decodeUtf8(input);
  return new Parser(text).parse();
}

/** A string as its UTF-8 encoding reads back: lone surrogates (which UTF-8 cannot encode) become U+FFFD. */
function wellFormed(s: string): string {
  // INVARIANT: Node 20 (the engines field) has String.prototype.toWellFormed (ES2024).
  return (s as string & { toWellFormed(): string }).toWellFormed();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 as Go decodes it: valid text as is; otherwise each byte that does not start a valid sequence (overlong,
 * surrogate, beyond U+10FFFF, truncated) is one U+FFFD and decoding resumes at the next byte. (TextDecoder's
 * replacement differs: it replaces a truncated sequence once, Go once per byte.) A BOM is kept, so it is refused.
 */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not valid UTF-8: decode byte by byte below.
  }
  const parts: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    parts.push(String.fromCodePoint(...run));
    run = [];
  };
  for (let i = 0; i < bytes.length; ) {
    const [cp, size] = decodeRune(bytes, i);
    run.push(cp);
    i += size;
    if (run.length >= 4096) flush();
  }
  flush();
  return parts.join('');
}

/** Go's utf8.DecodeRune: the code point at `i` and its length, or U+FFFD and 1 for an invalid encoding. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? [((b0 & 0x1f) << 6) | (b[i + 1]! & 0x3f), 2] : [0xfffd, 1];
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // E0 needs A0..BF (no overlongs), ED needs 80..9F (no surrogates).
    const ok = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf) && cont(2);
    return ok ? [((b0 & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f), 3] : [0xfffd, 1];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    // F0 needs 90..BF (no overlongs), F4 needs 80..8F (nothing beyond U+10FFFF).
    const ok = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf) && cont(2) && cont(3);
    return ok ? [((b0 & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f), 4] : [0xfffd, 1];
  }
  return [0xfffd, 1];
}

/** An open array or object while its members are parsed (an explicit stack: no recursion, any depth). */
type Frame = { readonly array: unknown[]; readonly object?: undefined } | { readonly array?: undefined; readonly object: Record<string, unknown>; key: string };

class Parser {
  private i = 0;

  constructor(private readonly s: string) {}

  parse(): ParsedRequest {
    const stack: Frame[] = [];
    let value: unknown;
    for (;;) {
      // A value starts here.
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x7b || c === 0x5b) {
        if (stack.length + 1 > MAX_JSON_DEPTH) return this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
        this.i++;
        this.ws();
        if (c === 0x5b) {
          if (this.s.charCodeAt(this.i) === 0x5d) {
            this.i++;
            value = [];
          } else {
            stack.push({ array: [] });
            continue;
          }
        } else if (this.s.charCodeAt(this.i) === 0x7d) {
          this.i++;
          value = {};
        } else {
          const key = this.key();
          if (key === undefined) return this.fail('expected a string key');
          stack.push({ object: {}, key });
          continue;
        }
      } else if (c === 0x22) {
        const str = this.string();
        if (str === undefined) return this.fail('invalid string');
        value = str;
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        const n = this.number();
        if (n === undefined) return this.fail('invalid number');
        value = n;
      } else if (this.s.startsWith('true', this.i)) {
        this.i += 4;
        value = true;
      } else if (this.s.startsWith('false', this.i)) {
        this.i += 5;
        value = false;
      } else if (this.s.startsWith('null', this.i)) {
        this.i += 4;
        value = null;
      } else return this.fail('expected a value');

      // The value is complete: hand it to the open containers, closing those that end here.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          this.ws();
          return this.i === this.s.length ? { ok: true, value } : this.fail('unexpected text after the JSON value');
        }
        if (top.array !== undefined) top.array.push(value);
        else setMember(top.object, top.key, value);
        this.ws();
        const d = this.s.charCodeAt(this.i);
        if (d === 0x2c) {
          this.i++;
          if (top.object !== undefined) {
            this.ws();
            const key = this.key();
            if (key === undefined) return this.fail('expected a string key');
            top.key = key;
          }
          break;
        }
        if (d === (top.array !== undefined ? 0x5d : 0x7d)) {
          this.i++;
          value = top.array ?? top.object;
          stack.pop();
          continue;
        }
        return this.fail(top.array !== undefined ? 'expected `,` or `]`' : 'expected `,` or `}`');
      }
    }
  }

  private fail(what: string): ParsedRequest {
    return { ok: false, error: `not one JSON value: ${what} at offset ${this.i}` };
  }

  /** JSON's four whitespace characters only. */
  private ws(): void {
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i++;
    }
  }

  /** `"key"` then `:`. */
  private key(): string | undefined {
    if (this.s.charCodeAt(this.i) !== 0x22) return undefined;
    const k = this.string();
    if (k === undefined) return undefined;
    this.ws();
    if (this.s.charCodeAt(this.i) !== 0x3a) return undefined;
    this.i++;
    return k;
  }

  private string(): string | undefined {
    const s = this.s;
    let j = this.i + 1;
    let start = j;
    let out = '';
    for (;;) {
      const c = s.charCodeAt(j);
      if (Number.isNaN(c) || c < 0x20) return undefined;
      if (c === 0x22) {
        this.i = j + 1;
        return out + s.slice(start, j);
      }
      if (c !== 0x5c) {
        j++;
        continue;
      }
      out += s.slice(start, j);
      const e = s.charCodeAt(j + 1);
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        j += 2;
      } else if (e === 0x75) {
        const u = hex4(s, j + 2);
        if (u < 0) return undefined;
        j += 6;
        if (u >= 0xd800 && u <= 0xdfff) {
          // Go's rule: a high surrogate escape followed by a low one is a pair; any other surrogate is U+FFFD, and
          // the escape after it is read on its own.
          const lo = s.charCodeAt(j) === 0x5c && s.charCodeAt(j + 1) === 0x75 ? hex4(s, j + 2) : -1;
          if (u <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
            out += String.fromCharCode(u, lo);
            j += 6;
          } else out += '\ufffd';
        } else out += String.fromCharCode(u);
      } else return undefined;
      start = j;
    }
  }

  private number(): number | undefined {
    const s = this.s;
    const from = this.i;
    let j = from;
    if (s.charCodeAt(j) === 0x2d) j++;
    const intFrom = j;
    if (s.charCodeAt(j) === 0x30) j++;
    else if (isDigit(s.charCodeAt(j))) while (isDigit(s.charCodeAt(j))) j++;
    else return undefined;
    const intTo = j;
    let fracFrom = j;
    let fracTo = j;
    if (s.charCodeAt(j) === 0x2e) {
      j++;
      fracFrom = j;
      if (!isDigit(s.charCodeAt(j))) return undefined;
      while (isDigit(s.charCodeAt(j))) j++;
      fracTo = j;
    }
    let expNegative = false;
    let expFrom = j;
    let expTo = j;
    if (s.charCodeAt(j) === 0x65 || s.charCodeAt(j) === 0x45) {
      j++;
      if (s.charCodeAt(j) === 0x2b || s.charCodeAt(j) === 0x2d) expNegative = s.charCodeAt(j++) === 0x2d;
      expFrom = j;
      if (!isDigit(s.charCodeAt(j))) return undefined;
      while (isDigit(s.charCodeAt(j))) j++;
      expTo = j;
    }
    this.i = j;
    const value = Number(s.slice(from, j));
    if (!Number.isInteger(value)) return value;
    // The double is an integer: so must the exact value be (RULE A), else the number is not an integer at all.
    return exactlyInteger(s, intFrom, intTo, fracFrom, fracTo, expNegative, expFrom, expTo) ? value : NaN;
  }
}

/**
 * Whether digits.fraction × 10^(±exponent) is an integer: with the digits' trailing zeros stripped (z of them, into
 * the integer part when the fraction is all zeros), the value is D × 10^(exponent − fraction length + z).
 */
function exactlyInteger(s: string, intFrom: number, intTo: number, fracFrom: number, fracTo: number, expNegative: boolean, expFrom: number, expTo: number): boolean {
  let last = fracTo > fracFrom ? fracTo : intTo;
  let zeros = 0;
  for (;;) {
    if (last === fracFrom && fracTo > fracFrom) last = intTo;
    if (last === intFrom) return true; // all digits zero: the value is 0
    if (s.charCodeAt(last - 1) !== 0x30) break;
    last--;
    zeros++;
  }
  let e = expFrom;
  while (e < expTo && s.charCodeAt(e) === 0x30) e++;
  // An exponent of 16 digits or more dwarfs any text's digit count.
  if (expTo - e >= 16) return !expNegative;
  const exponent = (expNegative ? -1 : 1) * Number(s.slice(e, expTo) || '0');
  return exponent - (fracTo - fracFrom) + zeros >= 0;
}

const ESCAPES: Readonly<Record<number, string>> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hex4(s: string, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = s.charCodeAt(at + k);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Sets a member as JSON.parse does: `__proto__` is an own property like any other name, never the prototype. */
function setMember(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}
