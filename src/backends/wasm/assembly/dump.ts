// Serialising values: JSON (opa_json_dump) and Rego value syntax (opa_value_dump), into a growing buffer.
//
// Every text handed to the host (opa_eval's result, opa_json_dump, opa_value_dump) is written into the result
// ring: a region reserved at start-up, below the heap base the host snapshots, so neither the host (which writes
// data and input only at or above that base) nor a later evaluation's heap can overwrite it. OPA's Go engine needs
// this: its Eval returns a slice that aliases linear memory and hands the instance back to its pool before the
// caller copies the bytes (internal/wasm/sdk/internal/wasm/vm.go Eval, internal/wasm/sdk/opa/opa.go Eval), so the
// next evaluation on that instance used to overwrite a result still being read (spliced or wrong decisions
// under load). In the ring a result survives until RING_SIZE bytes of later results have been written.
import { alloc, hasSpecialByte } from "./mem";
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
  reserved = alloc(RESERVED_FRAMES * FRAME);
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

// A byte that starts something written differently: a control, a quote, a backslash, or the lead byte of U+FEFF
// or of a bidi control (see invisible()).
@inline function needsEscape(c: u32): bool {
  return c < 0x20 || c == 0x22 || c == 0x5c || c == 0xe2 || c == 0xef;
}

export function dumpString(p: u32, l: u32): void {
  reserve(l + 2);
  // Most strings need no escaping: copy them whole. Eight bytes are checked at a time; only words holding a byte
  // below 0x20, a quote, a backslash or any byte from 0x80 are looked at byte by byte.
  let plain = true;
  let i: u32 = 0;
  for (; i + 8 <= l; i += 8) {
    if (hasSpecialByte(load<u64>(p + i))) {
      for (let j: u32 = 0; j < 8; j++) {
        if (needsEscape(<u32>load<u8>(p + i + j))) {
          plain = false;
          break;
        }
      }
      if (!plain) break;
    }
  }
  for (; plain && i < l; i++) if (needsEscape(<u32>load<u8>(p + i))) plain = false;
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
    else if (c >= 0xe2 && i + 2 < l && invisible(c, <u32>load<u8>(p + i + 1), <u32>load<u8>(p + i + 2)) != 0) {
      u4(invisible(c, <u32>load<u8>(p + i + 1), <u32>load<u8>(p + i + 2)));
      i += 2;
    } else byte(c);
  }
  byte(0x22);
}

