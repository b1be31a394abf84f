// The decision, as docs/semantics.md defines it and src/eval/evaluate.ts implements it: a line-by-line port over
// values in linear memory. Every target is tested against the reference evaluator; this one too.
import { alloc, bytesCompare, bytesEqual } from "./mem";
import * as text from "./text";
import {
  elem, keyAt, len, newArray, newBool, newNull, newNumber, newObject, numberOf, objectGet, objectIndex, objectSet,
  push, strLen, strPtr, tag, objectPush, T_ARRAY, T_BOOL, T_NULL, T_NUMBER, T_OBJECT, T_STRING, utf8, valueAt, boolOf,
} from "./value";

const MAX_TOKENS: f64 = 1000000000;
const MAX_MICROS: f64 = 1000000000000000;
const MAX_COUNTER: f64 = 1000000000000;

// ---- interned keys and texts ----
let K_GOVC: u32, K_IR: u32, K_USE_CASE: u32, K_TENANT: u32, K_REGION: u32, K_TIME: u32, K_TRACE_ID: u32, K_MODEL: u32;
let K_DATA_CLASSES: u32, K_TOOL: u32, K_NAME: u32, K_SCOPE: u32, K_HUMAN_APPROVED_BY: u32, K_TOKENS: u32, K_INPUT: u32;
let K_OUTPUT: u32, K_SPEND: u32, K_RATE: u32, K_TENANT_SCOPE: u32, K_REQUESTS: u32, K_USE_CASES: u32, K_MODELS: u32;
let K_DATA_CLASSES_T: u32, K_TOOLS: u32, K_REVISION: u32, K_APPROVALS: u32, K_APPROVER: u32, K_ON: u32, K_EXPIRES: u32;
let K_SOURCE: u32, K_REQUIRED_APPROVERS: u32, K_STATUS: u32, K_REVOKED: u32, K_REGIONS: u32, K_DATA: u32, K_ACTION: u32;
let K_ALLOW: u32, K_DENY: u32, K_PROVIDERS: u32, K_PROVIDER: u32, K_REDACTED: u32, K_DEFAULT: u32, K_REDACT: u32;
let K_RESIDENCY: u32, K_DETECTORS: u32, K_SCOPES: u32, K_HUMAN_APPROVAL: u32, K_RATE_LIMITS: u32, K_KIND: u32;
let K_PER_MINUTE: u32, K_BUDGETS: u32, K_PERIOD: u32, K_AMOUNT_MICROS: u32, K_HARD_LIMIT: u32, K_PRICE: u32;
let K_PRICE_IN: u32, K_PRICE_OUT: u32, K_ON_BUDGET: u32, K_DEGRADE_TO: u32, K_MESSAGE: u32, K_ON_RATE: u32, K_LOG: u32;
let K_INPUTS: u32, K_OUTPUTS: u32, K_TOOL_CALLS: u32, K_RETENTION: u32, K_HUMAN_OVERSIGHT: u32, K_DISCLOSURE: u32;
let K_DECISION: u32, K_ALLOW_FIELD: u32, K_REASONS: u32, K_OBLIGATIONS: u32, K_LIMITS: u32, K_POLICY_REVISION: u32;
let K_CODE: u32, K_RULE: u32, K_DATA_CLASS: u32, K_RETENTION_DAYS: u32, K_RESULT: u32, K_DEGRADE: u32, K_REQUEST: u32;
let C_MALFORMED: u32, C_UNKNOWN_UC: u32, C_APPROVAL_EXPIRED: u32, C_APPROVAL_PENDING: u32, C_MODEL_NOT_ALLOWED: u32;
let C_FALLBACK: u32, C_MODEL_REVOKED: u32, C_MODEL_APPROVAL: u32, C_MODEL_REGION: u32, C_FLOW: u32, C_UNKNOWN_CLASS: u32;
let C_CLASS_DENIED: u32, C_DATA_REGION: u32, C_CLASS_NOT_PERMITTED: u32, C_RESIDENCY: u32, C_TOOL_NOT_ALLOWED: u32;
let C_TOOL_APPROVAL: u32, C_TOOL_SCOPE: u32, C_HUMAN: u32, C_COUNTER: u32, C_RATE: u32, C_BUDGET_DEGRADED: u32;
let C_BUDGET_EXHAUSTED: u32, C_ALLOWED: u32, K_USE_CASE_SCOPE: u32, NULL: u32, TRUE: u32, FALSE: u32;

