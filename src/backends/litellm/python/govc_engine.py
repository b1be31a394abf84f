"""govc's decision engine in Python: the decision of docs/semantics.md, a port of the reference evaluator
(src/eval/evaluate.ts, src/decision/validateRequest.ts, src/eval/parseRequestJson.ts) that agrees with it field
for field on every request. The test suite proves it (test/litellm-engine.test.ts, test/differential.test.ts).

    engine = govc_engine.Engine(govc_policy.POLICY)
    engine.decide(request)        # a request as Python data (what json.loads gives) -> the decision, a dict
    engine.decide_json(text)      # a request as JSON text (str or bytes), read as every govc target reads it
    engine.detect(text)           # the data classes whose detectors match text
    engine.redact(text, redact)   # obligations.redact applied to text, as govc/runtime redacts
    engine.cost_micros(model, input_tokens, output_tokens)
    engine.model(name), engine.use_case(name), engine.provider(name), engine.org()

Static and hand-written; the program comes in as data (govc_policy.py, generated per program) and the contract's
texts as data (govc_contract.py, generated from src/decision): every reason is rendered from the contract's
templates, and what does not depend on the request (the `allowed` reason, obligations, limits, refusal texts) is
copied from the IR's precomputed parts. Detectors run on google-re2 (linear time, like re2js and Go's regexp).

`decide` and `decide_json` never raise: whatever they are given, a value that is not a well-formed request is
denied with `malformed_request` (fail closed).

Python strings are code points; JavaScript's are UTF-16 units. Where the reference compares or counts strings the
engine does what the reference does on the same JSON text: echo counts code points (a pair is one, a lone surrogate
is one), and "sorted" is the reference's compareCodePoints (which ranks a lone surrogate as UTF-16 does).
"""

import json
import math
import re

import re2

try:  # a package (tests, an installed copy) or a flat folder (the LiteLLM proxy's config directory)
    from . import govc_contract as _contract
except ImportError:  # pragma: no cover - depends on how the module is loaded
    import govc_contract as _contract

__all__ = ["Engine", "RedactionRefused", "POLICY_FORMAT"]

#: The POLICY format this engine reads (src/backends/litellm/pythonPolicy.ts PYTHON_POLICY_FORMAT).
POLICY_FORMAT = 1

_MISSING = object()

# ---- strings as the reference compares and counts them ------------------------------------------------------------

_ABOVE_SURROGATES = re.compile("[\ud800-\U0010ffff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _cp_key(s):
    """The sort key of compareCodePoints (src/util/compare.ts): code-point order, except that a lone surrogate
    ranks as its UTF-16 unit among the units of astral characters, above every other BMP character."""
    if s.isascii() or not _ABOVE_SURROGATES.search(s):
        return s
    out = []
    for ch in s:
        c = ord(ch)
        if c < 0xD800 or 0xE000 <= c <= 0xFFFF:
            out.append(ch)
        elif c <= 0xDFFF:
            out.append(chr(c + 0x10000))
        else:
            c -= 0x10000
            out.append(chr(0x1D800 + (c >> 10)))
            out.append(chr(0x1DC00 + (c & 0x3FF)))
    return "".join(out)


def _utf16_key(s):
    """The sort key of JavaScript's default sort: UTF-16 code units."""
    return s if s.isascii() else s.encode("utf-16-be", "surrogatepass")


def _echo(s):
    """RULE B: itself up to ECHO_MAX_CODE_POINTS code points, else its first ones and an ellipsis."""
    n = _contract.ECHO_MAX_CODE_POINTS
    return s if len(s) <= n else s[:n] + _contract.ECHO_ELLIPSIS


def _well_formed(s):
    """A str as its UTF-8 encoding reads back (JavaScript's toWellFormed): a surrogate pair written as two code
    points is its character, every other surrogate is U+FFFD."""
    if s.isascii() or not _LONE_SURROGATE.search(s):
        return s
    return s.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "replace")


# ---- JSON data as the reference reads a JavaScript value ----------------------------------------------------------


def _is_object(v):
    return isinstance(v, dict)


def _is_array(v):
    return isinstance(v, (list, tuple))


def _is_string(v):
    return isinstance(v, str)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_integer(v):
    """Number.isInteger: an int, or a float with an integral finite value (bool is not a number)."""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, float) and math.isfinite(v) and v.is_integer()


def _nonempty(v):
    return isinstance(v, str) and len(v) > 0


# ---- the request-field table (govc_contract.REQUEST_FIELDS) as a tree ---------------------------------------------


class _Node:
    __slots__ = ("field", "key", "children")

    def __init__(self, field, children):
        self.field = field
        self.key = field["path"][-1] if field["path"] else ""
        self.children = children


