// Serialising values: JSON (opa_json_dump) and Rego value syntax (opa_value_dump), into a growing buffer.
//
// Every text handed to the host (opa_eval's result, opa_json_dump, opa_value_dump) is written into the result
// ring: a region reserved at start-up, below the heap base the host snapshots, so neither the host (which writes
// data and input only at or above that base) nor a later evaluation's heap can overwrite it. OPA's Go engine needs
// this: its Eval returns a slice that aliases linear memory and hands the instance back to its pool before the
// caller copies the bytes (internal/wasm/sdk/internal/wasm/vm.go Eval, internal/wasm/sdk/opa/opa.go Eval), so the
// next evaluation on that instance used to overwrite a result still being read (spliced or wrong decisions
// under load). In the ring a result survives until RING_SIZE bytes of later results have been written.
import { alloc } from "./mem";
import { boolOf, elem, keyAt, len, numberOf, strLen, strPtr, tag, T_ARRAY, T_BOOL, T_NULL, T_NUMBER, T_OBJECT, T_SET, T_STRING, valueAt } from "./value";

let buf: u32 = 0;
let cap: u32 = 0;
let n: u32 = 0;

// 1 MiB holds hundreds of decisions (1 to 4 KiB each): a stale reader would have to stall for that many
// evaluations on its instance. A text that outgrows the space left is finished in the heap, then moved to the
// ring's start if it fits in half the ring; larger ones (pathological requests) are returned from the heap.
const RING_SIZE: u32 = 1 << 20;
const RING_WRAP_BELOW: u32 = 16 << 10;
let ring: u32 = 0;
let ringAt: u32 = 0;

// Called once at start-up, before the host reads the heap pointer it will treat as its base.
export function initDump(): void {
  ring = alloc(RING_SIZE);
  ringAt = 0;
}

function reserve(extra: u32): void {
  if (n + extra <= cap) return;
  let c: u32 = cap == 0 ? 1024 : cap * 2;
  while (c < n + extra) c *= 2;
  const bigger = alloc(c);
  if (n > 0) memory.copy(bigger, buf, n);
  buf = bigger;
  cap = c;
}

@inline function byte(b: u32): void {
  reserve(1);
  store<u8>(buf + n, <u8>b);
  n++;
}

function ascii(s: string): void {
  reserve(<u32>s.length);
  for (let i = 0; i < s.length; i++) store<u8>(buf + n + <u32>i, <u8>s.charCodeAt(i));
  n += <u32>s.length;
}

const HEX = "0123456789abcdef";

function u4(cp: u32): void {
  ascii("\\u");
  byte(<u32>HEX.charCodeAt(<i32>((cp >> 12) & 15)));
  byte(<u32>HEX.charCodeAt(<i32>((cp >> 8) & 15)));
  byte(<u32>HEX.charCodeAt(<i32>((cp >> 4) & 15)));
  byte(<u32>HEX.charCodeAt(<i32>(cp & 15)));
}

export function dumpString(p: u32, l: u32): void {
  reserve(l + 2);
  // Most strings need no escaping: copy them whole.
  let plain = true;
  for (let i: u32 = 0; i < l; i++) {
    const c = load<u8>(p + i);
    if (c < 0x20 || c == 0x22 || c == 0x5c || c == 0xed) {
      plain = false;
      break;
    }
  }
  if (plain) {
    store<u8>(buf + n, 0x22);
    memory.copy(buf + n + 1, p, l);
    store<u8>(buf + n + 1 + l, 0x22);
    n += l + 2;
    return;
  }
  byte(0x22);
  for (let i: u32 = 0; i < l; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 0x22) ascii("\\\"");
    else if (c == 0x5c) ascii("\\\\");
    else if (c == 0x0a) ascii("\\n");
    else if (c == 0x0d) ascii("\\r");
    else if (c == 0x09) ascii("\\t");
    else if (c == 0x08) ascii("\\b");
    else if (c == 0x0c) ascii("\\f");
    else if (c < 0x20) u4(c);
    else if (c == 0xed && i + 2 < l && (<u32>load<u8>(p + i + 1) & 0xe0) == 0xa0) {
      // A lone surrogate kept as WTF-8: written as the \uD8xx escape it came from.
      u4(0xd000 | ((<u32>load<u8>(p + i + 1) & 0x3f) << 6) | (<u32>load<u8>(p + i + 2) & 0x3f));
      i += 2;
    } else byte(c);
  }
  byte(0x22);
}