export function initDecide(): void {
  K_GOVC = utf8("govc"); K_IR = utf8("ir"); K_USE_CASE = utf8("use_case"); K_TENANT = utf8("tenant");
  K_REGION = utf8("region"); K_TIME = utf8("time"); K_TRACE_ID = utf8("trace_id"); K_MODEL = utf8("model");
  K_DATA_CLASSES = utf8("data_classes"); K_TOOL = utf8("tool"); K_NAME = utf8("name"); K_SCOPE = utf8("scope");
  K_HUMAN_APPROVED_BY = utf8("human_approved_by"); K_TOKENS = utf8("tokens"); K_INPUT = utf8("input");
  K_OUTPUT = utf8("output"); K_SPEND = utf8("spend"); K_RATE = utf8("rate"); K_TENANT_SCOPE = K_TENANT;
  K_REQUESTS = utf8("requests"); K_USE_CASES = utf8("use_cases"); K_MODELS = utf8("models");
  K_DATA_CLASSES_T = K_DATA_CLASSES; K_TOOLS = utf8("tools"); K_REVISION = utf8("revision");
  K_APPROVALS = utf8("approvals"); K_APPROVER = utf8("approver"); K_ON = utf8("on"); K_EXPIRES = utf8("expires");
  K_SOURCE = utf8("source"); K_REQUIRED_APPROVERS = utf8("required_approvers"); K_STATUS = utf8("status");
  K_REVOKED = utf8("revoked"); K_REGIONS = utf8("regions"); K_DATA = utf8("data"); K_ACTION = utf8("action");
  K_ALLOW = utf8("allow"); K_DENY = utf8("deny"); K_PROVIDERS = utf8("providers"); K_PROVIDER = utf8("provider");
  K_REDACTED = utf8("redacted"); K_DEFAULT = utf8("default"); K_REDACT = utf8("redact");
  K_RESIDENCY = utf8("residency"); K_DETECTORS = utf8("detectors"); K_SCOPES = utf8("scopes");
  K_HUMAN_APPROVAL = utf8("human_approval"); K_RATE_LIMITS = utf8("rate_limits"); K_KIND = utf8("kind");
  K_PER_MINUTE = utf8("per_minute"); K_BUDGETS = utf8("budgets"); K_PERIOD = utf8("period");
  K_AMOUNT_MICROS = utf8("amount_micros"); K_HARD_LIMIT = utf8("hard_limit_micros"); K_PRICE = utf8("price");
  K_PRICE_IN = utf8("input_nanos_per_token"); K_PRICE_OUT = utf8("output_nanos_per_token");
  K_ON_BUDGET = utf8("on_budget_exhausted"); K_DEGRADE_TO = utf8("degrade_to"); K_MESSAGE = utf8("message");
  K_ON_RATE = utf8("on_rate_limited"); K_LOG = utf8("log"); K_INPUTS = utf8("inputs"); K_OUTPUTS = utf8("outputs");
  K_TOOL_CALLS = utf8("tool_calls"); K_RETENTION = utf8("retention_days"); K_HUMAN_OVERSIGHT = utf8("human_oversight");
  K_DISCLOSURE = utf8("disclosure"); K_DECISION = utf8("decision"); K_ALLOW_FIELD = K_ALLOW;
  K_REASONS = utf8("reasons"); K_OBLIGATIONS = utf8("obligations"); K_LIMITS = utf8("limits");
  K_POLICY_REVISION = utf8("policy_revision"); K_CODE = utf8("code"); K_RULE = utf8("rule");
  K_DATA_CLASS = utf8("data_class"); K_RETENTION_DAYS = K_RETENTION; K_RESULT = utf8("result");
  K_DEGRADE = utf8("degrade"); K_REQUEST = utf8("request"); K_USE_CASE_SCOPE = K_USE_CASE;
  C_MALFORMED = utf8("malformed_request"); C_UNKNOWN_UC = utf8("unknown_use_case");
  C_APPROVAL_EXPIRED = utf8("approval_expired"); C_APPROVAL_PENDING = utf8("approval_not_yet_valid");
  C_MODEL_NOT_ALLOWED = utf8("model_not_allowed"); C_FALLBACK = utf8("fallback_model");
  C_MODEL_REVOKED = utf8("model_revoked"); C_MODEL_APPROVAL = utf8("model_approval_expired");
  C_MODEL_REGION = utf8("model_region_not_served"); C_FLOW = utf8("data_flow_not_permitted");
  C_UNKNOWN_CLASS = utf8("unknown_data_class"); C_CLASS_DENIED = utf8("data_class_denied");
  C_DATA_REGION = utf8("data_region_not_permitted"); C_CLASS_NOT_PERMITTED = utf8("data_class_not_permitted");
  C_RESIDENCY = utf8("residency_violation"); C_TOOL_NOT_ALLOWED = utf8("tool_not_allowed");
  C_TOOL_APPROVAL = utf8("tool_approval_expired"); C_TOOL_SCOPE = utf8("tool_scope_not_allowed");
  C_HUMAN = utf8("human_approval_required"); C_COUNTER = utf8("counter_missing"); C_RATE = utf8("rate_limited");
  C_BUDGET_DEGRADED = utf8("budget_degraded"); C_BUDGET_EXHAUSTED = utf8("budget_exhausted");
  C_ALLOWED = utf8("allowed");
  NULL = newNull(); TRUE = newBool(true); FALSE = newBool(false);
}

// ---- small predicates ----

@inline function isObj(v: u32): bool { return v != 0 && tag(v) == T_OBJECT; }
@inline function isStr(v: u32): bool { return v != 0 && tag(v) == T_STRING; }
@inline function isNonEmptyStr(v: u32): bool { return isStr(v) && strLen(v) > 0; }
@inline function has(o: u32, k: u32): bool { return objectIndex(o, k) >= 0; }

const EXP_SATURATE: i64 = 1 << 40; // beyond any digit count a request can hold, so saturating never changes a verdict

