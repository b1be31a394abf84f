/**
 * ReDoS property test (issue 8): every built-in detector, every detector the examples and the standard library
 * declare, and custom patterns the checker accepts at the edge of its rules run in time linear in the text through
 * compileDetector's test and replaceAll, on texts of 100 and 500 KB made to defeat backtracking engines: runs of
 * each of the pattern's own classes, near-misses (a shortest match less its last character) repeated, and runs of
 * digits, letters and separators. Linear means 5 times the text takes about 5 times as long; quadratic (V8's RegExp
 * on `email`: 26 s for 160 KB) would be 25 times, and blows the absolute bound long before.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS } from '../../src/check/builtinDetectors.js';
import { checkPortableRegex, parsePortableRegex, type RegexNode } from '../../src/regex/index.js';
import { compileDetector, type Detector } from '../../src/runtime/detector.js';
import { EDGE_ACCEPTED } from '../engines/engines.js';
import { exampleIr, exampleNames } from '../helpers/repo.js';

/**
 * 100 KB must take under this (fails fast on a quadratic engine), and 500 KB under five times this: the bound scales
 * with the text as linear time does. Generous for a busy CI box; the ratio below is what tells linear from quadratic.
 */
const ABSOLUTE_MS = 2000;
/**
 * time(500 KB) <= RATIO × time(100 KB) + SLACK_MS: linear is 5, quadratic 25. Other processes share the machine, so
 * a pair that fails is measured again, more carefully, before it counts: a quadratic engine fails every time.
 */
const RATIO = 12;
const SLACK_MS = 25;

const DETECTORS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(BUILTIN_DETECTORS).map(([n, p]) => [`builtin ${n}`, p])),
  ...Object.fromEntries(
    exampleNames().flatMap((e) => Object.values(exampleIr(e).data_classes).flatMap((c) => c.detectors.filter((d) => !d.builtin).map((d) => [`${e} ${d.name}`, d.regex]))),
  ),
  ...Object.fromEntries(EDGE_ACCEPTED.map((p) => [`edge ${p}`, p])),
  'custom email-like, bounded local part': '\\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){1,8}\\b',
  'custom token after a keyword': '\\b(?:token|secret|password)[=:][A-Za-z0-9_-]{8,}',
  'custom repeated group closed by a dot': '(?:[a-z0-9-]+\\.)+(?:com|org|net)\\b',
};

/** A character of a class, preferring ones that ordinary text is full of. */
function representative(set: readonly number[]): string {
  for (const c of [...'a1A_-. @', '😀', 'é']) {
    const cp = c.codePointAt(0)!;
    for (let i = 0; i < set.length; i += 2) if (set[i]! <= cp && cp <= set[i + 1]!) return c;
  }
  return String.fromCodePoint(set[0]!);
}

function shortestMatch(n: RegexNode): string {
  switch (n.kind) {
    case 'Set':
      return representative(n.set);
    case 'Assert':
      return '';
    case 'Seq':
      return n.items.map(shortestMatch).join('');
    case 'Alt':
      return n.alternatives.map(shortestMatch).reduce((a, b) => (b.length < a.length ? b : a));
    case 'Repeat':
      return shortestMatch(n.body).repeat(n.min);
  }
}

function sets(n: RegexNode): Array<readonly number[]> {
  if (n.kind === 'Set') return [n.set];
  const kids = n.kind === 'Seq' ? n.items : n.kind === 'Alt' ? n.alternatives : n.kind === 'Repeat' ? [n.body] : [];
  return kids.flatMap(sets);
}

/** Repeated units of hostile text for one pattern. */
function hostileUnits(pattern: string): string[] {
  const parsed = parsePortableRegex(pattern);
  if (!parsed.ok) throw new Error(`${pattern}: ${parsed.problem.message}`);
  const example = [...shortestMatch(parsed.root)];
  const nearMiss = example.slice(0, -1).join('');
  const units = new Set<string>([
    ...sets(parsed.root).map(representative), // a run of one of the pattern's classes, no closing part
    nearMiss, // a match less its last character, again and again
    `${nearMiss} `,
    example.join(''), // matches back to back: replaceAll's work grows with them
    '1', '1 ', '1-', 'a', 'a.', 'a@', 'A1', '😀', '\ud800', 'e\u0301',
  ]);
  return [...units].filter((u) => u !== '' && u !== ' ');
}

const text = (unit: string, bytes: number): string => unit.repeat(Math.ceil(bytes / unit.length));

function bestMs(f: () => unknown, runs: number, limit = ABSOLUTE_MS): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    best = Math.min(best, performance.now() - start);
    if (best > limit) break; // already too slow: do not wait for a quadratic engine twice
  }
  return best;
}

/** Times `run` on 100 and 500 KB of `unit`; undefined when that looks linear, else the timings. */
function nonLinear(run: (t: string) => unknown, unit: string): { t100: number; t500?: number } | undefined {
  const small = text(unit, 100 * 1024);
  let t100 = bestMs(() => run(small), 2);
  if (t100 > ABSOLUTE_MS) return { t100 }; // a quadratic engine: 500 KB would take minutes
  const large = text(unit, 500 * 1024);
  let t500 = bestMs(() => run(large), 1, 5 * ABSOLUTE_MS);
  const linear = () => t500 <= 5 * ABSOLUTE_MS && t500 <= RATIO * t100 + SLACK_MS;
  if (linear()) return undefined;
  t100 = Math.min(t100, bestMs(() => run(small), 5));
  t500 = Math.min(t500, bestMs(() => run(large), 3, 5 * ABSOLUTE_MS));
  return linear() ? undefined : { t100: Math.round(t100), t500: Math.round(t500) };
}

describe('detectors run in linear time on hostile text (ReDoS)', () => {
  it('every detector under test is in the portable subset', () => {
    expect(Object.entries(DETECTORS).filter(([, p]) => checkPortableRegex(p) !== undefined)).toEqual([]);
  });

  for (const [name, pattern] of Object.entries(DETECTORS)) {
    it(`${name}: \`${pattern}\``, () => {
      const detector: Detector = compileDetector(pattern);
      const slow: unknown[] = [];
      for (const unit of hostileUnits(pattern)) {
        const t = nonLinear((x) => detector.test(x), unit);
        if (t) slow.push({ op: 'test', unit, ...t });
        const r = nonLinear((x) => detector.replaceAll(x, '[REDACTED]'), unit);
        if (r) slow.push({ op: 'replaceAll', unit, ...r });
      }
      expect(slow).toEqual([]);
    }, 120_000);
  }
});
