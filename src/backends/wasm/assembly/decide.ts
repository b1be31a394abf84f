// The decision, as docs/semantics.md defines it and src/eval/evaluate.ts implements it: a line-by-line port over
// values in linear memory. Every target is tested against the reference evaluator; this one too. The contract's
// texts and request checks are generated from src/decision (contract.ts); what the request cannot change is copied
// from the use case's precomputed parts (`decision` in the IR).
import { alloc, bytesEqual } from "./mem";
import { echoValue, inStrArray, intOf, isNonEmptyStr, isObj, isStr, isValidTraceId, strCmp, strEq, hasKey } from "./checks";
import {
  C_BUDGET_EXHAUSTED, C_RATE_LIMITED, firstProblem, initContract, reasonApprovalExpired, reasonApprovalNotYetValid,
  reasonBudgetDegraded, reasonBudgetExhausted, reasonCorpusNotAllowed, reasonCorpusRegionNotPermitted, reasonCounterMissingBudget, reasonCounterMissingRate,
  reasonDataClassDenied, reasonDataClassNotPermitted, reasonDataFlowNotPermitted, reasonDataRegionNotPermitted,
  reasonFallbackModel, reasonHumanApprovalRequired, reasonPrincipalRequired, reasonTraceIdRequired, reasonMalformedRequest, reasonModelApprovalExpired,
  reasonModelNotAllowed, reasonModelRegionNotServed, reasonModelRevoked, reasonRateLimited, reasonResidencyViolation,
  reasonPromptApprovalExpired, reasonPromptNotAllowed, reasonPromptVersionNotPinned,
  reasonToolApprovalExpired, reasonToolNotAllowed, reasonToolScopeNotAllowed, reasonUnknownCorpus, reasonUnknownDataClass,
  reasonUnknownUseCase, TRACE_ID_MAX,
} from "./contract";
import { addReason, hasCode, initReasons, newReasonList, reasonValues, useReasons } from "./reasons";
import {
  elem, keyAt, len, newArray, newBool, newNull, newNumber, newObject, numberOf, objectGet, objectPush, push, strLen, strPtr, valueAt,
  tag, T_ARRAY, T_BOOL, T_STRING, boolOf, utf8,
} from "./value";

// ---- interned keys and texts ----
let K_GOVC: u32, K_IR: u32, K_USE_CASE: u32, K_TENANT: u32, K_REGION: u32, K_TIME: u32, K_TRACE_ID: u32, K_MODEL: u32;
let K_DATA_CLASSES: u32, K_TOOL: u32, K_NAME: u32, K_SCOPE: u32, K_HUMAN_APPROVED_BY: u32, K_TOKENS: u32, K_INPUT: u32;
let K_OUTPUT: u32, K_SPEND: u32, K_RATE: u32, K_REQUESTS: u32, K_USE_CASES: u32, K_MODELS: u32;
let K_TOOLS: u32, K_REVISION: u32, K_APPROVALS: u32, K_APPROVER: u32, K_ON: u32, K_EXPIRES: u32;
let K_SOURCE: u32, K_REQUIRED_APPROVERS: u32, K_STATUS: u32, K_REVOKED: u32, K_REGIONS: u32, K_DATA: u32, K_ACTION: u32;
let K_ALLOW: u32, K_DENY: u32, K_PROVIDERS: u32, K_PROVIDER: u32, K_REDACTED: u32, K_DEFAULT: u32, K_REDACT: u32;
let K_RESIDENCY: u32, K_DETECTORS: u32, K_SCOPES: u32, K_HUMAN_APPROVAL: u32, K_RATE_LIMITS: u32, K_KIND: u32;
let K_PER_MINUTE: u32, K_BUDGETS: u32, K_PERIOD: u32, K_AMOUNT_MICROS: u32, K_HARD_LIMIT: u32, K_PRICE: u32;
let K_PRICE_IN: u32, K_PRICE_OUT: u32, K_ON_BUDGET: u32, K_DEGRADE_TO: u32, K_MESSAGE: u32;
let K_DECISION: u32, K_ALLOW_FIELD: u32;
let K_REASONS: u32, K_OBLIGATIONS: u32, K_LIMITS: u32, K_POLICY_REVISION: u32, K_CODE: u32, K_RULE: u32;
let K_DATA_CLASS: u32, K_RESULT: u32, K_DEGRADE: u32, K_ALLOWED: u32, K_BUDGET_MESSAGE: u32, K_RATE_MESSAGE: u32;
let K_OWNER: u32, K_PRINCIPAL: u32, K_ORG: u32, K_REQUIRE: u32;
let K_PROMPT: u32, K_PROMPTS: u32, K_VERSION: u32, K_SHA256: u32, K_GUARDRAILS: u32, K_ALERTS: u32, K_BUDGET_ALERTS: u32;
let K_THRESHOLDS_PERCENT: u32, K_NOTIFY: u32, K_ALERT_MICROS: u32, K_THRESHOLD_PERCENT: u32, K_THRESHOLD_MICROS: u32;
let K_CORPORA: u32;
let NULL: u32, TRUE: u32, FALSE: u32;

