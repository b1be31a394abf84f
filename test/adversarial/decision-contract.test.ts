import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/backends/opa/bundle.js';
import { policyWasm } from '../../src/backends/wasm/index.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { parseRequestJson } from '../../src/eval/parseRequestJson.js';
import type { Decision } from '../../src/decision/types.js';
import { loadGuards, type LoadedGuards } from '../helpers/guards.js';
import { opa, startOpaServer, type OpaServer } from '../helpers/opa.js';
import { canonical, CONTRACT_NAMES, contractRequest, renameIr } from '../helpers/requests.js';
import { exampleIr, REPO_ROOT } from '../helpers/repo.js';

/**
 * The decision contract for hostile requests (docs/semantics.md: RULE A integers, RULE B bounded echoes, RULE C
 * trace ids, own-property names, "Request text"), across every target the repository has. Each case is a request
 * as JSON *text* (bytes): the text targets get the text itself (`govc decide`, Rego through `opa eval` and through
 * `opa run --server`, govc's Wasm module through OPA and through its raw ABI), the in-process targets (reference,
 * guards, the Wasm module through the JS SDK) get what `parseRequestJson` makes of it. Every target must give the
 * reference's decision; a text that is not one JSON value is no request (refused by OPA's REST API, decided as no
 * request elsewhere). Fixed expectations pin the reference itself, so that equally wrong targets cannot pass.
 */
const ir = renameIr(exampleIr('acme-support'), CONTRACT_NAMES);
const LONG_UC = CONTRACT_NAMES.kb_tagging!;
const NO_REQUEST = canonical(evaluate(ir, undefined));

type Kind = 'request' | 'not-json' | 'too-deep';
interface Case {
  readonly name: string;
  readonly text: Buffer;
  /** `not-json`: not one JSON value; `too-deep`: JSON nested deeper than every decoder's 10,000 levels. */
  readonly kind: Kind;
  /** A number OPA's decoder refuses ("number too big") before the policy runs; the JavaScript targets decide. */
  readonly opaRefuses?: boolean;
  /**
   * What OPA's REST API decides when it differs from the text: the server reads the body's first JSON value and
   * ignores the rest, so text that closes the `{"input": ...}` wrapper early is decided on what precedes (docs/opa.md).
   */
  readonly serverReads?: Buffer;
  /** Thousands of levels deep: beyond the JS SDK, which serialises its input with JSON.stringify (a stack overflow). */
  readonly deep?: boolean;
  /** What the reference must decide (a projection: reasons as `code: message`). */
  readonly want?: Partial<Record<'decision' | 'use_case' | 'model' | 'trace_id', unknown>> & { reasons?: string[] };
}

const cases: Case[] = [];
const text = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
/** `value` as JSON with the placeholder string replaced by raw JSON text (a number as written, say). */
const withRaw = (value: unknown, raw: string): Buffer => Buffer.from(JSON.stringify(value).replace('"@RAW@"', raw));
const add = (name: string, t: Buffer, rest: Partial<Omit<Case, 'name' | 'text'>> = {}): void => void cases.push({ name, text: t, kind: 'request', ...rest });

const ALLOWED = { decision: 'allow', reasons: ['allowed: allowed by use case `__proto__`'] };
const malformed = (message: string): Case['want'] => ({ decision: 'deny', use_case: null, reasons: [`malformed_request: ${message}`] });
const TOKENS = '`tokens.input` must be an integer from 0 to 1000000000';
const SPEND = (key: string): string => `\`spend.use_case.${key}\` must be an integer number of micro-units from 0 to 1000000000000000`;
const TRACE = '`trace_id` must be a string of at most 256 characters';
const cut = (s: string): string => `${s}…`;

