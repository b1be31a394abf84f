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

export interface RegexProblem {
  readonly kind: 'unsupported' | 'backtracking' | 'syntax';
  readonly message: string;
  readonly help: string;
  /** Offset into the pattern text (UTF-16 code units). */
  readonly at: number;
}

/** The subset's limits; docs/language.md states each one. */
export const REGEX_LIMITS = {
  /** Characters (UTF-16 code units) of pattern text. */
  patternLength: 1000,
  /** Largest count in `{n}`, `{n,}`, `{n,m}` (RE2's limit). */
  repeat: 1000,
  /** Largest product of nested counts, as RE2 computes it (RE2, Go and google-re2 refuse more). */
  nestedRepeat: 1000,
  /** Character positions once counted repetitions are written out (`a{2,4}` is 4). */
  positions: 2000,
  /** Most ways the pattern may read one text, counting every partial match alive at once. */
  ways: 16,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Code point sets
// ---------------------------------------------------------------------------------------------------------------

/** Sorted, disjoint, non-adjacent inclusive code point ranges, flattened: `[lo0, hi0, lo1, hi1, ...]`. */
export type CodePointSet = readonly number[];

const MAX_CODE_POINT = 0x10ffff;

function normalizeSet(pairs: number[]): CodePointSet {
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < pairs.length; i += 2) ranges.push([pairs[i]!, pairs[i + 1]!]);
  ranges.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of ranges) {
    if (out.length > 0 && lo <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function unionSet(a: CodePointSet, b: CodePointSet): CodePointSet {
  return normalizeSet([...a, ...b]);
}

function complementSet(a: CodePointSet): CodePointSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i]! > next) out.push(next, a[i]! - 1);
    next = a[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

const DIGIT: CodePointSet = [0x30, 0x39];
const WORD: CodePointSet = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];

// ---------------------------------------------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------------------------------------------

interface Spanned {
  /** Offsets into the pattern text, end exclusive. */
  readonly start: number;
  readonly end: number;
}
export type RegexNode =
  | (Spanned & { readonly kind: 'Set'; readonly set: CodePointSet })
  | (Spanned & { readonly kind: 'Assert'; readonly negated: boolean })
  | (Spanned & { readonly kind: 'Seq'; readonly items: readonly RegexNode[] })
  | (Spanned & { readonly kind: 'Alt'; readonly alternatives: readonly RegexNode[] })
  | (Spanned & { readonly kind: 'Repeat'; readonly body: RegexNode; readonly min: number; readonly max: number });

class Refusal {
  constructor(readonly problem: RegexProblem) {}
}

function refuse(kind: RegexProblem['kind'], message: string, help: string, at: number): never {
  throw new Refusal({ kind, message, help, at });
}

type ClassItem =
  | { readonly kind: 'char'; readonly cp: number; readonly start: number; readonly rawDash: boolean }
  | { readonly kind: 'escape'; readonly set: CodePointSet; readonly start: number };

class PatternParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): RegexNode {
    const root = this.alternation();
    if (this.pos < this.text.length) refuse('syntax', 'unbalanced `)`', 'remove the `)` or open a group before it', this.pos);
    return root;
  }

  private alternation(): RegexNode {
    const start = this.pos;
    const alternatives = [this.sequence()];
    while (this.text[this.pos] === '|') {
      this.pos++;
      alternatives.push(this.sequence());
    }
    return alternatives.length === 1 ? alternatives[0]! : { kind: 'Alt', alternatives, start, end: this.pos };
  }

  private sequence(): RegexNode {
    const start = this.pos;
    const items: RegexNode[] = [];
    while (this.pos < this.text.length && this.text[this.pos] !== '|' && this.text[this.pos] !== ')') items.push(this.quantified());
    return items.length === 1 ? items[0]! : { kind: 'Seq', items, start, end: this.pos };
  }

  private quantified(): RegexNode {
    const start = this.pos;
    const atom = this.atom();
    const q = this.text[this.pos];
    let min: number;
    let max: number;
    if (q === '*' || q === '+' || q === '?') {
      this.pos++;
      min = q === '+' ? 1 : 0;
      max = q === '?' ? 1 : Infinity;
    } else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.text.slice(this.pos));
      if (!m) refuse('unsupported', 'a literal `{` must be escaped', 'write `\\{` for a brace, or `{n}`, `{n,}`, `{n,m}` to repeat', this.pos);
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > REGEX_LIMITS.repeat || (max !== Infinity && max > REGEX_LIMITS.repeat) || max < min) {
        refuse('unsupported', `repetition \`${m[0]}\` is out of range`, `counts must satisfy n <= m <= ${REGEX_LIMITS.repeat}`, start);
      }
      this.pos += m[0].length;
    } else {
      return atom;
    }
    if (atom.kind === 'Assert') {
      refuse('syntax', `\`${this.text.slice(atom.start, atom.end)}\` cannot be repeated`, 'a boundary matches no character; drop the quantifier', this.pos - 1);
    }
    if (this.text[this.pos] === '?') this.pos++; // lazy: the same matches in every engine, so the same language
    else if (this.text[this.pos] === '+') {
      refuse('unsupported', 'possessive quantifiers are not portable', 'RE2 and JavaScript have no possessive quantifiers; drop the `+`', this.pos);
    }
    return { kind: 'Repeat', body: atom, min, max, start, end: this.pos };
  }

  private atom(): RegexNode {
    const c = this.text[this.pos]!;
    const at = this.pos;
    switch (c) {
      case '(': {
        this.pos++;
        if (this.text[this.pos] === '?') {
          if (this.text[this.pos + 1] === ':') this.pos += 2;
          else {
            const rest = this.text.slice(this.pos);
            const what = /^\?[=!]/.test(rest) ? 'lookahead' : /^\?<[=!]/.test(rest) ? 'lookbehind' : /^\?P?</.test(rest) ? 'named groups' : 'inline flags and extensions';
            refuse('unsupported', `${what} ${what.endsWith('s') ? 'are' : 'is'} not portable`, 'RE2 has no lookaround and each engine spells named groups and flags differently; use `(?:...)` or a plain group', at);
          }
        }
        const inner = this.alternation();
        if (this.text[this.pos] !== ')') refuse('syntax', 'unclosed group', 'add the missing `)`', at);
        this.pos++;
        return inner;
      }
      case '[':
        return this.charClass();
      case '\\': {
        const e = this.escape(false);
        if (e.kind === 'assert') return { kind: 'Assert', negated: e.negated, start: at, end: this.pos };
        return { kind: 'Set', set: e.set, start: at, end: this.pos };
      }
      case '.':
        refuse('unsupported', '`.` is not portable', 'JavaScript, Python and RE2 disagree on which line breaks `.` matches; write a class such as `[^\\n]` or `[A-Za-z0-9]`', at);
      case '^':
      case '$':
        refuse('unsupported', `anchor \`${c}\` is not portable`, 'Python\'s `$` also matches before a final newline; detectors search inside text, so anchors are rarely needed: use `\\b`', at);
      case '*':
      case '+':
      case '?':
        refuse('syntax', `\`${c}\` has nothing to repeat`, `escape it as \`\\${c}\` to match it literally`, at);
      case '{':
        refuse('unsupported', 'a literal `{` must be escaped', 'write `\\{`', at);
      case '}':
      case ']':
        refuse('unsupported', `a literal \`${c}\` must be escaped`, `write \`\\${c}\``, at);
      default: {
        const cp = this.literal();
        return { kind: 'Set', set: [cp, cp], start: at, end: this.pos };
      }
    }
  }

  /** Reads one literal code point; U+FFFD and surrogates are refused because lone surrogates in text read as U+FFFD. */
  private literal(): number {
    const at = this.pos;
    const cp = this.text.codePointAt(this.pos)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      refuse('unsupported', 'a lone surrogate is not a character', 'the pattern text is not valid Unicode here; type the character itself', at);
    }
    if (cp === 0xfffd) {
      refuse('unsupported', 'U+FFFD `\uFFFD` is not portable', 'RE2 reads every malformed character of a text as U+FFFD, so the engines disagree on what it matches; match the surrounding text instead', at);
    }
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** Parses `\x` at pos. Inside a class `\b` means backspace in some engines, so it is refused there. */
  private escape(inClass: boolean): { kind: 'set'; set: CodePointSet; single: boolean } | { kind: 'assert'; negated: boolean } {
    const at = this.pos;
    const e = this.text[this.pos + 1];
    if (e === undefined) refuse('syntax', 'pattern ends with a lone `\\`', 'escape the backslash as `\\\\`', at);
    this.pos += 2;
    const single = (cp: number) => ({ kind: 'set' as const, set: [cp, cp], single: true });
    switch (e) {
      case 'd':
        return { kind: 'set', set: DIGIT, single: false };
      case 'D':
        return { kind: 'set', set: complementSet(DIGIT), single: false };
      case 'w':
        return { kind: 'set', set: WORD, single: false };
      case 'W':
        return { kind: 'set', set: complementSet(WORD), single: false };
      case 'b':
      case 'B':
        if (inClass) refuse('unsupported', `\`\\${e}\` inside a class is not portable`, 'write `\\x08` for a backspace', at);
        return { kind: 'assert', negated: e === 'B' };
      case 't':
        return single(9);
      case 'n':
        return single(10);
      case 'r':
        return single(13);
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(this.text.slice(this.pos));
        if (!m) refuse('unsupported', '`\\x` needs two hex digits', 'write for example `\\x2D`', at);
        this.pos += 2;
        return single(parseInt(m[0], 16));
      }
      case 's':
      case 'S':
        refuse('unsupported', `\`\\${e}\` is not portable`, 'the engines disagree on which characters are white space; write `[ \\t]` or `[ \\t\\r\\n]`', at);
      default:
        if (/[.\\/\-()[\]{}*+?|^$]/.test(e)) return single(e.charCodeAt(0));
        if (/[0-9]/.test(e)) refuse('unsupported', 'backreferences are not portable', 'RE2 has no backreferences; match the text explicitly', at);
        refuse('unsupported', `escape \`\\${printable(e)}\` is not portable`, 'the portable escapes are `\\d \\D \\w \\W \\b \\B \\t \\n \\r \\xHH` and escaped metacharacters', at);
    }
  }

  private classItem(): ClassItem {
    const start = this.pos;
    if (this.text[this.pos] === '\\') {
      const e = this.escape(true);
      // INVARIANT: escape(true) refuses `\b` and `\B`, the only assertions.
      if (e.kind !== 'set') throw new Error('unreachable: assertion inside a class');
      return e.single ? { kind: 'char', cp: e.set[0]!, start, rawDash: false } : { kind: 'escape', set: e.set, start };
    }
    const rawDash = this.text[this.pos] === '-';
    return { kind: 'char', cp: this.literal(), start, rawDash };
  }

  private charClass(): RegexNode {
    const at = this.pos;
    this.pos++;
    let negated = false;
    if (this.text[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const bodyStart = this.pos;
    if (this.text[this.pos] === ']') refuse('unsupported', 'a `]` first in a class is not portable', 'escape it as `\\]`', this.pos);
    let pairs: number[] = [];
    const items: ClassItem[] = [];
    while (this.pos < this.text.length && this.text[this.pos] !== ']') {
      const c = this.text[this.pos]!;
      if (c === '[') refuse('unsupported', 'a `[` inside a class must be escaped', 'write `\\[`; `[[` starts nested sets in some engines', this.pos);
      const pair = this.text.slice(this.pos, this.pos + 2);
      if (pair === '&&' || pair === '--' || pair === '~~' || pair === '||') {
        const code = `\\x${pair.charCodeAt(0).toString(16).toUpperCase()}`;
        refuse('unsupported', `\`${pair}\` inside a class is not portable`, `JavaScript's \`v\` mode and future Python read \`${pair}\` as a set operation; write the character once, or one of them as \`${code}\``, this.pos);
      }
      const item = this.classItem();
      const dashAt = this.pos;
      if (this.text[this.pos] === '-' && this.pos + 1 < this.text.length && this.text[this.pos + 1] !== ']') {
        this.pos++;
        const hi = this.classItem();
        if (item.kind === 'escape' || hi.kind === 'escape') {
          const escapeAt = item.kind === 'escape' ? item.start : hi.start;
          refuse(
            'unsupported',
            `a class escape cannot be a range endpoint: \`${printable(this.text.slice(item.start, this.pos))}\``,
            'Python refuses this, RE2 refuses some forms and JavaScript reads a literal `-`; to mean the dash, escape it: `\\-`',
            escapeAt,
          );
        }
        if (hi.cp < item.cp) refuse('syntax', 'class range out of order', 'write the lower character first, as in `[a-z]`', item.start);
        items.push(item, { kind: 'char', cp: 0x2d, start: dashAt, rawDash: false }, hi);
        pairs.push(item.cp, hi.cp);
        if (item.cp <= 0xdfff && hi.cp >= 0xd800) {
          refuse('unsupported', 'a class range spans the surrogate code points U+D800-U+DFFF', 'RE2 reads every malformed character of a text as U+FFFD, so the engines disagree on this range; end it before U+D800 and start again after U+DFFF', item.start);
        }
        if (item.cp <= 0xfffd && hi.cp >= 0xfffd) {
          refuse('unsupported', 'a class range contains U+FFFD', 'RE2 reads every malformed character of a text as U+FFFD, so the engines disagree on it; end the range at U+FFFC or start it at U+FFFE', item.start);
        }
        continue;
      }
      items.push(item);
      pairs = item.kind === 'escape' ? [...pairs, ...item.set] : [...pairs, item.cp, item.cp];
    }
    if (this.text[this.pos] !== ']') refuse('syntax', 'unclosed character class', 'add the missing `]`', at);
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.kind !== 'char' || !it.rawDash) continue;
      const next = items[i + 1];
      const prev = items[i - 1];
      if (next?.kind === 'escape' || prev?.kind === 'escape') {
        refuse('unsupported', `a \`-\` next to a class escape is not portable: \`${printable(this.text.slice(bodyStart, this.pos))}\``, 'engines disagree on whether it starts a range; escape the dash: `\\-`', it.start);
      }
    }
    this.pos++;
    let set = normalizeSet(pairs);
    if (negated) set = complementSet(set);
    return { kind: 'Set', set, start: at, end: this.pos };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------------------------------

function isNullable(n: RegexNode): boolean {
  switch (n.kind) {
    case 'Set':
      return false;
    case 'Assert':
      return true;
    case 'Seq':
      return n.items.every(isNullable);
    case 'Alt':
      return n.alternatives.some(isNullable);
    case 'Repeat':
      return n.min === 0 || isNullable(n.body);
  }
}

/** Longest match in code points (Infinity when unbounded). */
export function maxLength(n: RegexNode): number {
  switch (n.kind) {
    case 'Set':
      return 1;
    case 'Assert':
      return 0;
    case 'Seq':
      return n.items.reduce((s, i) => s + maxLength(i), 0);
    case 'Alt':
      return Math.max(...n.alternatives.map(maxLength));
    case 'Repeat':
      return n.max === 0 ? 0 : n.max === Infinity ? (maxLength(n.body) === 0 ? 0 : Infinity) : n.max * maxLength(n.body);
  }
}

function minLength(n: RegexNode): number {
  switch (n.kind) {
    case 'Set':
      return 1;
    case 'Assert':
      return 0;
    case 'Seq':
      return n.items.reduce((s, i) => s + minLength(i), 0);
    case 'Alt':
      return Math.min(...n.alternatives.map(minLength));
    case 'Repeat':
      return n.min * minLength(n.body);
  }
}

function children(n: RegexNode): readonly RegexNode[] {
  return n.kind === 'Seq' ? n.items : n.kind === 'Alt' ? n.alternatives : n.kind === 'Repeat' ? [n.body] : [];
}

function someNode(n: RegexNode, pred: (m: RegexNode) => boolean): boolean {
  return pred(n) || children(n).some((c) => someNode(c, pred));
}

/** Copies of the body once counted: `x{2,4}` is four, `x{3,}` three (the last one loops), `x*` one. */
function copies(r: RegexNode & { kind: 'Repeat' }): number {
  return r.max === Infinity ? Math.max(r.min, 1) : r.max;
}

function positionCount(n: RegexNode): number {
  switch (n.kind) {
    case 'Set':
      return 1;
    case 'Assert':
      return 0;
    case 'Seq':
      return n.items.reduce((s, i) => s + positionCount(i), 0);
    case 'Alt':
      return n.alternatives.reduce((s, i) => s + positionCount(i), 0);
    case 'Repeat':
      return copies(n) * positionCount(n.body);
  }
}

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

// ---------------------------------------------------------------------------------------------------------------
// Ways: how many partial matches a backtracking engine may keep alive on one text
// ---------------------------------------------------------------------------------------------------------------

/**
 * Work the analysis may do (edges, states and their entries) before it gives up and refuses the pattern as too
 * complex to prove: about a tenth of a second. The built-in and standard-library detectors need at most 1,000,
 * `[A-Za-z0-9]{1,1000}x` 24,000; it keeps `govc check` fast on hostile programs.
 */
const ANALYSIS_BUDGET = 500_000;

/** Counts saturate here: any count above `ways` already refuses the pattern. */
const SATURATED = REGEX_LIMITS.ways + 1;
const sat = (n: number): number => (n > SATURATED ? SATURATED : n);

interface Fragment {
  /** Position → number of ways to enter it first. */
  readonly first: Map<number, number>;
  /** Position → number of ways to leave the fragment after it. */
  readonly last: Map<number, number>;
  /** Ways to pass through matching nothing (through optional parts and boundaries). */
  readonly empty: number;
}

class TooComplex {}

/**
 * The position (Glushkov) automaton of a pattern with counted repetitions written out, with each edge weighted by
 * the number of distinct ways the pattern's structure leads from one position to the next (in `(a+)+`, from `a` back
 * to `a` through the inner loop or through the outer one: weight 2). A backtracking engine has one choice point per
 * way, so the number of weighted paths spelling a text is the number of partial matches it may have to try on it.
 */
class PositionAutomaton {
  readonly sets: CodePointSet[] = [];
  readonly follow: Array<Map<number, number>> = [];
  readonly root: Fragment;

  constructor(
    node: RegexNode,
    private readonly budget: Budget,
  ) {
    this.root = this.build(node);
  }

  private spend(n: number): void {
    this.budget.left -= n;
    if (this.budget.left < 0) throw new TooComplex();
  }

  private connect(from: Map<number, number>, to: Map<number, number>): void {
    this.spend(from.size * to.size);
    for (const [p, wp] of from) {
      const f = this.follow[p]!;
      for (const [q, wq] of to) f.set(q, sat((f.get(q) ?? 0) + wp * wq));
    }
  }

  private build(n: RegexNode): Fragment {
    switch (n.kind) {
      case 'Set': {
        this.spend(1);
        const p = this.sets.length;
        this.sets.push(n.set);
        this.follow.push(new Map());
        return { first: new Map([[p, 1]]), last: new Map([[p, 1]]), empty: 0 };
      }
      case 'Assert':
        // Boundaries only remove paths; ignoring them over-counts, which keeps the bound sound.
        return { first: new Map(), last: new Map(), empty: 1 };
      case 'Seq':
        return n.items.map((i) => this.build(i)).reduce((a, b) => this.concat(a, b), epsilon());
      case 'Alt':
        return n.alternatives.map((a) => this.build(a)).reduce((a, b) => ({ first: this.add(a.first, b.first, 1), last: this.add(a.last, b.last, 1), empty: sat(a.empty + b.empty) }));
      case 'Repeat': {
        let frag: Fragment = epsilon();
        if (n.max === Infinity) {
          for (let i = 1; i < n.min; i++) frag = this.concat(frag, this.build(n.body));
          const loop = this.build(n.body);
          this.connect(loop.last, loop.first);
          frag = this.concat(frag, n.min === 0 ? optional(loop) : loop);
          return frag;
        }
        for (let i = 0; i < n.min; i++) frag = this.concat(frag, this.build(n.body));
        // x{2,4} is x x (x (x)?)?: each optional copy only after the previous one, so a count is reached one way.
        let tail: Fragment = epsilon();
        for (let i = n.min; i < n.max; i++) tail = optional(this.concat(this.build(n.body), tail));
        return this.concat(frag, tail);
      }
    }
  }

  private concat(a: Fragment, b: Fragment): Fragment {
    this.connect(a.last, b.first);
    return { first: this.add(a.first, b.first, a.empty), last: this.add(b.last, a.last, b.empty), empty: sat(a.empty * b.empty) };
  }

  /** Adds `times` × `b` into `a` and returns it: each fragment's maps belong to its one parent, so no copy is needed. */
  private add(a: Map<number, number>, b: Map<number, number>, times: number): Map<number, number> {
    if (times === 0) return a;
    this.spend(b.size);
    for (const [k, v] of b) a.set(k, sat((a.get(k) ?? 0) + v * times));
    return a;
  }
}

function epsilon(): Fragment {
  return { first: new Map(), last: new Map(), empty: 1 };
}

/** Work left for one check; shared by the analyses that explain a refusal. */
interface Budget {
  left: number;
}

function optional(f: Fragment): Fragment {
  return { first: f.first, last: f.last, empty: sat(f.empty + 1) };
}

/** The outcome of {@link analyseWays}. */
export type WaysResult =
  | {
      readonly kind: 'bounded';
      /** Most partial matches alive after reading any one text. */
      readonly ways: number;
      /**
       * Most steps a backtracking engine may take from one start position (the sum of `ways` over a text, maximised
       * over texts), or Infinity when the pattern can read unboundedly long text.
       */
      readonly stepsPerStart: number;
    }
  | { readonly kind: 'unbounded'; readonly example: string }
  | { readonly kind: 'tooComplex' };

/** A printable representative of an interval of code points, for example texts in diagnostics. */
function representative(lo: number, hi: number): number {
  for (const [a, b] of [[0x61, 0x7a], [0x30, 0x39], [0x41, 0x5a], [0x21, 0x7e], [0x20, 0x20], [0xa1, 0xd7ff]] as const) {
    if (lo <= b && hi >= a) return Math.max(lo, a);
  }
  return lo;
}

/**
 * Follows every way the pattern can read every text, one character class at a time, from one start position, the
 * way a backtracking engine explores it on text that almost matches. Refuses (`unbounded`, with a shortest example
 * text) when some text leaves more than `ways` partial matches alive at once: nested quantifiers (`(a+)+`),
 * repeated alternatives that match the same text (`(?:a|a)*`), adjacent repetitions sharing a run (`\d+\d+`) and
 * large counted versions of these (`(?:\d+){1,1000}`, `\d{1,500}\d{1,500}`) all do.
 */
export function analyseWays(node: RegexNode, limit: number = REGEX_LIMITS.ways, budget: Budget = { left: ANALYSIS_BUDGET }): WaysResult {
  let automaton: PositionAutomaton;
  try {
    automaton = new PositionAutomaton(node, budget);
  } catch (e) {
    if (e instanceof TooComplex) return { kind: 'tooComplex' };
    throw e;
  }
  const { sets, follow } = automaton;
  // Split the code points into intervals no position's class cuts: one step per interval instead of per character.
  const cuts = new Set<number>();
  for (const s of sets) for (let i = 0; i < s.length; i += 2) cuts.add(s[i]!).add(s[i + 1]! + 1);
  const bounds = [...cuts].sort((a, b) => a - b);
  const atomsOf: number[][] = sets.map((s) => {
    const out: number[] = [];
    for (let r = 0; r < s.length; r += 2) {
      // Every range starts on a cut: find it, then take the intervals up to the range's end.
      let lo = 0;
      let hi = bounds.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (bounds[mid]! < s[r]!) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i + 1 < bounds.length && bounds[i]! <= s[r + 1]!; i++) out.push(i);
    }
    budget.left -= out.length;
    return out;
  });
  if (budget.left < 0) return { kind: 'tooComplex' };
  interface State {
    readonly positions: number[];
    readonly counts: number[];
    readonly mass: number;
    readonly parent: State | undefined;
    readonly atom: number;
    readonly next: State[];
  }
  const seen = new Map<string, State>();
  const queue: State[] = [];
  const step = (from: Iterable<[number, number]>, parent: State | undefined, into: State[]): WaysResult | undefined => {
    const byAtom = new Map<number, Map<number, number>>();
    for (const [p, c] of from) {
      const targets = parent === undefined ? new Map([[p, 1]]) : follow[p]!;
      for (const [q, w] of targets) {
        const atoms = atomsOf[q]!;
        budget.left -= atoms.length;
        for (const a of atoms) {
          let m = byAtom.get(a);
          if (!m) byAtom.set(a, (m = new Map()));
          m.set(q, sat((m.get(q) ?? 0) + c * w));
        }
      }
    }
    if (budget.left < 0) return { kind: 'tooComplex' };
    for (const [atom, m] of byAtom) {
      const positions = [...m.keys()].sort((a, b) => a - b);
      const counts = positions.map((p) => m.get(p)!);
      const mass = counts.reduce((s, c) => s + c, 0);
      if (mass > limit) {
        const chars = [String.fromCodePoint(representative(bounds[atom]!, bounds[atom + 1]! - 1))];
        for (let s = parent; s !== undefined; s = s.parent) chars.push(String.fromCodePoint(representative(bounds[s.atom]!, bounds[s.atom + 1]! - 1)));
        return { kind: 'unbounded', example: chars.reverse().join('') };
      }
      const key = positions.map((p, i) => `${p}:${counts[i]}`).join(',');
      let state = seen.get(key);
      if (!state) {
        state = { positions, counts, mass, parent, atom, next: [] };
        seen.set(key, state);
        queue.push(state);
        budget.left -= positions.length;
      }
      into.push(state);
    }
    return undefined;
  };
  const initial: State[] = [];
  const first = step(automaton.root.first, undefined, initial);
  if (first) return first;
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i]!;
    const r = step(
      s.positions.map((p, k) => [p, s.counts[k]!] as [number, number]),
      s,
      s.next,
    );
    if (r) return r;
  }
  let ways = 0;
  for (const st of seen.values()) ways = Math.max(ways, st.mass);
  // Steps per start: the heaviest path through the graph of states (iterative DFS: it can be thousands deep), or
  // Infinity when the graph has a cycle (some text keeps a partial match alive for ever).
  const heaviest = new Map<State, number>();
  const onPath = new Set<State>();
  let stepsPerStart = 0;
  for (const root of initial) {
    const stack: Array<{ state: State; next: number; best: number }> = [{ state: root, next: 0, best: 0 }];
    while (stack.length > 0 && stepsPerStart !== Infinity) {
      const top = stack[stack.length - 1]!;
      if (top.next === 0) {
        const known = heaviest.get(top.state);
        if (known !== undefined) {
          stack.pop();
          if (stack.length > 0) stack[stack.length - 1]!.best = Math.max(stack[stack.length - 1]!.best, known);
          else stepsPerStart = Math.max(stepsPerStart, known);
          continue;
        }
        onPath.add(top.state);
      }
      if (top.next < top.state.next.length) {
        const child = top.state.next[top.next++]!;
        if (onPath.has(child)) stepsPerStart = Infinity;
        else stack.push({ state: child, next: 0, best: 0 });
        continue;
      }
      stack.pop();
      onPath.delete(top.state);
      const total = top.state.mass + top.best;
      heaviest.set(top.state, total);
      if (stack.length > 0) stack[stack.length - 1]!.best = Math.max(stack[stack.length - 1]!.best, total);
      else stepsPerStart = Math.max(stepsPerStart, total);
    }
  }
  return { kind: 'bounded', ways, stepsPerStart };
}

