#!/usr/bin/env node
// Decision latency through Wasm (issue 4), on generated programs of 10, 1,000 and 10,000 use cases
// (bench/generate.mjs), in one Node process, every contender given the same requests in the same order:
//
//   govc      govc's own module (dist/backends/wasm/policy.wasm) through the JS SDK: loadPolicy,
//             setData({govc: {ir}}), evaluate(input, 'govc/wasm/decision') (and 'govc/wasm/allow')
//   OPA       the module `opa build -t wasm -e govc/decision -e govc/allow policy.rego data.json` makes from govc's
//             own Rego (src/backends/opa/govc.rego), /policy.wasm from the tarball, same SDK, same data,
//             evaluate(input, 'govc/decision') (and 'govc/allow')
//   floor     a module that answers a constant: `package floor\nallow := true`, `opa build -t wasm -e floor/allow`,
//             evaluate(input, 'floor/allow'): the SDK's own cost (JSON in, opa_eval, JSON out)
//   Cedar     @cedar-policy/cedar-wasm on a Cedar rendering of the main checks (bench/cedar/translate.mjs): one
//             permit per use case (preparsed, statefulIsAuthorized; up to --cedar-per-use-case-max use cases,
//             default 1,000, because Cedar scans every policy per call and preparsing 10,000 takes about a minute),
//             and one generic permit over entity
//             attributes (isAuthorized with the policy text and the use case's entities each call, as documented;
//             and preparsed)
//   raw ABI   the same three OPA-ABI modules called below the SDK: input bytes pre-encoded, copied in, opa_eval,
//             result left in linear memory; i.e. the module's own work (parse input, decide, write JSON)
//   reference govc's reference evaluator in JavaScript, for scale
//
// Per call: process.hrtime.bigint around the call, WARMUP untimed calls, then CALLS timed ones split over ROUNDS
// rounds in which contenders take turns (so a burst of load on the machine hits all of them alike). Module sizes,
// load and setData times, and build times (govc's buildBundle incl. the Wasm module vs `opa build -t wasm`) are
// measured too. A sample of decisions of govc's and OPA's module is compared with the reference evaluator, and
// Cedar's allow/deny with the reference's decision projected on the checks the Cedar rendering expresses.
//
// Usage: node bench/wasm.mjs [--sizes 10,1000,10000] [--calls 20000] [--warmup 3000] [--cedar-per-use-case-max 1000]
//        node bench/wasm.mjs --report-only     (rewrite the markdown from out/bench/wasm.json and opa.json)
// Needs `npm run build` and OPA at .tools/bin/opa. Prints markdown, writes out/bench/wasm.json, and, merged with
// out/bench/opa.json when present (bench/opa.mjs), out/bench/targets.md and out/bench/targets.json.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { COVERED, ENTITY_POLICIES, SCHEMA, cedarRequest, expectedCedarAllow, modelEntities, perUseCasePolicies, useCaseEntity } from './cedar/translate.mjs';
import { OPA, OUT, ROOT, fmt, generatedProgram, log, machine, opaMarkdown, option, referenceOf, summarize, table } from './opa.mjs';
import { buildRequests } from './requests.mjs';

const require = createRequire(import.meta.url);
const { loadPolicy } = require('@open-policy-agent/opa-wasm');
const cedar = require('@cedar-policy/cedar-wasm/nodejs');
const dist = (p) => pathToFileURL(join(ROOT, 'dist', p)).href;

const sizes = option('sizes', '10,1000,10000').split(',').filter(Boolean).map(Number);
const CALLS = Number(option('calls', '20000'));
const WARMUP = Number(option('warmup', '3000'));
const ROUNDS = 4;
const DISTINCT = 2000;
const SAMPLE = 500;
const CONTENDER_BUDGET_MS = 8_000;
const PER_UC_MAX = Number(option('cedar-per-use-case-max', '1000')); // per contender and size: slow contenders get fewer calls, never an unbounded run

