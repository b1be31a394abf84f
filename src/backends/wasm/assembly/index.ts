// govc's policy module: OPA's Wasm ABI 1.3 (docs/architecture.md#wasm). One program-independent runtime that
// decides from `data.govc.ir`, the tables the bundle's data.json holds, exactly as the Rego policy does.
import { abortWith, alloc, heapGet, heapInit, heapSet } from "./mem";
import { parseValue } from "./parse";
import { dump, appendAscii, appendValue, beginDump, endDump, initDump } from "./dump";
import { decide, initDecide, K_ALLOW_FIELD, K_REASONS, K_RESULT } from "./decide";
import { elem, len, newArray, newNumber, newObject, objectGet, objectRemove, objectSet, tag, T_ARRAY, T_OBJECT, T_STRING, utf8 } from "./value";

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 3;

@external("env", "opa_builtin0") declare function opa_builtin0(id: i32, ctx: i32): i32;
@external("env", "opa_builtin1") declare function opa_builtin1(id: i32, ctx: i32, a: i32): i32;
@external("env", "opa_builtin2") declare function opa_builtin2(id: i32, ctx: i32, a: i32, b: i32): i32;
@external("env", "opa_builtin3") declare function opa_builtin3(id: i32, ctx: i32, a: i32, b: i32, c: i32): i32;
@external("env", "opa_builtin4") declare function opa_builtin4(id: i32, ctx: i32, a: i32, b: i32, c: i32, d: i32): i32;

// Entrypoints, in the order the manifest lists them.
const EP_DECISION: i32 = 0;
const EP_ALLOW: i32 = 1;
const EP_REASONS: i32 = 2;

heapInit();
initDump();
initDecide();
const ENTRYPOINTS = newObject(4);
objectSet(ENTRYPOINTS, utf8("govc/wasm/decision"), newNumber(EP_DECISION, 0, 0));
objectSet(ENTRYPOINTS, utf8("govc/wasm/allow"), newNumber(EP_ALLOW, 0, 0));
objectSet(ENTRYPOINTS, utf8("govc/wasm/reasons"), newNumber(EP_REASONS, 0, 0));
const BUILTINS = newObject(0);

export function builtins(): u32 {
  return BUILTINS;
}

export function entrypoints(): u32 {
  return ENTRYPOINTS;
}

// The module needs no host builtins; this keeps the documented imports linked (Go and Rust SDKs define them all).
export function opa_builtin_dispatch_unused(arity: i32, id: i32): i32 {
  if (arity == 0) return opa_builtin0(id, 0);
  if (arity == 1) return opa_builtin1(id, 0, 0);
  if (arity == 2) return opa_builtin2(id, 0, 0, 0);
  if (arity == 3) return opa_builtin3(id, 0, 0, 0, 0);
  return opa_builtin4(id, 0, 0, 0, 0, 0);
}

export function opa_malloc(size: u32): u32 {
  return alloc(size);
}

export function opa_free(_addr: u32): void {
  // A bump heap: memory comes back wholesale when the host resets the heap pointer.
}

export function opa_heap_ptr_get(): u32 {
  return heapGet();
}

export function opa_heap_ptr_set(addr: u32): void {
  heapSet(addr);
}

export function opa_heap_blocks_stash(): void {}

export function opa_heap_blocks_restore(): void {}

export function opa_heap_stash_clear(): void {}

export function opa_json_parse(str: u32, length: u32): u32 {
  return parseValue(str, length, false);
}

export function opa_value_parse(str: u32, length: u32): u32 {
  return parseValue(str, length, true);
}

export function opa_json_dump(value: u32): u32 {
  return dump(value, false);
}

export function opa_value_dump(value: u32): u32 {
  return dump(value, true);
}

export function opa_value_free(_value: u32): void {}

