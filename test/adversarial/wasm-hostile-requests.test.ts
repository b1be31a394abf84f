import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';
import { policyWasm } from '../../src/backends/wasm/index.js';
import type { IrProgram } from '../../src/ir/types.js';
import { goHostVm, type GoHostVm } from '../helpers/opa.js';
import { exampleIr } from '../helpers/repo.js';

/**
 * govc's Wasm module on hostile request text, through the raw ABI as OPA's Go engine drives it, with expectations
 * written from docs/semantics.md's rules (not from another target): the JSON grammar as OPA reads it ("Request
 * text"), integers by exact decimal value (RULE A), bounded echoes (RULE B), trace ids of at most 256 code points
 * (RULE C), and names that are members of Object.prototype.
 */

interface Reason {
  code: string;
  rule: string;
  message: string;
}
interface Decision {
  decision: string;
  use_case: string | null;
  model: string | null;
  trace_id: string | null;
  reasons: Reason[];
  obligations: { redact: Array<{ data_class: string }> } | null;
}

const ir = exampleIr('acme-support');
const dataJson = JSON.stringify({ govc: { ir } });
/** An allowed request of the acme-support corpus (acme-support-031): tokens, spend, rate and a tool call. */
const BASE = {
  trace_id: 'acme-support-031',
  use_case: 'support_assistant',
  tenant: 'brand-nordic',
  region: 'eu',
  time: '2026-11-26T10:00:00Z',
  tokens: { input: 1000, output: 500 },
  spend: { use_case: { month: 3250000000, day: 120000000 }, tenant: { month: 410000000, day: 22000000 } },
  rate: { use_case: { requests: 140, tokens: 95000 }, tenant: { requests: 12, tokens: 8000 } },
  tool: { name: 'order_lookup', scope: 'orders:read' },
};
const NOT_A_REQUEST = 'malformed_request: the request must be a JSON object';
const TOKENS = '`tokens.input` must be an integer from 0 to 1000000000';
const SPEND = (key: string): string => `\`spend.use_case.${key}\` must be an integer number of micro-units from 0 to 1000000000000000`;
const RATE = '`rate.use_case.requests` must be an integer from 0 to 1000000000000';
const TRACE = '`trace_id` must be a string of at most 256 characters';
const cut = (s: string): string => `${s}…`;

const vm = await goHostVm(policyWasm(), { json: dataJson });

/** The module's answer (format 1, what OPA reads) for request text, and its size in bytes. */
function decide(text: string | Uint8Array, into: GoHostVm = vm): { d: Decision; size: number } {
  const at = into.eval(typeof text === 'string' ? Buffer.from(text) : text);
  const out = into.read(at);
  return { d: (JSON.parse(out.slice(1, -1)) as { result: Decision }).result, size: at.len };
}
const reasons = (d: Decision): string[] => d.reasons.map((r) => `${r.code}: ${r.message}`);
/** BASE as JSON with one field's value replaced by raw JSON text. */
const withRaw = (patch: (r: Record<string, unknown>) => void, raw: string): string => {
  const r = structuredClone(BASE) as Record<string, unknown>;
  patch(r);
  return JSON.stringify(r).replace('"@RAW@"', raw);
};
const tokensAt = (raw: string): string => withRaw((r) => ((r.tokens as Record<string, unknown>).input = '@RAW@'), raw);

