// The predicates the request-field table's types stand for (src/decision/requestFields.ts), which the generated
// validation (contract.ts) calls, and the small value helpers the decision uses.
import { alloc, bytesCompare, bytesEqual } from "./mem";
import * as text from "./text";
import { elem, keyAt, len, numberOf, objectIndex, strLen, strPtr, tag, T_ARRAY, T_NUMBER, T_OBJECT, T_STRING, valueAt } from "./value";

@inline export function isObj(v: u32): bool { return v != 0 && tag(v) == T_OBJECT; }
@inline export function isStr(v: u32): bool { return v != 0 && tag(v) == T_STRING; }
@inline export function isNonEmptyStr(v: u32): bool { return isStr(v) && strLen(v) > 0; }
// Whether object `o` has key `k` (false when `o` is absent or not an object).
@inline export function hasKey(o: u32, k: u32): bool { return isObj(o) && objectIndex(o, k) >= 0; }

const EXP_SATURATE: i64 = 1 << 40; // beyond any digit count a request can hold, so saturating never changes a verdict

// RULE A of docs/semantics.md: the number's exact decimal value, read from its text (never from the f64), if it
// is an integer in [0, max]; else -1. `1.0`, `1e3`, `10E-1` and `-0` are integers; `0.99999999999999999999`,
// `1e-400` and `1.0000000000000001` are not, though a double rounds some of them to one.
export function exactInt(v: u32, max: f64): f64 {
  if (v == 0 || tag(v) != T_NUMBER) return -1;
  if (load<u8>(v, 1) != 0) {
    // The parser saw digits only, few enough for the double to be exact (the common case).
    const x = numberOf(v) + 0; // -0 is 0
    return x >= 0 && x <= max ? x : -1;
  }
  let p = load<u32>(v, 16);
  const end = p + load<u32>(v, 20);
  if (p == 0) {
    // Numbers the module made itself have no text; they are exact.
    const x = numberOf(v);
    return x == Math.floor(x) && x >= 0 && x <= max ? x : -1;
  }
  let negative = false;
  if (p < end && load<u8>(p) == 0x2d) { negative = true; p++; }
  // The significant digits up to the last non-zero one (their value while it fits), the zeros after them, and
  // how many digits stood after the point. The text is a JSON number: the parser checked its grammar.
  let sig: u64 = 0;
  let sigLen: i64 = 0;
  let zeros: i64 = 0;
  let fraction: i64 = 0;
  let inFraction = false;
  for (; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (c == 0x2e) { inFraction = true; continue; }
    if (c < 0x30 || c > 0x39) break;
    if (inFraction) fraction++;
    if (c == 0x30) { if (sigLen > 0) zeros++; continue; }
    // A non-zero digit: the zeros before it are significant. More than 17 significant digits is too big for
    // every range the semantics uses (the largest is 10^15), so the value stops being tracked.
    if (sigLen + zeros + 1 > 17) sigLen = 18;
    else {
      for (let z: i64 = 0; z < zeros; z++) sig *= 10;
      sig = sig * 10 + <u64>(c - 0x30);
      sigLen += zeros + 1;
    }
    zeros = 0;
  }
  let exp: i64 = 0;
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    let eneg = false;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) { eneg = load<u8>(p) == 0x2d; p++; }
    for (; p < end; p++) if (exp < EXP_SATURATE) exp = exp * 10 + <i64>(load<u8>(p) - 0x30);
    if (eneg) exp = -exp;
  }
  if (sigLen == 0) return 0; // zero, however written (-0 included)
  if (negative) return -1;
  // value = sig * 10^shift, sig having sigLen digits
  const shift = exp - fraction + zeros;
  if (shift < 0) return -1;
  if (sigLen + shift > 16) return -1; // at least 10^16
  let x = sig;
  for (let i: i64 = 0; i < shift; i++) x *= 10;
  return <f64>x <= max ? <f64>x : -1;
}

// Validation keeps the exact value in the number's double, so the decision computes with it (and reads the text
// once): `999999999999999.0000` is then exactly 999999999999999, whatever the parser's approximation was.
export function isBoundedInt(v: u32, max: f64): bool {
  const x = exactInt(v, max);
  if (x < 0) return false;
  store<f64>(v, x, 8);
  return true;
}

// A validated integer field's value (0 when absent).
@inline export function intOf(v: u32): f64 {
  return v == 0 ? 0 : numberOf(v);
}

// RULE C: a trace id is a string of at most `max` code points (the request-field table's bound).
export function isValidTraceId(v: u32, max: u32): bool {
  return isStr(v) && text.cutAfter(strPtr(v), strLen(v), max) == strLen(v);
}

