import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS } from '../src/check/builtinDetectors.js';
import { analyseWays, checkPortableRegex, detectorPrefilter, parseRegexSyntax, REGEX_LIMITS } from '../src/regex/index.js';
import { compileDetector } from '../src/runtime/detector.js';
import { EDGE_ACCEPTED, go, python, re2js, wellFormed, type Answer, type Job } from './engines/engines.js';
import { exampleIr, exampleNames } from './helpers/repo.js';

const ACCEPTED = [
  '\\b\\d{3}-\\d{2}-\\d{4}\\b',
  'EMP-[0-9]{6}',
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+',
  '(?:ab|cd)+',
  '[\\w.]+',
  'a{2,5}?b',
  '\\x41+',
  '[^\\n]+',
  '(?:sk|pk)-[A-Za-z0-9]{8}',
];

type Kind = 'unsupported' | 'backtracking' | 'syntax';
const REJECTED: Array<[string, Kind]> = [
  ['(a+)+', 'backtracking'],
  ['(a*)*b', 'backtracking'],
  ['(\\w+[ -]?)*x', 'backtracking'],
  ['(a|ab|b)*c', 'backtracking'],
  ['a.b', 'unsupported'],
  ['^abc', 'unsupported'],
  ['abc$', 'unsupported'],
  ['\\s+', 'unsupported'],
  ['(?=x)y', 'unsupported'],
  ['(?<!x)y', 'unsupported'],
  ['(?<name>x)', 'unsupported'],
  ['(?P<name>x)', 'unsupported'],
  ['(?i)abc', 'unsupported'],
  ['(a)\\1', 'unsupported'],
  ['\\p{L}+', 'unsupported'],
  ['\\u0041', 'unsupported'],
  ['a++', 'unsupported'],
  ['a{2000}', 'unsupported'],
  ['a*', 'unsupported'],
  ['[[:alpha:]]', 'unsupported'],
  ['(ab', 'syntax'],
  ['ab)', 'syntax'],
  ['*a', 'syntax'],
  ['[z-a]', 'syntax'],
  // Issue 8: catastrophic shapes the checker used to accept, bounded repeats included.
  ['(?:\\d+){1,1000}x', 'backtracking'],
  ['(?:a|a){1,1000}x', 'backtracking'],
  ['\\d+\\d+\\d+\\d+\\d+\\d+\\d+\\d+x', 'backtracking'],
  ['\\d+\\d+', 'backtracking'],
  ['\\d{1,500}\\d{1,500}x', 'backtracking'],
  ['\\w{1,1000}\\d{1000}', 'backtracking'], // one way per split, but up to 1000 partial matches alive at once
  ['(?:a|a){1,5}x', 'backtracking'], // one step past EDGE_ACCEPTED's `{1,4}`
  ['(?:a?a)+', 'backtracking'],
  ['\\d?\\d?\\d?\\d?\\d?\\d?\\d?\\d?x', 'backtracking'],
  ['(?:a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q)*x'.replace(/[b-q]/g, 'a'), 'backtracking'], // 17 branches reading `a`
  ['(?:a?)+b', 'backtracking'], // a repeated part that can match empty text
  ['(?:\\b)+x', 'syntax'], // a group of only a boundary is the boundary
  ['a\\b+', 'syntax'],
  // Issue 8: non-portable class forms.
  ['[\\d-z]', 'unsupported'],
  ['[\\w-.]', 'unsupported'],
  ['[0-\\d]', 'unsupported'],
  ['[a-\\w]', 'unsupported'],
  ['[\\d-]', 'unsupported'],
  ['[-\\d]', 'unsupported'],
  ['[^-\\W]', 'unsupported'],
  ['[a&&b]', 'unsupported'],
  ['[--/]', 'unsupported'],
  ['[a~~b]', 'unsupported'],
  ['[a||b]', 'unsupported'],
  ['[\\b]', 'unsupported'],
  // RE2's limits, which Go and google-re2 share: counts, and their product when nested.
  ['a{1001}', 'unsupported'],
  ['(?:a{11}){100}', 'unsupported'],
  ['(?:(?:ab){10}){101}', 'unsupported'],
  ['[A-Za-z]{1000}[0-9]{1000}x', 'unsupported'], // 2001 positions once written out
  // Characters the engines read differently: U+FFFD (what Go and google-re2 read a lone surrogate as), surrogates.
  ['\ufffd', 'unsupported'],
  ['[\ufff0-\uffff]', 'unsupported'],
  ['[\ud000-\ue000]', 'unsupported'],
  ['a\ud800', 'unsupported'],
  ['\udc00b', 'unsupported'],
];