describe('request text is read as OPA reads JSON: one value, 10,000 levels, UTF-8, Go\'s U+FFFD', () => {
  /** opa_json_parse and opa_value_parse of raw bytes: the value as JSON (opa_json_dump), or null for "no value". */
  const parse = (bytes: string | Uint8Array, rego = false): string | null => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const v = vm.exports[rego ? 'opa_value_parse' : 'opa_json_parse']!(vm.write(b), b.length);
    return v === 0 ? null : vm.cstring(vm.exports.opa_json_dump!(v));
  };
  const valid = JSON.stringify(BASE);
  const allowed = decide(valid).d;

  it('refuses anything after the value but whitespace', () => {
    for (const rego of [false, true]) {
      for (const t of [`${valid} {}`, `${valid} x`, `${valid}}`, '{} {}', '1 2', '"a""b"', '[1]]', 'true false', 'nullx', `${valid}\u0000`, `${valid} // c`]) {
        expect([t.slice(-12), rego, parse(t, rego)]).toEqual([t.slice(-12), rego, null]);
      }
      expect(parse(` \n\t{"a":[1,2]}\r\n `, rego)).toBe('{"a":[1,2]}');
    }
    for (const t of [`${valid} {}`, `${valid}}`, `${valid} x`]) expect(reasons(decide(t).d)).toEqual([NOT_A_REQUEST]);
    expect(decide(` \n${valid}\t `).d).toEqual(allowed);
  });

  it('refuses what JSON\'s grammar refuses', () => {
    const bad = [
      '', ' ', '\ufeff{}', '"abc', '{"a":"b', '{"a" 1}', '{"a":}', '{,}', '{"a":1,}', '[1,]', '[,1]', '{1:2}', "{'a':1}", '[01]', '-', '-a', '1.', '.5', '1e',
      '1e+', '+1', '0x10', 'NaN', 'Infinity', '-Infinity', 'tru', 'nul', '"\\q"', '"\\u12"', '"\\u12G4"', '"\\', '"\\a"', '"\\x41"', '"\\U00000041"',
      '"tab\there"', '"nl\nhere"', '"nul\u0000here"', '/* c */ {}', '[1 2]',
    ];
    for (const t of bad) expect([t, parse(t)]).toEqual([t, null]);
    // Rego value syntax (what OPA's engine sends) has its own escapes and sets.
    expect(parse('"\\x41\\a\\U0001F600"', true)).toBe('"A\\u0007😀"');
    expect(parse('{1, 2, {"a": set()}}', true)).toBe('[1,2,{"a":[]}]');
  });

  it('allows 10,000 levels of nesting and refuses 10,001, in both syntaxes, without trapping', () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    const deepObject = (n: number): string => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    for (const rego of [false, true]) {
      expect(parse(deep(10_000), rego)).toBe(deep(10_000));
      expect(parse(deep(10_001), rego)).toBeNull();
      expect(parse(deepObject(10_000), rego)).not.toBeNull();
      expect(parse(deepObject(10_001), rego)).toBeNull();
      expect(parse('['.repeat(200_000), rego)).toBeNull();
    }
    // Keys that are deep values (Rego syntax) are compared without exhausting the call stack.
    const key = deep(9_999);
    expect(parse(`{${key}: 1, ${key}: 2, "a": 3}`, true)).not.toBeNull();
    // Deeper than any parsed value, through opa_value_add_path: still written out, iteratively.
    const root = vm.exports.opa_json_parse!(vm.write(Buffer.from('{}')), 2);
    const path = Buffer.from(JSON.stringify(Array.from({ length: 50_000 }, () => 'k')));
    expect(vm.exports.opa_value_add_path!(root, vm.exports.opa_json_parse!(vm.write(path), path.length), vm.exports.opa_json_parse!(vm.write(Buffer.from('1')), 1))).toBe(0);
    expect(vm.cstring(vm.exports.opa_json_dump!(root))).toBe('{"k":'.repeat(50_000) + '1' + '}'.repeat(50_000));
    expect(reasons(decide(withRaw((r) => (r.extra = '@RAW@'), deep(10_001))).d)).toEqual([NOT_A_REQUEST]);
    expect(decide(withRaw((r) => (r.extra = '@RAW@'), deep(5_000))).d).toEqual(allowed);
  });

  it('turns bytes that are not UTF-8 into U+FFFD, one per byte, as Go does', () => {
    const str = (...b: number[]): Buffer => Buffer.concat([Buffer.from('"a'), Buffer.from(b), Buffer.from('b"')]);
    const R = '\ufffd';
    const cases: Array<[number[], string]> = [
      [[0xe2, 0x82, 0xed, 0xa0, 0x80], R.repeat(5)], // truncated euro sign, then an encoded surrogate
      [[0xc0, 0x80], R.repeat(2)], // overlong NUL
      [[0xe0, 0x80, 0xaf], R.repeat(3)], // overlong
      [[0xf4, 0x90, 0x80, 0x80], R.repeat(4)], // beyond U+10FFFF
      [[0xf5], R],
      [[0xff, 0xfe], R.repeat(2)],
      [[0x80], R],
      [[0xe2, 0x82, 0xac], '€'],
      [[0xf0, 0x9f, 0x98, 0x80], '😀'],
    ];
    for (const [b, want] of cases) expect([b, JSON.parse(parse(str(...b))!)]).toEqual([b, `a${want}b`]);
    // In a request: the echoed name carries the replacement characters.
    const [before, after] = JSON.stringify({ ...BASE, use_case: '@' }).split('@') as [string, string];
    const text = Buffer.concat([Buffer.from(`${before}a`), Buffer.from([0xe2, 0x82, 0xed, 0xa0, 0x80]), Buffer.from(`b${after}`)]);
    expect(decide(text).d.use_case).toBe(`a${R.repeat(5)}b`);
  });

  it('turns an escaped surrogate that is not half of a pair into U+FFFD, and reads the next escape on its own', () => {
    const R = '\ufffd';
    const cases: Array<[string, string]> = [
      ['"\\ud800"', R],
      ['"\\udc00"', R],
      ['"\\ud800\\u0041"', `${R}A`],
      ['"\\udc00\\ud83d\\ude00"', `${R}😀`],
      ['"\\ud800\\ud800\\udc00"', `${R}𐀀`],
      ['"\\ud83d\\ude00"', '😀'],
      ['"\\ud800x"', `${R}x`],
      ['"\\u0000"', '\u0000'],
    ];
    for (const [t, want] of cases) expect([t, JSON.parse(parse(t)!)]).toEqual([t, want]);
    expect(parse('"\\ud800\\uZZZZ"')).toBeNull();
    expect(JSON.parse(parse('"\\U0000D800"', true)!)).toBe(R);
  });

  it('keeps numbers of any size without trapping, and their text', () => {
    for (const t of ['1e999999999', '-1e-999999999', '1' + '0'.repeat(100_000), '0.' + '0'.repeat(100_000) + '1', '123456789012345678901234567890']) {
      expect(parse(t)).toBe(t);
    }
  });

  it('never traps on hostile bytes, and the next evaluation is unaffected', () => {
    const hostile = [
      Buffer.from('{"use_case": '),
      Buffer.from('['.repeat(200_000)),
      Buffer.from('{"a":'.repeat(100_000)),
      Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc0]),
      Buffer.from('"\\'),
      Buffer.from(`{"use_case":"${'\\ud800'.repeat(100_000)}","tenant":"t","region":"eu","time":"2026-11-26T10:00:00Z"}`),
      Buffer.from(`{"x":"${'\\u00e9'.repeat(100_000)}${'\u00e9'.repeat(100_000)}"}`),
      Buffer.alloc(100_000, 0xed),
    ];
    for (const b of hostile) {
      const { d } = decide(b);
      expect(d.decision).toBe('deny');
      expect(decide(valid).d).toEqual(allowed);
    }
  });
});

