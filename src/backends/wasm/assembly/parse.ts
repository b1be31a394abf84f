// JSON and Rego-value parsing, iterative (an explicit stack in linear memory), so no nesting depth can exhaust
// the wasm call stack. Text is read as OPA's JSON decoder reads it (docs/semantics.md "Request text"): exactly one
// value with only whitespace around it (`{"use_case":"x"} {}` is not a request), at most 10,000 levels deep, and
// strings always valid UTF-8 (see putReplacement). Anything else gives 0, "no value". A string without escapes
// and a number's text point into the parsed bytes, which stay put because memory is only ever reclaimed wholesale
// (opa_free is a no-op).
import { alloc, hasSpecialByte } from "./mem";
import { newArray, newBool, newNull, newNumber, newObject, newString, objectSet, push, T_ARRAY, T_OBJECT, T_SET } from "./value";

const F_ARRAY: u32 = 1; // [ ... ]
const F_SET: u32 = 2; // { a, ... } (Rego)
const F_BRACE: u32 = 3; // { first ... : object or set, decided after the first term (Rego)
const F_KEY: u32 = 4; // { ... key   (waiting for ':')
const F_VALUE: u32 = 5; // { key: ...  (waiting for the value)

let pos: u32 = 0;
let end: u32 = 0;

@inline function peek(): i32 {
  return pos < end ? <i32>load<u8>(pos) : -1;
}

function skipWs(): void {
  while (pos < end) {
    const c = load<u8>(pos);
    if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) pos++;
    else break;
  }
}

