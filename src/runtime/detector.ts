import { RE2JS } from 're2js';
import { detectorPrefilter, type CodePointSet } from '../regex/index.js';

/**
 * A compiled data-class detector: one pattern of govc's portable regex subset (docs/language.md), matched the same
 * way in every runtime. Callers only use this interface, so the engine behind it can change without touching them.
 */
export interface Detector {
  /** The pattern as written in the program. */
  readonly source: string;
  /** True when the pattern matches somewhere in `text`. */
  test(text: string): boolean;
  /** `text` with every non-overlapping leftmost-first match replaced by `replacement`, taken literally. */
  replaceAll(text: string, replacement: string): string;
}

/**
 * Compiles one detector pattern. Matches are found by re2js, a port of RE2 (the engine behind Rego's regexes, and
 * google-re2 in Python), so matching takes time linear in the text whatever the pattern and the text, and reads
 * text by code point as RE2 does. V8's own engine backtracks: on `[A-Za-z0-9._%+-]+@` and text without `@` it is
 * quadratic.
 *
 * re2js is much slower than V8 on ordinary text, so the checker also derives a prefilter (`detectorPrefilter`): a
 * small expression that occurs in every match, cheap on V8 by construction (a bounded number of steps per start
 * position), and the set of characters a match can contain. Only the runs of those characters that hold a
 * prefilter hit, with one character of context on each side for `\b`, go to re2js; a match never crosses a
 * character outside the set, so the result is the same as re2js on the whole text. When the pattern is bounded
 * and cheap it is its own prefilter, and V8's answer to "is there a match" is the answer.
 *
 * Throws when re2js cannot compile `source` (a program that passed `govc check` never has one): a guard must not
 * start with a detector it cannot run. Never throws on text.
 */
export function compileDetector(source: string): Detector {
  let engine: RE2JS;
  try {
    engine = RE2JS.compile(source);
  } catch (e) {
    throw new Error(`detector pattern \`${source}\` cannot be compiled: ${e instanceof Error ? e.message : String(e)}`);
  }
  const pre = detectorPrefilter(source);
  if (pre === undefined) {
    return {
      source,
      test: (text) => engine.test(text),
      // A function, so `$&` and `$1` in the replacement stay literal.
      replaceAll: (text, replacement) => engine.matcher(text).replaceAll(() => replacement),
    };
  }
  const exact = pre.exact ? new RegExp(pre.source, 'u') : undefined;
  const hits = new RegExp(pre.source, 'gu');
  const inRun = membership(pre.chars);

  /** Calls `visit` with each maximal run of match characters that holds a prefilter hit, left to right. */
  const eachRun = (text: string, visit: (start: number, end: number, ctxStart: number, ctxEnd: number) => boolean): void => {
    hits.lastIndex = 0;
    for (let m = hits.exec(text); m !== null; m = hits.exec(text)) {
      let start = m.index;
      while (start > 0) {
        const w = start >= 2 && isLow(text.charCodeAt(start - 1)) && isHigh(text.charCodeAt(start - 2)) ? 2 : 1;
        if (!inRun(text.codePointAt(start - w)!)) break;
        start -= w;
      }
      let end = m.index + m[0].length;
      while (end < text.length) {
        const cp = text.codePointAt(end)!;
        if (!inRun(cp)) break;
        end += cp > 0xffff ? 2 : 1;
      }
      const ctxStart = start === 0 ? 0 : start - (start >= 2 && isLow(text.charCodeAt(start - 1)) && isHigh(text.charCodeAt(start - 2)) ? 2 : 1);
      const ctxEnd = end === text.length ? end : end + (text.codePointAt(end)! > 0xffff ? 2 : 1);
      if (visit(start, end, ctxStart, ctxEnd)) return;
      // INVARIANT: end > m.index (a hit is not empty), so the search always moves forward.
      hits.lastIndex = end;
    }
  };

  return {
    source,
    test(text: string): boolean {
      if (exact !== undefined) return exact.test(text);
      let found = false;
      eachRun(text, (_s, _e, ctxStart, ctxEnd) => (found = engine.test(text.slice(ctxStart, ctxEnd))));
      return found;
    },
    replaceAll(text: string, replacement: string): string {
      let out = '';
      let done = 0;
      eachRun(text, (start, end, ctxStart, ctxEnd) => {
        // The context characters are outside the run, so no match touches them: strip them back off by length.
        const replaced = engine.matcher(text.slice(ctxStart, ctxEnd)).replaceAll(() => replacement);
        out += text.slice(done, start) + replaced.slice(start - ctxStart, replaced.length - (ctxEnd - end));
        done = end;
        return false;
      });
      return done === 0 ? text : out + text.slice(done);
    },
  };
}

const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

/** A fast membership test for a code point set: a table for ASCII, binary search above. */
function membership(set: CodePointSet): (cp: number) => boolean {
  const ascii = new Uint8Array(128);
  for (let i = 0; i < set.length; i += 2) for (let c = set[i]!; c <= Math.min(set[i + 1]!, 127); c++) ascii[c] = 1;
  return (cp) => {
    if (cp < 128) return ascii[cp] === 1;
    let lo = 0;
    let hi = set.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < set[2 * mid]!) hi = mid - 1;
      else if (cp > set[2 * mid + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  };
}