describe('portable regex subset', () => {
  it.each([...ACCEPTED, ...EDGE_ACCEPTED])('accepts %s', (p) => {
    expect(checkPortableRegex(p)).toBeUndefined();
  });

  it.each(REJECTED)('rejects %s (%s)', (p, kind) => {
    const problem = checkPortableRegex(p);
    expect(problem?.kind).toBe(kind);
    expect(problem?.help.length).toBeGreaterThan(10);
  });

  it('accepts every built-in detector', () => {
    for (const [name, p] of Object.entries(BUILTIN_DETECTORS)) expect([name, checkPortableRegex(p)]).toEqual([name, undefined]);
  });

  it('explains each catastrophic shape by the part of the pattern responsible', () => {
    const explain = (p: string) => {
      const r = checkPortableRegex(p);
      return r && { message: r.message, at: r.at };
    };
    expect(explain('(?:\\d+){1,1000}x')).toEqual({ message: 'a repeated group contains another repetition: `(?:\\d+){1,1000}`', at: 0 });
    expect(explain('(?:a|a){1,1000}x')).toEqual({ message: 'a repeated alternation has branches that can match the same text: `(?:a|a){1,1000}`', at: 0 });
    expect(explain('xy\\d+\\d+\\d+\\d+\\d+\\d+\\d+\\d+x')).toEqual({ message: '`\\d+` and `\\d+` can split the same text in too many ways', at: 2 });
    expect(explain('\\b(\\w+\\d*)*-\\d{4}\\b')).toEqual({ message: 'a repeated group contains another unbounded repetition', at: 2 });
    expect(explain('ab[\\w-.]+')).toEqual({ message: 'a class escape cannot be a range endpoint: `\\w-.`', at: 3 });
    expect(explain('[a-z\\d-]+')).toEqual({ message: 'a `-` next to a class escape is not portable: `a-z\\d-`', at: 6 });
    expect(explain('x(?:a{11}){100}')).toEqual({ message: 'nested counts multiply to more than 1000: `(?:a{11}){100}`', at: 1 });
  });

  it('bounds what a backtracking engine may try per start position', () => {
    const root = (p: string) => {
      const r = parseRegexSyntax(p);
      if (!r.ok) throw new Error(r.problem.message);
      return r.root;
    };
    // The limit is exact: (a|a) repeated k times leaves 2^k partial matches alive on `a`*k.
    expect(analyseWays(root('(?:a|a){1,4}x'))).toEqual({ kind: 'bounded', ways: 16, stepsPerStart: 2 + 4 + 8 + 16 + 16 });
    expect(analyseWays(root('(?:a|a){1,5}x'))).toMatchObject({ kind: 'unbounded', example: 'aaaaa' });
    expect(analyseWays(root('\\b\\d{3}-\\d{2}-\\d{4}\\b'))).toEqual({ kind: 'bounded', ways: 1, stepsPerStart: 11 });
    expect(analyseWays(root(BUILTIN_DETECTORS.email!))).toEqual({ kind: 'bounded', ways: 1, stepsPerStart: Infinity });
    // Nested loops count each way through: `(a+)+` reaches `a` again by the inner or the outer loop.
    expect(analyseWays(root('(a+)+'))).toMatchObject({ kind: 'unbounded', example: 'a'.repeat(6) });
  });

  it('never throws and stays fast on random and hostile pattern text', () => {
    const regexish = fc.string({ unit: fc.constantFrom(...'()[]{}|*+?\\-^$.,:dDwWbBsSx0123456789aAzZ_&~é😀\ufffd\ud800\n\t'.split('')), maxLength: 40 });
    fc.assert(
      fc.property(regexish, (p) => {
        const r = checkPortableRegex(p);
        // A diagnostic message is one line, whatever characters the pattern holds.
        if (r) expect(r.message).not.toMatch(/[\n\r\u2028\u2029]/);
      }),
      { numRuns: 3000, seed: 20261201 },
    );
    const hostile = [
      '(?:' + Array.from({ length: 60 }, (_, i) => `[a-${String.fromCharCode(98 + (i % 24))}]{1,16}`).join('|') + ')x',
      '(?:[ab]|[bc]|[ca]){1,300}x',
      '[ab]*a[ab]{14}',
      '(?:(?:(?:(?:a{1,9}){1,9}){1,9})b)+',
      '('.repeat(400) + 'a' + ')'.repeat(400),
      '(?:\\w{1,999}\\d)+',
      Array.from({ length: 100 }, () => '\\d{0,6}').join('') + 'x',
    ];
    for (const p of hostile) {
      const start = performance.now();
      const problem = checkPortableRegex(p);
      expect(performance.now() - start, `checking ${p.slice(0, 40)} (${problem?.message ?? 'accepted'})`).toBeLessThan(3000);
    }
  });

  it('limits are what the documentation states', () => {
    expect(REGEX_LIMITS).toEqual({ patternLength: 1000, repeat: 1000, nestedRepeat: 1000, positions: 2000, ways: 16 });
  });
});