export function initDecide(): void {
  initReasons();
  initContract();
  K_GOVC = utf8("govc"); K_IR = utf8("ir"); K_USE_CASE = utf8("use_case"); K_TENANT = utf8("tenant");
  K_REGION = utf8("region"); K_TIME = utf8("time"); K_TRACE_ID = utf8("trace_id"); K_MODEL = utf8("model");
  K_DATA_CLASSES = utf8("data_classes"); K_TOOL = utf8("tool"); K_NAME = utf8("name"); K_SCOPE = utf8("scope");
  K_HUMAN_APPROVED_BY = utf8("human_approved_by"); K_TOKENS = utf8("tokens"); K_INPUT = utf8("input");
  K_OUTPUT = utf8("output"); K_SPEND = utf8("spend"); K_RATE = utf8("rate");
  K_REQUESTS = utf8("requests"); K_USE_CASES = utf8("use_cases"); K_MODELS = utf8("models");
  K_TOOLS = utf8("tools"); K_REVISION = utf8("revision");
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
  K_DECISION = utf8("decision"); K_ALLOW_FIELD = K_ALLOW;
  K_REASONS = utf8("reasons"); K_OBLIGATIONS = utf8("obligations"); K_LIMITS = utf8("limits");
  K_POLICY_REVISION = utf8("policy_revision"); K_CODE = utf8("code"); K_RULE = utf8("rule");
  K_DATA_CLASS = utf8("data_class"); K_RESULT = utf8("result"); K_DEGRADE = utf8("degrade");
  K_ALLOWED = utf8("allowed"); K_BUDGET_MESSAGE = utf8("budget_message"); K_RATE_MESSAGE = utf8("rate_message");
  K_OWNER = utf8("owner"); K_PRINCIPAL = utf8("principal"); K_ORG = utf8("org"); K_REQUIRE = utf8("require");
  // Language v2, assets.
  K_PROMPT = utf8("prompt"); K_PROMPTS = utf8("prompts"); K_VERSION = utf8("version"); K_SHA256 = utf8("sha256");
  K_GUARDRAILS = utf8("guardrails"); K_ALERTS = utf8("alerts"); K_BUDGET_ALERTS = utf8("budget_alerts");
  K_THRESHOLDS_PERCENT = utf8("thresholds_percent"); K_NOTIFY = utf8("notify"); K_ALERT_MICROS = utf8("alert_thresholds_micros");
  K_THRESHOLD_PERCENT = utf8("threshold_percent"); K_THRESHOLD_MICROS = utf8("threshold_micros");
  K_CORPORA = utf8("corpora");
  NULL = newNull(); TRUE = newBool(true); FALSE = newBool(false);
}

// Step 4 (language v2): the request's prompt is pinned by the use case, at the pinned version and hash, and approved.
// Reasons go to the current list (the denials).
function promptStep(ir: u32, uc: u32, ucName: u32, ucSource: u32, prompt: u32, date: u32): void {
  const name = objectGet(prompt, K_NAME);
  const p = inStrArray(objectGet(uc, K_PROMPTS), name) ? objectGet(objectGet(ir, K_PROMPTS), name) : 0;
  if (p == 0) {
    reasonPromptNotAllowed(ucName, name, ucSource);
    return;
  }
  const version = objectGet(prompt, K_VERSION);
  const sha = objectGet(prompt, K_SHA256);
  const pinnedVersion = objectGet(p, K_VERSION);
  const pinnedSha = objectGet(p, K_SHA256);
  if ((version != 0 && !strEq(version, pinnedVersion)) || (sha != 0 && !strEq(sha, pinnedSha))) {
    reasonPromptVersionNotPinned(ucName, objectGet(p, K_NAME), pinnedVersion, pinnedSha, objectGet(p, K_SOURCE));
  }
  const approvals = objectGet(p, K_APPROVALS);
  if (!anyApprovalValid(approvals, date)) {
    reasonPromptApprovalExpired(objectGet(p, K_NAME), date, len(approvals) > 0 ? objectGet(elem(approvals, 0), K_SOURCE) : objectGet(p, K_SOURCE));
  }
}