// Inserts `value` at the string-array `path` inside object `base`, creating objects on the way. 0 ok, 2 invalid
// type, 3 invalid path.
export function opa_value_add_path(base: u32, path: u32, value: u32): i32 {
  if (base == 0 || tag(base) != T_OBJECT) return 2;
  if (path == 0 || tag(path) != T_ARRAY || len(path) == 0) return 3;
  let node = base;
  const n = len(path);
  for (let i: u32 = 0; i + 1 < n; i++) {
    const key = elem(path, i);
    if (tag(key) != T_STRING) return 3;
    let next = objectGet(node, key);
    if (next == 0) {
      next = newObject(4);
      objectSet(node, key, next);
    } else if (tag(next) != T_OBJECT) return 2;
    node = next;
  }
  const last = elem(path, n - 1);
  if (tag(last) != T_STRING) return 3;
  objectSet(node, last, value);
  return 0;
}

export function opa_value_remove_path(base: u32, path: u32): i32 {
  if (base == 0 || tag(base) != T_OBJECT) return 2;
  if (path == 0 || tag(path) != T_ARRAY || len(path) == 0) return 3;
  let node = base;
  const n = len(path);
  for (let i: u32 = 0; i + 1 < n; i++) {
    node = objectGet(node, elem(path, i));
    if (node == 0) return 0;
    if (tag(node) != T_OBJECT) return 2;
  }
  objectRemove(node, elem(path, n - 1));
  return 0;
}

// ---- evaluation contexts: [input @0][data @4][result @8][entrypoint @12] ----

export function opa_eval_ctx_new(): u32 {
  const ctx = alloc(16);
  store<u32>(ctx, 0);
  store<u32>(ctx, 0, 4);
  store<u32>(ctx, 0, 8);
  store<u32>(ctx, 0, 12);
  return ctx;
}

export function opa_eval_ctx_set_input(ctx: u32, input: u32): void {
  store<u32>(ctx, input);
}

export function opa_eval_ctx_set_data(ctx: u32, data: u32): void {
  store<u32>(ctx, data, 4);
}

export function opa_eval_ctx_set_entrypoint(ctx: u32, entrypoint: i32): void {
  store<i32>(ctx, entrypoint, 12);
}

export function opa_eval_ctx_get_result(ctx: u32): u32 {
  return load<u32>(ctx, 8);
}

// The result set: empty (undefined) or one object {"result": value}.
export function eval(ctx: u32): i32 {
  const ep = load<i32>(ctx, 12);
  if (ep < EP_DECISION || ep > EP_REASONS) abortWith("invalid entrypoint id");
  const set = newArray(7, 1);
  const decision = decide(load<u32>(ctx, 4), load<u32>(ctx));
  if (decision != 0) {
    let value = decision;
    if (ep == EP_ALLOW) value = objectGet(decision, K_ALLOW_FIELD);
    else if (ep == EP_REASONS) value = objectGet(decision, K_REASONS);
    const binding = newObject(1);
    objectSet(binding, K_RESULT, value);
    pushResult(set, binding);
  }
  store<u32>(ctx, set, 8);
  return 0;
}

function pushResult(set: u32, v: u32): void {
  // A set holding one element.
  const elems = alloc(4);
  store<u32>(elems, v);
  store<u32>(set, 1, 4);
  store<u32>(set, 4, 8);
  store<u32>(set, elems, 12);
}

// One-shot evaluation (ABI 1.2+): input bytes sit at [input, input+len) below heap_ptr and are never written.
export function opa_eval(reserved: u32, entrypoint: i32, data: u32, input: u32, inputLen: u32, heapPtr: u32, format: u32): u32 {
  if (reserved != 0) abortWith("invalid reserved argument");
  heapSet(heapPtr);
  const ctx = opa_eval_ctx_new();
  store<u32>(ctx, data, 4);
  store<i32>(ctx, entrypoint, 12);
  store<u32>(ctx, inputLen == 0 ? 0 : parseValue(input, inputLen, true));
  eval(ctx);
  const set = load<u32>(ctx, 8);
  const rego = format == 1;
  beginDump();
  if (len(set) == 0) appendAscii(rego ? "set()" : "[]");
  else {
    appendAscii(rego ? "{" : "[");
    appendValue(elem(set, 0), rego);
    appendAscii(rego ? "}" : "]");
  }
  return endDump();
}

export function abort(_message: usize, _file: usize, _line: u32, _column: u32): void {
  abortWith("govc policy: internal error");
}