// RULE A: number texts where the semantics needs an integer.
const tokensAt = (raw: string): Buffer => withRaw(contractRequest({ tokens: { input: '@RAW@', output: 0 } }), raw);
for (const raw of ['1', '1.0', '1e3', '10E-1', '-0', '100e-2', '0.0', '1E+2', '0.1e1', '1e-0', '1000.000']) add(`tokens.input ${raw} (an integer)`, tokensAt(raw), { want: ALLOWED });
for (const raw of ['0.99999999999999999999', '1e-400', '-1e-400', '1.5', '1.0000000000000001', '999999999.99999999999', '1000000000.00000000001', '2.00000000000000000001']) {
  add(`tokens.input ${raw} (not an integer)`, tokensAt(raw), { want: malformed(TOKENS) });
}
for (const raw of ['1e400', '1e10000', '123456789012345678901234567890', '1000000001', '-1']) add(`tokens.input ${raw} (out of range)`, tokensAt(raw), { want: malformed(TOKENS) });
add('tokens.input 1e100000 (a number OPA cannot hold)', tokensAt('1e100000'), { opaRefuses: true, want: malformed(TOKENS) });
const spend = (month: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => contractRequest({ spend: { use_case: { month, day: 0, ...extra }, tenant: { month: 0, day: 0 } } });
add('spend.use_case.month 0.99999999999999999999', withRaw(spend('@RAW@'), '0.99999999999999999999'), { want: malformed(SPEND('month')) });
add('spend.use_case.month 1e3', withRaw(spend('@RAW@'), '1e3'), { want: ALLOWED });
add('spend.use_case.zz 1e-400 (a key the semantics ignores is still checked)', withRaw(spend(0, { zz: '@RAW@' }), '1e-400'), { want: malformed(SPEND('zz')) });
add('spend.tenant.day -0', withRaw(contractRequest({ spend: { use_case: { month: 0, day: 0 }, tenant: { month: 0, day: '@RAW@' } } }), '-0'), { want: ALLOWED });
const rate = (requests: unknown): Record<string, unknown> => contractRequest({ rate: { use_case: { requests, tokens: 0 }, tenant: { requests: 0, tokens: 0 } } });
add('rate.use_case.requests 10E-1', withRaw(rate('@RAW@'), '10E-1'), { want: ALLOWED });
add('rate.use_case.requests 1e-400', withRaw(rate('@RAW@'), '1e-400'), { want: malformed('`rate.use_case.requests` must be an integer from 0 to 1000000000000') });

// RULE B: echoed request strings are bounded.
const unknownUseCase = (echoed: string): Case['want'] => ({ decision: 'deny', use_case: echoed, reasons: [`unknown_use_case: use case \`${echoed}\` is not declared`] });
add('a 1 MB unknown use case', text(contractRequest({ use_case: 'u'.repeat(1 << 20) })), { want: unknownUseCase(cut('u'.repeat(64))) });
add('64 astral code points, echoed whole', text(contractRequest({ use_case: '😀'.repeat(64) })), { want: unknownUseCase('😀'.repeat(64)) });
add('65 astral code points', text(contractRequest({ use_case: '😀'.repeat(65) })), { want: unknownUseCase(cut('😀'.repeat(64))) });
add('a pair across the 64th code point is not split', text(contractRequest({ use_case: `${'a'.repeat(63)}😀b` })), { want: unknownUseCase(cut(`${'a'.repeat(63)}😀`)) });
add('bidi controls and a BOM inside a name', text(contractRequest({ use_case: `\u202e\u2066\ufeff${'x'.repeat(70)}` })), { want: unknownUseCase(cut(`\u202e\u2066\ufeff${'x'.repeat(61)}`)) });
add('an escaped lone surrogate is U+FFFD', text(contractRequest({ use_case: `\ud800${'x'.repeat(70)}` })), { want: unknownUseCase(cut(`\ufffd${'x'.repeat(63)}`)) });
add('an escaped lone low surrogate before a pair', text(contractRequest({ use_case: '\udc00😀' })), { want: unknownUseCase('\ufffd😀') });
const [before, after] = JSON.stringify(contractRequest({ use_case: '@' })).split('@') as [string, string];
add('bytes that are not UTF-8 are U+FFFD, one per byte', Buffer.concat([Buffer.from(`${before}a`), Buffer.from([0xe2, 0x82, 0xed, 0xa0, 0x80]), Buffer.from(`b${after}`)]), {
  want: unknownUseCase(`a${'\ufffd'.repeat(5)}b`),
});
const long = 'z'.repeat(100_000);
add('a long unknown model', text(contractRequest({ model: long })), { want: { decision: 'deny', reasons: [`model_not_allowed: model \`${cut('z'.repeat(64))}\` is not allowed for use case \`__proto__\``] } });
add('a long unknown data class', text(contractRequest({ data_classes: [long, 'toString'] })), { want: { decision: 'deny', reasons: [`unknown_data_class: data class \`${cut('z'.repeat(64))}\` is not declared`] } });
add('a long unknown tool', text(contractRequest({ tool: { name: long, scope: 'x' } })), { want: { reasons: [`tool_not_allowed: tool \`${cut('z'.repeat(64))}\` is not granted to use case \`__proto__\``] } });
add('a long scope', text(contractRequest({ tool: { name: 'hasOwnProperty', scope: long } })), { want: { reasons: [`tool_scope_not_allowed: scope \`${cut('z'.repeat(64))}\` is not granted for tool \`hasOwnProperty\``] } });
add('a long region', text(contractRequest({ region: long })), { want: { reasons: [`model_region_not_served: model \`constructor\` is not available in region \`${cut('z'.repeat(64))}\``] } });
add('a long spend key', text(spend(0, { ['k'.repeat(100_000)]: -1 })), { want: malformed(SPEND(cut('k'.repeat(64)))) });
add('an astral spend key', text(spend(0, { ['💥'.repeat(70)]: 'x' })), { want: malformed(SPEND(cut('💥'.repeat(64)))) });
add('a declared name of 73 code points is printed whole', text(contractRequest({ use_case: LONG_UC, spend: { use_case: { month: 0 } }, rate: { use_case: { requests: 0 } } })), {
  want: { decision: 'allow', use_case: LONG_UC, reasons: [`allowed: allowed by use case \`${LONG_UC}\``] },
});

// RULE C: trace ids.
add('a trace id of 256 code points', text(contractRequest({ trace_id: 't'.repeat(256) })), { want: { ...ALLOWED, trace_id: 't'.repeat(256) } });
add('a trace id of 257 code points', text(contractRequest({ trace_id: 't'.repeat(257) })), { want: { ...malformed(TRACE), trace_id: null } });
add('a trace id of 256 astral code points', text(contractRequest({ trace_id: '😀'.repeat(256) })), { want: { ...ALLOWED, trace_id: '😀'.repeat(256) } });
add('a trace id of 257 astral code points', text(contractRequest({ trace_id: '😀'.repeat(257) })), { want: { ...malformed(TRACE), trace_id: null } });
add('a trace id ending in an escaped lone surrogate', text(contractRequest({ trace_id: `${'t'.repeat(255)}\ud800` })), { want: { ...ALLOWED, trace_id: `${'t'.repeat(255)}\ufffd` } });
add('a 1 MB trace id with an earlier problem is not echoed', text(contractRequest({ tenant: '', trace_id: 'x'.repeat(1 << 20) })), { want: { ...malformed('`tenant` must be a non-empty string'), trace_id: null } });
add('a valid trace id with an earlier problem is echoed', text(contractRequest({ tenant: '', trace_id: 'ok' })), { want: { ...malformed('`tenant` must be a non-empty string'), trace_id: 'ok' } });
add('a trace id that is a number', text(contractRequest({ trace_id: 7 })), { want: { ...malformed(TRACE), trace_id: null } });

// Names that are Object.prototype members.
add('the `__proto__` use case with class `toString` and tool `hasOwnProperty`', text(contractRequest({ data_classes: ['toString'], tool: { name: 'hasOwnProperty', scope: 'payments:refund', human_approved_by: 'a' } })), {
  want: { ...ALLOWED, use_case: '__proto__', model: 'constructor' },
});
add('use case `constructor` (a model, not a use case)', text(contractRequest({ use_case: 'constructor' })), { want: unknownUseCase('constructor') });
add('use case `toString`', text(contractRequest({ use_case: 'toString' })), { want: unknownUseCase('toString') });
add('model `valueOf`', text(contractRequest({ model: 'valueOf' })), { want: { reasons: ['model_not_allowed: model `valueOf` is not allowed for use case `__proto__`'] } });
add('data class `__proto__`', text(contractRequest({ data_classes: ['__proto__'] })), { want: { reasons: ['unknown_data_class: data class `__proto__` is not declared'] } });
add('tool `toString`', text(contractRequest({ tool: { name: 'toString', scope: 'x' } })), { want: { reasons: ['tool_not_allowed: tool `toString` is not granted to use case `__proto__`'] } });
const proto = (inner: string): Buffer => Buffer.from(JSON.stringify(contractRequest()).replace(/^\{/, `{${inner},`));
add('a top-level `__proto__` member is a field like any other (ignored)', proto('"__proto__":{"model":"gpt-9","trace_id":{}}'), { want: { ...ALLOWED, trace_id: 't-1' } });
add('a spend key `__proto__` with a bad value', Buffer.from(JSON.stringify(spend(0)).replace('"day":0', '"day":0,"__proto__":-1')), { want: malformed(SPEND('__proto__')) });
add('spend scope `__proto__` is ignored', Buffer.from(JSON.stringify(contractRequest()).replace('"spend":{', '"spend":{"__proto__":{"month":-1},')), { want: ALLOWED });

// Shapes: deep nesting, duplicate keys.
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
add('5,000 levels deep in an ignored field', proto(`"x":${deep(5000)}`), { deep: true, want: ALLOWED });
add('5,000 levels deep as the tool', withRaw(contractRequest({ tool: '@RAW@' }), deep(5000)), { deep: true, want: malformed('`tool` must be an object') });
add('100,000 levels deep', proto(`"x":${deep(100_000)}`), { kind: 'too-deep', want: { decision: 'deny', reasons: ['malformed_request: the request must be a JSON object'] } });
add('a duplicate use case: the last wins', Buffer.from(JSON.stringify(contractRequest()).replace(/^\{/, '{"use_case":"nope",')), { want: ALLOWED });
add('duplicate token counts: the last wins', Buffer.from(JSON.stringify(contractRequest()).replace('"tokens":{"input":1000', '"tokens":{"input":-1,"input":1000')), { want: ALLOWED });
add('duplicate token counts: the last is bad', Buffer.from(JSON.stringify(contractRequest()).replace('"tokens":{"input":1000', '"tokens":{"input":1000,"input":0.5')), { want: malformed(TOKENS) });

// Text that is not one JSON value, and values that are no request.
const valid = JSON.stringify(contractRequest());
add('whitespace around the request', Buffer.from(` \n\t${valid}\r\n `), { want: ALLOWED });
add('trailing garbage: a brace (closes OPA\'s wrapper)', Buffer.from(`${valid}}`), { kind: 'not-json', serverReads: Buffer.from(valid), want: { decision: 'deny', reasons: ['malformed_request: the request must be a JSON object'] } });
for (const [name, t] of [
  ['trailing garbage: another value', `${valid} {}`],
  ['trailing garbage: a word', `${valid} x`],
  ['a byte order mark', `\ufeff${valid}`],
  ['a comment', `${valid} // hi`],
  ['a leading zero', valid.replace('"input":1000', '"input":01000')],
  ['a trailing comma', valid.replace(/\}$/, ',}')],
  ['nothing', ''],
] as const) add(name, Buffer.from(t), { kind: 'not-json', want: { decision: 'deny', reasons: ['malformed_request: the request must be a JSON object'] } });
for (const [name, t] of [['null', 'null'], ['an array of the request', `[${valid}]`], ['a number', '1e3'], ['a string', '"x"']] as const) {
  add(`the request is ${name}`, Buffer.from(t), { want: { decision: 'deny', reasons: ['malformed_request: the request must be a JSON object'], trace_id: null } });
}

// ---------------------------------------------------------------------------------------------------------------
// The targets.

interface Target {
  readonly name: string;
  /** Whether OPA decodes the text for this target (so `opaRefuses` cases are refused): `eval` or its REST API. */
  readonly opa?: 'eval' | 'server';
  /** The canonical decision for every case (NO_REQUEST for a refused text), or a description of a failure. */
  outcomes(): Promise<string[]>;
}

const work = mkdtempSync(join(tmpdir(), 'govc-contract-'));
let server: OpaServer;
let guards: LoadedGuards;
let sdk: LoadedPolicy;
const outcomes = new Map<string, string[]>();

const parsed = (c: Case): unknown => {
  const r = parseRequestJson(c.text);
  return r.ok ? r.value : undefined;
};
const safely = async (f: () => Promise<unknown> | unknown): Promise<string> => {
  try {
    const v = await f();
    return typeof v === 'string' ? v : canonical(v);
  } catch (err) {
    return `THREW: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
  }
};

/** govc's Wasm module driven through the raw ABI (`opa_eval` on the request's bytes), as a host such as Rust's does. */
async function rawWasm(): Promise<(bytes: Uint8Array) => unknown> {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const cstring = (addr: number): string => {
    const view = new Uint8Array(memory.buffer);
    let end = addr;
    while (view[end] !== 0) end++;
    return Buffer.from(view.subarray(addr, end)).toString('utf8');
  };
  const { instance } = await WebAssembly.instantiate(new Uint8Array(policyWasm()), {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw new Error(`opa_abort: ${cstring(addr)}`);
      },
      opa_println: () => undefined,
      opa_builtin0: () => 0, opa_builtin1: () => 0, opa_builtin2: () => 0, opa_builtin3: () => 0, opa_builtin4: () => 0,
    },
  });
  const ex = instance.exports as unknown as Record<string, (...a: number[]) => number>;
  const dataText = Buffer.from(JSON.stringify({ govc: { ir } }));
  const at = ex.opa_malloc!(dataText.length);
  new Uint8Array(memory.buffer).set(dataText, at);
  const data = ex.opa_json_parse!(at, dataText.length);
  const entrypoints = JSON.parse(cstring(ex.opa_json_dump!(ex.entrypoints!()))) as Record<string, number>;
  const heap = ex.opa_heap_ptr_get!();
  return (bytes) => {
    const need = heap + bytes.length + 1;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    new Uint8Array(memory.buffer).set(bytes, heap);
    const out = JSON.parse(cstring(ex.opa_eval!(0, entrypoints['govc/wasm/decision']!, data, heap, bytes.length, heap + bytes.length, 0))) as Array<{ result: unknown }>;
    return out[0]?.result;
  };
}

async function post(path: string, c: Case): Promise<string> {
  const res = await fetch(`${server.url}/v1/data/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.concat([Buffer.from('{"input":'), c.text, Buffer.from('}')]),
  });
  const body = (await res.json()) as { result?: unknown };
  if (res.status === 400) return NO_REQUEST; // refused: no decision, never an allow
  if (res.status !== 200) return `HTTP ${res.status}`;
  return body.result === undefined ? 'UNDEFINED' : canonical(body.result);
}

/** One `opa eval` over many cases (`{"cases": [text, ...]}`, each text spliced in as written). */
function opaEval(bundle: string, batch: Case[]): string[] {
  const file = join(work, 'eval-input.json');
  writeFileSync(file, Buffer.concat([Buffer.from('{"cases":['), ...batch.flatMap((c, i) => (i === 0 ? [c.text] : [Buffer.from(','), c.text])), Buffer.from(']}')]));
  const r = opa(['eval', '--format', 'json', '-b', bundle, '-i', file, '{sprintf("%d", [i]): d | some i, x in input.cases; d := data.govc.decision with input as x}']);
  if (r.status !== 0) return batch.map(() => `opa eval failed: ${r.stderr.slice(0, 300)}`);
  const value = (JSON.parse(r.stdout) as { result: Array<{ expressions: Array<{ value: Record<string, unknown> }> }> }).result[0]!.expressions[0]!.value;
  return batch.map((_, i) => canonical(value[String(i)]));
}

/** `govc decide IR --request FILE` (the built CLI): the JSON cases as one array, the others one by one. */
function govcDecide(irFile: string, batch: Case[], alone: boolean): string[] {
  const run = (bytes: Buffer): unknown => {
    const file = join(work, 'decide-input.json');
    writeFileSync(file, bytes);
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'decide', irFile, '--request', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`govc decide exited with ${r.status}: ${r.stderr.slice(0, 300)}`);
    return JSON.parse(r.stdout);
  };
  if (alone) return batch.map((c) => canonical(run(c.text)));
  const all = run(Buffer.concat([Buffer.from('['), ...batch.flatMap((c, i) => (i === 0 ? [c.text] : [Buffer.from(','), c.text])), Buffer.from(']')])) as unknown[];
  return all.map((d) => canonical(d));
}