describe('RULE A: an integer field holds an integer only if the number\'s exact decimal value is one', () => {
  const allowed = (): Decision => decide(JSON.stringify(BASE)).d;

  it('tokens.input: texts of the integer 1000 decide as 1000; texts of non-integers are malformed', () => {
    const want = allowed();
    expect(want.decision).toBe('allow');
    for (const raw of ['1000', '1000.0', '1e3', '1E+3', '1e+3', '10000E-1', '100000e-2', '0.1e4', '1000.000000000000000000000', '1000e0', '1000E-0']) {
      expect([raw, decide(tokensAt(raw)).d]).toEqual([raw, want]);
    }
    for (const raw of ['1000.0000000000000001', '999.99999999999999999999', '1000.5', '1e-400', '-1e-400', '0.99999999999999999999', '1.0000000000000001', '2.00000000000000000001']) {
      expect([raw, reasons(decide(tokensAt(raw)).d)]).toEqual([raw, [`malformed_request: ${TOKENS}`]]);
    }
  });

  it('ranges are unchanged: integers past the bound, negatives and huge texts are malformed; -0 is 0', () => {
    for (const raw of ['1e400', '1000000001', '1e10', '-1', '1e100000', '123456789012345678901234567890', '1' + '0'.repeat(10_000)]) {
      expect([raw, reasons(decide(tokensAt(raw)).d)]).toEqual([raw, [`malformed_request: ${TOKENS}`]]);
    }
    expect(decide(tokensAt('1000000000')).d.reasons[0]!.code).not.toBe('malformed_request');
    const zero = decide(tokensAt('0')).d;
    for (const raw of ['-0', '0.0', '-0.0e5', '0e999999999', '0.000']) expect([raw, decide(tokensAt(raw)).d]).toEqual([raw, zero]);
  });

  it('spend values and rate counters follow the same rule, and the arithmetic uses the exact value', () => {
    const want = allowed();
    const month = (raw: string): string => withRaw((r) => (((r.spend as Record<string, Record<string, unknown>>).use_case!).month = '@RAW@'), raw);
    expect(decide(month('3250000000.0')).d).toEqual(want);
    expect(decide(month('3.25e9')).d).toEqual(want);
    expect(reasons(decide(month('3249999999.99999999999')).d)).toEqual([`malformed_request: ${SPEND('month')}`]);
    expect(reasons(decide(month('1e-400')).d)).toEqual([`malformed_request: ${SPEND('month')}`]);
    const requests = (raw: string): string => withRaw((r) => (((r.rate as Record<string, Record<string, unknown>>).use_case!).requests = '@RAW@'), raw);
    expect(decide(requests('1.4e2')).d).toEqual(want);
    expect(reasons(decide(requests('139.999999999999999999')).d)).toEqual([`malformed_request: ${RATE}`]);
    // The largest counters, written with a fraction of zeros, are the same integers.
    const big = decide(month('999999999999999.0000')).d;
    expect(big).toEqual(decide(month('999999999999999')).d);
  });
});