/** Every pattern govc ships or the examples declare, plus the accepted lists above. */
const PATTERNS = [
  ...new Set([
    ...ACCEPTED,
    ...EDGE_ACCEPTED,
    ...Object.values(BUILTIN_DETECTORS),
    ...exampleNames().flatMap((n) => Object.values(exampleIr(n).data_classes).flatMap((c) => c.detectors.map((d) => d.regex))),
  ]),
];

/**
 * Text built from pieces detectors care about, characters on which engines are known to differ (line and space
 * separators, non-ASCII digits and letters), astral characters, combining marks, lone surrogates, U+FFFD, and the
 * hostile shapes of test/adversarial (runs of one class without the closing part).
 */
const piece = fc.constantFrom(
  'a', 'Z', '_', '0', '7', '-', '.', '@', '+', ' ', '\t', '\n', '\r', '\u00a0', '\u2028', 'é', 'ß', '٣', '１', '😀', '😁', '𝐀',
  'e\u0301', '\u0301', '\u200d', '\ud800', '\udfff', '\ufffd', '\ue000', '\u00ff', '\u0080',
  'sk-', 'EMP-', 'ab', 'cd', 'x@y.com', '+44 20 7946 0958', '123-45-6789', '4111 1111 1111 1111', 'DE89370400440532013000', '10.0.0.1',
  'AKIA', 'ghp_', '-----BEGIN', 'MRN', '12345678', 'aaaaaaaaaaaa', '1111111111111111', 'a.a.a.a.a.', '1-1-1-1-', 'bababababa', ',',
);

function disagreements(jobs: readonly Job[], engines: Record<string, Answer[]>): unknown[] {
  const names = Object.keys(engines);
  return jobs.flatMap((j, i) => {
    const answers = names.map((n) => JSON.stringify(wellFormed(engines[n]![i]!)));
    return answers.every((a) => a === answers[0]) ? [] : [{ ...j, ...Object.fromEntries(names.map((n) => [n, engines[n]![i]])) }];
  });
}

