/**
 * govc's portable regular-expression subset (docs/language.md section 6): patterns that match the same strings, by
 * code point, in every engine govc's runtimes use — RE2 (Go's `regexp`, behind Rego), re2js (the JavaScript runtime),
 * google-re2 (Python) — and in Python's `re` with `re.ASCII`, and that no backtracking engine can be made to spend
 * more than a bounded number of steps per start position on (so a governor may paste a detector into other tools).
 *
 * Accepted: literals (any code point but U+FFFD and surrogates), escaped metacharacters, `\d \D \w \W \b \B \t \n \r
 * \xHH`, classes `[...]` with ranges, groups `(...)` and `(?:...)`, alternation, and the quantifiers `* + ? {n} {n,}
 * {n,m}` (optionally lazy). Refused, each with a reason: `.` `^` `$` `\s` (their meaning differs between the engines),
 * backreferences, lookaround, named groups, inline flags, Unicode escapes and properties, possessive quantifiers,
 * class escapes next to a `-` in a class, set-operation lookalikes (`&&` `--` `~~` `||`) in a class, repeated parts
 * that can match empty text, counts past RE2's limits, and patterns that can read one text in more than
 * {@link REGEX_LIMITS}.ways ways (the shape behind catastrophic backtracking; see {@link analyseWays}).
 */
import { analyseWays, ANALYSIS_BUDGET, type Budget, type WaysResult } from './analyseWays.js';
import { parseRegexSyntax, printable, REGEX_LIMITS, type RegexProblem } from './parseRegexSyntax.js';
import { children, isNullable, positionCount, someNode, type RegexNode } from './RegexNode.js';

/**
 * RE2's rule (parse.cc RepetitionWalker, also Go's): dividing 1000 by each nested count must not reach 0. Returns
 * the outermost count of the offending nest, the part a governor rewrites.
 */
function nestedRepeatProblem(n: RegexNode, budget: number = REGEX_LIMITS.nestedRepeat, outermost?: RegexNode): RegexNode | undefined {
  let left = budget;
  let outer = outermost;
  if (n.kind === 'Repeat') {
    const m = n.max === Infinity ? n.min : n.max;
    if (m > 1) outer ??= n;
    if (m > 0) left = Math.floor(left / m);
    if (left === 0) return outer ?? n;
  }
  for (const c of children(n)) {
    const bad = nestedRepeatProblem(c, left, outer);
    if (bad) return bad;
  }
  return undefined;
}

function nullableRepeat(n: RegexNode): (RegexNode & { kind: 'Repeat' }) | undefined {
  if (n.kind === 'Repeat' && n.max > 1 && isNullable(n.body)) return n;
  for (const c of children(n)) {
    const bad = nullableRepeat(c);
    if (bad) return bad;
  }
  return undefined;
}

function quote(pattern: string, n: RegexNode): string {
  return printable(pattern.slice(n.start, n.end));
}

const shorten = printable;

/** Refusal for a pattern {@link analyseWays} did not bound: names the smallest part of the pattern responsible. */
function explainWays(pattern: string, root: RegexNode, example: string): RegexProblem {
  // One budget for all the analyses below, so explaining costs at most as much as one more check.
  const budget: Budget = { left: ANALYSIS_BUDGET };
  const refused = new Map<RegexNode, boolean>();
  const isRefused = (n: RegexNode): boolean => {
    let r = refused.get(n);
    if (r === undefined) refused.set(n, (r = analyseWays(n, REGEX_LIMITS.ways, budget).kind === 'unbounded'));
    return r;
  };
  // Outermost first: a repeated group whose body repeats is the classic nested quantifier, however the body splits.
  const repeats: Array<RegexNode & { kind: 'Repeat' }> = [];
  const collect = (n: RegexNode): void => {
    if (n.kind === 'Repeat') repeats.push(n);
    children(n).forEach(collect);
  };
  collect(root);
  for (const r of repeats) {
    if (r.max <= 1 || !someNode(r.body, (m) => m.kind === 'Repeat' && m.max > 1) || !isRefused(r)) continue;
    const innerUnbounded = someNode(r.body, (m) => m.kind === 'Repeat' && m.max === Infinity);
    if (r.max === Infinity && innerUnbounded) {
      return {
        kind: 'backtracking',
        message: 'a repeated group contains another unbounded repetition',
        help: 'nested quantifiers such as `(a+)+` take exponential time on a near-miss; repeat the inner part once: `a+`',
        at: r.start,
      };
    }
    return {
      kind: 'backtracking',
      message: `a repeated group contains another repetition: \`${quote(pattern, r)}\``,
      help: `the group's repetitions can split a text such as \`${shorten(example)}\` in too many ways, even with a bounded count; repeat a single part instead, e.g. \`\\d+\` rather than \`(?:\\d+){1,1000}\``,
      at: r.start,
    };
  }
  // Otherwise the smallest refused part (children before parents).
  const minimal = (n: RegexNode): RegexNode | undefined => {
    for (const c of children(n)) {
      const m = minimal(c);
      if (m) return m;
    }
    return isRefused(n) ? n : undefined;
  };
  const m = minimal(root) ?? root;
  if (m.kind === 'Repeat' && !someNode(m.body, (n) => n.kind === 'Alt')) {
    return {
      kind: 'backtracking',
      message: `a repeated group can split the same text in more than one way: \`${quote(pattern, m)}\``,
      help: `its repetitions can share a text such as \`${shorten(example)}\` in many ways, which is exponential on a near-miss; make every repetition start with something the previous one cannot end with`,
      at: m.start,
    };
  }
  if (m.kind === 'Repeat') {
    return {
      kind: 'backtracking',
      message: `a repeated alternation has branches that can match the same text: \`${quote(pattern, m)}\``,
      help: `each repetition of \`${quote(pattern, m.body)}\` can read \`${shorten(example)}\` more than one way, which is exponential on a near-miss; make the branches match different text, e.g. \`(?:ab|cd)+\``,
      at: m.start,
    };
  }
  if (m.kind === 'Seq') {
    // The shortest run of adjacent items that is refused on its own.
    for (let j = 1; j < m.items.length; j++) {
      for (let i = j - 1; i >= 0; i--) {
        const items = m.items.slice(i, j + 1);
        const run: RegexNode = { kind: 'Seq', items, start: items[0]!.start, end: items[items.length - 1]!.end };
        if (analyseWays(run, REGEX_LIMITS.ways, budget).kind !== 'unbounded') continue;
        const a = m.items[i]!;
        const b = m.items[j]!;
        return {
          kind: 'backtracking',
          message: `\`${quote(pattern, a)}\` and \`${quote(pattern, b)}\` can split the same text in too many ways`,
          help: `every way to share a text such as \`${shorten(example)}\` between them is tried on a near-miss, which takes polynomial time; merge them (\`\\d{2,}\`, not \`\\d+\\d+\`) or put something both cannot match between them (\`\\d+-\\d+\`)`,
          at: a.start,
        };
      }
    }
  }
  if (m.kind === 'Alt') {
    return {
      kind: 'backtracking',
      message: `more than ${REGEX_LIMITS.ways} branches of an alternation can start with the same text: \`${quote(pattern, m)}\``,
      help: `factor out what the branches share, e.g. \`s(?:ecret|ession)\` rather than \`secret|session\``,
      at: m.start,
    };
  }
  return {
    kind: 'backtracking',
    message: `the pattern can read a text such as \`${shorten(example)}\` in more than ${REGEX_LIMITS.ways} ways`,
    help: 'a backtracking engine tries every way on a near-miss; make each part of the pattern match different text',
    at: m.start,
  };
}

