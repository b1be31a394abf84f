"""The govc guardrail for the LiteLLM proxy: every request is decided by the program's policy before the call.

Before the call (`pre_call`): the caller comes from custom auth (govc_auth.py: tenant, use case, region,
principal); data classes are detected in the messages with the program's detectors; the tools the request offers or
carries (`tools`, `functions`, `tool_choice`, assistant `tool_calls`) are each decided with their scope and human
approval from the request's `metadata.govc.tools`; the token estimate and the counters (govc_counters.py) complete
the request, and the decision (govc_engine, the same decision as every govc target) is made, as govc/runtime's
guard makes it: read counters, decide, reserve the estimated cost and tokens atomically, decide again on contention.
A deny raises HTTPException 403 (429 for budgets and rates) with govc's reason and decision id; a degrade rewrites
the model; the obligations' data classes are redacted in the messages; the router's fallbacks become the use case's
later models that the policy allows for this very request.

After the call: a success settles the reservation to the actual cost from the response's usage, on the model that
answered; a failure gives the reservation back (the request still counts against requests per minute).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import sys
import time
import uuid
from typing import Any

from fastapi import HTTPException
from litellm.integrations.custom_guardrail import CustomGuardrail

import govc_counters
import govc_engine
import govc_policy

ENGINE = govc_engine.Engine(govc_policy.POLICY)
STORE = govc_counters.store_from_env(os.environ)
PREFIX = os.environ.get("GOVC_COUNTER_PREFIX", "govc:")
DEFAULT_OUTPUT_TOKENS = int(os.environ.get("GOVC_DEFAULT_OUTPUT_TOKENS", "1024"))

MAX_ATTEMPTS = 16
MAX_SPEND = 1_000_000_000_000_000
MAX_RATE = 1_000_000_000_000
MAX_TOKENS = 1_000_000_000
PENDING_TTL_S = 900
MAX_PENDING = 100_000

# Request fields that would let a caller reroute around the decision: the guardrail sets the routing itself.
_ROUTING_FIELDS = ("context_window_fallbacks", "content_policy_fallbacks", "api_base", "base_url", "api_key", "api_version", "model_list")

# litellm_call_id → what was reserved for the call; settled or given back after it.
_pending: dict = {}
# litellm_call_id → the decision's headers for the response.
_headers: dict = {}


def _log(*parts: Any) -> None:
    if os.environ.get("GOVC_GUARDRAIL_DEBUG"):
        print("govc_guardrail:", *parts, file=sys.stderr, flush=True)


# --- The request as govc sees it -----------------------------------------------------------------------------------


def _texts(data: dict) -> list:
    """Every text of the request that reaches the model, as (container, key) pairs so redaction can rewrite it."""
    out = []
    msgs = data.get("messages")
    if isinstance(msgs, list):
        for m in msgs:
            if not isinstance(m, dict):
                continue
            c = m.get("content")
            if isinstance(c, str):
                out.append((m, "content"))
            elif isinstance(c, list):
                for part in c:
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        out.append((part, "text"))
            calls = m.get("tool_calls")
            if isinstance(calls, list):
                for call in calls:
                    fn = call.get("function") if isinstance(call, dict) else None
                    if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                        out.append((fn, "arguments"))
            fc = m.get("function_call")
            if isinstance(fc, dict) and isinstance(fc.get("arguments"), str):
                out.append((fc, "arguments"))
    for field in ("prompt", "input"):
        v = data.get(field)
        if isinstance(v, str):
            out.append((data, field))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                if isinstance(x, str):
                    out.append((v, i))
    return out


def _tool_names(data: dict) -> list:
    """The tools a request offers the model or carries calls of, distinct, in the order first met."""
    names = []

    def add(n: Any) -> None:
        if isinstance(n, str) and n not in names:
            names.append(n)

    tools = data.get("tools")
    if isinstance(tools, list):
        for t in tools:
            if isinstance(t, dict):
                fn = t.get("function")
                add(fn.get("name") if isinstance(fn, dict) else t.get("name"))
    functions = data.get("functions")
    if isinstance(functions, list):
        for f in functions:
            if isinstance(f, dict):
                add(f.get("name"))
    choice = data.get("tool_choice")
    if isinstance(choice, dict):
        fn = choice.get("function")
        add(fn.get("name") if isinstance(fn, dict) else choice.get("name"))
    msgs = data.get("messages")
    if isinstance(msgs, list):
        for m in msgs:
            if not isinstance(m, dict):
                continue
            calls = m.get("tool_calls")
            if isinstance(calls, list):
                for call in calls:
                    fn = call.get("function") if isinstance(call, dict) else None
                    if isinstance(fn, dict):
                        add(fn.get("name"))
            fc = m.get("function_call")
            if isinstance(fc, dict):
                add(fc.get("name"))
    return names


def _govc_metadata(data: dict) -> dict:
    md = data.get("metadata")
    g = md.get("govc") if isinstance(md, dict) else None
    return g if isinstance(g, dict) else {}


def _estimate_tokens(data: dict, texts: list) -> tuple:
    """Input: a character count (4 per token, rounded up, plus 4 per message); output: the request's own bound."""
    chars = sum(len(c[k]) for c, k in texts if isinstance(c[k], str))
    msgs = data.get("messages")
    n = len(msgs) if isinstance(msgs, list) else 0
    tin = min(MAX_TOKENS, math.ceil(chars / 4) + 4 * n)
    out = None
    for f in ("max_completion_tokens", "max_tokens"):
        v = data.get(f)
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
            out = v
            break
    if out is None:
        # The reservation must bound the call: a request without its own bound gets the default one.
        out = DEFAULT_OUTPUT_TOKENS
        data["max_tokens"] = out
    return tin, min(MAX_TOKENS, out)