def _children_of(path):
    n = len(path)
    return [f for f in _contract.REQUEST_FIELDS if len(f["path"]) == n + 1 and f["path"][:n] == path]


def _node_of(field):
    return _Node(field, [_node_of(c) for c in _children_of(field["path"])])


_ROOT = _node_of(_contract.REQUEST_FIELDS[0])
_TIME = re.compile(_contract.TIME_PATTERN, re.ASCII)


def _valid_time(v):
    """TIME_PATTERN, and a real instant (src/decision/validateRequest.ts isValidTime)."""
    if not _TIME.fullmatch(v):
        return False
    year, month, day = int(v[0:4]), int(v[5:7]), int(v[8:10])
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    if not 1 <= month <= 12:
        return False
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return 1 <= day <= days and int(v[11:13]) <= 23 and int(v[14:16]) <= 59 and int(v[17:19]) <= 59


def _fits(field, v):
    t = field["type"]
    if t == "object":
        return _is_object(v)
    if t == "string":
        return _nonempty(v)
    if t == "time":
        return isinstance(v, str) and _valid_time(v)
    if t == "trace_id":
        return isinstance(v, str) and len(v) <= field["max"]
    if t == "string_array":
        return _is_array(v) and all(_nonempty(x) for x in v)
    if t == "integer":
        return _is_integer(v) and 0 <= v <= field["max"]
    if t == "bounded_string":
        return _nonempty(v) and len(v) <= field["max"]
    return False  # a field type this engine does not know: fail closed


def _key_message(field, key):
    return field["message"].replace("{key}", _echo(key), 1)


def _problem_in(o, nodes):
    for n in nodes:
        if n.key == "*":
            for k in sorted(o.keys(), key=_cp_key):
                if not _fits(n.field, o[k]):
                    return _key_message(n.field, k)
            continue
        if n.key not in o:
            if n.field["required"]:
                return n.field["message"]
            continue
        v = o[n.key]
        if not _fits(n.field, v):
            return n.field["message"]
        if n.children:
            p = _problem_in(v, n.children)
            if p is not None:
                return p
    return None


def _first_problem(r):
    return _problem_in(r, _ROOT.children) if _is_object(r) else _ROOT.field["message"]


class _NotJson:
    """What a dict with a key that is not a str reads as: no JSON object (so never an object field)."""

    __slots__ = ()


def _names_view(v):
    if not _is_array(v):
        return v
    out = []
    for x in v:
        out.append(x)
        if not _nonempty(x):
            break
    return out


def _plan_of(node):
    if any(c.key == "*" for c in node.children):
        return (None, ())
    keys = tuple(c.key for c in node.children)
    kids = []
    for c in node.children:
        if c.field["type"] == "object":
            kids.append((c.key, _plan_of(c)))
        elif c.field["type"] == "string_array":
            kids.append((c.key, "names"))
    return (keys, tuple(kids))


_VIEW = _plan_of(_ROOT)


def _view(value, plan):
    """The request as plain data, each field read once and only the fields of the table (evaluate.ts
    requestView): what is validated is then exactly what is decided."""
    if not _is_object(value):
        return value
    keys, kids = plan
    out = {}
    if keys is None:
        for k in list(dict.keys(value)):
            if not isinstance(k, str):
                return _NotJson()
            out[k] = dict.__getitem__(value, k)
        return out
    for k in keys:
        v = dict.get(value, k, _MISSING)
        if v is not _MISSING:
            out[k] = v
    for k, child in kids:
        if k in out:
            out[k] = _names_view(out[k]) if child == "names" else _view(out[k], child)
    return out


# ---- reasons, rendered from the contract ---------------------------------------------------------------------------


def _text(kind, v):
    if kind == "echo":
        return _echo(v)
    if kind == "names":
        return ", ".join(v)
    if kind == "per_scope":
        return _contract.PER_SCOPE["tenant"] if v == "tenant" else _contract.PER_SCOPE["use_case"]
    if kind == "int":
        return str(int(v))
    return v


def _render(parts, params):
    return "".join(p if isinstance(p, str) else _text(p["kind"], params[p["param"]]) for p in parts)


def _reason(rid, params, source):
    spec = _contract.REASONS[rid]
    return {"code": spec["code"], "rule": _render(spec["rule"], params), "message": _render(spec["message"], params), "source": source}