function hex(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function hexN(n: u32): i32 {
  if (pos + n > end) return -1;
  let v: i32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const h = hex(<i32>load<u8>(pos + i));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  pos += n;
  return v;
}

function putCodePoint(out: u32, cp: u32): u32 {
  if (cp < 0x80) {
    store<u8>(out, <u8>cp);
    return 1;
  }
  if (cp < 0x800) {
    store<u8>(out, <u8>(0xc0 | (cp >> 6)));
    store<u8>(out + 1, <u8>(0x80 | (cp & 0x3f)));
    return 2;
  }
  if (cp < 0x10000) {
    store<u8>(out, <u8>(0xe0 | (cp >> 12)));
    store<u8>(out + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(out + 2, <u8>(0x80 | (cp & 0x3f)));
    return 3;
  }
  store<u8>(out, <u8>(0xf0 | (cp >> 18)));
  store<u8>(out + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(out + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(out + 3, <u8>(0x80 | (cp & 0x3f)));
  return 4;
}

// Length of a valid UTF-8 sequence starting at p (1..4), or 0.
function utf8Len(p: u32): u32 {
  const c = <u32>load<u8>(p);
  if (c < 0x80) return 1;
  let n: u32 = 0;
  let min: u32 = 0;
  let cp: u32 = 0;
  if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; cp = c & 0x1f; }
  else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; cp = c & 0x0f; }
  else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; cp = c & 0x07; }
  else return 0;
  if (p + n > end) return 0;
  for (let i: u32 = 1; i < n; i++) {
    const b = <u32>load<u8>(p + i);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// U+FFFD, what Go's encoding/json (OPA's decoder) makes of a byte that does not begin a valid UTF-8 sequence and of
// an escaped surrogate that is not half of a pair; reading text as OPA does gives the same decision everywhere.
function putReplacement(out: u32): u32 {
  store<u8>(out, 0xef);
  store<u8>(out + 1, 0xbf);
  store<u8>(out + 2, 0xbd);
  return 3;
}

function parseString(rego: bool): u32 {
  pos++; // opening quote
  const start = pos;
  let escapes = false;
  let invalid: u32 = 0; // bytes that become U+FFFD (3 bytes each)
  while (pos < end) {
    if (pos + 8 <= end && !hasSpecialByte(load<u64>(pos))) {
      pos += 8;
      continue;
    }
    const c = load<u8>(pos);
    if (c == 0x22) break;
    if (c < 0x20) return 0;
    if (c == 0x5c) {
      escapes = true;
      pos += 2;
      continue;
    }
    if (c >= 0x80) {
      const n = utf8Len(pos);
      if (n == 0) {
        invalid++;
        pos++;
      } else pos += n;
      continue;
    }
    pos++;
  }
  if (pos >= end) return 0;
  const stop = pos;
  pos++; // closing quote
  if (!escapes && invalid == 0) return newString(start, stop - start);
  // An escape never decodes to more bytes than it is written with; an invalid byte becomes three.
  const out = alloc(stop - start + invalid * 2);
  let o: u32 = 0;
  const resume = pos;
  pos = start;
  while (pos < stop) {
    const c = load<u8>(pos);
    if (c != 0x5c) {
      if (c < 0x80) {
        store<u8>(out + o, c);
        o++;
        pos++;
        continue;
      }
      const n = utf8Len(pos);
      if (n == 0) {
        o += putReplacement(out + o);
        pos++;
      } else {
        memory.copy(out + o, pos, n);
        o += n;
        pos += n;
      }
      continue;
    }
    const e = load<u8>(pos + 1);
    pos += 2;
    if (e == 0x22 || e == 0x5c || e == 0x2f) { store<u8>(out + o, e); o++; }
    else if (e == 0x62) { store<u8>(out + o, 0x08); o++; }
    else if (e == 0x66) { store<u8>(out + o, 0x0c); o++; }
    else if (e == 0x6e) { store<u8>(out + o, 0x0a); o++; }
    else if (e == 0x72) { store<u8>(out + o, 0x0d); o++; }
    else if (e == 0x74) { store<u8>(out + o, 0x09); o++; }
    else if (rego && e == 0x61) { store<u8>(out + o, 0x07); o++; }
    else if (rego && e == 0x76) { store<u8>(out + o, 0x0b); o++; }
    else if (e == 0x75) {
      let cp = hexN(4);
      if (cp < 0) return 0;
      if (cp >= 0xd800 && cp <= 0xdbff && pos + 6 <= stop && load<u8>(pos) == 0x5c && load<u8>(pos + 1) == 0x75) {
        const save = pos;
        pos += 2;
        const lo = hexN(4);
        if (lo >= 0xdc00 && lo <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        else pos = save; // the next escape is read on its own, as Go reads it
      }
      if (cp >= 0xd800 && cp <= 0xdfff) o += putReplacement(out + o);
      else o += putCodePoint(out + o, <u32>cp);
    } else if (rego && e == 0x55) {
      const cp = hexN(8);
      if (cp < 0 || cp > 0x10ffff) return 0;
      if (cp >= 0xd800 && cp <= 0xdfff) o += putReplacement(out + o);
      else o += putCodePoint(out + o, <u32>cp);
    } else if (rego && e == 0x78) {
      // A byte: ASCII as is; any other single byte is not UTF-8.
      const b = hexN(2);
      if (b < 0) return 0;
      if (b < 0x80) {
        store<u8>(out + o, <u8>b);
        o++;
      } else o += putReplacement(out + o);
    } else return 0;
  }
  pos = resume;
  return newString(out, o);
}

const POW10: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

function pow10(e: i32): f64 {
  let r: f64 = 1;
  let b: f64 = 10;
  let n = e < 0 ? -e : e;
  while (n > 0) {
    if (n & 1) r *= b;
    b *= b;
    n >>= 1;
  }
  return e < 0 ? 1 / r : r;
}

// JSON number grammar. The value is exact for up to 19 significant digits and exponents within 10^22 (every
// integer a request may carry); beyond that it is close, which only matters for numbers no request needs.
function parseNumber(): u32 {
  const start = pos;
  let negative = false;
  if (peek() == 0x2d) {
    negative = true;
    pos++;
  }
  if (pos >= end) return 0;
  let c = peek();
  if (c < 0x30 || c > 0x39) return 0;
  let mantissa: u64 = 0;
  let digits: i32 = 0;
  let exp10: i32 = 0;
  if (c == 0x30) pos++;
  else {
    while (pos < end && (c = peek()) >= 0x30 && c <= 0x39) {
      if (digits < 19) {
        mantissa = mantissa * 10 + <u64>(c - 0x30);
        if (mantissa != 0) digits++;
      } else exp10++;
      pos++;
    }
  }
  const integerEnd = pos;
  if (peek() == 0x2e) {
    pos++;
    c = peek();
    if (c < 0x30 || c > 0x39) return 0;
    while (pos < end && (c = peek()) >= 0x30 && c <= 0x39) {
      if (digits < 19) {
        mantissa = mantissa * 10 + <u64>(c - 0x30);
        if (mantissa != 0) digits++;
        exp10--;
      }
      pos++;
    }
  }
  c = peek();
  if (c == 0x65 || c == 0x45) {
    pos++;
    let eneg = false;
    c = peek();
    if (c == 0x2b || c == 0x2d) {
      eneg = c == 0x2d;
      pos++;
    }
    c = peek();
    if (c < 0x30 || c > 0x39) return 0;
    let e: i32 = 0;
    while (pos < end && (c = peek()) >= 0x30 && c <= 0x39) {
      if (e < 100000) e = e * 10 + (c - 0x30);
      pos++;
    }
    exp10 += eneg ? -e : e;
  }
  let x: f64 = <f64>mantissa;
  if (mantissa == 0) x = 0;
  else if (exp10 >= 0 && exp10 <= 22) x *= POW10[exp10];
  else if (exp10 < 0 && exp10 >= -22) x /= POW10[-exp10];
  else if (exp10 > 308 + 19) x = Infinity;
  else if (exp10 < -(324 + 19)) x = 0;
  else x = exp10 > 0 ? x * pow10(exp10) : x / pow10(-exp10);
  const v = newNumber(negative ? -x : x, start, pos - start);
  // Digits only, at most 15 of them: the double is the exact value, so RULE A needs no second look at the text.
  if (pos == integerEnd && integerEnd - start - (negative ? 1 : 0) <= 15) store<u8>(v, 1, 1);
  return v;
}

function literal(word: string): bool {
  const n = <u32>word.length;
  if (pos + n > end) return false;
  for (let i: u32 = 0; i < n; i++) if (<i32>load<u8>(pos + i) != word.charCodeAt(<i32>i)) return false;
  pos += n;
  return true;
}

// Frames: [kind u32][container u32][key u32]
// Go's encoding/json limit: OPA refuses deeper JSON, so the module does too.
const MAX_DEPTH: u32 = 10000;

let stack: u32 = 0;
let stackCap: u32 = 0;
let depth: u32 = 0;

function pushFrame(kind: u32, container: u32, key: u32): void {
  if (depth == stackCap) {
    const cap = stackCap == 0 ? 64 : stackCap * 2;
    const bigger = alloc(cap * 12);
    if (stackCap > 0) memory.copy(bigger, stack, stackCap * 12);
    stack = bigger;
    stackCap = cap;
  }
  const f = stack + depth * 12;
  store<u32>(f, kind);
  store<u32>(f, container, 4);
  store<u32>(f, key, 8);
  depth++;
}

export function parseValue(ptr: u32, length: u32, rego: bool): u32 {
  pos = ptr;
  end = ptr + length;
  stack = 0;
  stackCap = 0;
  depth = 0;
  for (;;) {
    // Expect a value.
    skipWs();
    let v: u32 = 0;
    const c = peek();
    if ((c == 0x7b || c == 0x5b) && depth + 1 > MAX_DEPTH) return 0;
    if (c == 0x7b) {
      pos++;
      skipWs();
      if (peek() == 0x7d) {
        pos++;
        v = newObject(0);
      } else {
        pushFrame(rego ? F_BRACE : F_KEY, rego ? 0 : newObject(0), 0);
        if (!rego && peek() != 0x22) return 0;
        continue;
      }
    } else if (c == 0x5b) {
      pos++;
      skipWs();
      if (peek() == 0x5d) {
        pos++;
        v = newArray(T_ARRAY, 0);
      } else {
        pushFrame(F_ARRAY, newArray(T_ARRAY, 0), 0);
        continue;
      }
    } else if (c == 0x22) v = parseString(rego);
    else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) v = parseNumber();
    else if (c == 0x74) v = literal("true") ? newBool(true) : 0;
    else if (c == 0x66) v = literal("false") ? newBool(false) : 0;
    else if (c == 0x6e) v = literal("null") ? newNull() : 0;
    else if (rego && c == 0x73) v = literal("set()") ? newArray(T_SET, 0) : 0;
    if (v == 0) return 0;

    // Hand the value to the enclosing container, closing as many containers as the text closes.
    for (;;) {
      if (depth == 0) {
        skipWs();
        return pos == end ? v : 0;
      }
      const f = stack + (depth - 1) * 12;
      const kind = load<u32>(f);
      const container = load<u32>(f, 4);
      skipWs();
      const d = peek();
      if (kind == F_ARRAY || kind == F_SET) {
        push(container, v);
        if (d == 0x2c) {
          pos++;
          break;
        }
        if ((kind == F_ARRAY && d == 0x5d) || (kind == F_SET && d == 0x7d)) {
          pos++;
          depth--;
          v = container;
          continue;
        }
        return 0;
      }
      if (kind == F_BRACE) {
        if (d == 0x3a) {
          pos++;
          store<u32>(f, F_VALUE);
          store<u32>(f, newObject(0), 4);
          store<u32>(f, v, 8);
          break;
        }
        const set = newArray(T_SET, 0);
        push(set, v);
        store<u32>(f, F_SET);
        store<u32>(f, set, 4);
        if (d == 0x2c) {
          pos++;
          break;
        }
        if (d == 0x7d) {
          pos++;
          depth--;
          v = set;
          continue;
        }
        return 0;
      }
      if (kind == F_KEY) {
        if (d != 0x3a) return 0;
        pos++;
        store<u32>(f, F_VALUE);
        store<u32>(f, v, 8);
        break;
      }
      // F_VALUE
      objectSet(container, load<u32>(f, 8), v);
      if (d == 0x2c) {
        pos++;
        store<u32>(f, F_KEY);
        skipWs();
        if (!rego && peek() != 0x22) return 0;
        break;
      }
      if (d == 0x7d) {
        pos++;
        depth--;
        v = container;
        continue;
      }
      return 0;
    }
  }
  return 0;
}

export { T_OBJECT };