def _now_iso(ms: int) -> str:
    d = _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


# --- Counters ------------------------------------------------------------------------------------------------------


def _keys(uc: dict, name: str, tenant: str, ms: int) -> tuple:
    budgets = [govc_counters.budget_key(PREFIX, name, tenant, b["scope"], b["period"], ms) for b in uc.get("budgets", [])]
    rates = [govc_counters.rate_key(PREFIX, name, tenant, r["scope"], r["kind"], ms) for r in uc.get("rate_limits", [])]
    return budgets, rates


def _counters(uc: dict, budget_values, rate_values) -> dict:
    c: dict = {}
    if budget_values is not None:
        for b, v in zip(uc.get("budgets", []), budget_values):
            c.setdefault("spend", {}).setdefault(b["scope"], {})[b["period"]] = min(v, MAX_SPEND)
    if rate_values is not None:
        for r, v in zip(uc.get("rate_limits", []), rate_values):
            c.setdefault("rate", {}).setdefault(r["scope"], {})[r["kind"]] = min(v, MAX_RATE)
    return c


def _decide_all(base: dict, tools: list, counters: dict) -> dict:
    """One decision per tool (each carries its own scope and approval); the first deny, else the first decision."""
    if not tools:
        return ENGINE.decide({**base, **counters})
    first = None
    for t in tools:
        d = ENGINE.decide({**base, **counters, "tool": t})
        if d.get("decision") == "deny":
            return d
        if first is None:
            first = d
    return first


class _Metered:
    __slots__ = ("decision", "ops", "keys_rate", "uc", "store_down", "counters", "contention")

    def __init__(self) -> None:
        self.decision = None
        self.ops = []
        self.keys_rate = []
        self.uc = None
        self.store_down = False
        self.counters = {}
        self.contention = False


async def _meter(base: dict, tools: list, uc: Any, tenant: str, tin: int, tout: int, ms: int) -> _Metered:
    """guard.ts `meter`: read the counters, decide, reserve; on contention decide again on what the store saw."""
    m = _Metered()
    m.uc = uc
    budgets = uc.get("budgets", []) if isinstance(uc, dict) else []
    rates = uc.get("rate_limits", []) if isinstance(uc, dict) else []
    if not budgets and not rates:
        m.decision = _decide_all(base, tools, {})
        return m
    kb, kr = _keys(uc, base["use_case"], tenant, ms)
    m.keys_rate = kr
    nb = len(kb)
    try:
        values = await STORE.get(kb + kr)
        bv, rv = values[:nb], values[nb:]
    except Exception as e:  # the store is away: no counters, so the policy denies (counter_missing)
        _log("counter store unavailable:", repr(e))
        m.store_down = True
        bv, rv = None, None
    for attempt in range(MAX_ATTEMPTS + 1):
        m.counters = _counters(uc, bv, rv)
        d = _decide_all(base, tools, m.counters)
        m.decision = d
        if d.get("decision") == "deny" or m.store_down:
            return m
        if attempt >= MAX_ATTEMPTS:
            m.contention = True
            return m
        estimate = ENGINE.cost_micros(d["model"], tin, tout)
        degrade = d.get("decision") == "degrade"
        ops = []
        for b, k in zip(budgets, kb):
            ops.append(govc_counters.ReserveOp(k, estimate, b["hard_limit_micros"] if degrade else b["amount_micros"], govc_counters.PERIOD_TTL_SECONDS[b["period"]]))
        for r, k in zip(rates, kr):
            ops.append(govc_counters.ReserveOp(k, 1 if r["kind"] == "requests" else tin + tout, r["per_minute"], govc_counters.RATE_TTL_SECONDS))
        try:
            ok, seen = await STORE.reserve(ops)
        except Exception as e:
            _log("counter store unavailable:", repr(e))
            m.store_down = True
            bv, rv = None, None
            continue
        if ok:
            m.ops = ops
            return m
        bv, rv = seen[:nb], seen[nb:]
    return m


