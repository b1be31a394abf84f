#!/usr/bin/env node
// Benchmark of the LiteLLM target's decision engine (govc_engine.py), next to its peers in the same run.
//
// For each size N (default 10 and 1,000 use cases; programs from bench/generate.mjs) it compiles the program, builds
// the `litellm/` files exactly as `govc build` does (litellmFiles; timed), and starts one Python process (the
// project's venv) that imports govc_engine and the generated govc_policy (timed: what a proxy pays at start-up). It
// checks that the Python engine agrees with the reference evaluator on the request mix of bench/requests.mjs, then
// measures the mean time per decision, the median of --rounds rounds:
//   python decide       Engine.decide(request dict): what the guardrail calls before every model call
//   python decide_json  Engine.decide_json(text): the same from the request's JSON text
//   reference           govc's reference evaluator (TypeScript, this process) on the same requests
// and, on a 1.6 KB text with an e-mail address, a phone number and a card number, `detect` and `redact` of the
// example detectors. Prints a markdown table and writes out/bench/litellm.json.
//
// Options: --sizes 10,1000   --rounds 3   --seconds 1 (per round and measure)
// Requires a build (`npm run build`) and the test venv (`bash scripts/setup-test-env.sh`).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AS_OF, writeProgram } from './generate.mjs';
import { buildRequests } from './requests.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'out', 'bench');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const sizes = option('sizes', '10,1000').split(',').map(Number);
const ROUNDS = Number(option('rounds', '3'));
const SECONDS = Number(option('seconds', '1'));

if (!existsSync(join(ROOT, 'dist', 'backends', 'litellm', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
if (!existsSync(PYTHON)) {
  console.error('.venv is missing: run `bash scripts/setup-test-env.sh` first');
  process.exit(2);
}
const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const { compileFiles } = await dist('project/compile.js');
const { govFilesIn } = await dist('project/loadProgram.js');
const { evaluate } = await dist('eval/evaluate.js');
const { litellmFiles } = await dist('backends/litellm/index.js');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The Python side: one process per size, reading the requests from a file, answering one JSON object.
const DRIVER = String.raw`
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import govc_engine, govc_policy
engine = govc_engine.Engine(govc_policy.POLICY)
load_ms = (time.perf_counter() - t0) * 1000
requests = json.load(open(sys.argv[2]))
texts = [json.dumps(r) for r in requests]
rounds, seconds = int(sys.argv[3]), float(sys.argv[4])

def mean_us(f, xs):
    out = []
    for _ in range(rounds):
        n, t = 0, time.perf_counter()
        while time.perf_counter() - t < seconds:
            for x in xs: f(x)
            n += len(xs)
        out.append((time.perf_counter() - t) / n * 1e6)
    return sorted(out)[len(out) // 2]

text = 'Contact alice@example.com or +1 555-123-4567 about card 4111 1111 1111 1111. ' * 20
classes = engine.detect(text)
redact = [{'data_class': c, 'detectors': []} for c in classes]
print(json.dumps({
    'load_ms': load_ms,
    'decisions': [engine.decide(r) for r in requests],
    'decide_us': mean_us(engine.decide, requests),
    'decide_json_us': mean_us(engine.decide_json, texts),
    'detect_us': mean_us(engine.detect, [text]),
    'redact_us': mean_us(lambda t: engine.redact(t, redact), [text]) if redact else None,
    'classes': classes,
}))
`;

function referenceUs(ir, requests) {
  const out = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t = performance.now();
    while (performance.now() - t < SECONDS * 1000) {
      for (const q of requests) evaluate(ir, q);
      n += requests.length;
    }
    out.push(((performance.now() - t) * 1000) / n);
  }
  return median(out);
}

function runSize(n) {
  const dir = mkdtempSync(join(tmpdir(), `govc-bench-litellm-${n}-`));
  try {
    writeProgram(n, dir);
    const compiled = compileFiles(govFilesIn(dir), { asOf: AS_OF, cwd: dir });
    if (!compiled.ir) throw new Error(`program ${n} does not compile`);
    const ir = compiled.ir;
    const t0 = performance.now();
    const files = litellmFiles(ir);
    const buildMs = performance.now() - t0;
    const out = join(dir, 'litellm');
    mkdirSync(out);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name.replace(/^litellm\//, '')), text);
    const requests = buildRequests(ir, 2000);
    writeFileSync(join(dir, 'requests.json'), JSON.stringify(requests));
    const py = spawnSync(PYTHON, ['-c', DRIVER, out, join(dir, 'requests.json'), String(ROUNDS), String(SECONDS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      timeout: 600_000,
      env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (py.status !== 0) throw new Error(`python failed at N=${n}: ${py.stderr || py.error}`);
    const r = JSON.parse(py.stdout);
    const mismatches = requests.filter((q, i) => JSON.stringify(r.decisions[i]) !== JSON.stringify(evaluate(ir, q))).length;
    if (mismatches > 0) throw new Error(`${mismatches} Python decisions differ from the reference at N=${n}`);
    const kinds = Object.fromEntries(['allow', 'degrade', 'deny'].map((k) => [k, r.decisions.filter((d) => d.decision === k).length / requests.length]));
    const reference = referenceUs(ir, requests);
    return {
      use_cases: n,
      build_ms: buildMs,
      policy_module_bytes: Buffer.byteLength(files['litellm/govc_policy.py'] ?? files['govc_policy.py'] ?? ''),
      python_load_ms: r.load_ms,
      mix: kinds,
      python_decide_us: r.decide_us,
      python_decide_json_us: r.decide_json_us,
      reference_us: reference,
      python_over_reference: r.decide_us / reference,
      detect_us: r.detect_us,
      redact_us: r.redact_us,
      classes_found: r.classes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = sizes.map(runSize);
const f = (x, d = 1) => (x === null || x === undefined ? '—' : x.toFixed(d));
console.log('| use cases | build litellm/ (ms) | govc_policy.py | Python load (ms) | Python decide (µs) | decide_json (µs) | reference, TS (µs) | Python / reference | detect 1.6 KB (µs) | redact 1.6 KB (µs) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.use_cases} | ${f(r.build_ms)} | ${(r.policy_module_bytes / 1024).toFixed(0)} KiB | ${f(r.python_load_ms)} | ${f(r.python_decide_us)} | ${f(r.python_decide_json_us)} | ${f(r.reference_us, 2)} | ${f(r.python_over_reference)}× | ${f(r.detect_us)} | ${f(r.redact_us)} |`);
}
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'litellm.json'), JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, results }, null, 2) + '\n');
