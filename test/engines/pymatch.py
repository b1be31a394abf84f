"""Prints, for each JSON line {"pattern","text"} on stdin, the substrings Python's re (with re.ASCII, as govc's
Python targets compile detectors) matches, as a JSON array."""
import json
import re
import sys

cache = {}
for line in sys.stdin:
    job = json.loads(line)
    pattern = cache.get(job["pattern"])
    if pattern is None:
        pattern = cache[job["pattern"]] = re.compile(job["pattern"], re.ASCII)
    print(json.dumps([m.group(0) for m in pattern.finditer(job["text"])], ensure_ascii=False))
