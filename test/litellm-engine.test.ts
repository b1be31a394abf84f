import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, costMicros } from '../src/eval/evaluate.js';
import { parseRequestJson } from '../src/eval/parseRequestJson.js';
import type { IrProgram } from '../src/ir/types.js';
import { compileClasses, detectStrings, redact as runtimeRedact, type CompiledClass } from '../src/runtime/redact.js';
import { loadCorpora } from './helpers/corpus.js';
import { decideJob, ENGINE_DIR, PYTHON, startPythonEngine, type PythonAnswer, type PythonEngine, type PythonJob } from './helpers/pythonEngine.js';
import { asSent, contractRequest, CONTRACT_NAMES, hostileString, renameIr, requestArbitrary } from './helpers/requests.js';
import { exampleIr, exampleNames } from './helpers/repo.js';

/**
 * govc's Python decision engine (src/backends/litellm/python/govc_engine.py, the LiteLLM guardrail's decision) is
 * a port of the reference evaluator: run through the project's virtual environment on each example's generated
 * govc_policy.py, it must give the reference's decision, byte for byte (key order included), on every corpus case,
 * on thousands of random requests, and on the raw JSON texts the text entry points read; and its detection,
 * redaction and pricing must be govc/runtime's. A mismatch is a bug in the engine.
 */

const corpora = loadCorpora();
const engines = new Map<string, PythonEngine>();
const irs = new Map<string, IrProgram>();

