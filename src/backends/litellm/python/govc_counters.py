"""Budget and rate counters for the govc guardrail: govc/runtime's counter stores, in Python.

The key layout is src/runtime/counterKeys.ts's, so a LiteLLM proxy and a TypeScript guard sharing one Redis meter
the same budgets; the Redis operations are src/runtime/redisStore.ts's Lua scripts, generated into
govc_redis_scripts.py from the TypeScript constants (never restated here), so a reservation's check and its
increments are one atomic step across every proxy. Memory counters serve one proxy process.

A store error raises; the guardrail then decides without counters, which the policy denies (`counter_missing`):
counters fail closed, never open.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import re
import time
from typing import Any, Sequence

import govc_redis_scripts as _scripts

PERIOD_TTL_SECONDS: dict = dict(_scripts.PERIOD_TTL_SECONDS)
RATE_TTL_SECONDS: int = _scripts.RATE_TTL_SECONDS

_PLAIN = re.compile(r"^[A-Za-z0-9_.-]*$")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def _enc(s: str) -> str:
    """counterKeys.ts `enc`: percent-encoding as encodeURIComponent, `!'()*~` too, a lone surrogate as `%uXXXX`."""
    if _PLAIN.match(s):
        return s
    out = []
    for ch in s:
        cp = ord(ch)
        if 0xD800 <= cp <= 0xDFFF:
            out.append("%%u%X" % cp)
        elif ch in _UNRESERVED:
            out.append(ch)
        else:
            out.append("".join("%%%02X" % b for b in ch.encode("utf-8")))
    return "".join(out)


def period_key(period: str, ms: int) -> str:
    """The UTC period a time falls in: `2026-11-26`, `2026-W48` (ISO week), `2026-11`, `2026-Q4`, `2026`."""
    d = _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)
    if period == "day":
        return "%d-%02d-%02d" % (d.year, d.month, d.day)
    if period == "month":
        return "%d-%02d" % (d.year, d.month)
    if period == "quarter":
        return "%d-Q%d" % (d.year, (d.month - 1) // 3 + 1)
    if period == "year":
        return str(d.year)
    if period == "week":
        iso = d.date().isocalendar()
        return "%d-W%02d" % (iso[0], iso[1])
    raise ValueError("unknown period %r" % (period,))


def budget_key(prefix: str, use_case: str, tenant: str, scope: str, period: str, ms: int) -> str:
    who = "t:" + _enc(tenant) if scope == "tenant" else "u"
    return "%s{%s}:spend:%s:%s:%s" % (prefix, _enc(use_case), who, period, period_key(period, ms))


def rate_key(prefix: str, use_case: str, tenant: str, scope: str, kind: str, ms: int) -> str:
    who = "t:" + _enc(tenant) if scope == "tenant" else "u"
    return "%s{%s}:rate:%s:%s:%d" % (prefix, _enc(use_case), who, kind, ms // 60_000)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class ReserveOp:
    __slots__ = ("key", "amount", "limit", "ttl")

    def __init__(self, key: str, amount: int, limit: int, ttl: int) -> None:
        self.key = key
        self.amount = amount
        self.limit = limit
        self.ttl = ttl


class MemoryStore:
    """Counters in this process (one proxy). Each operation runs without awaiting, so it is atomic in asyncio."""

    def __init__(self, clock=now_ms) -> None:
        self._values: dict = {}
        self._clock = clock
        self._ops = 0

    def _read(self, key: str, now: int) -> int:
        e = self._values.get(key)
        if e is None:
            return 0
        if e[1] <= now:
            del self._values[key]
            return 0
        return e[0]

    def _write(self, key: str, amount: int, ttl: int, now: int) -> None:
        e = self._values.get(key)
        # Never below zero, as in Redis: a settlement after its period rolled over adds no headroom.
        if e is None or e[1] <= now:
            self._values[key] = [max(0, amount), now + ttl * 1000]
        else:
            e[0] = max(0, e[0] + amount)

    def _sweep(self, now: int) -> None:
        self._ops += 1
        if self._ops % 10_000 == 0:
            for k in [k for k, e in self._values.items() if e[1] <= now]:
                del self._values[k]

    async def get(self, keys: Sequence[str]) -> list:
        now = self._clock()
        return [self._read(k, now) for k in keys]

    async def reserve(self, ops: Sequence[ReserveOp]):
        """(True, None) when every amount was added, else (False, the values seen) and nothing changed."""
        now = self._clock()
        self._sweep(now)
        values = [self._read(o.key, now) for o in ops]
        if any(v + o.amount > o.limit for v, o in zip(values, ops)):
            return False, values
        for o in ops:
            self._write(o.key, o.amount, o.ttl, now)
        return True, None

    async def add(self, adds: Sequence[tuple]) -> None:
        """Adds (key, amount, ttl) unconditionally; amounts may be negative."""
        now = self._clock()
        self._sweep(now)
        for key, amount, ttl in adds:
            self._write(key, amount, ttl, now)


_COUNTER = re.compile(r"^-?\d{1,16}$")


def _counters(reply: Any, start: int, n: int) -> list:
    """redisStore.ts `counters`: exactly n integer counters from index `start`, else the reply is refused."""
    if not isinstance(reply, (list, tuple)) or len(reply) != start + n:
        raise RuntimeError("redis: unexpected reply shape")
    out = []
    for v in reply[start:]:
        if isinstance(v, bytes):
            v = v.decode("ascii", "replace")
        if isinstance(v, bool):
            raise RuntimeError("redis: a counter holds something other than an integer")
        if isinstance(v, int):
            x = v
        elif isinstance(v, str) and _COUNTER.match(v):
            x = int(v)
        else:
            raise RuntimeError("redis: a counter holds something other than an integer")
        if abs(x) > 2**53 - 1:
            raise RuntimeError("redis: a counter holds something other than an integer")
        out.append(x)
    return out


class RedisStore:
    """Counters in Redis, shared by every proxy: one Lua script per operation (EVALSHA, EVAL after a restart)."""

    def __init__(self, url: str, timeout_s: float = 1.0) -> None:
        import redis.asyncio as aioredis  # the `redis` package; only needed when GOVC_REDIS_URL is set

        self._redis = aioredis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, decode_responses=True)
        self._timeout = timeout_s
        self._sha = {s: hashlib.sha1(s.encode("utf-8")).hexdigest() for s in (_scripts.GET, _scripts.RESERVE, _scripts.ADD)}

    async def _run(self, script: str, keys: Sequence[str], args: Sequence) -> Any:
        from redis.exceptions import NoScriptError

        async def call():
            try:
                return await self._redis.evalsha(self._sha[script], len(keys), *keys, *args)
            except NoScriptError:
                return await self._redis.eval(script, len(keys), *keys, *args)

        return await asyncio.wait_for(call(), self._timeout)

    async def get(self, keys: Sequence[str]) -> list:
        if not keys:
            return []
        return _counters(await self._run(_scripts.GET, keys, []), 0, len(keys))

    async def reserve(self, ops: Sequence[ReserveOp]):
        if not ops:
            return True, None
        args = []
        for o in ops:
            args += [str(o.amount), str(o.limit), str(o.ttl)]
        reply = await self._run(_scripts.RESERVE, [o.key for o in ops], args)
        values = _counters(reply, 1, len(ops))
        ok = reply[0]
        if ok in (1, "1"):
            return True, None
        if ok in (0, "0"):
            return False, values
        raise RuntimeError("redis: unexpected reply to a reservation")

    async def add(self, adds: Sequence[tuple]) -> None:
        if not adds:
            return
        args = []
        for _, amount, ttl in adds:
            args += [str(amount), str(ttl)]
        await self._run(_scripts.ADD, [k for k, _, _ in adds], args)


def store_from_env(environ) -> Any:
    """Redis when GOVC_REDIS_URL is set (several proxies), else this process's memory."""
    url = environ.get("GOVC_REDIS_URL", "")
    if url:
        return RedisStore(url, float(environ.get("GOVC_REDIS_TIMEOUT_MS", "1000")) / 1000)
    return MemoryStore()