describe('RULE B: echoed request strings are bounded to 64 code points and "…"', () => {
  it('a 1 MB unknown use case gives a decision of bounded size whose use case and message end in "…"', () => {
    const { d, size } = decide(JSON.stringify({ ...BASE, use_case: 'u'.repeat(1 << 20) }));
    expect(d.use_case).toBe(cut('u'.repeat(64)));
    expect(reasons(d)).toEqual([`unknown_use_case: use case \`${cut('u'.repeat(64))}\` is not declared`]);
    expect(size).toBeLessThan(1024);
  });

  it('counts code points, never splits a pair, and echoes 64 whole', () => {
    const uc = (s: string): string | null => decide(JSON.stringify({ ...BASE, use_case: s })).d.use_case;
    expect(uc('😀'.repeat(64))).toBe('😀'.repeat(64));
    expect(uc('😀'.repeat(65))).toBe(cut('😀'.repeat(64)));
    expect(uc(`${'a'.repeat(63)}😀b`)).toBe(cut(`${'a'.repeat(63)}😀`));
    expect(uc(`${'é'.repeat(64)}`)).toBe('é'.repeat(64));
    expect(uc(`${'é'.repeat(65)}`)).toBe(cut('é'.repeat(64)));
    expect(uc('\ud800'.repeat(70))).toBe(cut('\ufffd'.repeat(64)));
  });

  it('bounds every request-chosen value a reason names', () => {
    const long = 'z'.repeat(100_000);
    const z = cut('z'.repeat(64));
    const r = (patch: Record<string, unknown>): string[] => reasons(decide(JSON.stringify({ ...BASE, ...patch })).d);
    expect(r({ model: long })).toEqual([`model_not_allowed: model \`${z}\` is not allowed for use case \`support_assistant\``]);
    expect(r({ data_classes: [long] })).toEqual([`unknown_data_class: data class \`${z}\` is not declared`]);
    expect(r({ tool: { name: long, scope: 'x' } })).toEqual([`tool_not_allowed: tool \`${z}\` is not granted to use case \`support_assistant\``]);
    expect(r({ tool: { name: 'order_lookup', scope: long } })).toEqual([`tool_scope_not_allowed: scope \`${z}\` is not granted for tool \`order_lookup\``]);
    const region = r({ region: long }).filter((m) => m.startsWith('model_region_not_served'));
    expect(region.length).toBeGreaterThan(0);
    for (const m of region) expect(m.endsWith(`region \`${z}\``)).toBe(true);
    const spendKey = JSON.stringify({ ...BASE, spend: { ...BASE.spend, use_case: { ...BASE.spend.use_case, ['k'.repeat(100_000)]: -1 } } });
    expect(reasons(decide(spendKey).d)).toEqual([`malformed_request: ${SPEND(cut('k'.repeat(64)))}`]);
    // Every decision above stays small however large the request.
    expect(decide(JSON.stringify({ ...BASE, model: long, region: long, data_classes: [long, `${long}y`], tool: { name: long, scope: long } })).size).toBeLessThan(8192);
  });

  it('writes a byte order mark and bidi controls as escapes (OPA\'s Rego parser refuses a raw byte order mark)', () => {
    const name = '\u202a\u202e\u2066\u2069\ufeffx';
    const at = vm.eval(Buffer.from(JSON.stringify({ ...BASE, use_case: name })));
    const raw = Buffer.from(vm.read(at));
    for (const bad of ['\ufeff', '\u202a', '\u202e', '\u2066', '\u2069']) expect(raw.includes(Buffer.from(bad))).toBe(false);
    expect(raw.toString()).toContain('\\u202a\\u202e\\u2066\\u2069\\ufeffx');
    expect((JSON.parse(raw.toString().slice(1, -1)) as { result: Decision }).result.use_case).toBe(name);
  });

  it('prints names the program declares whole, in messages and rules alike', () => {
    const d = decide(JSON.stringify(BASE)).d;
    expect(reasons(d)).toEqual(['allowed: allowed by use case `support_assistant`']);
    expect(d.reasons[0]!.rule).toBe('use_case/support_assistant');
  });
});

