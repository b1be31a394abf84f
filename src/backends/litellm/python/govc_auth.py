"""Custom auth for the LiteLLM proxy: an API key names its caller (tenant, use case, region, principal).

Keys live outside config.yaml: `GOVC_LITELLM_KEYS_FILE` (a JSON file, re-read when it changes) or `GOVC_LITELLM_KEYS`
(the same JSON as text), an object from API key to `{"tenant", "use_case", "region", "principal"?, "rpm"?, "tpm"?}`.
An unknown key gets 401. The identity reaches the guardrail as the key's `metadata["govc"]`; `rpm`/`tpm` (else the use
case's per-tenant rate limits) become the key's own limits, which LiteLLM enforces in memory before the guardrail.
The master key authenticates as the proxy admin, whose model calls the guardrail refuses (it names no use case).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading

from fastapi import HTTPException, Request
from litellm.proxy._types import LitellmUserRoles, UserAPIKeyAuth

import govc_engine
import govc_policy

_ENGINE = govc_engine.Engine(govc_policy.POLICY)
_FIELDS = ("tenant", "use_case", "region")
_lock = threading.Lock()
_cache = {"stamp": None, "keys": {}}


def _problem(where: str, what: str) -> ValueError:
    return ValueError("govc_auth: %s %s" % (where, what))


def parse_keys(text: str) -> dict:
    """sha256(key) → identity; raises ValueError on anything but the documented shape (the proxy does not start)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise _problem("the keys", "must be a JSON object from API key to caller")
    out = {}
    for i, (key, entry) in enumerate(data.items()):
        where = "key #%d" % (i + 1)
        if not isinstance(key, str) or len(key) < 8:
            raise _problem(where, "must be a string of at least 8 characters")
        if not isinstance(entry, dict):
            raise _problem(where, "must map to an object")
        ident = {}
        for f in _FIELDS:
            v = entry.get(f)
            if not isinstance(v, str) or v == "":
                raise _problem(where, "needs `%s`, a non-empty string" % f)
            ident[f] = v
        p = entry.get("principal")
        if p is not None:
            if not isinstance(p, str) or p == "":
                raise _problem(where, "has a `principal` that is not a non-empty string")
            ident["principal"] = p
        for f in ("rpm", "tpm"):
            v = entry.get(f)
            if v is not None:
                if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                    raise _problem(where, "has a `%s` that is not a positive integer" % f)
                ident[f] = v
        unknown = sorted(set(entry) - set(_FIELDS) - {"principal", "rpm", "tpm"})
        if unknown:
            raise _problem(where, "has unknown fields %s" % ", ".join(unknown))
        out[hashlib.sha256(key.encode("utf-8")).hexdigest()] = ident
    return out


def _keys() -> dict:
    path = os.environ.get("GOVC_LITELLM_KEYS_FILE", "")
    with _lock:
        if path:
            st = os.stat(path)
            stamp = ("file", path, st.st_mtime_ns, st.st_size)
            if _cache["stamp"] != stamp:
                with open(path, encoding="utf-8") as f:
                    _cache["keys"] = parse_keys(f.read())
                _cache["stamp"] = stamp
        else:
            text = os.environ.get("GOVC_LITELLM_KEYS", "")
            stamp = ("env", text)
            if _cache["stamp"] != stamp:
                _cache["keys"] = parse_keys(text) if text else {}
                _cache["stamp"] = stamp
        return _cache["keys"]


def _tenant_limit(use_case: str, kind: str):
    uc = _ENGINE.use_case(use_case)
    if not uc:
        return None
    limits = [r["per_minute"] for r in uc.get("rate_limits", []) if r.get("scope") == "tenant" and r.get("kind") == kind]
    return min(limits) if limits else None


def identity_auth(api_key: str) -> UserAPIKeyAuth:
    ident = _keys().get(hashlib.sha256(api_key.encode("utf-8")).hexdigest())
    if ident is None:
        raise HTTPException(status_code=401, detail={"error": "unknown API key"})
    rpm = ident.get("rpm", _tenant_limit(ident["use_case"], "requests"))
    tpm = ident.get("tpm", _tenant_limit(ident["use_case"], "tokens"))
    govc = {k: ident[k] for k in ("tenant", "use_case", "region", "principal") if k in ident}
    return UserAPIKeyAuth(
        api_key=api_key,
        key_alias="govc:%s:%s" % (ident["use_case"], ident["tenant"]),
        metadata={"govc": govc},
        rpm_limit=rpm,
        tpm_limit=tpm,
    )


async def user_api_key_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    master = os.environ.get("LITELLM_MASTER_KEY", "")
    if master and isinstance(api_key, str) and hmac.compare_digest(api_key.encode("utf-8"), master.encode("utf-8")):
        return UserAPIKeyAuth(api_key=api_key, user_role=LitellmUserRoles.PROXY_ADMIN)
    if not isinstance(api_key, str) or api_key == "":
        raise HTTPException(status_code=401, detail={"error": "an API key is required"})
    try:
        return identity_auth(api_key)
    except HTTPException:
        raise
    except Exception:
        # A keys file that cannot be read or parsed refuses every caller: never an open door.
        raise HTTPException(status_code=401, detail={"error": "the proxy's API keys cannot be read"})


# Read the keys once at import, which LiteLLM does when it loads the config: a keys file or text that does not
# parse stops the proxy from starting instead of refusing callers one by one.
_keys()
