"""Runs govc's Python decision engine for the tests (test/helpers/pythonEngine.ts): argv[1] is the folder of
govc_engine.py and govc_contract.py, argv[2] the folder of a program's govc_policy.py. Reads one JSON job a line on
stdin and answers each with one JSON line on stdout, in order, ASCII only (lone surrogates as escapes):

  {"op": "decide", "request": ...}             -> {"ok": decision}   (no "request" key: decide(None))
  {"op": "decide_json", "text": "..."}         -> {"ok": decision}   ("bytes": base64 instead: decide_json(bytes);
                                                                    "slow": true: the engine's own parser only)
  {"op": "detect", "text": "..."}              -> {"ok": [class, ...]}
  {"op": "redact", "text": "...", "redact": [...]} -> {"ok": text} or {"refused": message}
  {"op": "cost", "model": m, "input": n, "output": n} -> {"ok": micros}
  {"op": "facts", "kind": "model" | "use_case" | "provider", "name": n} -> {"ok": facts or null}

An exception is answered {"error": "<type>: <message>"}: the tests fail on it (decide must never raise)."""
import base64
import json
import sys

sys.path.insert(0, sys.argv[2])
sys.path.insert(0, sys.argv[1])

import govc_engine  # noqa: E402
import govc_policy  # noqa: E402


def main():
    engine = govc_engine.Engine(govc_policy.POLICY)
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        op = job["op"]
        try:
            if op == "decide":
                answer = {"ok": engine.decide(job.get("request"))}
            elif op == "decide_json":
                text = base64.b64decode(job["bytes"]) if "bytes" in job else job["text"]
                # "slow": read by the engine's own parser only, without Python's json module first.
                govc_engine._FAST_JSON = not job.get("slow", False)
                answer = {"ok": engine.decide_json(text)}
                govc_engine._FAST_JSON = True
            elif op == "detect":
                answer = {"ok": engine.detect(job["text"])}
            elif op == "redact":
                try:
                    answer = {"ok": engine.redact(job["text"], job["redact"])}
                except govc_engine.RedactionRefused as e:
                    answer = {"refused": str(e)}
            elif op == "cost":
                answer = {"ok": engine.cost_micros(job["model"], job["input"], job["output"])}
            elif op == "facts":
                answer = {"ok": getattr(engine, job["kind"])(job["name"])}
            elif op == "revision":
                answer = {"ok": engine.revision}
            else:
                answer = {"error": "unknown op %r" % op}
        except Exception as e:  # reported, so a test names it
            answer = {"error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(answer, ensure_ascii=True))
        out.write("\n")
        out.flush()


main()