def _rate_kind(m_uc: dict, keys_rate: list, key: str):
    if key not in keys_rate:
        return None
    return m_uc["rate_limits"][keys_rate.index(key)]["kind"]


async def _adjust(p: dict, amount_of) -> None:
    adds = []
    for o in p["ops"]:
        a = amount_of(o)
        if a != 0:
            adds.append((o.key, a, o.ttl))
    if adds:
        try:
            await STORE.add(adds)
        except Exception as e:
            _log("a settlement could not be written:", repr(e))


def _forget_stale(now: float) -> None:
    if len(_pending) < MAX_PENDING and len(_headers) < MAX_PENDING:
        return
    for table in (_pending, _headers):
        for k in [k for k, v in table.items() if now - v.get("at", now) > PENDING_TTL_S]:
            del table[k]
        while len(table) >= MAX_PENDING:
            del table[next(iter(table))]


async def _settle(call_id, hidden, usage) -> None:
    """Replaces a call's reserved estimate by its actual cost on the model that answered (once per call)."""
    p = _pending.pop(call_id, None) if call_id else None
    if p is None:
        return
    served = hidden.get("model_id") if isinstance(hidden, dict) else None
    if not isinstance(served, str) or ENGINE.model(served) is None:
        served = p["model"]
    tin = getattr(usage, "prompt_tokens", None)
    tout = getattr(usage, "completion_tokens", None)
    known = all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_TOKENS for x in (tin, tout))
    uc, keys_rate = p["uc"], p["keys_rate"]
    cost = ENGINE.cost_micros(served, tin, tout) if known else None  # no usage: the estimate stays charged

    def amount(o):
        kind = _rate_kind(uc, keys_rate, o.key)
        if kind is None:
            return cost - o.amount if cost is not None else 0
        if kind == "tokens" and known:
            return tin + tout - o.amount
        return 0

    await _adjust(p, amount)
    _log("settled", call_id, served, cost)


# --- Refusals --------------------------------------------------------------------------------------------------------

_THROTTLE = frozenset(("budget_exhausted", "rate_limited"))


def _refuse(decision: dict, decision_id: str, status: int | None = None, message: str | None = None, refusal: str = "policy"):
    """Raises the refusal: `refusal` is `policy` (the decision denied) or why an allowed call was not made
    (`contention`, `store_unavailable`, `redaction`), as govc/runtime's invoke reports it."""
    reasons = decision.get("reasons") or []
    denying = [r for r in reasons if r.get("code") not in ("allowed", "fallback_model", "budget_degraded")]
    if status is None:
        status = 429 if any(r.get("code") in _THROTTLE for r in denying) else 403
    text = message or decision.get("message") or (denying[0].get("message") if denying else "refused by policy")
    raise HTTPException(
        status_code=status,
        detail={
            "error": text,
            "govc": {
                "decision_id": decision_id,
                "decision": decision.get("decision"),
                "reasons": reasons,
                "policy_revision": decision.get("policy_revision"),
                "refusal": refusal,
            },
        },
    )


def _rate_message(uc: Any):
    if not isinstance(uc, dict):
        return None
    d = uc.get("decision")
    if isinstance(d, dict) and isinstance(d.get("rate_message"), str):
        return d["rate_message"]
    r = uc.get("on_rate_limited")
    return r.get("message") if isinstance(r, dict) else None


# --- The guardrail ---------------------------------------------------------------------------------------------------