beforeAll(async () => {
  for (const name of exampleNames()) {
    const ir = exampleIr(name);
    irs.set(name, ir);
    engines.set(name, await startPythonEngine(ir));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([...engines.values()].map((e) => e.stop()));
});

/** The decisions of a batch; a job the engine raised on fails the test, naming it. */
async function decisions(engine: PythonEngine, jobs: readonly PythonJob[]): Promise<string[]> {
  const answers = await engine.run(jobs);
  return answers.map((a, i) => {
    if (!('ok' in a)) throw new Error(`the engine raised on job ${i} (${JSON.stringify(jobs[i]).slice(0, 300)}): ${JSON.stringify(a)}`);
    return JSON.stringify(a.ok);
  });
}

/** Compares a batch with the reference, reporting the first few mismatches whole. */
function expectSame(label: string, inputs: readonly unknown[], got: readonly string[], want: readonly string[]): void {
  const bad = got.flatMap((g, i) => (g === want[i] ? [] : [{ input: inputs[i], got: g, want: want[i] }]));
  expect({ label, mismatches: bad.length, first: bad.slice(0, 3) }).toEqual({ label, mismatches: 0, first: [] });
}

/** What the reference decides for a JSON text (parseRequestJson; a text that is not one JSON value is no request). */
function referenceOnText(ir: IrProgram, text: string | Uint8Array): string {
  const parsed = parseRequestJson(text);
  return JSON.stringify(evaluate(ir, parsed.ok ? parsed.value : undefined));
}

describe('the Python engine decides as the reference evaluator', () => {
  for (const corpus of corpora) {
    it(`${corpus.example}: the whole conformance corpus, as values and as JSON text`, async () => {
      const ir = irs.get(corpus.example)!;
      const engine = engines.get(corpus.example)!;
      const sent = corpus.cases.map((c) => asSent(c.input));
      const want = sent.map((s) => JSON.stringify(evaluate(ir, s)));
      expectSame(`${corpus.example} decide`, corpus.cases.map((c) => c.description), await decisions(engine, sent.map(decideJob)), want);
      const texts = corpus.cases.map((c) => JSON.stringify(c.input) ?? 'null');
      expectSame(`${corpus.example} decide_json`, corpus.cases.map((c) => c.description), await decisions(engine, texts.map((text) => ({ op: 'decide_json', text }))), texts.map((t) => referenceOnText(ir, t)));
      // Not vacuous: the corpus allows, degrades and denies.
      expect(new Set(want.map((w) => (JSON.parse(w) as { decision: string }).decision))).toEqual(new Set(['allow', 'deny', ...(want.some((w) => w.includes('"degrade"')) ? ['degrade'] : [])]));
    });
  }

  for (const name of exampleNames()) {
    it(`${name}: 3000 random requests, valid and malformed, as values and as JSON text`, async () => {
      const ir = irs.get(name)!;
      const engine = engines.get(name)!;
      const inputs = fc.sample(requestArbitrary(ir), { numRuns: 3000, seed: 20261202 + name.length });
      const sent = inputs.map(asSent);
      expectSame(`${name} decide`, sent, await decisions(engine, sent.map(decideJob)), sent.map((s) => JSON.stringify(evaluate(ir, s))));
      // The same requests as the text a client sends (lone surrogates and all): decide_json reads it as the reference does.
      const texts = inputs.map((i) => JSON.stringify(i) ?? 'null');
      const wantText = texts.map((t) => referenceOnText(ir, t));
      expectSame(`${name} decide_json`, texts, await decisions(engine, texts.map((text) => ({ op: 'decide_json', text }))), wantText);
      expectSame(`${name} decide_json (own parser)`, texts, await decisions(engine, texts.map((text) => ({ op: 'decide_json', text, slow: true }))), wantText);
      const kinds = new Set(sent.map((s) => (evaluate(ir, s).reasons[0]?.code ?? '')));
      expect(kinds.size).toBeGreaterThan(8);
    }, 300_000);
  }

  it('on a program whose names are Object.prototype members and longer than RULE B’s bound', async () => {
    const ir = renameIr(exampleIr('acme-support'), CONTRACT_NAMES);
    const engine = await startPythonEngine(ir);
    try {
      const requests: unknown[] = [
        contractRequest(),
        contractRequest({ model: 'constructor', data_classes: ['toString'] }),
        contractRequest({ use_case: 'hasOwnProperty' }),
        contractRequest({ use_case: 'x'.repeat(70) }),
        contractRequest({ tool: { name: 'hasOwnProperty', scope: 'payments:refund' } }),
        contractRequest({ spend: { use_case: { ['\u{1F600}'.repeat(70)]: -1 } } }),
        ...fc.sample(requestArbitrary(ir), { numRuns: 500, seed: 7 }),
      ];
      const sent = requests.map(asSent);
      expectSame('contract names', sent, await decisions(engine, sent.map(decideJob)), sent.map((s) => JSON.stringify(evaluate(ir, s))));
      expect((JSON.parse((await decisions(engine, [decideJob(sent[0])]))[0]!) as { decision: string }).decision).toBe('allow');
    } finally {
      await engine.stop();
    }
  });
});

describe('decide_json reads request text as parseRequestJson does', () => {
  const base = JSON.stringify(contractRequest({ use_case: 'support_assistant' })).slice(1, -1);
  /** Texts around a well-formed request, each one of parseRequestJson's cases (test/adversarial/request-json.test.ts). */
  const numbers = ['1', '1.0', '1e3', '10E-1', '100e-2', '1E+2', '0.0', '-0', '-0.0e5', '0.1e1', '1000000000', '1000000001', '9007199254740993', '1e00000000000000000000003',
    '0.99999999999999999999', '1e-400', '-1e-400', '1.0000000000000001', '999999999.99999999999', '1000000000.00000000001', '5e-1000000000000000000000', '1.5', '1e-7', '-2.25', '1e400', '-1e400', '1e1000000', '1e100000', '-1', '1' + '0'.repeat(5000), '0.' + '0'.repeat(5000) + '1'];
  const texts: string[] = [
    ...numbers.flatMap((n) => [`{${base},"tokens":{"input":${n},"output":0}}`, `{${base},"spend":{"use_case":{"month":${n},"day":0},"tenant":{"month":0,"day":0}}}`, `{${base},"rate":{"use_case":{"requests":${n},"tokens":0},"tenant":{"requests":0,"tokens":0}}}`]),
    ...['"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00x"', '"\\ud800\\u0041"', '"\\udc00\\ud83d\\ude00"', '"\\ud83d\\ud83d\\ude00"', '"a\ud800b"', '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"', '"\\x41"', '"\\u12"', '"\\u12G4"', '"a\nb"', '"\u0000"', '"abc', "'a'", '"x\u2028y"']
      .flatMap((s) => [`{${base},"trace_id":${s}}`, `{${base.replace('"support_assistant"', s)}}`, `{${base},"spend":{"use_case":{${s}:1.5}}}`]),
    ...['{"use_case":"x"} {}', '{"use_case":"x"} x', '{"a":1}}', '\ufeff{}', '{} // c', '/* c */ {}', '01', '[1,]', '{"a":1,}', '+1', '.5', '1.', 'NaN', 'Infinity', 'nul', '', '   ', '{a:1}', '[1 2]', 'true', 'null', '[]', '"x"'],
    ` \t\r\n{${base}}\n`, `{${base}}\u00a0`, `{${base}}\u2028`, `{${base},"use_case":"support_assistant","use_case":"nope"}`, `{"__proto__":{"model":"x"},${base}}`,
    '['.repeat(10_000) + ']'.repeat(10_000), '['.repeat(10_001) + ']'.repeat(10_001), '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000), `{${base},"x":${'['.repeat(9_999)}${']'.repeat(9_999)}}`,
    `{${base},"trace_id":"${'x'.repeat(1 << 20)}"}`,
  ];

  it('on RULE A numbers, Go’s string rules, what is not one JSON value, and nesting at the bound', async () => {
    const ir = irs.get('acme-support')!;
    const engine = engines.get('acme-support')!;
    const want = texts.map((t) => referenceOnText(ir, t));
    // Both ways: Python's json module first (where it reads as the reference does), and the engine's own parser alone.
    for (const slow of [false, true]) expectSame(`hostile texts${slow ? ' (own parser)' : ''}`, texts.map((t) => t.slice(0, 120)), await decisions(engine, texts.map((text) => ({ op: 'decide_json', text, slow }))), want);
    // Not vacuous: some are allowed, some are malformed in a field, some are not JSON at all.
    expect(want.filter((w) => w.includes('"allowed"')).length).toBeGreaterThan(10);
    expect(want.filter((w) => w.includes('must be an integer')).length).toBeGreaterThan(10);
    expect(want.filter((w) => w.includes('the request must be a JSON object')).length).toBeGreaterThan(20);
  }, 120_000);

  it('on bytes: each byte that does not start a valid UTF-8 sequence is one U+FFFD, as Go decodes', async () => {
    const ir = irs.get('acme-support')!;
    const engine = engines.get('acme-support')!;
    const inner = [[0x61, 0xe2, 0x82, 0x62], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98, 0x80, 0xff], [0xff], [0xe0, 0x80], [0xc3, 0xa9]];
    const byteTexts = inner.flatMap((b) => [Buffer.concat([Buffer.from(`{${base},"trace_id":"`), Buffer.from(b), Buffer.from('"}')]), Buffer.concat([Buffer.from(`{${base.replace('support_assistant', '')}`.replace('""', '"'), 'utf8'), Buffer.from(b), Buffer.from('"}')])]);
    byteTexts.push(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), Buffer.from(`{${base}}`));
    const sample = fc.sample(fc.uint8Array({ maxLength: 60 }), { numRuns: 300, seed: 3 }).map((b) => Buffer.concat([Buffer.from(`{${base},"trace_id":"`), Buffer.from(b), Buffer.from('"}')]));
    const all = [...byteTexts, ...sample];
    for (const slow of [false, true]) {
      const got = await decisions(engine, all.map((b) => ({ op: 'decide_json', bytes: b.toString('base64'), slow })));
      expectSame('bytes', all.map((b) => b.toString('hex').slice(0, 120)), got, all.map((b) => referenceOnText(ir, new Uint8Array(b))));
    }
  });

  it('on random texts and random edits of JSON texts: the reference’s decision, never a raise', async () => {
    const ir = irs.get('devpilot')!;
    const engine = engines.get('devpilot')!;
    const edits = fc.sample(
      fc.tuple(requestArbitrary(ir).map((v) => JSON.stringify(v) ?? 'null'), fc.nat(), fc.nat({ max: 4 }), fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('"', '\\', '\\u', '{', '}', '[', ']', ',', ':', '1e', '-', '.', '\ud800', '\u0000'))),
      { numRuns: 1500, seed: 11 },
    ).map(([text, at, cut, insert]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + cut);
    });
    const junk = fc.sample(fc.string({ unit: 'binary', maxLength: 80 }), { numRuns: 500, seed: 12 });
    const all = [...edits, ...junk];
    const want = all.map((t) => referenceOnText(ir, t));
    for (const slow of [false, true]) expectSame('random texts', all, await decisions(engine, all.map((text) => ({ op: 'decide_json', text, slow }))), want);
  }, 120_000);
});