export function dumpInt(x: f64): void {
  if (x < 0) {
    byte(0x2d);
    x = -x;
  }
  let v = <u64>x;
  const tmp = alloc(24);
  let k: u32 = 0;
  do {
    store<u8>(tmp + k, <u8>(0x30 + <u32>(v % 10)));
    v /= 10;
    k++;
  } while (v > 0);
  reserve(k);
  while (k > 0) {
    k--;
    byte(<u32>load<u8>(tmp + k));
  }
}

function dumpNumber(v: u32): void {
  const raw = load<u32>(v, 16);
  const rawLen = load<u32>(v, 20);
  if (raw != 0) {
    reserve(rawLen);
    memory.copy(buf + n, raw, rawLen);
    n += rawLen;
    return;
  }
  const x = numberOf(v);
  if (x == Math.floor(x) && Math.abs(x) < 9007199254740992) dumpInt(x);
  else {
    // Only integers are ever computed here; a fraction is written with six decimals rather than lost.
    dumpInt(Math.trunc(x));
    byte(0x2e);
    dumpInt(Math.round(Math.abs(x - Math.trunc(x)) * 1e6));
  }
}

function dumpValue(v: u32, rego: bool): void {
  const t = tag(v);
  if (t == T_NULL) ascii("null");
  else if (t == T_BOOL) ascii(boolOf(v) ? "true" : "false");
  else if (t == T_NUMBER) dumpNumber(v);
  else if (t == T_STRING) dumpString(strPtr(v), strLen(v));
  else if (t == T_ARRAY || (t == T_SET && !rego)) {
    byte(0x5b);
    const k = len(v);
    for (let i: u32 = 0; i < k; i++) {
      if (i > 0) byte(0x2c);
      dumpValue(elem(v, i), rego);
    }
    byte(0x5d);
  } else if (t == T_SET) {
    const k = len(v);
    if (k == 0) ascii("set()");
    else {
      byte(0x7b);
      for (let i: u32 = 0; i < k; i++) {
        if (i > 0) byte(0x2c);
        dumpValue(elem(v, i), rego);
      }
      byte(0x7d);
    }
  } else if (t == T_OBJECT) {
    byte(0x7b);
    const k = len(v);
    for (let i: u32 = 0; i < k; i++) {
      if (i > 0) byte(0x2c);
      const key = keyAt(v, i);
      if (tag(key) == T_STRING || rego) dumpValue(key, rego);
      else {
        // JSON keys must be strings: a non-string key is written as its JSON text, quoted.
        const save = n;
        dumpValue(key, false);
        const text = alloc(n - save);
        memory.copy(text, buf + save, n - save);
        const textLen = n - save;
        n = save;
        dumpString(text, textLen);
      }
      byte(0x3a);
      dumpValue(valueAt(v, i), rego);
    }
    byte(0x7d);
  } else ascii("null");
}

export function beginDump(): void {
  if (RING_SIZE - ringAt < RING_WRAP_BELOW) ringAt = 0;
  buf = ring + ringAt;
  cap = RING_SIZE - ringAt;
  n = 0;
}

export function appendValue(v: u32, rego: bool): void {
  dumpValue(v, rego);
}

export function appendAscii(s: string): void {
  ascii(s);
}

// Ends the text with NUL and returns its address.
export function endDump(): u32 {
  byte(0);
  if (buf != ring + ringAt) {
    // reserve() moved the text to the heap: bring it back to the ring's start if it fits in half the ring.
    if (n > RING_SIZE >> 1) return buf;
    memory.copy(ring, buf, n);
    buf = ring;
    ringAt = 0;
  }
  ringAt += (n + 7) & ~7;
  return buf;
}

export function dump(v: u32, rego: bool): u32 {
  beginDump();
  dumpValue(v, rego);
  return endDump();
}