def _sort_reasons(reasons):
    """sortReasons: code, rule, message, then source (null first), strings by code point; exact duplicates dropped."""
    reasons.sort(
        key=lambda x: (
            _cp_key(x["code"]),
            _cp_key(x["rule"]),
            _cp_key(x["message"]),
            0 if x["source"] is None else 1,
            _cp_key(x["source"] or ""),
        )
    )
    out = []
    for x in reasons:
        if not out or out[-1] != x:
            out.append(x)
    return out


def _clone(v):
    """A deep copy of JSON data (the decision must not share objects with the policy)."""
    if isinstance(v, dict):
        return {k: _clone(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clone(x) for x in v]
    return v


def _approval_valid(a, date):
    """Valid from `on` through `expires`, both inclusive; a missing bound is open."""
    return (a["on"] is None or a["on"] <= date) and (a["expires"] is None or date <= a["expires"])


def _cost(m, tokens_in, tokens_out):
    """ceil((in * price_in + out * price_out) / 1000), on integers."""
    nanos = tokens_in * m["price"]["input_nanos_per_token"] + tokens_out * m["price"]["output_nanos_per_token"]
    return -((-nanos) // 1000)


# ---- request text (parseRequestJson) -------------------------------------------------------------------------------


class _JsonError(Exception):
    pass


_WS = re.compile(r"[ \t\n\r]*")
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')
_NUMBER = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([-+]?)([0-9]+))?")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
#: A number beyond every bound of the request fields (the largest is 10^15): what a huge integer reads as.
_HUGE = 10**30
_NOT_INTEGER = float("nan")


def _number_value(m):
    """RULE A: an int when the exact decimal value is an integer (capped at _HUGE, which every bound refuses),
    else NaN: every validator reports either as not an integer in range, as the reference does for its doubles."""
    neg, int_digits, frac, exp_sign, exp_digits = m.group(1), m.group(2), m.group(3) or "", m.group(4), m.group(5)
    digits = (int_digits + frac).lstrip("0")
    if digits == "":
        return 0
    stripped = digits.rstrip("0")
    zeros = len(digits) - len(stripped)
    exp_text = (exp_digits or "0").lstrip("0")
    if len(exp_text) >= 16:
        if exp_sign == "-":
            return _NOT_INTEGER
        return -_HUGE if neg else _HUGE
    exponent = (-1 if exp_sign == "-" else 1) * int(exp_text or "0")
    scale = exponent - len(frac) + zeros  # the value is stripped * 10^scale
    if scale < 0:
        return _NOT_INTEGER
    if len(stripped) + scale > 20:
        return -_HUGE if neg else _HUGE
    v = int(stripped) * 10**scale
    return -v if neg else v


def _decode_utf8(b):
    """UTF-8 as Go decodes it: each byte that does not start a valid sequence is one U+FFFD."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out = []
    i, n = 0, len(b)

    def cont(k, lo=0x80, hi=0xBF):
        return i + k < n and lo <= b[i + k] <= hi

    while i < n:
        b0 = b[i]
        if b0 < 0x80:
            out.append(chr(b0))
            i += 1
        elif 0xC2 <= b0 <= 0xDF and cont(1):
            out.append(chr(((b0 & 0x1F) << 6) | (b[i + 1] & 0x3F)))
            i += 2
        elif 0xE0 <= b0 <= 0xEF and cont(1, 0xA0 if b0 == 0xE0 else 0x80, 0x9F if b0 == 0xED else 0xBF) and cont(2):
            out.append(chr(((b0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)))
            i += 3
        elif 0xF0 <= b0 <= 0xF4 and cont(1, 0x90 if b0 == 0xF0 else 0x80, 0x8F if b0 == 0xF4 else 0xBF) and cont(2) and cont(3):
            out.append(chr(((b0 & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F)))
            i += 4
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)


class _Parser:
    """One JSON value (RFC 8259) and nothing after it but whitespace, without recursion, at most MAX_JSON_DEPTH
    levels deep; strings as Go's encoding/json decodes them; numbers by RULE A; duplicate keys: the last wins."""

    def __init__(self, s):
        self.s = s
        self.i = 0

    def ws(self):
        self.i = _WS.match(self.s, self.i).end()

    def string(self):
        s = self.s
        j = self.i + 1
        parts = []
        while True:
            m = _PLAIN.match(s, j)
            if m.end() > j:
                parts.append(s[j : m.end()])
                j = m.end()
            if j >= len(s):
                raise _JsonError("invalid string")
            c = s[j]
            if c == '"':
                self.i = j + 1
                return "".join(parts)
            if c != "\\":
                raise _JsonError("invalid string")  # a control character
            e = s[j + 1 : j + 2]
            if e in _ESCAPES:
                parts.append(_ESCAPES[e])
                j += 2
                continue
            if e != "u" or not _HEX4.match(s, j + 2):
                raise _JsonError("invalid string")
            u = int(s[j + 2 : j + 6], 16)
            j += 6
            if 0xD800 <= u <= 0xDFFF:
                # Go: a high surrogate escape followed by a low one is a pair; any other surrogate is U+FFFD, and
                # the escape after it is read on its own.
                lo = -1
                if s[j : j + 2] == "\\u" and _HEX4.match(s, j + 2):
                    lo = int(s[j + 2 : j + 6], 16)
                if u <= 0xDBFF and 0xDC00 <= lo <= 0xDFFF:
                    parts.append(chr(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)))
                    j += 6
                else:
                    parts.append("\ufffd")
            else:
                parts.append(chr(u))

    def key(self):
        if self.s[self.i : self.i + 1] != '"':
            raise _JsonError("expected a string key")
        k = self.string()
        self.ws()
        if self.s[self.i : self.i + 1] != ":":
            raise _JsonError("expected a string key")
        self.i += 1
        return k

    def parse(self):
        s = self.s
        stack = []  # [container, key] frames; key is None for arrays
        while True:
            self.ws()
            c = s[self.i : self.i + 1]
            if c == "{" or c == "[":
                if len(stack) + 1 > _contract.MAX_JSON_DEPTH:
                    raise _JsonError("nesting too deep")
                self.i += 1
                self.ws()
                if c == "[":
                    if s[self.i : self.i + 1] == "]":
                        self.i += 1
                        value = []
                    else:
                        stack.append([[], None])
                        continue
                elif s[self.i : self.i + 1] == "}":
                    self.i += 1
                    value = {}
                else:
                    stack.append([{}, self.key()])
                    continue
            elif c == '"':
                value = self.string()
            elif c == "-" or "0" <= c <= "9" and c != "":
                m = _NUMBER.match(s, self.i)
                if m is None:
                    raise _JsonError("invalid number")
                self.i = m.end()
                value = _number_value(m)
            elif s.startswith("true", self.i):
                self.i += 4
                value = True
            elif s.startswith("false", self.i):
                self.i += 5
                value = False
            elif s.startswith("null", self.i):
                self.i += 4
                value = None
            else:
                raise _JsonError("expected a value")
            while True:
                if not stack:
                    self.ws()
                    if self.i != len(s):
                        raise _JsonError("unexpected text after the JSON value")
                    return value
                top = stack[-1]
                if top[1] is None:
                    top[0].append(value)
                else:
                    top[0][top[1]] = value
                self.ws()
                d = s[self.i : self.i + 1]
                if d == ",":
                    self.i += 1
                    if top[1] is not None:
                        self.ws()
                        top[1] = self.key()
                    break
                if d == ("]" if top[1] is None else "}"):
                    self.i += 1
                    value = top[0]
                    stack.pop()
                    continue
                raise _JsonError("expected `,` or a closing bracket")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_NUMBER_TEXT = re.compile(_NUMBER.pattern)


