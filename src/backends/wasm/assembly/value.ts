// Values in linear memory, after OPA's C runtime in spirit (not layout): a type tag, then fields.
//   null/bool: [tag][b]      number: [tag][plain integer @1][f64 @8][raw text ptr @16][raw len @20]
//   string:   [tag][len @4][bytes ptr @8]              (UTF-8, decoded)
//   array/set:[tag][len @4][cap @8][elements @12]      (u32 value pointers)
//   object:   [tag][len @4][cap @8][keys @12][values @16][hash table @20][hash cap @24]
// Keys are string values (non-string keys from Rego syntax are kept as values too); large objects get an
// open-addressing hash table so looking a use case up never scans the table.
import { alloc, bytesEqual } from "./mem";

export const T_NULL: u8 = 1;
export const T_BOOL: u8 = 2;
export const T_NUMBER: u8 = 3;
export const T_STRING: u8 = 4;
export const T_ARRAY: u8 = 5;
export const T_OBJECT: u8 = 6;
export const T_SET: u8 = 7;

const HASH_FROM: u32 = 8;

@inline export function tag(v: u32): u8 {
  return load<u8>(v);
}

export function newNull(): u32 {
  const v = alloc(4);
  store<u8>(v, T_NULL);
  return v;
}

export function newBool(b: bool): u32 {
  const v = alloc(4);
  store<u8>(v, T_BOOL);
  store<u8>(v, b ? 1 : 0, 1);
  return v;
}

export function newNumber(x: f64, raw: u32, rawLen: u32): u32 {
  const v = alloc(24);
  // The whole first word: the flag byte must not keep what an earlier evaluation left in reused memory.
  store<u32>(v, <u32>T_NUMBER);
  store<f64>(v, x, 8);
  store<u32>(v, raw, 16);
  store<u32>(v, rawLen, 20);
  return v;
}

export function newString(ptr: u32, len: u32): u32 {
  const v = alloc(12);
  store<u8>(v, T_STRING);
  store<u32>(v, len, 4);
  store<u32>(v, ptr, 8);
  return v;
}

@inline export function strLen(v: u32): u32 {
  return load<u32>(v, 4);
}

@inline export function strPtr(v: u32): u32 {
  return load<u32>(v, 8);
}

@inline export function numberOf(v: u32): f64 {
  return load<f64>(v, 8);
}

@inline export function boolOf(v: u32): bool {
  return load<u8>(v, 1) != 0;
}

export function newArray(t: u8, cap: u32): u32 {
  const v = alloc(16);
  store<u8>(v, t);
  store<u32>(v, 0, 4);
  if (cap < 4) cap = 4;
  store<u32>(v, cap, 8);
  store<u32>(v, alloc(cap << 2), 12);
  return v;
}

@inline export function len(v: u32): u32 {
  return load<u32>(v, 4);
}

@inline export function elem(v: u32, i: u32): u32 {
  return load<u32>(load<u32>(v, 12) + (i << 2));
}

export function push(arr: u32, x: u32): void {
  const n = load<u32>(arr, 4);
  let cap = load<u32>(arr, 8);
  if (n == cap) {
    const bigger = alloc(cap << 3);
    memory.copy(bigger, load<u32>(arr, 12), cap << 2);
    cap <<= 1;
    store<u32>(arr, cap, 8);
    store<u32>(arr, bigger, 12);
  }
  store<u32>(load<u32>(arr, 12) + (n << 2), x);
  store<u32>(arr, n + 1, 4);
}

export function newObject(cap: u32): u32 {
  const v = alloc(28);
  store<u8>(v, T_OBJECT);
  store<u32>(v, 0, 4);
  if (cap < 4) cap = 4;
  store<u32>(v, cap, 8);
  store<u32>(v, alloc(cap << 2), 12);
  store<u32>(v, alloc(cap << 2), 16);
  store<u32>(v, 0, 20);
  store<u32>(v, 0, 24);
  return v;
}

@inline export function keyAt(o: u32, i: u32): u32 {
  return load<u32>(load<u32>(o, 12) + (i << 2));
}

@inline export function valueAt(o: u32, i: u32): u32 {
  return load<u32>(load<u32>(o, 16) + (i << 2));
}

function hashBytes(ptr: u32, n: u32): u32 {
  let h: u32 = 2166136261;
  for (let i: u32 = 0; i < n; i++) {
    h ^= load<u8>(ptr + i);
    h *= 16777619;
  }
  return h;
}

// Any value as hashable bytes: strings by their text, other keys by their address (rare: Rego-syntax input only).
function keyHash(k: u32): u32 {
  return tag(k) == T_STRING ? hashBytes(strPtr(k), strLen(k)) : k * 2654435761;
}