describe('portable regex subset: re2js, google-re2, RE2 (Go) and Python re agree', () => {
  const texts = fc.sample(fc.array(piece, { minLength: 0, maxLength: 24 }).map((a) => a.join('')), { numRuns: 250, seed: 20261126 });
  const jobs = PATTERNS.flatMap((pattern) => texts.map((text) => ({ pattern, text })));

  it('every accepted pattern compiles in every engine and finds the same matches on random text', () => {
    const engines = { re2js: re2js(jobs), 'google-re2': python(jobs, 're2'), go: go(jobs), 'python re': python(jobs, 're') };
    for (const [name, answers] of Object.entries(engines)) {
      const refused = PATTERNS.filter((p) => answers.some((a, i) => jobs[i]!.pattern === p && !Array.isArray(a)));
      expect([name, refused]).toEqual([name, []]);
    }
    expect(disagreements(jobs, engines).slice(0, 5)).toEqual([]);
  }, 180_000);

  it('compileDetector (re2js behind the V8 prefilter) answers exactly as re2js on the whole text', () => {
    const problems: unknown[] = [];
    for (const pattern of PATTERNS) {
      const d = compileDetector(pattern);
      const re = RE2JS.compile(pattern);
      for (const text of texts) {
        const want = { test: re.test(text), replaced: re.matcher(text).replaceAll(() => '<$&>') };
        const got = { test: d.test(text), replaced: d.replaceAll(text, '<$&>') };
        if (JSON.stringify(got) !== JSON.stringify(want)) problems.push({ pattern, text, got, want });
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('built-in detectors have a prefilter, exact where the pattern is bounded', () => {
    const kinds = Object.fromEntries(Object.entries(BUILTIN_DETECTORS).map(([n, p]) => [n, detectorPrefilter(p)?.exact]));
    expect(kinds).toEqual({ email: false, phone: true, credit_card: true, iban: true, ip_address: true, api_key: false, us_ssn: true });
  });

  it('random patterns the checker accepts mean the same in every engine, and compileDetector agrees with re2js', () => {
    // Patterns from the subset's grammar (astral characters, combining marks, Latin-1 escapes, boundaries, lazy
    // and counted repetitions, nested groups); those the checker accepts must leave no engine a choice.
    const atom = fc.constantFrom(
      'a', 'b', 'é', '😀', '\\d', '\\w', '\\W', '\\D', '[a-c]', '[^a]', '[^\\n]', '[\\w.]', '[ -]', '\\.', '\\-', '\\b', '\\B',
      '\\x41', '\\xe9', '[😀-😂]', '[^😀]', 'e\u0301', '\u0301', '[a\\-]', '[-a]', '[\\x80-\\xff]',
    );
    const quant = fc.constantFrom('', '', '', '?', '*', '+', '{2}', '{1,3}', '{2,}', '??', '+?', '*?', '{0,2}?');
    const node: fc.Arbitrary<string> = fc.letrec((tie) => ({
      n: fc.oneof(
        { depthSize: 'small' },
        fc.tuple(atom, quant).map(([a, q]) => a + q),
        fc.tuple(fc.array(tie('n'), { minLength: 1, maxLength: 3 }), quant).map(([xs, q]) => `(?:${xs.join('')})${q}`),
        fc.tuple(tie('n'), tie('n')).map(([x, y]) => `(?:${x}|${y})`),
      ),
    })).n;
    const patterns = [...new Set(fc.sample(fc.array(node, { minLength: 1, maxLength: 4 }).map((a) => a.join('')), { numRuns: 4000, seed: 7 }))].filter(
      (p) => checkPortableRegex(p) === undefined,
    );
    expect(patterns.length).toBeGreaterThan(300);
    const small = fc.constantFrom('a', 'b', 'c', 'é', 'e\u0301', '\u0301', '😀', '😁', '\ud800', '\udc00', '\ufffd', '1', '9', ' ', '-', '.', '\n', '_', 'A', '\u00ff', '\u0080', 'x');
    const shortTexts = fc.sample(fc.array(small, { maxLength: 12 }).map((a) => a.join('')), { numRuns: 60, seed: 9 });
    const randomJobs = patterns.flatMap((pattern) => shortTexts.map((text) => ({ pattern, text })));
    const engines = { re2js: re2js(randomJobs), 'google-re2': python(randomJobs, 're2'), go: go(randomJobs), 'python re': python(randomJobs, 're') };
    expect(disagreements(randomJobs, engines).slice(0, 5)).toEqual([]);
    const fastPath = patterns.flatMap((pattern) => {
      const d = compileDetector(pattern);
      const re = RE2JS.compile(pattern);
      return shortTexts.flatMap((text) => {
        const want = [re.test(text), re.matcher(text).replaceAll(() => '#')];
        const got = [d.test(text), d.replaceAll(text, '#')];
        return JSON.stringify(got) === JSON.stringify(want) ? [] : [{ pattern, text, got, want }];
      });
    });
    expect(fastPath.slice(0, 5)).toEqual([]);
  }, 180_000);

  it('each construct refused for portability is refused by an engine or read differently by two', () => {
    // [pattern, a text on which the engines disagree]: the refusal is needed, not a matter of taste.
    const cases: Array<[string, string]> = [
      ['[\\d-z]', 'a-z'], // Python re: bad character range
      ['[\\w-.]', 'a-.'], // Python re: bad character range
      ['[0-\\d]', '0-5'], // RE2: invalid escape; Python re: bad range
      ['abc$', 'abc\n'], // Python's `$` matches before a final newline
      ['\\s', '\u000b'], // vertical tab: a space in Python, not in RE2
      ['[\\b]', '\b'], // backspace in Python, an error in RE2
      ['a{1001}', 'a'], // RE2's count limit
      ['(?:a{11}){100}', 'a'], // RE2's nested count limit
      ['x\ufffd', 'x\ud800'], // Go and google-re2 read the lone surrogate as U+FFFD, re2js does not
      ['a{,3}', 'a{,3}'], // Python re reads {0,3}, RE2 a literal
    ];
    const caseJobs = cases.map(([pattern, text]) => ({ pattern, text }));
    const engines = { re2js: re2js(caseJobs), 'google-re2': python(caseJobs, 're2'), go: go(caseJobs), 'python re': python(caseJobs, 're') };
    const agreeing = caseJobs.filter((_, i) => new Set(Object.values(engines).map((a) => JSON.stringify(wellFormed(a[i]!)))).size === 1);
    expect(agreeing).toEqual([]);
    for (const [p] of cases) expect([p, checkPortableRegex(p)?.kind]).toEqual([p, expect.stringMatching(/unsupported|syntax/)]);
    // A `-` next to a class escape and set-operation lookalikes: JavaScript's `v` mode refuses them or reads a set operation.
    for (const [p, text] of [['[\\d-]', '-'], ['[-\\d]', '-'], ['[a&&b]', 'a'], ['[--/]', '.'], ['[a~~b]', '~'], ['[a||b]', '|']] as const) {
      let v: boolean | 'refused';
      try {
        v = new RegExp(p, 'v').test(text);
      } catch {
        v = 'refused';
      }
      expect([p, v]).not.toEqual([p, new RegExp(p, 'u').test(text)]);
      expect([p, checkPortableRegex(p)?.kind]).toEqual([p, 'unsupported']);
    }
  }, 60_000);
});