def _number_hook(text):
    return _number_value(_NUMBER_TEXT.fullmatch(text))


def _refuse_constant(text):
    raise _JsonError("%s is not JSON" % text)


#: Whether parse_request_json tries Python's json module first (the tests run both ways).
_FAST_JSON = True


def _fast(s):
    """Python's json module, where it reads a text as _Parser does: numbers through RULE A (the hooks get their
    text), NaN and Infinity refused, and only texts without a surrogate escape (which Python would keep as a lone
    surrogate, Go reads as U+FFFD). Anything it refuses or cannot read (nesting past the recursion limit) is read
    again by _Parser, which has the last word."""
    if not _FAST_JSON or _SURROGATE_ESCAPE.search(s):
        return _MISSING
    try:
        return json.loads(s, parse_int=_number_hook, parse_float=_number_hook, parse_constant=_refuse_constant)
    except Exception:
        return _MISSING


def parse_request_json(text):
    """(True, value) for one JSON value, read as parseRequestJson reads it; (False, error) otherwise. Never raises."""
    try:
        if isinstance(text, (bytes, bytearray, memoryview)):
            s = _decode_utf8(bytes(text))
        elif isinstance(text, str):
            s = _well_formed(text)
        else:
            return (False, "not JSON text")
        value = _fast(s)
        if value is not _MISSING:
            return (True, value)
        return (True, _Parser(s).parse())
    except _JsonError as e:
        return (False, "not one JSON value: %s" % e)
    except Exception as e:  # never raised on any text; fail closed if it were
        return (False, "not one JSON value: %s" % type(e).__name__)


# ---- detectors ----------------------------------------------------------------------------------------------------