describe('RULE C: a trace id is a string of at most 256 code points, echoed whole', () => {
  const withTrace = (t: unknown, patch: Record<string, unknown> = {}): Decision => decide(JSON.stringify({ ...BASE, ...patch, trace_id: t })).d;

  it('accepts 256 code points and refuses 257, however encoded', () => {
    expect(withTrace('t'.repeat(256)).trace_id).toBe('t'.repeat(256));
    expect(withTrace('😀'.repeat(256)).trace_id).toBe('😀'.repeat(256));
    for (const t of ['t'.repeat(257), '😀'.repeat(257), 'x'.repeat(1 << 20), 7, null, {}, ['a']]) {
      const d = withTrace(t);
      expect([typeof t, reasons(d), d.trace_id]).toEqual([typeof t, [`malformed_request: ${TRACE}`], null]);
    }
  });

  it('a malformed decision echoes the trace id only when it is a valid one', () => {
    expect(withTrace('ok', { tenant: '' }).trace_id).toBe('ok');
    expect(withTrace('x'.repeat(1 << 20), { tenant: '' }).trace_id).toBeNull();
    expect(withTrace('😀'.repeat(256), { tenant: '' }).trace_id).toBe('😀'.repeat(256));
  });
});

describe('names that are members of Object.prototype are names like any other', () => {
  const RENAME: Record<string, string> = {
    support_assistant: '__proto__', ticket_summary: 'constructor', kb_tagging: 'toString',
    'gpt-4.1': '__proto__', 'gpt-4.1-mini': 'valueOf', 'claude-sonnet-4': 'constructor', 'claude-3-5-haiku': 'hasOwnProperty',
    pii: '__proto__', payment_card: 'toString', customer_content: 'constructor',
    order_lookup: 'toString', refund: '__proto__', kb_search: 'constructor',
  };
  const word = new RegExp(`(?<![A-Za-z0-9_.-])(${Object.keys(RENAME).map((k) => k.replace(/[.]/g, '\\.')).join('|')})(?![A-Za-z0-9_.-])`, 'g');
  /** JSON text with every whole occurrence of an original name replaced (keys, values, inside messages and rules). */
  const rename = (text: string): string => text.replace(word, (m) => RENAME[m]!);
  const renamedData = rename(dataJson);
  const renamedIr = (JSON.parse(renamedData) as { govc: { ir: IrProgram } }).govc.ir;
  /** Reasons and redactions sorted: renaming changes the order the semantics sorts them in. */
  const normal = (d: Decision): string =>
    JSON.stringify({ ...d, reasons: d.reasons.map((x) => JSON.stringify(x)).sort(), obligations: d.obligations && { ...d.obligations, redact: d.obligations.redact.map((x) => JSON.stringify(x)).sort() } }, (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
    );

  it('the renamed IR really holds them as own keys', () => {
    expect(Object.keys(renamedIr.use_cases).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.prototype.hasOwnProperty.call(renamedIr.models, '__proto__')).toBe(true);
    expect(Object.keys(renamedIr.data_classes)).toContain('toString');
    expect(Object.keys(renamedIr.tools).sort()).toEqual(['__proto__', 'constructor', 'toString']);
  });

  it('every corpus request decides in the renamed program as in the original, names renamed', async () => {
    const corpus = (await import('../helpers/corpus.js')).loadCorpora().find((c) => c.example === 'acme-support')!;
    const renamed = await goHostVm(policyWasm(), { json: renamedData });
    const sdk = await loadPolicy(policyWasm());
    sdk.setData(JSON.parse(renamedData) as object);
    let named = 0;
    for (const c of corpus.cases) {
      if (c.input === undefined) continue;
      const text = JSON.stringify(c.input);
      const want = JSON.parse(rename(JSON.stringify(decide(text).d))) as Decision;
      const got = decide(rename(text), renamed).d;
      expect([c.description, normal(got)]).toEqual([c.description, normal(want)]);
      // The JS SDK too: JSON.parse keeps `__proto__` an own key, and the SDK sends JSON text.
      if (c.input && typeof c.input === 'object') {
        const viaSdk = (sdk.evaluate(JSON.parse(rename(text)), 'govc/wasm/decision') as Array<{ result: Decision }>)[0]!.result;
        expect([c.description, normal(viaSdk)]).toEqual([c.description, normal(got)]);
      }
      if (/__proto__|constructor|toString/.test(JSON.stringify(got))) named++;
    }
    expect(named).toBeGreaterThan(50);
  });

  it('a program without such names finds none of them', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(reasons(decide(JSON.stringify({ ...BASE, use_case: name })).d)).toEqual([`unknown_use_case: use case \`${name}\` is not declared`]);
      expect(reasons(decide(JSON.stringify({ ...BASE, model: name })).d)).toEqual([`model_not_allowed: model \`${name}\` is not allowed for use case \`support_assistant\``]);
      expect(reasons(decide(JSON.stringify({ ...BASE, data_classes: [name] })).d)).toEqual([`unknown_data_class: data class \`${name}\` is not declared`]);
      expect(reasons(decide(JSON.stringify({ ...BASE, tool: { name, scope: 'x' } })).d)).toEqual([`tool_not_allowed: tool \`${name}\` is not granted to use case \`support_assistant\``]);
    }
    // A request whose own `__proto__` member is a field like any other (ignored by the semantics).
    expect(decide(JSON.stringify(BASE).replace(/^\{/, '{"__proto__":{"model":"gpt-9"},')).d).toEqual(decide(JSON.stringify(BASE)).d);
  });
});
