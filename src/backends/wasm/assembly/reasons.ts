// Reason records while a decision is made, and the decision's sorted `reasons` array made from them. The
// generated builders (contract.ts) add to the current list; decide.ts chooses which list that is (denies or infos).
import { alloc } from "./mem";
import { strCmp, strEq } from "./checks";
import { elem, len, newArray, newNull, newObject, objectPush, push, T_ARRAY, utf8 } from "./value";

let list: u32 = 0; // array of reason records [code, rule, message, source (0 = null)]
let K_CODE: u32 = 0, K_RULE: u32 = 0, K_MESSAGE: u32 = 0, K_SOURCE: u32 = 0, NULL: u32 = 0;

export function initReasons(): void {
  K_CODE = utf8("code"); K_RULE = utf8("rule"); K_MESSAGE = utf8("message"); K_SOURCE = utf8("source");
  NULL = newNull();
}

// A new, empty reason list.
export function newReasonList(): u32 { return newArray(T_ARRAY, 8); }

// Makes `l` the list that addReason appends to; returns the previous one.
export function useReasons(l: u32): u32 {
  const before = list;
  list = l;
  return before;
}

export function addReason(code: u32, rule: u32, message: u32, source: u32): void {
  const r = alloc(16);
  store<u32>(r, code);
  store<u32>(r, rule, 4);
  store<u32>(r, message, 8);
  store<u32>(r, source, 12);
  push(list, r);
}

function reasonCompare(a: u32, b: u32): i32 {
  let c = strCmp(load<u32>(a), load<u32>(b));
  if (c != 0) return c;
  c = strCmp(load<u32>(a, 4), load<u32>(b, 4));
  if (c != 0) return c;
  c = strCmp(load<u32>(a, 8), load<u32>(b, 8));
  if (c != 0) return c;
  const sa = load<u32>(a, 12);
  const sb = load<u32>(b, 12);
  if (sa == 0 || sb == 0) return sa == 0 ? (sb == 0 ? 0 : -1) : 1;
  return strCmp(sa, sb);
}

// The list sorted as docs/semantics.md orders reasons, exact duplicates dropped, as an array of values.
export function reasonValues(l: u32): u32 {
  const n = len(l);
  const base = load<u32>(l, 12);
  for (let i: u32 = 1; i < n; i++) {
    const x = load<u32>(base + (i << 2));
    let j = i;
    while (j > 0 && reasonCompare(load<u32>(base + ((j - 1) << 2)), x) > 0) {
      store<u32>(base + (j << 2), load<u32>(base + ((j - 1) << 2)));
      j--;
    }
    store<u32>(base + (j << 2), x);
  }
  const out = newArray(T_ARRAY, n);
  for (let i: u32 = 0; i < n; i++) {
    const r = load<u32>(base + (i << 2));
    if (i > 0 && reasonCompare(load<u32>(base + ((i - 1) << 2)), r) == 0) continue;
    const o = newObject(4);
    objectPush(o, K_CODE, load<u32>(r));
    objectPush(o, K_RULE, load<u32>(r, 4));
    objectPush(o, K_MESSAGE, load<u32>(r, 8));
    const src = load<u32>(r, 12);
    objectPush(o, K_SOURCE, src == 0 ? NULL : src);
    push(out, o);
  }
  return out;
}

// Whether the list holds a reason with this code.
export function hasCode(l: u32, code: u32): bool {
  for (let i: u32 = 0; i < len(l); i++) if (strEq(load<u32>(elem(l, i)), code)) return true;
  return false;
}