// ---------------------------------------------------------------------------------------------------------------
// Explaining a refusal
// ---------------------------------------------------------------------------------------------------------------

/** Text for a one-line message: control and invisible characters as `\xHH` or `\u{H}`, at most 24 characters. */
function printable(text: string): string {
  const short = text.length > 24 ? `${text.slice(0, 21)}...` : text;
  return short.replace(/[\x00-\x1f\x7f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    const cp = c.charCodeAt(0);
    return cp < 0x100 ? `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}` : `\\u{${cp.toString(16).toUpperCase()}}`;
  });
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

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The outcome of {@link parsePortableRegex}: the tree of a pattern in the subset, or the first problem. */
export type ParsedRegex = { readonly ok: true; readonly root: RegexNode; readonly ways: WaysResult & { kind: 'bounded' } } | { readonly ok: false; readonly problem: RegexProblem };

/** Parses a pattern without checking its shape (for tests and tools that analyse refused patterns); never throws. */
export function parseRegexSyntax(pattern: string): { readonly ok: true; readonly root: RegexNode } | { readonly ok: false; readonly problem: RegexProblem } {
  try {
    return { ok: true, root: new PatternParser(pattern).parse() };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, problem: e.problem };
    throw e;
  }
}

/** Parses and checks a pattern; never throws. */
export function parsePortableRegex(pattern: string): ParsedRegex {
  const fail = (problem: RegexProblem): ParsedRegex => ({ ok: false, problem });
  if (pattern.length === 0) return fail({ kind: 'syntax', message: 'empty pattern', help: 'a detector must match something', at: 0 });
  if (pattern.length > REGEX_LIMITS.patternLength) {
    return fail({ kind: 'unsupported', message: `pattern is longer than ${REGEX_LIMITS.patternLength} characters`, help: 'split it into several detectors', at: 0 });
  }
  let root: RegexNode;
  try {
    root = new PatternParser(pattern).parse();
  } catch (e) {
    if (e instanceof Refusal) return fail(e.problem);
    throw e;
  }
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

// ---------------------------------------------------------------------------------------------------------------
// A prefilter for the JavaScript runtime
// ---------------------------------------------------------------------------------------------------------------

/** Most backtracking steps per start position a prefilter may cost (phone, the costliest built-in, needs 43). */
const PREFILTER_STEPS = 64;

/** Repetitions of a bounded body kept in a prefix or suffix factor of an unbounded repetition. */
const FACTOR_REPEAT = 16;

/**
 * A regular expression (JavaScript syntax, for the `u` flag) that occurs in every match of the pattern, cheap on a
 * backtracking engine: at most {@link PREFILTER_STEPS} steps per start position, so linear with a small constant.
 * Where it finds nothing the pattern finds nothing; `exact` says it matches exactly where the pattern does (the
 * pattern is bounded and is its own prefilter). Undefined when the pattern has no cheap factor.
 */
export interface DetectorPrefilter {
  readonly source: string;
  readonly exact: boolean;
  /** Every character a match can contain: a match never crosses a character outside this set. */
  readonly chars: CodePointSet;
}

function charsOf(n: RegexNode): CodePointSet {
  return n.kind === 'Set' ? n.set : children(n).reduce<CodePointSet>((s, c) => unionSet(s, charsOf(c)), []);
}

const seq = (items: RegexNode[]): RegexNode => (items.length === 1 ? items[0]! : { kind: 'Seq', items, start: items[0]?.start ?? 0, end: items[items.length - 1]?.end ?? 0 });

/** A bounded node every match of `n` starts (or, with `fromEnd`, ends) with; undefined when there is none. */
function edgeFactor(n: RegexNode, fromEnd: boolean): RegexNode | undefined {
  if (maxLength(n) !== Infinity) return n;
  switch (n.kind) {
    case 'Seq': {
      const items = fromEnd ? [...n.items].reverse() : n.items;
      const kept: RegexNode[] = [];
      for (const item of items) {
        if (maxLength(item) !== Infinity) {
          kept.push(item);
          continue;
        }
        const edge = edgeFactor(item, fromEnd);
        if (edge) kept.push(edge);
        break;
      }
      if (fromEnd) kept.reverse();
      return kept.length > 0 && minLength(seq(kept)) > 0 ? seq(kept) : undefined;
    }
    case 'Alt': {
      const edges = n.alternatives.map((a) => edgeFactor(a, fromEnd));
      return edges.every((e): e is RegexNode => e !== undefined) ? { kind: 'Alt', alternatives: edges, start: n.start, end: n.end } : undefined;
    }
    case 'Repeat': {
      if (n.min === 0) return undefined;
      if (maxLength(n.body) !== Infinity) {
        const k = Math.min(n.min, FACTOR_REPEAT);
        return { kind: 'Repeat', body: n.body, min: k, max: k, start: n.start, end: n.end };
      }
      return edgeFactor(n.body, fromEnd);
    }
    default:
      return undefined;
  }
}

/** Characters frequent in prompts (letters, digits, space, `.,'-`): a class of them is a weak filter. */
const COMMON: CodePointSet = normalizeSet([0x20, 0x20, 0x27, 0x27, 0x2c, 0x2e, 0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a]);
const COMMON_WEIGHT = 64;

/** Expected rarity of a match, in bits: each class by the share of (frequency-weighted) characters it leaves out. */
function selectivity(n: RegexNode): number {
  switch (n.kind) {
    case 'Set': {
      let size = 0;
      for (let i = 0; i < n.set.length; i += 2) {
        size += n.set[i + 1]! - n.set[i]! + 1;
        for (let c = 0; c < COMMON.length; c += 2) {
          const lo = Math.max(n.set[i]!, COMMON[c]!);
          const hi = Math.min(n.set[i + 1]!, COMMON[c + 1]!);
          if (lo <= hi) size += (hi - lo + 1) * (COMMON_WEIGHT - 1);
        }
      }
      return Math.log2((MAX_CODE_POINT + 1) / Math.max(size, 1));
    }
    case 'Assert':
      return 1;
    case 'Seq':
      return n.items.reduce((s, i) => s + selectivity(i), 0);
    case 'Alt':
      return Math.min(...n.alternatives.map(selectivity)) - Math.log2(n.alternatives.length);
    case 'Repeat':
      return n.min * selectivity(n.body);
  }
}

const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;

/** Prints a tree in JavaScript syntax for the `u` flag: every class as code point ranges, every group `(?:)`. */
export function toJavaScriptSource(n: RegexNode): string {
  switch (n.kind) {
    case 'Set': {
      let out = '';
      for (let i = 0; i < n.set.length; i += 2) out += n.set[i] === n.set[i + 1] ? hex(n.set[i]!) : `${hex(n.set[i]!)}-${hex(n.set[i + 1]!)}`;
      return `[${out}]`;
    }
    case 'Assert':
      return n.negated ? '\\B' : '\\b';
    case 'Seq':
      return n.items.map((i) => (i.kind === 'Alt' ? `(?:${toJavaScriptSource(i)})` : toJavaScriptSource(i))).join('');
    case 'Alt':
      return n.alternatives.map((a) => (a.kind === 'Alt' ? `(?:${toJavaScriptSource(a)})` : toJavaScriptSource(a))).join('|');
    case 'Repeat': {
      const q = n.min === 0 && n.max === Infinity ? '*' : n.min === 1 && n.max === Infinity ? '+' : n.min === 0 && n.max === 1 ? '?' : n.max === Infinity ? `{${n.min},}` : n.min === n.max ? `{${n.min}}` : `{${n.min},${n.max}}`;
      return `(?:${toJavaScriptSource(n.body)})${q}`;
    }
  }
}

/** The prefilter of a pattern in the subset (see {@link DetectorPrefilter}); undefined when it has none. */
export function detectorPrefilter(pattern: string): DetectorPrefilter | undefined {
  const parsed = parsePortableRegex(pattern);
  if (!parsed.ok) return undefined;
  const root = parsed.root;
  const cheap = (n: RegexNode): boolean => {
    const w = analyseWays(n);
    return w.kind === 'bounded' && w.stepsPerStart <= PREFILTER_STEPS;
  };
  const chars = charsOf(root);
  if (maxLength(root) !== Infinity && parsed.ways.stepsPerStart <= PREFILTER_STEPS) return { source: toJavaScriptSource(root), exact: true, chars };
  const items = root.kind === 'Seq' ? root.items : [root];
  // Windows of adjacent items: exact where bounded, the end of an unbounded item on the left, its start on the right.
  const candidates: RegexNode[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i; j < items.length; j++) {
      const inner = items.slice(i + 1, j);
      if (!inner.every((m) => maxLength(m) !== Infinity)) break;
      const left = i === j ? edgeFactor(items[i]!, false) : edgeFactor(items[i]!, true);
      const right = i === j ? undefined : edgeFactor(items[j]!, false);
      const parts = [left, ...inner, right].filter((m): m is RegexNode => m !== undefined);
      if (parts.length > 0 && minLength(seq(parts)) > 0) candidates.push(seq(parts));
    }
  }
  candidates.sort((a, b) => selectivity(b) - selectivity(a));
  const best = candidates.slice(0, 8).find(cheap);
  return best ? { source: toJavaScriptSource(best), exact: false, chars } : undefined;
}
