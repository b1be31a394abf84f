// Memory: a bump allocator over the imported memory. OPA hosts snapshot the heap pointer after loading data and
// reset it before every evaluation (opa_heap_ptr_set), so nothing is ever freed one block at a time.

@external("env", "opa_abort")
export declare function opa_abort(addr: u32): void;

let heapPtr: u32 = 0;

export function heapInit(): void {
  heapPtr = (<u32>__heap_base + 15) & ~15;
}

export function heapGet(): u32 {
  return heapPtr;
}

export function heapSet(ptr: u32): void {
  heapPtr = ptr;
}

// A NUL-terminated ASCII message in the heap, for opa_abort.
export function abortWith(message: string): void {
  const ptr = alloc(<u32>message.length + 1);
  for (let i = 0; i < message.length; i++) store<u8>(ptr + <u32>i, <u8>message.charCodeAt(i));
  store<u8>(ptr + <u32>message.length, 0);
  opa_abort(ptr);
  unreachable();
}

export function alloc(size: u32): u32 {
  const ptr = heapPtr;
  const end = (ptr + size + 7) & ~7;
  if (end < ptr) abortWith("opa_malloc: failed");
  const have = <u32>memory.size() << 16;
  if (end > have) {
    // Hosts may grow memory behind our back, so the current size is read every time rather than cached.
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) abortWith("opa_malloc: failed");
  }
  heapPtr = end;
  return ptr;
}

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

// Whether some byte of the word x is below 0x20, a quote (0x22), a backslash (0x5c) or from 0x80: the bytes that
// strings are scanned for, eight at a time (SWAR zero-byte tests, exact for "some byte").
@inline export function hasSpecialByte(x: u64): bool {
  const q = x ^ 0x2222222222222222;
  const b = x ^ 0x5c5c5c5c5c5c5c5c;
  return (((x - 0x2020202020202020) | (q - ONES) & ~q | (b - ONES) & ~b | x) & HIGHS) != 0;
}

export function bytesEqual(a: u32, alen: u32, b: u32, blen: u32): bool {
  if (alen != blen) return false;
  for (let i: u32 = 0; i < alen; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

// Byte-wise comparison of UTF-8 text: the same order as Unicode code points (and Go's, and Rego's).
export function bytesCompare(a: u32, alen: u32, b: u32, blen: u32): i32 {
  const n = alen < blen ? alen : blen;
  for (let i: u32 = 0; i < n; i++) {
    const x = load<u8>(a + i);
    const y = load<u8>(b + i);
    if (x != y) return <i32>x - <i32>y;
  }
  return <i32>alen - <i32>blen;
}