describe('detection, redaction and cost are govc/runtime’s', () => {
  /** Text that detectors match: pieces of e-mail addresses, phone numbers, cards, IBANs, keys, the examples' own ids. */
  const PIECES = ['alice@example.com', 'a.b+c@x-y.example.org', '+1 555-123-4567', '(030) 1234 5678', '4111 1111 1111 1111', '4111111111111111', 'DE89370400440532013000', '10.0.0.1',
    'sk-abcdefghijklmnop1234', 'pk_live_ABCDEFGHIJKLMNOPQR', '123-45-6789', 'BR-2026-12345678', '1985123456789', 'A123456789', 'MRN-1234567', 'MRN 12345678', '@', '.', '-', ' ', 'é', '\u{1F600}', '\ud800', 'x', '0', '12', '[REDACTED:pii]'];
  const text = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9 -]{1,20}$/) }), { maxLength: 12 }).map((a) => a.join(''));

  for (const name of exampleNames()) {
    it(`${name}: detect and redact on 1500 random texts, cost on random token counts`, async () => {
      const ir = irs.get(name)!;
      const engine = engines.get(name)!;
      const classes = compileClasses(Object.values(ir.data_classes).map((c) => ({ name: c.name, detectors: c.detectors.map((d) => ({ name: d.name, regex: d.regex })) })));
      const detectable = [...classes.values()].filter((c) => c.detectors.length > 0);
      const names = Object.keys(ir.data_classes).sort();
      const texts = fc.sample(text, { numRuns: 1500, seed: 5 + name.length });
      // Redaction lists: obligations.redact's shape, classes sorted as the decision sorts them.
      const lists = fc.sample(fc.subarray(names), { numRuns: texts.length, seed: 6 }).map((l) => l.map((c) => ({ data_class: c, detectors: ir.data_classes[c]!.detectors.map((d) => d.name) })));
      const jobs: PythonJob[] = texts.flatMap((t, i) => [{ op: 'detect', text: t }, { op: 'redact', text: t, redact: lists[i]! }] as PythonJob[]);
      const answers = await engine.run(jobs);
      const bad: unknown[] = [];
      let found = 0;
      let redacted = 0;
      texts.forEach((t, i) => {
        const wantDetect = t === '' ? [] : detectStrings([t], detectable);
        const list = lists[i]!.map((w) => classes.get(w.data_class)!).filter((c): c is CompiledClass => c.detectors.length > 0);
        const r = runtimeRedact(t, list);
        const wantRedact: PythonAnswer = r.ok ? { ok: r.value } : { refused: 'x' };
        const [d, x] = [answers[2 * i]!, answers[2 * i + 1]!];
        const got = 'refused' in x ? { refused: 'x' } : x;
        if (JSON.stringify(d) !== JSON.stringify({ ok: wantDetect }) || JSON.stringify(got) !== JSON.stringify(wantRedact)) bad.push({ text: t, list: lists[i], detect: [d, wantDetect], redact: [got, wantRedact] });
        if (wantDetect.length > 0) found++;
        if (r.ok && r.value !== t) redacted++;
      });
      expect(bad.slice(0, 3)).toEqual([]);
      // Not vacuous: many texts hold a match, and many are redacted.
      expect(found).toBeGreaterThan(300);
      expect(redacted).toBeGreaterThan(100);

      const models = Object.keys(ir.models);
      const costs = fc.sample(fc.tuple(fc.constantFrom(...models), fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 1_000_000_000 })), { numRuns: 500, seed: 9 });
      const got = await engine.run(costs.map(([model, input, output]) => ({ op: 'cost', model, input, output })));
      expect(got).toEqual(costs.map(([model, input, output]) => ({ ok: costMicros(ir.models[model]!, input, output) })));
    }, 120_000);
  }

  it('refuses a redaction that would still match, as the runtime does', async () => {
    // A detector that matches its own marker: `[REDACTED:pii]` holds `ACTED`.
    const ir = exampleIr('acme-support');
    const pii = ir.data_classes['pii']!;
    const marked: IrProgram = { ...ir, data_classes: { ...ir.data_classes, pii: { ...pii, detectors: [{ name: 'acted', regex: 'ACTED', builtin: false }] } } };
    const engine = await startPythonEngine(marked);
    try {
      const list = [{ data_class: 'pii', detectors: ['acted'] }];
      const [a, b] = await engine.run([{ op: 'redact', text: 'x ACTED y', redact: list }, { op: 'redact', text: 'nothing here', redact: list }]);
      const classes = compileClasses([{ name: 'pii', detectors: [{ name: 'acted', regex: 'ACTED' }] }]);
      expect(runtimeRedact('x ACTED y', [...classes.values()]).ok).toBe(false);
      expect(a).toEqual({ refused: 'still matches detector `acted` of `pii` after redaction, so it cannot be redacted' });
      expect(b).toEqual({ ok: 'nothing here' });
    } finally {
      await engine.stop();
    }
  });
});