// U+FEFF and the bidirectional controls U+202A-202E, U+2066-2069 from their UTF-8 bytes, else 0. They are written
// as escapes: OPA's Rego parser refuses a raw byte order mark anywhere in the result text it reads (an HTTP 500),
// and an escaped control shows a reader of a decision what a raw one would hide.
function invisible(a: u32, b: u32, c: u32): u32 {
  if (a == 0xef) return b == 0xbb && c == 0xbf ? 0xfeff : 0;
  if (a != 0xe2) return 0;
  if (b == 0x80 && c >= 0xaa && c <= 0xae) return 0x2000 | (c - 0x80);
  if (b == 0x81 && c >= 0xa6 && c <= 0xa9) return 0x2040 | (c - 0x80);
  return 0;
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

// Values are written recursively (fast, and decisions are a few levels deep) down to RECURSE_MAX levels; a deeper
// part (the parser allows 10,000 levels, opa_value_add_path any number) is written iteratively, so no value can
// exhaust the wasm call stack. The iterative writer keeps its open containers as frames [container u32][step u32]
// [mark u32]: the first ones in a region reserved at start-up, more in the heap for that dump only.
const RECURSE_MAX: u32 = 200;
const FRAME: u32 = 12;
const RESERVED_FRAMES: u32 = 64;
let reserved: u32 = 0;
let stack: u32 = 0;
let stackCap: u32 = 0;
let depth: u32 = 0;

function pushFrame(v: u32): void {
  if (depth == stackCap) {
    const bigger = alloc(stackCap * 2 * FRAME);
    memory.copy(bigger, stack, stackCap * FRAME);
    stack = bigger;
    stackCap *= 2;
  }
  const f = stack + depth * FRAME;
  store<u32>(f, v);
  store<u32>(f, 0, 4);
  store<u32>(f, 0, 8);
  depth++;
}

// Writes a scalar or an empty container whole and returns false, or opens a container and returns true.
function open(v: u32, rego: bool): bool {
  const t = tag(v);
  if (t == T_STRING) dumpString(strPtr(v), strLen(v));
  else if (t == T_NUMBER) dumpNumber(v);
  else if (t == T_BOOL) ascii(boolOf(v) ? "true" : "false");
  else if (t == T_NULL) ascii("null");
  else if (t == T_ARRAY || t == T_SET || t == T_OBJECT) {
    if (len(v) == 0) ascii(t == T_OBJECT ? "{}" : t == T_SET && rego ? "set()" : "[]");
    else {
      byte(t == T_ARRAY || !rego && t == T_SET ? 0x5b : 0x7b);
      pushFrame(v);
      return true;
    }
  } else ascii("null");
  return false;
}

// A frame's step is the next element of an array or set; for an object, twice the next member, plus one while
// the member's key (a container, Rego-syntax input only) has been written and its value has not. Each frame's
// step is stored before a child is opened, because opening may move the stack. A JSON key that is not a string is
// written as its JSON text, quoted: `mark` remembers where that text began.
function dumpDeep(root: u32, rego: bool): void {
  stack = reserved;
  stackCap = RESERVED_FRAMES;
  depth = 0;
  if (!open(root, rego)) return;
  while (depth > 0) {
    const f = stack + (depth - 1) * FRAME;
    const v = load<u32>(f);
    let step = load<u32>(f, 4);
    const k = len(v);
    let descended = false;
    if (tag(v) != T_OBJECT) {
      while (step < k) {
        if (step > 0) byte(0x2c);
        const e = elem(v, step);
        step++;
        store<u32>(f, step, 4);
        if (open(e, rego)) {
          descended = true;
          break;
        }
      }
      if (descended) continue;
      byte(tag(v) == T_ARRAY || !rego ? 0x5d : 0x7d);
      depth--;
      continue;
    }
    for (;;) {
      const i = step >> 1;
      if ((step & 1) == 0 && i == k) break;
      const key = keyAt(v, i);
      if ((step & 1) == 0) {
        if (i > 0) byte(0x2c);
        if (tag(key) == T_STRING) dumpString(strPtr(key), strLen(key));
        else {
          store<u32>(f, step + 1, 4);
          store<u32>(f, n, 8);
          if (open(key, rego)) {
            descended = true;
            break;
          }
        }
      }
      if (!rego && tag(key) != T_STRING) {
        const mark = load<u32>(f, 8);
        const textLen = n - mark;
        const text = alloc(textLen);
        memory.copy(text, buf + mark, textLen);
        n = mark;
        dumpString(text, textLen);
      }
      byte(0x3a);
      step = (i + 1) << 1;
      store<u32>(f, step, 4);
      if (open(valueAt(v, i), rego)) {
        descended = true;
        break;
      }
    }
    if (descended) continue;
    byte(0x7d);
    depth--;
  }
}

function dumpValue(v: u32, rego: bool, d: u32): void {
  const t = tag(v);
  if (t == T_STRING) dumpString(strPtr(v), strLen(v));
  else if (t == T_NUMBER) dumpNumber(v);
  else if (t == T_BOOL) ascii(boolOf(v) ? "true" : "false");
  else if (t == T_NULL) ascii("null");
  else if (d >= RECURSE_MAX) dumpDeep(v, rego);
  else if (t == T_ARRAY || t == T_SET) {
    const k = len(v);
    if (k == 0) {
      ascii(t == T_SET && rego ? "set()" : "[]");
      return;
    }
    const curly = t == T_SET && rego;
    byte(curly ? 0x7b : 0x5b);
    for (let i: u32 = 0; i < k; i++) {
      if (i > 0) byte(0x2c);
      dumpValue(elem(v, i), rego, d + 1);
    }
    byte(curly ? 0x7d : 0x5d);
  } else if (t == T_OBJECT) {
    byte(0x7b);
    const k = len(v);
    for (let i: u32 = 0; i < k; i++) {
      if (i > 0) byte(0x2c);
      const key = keyAt(v, i);
      if (tag(key) == T_STRING) dumpString(strPtr(key), strLen(key));
      else if (rego) dumpValue(key, rego, d + 1);
      else {
        // JSON keys must be strings: a non-string key is written as its JSON text, quoted.
        const mark = n;
        dumpValue(key, false, d + 1);
        const textLen = n - mark;
        const text = alloc(textLen);
        memory.copy(text, buf + mark, textLen);
        n = mark;
        dumpString(text, textLen);
      }
      byte(0x3a);
      dumpValue(valueAt(v, i), rego, d + 1);
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
  dumpValue(v, rego, 0);
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
  dumpValue(v, rego, 0);
  return endDump();
}