// Step 10 (language v2): for each budget (declared order) and threshold (ascending), an alert when the spend so far
// is below the threshold and this request's cost, on the model that serves, reaches it.
function alertsOf(uc: u32, r: u32, model: u32, tin: f64, tout: f64): u32 {
  const out = newArray(T_ARRAY, 2);
  const ba = objectGet(uc, K_BUDGET_ALERTS);
  if (!isObj(ba)) return out;
  const percents = objectGet(ba, K_THRESHOLDS_PERCENT);
  const notify = objectGet(ba, K_NOTIFY);
  const cost = costMicros(model, tin, tout);
  const spend = objectGet(r, K_SPEND);
  const budgets = objectGet(uc, K_BUDGETS);
  for (let i: u32 = 0; i < len(budgets); i++) {
    const b = elem(budgets, i);
    const scope = objectGet(b, K_SCOPE);
    const period = objectGet(b, K_PERIOD);
    const spent = intOf(objectGet(objectGet(spend, scope), period));
    const ts = objectGet(b, K_ALERT_MICROS);
    for (let k: u32 = 0; k < len(ts); k++) {
      const t = numberOf(elem(ts, k));
      if (spent < t && t <= spent + cost) {
        const o = newObject(5);
        objectPush(o, K_SCOPE, scope);
        objectPush(o, K_PERIOD, period);
        objectPush(o, K_THRESHOLD_PERCENT, elem(percents, k));
        objectPush(o, K_THRESHOLD_MICROS, elem(ts, k));
        objectPush(o, K_NOTIFY, notify);
        push(out, o);
      }
    }
  }
  return out;
}

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
  const save = useReasons(out);
  const approvals = objectGet(m, K_APPROVALS);
  if (strEq(objectGet(m, K_STATUS), K_REVOKED)) reasonModelRevoked(name, objectGet(m, K_SOURCE));
  else if (len(approvals) > 0 && !anyApprovalValid(approvals, date)) reasonModelApprovalExpired(name, date, objectGet(elem(approvals, 0), K_SOURCE));
  if (!inStrArray(objectGet(m, K_REGIONS), region)) reasonModelRegionNotServed(name, region, objectGet(m, K_SOURCE));
  const provider = objectGet(m, K_PROVIDER);
  const data = objectGet(uc, K_DATA);
  for (let i: u32 = 0; i < len(classes); i++) {
    const c = elem(classes, i);
    const flow = objectGet(data, c);
    // 6. Model targets: the flow permits the model when it names the model (`models`) or the model's provider.
    if (flow != 0 && strEq(objectGet(flow, K_ACTION), K_ALLOW) && !inStrArray(objectGet(flow, K_PROVIDERS), provider) && !inStrArray(objectGet(flow, K_MODELS), name)) {
      reasonDataFlowNotPermitted(ucName, c, provider, name, objectGet(flow, K_SOURCE));
    }
  }
  useReasons(save);
  return len(out) - before;
}

// The request's principal when it is a valid one (a non-empty string of at most 256 code points), else 0.
function validPrincipal(r: u32): u32 {
  if (!isObj(r)) return 0;
  const p = objectGet(r, K_PRINCIPAL);
  return p != 0 && isNonEmptyStr(p) && isValidTraceId(p, 256) ? p : 0;
}

// A deny before the use case's rules: malformed (useCase 0) or an unknown use case; `reasons` holds its one reason.
function earlyDecision(ir: u32, useCase: u32, traceId: u32, principal: u32, reasons: u32): u32 {
  const d = newObject(14);
  objectPush(d, K_DECISION, K_DENY);
  objectPush(d, K_ALLOW_FIELD, FALSE);
  objectPush(d, K_USE_CASE, useCase == 0 ? NULL : useCase);
  objectPush(d, K_MODEL, NULL);
  objectPush(d, K_PROVIDER, NULL);
  objectPush(d, K_REASONS, reasonValues(reasons));
  objectPush(d, K_MESSAGE, NULL);
  objectPush(d, K_OBLIGATIONS, NULL);
  objectPush(d, K_LIMITS, NULL);
  objectPush(d, K_TRACE_ID, traceId == 0 ? NULL : traceId);
  objectPush(d, K_OWNER, NULL);
  objectPush(d, K_PRINCIPAL, principal == 0 ? NULL : principal);
  objectPush(d, K_POLICY_REVISION, objectGet(ir, K_REVISION));
  return d;
}

