"""Prints, for each JSON line {"pattern","text"} on stdin, the substrings a Python engine matches, as a JSON array,
or {"error": message} when the engine refuses the pattern.

The engine is google-re2 (`re2`), the linear-time engine govc's Python runtimes run detectors on; with
`--engine re` it is Python's backtracking `re` with re.ASCII, for information (same matches, no time bound).

Python strings may hold lone surrogates (JSON `"\\ud800"` decodes to one) but RE2 reads UTF-8, which cannot: like
Go's JSON decoder, govc's Python runtimes read each lone surrogate as U+FFFD. The checker refuses patterns that could
tell the two apart, so every engine agrees on where matches are."""
import json
import re
import sys

import re2

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def compile_re2(pattern):
    options = re2.Options()
    options.log_errors = False  # the error is reported on stdout; RE2's own log would only add noise
    return re2.compile(pattern, options)


def compile_re(pattern):
    return re.compile(pattern, re.ASCII)


def main():
    engine = sys.argv[sys.argv.index("--engine") + 1] if "--engine" in sys.argv else "re2"
    compile_pattern = {"re2": compile_re2, "re": compile_re}[engine]
    cache = {}
    for line in sys.stdin:
        job = json.loads(line)
        compiled = cache.get(job["pattern"])
        if compiled is None:
            try:
                compiled = compile_pattern(job["pattern"])
            except Exception as e:  # re2.error, re.error: the pattern is refused
                compiled = str(e)
            cache[job["pattern"]] = compiled
        if isinstance(compiled, str):
            print(json.dumps({"error": compiled}))
            continue
        text = LONE_SURROGATE.sub("\ufffd", job["text"])
        print(json.dumps([m.group(0) for m in compiled.finditer(text)], ensure_ascii=False))


main()