class RedactionRefused(ValueError):
    """A redaction that cannot be done exactly (the redacted text still matches a detector of the classes): the
    caller must refuse the call rather than send an approximation, as govc/runtime's invoke does."""


def _compile_detector(pattern):
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def _for_re2(text):
    """RE2 reads UTF-8, which holds no lone surrogate: each is read as U+FFFD (one code point for one, so match
    positions are positions in `text`). The checker refuses patterns that could tell the two apart."""
    return text if text.isascii() else _LONE_SURROGATE.sub("\ufffd", text)


def _replace_all(regex, text, marker):
    subject = _for_re2(text)
    out = []
    done = 0
    for m in regex.finditer(subject):
        out.append(text[done : m.start()])
        out.append(marker)
        done = m.end()
    if done == 0 and not out:
        return text
    out.append(text[done:])
    return "".join(out)


# ---- the engine ---------------------------------------------------------------------------------------------------


class Engine:
    """The decision of one program (POLICY, from govc_policy.py). Immutable; safe to share between threads."""

    def __init__(self, policy):
        if not isinstance(policy, dict) or policy.get("format") != POLICY_FORMAT:
            raise ValueError("govc_engine: POLICY is not a format-%d policy; rebuild it with this govc" % POLICY_FORMAT)
        self._p = policy
        self.revision = policy["revision"]
        # Every detector compiled up front: an engine must not start with a detector it cannot run.
        self._detectors = {}
        for name, c in policy["data_classes"].items():
            self._detectors[name] = [(d["name"], _compile_detector(d["regex"])) for d in c["detectors"]]
        self._detect_order = sorted((n for n, ds in self._detectors.items() if ds), key=_utf16_key)

    # -- decisions --

    def decide(self, request):
        """The decision for `request` (Python data: dicts, lists, str, int, float, bool, None). Never raises."""
        try:
            view = _view(request, _VIEW)
        except Exception:
            view = None  # unreadable: no request
        try:
            return self._decide(view)
        except Exception:
            # INVARIANT: unreachable for any data (the test suite decides every corpus and random request); should
            # it happen, fail closed rather than raise into the gateway.
            return self._deny_early(None, None, None, _reason("malformed_request", {"problem": _ROOT.field["message"]}, None))

    def decide_json(self, text):
        """The decision for a request as JSON text (str or UTF-8 bytes), read as every govc target reads it: a text
        that is not one JSON value is decided as no request. Never raises."""
        ok, value = parse_request_json(text)
        return self.decide(value if ok else None)

    def _decision(self, kind, use_case, model, reasons, message, obligations, limits, trace_id, owner, principal):
        provider = None
        if model is not None:
            m = self._p["models"].get(model)
            provider = m["provider"] if m is not None else None
        return {
            "decision": kind,
            "allow": kind != "deny",
            "use_case": use_case,
            "model": model,
            "provider": provider,
            "reasons": reasons,
            "message": message,
            "obligations": obligations,
            "limits": limits,
            "trace_id": trace_id,
            "owner": owner,
            "principal": principal,
            "policy_revision": self.revision,
        }

    def _deny_early(self, use_case, trace_id, principal, reason):
        return self._decision("deny", use_case, None, [reason], None, None, None, trace_id, None, principal)

    def _decide(self, r):
        p = self._p
        problem = _first_problem(r)
        if problem is not None:
            trace_id = r.get("trace_id") if _is_object(r) else None
            principal = r.get("principal") if _is_object(r) else None
            trace_id = trace_id if isinstance(trace_id, str) and len(trace_id) <= _max_of("trace_id") else None
            principal = principal if _nonempty(principal) and len(principal) <= _max_of("principal") else None
            return self._deny_early(None, trace_id, principal, _reason("malformed_request", {"problem": problem}, None))
        trace_id = r.get("trace_id")
        principal = r.get("principal")

        # 1. Use case.
        uc = p["use_cases"].get(r["use_case"])
        if uc is None:
            return self._deny_early(_echo(r["use_case"]), trace_id, principal, _reason("unknown_use_case", {"use_case": r["use_case"]}, None))
        date = r["time"][:10]
        region = r["region"]
        deny = []
        info = []
        classes = sorted(set(r.get("data_classes", ())), key=_cp_key)
        tokens = r.get("tokens", {})
        tokens_in = int(tokens.get("input", 0))
        tokens_out = int(tokens.get("output", 0))

        # 2. Identity.
        req = p["org"]["require"]
        if req["trace_id"] and "trace_id" not in r:
            deny.append(_reason("trace_id_required", {"org": p["org"]["name"]}, req["source"] if req["source"] is not None else p["org"]["source"]))
        if req["principal"] and "principal" not in r:
            deny.append(_reason("principal_required", {"org": p["org"]["name"]}, req["source"] if req["source"] is not None else p["org"]["source"]))

        # 3. The use case's own approvals.
        valid = {a["approver"] for a in uc["approvals"] if _approval_valid(a, date)}
        if len(valid) < uc["required_approvers"]:
            expired = next((a for a in uc["approvals"] if a["expires"] is not None and a["expires"] < date), None)
            pending = next((a for a in uc["approvals"] if not _approval_valid(a, date)), None)
            culprit = expired or pending
            params = {"use_case": uc["name"], "valid": len(valid), "date": date, "required": uc["required_approvers"]}
            deny.append(_reason("approval_expired" if expired else "approval_not_yet_valid", params, culprit["source"] if culprit else uc["source"]))

        # 4. Prompt.
        if "prompt" in r:
            self._prompt_step(uc, r["prompt"], date, deny)

        # 5. Retrieval.
        if "corpora" in r:
            classes = self._retrieval(uc, r["corpora"], region, classes, deny)

        # 6. Model.
        candidates = list(uc["models"])
        if "model" in r:
            if r["model"] not in uc["models"]:
                deny.append(_reason("model_not_allowed", {"use_case": uc["name"], "model": r["model"]}, uc["source"]))
                candidates = []
            else:
                candidates = [r["model"]]
        chosen = None
        first_problems = []
        for i, name in enumerate(candidates):
            problems = self._model_problems(uc, name, region, classes, date)
            if i == 0:
                first_problems = problems
            if not problems:
                chosen = name
                break
        if chosen is None:
            deny.extend(first_problems)
        if chosen is not None and chosen != candidates[0]:
            info.append(_reason("fallback_model", {"use_case": uc["name"], "model": candidates[0], "fallback": chosen}, uc["source"]))

        # 7. Data classes.
        redact = []
        for c in classes:
            dc = p["data_classes"].get(c)
            if dc is None:
                deny.append(_reason("unknown_data_class", {"data_class": c}, None))
                continue
            flow = uc["data"].get(c)
            redacted = False
            if flow is not None:
                if flow["action"] == "deny":
                    deny.append(_reason("data_class_denied", {"use_case": uc["name"], "data_class": c}, flow["source"]))
                else:
                    if flow["regions"] and region not in flow["regions"]:
                        deny.append(_reason("data_region_not_permitted", {"use_case": uc["name"], "data_class": c, "region": region}, flow["source"]))
                    redacted = flow["redacted"]
            elif dc["default"] == "deny":
                deny.append(_reason("data_class_not_permitted", {"data_class": c, "use_case": uc["name"]}, dc["source"]))
            else:
                redacted = dc["default"] == "redact"
            if dc["residency"] and region not in dc["residency"]:
                deny.append(_reason("residency_violation", {"data_class": c, "residency": dc["residency"], "region": region}, dc["source"]))
            if redacted:
                redact.append({"data_class": c, "detectors": [d["name"] for d in dc["detectors"]]})

        # 8. Tool call.
        human_approval = False
        if "tool" in r:
            tool_req = r["tool"]
            tname = tool_req["name"]
            grant = uc["tools"].get(tname)
            if grant is None:
                deny.append(_reason("tool_not_allowed", {"use_case": uc["name"], "tool": tname}, uc["source"]))
            else:
                human_approval = grant["human_approval"]
                tool = p["tools"].get(tname)
                if tool is not None and tool["approvals"] and not any(_approval_valid(a, date) for a in tool["approvals"]):
                    deny.append(_reason("tool_approval_expired", {"tool": tname, "date": date}, tool["approvals"][0]["source"]))
                scope = tool_req["scope"]
                if not any(scope.startswith(g[:-1]) if g.endswith("*") else g == scope for g in grant["scopes"]):
                    deny.append(_reason("tool_scope_not_allowed", {"use_case": uc["name"], "tool": tname, "scope": scope}, grant["source"]))
                elif grant["human_approval"] and "human_approved_by" not in tool_req:
                    deny.append(_reason("human_approval_required", {"use_case": uc["name"], "tool": tname}, grant["source"]))

        # 9. Rate limits.
        rate = r.get("rate", {})
        for limit in uc["rate_limits"]:
            used = rate.get(limit["scope"], {}).get(limit["kind"], _MISSING)
            if used is _MISSING:
                deny.append(_reason("counter_missing_rate", {"use_case": uc["name"], "scope": limit["scope"], "kind": limit["kind"]}, limit["source"]))
                continue
            increment = 1 if limit["kind"] == "requests" else tokens_in + tokens_out
            if int(used) + increment > limit["per_minute"]:
                params = {"use_case": uc["name"], "scope": limit["scope"], "kind": limit["kind"], "per_minute": limit["per_minute"]}
                deny.append(_reason("rate_limited", params, limit["source"]))

        # 10. Budgets, priced on the chosen model.
        kind = "allow"
        model = chosen
        spend = r.get("spend", {})

        def spend_of(scope, period):
            v = spend.get(scope, {}).get(period, _MISSING)
            return None if v is _MISSING else int(v)

        if chosen is not None:
            missing = False
            for b in uc["budgets"]:
                if spend_of(b["scope"], b["period"]) is None:
                    missing = True
                    deny.append(_reason("counter_missing_budget", {"use_case": uc["name"], "scope": b["scope"], "period": b["period"]}, b["source"]))
            if not missing:
                chosen_cost = _cost(p["models"][chosen], tokens_in, tokens_out)
                exceeded = [b for b in uc["budgets"] if spend_of(b["scope"], b["period"]) + chosen_cost > b["amount_micros"]]
                if exceeded:
                    policy = uc["on_budget_exhausted"]
                    target = policy["degrade_to"] if policy is not None else None
                    can_degrade = (
                        target is not None
                        and target != chosen
                        and target in p["models"]
                        and not self._model_problems(uc, target, region, classes, date)
                        and all(
                            spend_of(b["scope"], b["period"]) + _cost(p["models"][target], tokens_in, tokens_out) <= b["hard_limit_micros"]
                            for b in uc["budgets"]
                        )
                    )
                    if can_degrade:
                        kind = "degrade"
                        model = target
                        info.append(_reason("budget_degraded", {"use_case": uc["name"], "model": chosen, "degrade_to": target}, policy["source"]))
                    else:
                        first = exceeded[0]
                        deny.append(_reason("budget_exhausted", {"use_case": uc["name"], "scope": first["scope"], "period": first["period"]}, first["source"]))

        # 10. Alerts (language v2).
        alerts = []
        if not deny and model is not None and uc["budget_alerts"] is not None:
            cost = _cost(p["models"][model], tokens_in, tokens_out)
            percents = uc["budget_alerts"]["thresholds_percent"]
            for b in uc["budgets"]:
                spent = spend_of(b["scope"], b["period"])
                for i, t in enumerate(b["alert_thresholds_micros"]):
                    if spent < t <= spent + cost:
                        alerts.append({"scope": b["scope"], "period": b["period"], "threshold_percent": percents[i], "threshold_micros": t, "notify": uc["budget_alerts"]["notify"]})

        # 11. Result: what the request cannot change is copied from the use case's precomputed parts.
        parts = uc["decision"]
        obligations = _clone(parts["obligations"])
        obligations["redact"] = redact
        obligations["human_approval"] = human_approval
        obligations["alerts"] = alerts
        limits = _clone(parts["limits"])
        if deny:
            reasons = _sort_reasons(deny)
            codes = {x["code"] for x in reasons}
            message = parts["budget_message"] if "budget_exhausted" in codes else parts["rate_message"] if "rate_limited" in codes else None
            return self._decision("deny", uc["name"], None, reasons, message, obligations, limits, trace_id, parts["owner"], principal)
        info.append(_clone(parts["allowed"]))
        return self._decision(kind, uc["name"], model, _sort_reasons(info), None, obligations, limits, trace_id, parts["owner"], principal)

    def _prompt_step(self, uc, prompt, date, deny):
        pr = self._p["prompts"].get(prompt["name"]) if prompt["name"] in uc["prompts"] else None
        if pr is None:
            deny.append(_reason("prompt_not_allowed", {"use_case": uc["name"], "prompt": prompt["name"]}, uc["source"]))
            return
        if ("version" in prompt and prompt["version"] != pr["version"]) or ("sha256" in prompt and prompt["sha256"] != pr["sha256"]):
            params = {"use_case": uc["name"], "prompt": pr["name"], "version": pr["version"], "hash": pr["sha256"]}
            deny.append(_reason("prompt_version_not_pinned", params, pr["source"]))
        if not any(_approval_valid(a, date) for a in pr["approvals"]):
            source = pr["approvals"][0]["source"] if pr["approvals"] else pr["source"]
            deny.append(_reason("prompt_approval_expired", {"prompt": pr["name"], "date": date}, source))

    def _retrieval(self, uc, corpora, region, classes, deny):
        effective = set(classes)
        for k in sorted(set(corpora), key=_cp_key):
            corpus = self._p["corpora"].get(k)
            if corpus is None:
                deny.append(_reason("unknown_corpus", {"corpus": k}, None))
                continue
            if k not in uc["corpora"]:
                deny.append(_reason("corpus_not_allowed", {"use_case": uc["name"], "corpus": k}, uc["source"]))
                continue
            if corpus["residency"] and region not in corpus["residency"]:
                deny.append(_reason("corpus_region_not_permitted", {"corpus": k, "region": region}, corpus["source"]))
            effective.update(corpus["data_classes"])
        return sorted(effective, key=_cp_key)

    def _model_problems(self, uc, name, region, classes, date):
        m = self._p["models"].get(name)
        out = []
        if m is None:
            return out
        if m["status"] == "revoked":
            out.append(_reason("model_revoked", {"model": name}, m["source"]))
        elif m["approvals"] and not any(_approval_valid(a, date) for a in m["approvals"]):
            out.append(_reason("model_approval_expired", {"model": name, "date": date}, m["approvals"][0]["source"]))
        if region not in m["regions"]:
            out.append(_reason("model_region_not_served", {"model": name, "region": region}, m["source"]))
        for c in classes:
            flow = uc["data"].get(c)
            if flow is not None and flow["action"] == "allow" and m["provider"] not in flow["providers"] and name not in flow["models"]:
                params = {"use_case": uc["name"], "data_class": c, "provider": m["provider"], "model": name}
                out.append(_reason("data_flow_not_permitted", params, flow["source"]))
        return out

    # -- detection, redaction, cost --

    def detect(self, text):
        """The data classes whose detectors match somewhere in `text`, sorted as govc/runtime's detect sorts them."""
        if not isinstance(text, str) or text == "":
            return []
        subject = _for_re2(text)
        return [name for name in self._detect_order if any(rx.search(subject) for _, rx in self._detectors[name])]

    def redact(self, text, redact):
        """`text` with every match of the detectors of `redact`'s classes (obligations.redact, in its order)
        replaced by `[REDACTED:<class>]`, as govc/runtime's redact does. Raises RedactionRefused when the result
        would still match one of those detectors (never an approximation)."""
        classes = []
        for w in redact or ():
            name = w.get("data_class") if isinstance(w, dict) else None
            if isinstance(name, str) and self._detectors.get(name):
                classes.append(name)
        if not classes:
            return text
        out = text
        for name in classes:
            for _, rx in self._detectors[name]:
                out = _replace_all(rx, out, "[REDACTED:%s]" % name)
        if out == text:
            return text
        subject = _for_re2(out)
        for name in classes:
            for dname, rx in self._detectors[name]:
                if rx.search(subject):
                    raise RedactionRefused("still matches detector `%s` of `%s` after redaction, so it cannot be redacted" % (dname, name))
        return out

    def cost_micros(self, model, input_tokens, output_tokens):
        """The cost of a call in micro-units, rounded up, as docs/semantics.md prices it. ValueError for a model the
        program does not declare or token counts that are not non-negative integers."""
        m = self._p["models"].get(model) if isinstance(model, str) else None
        if m is None:
            raise ValueError("unknown model %r" % (model,))
        for t in (input_tokens, output_tokens):
            if not _is_integer(t) or t < 0:
                raise ValueError("token counts must be non-negative integers")
        return _cost(m, int(input_tokens), int(output_tokens))

    # -- read-only facts --

    def model(self, name):
        """A declared model's facts (a copy), or None: provider, deployment, price, regions, status, capacity..."""
        m = self._p["models"].get(name) if isinstance(name, str) else None
        return _clone(m) if m is not None else None

    def use_case(self, name):
        """A declared use case's facts (a copy), or None: models, budgets, rate limits, on_budget_exhausted..."""
        u = self._p["use_cases"].get(name) if isinstance(name, str) else None
        return _clone(u) if u is not None else None

    def provider(self, name):
        """A declared provider's facts (a copy), or None: api, regions, hosting."""
        v = self._p["providers"].get(name) if isinstance(name, str) else None
        return _clone(v) if v is not None else None

    def data_class(self, name):
        """A declared data class's facts (a copy), or None: default, detectors, residency."""
        v = self._p["data_classes"].get(name) if isinstance(name, str) else None
        return _clone(v) if v is not None else None

    def org(self):
        """The org's facts (a copy): name, require, currency, log, retention_days."""
        return _clone(self._p["org"])

    def model_names(self):
        return list(self._p["models"])

    def use_case_names(self):
        return list(self._p["use_cases"])


def _max_of(name):
    return next(f["max"] for f in _contract.REQUEST_FIELDS if f["path"] == [name])