// 2. Identity: what the org requires every request to carry (absent fields; present ones were validated).
function identityStep(ir: u32, r: u32): void {
  const org = objectGet(ir, K_ORG);
  const req = objectGet(org, K_REQUIRE);
  if (!isObj(req)) return;
  const t = objectGet(req, K_TRACE_ID);
  if (t != 0 && tag(t) == T_BOOL && boolOf(t) && !hasKey(r, K_TRACE_ID)) reasonTraceIdRequired(objectGet(org, K_NAME), objectGet(req, K_SOURCE));
  const p = objectGet(req, K_PRINCIPAL);
  if (p != 0 && tag(p) == T_BOOL && boolOf(p) && !hasKey(r, K_PRINCIPAL)) reasonPrincipalRequired(objectGet(org, K_NAME), objectGet(req, K_SOURCE));
}

function num(x: f64): u32 { return newNumber(x, 0, 0); }

// Adds `c` to the distinct, code-point sorted list `list` (insertion).
function addSorted(list: u32, c: u32): void {
  for (let k: u32 = 0; k < len(list); k++) if (strEq(elem(list, k), c)) return;
  let j = len(list);
  push(list, c);
  const base = load<u32>(list, 12);
  while (j > 0 && strCmp(load<u32>(base + ((j - 1) << 2)), c) > 0) {
    store<u32>(base + (j << 2), load<u32>(base + ((j - 1) << 2)));
    j--;
  }
  store<u32>(base + (j << 2), c);
}

// 5 (v2 numbering). Retrieval: each distinct corpus, sorted, is declared, granted by the use case and readable from
// the region (reasons into the current list); the classes of every granted, declared corpus join `classes` (the
// effective classes, distinct and sorted).
function retrieval(ir: u32, uc: u32, ucName: u32, ucSource: u32, corpora: u32, region: u32, classes: u32): void {
  const names = newArray(T_ARRAY, 4);
  for (let i: u32 = 0; i < len(corpora); i++) addSorted(names, elem(corpora, i));
  const table = objectGet(ir, K_CORPORA);
  const granted = objectGet(uc, K_CORPORA);
  for (let i: u32 = 0; i < len(names); i++) {
    const k = elem(names, i);
    const corpus = objectGet(table, k);
    if (corpus == 0) {
      reasonUnknownCorpus(k);
      continue;
    }
    if (!inStrArray(granted, k)) {
      reasonCorpusNotAllowed(ucName, k, ucSource);
      continue;
    }
    const residency = objectGet(corpus, K_RESIDENCY);
    if (residency != 0 && len(residency) > 0 && !inStrArray(residency, region)) reasonCorpusRegionNotPermitted(k, region, objectGet(corpus, K_SOURCE));
    const held = objectGet(corpus, K_DATA_CLASSES);
    if (held != 0) for (let j: u32 = 0; j < len(held); j++) addSorted(classes, elem(held, j));
  }
}