describe('the facts a gateway reads', () => {
  it('are the program’s: every model’s provider, deployment and price, every use case’s models, budgets and rates', async () => {
    const ir = irs.get('acme-support')!;
    const engine = engines.get('acme-support')!;
    const models = Object.keys(ir.models);
    const useCases = Object.keys(ir.use_cases);
    const answers = await engine.run([...models.map((name) => ({ op: 'facts', kind: 'model', name }) as const), ...useCases.map((name) => ({ op: 'facts', kind: 'use_case', name }) as const), { op: 'facts', kind: 'model', name: 'no-such-model' }, { op: 'facts', kind: 'use_case', name: '__proto__' }]);
    models.forEach((name, i) => {
      const m = ir.models[name]! as typeof ir.models[string] & { deployment?: string };
      expect(answers[i]).toMatchObject({ ok: { name, provider: m.provider, deployment: m.deployment ?? name, price: m.price, regions: m.regions, status: m.status } });
    });
    useCases.forEach((name, i) => {
      const u = ir.use_cases[name]!;
      expect(answers[models.length + i]).toMatchObject({ ok: { name, models: u.models, budgets: u.budgets, rate_limits: u.rate_limits, on_budget_exhausted: u.on_budget_exhausted } });
    });
    expect(answers.slice(-2)).toEqual([{ ok: null }, { ok: null }]);
  });
});