/** Files of a .tar.gz by name (ustar; names as stored, e.g. `/policy.wasm`). */
function untar(buf) {
  const tar = gunzipSync(buf);
  const files = {};
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a, b) => h.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
    const name = (str(345, 500) ? str(345, 500) + '/' : '') + str(0, 100);
    const size = parseInt(str(124, 136).trim() || '0', 8);
    files[name] = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function opaBuild(dir, args) {
  const t0 = performance.now();
  const r = spawnSync(OPA, ['build', '-t', 'wasm', ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`opa build ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Raw ABI 1.2+ call, below the SDK: pre-encoded input, opa_eval, result address (not decoded). */
function rawCaller(policy, entrypoint) {
  const ep = policy.entrypoints[entrypoint];
  const ex = policy.wasmInstance.exports;
  return (bytes) => {
    const addr = policy.dataHeapPtr;
    if (addr + bytes.length > policy.mem.buffer.byteLength) policy.mem.grow(Math.ceil((addr + bytes.length - policy.mem.buffer.byteLength) / 65536));
    new Uint8Array(policy.mem.buffer).set(bytes, addr);
    return ex.opa_eval(0, ep, policy.dataAddr, addr, bytes.length, addr + bytes.length, 0);
  };
}

function cString(policy, addr) {
  const buf = new Uint8Array(policy.mem.buffer);
  let end = addr;
  while (buf[end] !== 0) end++;
  return Buffer.from(buf.subarray(addr, end)).toString('utf8');
}

/** Times contenders in turns: WARMUP untimed calls each, then ROUNDS rounds of CALLS / ROUNDS timed calls each. */
function race(contenders, n) {
  const ns = new Map(contenders.map((c) => [c.key, []]));
  const spent = new Map(contenders.map((c) => [c.key, 0]));
  for (const c of contenders) {
    const t0 = performance.now();
    const w = c.warmup ?? WARMUP;
    for (let i = 0; i < w; i++) c.run(i % n);
    c.warmupMs = performance.now() - t0;
  }
  const per = Math.ceil(CALLS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const out = ns.get(c.key);
      const budget = CONTENDER_BUDGET_MS / ROUNDS;
      const t0 = performance.now();
      for (let k = 0; k < per; k++) {
        const i = (round * per + k) % n;
        const s = process.hrtime.bigint();
        c.run(i);
        out.push(Number(process.hrtime.bigint() - s));
        if ((k & 63) === 63 && performance.now() - t0 > budget) break;
      }
      spent.set(c.key, spent.get(c.key) + performance.now() - t0);
    }
  }
  return Object.fromEntries(contenders.map((c) => [c.key, { ...summarize(ns.get(c.key)), timedMs: spent.get(c.key) }]));
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'backends', 'wasm', 'policy.wasm'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(OPA)) throw new Error(`OPA is missing at ${OPA}`);
  const started = performance.now();
  const { buildBundle, policyRego } = await import(dist('backends/opa/bundle.js'));
  const { policyWasm } = await import(dist('backends/wasm/index.js'));
  const { evaluate } = await import(dist('eval/evaluate.js'));
  const env = machine();
  const base = mkdtempSync(join(tmpdir(), 'govc-bench-wasm-'));
  const results = [];
  try {
    // The floor module, and OPA's module built without data (program-independent; its compile time alone).
    const floorDir = join(base, 'floor');
    mkdirSync(floorDir);
    writeFileSync(join(floorDir, 'floor.rego'), 'package floor\nallow := true\n');
    const floorBuildMs = opaBuild(floorDir, ['-e', 'floor/allow', 'floor.rego', '-o', 'floor.tar.gz']);
    const floorWasm = untar(readFileSync(join(floorDir, 'floor.tar.gz')))['/policy.wasm'];
    const noDataDir = join(base, 'opa-nodata');
    mkdirSync(noDataDir);
    writeFileSync(join(noDataDir, 'policy.rego'), policyRego());
    const opaModuleOnlyMs = [0, 1, 2].map(() => opaBuild(noDataDir, ['-e', 'govc/decision', '-e', 'govc/allow', 'policy.rego', '-o', 'b.tar.gz']));
    const opaModuleOnly = untar(readFileSync(join(noDataDir, 'b.tar.gz')))['/policy.wasm'];
    const govcWasm = policyWasm();
    const cedarWasmBytes = statSync(require.resolve('@cedar-policy/cedar-wasm/nodejs').replace(/cedar_wasm\.js$/, 'cedar_wasm_bg.wasm')).size;
    log(`floor module ${floorWasm.length} B; OPA module (no data) ${opaModuleOnly.length} B in ${median(opaModuleOnlyMs).toFixed(0)} ms; govc module ${govcWasm.length} B`);

    for (const n of sizes) {
      const p = await generatedProgram(n, base);
      const ir = p.ir;
      const dataText = JSON.stringify({ govc: { ir } });
      log(`N=${n}: compiled in ${p.compileMs.toFixed(0)} ms; data.json ${fmt.kib(dataText.length)}`);

      // Build times. govc: buildBundle (data.json, Rego, the Wasm module, manifest, tar.gz), in process.
      const buildReps = n >= 10000 ? 3 : 5;
      const govcBuild = [];
      for (let k = 0; k < buildReps; k++) {
        const t0 = performance.now();
        buildBundle(ir);
        govcBuild.push(performance.now() - t0);
      }
      // OPA: `opa build -t wasm` over govc's Rego and the same data.json (a fresh process each time, as a CI step).
      const opaDir = join(p.dir, 'opa-wasm');
      mkdirSync(opaDir);
      writeFileSync(join(opaDir, 'policy.rego'), policyRego());
      writeFileSync(join(opaDir, 'data.json'), dataText);
      const opaBuildReps = n >= 10000 ? 2 : 3;
      const opaBuildMs = [];
      for (let k = 0; k < opaBuildReps; k++) opaBuildMs.push(opaBuild(opaDir, ['-e', 'govc/decision', '-e', 'govc/allow', 'policy.rego', 'data.json', '-o', 'bundle.tar.gz']));
      const opaTar = readFileSync(join(opaDir, 'bundle.tar.gz'));
      const opaWasm = untar(opaTar)['/policy.wasm'];
      log(`  build: govc buildBundle ${median(govcBuild).toFixed(1)} ms (bundle ${fmt.kib(p.bundleBytes)}); opa build -t wasm ${median(opaBuildMs).toFixed(0)} ms (bundle ${fmt.kib(opaTar.length)}, module ${opaWasm.length} B${opaWasm.equals(opaModuleOnly) ? ', same bytes as without data' : ', differs from the no-data build'})`);

      // Load.
      const load = async (bytes, data) => {
        const t0 = performance.now();
        const policy = await loadPolicy(bytes);
        const loadMs = performance.now() - t0;
        const t1 = performance.now();
        if (data !== undefined) policy.setData(data);
        const setDataMs = performance.now() - t1;
        return { policy, loadMs, setDataMs };
      };
      const data = { govc: { ir } };
      const govc = await load(govcWasm, data);
      const opa = await load(opaWasm, data);
      const floor = await load(floorWasm, {}); // the constant needs no data; 23 MB of it would only cost setData time
      log(`  setData: govc ${govc.setDataMs.toFixed(1)} ms, OPA ${opa.setDataMs.toFixed(1)} ms`);

      // Requests and the reference.
      const requests = buildRequests(ir, DISTINCT);
      const ref = await referenceOf(ir, requests);
      const encoded = requests.map((r) => Buffer.from(JSON.stringify(r)));
      // The same mix over only the first 10 use cases: separates memory locality from per-program work.
      const localRequests = buildRequests({ ...ir, use_cases: Object.fromEntries(Object.entries(ir.use_cases).slice(0, 10)) }, DISTINCT);

      // Cedar: both renderings. One permit per use case is measured up to PER_UC_MAX use cases only: Cedar
      // evaluates every policy of the set on each call (no index by principal), and preparsing 10,000 permits
      // took about a minute in a trial run, more than this benchmark's time budget allows.
      const perUc = n <= PER_UC_MAX;
      const t0 = performance.now();
      const perUcText = perUc ? perUseCasePolicies(ir) : '';
      const perUcTranslateMs = perUc ? performance.now() - t0 : null;
      const t1 = performance.now();
      const pre1 = perUc ? cedar.preparsePolicySet(`per-uc-${n}`, { staticPolicies: perUcText }) : { type: 'success' };
      const perUcPreparseMs = perUc ? performance.now() - t1 : null;
      if (pre1.type !== 'success') throw new Error(`cedar preparse: ${JSON.stringify(pre1.errors).slice(0, 500)}`);
      const pre2 = cedar.preparsePolicySet(`entities-${n}`, { staticPolicies: ENTITY_POLICIES });
      if (pre2.type !== 'success') throw new Error(`cedar preparse: ${JSON.stringify(pre2.errors).slice(0, 500)}`);
      // Strict validation against the schema (slow for 10,000 permits, so only up to 1,000 use cases).
      const validation2 = cedar.validate({ schema: SCHEMA, policies: { staticPolicies: ENTITY_POLICIES }, validationSettings: { mode: 'strict' } });
      let cedarValidationErrors = validation2.validationErrors?.length ?? -1;
      let perUcValidateMs = null;
      if (perUc) {
        const t2 = performance.now();
        const validation = cedar.validate({ schema: SCHEMA, policies: { staticPolicies: perUcText }, validationSettings: { mode: 'strict' } });
        perUcValidateMs = performance.now() - t2;
        cedarValidationErrors += validation.validationErrors?.length ?? -1;
      }
      const t3 = performance.now();
      const models = modelEntities(ir);
      const ucEntities = Object.fromEntries(Object.values(ir.use_cases).map((u) => [u.name, useCaseEntity(ir, u)]));
      const entitiesMs = performance.now() - t3;
      const entitiesBytes = JSON.stringify(Object.values(ucEntities)).length + JSON.stringify(Object.values(models)).length;
      const creq = requests.map((r) => cedarRequest(ir, r));
      const perUcCall = creq.map((c) => ({ principal: c.principal, action: c.action, resource: c.resource, context: c.context, preparsedPolicySetId: `per-uc-${n}`, entities: [models[c.model]] }));
      const entCall = creq.map((c) => {
        const entities = [models[c.model]];
        if (c.useCase) entities.push(ucEntities[c.useCase.name]);
        return { principal: c.principal, action: c.action, resource: c.resource, context: c.context, entities };
      });
      const entStateless = entCall.map((c) => ({ ...c, policies: { staticPolicies: ENTITY_POLICIES } }));
      const entStateful = entCall.map((c) => ({ ...c, preparsedPolicySetId: `entities-${n}` }));

      // Sanity: decisions against the reference.
      const sample = Math.min(SAMPLE, requests.length);
      const mismatches = { govc: 0, opa: 0, cedarPerUseCase: 0, cedarEntities: 0, cedarEntitiesStateless: 0, sample };
      let cedarExpectedDeny = 0;
      let cedarVsFullAllow = 0;
      for (let i = 0; i < sample; i++) {
        const [{ result: g }] = govc.policy.evaluate(requests[i], 'govc/wasm/decision');
        if (!isDeepStrictEqual(g, ref.decisions[i])) mismatches.govc++;
        const [{ result: o } = {}] = opa.policy.evaluate(requests[i], 'govc/decision');
        if (!isDeepStrictEqual(o, ref.decisions[i])) mismatches.opa++;
        const expect = expectedCedarAllow(ir, requests[i], evaluate, creq[i].model);
        if (!expect) cedarExpectedDeny++;
        const a = perUc ? cedar.statefulIsAuthorized(perUcCall[i]) : null;
        const b = cedar.statefulIsAuthorized(entStateful[i]);
        const c = cedar.isAuthorized(entStateless[i]);
        if (a && (a.type !== 'success' || (a.response.decision === 'allow') !== expect)) mismatches.cedarPerUseCase++;
        if (b.type !== 'success' || (b.response.decision === 'allow') !== expect) mismatches.cedarEntities++;
        if (c.type !== 'success' || (c.response.decision === 'allow') !== expect) mismatches.cedarEntitiesStateless++;
        if (c.type === 'success' && (c.response.decision === 'allow') === ref.decisions[i].allow) cedarVsFullAllow++;
      }
      if (!perUc) mismatches.cedarPerUseCase = null;
      log(`  mismatches vs reference (of ${sample}): govc ${mismatches.govc}, OPA ${mismatches.opa}, Cedar per-use-case ${mismatches.cedarPerUseCase}, Cedar entities ${mismatches.cedarEntities}/${mismatches.cedarEntitiesStateless} (expected denies ${cedarExpectedDeny})`);

      // Where the SDK's time goes, for govc's decision: JSON in and out on the JS side, measured alone.
      const govcOut = requests.map((r) => JSON.stringify(govc.policy.evaluate(r, 'govc/wasm/decision')));
      const govcOutBytes = govcOut.reduce((s, x) => s + Buffer.byteLength(x), 0) / govcOut.length;
      const opaOut = requests.slice(0, 200).map((r) => JSON.stringify(opa.policy.evaluate(r, 'govc/decision')));
      const opaOutBytes = opaOut.reduce((s, x) => s + Buffer.byteLength(x), 0) / opaOut.length;
      const enc = new TextEncoder();
      const dec = new TextDecoder();
      const govcOutEncoded = govcOut.map((s) => enc.encode(s));

      const raw = {
        govc: rawCaller(govc.policy, 'govc/wasm/decision'),
        govcAllow: rawCaller(govc.policy, 'govc/wasm/allow'),
        opa: rawCaller(opa.policy, 'govc/decision'),
        floor: rawCaller(floor.policy, 'floor/allow'),
      };
      let sink = 0;
      const contenders = [
        { key: 'floor', label: 'floor module (`allow := true`), SDK', run: (i) => (sink ^= floor.policy.evaluate(requests[i], 'floor/allow').length) },
        { key: 'govc', label: "govc's module, SDK, `govc/wasm/decision`", run: (i) => (sink ^= govc.policy.evaluate(requests[i], 'govc/wasm/decision').length) },
        { key: 'govcLocal', label: "govc's module, SDK, `govc/wasm/decision`, the mix over 10 use cases only", run: (i) => (sink ^= govc.policy.evaluate(localRequests[i], 'govc/wasm/decision').length) },
        { key: 'govcAllow', label: "govc's module, SDK, `govc/wasm/allow`", run: (i) => (sink ^= govc.policy.evaluate(requests[i], 'govc/wasm/allow').length) },
        { key: 'opa', label: "OPA's module from govc.rego, SDK, `govc/decision`", run: (i) => (sink ^= opa.policy.evaluate(requests[i], 'govc/decision').length), warmup: Math.min(WARMUP, 1000) },
        { key: 'opaAllow', label: "OPA's module from govc.rego, SDK, `govc/allow`", run: (i) => (sink ^= opa.policy.evaluate(requests[i], 'govc/allow').length), warmup: Math.min(WARMUP, 1000) },
        ...(perUc ? [{ key: 'cedarPerUseCase', label: 'Cedar, one permit per use case (preparsed, `statefulIsAuthorized`)', run: (i) => (sink ^= cedar.statefulIsAuthorized(perUcCall[i]).type.length), warmup: Math.min(WARMUP, 500) }] : []),
        { key: 'cedarEntities', label: 'Cedar, generic permit + entity slice (`isAuthorized`, policy text each call)', run: (i) => (sink ^= cedar.isAuthorized(entStateless[i]).type.length) },
        { key: 'cedarEntitiesPre', label: 'Cedar, generic permit + entity slice (preparsed, `statefulIsAuthorized`)', run: (i) => (sink ^= cedar.statefulIsAuthorized(entStateful[i]).type.length) },
        { key: 'rawFloor', label: 'raw ABI: floor module `opa_eval`', run: (i) => (sink ^= raw.floor(encoded[i])) },
        { key: 'rawGovc', label: "raw ABI: govc's module `opa_eval` (decision)", run: (i) => (sink ^= raw.govc(encoded[i])) },
        { key: 'rawGovcAllow', label: "raw ABI: govc's module `opa_eval` (allow: same parse and decision, a one-word result)", run: (i) => (sink ^= raw.govcAllow(encoded[i])) },
        { key: 'rawOpa', label: "raw ABI: OPA's module `opa_eval` (decision)", run: (i) => (sink ^= raw.opa(encoded[i])), warmup: Math.min(WARMUP, 1000) },
        { key: 'jsonIn', label: 'JS only: `JSON.stringify` + `TextEncoder` of the input', run: (i) => (sink ^= enc.encode(JSON.stringify(requests[i])).length) },
        { key: 'jsonOut', label: "JS only: `TextDecoder` + `JSON.parse` of govc's decision output", run: (i) => (sink ^= JSON.parse(dec.decode(govcOutEncoded[i])).length) },
        { key: 'reference', label: 'reference evaluator (JavaScript, `evaluate(ir, input)`)', run: (i) => (sink ^= evaluate(ir, requests[i]).reasons.length) },
      ];
      // Sanity of the raw path: the result it leaves is the SDK's JSON.
      const rawCheck = cString(govc.policy, raw.govc(encoded[0]));
      if (!isDeepStrictEqual(JSON.parse(rawCheck), govc.policy.evaluate(requests[0], 'govc/wasm/decision'))) throw new Error('raw ABI path does not give the SDK result');

      const timings = race(contenders, requests.length);
      if (sink === 0.5) log('');
      for (const c of contenders) log(`  ${c.key.padEnd(18)} p50 ${fmt.us(timings[c.key].p50).padStart(9)}  p99 ${fmt.us(timings[c.key].p99).padStart(9)}  (${timings[c.key].n} calls)`);

      results.push({
        useCases: n,
        distinctRequests: requests.length,
        mix: ref.mix,
        compileMs: p.compileMs,
        dataJsonBytes: dataText.length,
        bundle: { govcBytes: p.bundleBytes, opaWasmBytes: opaTar.length },
        modules: { govc: govcWasm.length, opa: opaWasm.length, opaSameAsNoData: opaWasm.equals(opaModuleOnly), floor: floorWasm.length, cedarWasm: cedarWasmBytes },
        build: { govcBundleMs: median(govcBuild), govcBundleRuns: govcBuild, opaBuildMs: median(opaBuildMs), opaBuildRuns: opaBuildMs },
        load: {
          govc: { loadMs: govc.loadMs, setDataMs: govc.setDataMs, heapMiB: govc.policy.mem.buffer.byteLength / 2 ** 20 },
          opa: { loadMs: opa.loadMs, setDataMs: opa.setDataMs, heapMiB: opa.policy.mem.buffer.byteLength / 2 ** 20 },
          floor: { loadMs: floor.loadMs, setDataMs: floor.setDataMs },
          cedar: { perUcTranslateMs, perUcPreparseMs, perUcValidateMs, perUcPolicyBytes: perUcText.length, entitiesMs, entitiesBytes, validationErrors: cedarValidationErrors },
        },
        outputBytes: { govcDecision: govcOutBytes, opaDecision: opaOutBytes },
        inputBytes: encoded.reduce((s, b) => s + b.length, 0) / encoded.length,
        mismatches,
        cedarExpectedDeny,
        cedarVsFullAllow,
        labels: Object.fromEntries(contenders.map((c) => [c.key, c.label])),
        timings,
      });
      // Free the big instances before the next size.
      govc.policy = opa.policy = floor.policy = null;
    }

    const totalSeconds = (performance.now() - started) / 1000;
    env.loadAvgEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    const out = {
      environment: env,
      settings: { calls: CALLS, warmup: WARMUP, rounds: ROUNDS, distinct: DISTINCT, sample: SAMPLE, contenderBudgetMs: CONTENDER_BUDGET_MS },
      command: `node bench/wasm.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`,
      floorBuildMs,
      opaModuleOnlyBuildMs: median(opaModuleOnlyMs),
      opaModuleOnlyBytes: opaModuleOnly.length,
      coveredCodes: [...COVERED],
      results,
      totalSeconds,
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'wasm.json'), JSON.stringify(out, null, 2) + '\n');
    const md = wasmMarkdown(out);
    console.log(md);
    log(`\nwrote ${join(OUT, 'wasm.json')} (${totalSeconds.toFixed(0)} s)`);
    writeTargets(out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function wasmMarkdown(o) {
  const md = [];
  const s = o.settings;
  const R = o.results;
  const t = (r, k) => r.timings[k];
  md.push('### Wasm: decision latency per call through the JS SDK (`node bench/wasm.mjs`)');
  md.push('');
  md.push(
    `One Node process; ${fmt.int(s.distinct)} distinct requests (bench/requests.mjs) in the same order for every contender; ` +
      `${fmt.int(s.warmup)} untimed calls (1,000 for OPA's module, 500 for Cedar per use case), then up to ${fmt.int(s.calls)} timed calls in ${s.rounds} rounds ` +
      `in which the contenders take turns (at most ${s.contenderBudgetMs / 1000} s each); p50 / p99 in µs of per-call \`process.hrtime.bigint\` timings.`,
  );
  md.push('');
  const keys = [...new Set(R.flatMap((r) => Object.keys(r.timings)))];
  const labels = Object.assign({}, ...R.map((r) => r.labels));
  const cell = (r, k, f) => (r.timings[k] ? f(r.timings[k]) : 'not run');
  md.push(
    table(
      ['contender', ...R.map((r) => `${fmt.int(r.useCases)} use cases p50 / p99`), ...R.map((r) => `vs floor p50 / p99 (${fmt.int(r.useCases)})`)],
      keys.map((k) => [
        labels[k],
        ...R.map((r) => cell(r, k, (x) => `${fmt.us(x.p50)} / ${fmt.us(x.p99)}${x.n < s.calls ? ` (${fmt.int(x.n)} calls)` : ''}`)),
        ...R.map((r) => (k.startsWith('raw') || k.startsWith('json') ? '' : cell(r, k, (x) => `${fmt.ratio(x.p50 / t(r, 'floor').p50)} / ${fmt.ratio(x.p99 / t(r, 'floor').p99)}`))),
      ]),
    ),
  );
  md.push('');
  md.push('Goal check (issue 4): govc within 1.5× of the floor, and ahead of OPA\'s own Wasm, on every figure:');
  md.push('');
  md.push(
    table(
      ['use cases', 'govc decision / floor (p50, p99)', 'govc allow / floor (p50, p99)', 'OPA decision / govc decision (p50, p99)', 'OPA allow / govc allow (p50, p99)', 'raw module: govc decision / floor (p50)', 'raw module: OPA / govc (p50)'],
      R.map((r) => [
        fmt.int(r.useCases),
        `${fmt.ratio(t(r, 'govc').p50 / t(r, 'floor').p50)}, ${fmt.ratio(t(r, 'govc').p99 / t(r, 'floor').p99)}`,
        `${fmt.ratio(t(r, 'govcAllow').p50 / t(r, 'floor').p50)}, ${fmt.ratio(t(r, 'govcAllow').p99 / t(r, 'floor').p99)}`,
        `${fmt.ratio(t(r, 'opa').p50 / t(r, 'govc').p50)}, ${fmt.ratio(t(r, 'opa').p99 / t(r, 'govc').p99)}`,
        `${fmt.ratio(t(r, 'opaAllow').p50 / t(r, 'govcAllow').p50)}, ${fmt.ratio(t(r, 'opaAllow').p99 / t(r, 'govcAllow').p99)}`,
        fmt.ratio(t(r, 'rawGovc').p50 / t(r, 'rawFloor').p50),
        fmt.ratio(t(r, 'rawOpa').p50 / t(r, 'rawGovc').p50),
      ]),
    ),
  );
  md.push('');
  md.push('### Wasm: sizes, load and build times');
  md.push('');
  md.push(
    table(
      ['use cases', 'data.json', "govc's module", "OPA's module", 'floor module', 'cedar-wasm (engine)', 'Cedar per-use-case policy text', 'Cedar entities (all use cases)', 'govc bundle (.tar.gz, incl. module)', '`opa build -t wasm` bundle'],
      R.map((r) => [
        fmt.int(r.useCases),
        fmt.kib(r.dataJsonBytes),
        `${fmt.int(r.modules.govc)} B`,
        `${fmt.int(r.modules.opa)} B${r.modules.opaSameAsNoData ? '' : ' (differs per program)'}`,
        `${fmt.int(r.modules.floor)} B`,
        `${fmt.int(r.modules.cedarWasm)} B`,
        r.load.cedar.perUcPreparseMs === null ? 'not built' : fmt.kib(r.load.cedar.perUcPolicyBytes),
        fmt.kib(r.load.cedar.entitiesBytes),
        fmt.kib(r.bundle.govcBytes),
        fmt.kib(r.bundle.opaWasmBytes),
      ]),
    ),
  );
  md.push('');
  md.push(
    table(
      ['use cases', 'govc build of the bundle incl. Wasm (`buildBundle`, median)', '`opa build -t wasm` (median, fresh process)', 'compile .gov → IR (once, for context)', 'loadPolicy govc / OPA', 'setData govc / OPA', 'Wasm memory after setData govc / OPA', 'Cedar: translate / preparse / validate (per use case)'],
      R.map((r) => [
        fmt.int(r.useCases),
        fmt.ms(r.build.govcBundleMs),
        fmt.ms(r.build.opaBuildMs),
        fmt.ms(r.compileMs),
        `${fmt.ms(r.load.govc.loadMs)} / ${fmt.ms(r.load.opa.loadMs)}`,
        `${fmt.ms(r.load.govc.setDataMs)} / ${fmt.ms(r.load.opa.setDataMs)}`,
        `${r.load.govc.heapMiB.toFixed(1)} MiB / ${r.load.opa.heapMiB.toFixed(1)} MiB`,
        r.load.cedar.perUcPreparseMs === null ? 'not run' : `${fmt.ms(r.load.cedar.perUcTranslateMs)} / ${fmt.ms(r.load.cedar.perUcPreparseMs)} / ${fmt.ms(r.load.cedar.perUcValidateMs)}`,
      ]),
    ),
  );
  md.push('');
  md.push(
    `\`opa build -t wasm\` of govc's Rego without any data (the module alone): ${fmt.ms(o.opaModuleOnlyBuildMs)}, ${fmt.int(o.opaModuleOnlyBytes)} B. ` +
      `Floor module build: ${fmt.ms(o.floorBuildMs)}.`,
  );
  md.push('');
  md.push('### Wasm: correctness sample (decisions compared with the reference evaluator)');
  md.push('');
  md.push(
    table(
      ['use cases', 'sample', "govc's module (whole decision)", "OPA's module (whole decision)", 'Cedar per use case (allow/deny, covered checks)', 'Cedar entities, preparsed / isAuthorized', 'covered denies in sample', 'Cedar (entities) = govc `allow` on the unmodified request', 'Cedar strict validation errors'],
      R.map((r) => [
        fmt.int(r.useCases),
        r.mismatches.sample,
        `${r.mismatches.govc} mismatches`,
        `${r.mismatches.opa} mismatches`,
        r.mismatches.cedarPerUseCase === null ? 'not run' : `${r.mismatches.cedarPerUseCase} mismatches`,
        `${r.mismatches.cedarEntities} / ${r.mismatches.cedarEntitiesStateless} mismatches`,
        r.cedarExpectedDeny,
        `${r.cedarVsFullAllow} of ${r.mismatches.sample}`,
        `${r.load.cedar.validationErrors}${r.load.cedar.perUcValidateMs === null ? ' (generic permit only)' : ''}`,
      ]),
    ),
  );
  return md.join('\n');
}

function writeTargets(w) {
  let o = null;
  const opaFile = join(OUT, 'opa.json');
  if (existsSync(opaFile)) o = JSON.parse(readFileSync(opaFile, 'utf8'));
  const env = w.environment;
  const md = [];
  md.push(`## Targets: OPA bundle and Wasm (${env.date.slice(0, 10)})`);
  md.push('');
  md.push('### Machine and commands');
  md.push('');
  md.push(
    table(
      ['', ''],
      [
        ['CPU', `${env.cpu}, ${env.cores} cores`],
        ['RAM', `${env.ramGiB} GiB`],
        ['OS', env.os],
        ['Node', env.node],
        ['OPA', `${env.opa} (WebAssembly: ${env.opaWasm})`],
        ['SDKs', `@open-policy-agent/opa-wasm ${env.opaWasmSdk}, @cedar-policy/cedar-wasm ${env.cedarWasm}`],
        ['govc', `commit ${env.commit}${env.srcDirty ? ' (src/ modified in the working tree)' : ''}`],
        ['load average', `${o ? `opa.mjs: ${o.environment.loadAvg.join(' ')} → ${o.environment.loadAvgEnd.join(' ')}; ` : ''}wasm.mjs: ${env.loadAvg.join(' ')} → ${env.loadAvgEnd.join(' ')}`],
      ],
    ),
  );
  md.push('');
  md.push('```sh');
  md.push('npm run build');
  md.push(`${o ? o.command : 'node bench/opa.mjs'} && ${w.command}    # ${o ? `${o.totalSeconds.toFixed(0)} s + ` : ''}${w.totalSeconds.toFixed(0)} s`);
  md.push('```');
  md.push('');
  md.push('What the scripts run (temporary directories under `os.tmpdir()`, removed at the end):');
  md.push('');
  md.push('```sh');
  md.push('node dist/cli/main.js build examples --out $TMP/examples --as-of 2026-11-26        # the three examples');
  md.push('# generated programs: writeProgram(n) (bench/generate.mjs), compileFiles (dist/project/compile.js), buildBundle (dist/backends/opa/bundle.js)');
  md.push('opa run --server --addr 127.0.0.1:$FREE_PORT --log-level error -b $PROGRAM/bundle.tar.gz   # POST /v1/data/govc/decision, /v1/data/govc/wasm/decision');
  md.push('opa run --server --addr 127.0.0.1:$FREE_PORT --log-level error floor.rego                   # POST /v1/data/floor/allow (HTTP floor)');
  md.push('opa bench -b $PROGRAM/bundle.tar.gz --input req-{allow,degrade,deny}.json data.govc.decision --format json --metrics=false');
  md.push('opa eval -b $PROGRAM/bundle.tar.gz -i req-allow.json data.govc.decision --format json       # one-shot wall time');
  md.push('opa build -t wasm -e govc/decision -e govc/allow policy.rego data.json -o bundle.tar.gz     # OPA\'s module from govc.rego');
  md.push('opa build -t wasm -e govc/decision -e govc/allow policy.rego -o b.tar.gz                    # the same without data');
  md.push('opa build -t wasm -e floor/allow floor.rego -o floor.tar.gz                                  # floor.rego: package floor / allow := true');
  md.push('```');
  md.push('');
  if (o) {
    md.push(opaMarkdown(o));
    md.push('');
  }
  md.push(wasmMarkdown(w));
  md.push('');
  md.push('<!-- analysis -->');
  writeFileSync(join(OUT, 'targets.md'), md.join('\n') + '\n');
  writeFileSync(join(OUT, 'targets.json'), JSON.stringify({ opa: o, wasm: w }, null, 2) + '\n');
  log(`wrote ${join(OUT, 'targets.md')} and targets.json`);
}

if (process.argv.includes('--report-only')) {
  // Rewrites the markdown from out/bench/wasm.json (and opa.json) without measuring anything.
  const w = JSON.parse(readFileSync(join(OUT, 'wasm.json'), 'utf8'));
  console.log(wasmMarkdown(w));
  writeTargets(w);
} else main().catch((err) => {
  log(err?.stack ?? String(err));
  process.exit(1);
});