export function valuesEqual(a: u32, b: u32): bool {
  if (a == b) return true;
  const t = tag(a);
  if (t != tag(b)) return false;
  if (t == T_STRING) return bytesEqual(strPtr(a), strLen(a), strPtr(b), strLen(b));
  if (t == T_NUMBER) return numberOf(a) == numberOf(b);
  if (t == T_BOOL) return boolOf(a) == boolOf(b);
  if (t == T_NULL) return true;
  if (t == T_ARRAY || t == T_SET) {
    const n = len(a);
    if (n != len(b)) return false;
    for (let i: u32 = 0; i < n; i++) if (!valuesEqual(elem(a, i), elem(b, i))) return false;
    return true;
  }
  if (t == T_OBJECT) {
    const n = len(a);
    if (n != len(b)) return false;
    for (let i: u32 = 0; i < n; i++) {
      const other = objectGet(b, keyAt(a, i));
      if (other == 0 || !valuesEqual(valueAt(a, i), other)) return false;
    }
    return true;
  }
  return false;
}

function rehash(o: u32): void {
  const n = len(o);
  let hcap: u32 = 16;
  while (hcap < n * 2) hcap <<= 1;
  const table = alloc(hcap << 2);
  memory.fill(table, 0, hcap << 2);
  for (let i: u32 = 0; i < n; i++) {
    let slot = keyHash(keyAt(o, i)) & (hcap - 1);
    while (load<u32>(table + (slot << 2)) != 0) slot = (slot + 1) & (hcap - 1);
    store<u32>(table + (slot << 2), i + 1);
  }
  store<u32>(o, table, 20);
  store<u32>(o, hcap, 24);
}

// The index of key k in object o, or -1.
export function objectIndex(o: u32, k: u32): i32 {
  const n = len(o);
  const table = load<u32>(o, 20);
  if (table != 0) {
    const hcap = load<u32>(o, 24);
    let slot = keyHash(k) & (hcap - 1);
    for (;;) {
      const at = load<u32>(table + (slot << 2));
      if (at == 0) return -1;
      if (valuesEqual(keyAt(o, at - 1), k)) return <i32>(at - 1);
      slot = (slot + 1) & (hcap - 1);
    }
  }
  for (let i: u32 = 0; i < n; i++) if (valuesEqual(keyAt(o, i), k)) return <i32>i;
  return -1;
}

export function objectGet(o: u32, k: u32): u32 {
  if (o == 0 || tag(o) != T_OBJECT) return 0;
  const i = objectIndex(o, k);
  return i < 0 ? 0 : valueAt(o, <u32>i);
}

// Doubles an object's key and value arrays when they are full.
function ensureRoom(o: u32, n: u32): void {
  const cap = load<u32>(o, 8);
  if (n < cap) return;
  const keys = alloc(cap << 3);
  const vals = alloc(cap << 3);
  memory.copy(keys, load<u32>(o, 12), cap << 2);
  memory.copy(vals, load<u32>(o, 16), cap << 2);
  store<u32>(o, cap << 1, 8);
  store<u32>(o, keys, 12);
  store<u32>(o, vals, 16);
}

// Inserts or replaces (a later duplicate key wins, as in JSON.parse).
export function objectSet(o: u32, k: u32, v: u32): void {
  const at = objectIndex(o, k);
  if (at >= 0) {
    store<u32>(load<u32>(o, 16) + (<u32>at << 2), v);
    return;
  }
  const n = len(o);
  ensureRoom(o, n);
  store<u32>(load<u32>(o, 12) + (n << 2), k);
  store<u32>(load<u32>(o, 16) + (n << 2), v);
  store<u32>(o, n + 1, 4);
  const table = load<u32>(o, 20);
  if (table == 0) {
    if (n + 1 >= HASH_FROM) rehash(o);
  } else if ((n + 1) * 2 > load<u32>(o, 24)) {
    rehash(o);
  } else {
    const hcap = load<u32>(o, 24);
    let slot = keyHash(k) & (hcap - 1);
    while (load<u32>(table + (slot << 2)) != 0) slot = (slot + 1) & (hcap - 1);
    store<u32>(table + (slot << 2), n + 1);
  }
}

// Appends a key known to be new, without an index: for building results, whose keys are fixed and few.
export function objectPush(o: u32, k: u32, v: u32): void {
  const n = len(o);
  ensureRoom(o, n);
  store<u32>(load<u32>(o, 12) + (n << 2), k);
  store<u32>(load<u32>(o, 16) + (n << 2), v);
  store<u32>(o, n + 1, 4);
}

export function objectRemove(o: u32, k: u32): bool {
  const at = objectIndex(o, k);
  if (at < 0) return false;
  const n = len(o);
  for (let i = <u32>at; i + 1 < n; i++) {
    store<u32>(load<u32>(o, 12) + (i << 2), keyAt(o, i + 1));
    store<u32>(load<u32>(o, 16) + (i << 2), valueAt(o, i + 1));
  }
  store<u32>(o, n - 1, 4);
  if (load<u32>(o, 20) != 0) rehash(o);
  return true;
}

// ---- interned UTF-8 constants, made once at start-up ----

export function utf8(s: string): u32 {
  // Constants are ASCII; anything else would be a bug in this file.
  const n = <u32>s.length;
  const ptr = alloc(n);
  for (let i: u32 = 0; i < n; i++) store<u8>(ptr + i, <u8>s.charCodeAt(<i32>i));
  return newString(ptr, n);
}