/** Requests for the hostile strings of the shared generator, in every field a reason echoes. */
describe('echoed strings (RULE B) at the bound', () => {
  it('match the reference code point for code point', async () => {
    const ir = irs.get('eu-lender')!;
    const engine = engines.get('eu-lender')!;
    const strings = fc.sample(hostileString(), { numRuns: 400, seed: 13 });
    const uc = Object.keys(ir.use_cases)[0]!;
    const requests = strings.flatMap((s) => [
      { use_case: s, tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' },
      { use_case: uc, tenant: 't', region: s, time: '2026-11-26T10:00:00Z', model: s, data_classes: [s, 'pii'], corpora: [s], tool: { name: s, scope: s }, prompt: { name: s } },
      { use_case: uc, tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z', spend: { use_case: { [s]: 'x', [s + 'b']: 1 } } },
      { use_case: uc, tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z', trace_id: s, principal: s },
    ]);
    // Sorted as compareCodePoints sorts (a lone surrogate ranks as its UTF-16 unit, above U+E000..U+FFFF).
    const odd = ['\ud800', '\ue000', '\u{1F600}', '\udc00', '\uffff', 'z', '\udbff\u{1F600}', '\u{10000}'];
    requests.push({ use_case: uc, tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z', data_classes: odd, corpora: odd });
    requests.push({ use_case: uc, tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z', spend: { use_case: Object.fromEntries(odd.filter((k) => k !== 'z').map((k) => [k, -1])) } });
    for (const k of odd) requests.push({ use_case: uc, tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z', spend: { use_case: Object.fromEntries(odd.filter((j) => j !== k).map((j) => [j, 0]).concat([[k, -1]])) } });
    // As values (lone surrogates kept, as the in-process APIs read them) and as they are sent.
    expectSame('hostile values', requests, await decisions(engine, requests.map(decideJob)), requests.map((r) => JSON.stringify(evaluate(ir, r))));
    const sent = requests.map(asSent);
    expectSame('hostile sent', sent, await decisions(engine, sent.map(decideJob)), sent.map((r) => JSON.stringify(evaluate(ir, r))));
  });
});

describe('decide on Python values no JSON parser makes', () => {
  /**
   * Each case: a Python expression of a request (`base` is a well-formed, allowed request as a dict) and the
   * JavaScript value it stands for, whose reference decision it must get; `null` for values with no JavaScript
   * counterpart, which must be denied as malformed (never raised).
   */
  const base = contractRequest({ use_case: 'support_assistant' });
  const CASES: Array<[string, unknown]> = [
    ['base', base],
    ['{**base, "tokens": {"input": True, "output": 0}}', { ...base, tokens: { input: true, output: 0 } }],
    ['{**base, "tokens": {"input": 1000.0, "output": 500.0}}', { ...base, tokens: { input: 1000, output: 500 } }],
    ['{**base, "tokens": {"input": float("nan")}}', { ...base, tokens: { input: NaN } }],
    ['{**base, "tokens": {"input": float("inf")}}', { ...base, tokens: { input: Infinity } }],
    ['{**base, "tokens": {"input": 10**400}}', { ...base, tokens: { input: Infinity } }],
    ['{**base, "tokens": {"input": -0.0}}', { ...base, tokens: { input: -0 } }],
    ['{**base, "data_classes": ("pii",)}', { ...base, data_classes: ['pii'] }],
    ['{**base, "data_classes": ["pii", None]}', { ...base, data_classes: ['pii', null] }],
    ['{**base, "spend": {"use_case": {"month": 0, "day": 0.5}, "tenant": {"month": 0, "day": 0}}}', { ...base, spend: { use_case: { month: 0, day: 0.5 }, tenant: { month: 0, day: 0 } } }],
    ['{**base, "spend": {"use_case": {1: 0}, "tenant": {}}}', null],
    ['{**base, 1: "x", None: "y"}', base],
    ['Exotic()', null],
    ['[base]', null],
    ['(1, 2)', null],
    ['{**base, "use_case": BadStr("support_assistant")}', null],
    ['{**base, "data_classes": [BadStr("pii")]}', null],
    ['Sneaky(base)', base],
    ['{**base, "tool": Sneaky({"name": "refund", "scope": "payments:refund"})}', { ...base, tool: { name: 'refund', scope: 'payments:refund' } }],
  ];

  it('reads them as the JSON data they stand for, and denies the rest as malformed, never raising', () => {
    const ir = irs.get('acme-support')!;
    const script = String.raw`
import json, sys
sys.path.insert(0, sys.argv[2]); sys.path.insert(0, sys.argv[1])
import govc_engine, govc_policy
engine = govc_engine.Engine(govc_policy.POLICY)
class Exotic: pass
class BadStr(str):
    def __hash__(self): raise RuntimeError("no hash")
    def __eq__(self, other): raise RuntimeError("no eq")
class Sneaky(dict):
    def __getitem__(self, k): raise RuntimeError("read me through dict")
    def get(self, k, d=None): raise RuntimeError("read me through dict")
    def __contains__(self, k): raise RuntimeError("read me through dict")
jobs = json.loads(sys.stdin.read())
base = jobs["base"]
for expr in jobs["exprs"]:
    try:
        print(json.dumps({"ok": engine.decide(eval(expr))}, ensure_ascii=True))
    except Exception as e:
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
`;
    const engine = engines.get('acme-support')!;
    const out = execFileSync(PYTHON, ['-c', script, ENGINE_DIR, engine.policyDir], { input: JSON.stringify({ base, exprs: CASES.map(([e]) => e) }) }).toString().trim().split('\n');
    const malformed = (a: { ok?: { decision: string; reasons: Array<{ code: string }> } }): boolean => a.ok?.decision === 'deny' && a.ok.reasons[0]?.code === 'malformed_request';
    CASES.forEach(([expr, js], i) => {
      const a = JSON.parse(out[i]!) as { ok?: { decision: string; reasons: Array<{ code: string }> } };
      if (js === null) expect([expr, malformed(a)]).toEqual([expr, true]);
      else expect([expr, JSON.stringify(a.ok)]).toEqual([expr, JSON.stringify(evaluate(ir, js))]);
    });
    expect((JSON.parse(out[0]!) as { ok: { decision: string } }).ok.decision).toBe('allow');
  });
});
