// Building strings (messages, rule paths) in the heap.
import { alloc } from "./mem";
import { elem, len, newString, strLen, strPtr } from "./value";

let buf: u32 = 0;
let cap: u32 = 0;
let n: u32 = 0;

function reserve(extra: u32): void {
  if (n + extra <= cap) return;
  let c: u32 = cap == 0 ? 256 : cap * 2;
  while (c < n + extra) c *= 2;
  const bigger = alloc(c);
  if (n > 0) memory.copy(bigger, buf, n);
  buf = bigger;
  cap = c;
}

export function begin(): void {
  buf = 0;
  cap = 0;
  n = 0;
}

export function lit(s: string): void {
  reserve(<u32>s.length);
  for (let i = 0; i < s.length; i++) store<u8>(buf + n + <u32>i, <u8>s.charCodeAt(i));
  n += <u32>s.length;
}

// The byte length of the first `max` code points of [p, p+len), or len when the text has at most `max`. Code
// points are counted by their UTF-8 lead bytes (the parser keeps strings valid UTF-8); the scan stops at the cut, so a
// megabyte string costs no more than a short one.
export function cutAfter(p: u32, len: u32, max: u32): u32 {
  let seen: u32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    if ((load<u8>(p + i) & 0xc0) != 0x80) {
      if (seen == max) return i;
      seen++;
    }
  }
  return len;
}

export const ECHO_MAX: u32 = 64;

// echo(s) of docs/semantics.md: a request-supplied string as a decision repeats it, its first 64 code points
// and "…" when it is longer.
export function echo(v: u32): void {
  const l = strLen(v);
  const keep = cutAfter(strPtr(v), l, ECHO_MAX);
  reserve(keep + 3);
  memory.copy(buf + n, strPtr(v), keep);
  n += keep;
  if (keep < l) {
    store<u8>(buf + n, 0xe2);
    store<u8>(buf + n + 1, 0x80);
    store<u8>(buf + n + 2, 0xa6);
    n += 3;
  }
}

export function str(v: u32): void {
  const l = strLen(v);
  reserve(l);
  memory.copy(buf + n, strPtr(v), l);
  n += l;
}

export function int(x: f64): void {
  if (x < 0) {
    lit("-");
    x = -x;
  }
  let v = <u64>x;
  let digits: u32 = 1;
  let t = v;
  while (t >= 10) {
    t /= 10;
    digits++;
  }
  reserve(digits);
  for (let i: u32 = 0; i < digits; i++) {
    store<u8>(buf + n + digits - 1 - i, <u8>(0x30 + <u32>(v % 10)));
    v /= 10;
  }
  n += digits;
}

// The text so far as a string value (the buffer is left to it; the next begin() starts a new one).
export function end(): u32 {
  const v = newString(buf, n);
  buf = 0;
  cap = 0;
  n = 0;
  return v;
}

// Program names (an array of string values) joined with `sep`.
export function strs(arr: u32, sep: string): void {
  const count = len(arr);
  for (let k: u32 = 0; k < count; k++) {
    if (k > 0) lit(sep);
    str(elem(arr, k));
  }
}

// Whether string value `v` is the ASCII text `s`.
export function equalsAscii(v: u32, s: string): bool {
  const l = strLen(v);
  if (l != <u32>s.length) return false;
  const p = strPtr(v);
  for (let i: u32 = 0; i < l; i++) if (load<u8>(p + i) != <u8>s.charCodeAt(<i32>i)) return false;
  return true;
}