/** The outcome of {@link parsePortableRegex}: the tree of a pattern in the subset, or the first problem. */
export type ParsedRegex = { readonly ok: true; readonly root: RegexNode; readonly ways: WaysResult & { kind: 'bounded' } } | { readonly ok: false; readonly problem: RegexProblem };

/** Parses and checks a pattern; never throws. */
export function parsePortableRegex(pattern: string): ParsedRegex {
  const fail = (problem: RegexProblem): ParsedRegex => ({ ok: false, problem });
  if (pattern.length === 0) return fail({ kind: 'syntax', message: 'empty pattern', help: 'a detector must match something', at: 0 });
  if (pattern.length > REGEX_LIMITS.patternLength) {
    return fail({ kind: 'unsupported', message: `pattern is longer than ${REGEX_LIMITS.patternLength} characters`, help: 'split it into several detectors', at: 0 });
  }
  const syntax = parseRegexSyntax(pattern);
  if (!syntax.ok) return fail(syntax.problem);
  const root = syntax.root;
  const nested = nestedRepeatProblem(root);
  if (nested) {
    return fail({
      kind: 'unsupported',
      message: `nested counts multiply to more than ${REGEX_LIMITS.nestedRepeat}: \`${quote(pattern, nested)}\``,
      help: `RE2 (Rego), Go and Python's re2 refuse a pattern whose nested counts multiply past ${REGEX_LIMITS.nestedRepeat}; write a single count, e.g. \`\\d{1,900}\``,
      at: nested.start,
    });
  }
  const emptyLoop = nullableRepeat(root);
  if (emptyLoop) {
    return fail({
      kind: 'backtracking',
      message: `a repeated group can match empty text: \`${quote(pattern, emptyLoop)}\``,
      help: 'engines disagree on empty repetitions and a backtracking engine may try each one; make every repetition consume a character: `(?:a?b)+`, not `(?:a?b?)+`',
      at: emptyLoop.start,
    });
  }
  if (isNullable(root)) {
    // Engines disagree on where empty matches fall, and a detector that matches nothing redacts nothing.
    return fail({ kind: 'unsupported', message: 'pattern can match empty text', help: 'make at least one character required, e.g. `\\d+` instead of `\\d*`', at: 0 });
  }
  const ways = analyseWays(root);
  // Ambiguity first even for an oversized pattern: `(?:a|a){1,1000}x` is better explained by its shape than its size.
  if (ways.kind === 'unbounded') return fail(explainWays(pattern, root, ways.example));
  const positions = positionCount(root);
  if (positions > REGEX_LIMITS.positions) {
    return fail({
      kind: 'unsupported',
      message: `pattern is too large once its counts are written out (${positions} characters, at most ${REGEX_LIMITS.positions})`,
      help: 'a count repeats its part: `[A-Z]{1000}` is 1000 characters of pattern; use smaller counts or `+`',
      at: 0,
    });
  }
  if (ways.kind === 'tooComplex') {
    return fail({
      kind: 'backtracking',
      message: 'pattern is too complex for govc to prove it cannot backtrack catastrophically',
      help: 'simplify it: fewer or smaller counted repetitions, fewer alternatives that start alike',
      at: 0,
    });
  }
  return { ok: true, root, ways };
}

/** Checks a pattern; returns the first problem, or undefined when it is in the portable subset. Never throws. */
export function checkPortableRegex(pattern: string): RegexProblem | undefined {
  const r = parsePortableRegex(pattern);
  return r.ok ? undefined : r.problem;
}
