import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseRequestJson } from '../../src/eval/parseRequestJson.js';

/**
 * `parseRequestJson`, the JSON text entry point (docs/semantics.md "Request text", RULE A): fixed expectations for
 * numbers, strings as Go's encoding/json (OPA) reads them, and what is not one JSON value; JSON.parse as the oracle
 * wherever the two must agree; never a throw.
 */
const value = (text: string | Uint8Array): unknown => {
  const r = parseRequestJson(text);
  if (!r.ok) throw new Error(`refused ${JSON.stringify(String(text).slice(0, 80))}: ${r.error}`);
  return r.value;
};
const refused = (text: string | Uint8Array): boolean => !parseRequestJson(text).ok;

describe('RULE A: numbers by their exact decimal value', () => {
  it('integers (exact value an integer) are their double', () => {
    const cases: Array<[string, number]> = [
      ['1', 1], ['1.0', 1], ['1e3', 1000], ['10E-1', 1], ['100e-2', 1], ['1E+2', 100], ['0.0', 0], ['10.0', 10], ['1e-0', 1],
      ['0.1e1', 1], ['1000000000', 1e9], ['1000000000000000', 1e15], ['9007199254740993', 9007199254740992], ['1e00000000000000000000003', 1000],
    ];
    for (const [text, want] of cases) expect([text, value(text)]).toEqual([text, want]);
    expect(Object.is(value('-0'), -0)).toBe(true);
    expect(Object.is(value('-0.0e5'), -0)).toBe(true);
  });

  it('non-integers whose nearest double is an integer are NaN (the validators say: not an integer)', () => {
    for (const text of ['0.99999999999999999999', '1e-400', '-1e-400', '1.0000000000000001', '999999999.99999999999', '1000000000.00000000001', '2.00000000000000000001', '5e-1000000000000000000000']) {
      expect([text, value(text)]).toEqual([text, NaN]);
    }
  });

  it('other numbers are their nearest double: non-integers stay non-integers, huge values are infinite', () => {
    const cases: Array<[string, number]> = [['1.5', 1.5], ['1e-7', 1e-7], ['-2.25', -2.25], ['1e400', Infinity], ['-1e400', -Infinity], ['1e1000000', Infinity]];
    for (const [text, want] of cases) expect([text, value(text)]).toEqual([text, want]);
  });

  it('agrees with JSON.parse on every number whose double is not an integer or whose exact value is one', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = JSON.stringify(x);
        expect(value(text)).toBe(JSON.parse(text));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).filter((n) => n !== 0n), fc.integer({ min: 0, max: 40 }), (n, k) => {
        // n × 10^k written as n followed by k zeros, or as n e k: an integer either way.
        expect(value(`${n}${'0'.repeat(k)}`)).toBe(Number(`${n}${'0'.repeat(k)}`));
        expect(value(`${n}e${k}`)).toBe(Number(`${n}e${k}`));
      }),
      { numRuns: 500 },
    );
  });
});

describe('strings as OPA reads them', () => {
  it('an escaped surrogate that is not half of a pair is U+FFFD; a pair is its code point', () => {
    expect(value('"\\ud83d\\ude00"')).toBe('\u{1F600}');
    expect(value('"\\ud800"')).toBe('\ufffd');
    expect(value('"\\udc00x"')).toBe('\ufffdx');
    expect(value('"\\ud800\\u0041"')).toBe('\ufffdA');
    expect(value('"\\udc00\\ud83d\\ude00"')).toBe('\ufffd\u{1F600}');
    expect(value('"\\ud83d\\ud83d\\ude00"')).toBe('\ufffd\u{1F600}');
  });

  it('a string input is read as its UTF-8 encoding: raw lone surrogates are U+FFFD', () => {
    expect(value('"a\ud800b"')).toBe('a\ufffdb');
    expect(value('{"\udfff":1}')).toEqual({ '\ufffd': 1 });
  });

  it('bytes: each byte that does not start a valid UTF-8 sequence is one U+FFFD (Go, not WHATWG)', () => {
    const bytes = (...b: number[]): Uint8Array => Uint8Array.from([0x22, ...b, 0x22]);
    expect(value(bytes(0x61, 0xe2, 0x82, 0x62))).toBe('a\ufffd\ufffdb'); // TextDecoder would give one U+FFFD
    expect(value(bytes(0xed, 0xa0, 0x80))).toBe('\ufffd'.repeat(3)); // an encoded surrogate
    expect(value(bytes(0xc0, 0xaf))).toBe('\ufffd'.repeat(2)); // overlong
    expect(value(bytes(0xf4, 0x90, 0x80, 0x80))).toBe('\ufffd'.repeat(4)); // beyond U+10FFFF
    expect(value(bytes(0xf0, 0x9f, 0x98, 0x80, 0xff))).toBe('\u{1F600}\ufffd');
    expect(value(Buffer.from('"ü€😀"'))).toBe('ü€😀');
  });

  it('escapes: JSON\'s and no others; control characters must be escaped', () => {
    expect(value('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"')).toBe('"\\/\b\f\n\r\té');
    for (const text of ['"\\x41"', '"\\u12"', '"\\u12G4"', '"a\nb"', '"\u0000"', '"abc', "'a'"]) expect([text, refused(text)]).toEqual([text, true]);
  });
});

describe('one JSON value, nothing else', () => {
  it('refuses trailing garbage, a byte order mark, comments, leading zeros, bare words', () => {
    for (const text of ['{"use_case":"x"} {}', '{"use_case":"x"} x', '{"a":1}}', '\ufeff{}', '{} // c', '/* c */ {}', '01', '[1,]', '{"a":1,}', '+1', '.5', '1.', 'NaN', 'Infinity', 'nul', '', '   ', '{a:1}', '[1 2]']) {
      expect([text, refused(text)]).toEqual([text, true]);
    }
    expect(refused(Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe(true);
  });

  it('accepts JSON whitespace around the value, and only that', () => {
    expect(value(' \t\r\n{"a" : [ 1 , 2 ] }\n')).toEqual({ a: [1, 2] });
    expect(refused('{"a":1}\u00a0')).toBe(true);
    expect(refused('{"a":1}\u2028')).toBe(true);
  });

  it('nests 10,000 levels deep (Go\'s limit), not one more, without recursion', () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    expect(parseRequestJson(deep(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(refused(deep(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(refused('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000))).toBe(true);
  });

  it('duplicate keys: the last wins; `__proto__` is an own key, never the prototype', () => {
    expect(value('{"a":1,"a":2}')).toEqual({ a: 2 });
    const o = value('{"__proto__":{"model":"x"},"constructor":1,"toString":2}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(o.model).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(o, '__proto__')?.value).toEqual({ model: 'x' });
  });

  it('equals JSON.parse on JSON without the cases above (random JSON values)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(value(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, on any text or bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => void parseRequestJson(text)), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void parseRequestJson(bytes)), { numRuns: 2000 });
    const json = fc.jsonValue().map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(json, fc.nat(), fc.string({ maxLength: 3 }), (text, at, insert) => {
        const i = at % (text.length + 1);
        void parseRequestJson(text.slice(0, i) + insert + text.slice(i));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a 1 MB string and a 1 MB number in linear time', () => {
    const t0 = performance.now();
    expect((value(`{"use_case":"${'x'.repeat(1 << 20)}"}`) as { use_case: string }).use_case.length).toBe(1 << 20);
    expect(value('1' + '0'.repeat(1 << 20))).toBe(Infinity);
    expect(value('0.' + '0'.repeat(1 << 20) + '1')).toBe(NaN);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