const targets: Target[] = [
  { name: 'reference (parseRequestJson, evaluate)', outcomes: async () => Promise.all(cases.map((c) => safely(() => evaluate(ir, parsed(c))))) },
  { name: 'typescript guards (parseRequestJson, decideUnknown)', outcomes: async () => Promise.all(cases.map((c) => safely(() => guards.decideUnknown(parsed(c))))) },
  {
    name: 'govc decide (the CLI, on the text)',
    outcomes: async () => {
      const irFile = join(work, 'ir.json');
      writeFileSync(irFile, JSON.stringify(ir));
      const batched = cases.filter((c) => c.kind === 'request');
      const alone = cases.filter((c) => c.kind !== 'request');
      const got = new Map<Case, string>();
      govcDecide(irFile, batched, false).forEach((d, i) => got.set(batched[i]!, d));
      govcDecide(irFile, alone, true).forEach((d, i) => got.set(alone[i]!, d));
      return cases.map((c) => got.get(c)!);
    },
  },
  {
    name: 'rego (opa eval, on the text)',
    opa: 'eval',
    outcomes: async () => {
      const bundle = join(work, 'bundle.tar.gz');
      const batched = cases.filter((c) => c.kind === 'request' && !c.opaRefuses);
      const got = new Map<Case, string>();
      opaEval(bundle, batched).forEach((d, i) => got.set(batched[i]!, d));
      for (const c of cases.filter((x) => !got.has(x))) {
        // `opa eval -i` reads YAML when the file is not JSON (docs/opa.md): its answer to non-JSON is not the contract's.
        if (c.kind === 'not-json') got.set(c, 'SKIPPED');
        else got.set(c, opaEval(bundle, [c])[0]!.startsWith('opa eval failed') ? NO_REQUEST : 'DECIDED');
      }
      return cases.map((c) => got.get(c)!);
    },
  },
  { name: 'rego (opa run --server, on the text)', opa: 'server', outcomes: async () => Promise.all(cases.map((c) => safely(() => post('govc/decision', c)))) },
  { name: 'wasm (opa run --server, wasm engine, on the text)', opa: 'server', outcomes: async () => Promise.all(cases.map((c) => safely(() => post('govc/wasm/decision', c)))) },
  {
    name: 'wasm (js sdk, parseRequestJson)',
    outcomes: async () => Promise.all(cases.map((c) => (c.deep ? 'SKIPPED' : safely(() => (sdk.evaluate(parsed(c), 'govc/wasm/decision') as Array<{ result: unknown }>)[0]?.result)))),
  },
  {
    name: 'wasm (raw abi: opa_eval on the text)',
    outcomes: async () => {
      const evalBytes = await rawWasm();
      return Promise.all(cases.map((c) => safely(() => evalBytes(c.text))));
    },
  },
];