// RULE A of docs/semantics.md: the number's exact decimal value, read from its text (never from the f64), if it
// is an integer in [0, max]; else -1. `1.0`, `1e3`, `10E-1` and `-0` are integers; `0.99999999999999999999`,
// `1e-400` and `1.0000000000000001` are not, though a double rounds some of them to one.
function exactInt(v: u32, max: f64): f64 {
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
function isBoundedInt(v: u32, max: f64): bool {
  const x = exactInt(v, max);
  if (x < 0) return false;
  store<f64>(v, x, 8);
  return true;
}

// A validated integer field's value (0 when absent).
@inline function intOf(v: u32): f64 {
  return v == 0 ? 0 : numberOf(v);
}

const TRACE_ID_MAX: u32 = 256;

// RULE C: a trace id is a string of at most 256 code points.
function isValidTraceId(v: u32): bool {
  return isStr(v) && text.cutAfter(strPtr(v), strLen(v), TRACE_ID_MAX) == strLen(v);
}

// echo() as a string value, for the decision's `use_case` field of an unknown use case.
function echoValue(v: u32): u32 {
  if (text.cutAfter(strPtr(v), strLen(v), text.ECHO_MAX) == strLen(v)) return v;
  text.begin(); text.echo(v); return text.end();
}

function strEq(a: u32, b: u32): bool { return bytesEqual(strPtr(a), strLen(a), strPtr(b), strLen(b)); }
function strCmp(a: u32, b: u32): i32 { return bytesCompare(strPtr(a), strLen(a), strPtr(b), strLen(b)); }

function inStrArray(arr: u32, s: u32): bool {
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
function isValidTime(v: u32): bool {
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

// ---- request validation (src/eval/validateRequest.ts) ----

function msg(s: string): u32 { text.begin(); text.lit(s); return text.end(); }

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

function firstProblem(r: u32): u32 {
  if (!isObj(r)) return msg("the request must be a JSON object");
  if (!isNonEmptyStr(objectGet(r, K_USE_CASE))) return msg("`use_case` must be a non-empty string");
  if (!isNonEmptyStr(objectGet(r, K_TENANT))) return msg("`tenant` must be a non-empty string");
  if (!isNonEmptyStr(objectGet(r, K_REGION))) return msg("`region` must be a non-empty string");
  if (!isValidTime(objectGet(r, K_TIME))) return msg("`time` must be an RFC 3339 UTC timestamp such as 2026-11-26T09:30:00Z");
  if (has(r, K_TRACE_ID) && !isValidTraceId(objectGet(r, K_TRACE_ID))) return msg("`trace_id` must be a string of at most 256 characters");
  if (has(r, K_MODEL) && !isNonEmptyStr(objectGet(r, K_MODEL))) return msg("`model` must be a non-empty string");
  if (has(r, K_DATA_CLASSES)) {
    const dc = objectGet(r, K_DATA_CLASSES);
    let ok = tag(dc) == T_ARRAY;
    if (ok) for (let i: u32 = 0; i < len(dc); i++) if (!isNonEmptyStr(elem(dc, i))) { ok = false; break; }
    if (!ok) return msg("`data_classes` must be an array of non-empty strings");
  }
  if (has(r, K_TOOL)) {
    const t = objectGet(r, K_TOOL);
    if (!isObj(t)) return msg("`tool` must be an object");
    if (!isNonEmptyStr(objectGet(t, K_NAME))) return msg("`tool.name` must be a non-empty string");
    if (!isNonEmptyStr(objectGet(t, K_SCOPE))) return msg("`tool.scope` must be a non-empty string");
    if (has(t, K_HUMAN_APPROVED_BY) && !isNonEmptyStr(objectGet(t, K_HUMAN_APPROVED_BY))) return msg("`tool.human_approved_by` must be a non-empty string");
  }
  if (has(r, K_TOKENS)) {
    const t = objectGet(r, K_TOKENS);
    if (!isObj(t)) return msg("`tokens` must be an object");
    if (has(t, K_INPUT) && !isBoundedInt(objectGet(t, K_INPUT), MAX_TOKENS)) return msg("`tokens.input` must be an integer from 0 to 1000000000");
    if (has(t, K_OUTPUT) && !isBoundedInt(objectGet(t, K_OUTPUT), MAX_TOKENS)) return msg("`tokens.output` must be an integer from 0 to 1000000000");
  }
  if (has(r, K_SPEND)) {
    const s = objectGet(r, K_SPEND);
    if (!isObj(s)) return msg("`spend` must be an object");
    for (let k = 0; k < 2; k++) {
      const scope = k == 0 ? K_USE_CASE : K_TENANT;
      if (!has(s, scope)) continue;
      const byPeriod = objectGet(s, scope);
      if (!isObj(byPeriod)) { text.begin(); text.lit("`spend."); text.str(scope); text.lit("` must be an object"); return text.end(); }
      const idx = sortedKeyIndexes(byPeriod);
      for (let i: u32 = 0; i < len(byPeriod); i++) {
        const at = load<u32>(idx + (i << 2));
        if (!isBoundedInt(valueAt(byPeriod, at), MAX_MICROS)) {
          text.begin(); text.lit("`spend."); text.str(scope); text.lit(".");
          const key = keyAt(byPeriod, at);
          if (tag(key) == T_STRING) text.echo(key); else text.lit("?");
          text.lit("` must be an integer number of micro-units from 0 to 1000000000000000");
          return text.end();
        }
      }
    }
  }
  if (has(r, K_RATE)) {
    const s = objectGet(r, K_RATE);
    if (!isObj(s)) return msg("`rate` must be an object");
    for (let k = 0; k < 2; k++) {
      const scope = k == 0 ? K_USE_CASE : K_TENANT;
      if (!has(s, scope)) continue;
      const counters = objectGet(s, scope);
      if (!isObj(counters)) { text.begin(); text.lit("`rate."); text.str(scope); text.lit("` must be an object"); return text.end(); }
      for (let j = 0; j < 2; j++) {
        const kind = j == 0 ? K_REQUESTS : K_TOKENS;
        if (has(counters, kind) && !isBoundedInt(objectGet(counters, kind), MAX_COUNTER)) {
          text.begin(); text.lit("`rate."); text.str(scope); text.lit("."); text.str(kind);
          text.lit("` must be an integer from 0 to 1000000000000");
          return text.end();
        }
      }
    }
  }
  return 0;
}

// ---- reasons ----

let reasons: u32 = 0; // array of reason records [code, rule, message, source(0 = null)]

function reason(code: u32, rule: u32, message: u32, source: u32): void {
  const r = alloc(16);
  store<u32>(r, code);
  store<u32>(r, rule, 4);
  store<u32>(r, message, 8);
  store<u32>(r, source, 12);
  push(reasons, r);
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

// Sorted, exact duplicates dropped, as values.
function reasonValues(list: u32): u32 {
  const n = len(list);
  const base = load<u32>(list, 12);
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

function hasCode(list: u32, code: u32): bool {
  for (let i: u32 = 0; i < len(list); i++) if (strEq(load<u32>(elem(list, i)), code)) return true;
  return false;
}

// Rule paths are built without the shared text builder, so they can be arguments next to `text.end()`.
function concat3(a: string, b: u32, c: string): u32 {
  const la = <u32>a.length;
  const lb = strLen(b);
  const lc = <u32>c.length;
  const p = alloc(la + lb + lc);
  for (let i: u32 = 0; i < la; i++) store<u8>(p + i, <u8>a.charCodeAt(<i32>i));
  memory.copy(p + la, strPtr(b), lb);
  for (let i: u32 = 0; i < lc; i++) store<u8>(p + la + lb + i, <u8>c.charCodeAt(<i32>i));
  const v = alloc(12);
  store<u8>(v, T_STRING);
  store<u32>(v, la + lb + lc, 4);
  store<u32>(v, p, 8);
  return v;
}

function path2(a: string, b: u32): u32 { return concat3(a, b, ""); }
function path3(a: string, b: u32, c: string): u32 { return concat3(a, b, c); }

// ---- decision parts ----

function approvalValid(a: u32, date: u32): bool {
  const on = objectGet(a, K_ON);
  const expires = objectGet(a, K_EXPIRES);
  if (isStr(on) && strCmp(on, date) > 0) return false;
  if (isStr(expires) && strCmp(date, expires) > 0) return false;
  return true;
}

function anyApprovalValid(approvals: u32, date: u32): bool {
  for (let i: u32 = 0; i < len(approvals); i++) if (approvalValid(elem(approvals, i), date)) return true;
  return false;
}

// ceil((in * price_in + out * price_out) / 1000)
function costMicros(model: u32, tin: f64, tout: f64): f64 {
  const price = objectGet(model, K_PRICE);
  const nanos = tin * numberOf(objectGet(price, K_PRICE_IN)) + tout * numberOf(objectGet(price, K_PRICE_OUT));
  return Math.ceil(nanos / 1000);
}

// Appends the model's problems to `out` (a reason list) and returns how many.
function modelProblems(ir: u32, uc: u32, ucName: u32, name: u32, region: u32, classes: u32, date: u32, out: u32): u32 {
  const m = objectGet(objectGet(ir, K_MODELS), name);
  if (m == 0) return 0;
  const before = len(out);
  const save = reasons;
  reasons = out;
  const approvals = objectGet(m, K_APPROVALS);
  if (strEq(objectGet(m, K_STATUS), K_REVOKED)) {
    text.begin(); text.lit("model `"); text.str(name); text.lit("` is revoked");
    reason(C_MODEL_REVOKED, path3("model/", name, "/status"), text.end(), objectGet(m, K_SOURCE));
  } else if (len(approvals) > 0 && !anyApprovalValid(approvals, date)) {
    text.begin(); text.lit("model `"); text.str(name); text.lit("` has no valid approval on "); text.str(date);
    reason(C_MODEL_APPROVAL, path3("model/", name, "/approved_by"), text.end(), objectGet(elem(approvals, 0), K_SOURCE));
  }
  if (!inStrArray(objectGet(m, K_REGIONS), region)) {
    text.begin(); text.lit("model `"); text.str(name); text.lit("` is not available in region `"); text.echo(region); text.lit("`");
    reason(C_MODEL_REGION, path3("model/", name, "/regions"), text.end(), objectGet(m, K_SOURCE));
  }
  const provider = objectGet(m, K_PROVIDER);
  const data = objectGet(uc, K_DATA);
  for (let i: u32 = 0; i < len(classes); i++) {
    const c = elem(classes, i);
    const flow = objectGet(data, c);
    if (flow != 0 && strEq(objectGet(flow, K_ACTION), K_ALLOW) && !inStrArray(objectGet(flow, K_PROVIDERS), provider)) {
      text.begin(); text.lit("use_case/"); text.str(ucName); text.lit("/data/"); text.str(c);
      const rule = text.end();
      text.begin(); text.lit("data class `"); text.str(c); text.lit("` may not be sent to provider `"); text.str(provider);
      text.lit("` (model `"); text.str(name); text.lit("`)");
      reason(C_FLOW, rule, text.end(), objectGet(flow, K_SOURCE));
    }
  }
  reasons = save;
  return len(out) - before;
}

function earlyDecision(ir: u32, useCase: u32, traceId: u32, code: u32, message: u32): u32 {
  const d = newObject(12);
  objectPush(d, K_DECISION, K_DENY);
  objectPush(d, K_ALLOW_FIELD, FALSE);
  objectPush(d, K_USE_CASE, useCase == 0 ? NULL : useCase);
  objectPush(d, K_MODEL, NULL);
  objectPush(d, K_PROVIDER, NULL);
  const rs = newArray(T_ARRAY, 1);
  const r = newObject(4);
  objectPush(r, K_CODE, code);
  objectPush(r, K_RULE, K_REQUEST);
  objectPush(r, K_MESSAGE, message);
  objectPush(r, K_SOURCE, NULL);
  push(rs, r);
  objectPush(d, K_REASONS, rs);
  objectPush(d, K_MESSAGE, NULL);
  objectPush(d, K_OBLIGATIONS, NULL);
  objectPush(d, K_LIMITS, NULL);
  objectPush(d, K_TRACE_ID, traceId == 0 ? NULL : traceId);
  objectPush(d, K_POLICY_REVISION, objectGet(ir, K_REVISION));
  return d;
}

function num(x: f64): u32 { return newNumber(x, 0, 0); }

// The decision for `input` against data.govc.ir, or 0 when the data holds no govc policy.
export function decide(data: u32, input: u32): u32 {
  const ir = objectGet(objectGet(data, K_GOVC), K_IR);
  if (!isObj(ir)) return 0;
  const problem = firstProblem(input);
  if (problem != 0) {
    const t = isObj(input) ? objectGet(input, K_TRACE_ID) : 0;
    return earlyDecision(ir, 0, isValidTraceId(t) ? t : 0, C_MALFORMED, problem);
  }
  const r = input;
  const traceId = objectGet(r, K_TRACE_ID);
  const useCase = objectGet(r, K_USE_CASE);
  // 1. The use case (steps numbered as docs/semantics.md numbers them, in every target).
  const uc = objectGet(objectGet(ir, K_USE_CASES), useCase);
  if (!isObj(uc)) {
    text.begin(); text.lit("use case `"); text.echo(useCase); text.lit("` is not declared");
    const message = text.end();
    return earlyDecision(ir, echoValue(useCase), traceId, C_UNKNOWN_UC, message);
  }
  const ucName = objectGet(uc, K_NAME);
  const ucSource = objectGet(uc, K_SOURCE);
  const time = objectGet(r, K_TIME);
  const date = newStringSlice(time, 10);
  const region = objectGet(r, K_REGION);
  reasons = newArray(T_ARRAY, 8);
  const deny = reasons;
  const info = newArray(T_ARRAY, 4);

  // Distinct, code-point sorted data classes.
  const classes = newArray(T_ARRAY, 4);
  const requested = objectGet(r, K_DATA_CLASSES);
  if (requested != 0) {
    for (let i: u32 = 0; i < len(requested); i++) {
      const c = elem(requested, i);
      let j = len(classes);
      let dup = false;
      for (let k: u32 = 0; k < len(classes); k++) if (strEq(elem(classes, k), c)) { dup = true; break; }
      if (dup) continue;
      push(classes, c);
      const base = load<u32>(classes, 12);
      while (j > 0 && strCmp(load<u32>(base + ((j - 1) << 2)), c) > 0) {
        store<u32>(base + (j << 2), load<u32>(base + ((j - 1) << 2)));
        j--;
      }
      store<u32>(base + (j << 2), c);
    }
  }
  const tokens = objectGet(r, K_TOKENS);
  const tinV = objectGet(tokens, K_INPUT);
  const toutV = objectGet(tokens, K_OUTPUT);
  const tin = intOf(tinV);
  const tout = intOf(toutV);

  // 2. Use-case approvals: distinct approvers valid on the date.
  const approvals = objectGet(uc, K_APPROVALS);
  const validApprovers = newArray(T_ARRAY, 4);
  for (let i: u32 = 0; i < len(approvals); i++) {
    const a = elem(approvals, i);
    if (!approvalValid(a, date)) continue;
    const who = objectGet(a, K_APPROVER);
    if (!inStrArray(validApprovers, who)) push(validApprovers, who);
  }
  const required = numberOf(objectGet(uc, K_REQUIRED_APPROVERS));
  if (<f64>len(validApprovers) < required) {
    let expired: u32 = 0;
    let pending: u32 = 0;
    for (let i: u32 = 0; i < len(approvals); i++) {
      const a = elem(approvals, i);
      const ex = objectGet(a, K_EXPIRES);
      if (expired == 0 && isStr(ex) && strCmp(ex, date) < 0) expired = a;
      if (pending == 0 && !approvalValid(a, date)) pending = a;
    }
    const culprit = expired != 0 ? expired : pending;
    text.begin(); text.lit("use case `"); text.str(ucName); text.lit("` has "); text.int(<f64>len(validApprovers));
    text.lit(" valid approval(s) on "); text.str(date); text.lit("; its tier requires "); text.int(required);
    reason(expired != 0 ? C_APPROVAL_EXPIRED : C_APPROVAL_PENDING, path3("use_case/", ucName, "/approved_by"), text.end(),
      culprit != 0 ? objectGet(culprit, K_SOURCE) : ucSource);
  }

  // 3. The model.
  const ucModels = objectGet(uc, K_MODELS);
  let candidates = ucModels;
  const wanted = objectGet(r, K_MODEL);
  if (wanted != 0) {
    if (!inStrArray(ucModels, wanted)) {
      text.begin(); text.lit("model `"); text.echo(wanted); text.lit("` is not allowed for use case `"); text.str(ucName); text.lit("`");
      reason(C_MODEL_NOT_ALLOWED, path3("use_case/", ucName, "/models"), text.end(), ucSource);
      candidates = newArray(T_ARRAY, 0);
    } else {
      candidates = newArray(T_ARRAY, 1);
      push(candidates, wanted);
    }
  }
  let chosen: u32 = 0;
  const scratch = newArray(T_ARRAY, 4);
  for (let i: u32 = 0; i < len(candidates); i++) {
    if (modelProblems(ir, uc, ucName, elem(candidates, i), region, classes, date, scratch) == 0) {
      chosen = elem(candidates, i);
      break;
    }
  }
  if (chosen == 0 && len(candidates) > 0) modelProblems(ir, uc, ucName, elem(candidates, 0), region, classes, date, deny);
  if (chosen != 0 && !strEq(chosen, elem(candidates, 0))) {
    text.begin(); text.lit("model `"); text.str(elem(candidates, 0)); text.lit("` cannot serve this request; using fallback `");
    text.str(chosen); text.lit("`");
    const m = text.end();
    reasons = info;
    reason(C_FALLBACK, path3("use_case/", ucName, "/models"), m, ucSource);
    reasons = deny;
  }

  // 4. Data classes.
  const redact = newArray(T_ARRAY, 2);
  const dataClasses = objectGet(ir, K_DATA_CLASSES_T);
  const flows = objectGet(uc, K_DATA);
  for (let i: u32 = 0; i < len(classes); i++) {
    const c = elem(classes, i);
    const dc = objectGet(dataClasses, c);
    if (dc == 0) {
      text.begin(); text.lit("data class `"); text.echo(c); text.lit("` is not declared");
      reason(C_UNKNOWN_CLASS, K_REQUEST, text.end(), 0);
      continue;
    }
    const flow = objectGet(flows, c);
    let redacted = false;
    if (flow != 0) {
      text.begin(); text.lit("use_case/"); text.str(ucName); text.lit("/data/"); text.str(c);
      const rule = text.end();
      if (strEq(objectGet(flow, K_ACTION), K_DENY)) {
        text.begin(); text.lit("data class `"); text.str(c); text.lit("` may not be sent in use case `"); text.str(ucName); text.lit("`");
        reason(C_CLASS_DENIED, rule, text.end(), objectGet(flow, K_SOURCE));
      } else {
        const regions = objectGet(flow, K_REGIONS);
        if (len(regions) > 0 && !inStrArray(regions, region)) {
          text.begin(); text.lit("data class `"); text.str(c); text.lit("` may not be sent from region `"); text.echo(region);
          text.lit("` in use case `"); text.str(ucName); text.lit("`");
          reason(C_DATA_REGION, rule, text.end(), objectGet(flow, K_SOURCE));
        }
        const red = objectGet(flow, K_REDACTED);
        redacted = red != 0 && tag(red) == T_BOOL && boolOf(red);
      }
    } else {
      const dflt = objectGet(dc, K_DEFAULT);
      if (strEq(dflt, K_DENY)) {
        text.begin(); text.lit("data class `"); text.str(c); text.lit("` is denied by default and use case `"); text.str(ucName);
        text.lit("` has no rule for it");
        reason(C_CLASS_NOT_PERMITTED, path3("data_class/", c, "/default"), text.end(), objectGet(dc, K_SOURCE));
      } else redacted = strEq(dflt, K_REDACT);
    }
    const residency = objectGet(dc, K_RESIDENCY);
    if (len(residency) > 0 && !inStrArray(residency, region)) {
      text.begin(); text.lit("data class `"); text.str(c); text.lit("` must stay in ");
      for (let k: u32 = 0; k < len(residency); k++) { if (k > 0) text.lit(", "); text.str(elem(residency, k)); }
      text.lit(", request region is `"); text.echo(region); text.lit("`");
      reason(C_RESIDENCY, path3("data_class/", c, "/residency"), text.end(), objectGet(dc, K_SOURCE));
    }
    if (redacted) {
      const o = newObject(2);
      objectPush(o, K_DATA_CLASS, c);
      const detectors = objectGet(dc, K_DETECTORS);
      const names = newArray(T_ARRAY, len(detectors));
      for (let k: u32 = 0; k < len(detectors); k++) push(names, objectGet(elem(detectors, k), K_NAME));
      objectPush(o, K_DETECTORS, names);
      push(redact, o);
    }
  }

  // 5. The tool call.
  let humanApproval = false;
  const tool = objectGet(r, K_TOOL);
  if (tool != 0) {
    const toolName = objectGet(tool, K_NAME);
    const grant = objectGet(objectGet(uc, K_TOOLS), toolName);
    if (grant == 0) {
      text.begin(); text.lit("tool `"); text.echo(toolName); text.lit("` is not granted to use case `"); text.str(ucName); text.lit("`");
      reason(C_TOOL_NOT_ALLOWED, path3("use_case/", ucName, "/tools"), text.end(), ucSource);
    } else {
      const ha = objectGet(grant, K_HUMAN_APPROVAL);
      humanApproval = ha != 0 && tag(ha) == T_BOOL && boolOf(ha);
      const declared = objectGet(objectGet(ir, K_TOOLS), toolName);
      if (declared != 0) {
        const ta = objectGet(declared, K_APPROVALS);
        if (len(ta) > 0 && !anyApprovalValid(ta, date)) {
          text.begin(); text.lit("tool `"); text.str(toolName); text.lit("` has no valid approval on "); text.str(date);
          reason(C_TOOL_APPROVAL, path3("tool/", toolName, "/approved_by"), text.end(), objectGet(elem(ta, 0), K_SOURCE));
        }
      }
      const scope = objectGet(tool, K_SCOPE);
      const scopes = objectGet(grant, K_SCOPES);
      let granted = false;
      for (let i: u32 = 0; i < len(scopes); i++) {
        const g = elem(scopes, i);
        const gl = strLen(g);
        if (gl > 0 && load<u8>(strPtr(g) + gl - 1) == 0x2a) {
          if (strLen(scope) >= gl - 1 && bytesEqual(strPtr(scope), gl - 1, strPtr(g), gl - 1)) { granted = true; break; }
        } else if (strEq(g, scope)) { granted = true; break; }
      }
      text.begin(); text.lit("use_case/"); text.str(ucName); text.lit("/tool/"); text.str(toolName);
      const rule = text.end();
      if (!granted) {
        text.begin(); text.lit("scope `"); text.echo(scope); text.lit("` is not granted for tool `"); text.str(toolName); text.lit("`");
        reason(C_TOOL_SCOPE, rule, text.end(), objectGet(grant, K_SOURCE));
      } else if (humanApproval && !has(tool, K_HUMAN_APPROVED_BY)) {
        text.begin(); text.lit("tool `"); text.str(toolName); text.lit("` needs a human approval before each call");
        reason(C_HUMAN, rule, text.end(), objectGet(grant, K_SOURCE));
      }
    }
  }

  // 6. Rate limits.
  const rate = objectGet(r, K_RATE);
  const limits = objectGet(uc, K_RATE_LIMITS);
  for (let i: u32 = 0; i < len(limits); i++) {
    const l = elem(limits, i);
    const scope = objectGet(l, K_SCOPE);
    const kind = objectGet(l, K_KIND);
    const used = objectGet(objectGet(rate, scope), kind);
    if (used == 0) {
      text.begin(); text.lit("`rate."); text.str(scope); text.lit("."); text.str(kind); text.lit("` is required by a rate limit of use case `");
      text.str(ucName); text.lit("`");
      reason(C_COUNTER, path3("use_case/", ucName, "/rate"), text.end(), objectGet(l, K_SOURCE));
      continue;
    }
    const increment: f64 = strEq(kind, K_REQUESTS) ? 1 : tin + tout;
    const perMinute = numberOf(objectGet(l, K_PER_MINUTE));
    if (intOf(used) + increment > perMinute) {
      text.begin(); if (strEq(scope, K_TENANT)) text.lit("per-tenant "); text.str(kind); text.lit(" per minute would exceed "); text.int(perMinute);
      reason(C_RATE, path3("use_case/", ucName, "/rate"), text.end(), objectGet(l, K_SOURCE));
    }
  }

  // 7. Budgets, priced on the chosen model.
  let degraded = false;
  let model = chosen;
  const budgets = objectGet(uc, K_BUDGETS);
  const models = objectGet(ir, K_MODELS);
  if (chosen != 0) {
    const spend = objectGet(r, K_SPEND);
    let missing = false;
    for (let i: u32 = 0; i < len(budgets); i++) {
      const b = elem(budgets, i);
      const scope = objectGet(b, K_SCOPE);
      const period = objectGet(b, K_PERIOD);
      if (objectGet(objectGet(spend, scope), period) == 0) {
        missing = true;
        text.begin(); text.lit("`spend."); text.str(scope); text.lit("."); text.str(period); text.lit("` is required by a budget of use case `");
        text.str(ucName); text.lit("`");
        reason(C_COUNTER, path3("use_case/", ucName, "/budget"), text.end(), objectGet(b, K_SOURCE));
      }
    }
    if (!missing) {
      const chosenCost = costMicros(objectGet(models, chosen), tin, tout);
      let firstExceeded: u32 = 0;
      for (let i: u32 = 0; i < len(budgets); i++) {
        const b = elem(budgets, i);
        const spent = intOf(objectGet(objectGet(spend, objectGet(b, K_SCOPE)), objectGet(b, K_PERIOD)));
        if (spent + chosenCost > numberOf(objectGet(b, K_AMOUNT_MICROS))) { firstExceeded = b; break; }
      }
      if (firstExceeded != 0) {
        const policy = objectGet(uc, K_ON_BUDGET);
        const target = isObj(policy) ? objectGet(policy, K_DEGRADE_TO) : 0;
        let canDegrade = target != 0 && tag(target) == T_STRING && !strEq(target, chosen) && objectGet(models, target) != 0;
        if (canDegrade) canDegrade = modelProblems(ir, uc, ucName, target, region, classes, date, newArray(T_ARRAY, 2)) == 0;
        if (canDegrade) {
          const targetCost = costMicros(objectGet(models, target), tin, tout);
          for (let i: u32 = 0; i < len(budgets); i++) {
            const b = elem(budgets, i);
            const spent = intOf(objectGet(objectGet(spend, objectGet(b, K_SCOPE)), objectGet(b, K_PERIOD)));
            if (spent + targetCost > numberOf(objectGet(b, K_HARD_LIMIT))) { canDegrade = false; break; }
          }
        }
        if (canDegrade) {
          degraded = true;
          model = target;
          text.begin(); text.lit("budget exhausted; degraded from `"); text.str(chosen); text.lit("` to `"); text.str(target); text.lit("`");
          const m = text.end();
          reasons = info;
          reason(C_BUDGET_DEGRADED, path3("use_case/", ucName, "/on_budget_exhausted"), m, objectGet(policy, K_SOURCE));
          reasons = deny;
        } else {
          text.begin(); if (strEq(objectGet(firstExceeded, K_SCOPE), K_TENANT)) text.lit("per-tenant ");
          text.lit("budget per "); text.str(objectGet(firstExceeded, K_PERIOD)); text.lit(" is exhausted");
          reason(C_BUDGET_EXHAUSTED, path3("use_case/", ucName, "/budget"), text.end(), objectGet(firstExceeded, K_SOURCE));
        }
      }
    }
  }

  // 8. The result: obligations, limits, the decision.
  const obligations = newObject(6);
  objectPush(obligations, K_REDACT, redact);
  const log = objectGet(uc, K_LOG);
  const logCopy = newObject(3);
  objectPush(logCopy, K_INPUTS, objectGet(log, K_INPUTS));
  objectPush(logCopy, K_OUTPUTS, objectGet(log, K_OUTPUTS));
  objectPush(logCopy, K_TOOL_CALLS, objectGet(log, K_TOOL_CALLS));
  objectPush(obligations, K_LOG, logCopy);
  objectPush(obligations, K_RETENTION_DAYS, objectGet(uc, K_RETENTION));
  objectPush(obligations, K_HUMAN_OVERSIGHT, tag(objectGet(uc, K_HUMAN_OVERSIGHT)) == T_NULL ? FALSE : TRUE);
  objectPush(obligations, K_HUMAN_APPROVAL, humanApproval ? TRUE : FALSE);
  objectPush(obligations, K_DISCLOSURE, objectGet(uc, K_DISCLOSURE));
  const lim = newObject(2);
  const lb = newArray(T_ARRAY, len(budgets));
  for (let i: u32 = 0; i < len(budgets); i++) {
    const b = elem(budgets, i);
    const o = newObject(3);
    objectPush(o, K_SCOPE, objectGet(b, K_SCOPE));
    objectPush(o, K_PERIOD, objectGet(b, K_PERIOD));
    objectPush(o, K_AMOUNT_MICROS, objectGet(b, K_AMOUNT_MICROS));
    push(lb, o);
  }
  objectPush(lim, K_BUDGETS, lb);
  const lr = newArray(T_ARRAY, len(limits));
  for (let i: u32 = 0; i < len(limits); i++) {
    const l = elem(limits, i);
    const o = newObject(3);
    objectPush(o, K_SCOPE, objectGet(l, K_SCOPE));
    objectPush(o, K_KIND, objectGet(l, K_KIND));
    objectPush(o, K_PER_MINUTE, objectGet(l, K_PER_MINUTE));
    push(lr, o);
  }
  objectPush(lim, K_RATE_LIMITS, lr);

  const d = newObject(12);
  if (len(deny) > 0) {
    const rs = reasonValues(deny);
    let message = NULL;
    if (hasCode(deny, C_BUDGET_EXHAUSTED)) {
      const policy = objectGet(uc, K_ON_BUDGET);
      message = isObj(policy) ? objectGet(policy, K_MESSAGE) : NULL;
    } else if (hasCode(deny, C_RATE)) message = objectGet(objectGet(uc, K_ON_RATE), K_MESSAGE);
    objectPush(d, K_DECISION, K_DENY);
    objectPush(d, K_ALLOW_FIELD, FALSE);
    objectPush(d, K_USE_CASE, ucName);
    objectPush(d, K_MODEL, NULL);
    objectPush(d, K_PROVIDER, NULL);
    objectPush(d, K_REASONS, rs);
    objectPush(d, K_MESSAGE, message);
  } else {
    text.begin(); text.lit("allowed by use case `"); text.str(ucName); text.lit("`");
    const m = text.end();
    reasons = info;
    reason(C_ALLOWED, path2("use_case/", ucName), m, ucSource);
    reasons = deny;
    objectPush(d, K_DECISION, degraded ? K_DEGRADE : K_ALLOW);
    objectPush(d, K_ALLOW_FIELD, TRUE);
    objectPush(d, K_USE_CASE, ucName);
    objectPush(d, K_MODEL, model);
    objectPush(d, K_PROVIDER, objectGet(objectGet(models, model), K_PROVIDER));
    objectPush(d, K_REASONS, reasonValues(info));
    objectPush(d, K_MESSAGE, NULL);
  }
  objectPush(d, K_OBLIGATIONS, obligations);
  objectPush(d, K_LIMITS, lim);
  objectPush(d, K_TRACE_ID, traceId == 0 ? NULL : traceId);
  objectPush(d, K_POLICY_REVISION, objectGet(ir, K_REVISION));
  return d;
}

// The first n bytes of a string value, sharing its bytes.
function newStringSlice(s: u32, n: u32): u32 {
  const v = alloc(12);
  store<u8>(v, T_STRING);
  store<u32>(v, n, 4);
  store<u32>(v, strPtr(s), 8);
  return v;
}

export { K_RESULT, K_ALLOW_FIELD, K_REASONS, num };