// echo() as a string value, for the decision's `use_case` field of an unknown use case.
export function echoValue(v: u32): u32 {
  if (text.cutAfter(strPtr(v), strLen(v), text.ECHO_MAX) == strLen(v)) return v;
  text.begin(); text.echo(v); return text.end();
}

export function strEq(a: u32, b: u32): bool { return bytesEqual(strPtr(a), strLen(a), strPtr(b), strLen(b)); }
export function strCmp(a: u32, b: u32): i32 { return bytesCompare(strPtr(a), strLen(a), strPtr(b), strLen(b)); }

export function inStrArray(arr: u32, s: u32): bool {
  if (arr == 0 || tag(arr) != T_ARRAY) return false;
  const n = len(arr);
  for (let i: u32 = 0; i < n; i++) {
    const e = elem(arr, i);
    if (tag(e) == T_STRING && strEq(e, s)) return true;
  }
  return false;
}

function digit(p: u32, i: u32): i32 { return <i32>load<u8>(p + i) - 0x30; }
function isDigitAt(p: u32, i: u32): bool { const d = digit(p, i); return d >= 0 && d <= 9; }
function num2(p: u32, i: u32): i32 { return digit(p, i) * 10 + digit(p, i + 1); }

// ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$ and a real instant.
export function isValidTime(v: u32): bool {
  if (!isStr(v)) return false;
  const p = strPtr(v);
  const n = strLen(v);
  if (n < 20) return false;
  for (let i: u32 = 0; i < 19; i++) {
    const c = load<u8>(p + i);
    if (i == 4 || i == 7) { if (c != 0x2d) return false; }
    else if (i == 10) { if (c != 0x54) return false; }
    else if (i == 13 || i == 16) { if (c != 0x3a) return false; }
    else if (!isDigitAt(p, i)) return false;
  }
  if (load<u8>(p + n - 1) != 0x5a) return false;
  if (n > 20) {
    if (load<u8>(p + 19) != 0x2e) return false;
    const frac = n - 21;
    if (frac < 1 || frac > 9) return false;
    for (let i: u32 = 20; i < n - 1; i++) if (!isDigitAt(p, i)) return false;
  }
  const year = digit(p, 0) * 1000 + digit(p, 1) * 100 + digit(p, 2) * 10 + digit(p, 3);
  const month = num2(p, 5);
  const day = num2(p, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  let days = 31;
  if (month == 2) days = leap ? 29 : 28;
  else if (month == 4 || month == 6 || month == 9 || month == 11) days = 30;
  return day <= days && num2(p, 11) <= 23 && num2(p, 14) <= 59 && num2(p, 17) <= 59;
}

// `string_array`: an array of non-empty strings.
export function isNonEmptyStrArray(v: u32): bool {
  if (v == 0 || tag(v) != T_ARRAY) return false;
  for (let i: u32 = 0; i < len(v); i++) if (!isNonEmptyStr(elem(v, i))) return false;
  return true;
}

// A request-field problem's message, as a string value.
export function message(s: string): u32 { text.begin(); text.lit(s); return text.end(); }

function sortedKeyIndexes(o: u32): u32 {
  const n = len(o);
  const idx = alloc(n << 2);
  for (let i: u32 = 0; i < n; i++) store<u32>(idx + (i << 2), i);
  for (let i: u32 = 1; i < n; i++) {
    const x = load<u32>(idx + (i << 2));
    let j = i;
    while (j > 0) {
      const y = load<u32>(idx + ((j - 1) << 2));
      const kx = keyAt(o, x);
      const ky = keyAt(o, y);
      if (tag(kx) != T_STRING || tag(ky) != T_STRING || strCmp(ky, kx) <= 0) break;
      store<u32>(idx + (j << 2), y);
      j--;
    }
    store<u32>(idx + (j << 2), x);
  }
  return idx;
}

// The index of the first key of `o`, in code-point order, whose value is not an integer in [0, max]; or -1.
export function firstBadIntKey(o: u32, max: f64): i32 {
  const idx = sortedKeyIndexes(o);
  for (let i: u32 = 0; i < len(o); i++) {
    const at = load<u32>(idx + (i << 2));
    if (!isBoundedInt(valueAt(o, at), max)) return <i32>at;
  }
  return -1;
}

// Key `at` of `o`, echoed (RULE B) into the text being built; a non-string key (Rego-syntax input only) as `?`.
export function echoKeyAt(o: u32, at: i32): void {
  const key = keyAt(o, <u32>at);
  if (tag(key) == T_STRING) text.echo(key); else text.lit("?");
}