/** What `target` must answer for `c`: the reference's decision, or no decision where OPA refuses the number. */
function expected(target: Target, c: Case, reference: string): string {
  if (c.opaRefuses && target.opa) return NO_REQUEST;
  if (c.serverReads && target.opa === 'server') {
    const read = parseRequestJson(c.serverReads);
    return canonical(evaluate(ir, read.ok ? read.value : undefined));
  }
  return reference;
}

beforeAll(async () => {
  writeFileSync(join(work, 'bundle.tar.gz'), buildBundle(ir).tarGz);
  server = await startOpaServer(join(work, 'bundle.tar.gz'));
  guards = await loadGuards(ir, 'decision-contract');
  sdk = await loadPolicy(policyWasm());
  sdk.setData({ govc: { ir } });
  for (const t of targets) outcomes.set(t.name, await t.outcomes());
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (guards) rmSync(guards.path, { force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('the decision contract: hostile requests as JSON text, every target', () => {
  it('the corpus names its cases uniquely', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('the reference makes the decisions the contract states (fixed expectations)', () => {
    const reference = outcomes.get(targets[0]!.name)!;
    const project = (d: Decision): Record<string, unknown> => ({ ...d, reasons: d.reasons.map((r) => `${r.code}: ${r.message}`) });
    const wrong = cases.flatMap((c, i) => {
      if (c.want === undefined) return [];
      const got = project(JSON.parse(reference[i]!) as Decision);
      const keys = Object.keys(c.want) as Array<keyof NonNullable<Case['want']>>;
      const mismatch = keys.filter((k) => JSON.stringify(got[k]) !== JSON.stringify(c.want![k]));
      return mismatch.length === 0 ? [] : [{ case: c.name, ...Object.fromEntries(mismatch.map((k) => [k, { got: got[k], want: c.want![k] }])) }];
    });
    expect(wrong).toEqual([]);
    expect(cases.filter((c) => c.want !== undefined).length).toBeGreaterThan(60);
  });

  it('no decision is larger than 2 KB, whatever the request\'s size (RULE B)', () => {
    const reference = outcomes.get(targets[0]!.name)!;
    const big = cases.flatMap((c, i) => (reference[i]!.length > 2048 && !c.name.includes('trace id of 256') && !c.name.includes('declared name') ? [c.name] : []));
    expect(big).toEqual([]);
  });

  for (const target of targets.slice(1)) {
    it(`${target.name} decides as the reference on every case`, () => {
      const reference = outcomes.get(targets[0]!.name)!;
      const got = outcomes.get(target.name)!;
      const short = (s: string): string => (s.length > 400 ? `${s.slice(0, 400)}…(${s.length})` : s);
      const mismatches = cases.flatMap((c, i) => {
        if (got[i] === 'SKIPPED') return [];
        const want = expected(target, c, reference[i]!);
        return got[i] === want ? [] : [{ case: c.name, got: short(got[i]!), want: short(want) }];
      });
      expect(mismatches).toEqual([]);
    });
  }
});
