// Building strings (messages, rule paths) in the heap.
import { alloc } from "./mem";
import { newString, strLen, strPtr } from "./value";

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