class GovcGuardrail(CustomGuardrail):
    """`guardrails: [{guardrail: govc_guardrail.GovcGuardrail, mode: [pre_call, post_call], default_on: true}]`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    async def async_pre_call_hook(self, user_api_key_dict, cache, data, call_type):
        decision_id = str(uuid.uuid4())
        ms = govc_counters.now_ms()
        md = getattr(user_api_key_dict, "metadata", None)
        who = md.get("govc") if isinstance(md, dict) else None
        who = who if isinstance(who, dict) else {}
        asked = _govc_metadata(data)

        texts = _texts(data)
        found = []
        for c, k in texts:
            for cls in ENGINE.detect(c[k]):
                if cls not in found:
                    found.append(cls)
        tin, tout = _estimate_tokens(data, texts)

        # The identity is the key's, never the request's: a caller cannot pick its tenant, use case or region.
        base: dict = {k: who[k] for k in ("use_case", "tenant", "region", "principal") if k in who}
        base["time"] = _now_iso(ms)
        if isinstance(data.get("model"), str):
            base["model"] = data["model"]
        if found:
            base["data_classes"] = sorted(found)
        base["tokens"] = {"input": tin, "output": tout}
        for k in ("trace_id", "prompt", "corpora"):
            if k in asked:
                base[k] = asked[k]
        tool_meta = asked.get("tools") if isinstance(asked.get("tools"), dict) else {}
        tools = []
        for name in _tool_names(data):
            t = {"name": name}
            meta = tool_meta.get(name)
            if isinstance(meta, dict):
                for k in ("scope", "human_approved_by"):
                    if k in meta:
                        t[k] = meta[k]
            tools.append(t)

        uc = ENGINE.use_case(base["use_case"]) if isinstance(base.get("use_case"), str) else None
        tenant = base.get("tenant") if isinstance(base.get("tenant"), str) else ""
        m = await _meter(base, tools, uc, tenant, tin, tout, ms)
        d = m.decision
        if d.get("decision") == "deny":
            _log("deny", decision_id, [r.get("code") for r in d.get("reasons", [])])
            if m.store_down and any(r.get("code") == "counter_missing" for r in d.get("reasons", [])):
                # Fail closed, and say why: the counters could not be read, not a caller's mistake.
                _refuse(d, decision_id, 503, "govc's counter store is unavailable; the request was not sent", "store_unavailable")
            _refuse(d, decision_id)
        if m.contention:
            _refuse(d, decision_id, 429, _rate_message(uc), "contention")

        call_id = data.get("litellm_call_id") or decision_id
        now = time.monotonic()
        _forget_stale(now)
        if m.ops:
            _pending[call_id] = {"ops": m.ops, "uc": uc, "keys_rate": m.keys_rate, "model": d["model"], "at": now}
        _headers[call_id] = {"at": now, "x-govc-decision-id": decision_id, "x-govc-decision": d["decision"], "x-govc-model": d["model"]}

        # Route: the decided model, then only the later models of the use case the policy allows for this request.
        data["model"] = d["model"]
        fallbacks = []
        if d["decision"] == "allow" and uc is not None:
            models = list(uc.get("models", []))
            later = models[models.index(d["model"]) + 1 :] if d["model"] in models else []
            for f in later:
                alt = _decide_all({**base, "model": f}, tools, m.counters)
                if alt.get("decision") == "allow" and alt.get("model") == f:
                    fallbacks.append(f)
        data["fallbacks"] = fallbacks
        for k in _ROUTING_FIELDS:
            data.pop(k, None)

        redact = ((d.get("obligations") or {}).get("redact")) or []
        if redact:
            try:
                for c, k in texts:
                    c[k] = ENGINE.redact(c[k], redact)
            except govc_engine.RedactionRefused as e:
                # Never an approximation: a text that cannot be redacted exactly is not sent.
                await self.async_post_call_failure_hook(data, e, user_api_key_dict)
                _headers.pop(call_id, None)
                _refuse(d, decision_id, 403, str(e), "redaction")
        _log("allow", decision_id, d["decision"], d["model"], "fallbacks", fallbacks, "redact", [r.get("data_class") for r in redact])
        return data

    async def async_post_call_success_hook(self, data, user_api_key_dict, response):
        call_id = data.get("litellm_call_id") if isinstance(data, dict) else None
        await _settle(call_id, getattr(response, "_hidden_params", None), getattr(response, "usage", None))
        return response

    async def async_post_call_streaming_iterator_hook(self, user_api_key_dict, response, request_data):
        # A stream is settled when it ends, on the usage its last chunks carry (`stream_options.include_usage`);
        # without usage the estimate stays charged. A stream cut short keeps its estimate too: the upstream worked.
        usage = None
        hidden = None
        async for chunk in response:
            u = getattr(chunk, "usage", None)
            if u is not None:
                usage = u
            if hidden is None:
                hidden = getattr(chunk, "_hidden_params", None)
            yield chunk
        call_id = request_data.get("litellm_call_id") if isinstance(request_data, dict) else None
        await _settle(call_id, hidden, usage)

    async def async_post_call_failure_hook(self, request_data, original_exception, user_api_key_dict, traceback_str=None):
        call_id = request_data.get("litellm_call_id") if isinstance(request_data, dict) else None
        p = _pending.pop(call_id, None) if call_id else None
        if p is None:
            return None
        uc, keys_rate = p["uc"], p["keys_rate"]
        # Nothing was served: give back the cost and tokens; the request itself still counts per minute.
        await _adjust(p, lambda o: 0 if _rate_kind(uc, keys_rate, o.key) == "requests" else -o.amount)
        _log("released", call_id)
        return None

    async def async_post_call_response_headers_hook(self, data, user_api_key_dict, response, request_headers=None, litellm_call_info=None):
        call_id = data.get("litellm_call_id") if isinstance(data, dict) else None
        h = _headers.pop(call_id, None) if call_id else None
        if h is None:
            return None
        return {k: v for k, v in h.items() if k != "at"}