// The decision for `input` against data.govc.ir, or 0 when the data holds no govc policy.
export function decide(data: u32, input: u32): u32 {
  const ir = objectGet(objectGet(data, K_GOVC), K_IR);
  if (!isObj(ir)) return 0;
  const problem = firstProblem(input);
  if (problem != 0) {
    const t = isObj(input) ? objectGet(input, K_TRACE_ID) : 0;
    const early = newReasonList();
    useReasons(early);
    reasonMalformedRequest(problem);
    return earlyDecision(ir, 0, isValidTraceId(t, TRACE_ID_MAX) ? t : 0, validPrincipal(input), early);
  }
  const r = input;
  const traceId = objectGet(r, K_TRACE_ID);
  const useCase = objectGet(r, K_USE_CASE);
  // 1. The use case (steps numbered as docs/semantics.md numbers them, in every target).
  const uc = objectGet(objectGet(ir, K_USE_CASES), useCase);
  if (!isObj(uc)) {
    const early = newReasonList();
    useReasons(early);
    reasonUnknownUseCase(useCase);
    return earlyDecision(ir, echoValue(useCase), traceId, validPrincipal(r), early);
  }
  const ucName = objectGet(uc, K_NAME);
  const ucSource = objectGet(uc, K_SOURCE);
  const parts = objectGet(uc, K_DECISION);
  // An IR without precomputed parts is not one this module reads (IR version 1): no decision, as for no policy.
  if (!isObj(parts)) return 0;
  const time = objectGet(r, K_TIME);
  const date = newStringSlice(time, 10);
  const region = objectGet(r, K_REGION);
  const deny = newReasonList();
  const info = newArray(T_ARRAY, 4);
  useReasons(deny);

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
  const corpora = objectGet(r, K_CORPORA);
  if (corpora != 0) retrieval(ir, uc, ucName, ucSource, corpora, region, classes);
  const tokens = objectGet(r, K_TOKENS);
  const tin = intOf(objectGet(tokens, K_INPUT));
  const tout = intOf(objectGet(tokens, K_OUTPUT));

  // 2. Identity.
  identityStep(ir, r);

  // 3. Use-case approvals: distinct approvers valid on the date.
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
    const source = culprit != 0 ? objectGet(culprit, K_SOURCE) : ucSource;
    if (expired != 0) reasonApprovalExpired(ucName, <f64>len(validApprovers), date, required, source);
    else reasonApprovalNotYetValid(ucName, <f64>len(validApprovers), date, required, source);
  }

  // 4. The prompt.
  const prompt = objectGet(r, K_PROMPT);
  if (prompt != 0) promptStep(ir, uc, ucName, ucSource, prompt, date);

  // 6. The model.
  const ucModels = objectGet(uc, K_MODELS);
  let candidates = ucModels;
  const wanted = objectGet(r, K_MODEL);
  if (wanted != 0) {
    if (!inStrArray(ucModels, wanted)) {
      reasonModelNotAllowed(ucName, wanted, ucSource);
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
    useReasons(info);
    reasonFallbackModel(ucName, elem(candidates, 0), chosen, ucSource);
    useReasons(deny);
  }

  // 7. Data classes.
  const redact = newArray(T_ARRAY, 2);
  const dataClasses = objectGet(ir, K_DATA_CLASSES);
  const flows = objectGet(uc, K_DATA);
  for (let i: u32 = 0; i < len(classes); i++) {
    const c = elem(classes, i);
    const dc = objectGet(dataClasses, c);
    if (dc == 0) {
      reasonUnknownDataClass(c);
      continue;
    }
    const flow = objectGet(flows, c);
    let redacted = false;
    if (flow != 0) {
      if (strEq(objectGet(flow, K_ACTION), K_DENY)) reasonDataClassDenied(ucName, c, objectGet(flow, K_SOURCE));
      else {
        const regions = objectGet(flow, K_REGIONS);
        if (len(regions) > 0 && !inStrArray(regions, region)) reasonDataRegionNotPermitted(ucName, c, region, objectGet(flow, K_SOURCE));
        const red = objectGet(flow, K_REDACTED);
        redacted = red != 0 && tag(red) == T_BOOL && boolOf(red);
      }
    } else {
      const dflt = objectGet(dc, K_DEFAULT);
      if (strEq(dflt, K_DENY)) reasonDataClassNotPermitted(c, ucName, objectGet(dc, K_SOURCE));
      else redacted = strEq(dflt, K_REDACT);
    }
    const residency = objectGet(dc, K_RESIDENCY);
    if (len(residency) > 0 && !inStrArray(residency, region)) reasonResidencyViolation(c, residency, region, objectGet(dc, K_SOURCE));
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

  // 8. The tool call.
  let humanApproval = false;
  const tool = objectGet(r, K_TOOL);
  if (tool != 0) {
    const toolName = objectGet(tool, K_NAME);
    const grant = objectGet(objectGet(uc, K_TOOLS), toolName);
    if (grant == 0) reasonToolNotAllowed(ucName, toolName, ucSource);
    else {
      const ha = objectGet(grant, K_HUMAN_APPROVAL);
      humanApproval = ha != 0 && tag(ha) == T_BOOL && boolOf(ha);
      const declared = objectGet(objectGet(ir, K_TOOLS), toolName);
      if (declared != 0) {
        const ta = objectGet(declared, K_APPROVALS);
        if (len(ta) > 0 && !anyApprovalValid(ta, date)) reasonToolApprovalExpired(toolName, date, objectGet(elem(ta, 0), K_SOURCE));
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
      if (!granted) reasonToolScopeNotAllowed(ucName, toolName, scope, objectGet(grant, K_SOURCE));
      else if (humanApproval && !hasKey(tool, K_HUMAN_APPROVED_BY)) reasonHumanApprovalRequired(ucName, toolName, objectGet(grant, K_SOURCE));
    }
  }

  // 9. Rate limits.
  const rate = objectGet(r, K_RATE);
  const limits = objectGet(uc, K_RATE_LIMITS);
  for (let i: u32 = 0; i < len(limits); i++) {
    const l = elem(limits, i);
    const scope = objectGet(l, K_SCOPE);
    const kind = objectGet(l, K_KIND);
    const used = objectGet(objectGet(rate, scope), kind);
    if (used == 0) {
      reasonCounterMissingRate(ucName, scope, kind, objectGet(l, K_SOURCE));
      continue;
    }
    const increment: f64 = strEq(kind, K_REQUESTS) ? 1 : tin + tout;
    const perMinute = numberOf(objectGet(l, K_PER_MINUTE));
    if (intOf(used) + increment > perMinute) reasonRateLimited(ucName, scope, kind, perMinute, objectGet(l, K_SOURCE));
  }

  // 10. Budgets, priced on the chosen model.
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
        reasonCounterMissingBudget(ucName, scope, period, objectGet(b, K_SOURCE));
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
          useReasons(info);
          reasonBudgetDegraded(ucName, chosen, target, objectGet(policy, K_SOURCE));
          useReasons(deny);
        } else reasonBudgetExhausted(ucName, objectGet(firstExceeded, K_SCOPE), objectGet(firstExceeded, K_PERIOD), objectGet(firstExceeded, K_SOURCE));
      }
    }
  }

  // 10. Alerts (language v2), none on a deny.
  const alerts = len(deny) == 0 && model != 0 ? alertsOf(uc, r, objectGet(models, model), tin, tout) : newArray(T_ARRAY, 0);

  // 11. The result. What the request cannot change is copied from the use case's precomputed parts.
  const fixed = objectGet(parts, K_OBLIGATIONS);
  // Copied key by key in the IR's order; only the request-dependent fields get this request's values.
  const nFixed = len(fixed);
  const obligations = newObject(nFixed);
  for (let i: u32 = 0; i < nFixed; i++) {
    const k = keyAt(fixed, i);
    let v = valueAt(fixed, i);
    if (strEq(k, K_REDACT)) v = redact;
    else if (strEq(k, K_HUMAN_APPROVAL)) v = humanApproval ? TRUE : FALSE;
    else if (strEq(k, K_ALERTS)) v = alerts;
    objectPush(obligations, k, v);
  }

  const d = newObject(14);
  if (len(deny) > 0) {
    let message = NULL;
    if (hasCode(deny, C_BUDGET_EXHAUSTED)) message = objectGet(parts, K_BUDGET_MESSAGE);
    else if (hasCode(deny, C_RATE_LIMITED)) message = objectGet(parts, K_RATE_MESSAGE);
    objectPush(d, K_DECISION, K_DENY);
    objectPush(d, K_ALLOW_FIELD, FALSE);
    objectPush(d, K_USE_CASE, ucName);
    objectPush(d, K_MODEL, NULL);
    objectPush(d, K_PROVIDER, NULL);
    objectPush(d, K_REASONS, reasonValues(deny));
    objectPush(d, K_MESSAGE, message);
  } else {
    const allowed = objectGet(parts, K_ALLOWED);
    useReasons(info);
    addReason(objectGet(allowed, K_CODE), objectGet(allowed, K_RULE), objectGet(allowed, K_MESSAGE), objectGet(allowed, K_SOURCE));
    useReasons(deny);
    objectPush(d, K_DECISION, degraded ? K_DEGRADE : K_ALLOW);
    objectPush(d, K_ALLOW_FIELD, TRUE);
    objectPush(d, K_USE_CASE, ucName);
    objectPush(d, K_MODEL, model);
    objectPush(d, K_PROVIDER, objectGet(objectGet(models, model), K_PROVIDER));
    objectPush(d, K_REASONS, reasonValues(info));
    objectPush(d, K_MESSAGE, NULL);
  }
  objectPush(d, K_OBLIGATIONS, obligations);
  objectPush(d, K_LIMITS, objectGet(parts, K_LIMITS));
  objectPush(d, K_TRACE_ID, traceId == 0 ? NULL : traceId);
  objectPush(d, K_OWNER, objectGet(parts, K_OWNER));
  objectPush(d, K_PRINCIPAL, validPrincipal(r) == 0 ? NULL : objectGet(r, K_PRINCIPAL));
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
