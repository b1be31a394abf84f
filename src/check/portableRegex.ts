/**
 * govc's portable regular-expression subset: patterns that match the same strings in JavaScript (no flags),
 * Python (`re.ASCII`) and RE2 (the engine behind Rego's `regex.*`), and that cannot backtrack catastrophically
 * in the two backtracking engines (JavaScript and Python).
 *
 * Accepted: literals, escaped metacharacters, `\d \D \w \W \b \B \t \n \r \xHH`, classes `[...]` with ranges,
 * groups `(...)` and `(?:...)`, alternation, and the quantifiers `* + ? {n} {n,} {n,m}` (optionally lazy).
 * Refused, each with a reason: `.` `^` `$` `\s` (their meaning differs between the engines), backreferences,
 * lookaround, named groups, inline flags, Unicode escapes and properties, possessive quantifiers.
 */

export interface RegexProblem {
  readonly kind: 'unsupported' | 'backtracking' | 'syntax';
  readonly message: string;
  readonly help: string;
  /** Offset into the pattern text. */
  readonly at: number;
}

const MAX_PATTERN_LENGTH = 1000;
const MAX_REPEAT = 1000;

/** A set of ASCII code points (bit per char) plus one bit meaning "some non-ASCII character". */
type CharSet = boolean[];

function emptySet(): CharSet {
  return new Array<boolean>(129).fill(false);
}
function setOf(pred: (c: number) => boolean, nonAscii: boolean): CharSet {
  const s = emptySet();
  for (let c = 0; c < 128; c++) s[c] = pred(c);
  s[128] = nonAscii;
  return s;
}
function union(a: CharSet, b: CharSet): CharSet {
  return a.map((v, i) => v || (b[i] ?? false));
}
function intersects(a: CharSet, b: CharSet): boolean {
  return a.some((v, i) => v && (b[i] ?? false));
}
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWord = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

interface Node {
  /** Can match the empty string. */
  readonly nullable: boolean;
  /** Characters the match can start with. */
  readonly first: CharSet;
  /** Every character the node can match. */
  readonly chars: CharSet;
  /** Characters consumed by unbounded repetitions inside the node. */
  readonly loop: CharSet;
}

class PatternParser {
  private pos = 0;
  problem: RegexProblem | undefined;

  constructor(private readonly text: string) {}

  private fail(kind: RegexProblem['kind'], message: string, help: string, at = this.pos): never {
    this.problem = { kind, message, help, at };
    throw this.problem;
  }

  parse(): Node {
    const root = this.alternation();
    if (this.pos < this.text.length) {
      this.fail('syntax', 'unbalanced `)`', 'remove the `)` or open a group before it');
    }
    return root;
  }

  private alternation(): Node {
    const alternatives = [this.sequence()];
    while (this.text[this.pos] === '|') {
      this.pos++;
      alternatives.push(this.sequence());
    }
    let first = emptySet();
    let chars = emptySet();
    let loop = emptySet();
    for (const a of alternatives) {
      first = union(first, a.first);
      chars = union(chars, a.chars);
      loop = union(loop, a.loop);
    }
    return {
      nullable: alternatives.some((a) => a.nullable),
      first,
      chars,
      loop,
      ...(alternatives.length > 1 && { alternatives }),
    } as Node & { alternatives?: Node[] };
  }

  private sequence(): Node {
    let nullable = true;
    let first = emptySet();
    let chars = emptySet();
    let loop = emptySet();
    while (this.pos < this.text.length && this.text[this.pos] !== '|' && this.text[this.pos] !== ')') {
      const item = this.quantified();
      if (nullable) first = union(first, item.first);
      nullable = nullable && item.nullable;
      chars = union(chars, item.chars);
      loop = union(loop, item.loop);
    }
    return { nullable, first, chars, loop };
  }

  private quantified(): Node {
    const start = this.pos;
    const atom = this.atom();
    const q = this.text[this.pos];
    let min = 1;
    let max = 1;
    if (q === '*' || q === '+' || q === '?') {
      this.pos++;
      min = q === '+' ? 1 : 0;
      max = q === '?' ? 1 : Infinity;
    } else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.text.slice(this.pos));
      if (!m) this.fail('unsupported', 'a literal `{` must be escaped', 'write `\\{` for a brace, or `{n}`, `{n,}`, `{n,m}` to repeat');
      this.pos += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) {
        this.fail('unsupported', `repetition \`${m[0]}\` is out of range`, `counts must satisfy n <= m <= ${MAX_REPEAT}`, start);
      }
    } else {
      return atom;
    }
    if (this.text[this.pos] === '?') this.pos++; // lazy: same language in all three engines
    else if (this.text[this.pos] === '+') {
      this.fail('unsupported', 'possessive quantifiers are not portable', 'RE2 and JavaScript have no possessive quantifiers; drop the `+`');
    }
    if (max === Infinity) {
      // The inner loop can also consume the start of the next iteration: two ways to split every run.
      if (intersects(atom.loop, atom.first) || (atom.nullable && !isEmptySet(atom.loop))) {
        this.fail(
          'backtracking',
          'a repeated group contains another unbounded repetition',
          'nested quantifiers such as `(a+)+` take exponential time on a near-miss; repeat the inner part once: `a+`',
          start,
        );
      }
      const alts = (atom as Node & { alternatives?: Node[] }).alternatives;
      if (alts) {
        for (let i = 0; i < alts.length; i++)
          for (let j = i + 1; j < alts.length; j++)
            if (intersects(alts[i]!.first, alts[j]!.first)) {
              this.fail(
                'backtracking',
                'a repeated alternation has branches that can start with the same character',
                'in `(a|ab)*` each character can be matched two ways, which is exponential on a near-miss; make the branches start differently',
                start,
              );
            }
      }
    }
    return {
      nullable: min === 0 || atom.nullable,
      first: atom.first,
      chars: atom.chars,
      loop: max === Infinity ? union(atom.loop, atom.chars) : atom.loop,
    };
  }

  private atom(): Node {
    const c = this.text[this.pos]!;
    const at = this.pos;
    switch (c) {
      case '(': {
        this.pos++;
        if (this.text[this.pos] === '?') {
          if (this.text[this.pos + 1] === ':') this.pos += 2;
          else {
            const what = /^\?[=!]/.test(this.text.slice(this.pos))
              ? 'lookahead'
              : /^\?<[=!]/.test(this.text.slice(this.pos))
                ? 'lookbehind'
                : /^\?P?</.test(this.text.slice(this.pos))
                  ? 'named groups'
                  : 'inline flags and extensions';
            this.fail('unsupported', `${what} ${what.endsWith('s') ? 'are' : 'is'} not portable`, 'RE2 has no lookaround and each engine spells named groups and flags differently; use `(?:...)` or a plain group', at);
          }
        }
        const inner = this.alternation();
        if (this.text[this.pos] !== ')') this.fail('syntax', 'unclosed group', 'add the missing `)`', at);
        this.pos++;
        return inner;
      }
      case '[':
        return this.charClass();
      case '\\':
        return this.escape(false);
      case '.':
        this.fail('unsupported', '`.` is not portable', 'JavaScript, Python and RE2 disagree on which line breaks `.` matches; write a class such as `[^\\n]` or `[A-Za-z0-9]`', at);
      case '^':
      case '$':
        this.fail('unsupported', `anchor \`${c}\` is not portable`, 'Python\'s `$` also matches before a final newline; detectors search inside text, so anchors are rarely needed: use `\\b`', at);
      case '*':
      case '+':
      case '?':
        this.fail('syntax', `\`${c}\` has nothing to repeat`, `escape it as \`\\${c}\` to match it literally`, at);
      case '{':
        this.fail('unsupported', 'a literal `{` must be escaped', 'write `\\{`', at);
      case '}':
      case ']':
        this.fail('unsupported', `a literal \`${c}\` must be escaped`, `write \`\\${c}\``, at);
      default: {
        this.pos += c.length;
        const code = c.charCodeAt(0);
        const s = emptySet();
        s[code < 128 ? code : 128] = true;
        return { nullable: false, first: s, chars: s, loop: emptySet() };
      }
    }
  }

  /** Parses `\x` at pos; inside a class `\b` means backspace in some engines, so it is refused there. */
  private escape(inClass: boolean): Node {
    const at = this.pos;
    const e = this.text[this.pos + 1];
    if (e === undefined) this.fail('syntax', 'pattern ends with a lone `\\`', 'escape the backslash as `\\\\`', at);
    this.pos += 2;
    const single = (code: number): Node => {
      const s = emptySet();
      s[code] = true;
      return { nullable: false, first: s, chars: s, loop: emptySet() };
    };
    switch (e) {
      case 'd':
        return leaf(setOf(isDigit, false));
      case 'D':
        return leaf(setOf((c) => !isDigit(c), true));
      case 'w':
        return leaf(setOf(isWord, false));
      case 'W':
        return leaf(setOf((c) => !isWord(c), true));
      case 'b':
      case 'B':
        if (inClass) this.fail('unsupported', '`\\b` inside a class is not portable', 'write `\\x08` for a backspace', at);
        return { nullable: true, first: emptySet(), chars: emptySet(), loop: emptySet() };
      case 't':
        return single(9);
      case 'n':
        return single(10);
      case 'r':
        return single(13);
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(this.text.slice(this.pos));
        if (!m) this.fail('unsupported', '`\\x` needs two hex digits', 'write for example `\\x2D`', at);
        this.pos += 2;
        const code = parseInt(m[0], 16);
        return single(code < 128 ? code : 128);
      }
      case 's':
      case 'S':
        this.fail('unsupported', `\`\\${e}\` is not portable`, 'the engines disagree on which characters are white space; write `[ \\t]` or `[ \\t\\r\\n]`', at);
      default:
        if (/[.\\/\-()[\]{}*+?|^$]/.test(e)) return single(e.charCodeAt(0));
        if (/[0-9]/.test(e)) this.fail('unsupported', 'backreferences are not portable', 'RE2 has no backreferences; match the text explicitly', at);
        this.fail('unsupported', `escape \`\\${e}\` is not portable`, 'the portable escapes are `\\d \\D \\w \\W \\b \\B \\t \\n \\r \\xHH` and escaped metacharacters', at);
    }
  }

  private charClass(): Node {
    const at = this.pos;
    this.pos++;
    let negated = false;
    if (this.text[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    let set = emptySet();
    let count = 0;
    while (this.pos < this.text.length && (this.text[this.pos] !== ']' || count === 0)) {
      const c = this.text[this.pos]!;
      if (c === ']' && count === 0) {
        this.fail('unsupported', 'a `]` first in a class is not portable', 'escape it as `\\]`');
      }
      if (c === '[') this.fail('unsupported', 'a `[` inside a class must be escaped', 'write `\\[`; `[[` starts nested sets in some engines');
      let lo: number;
      if (c === '\\') {
        const node = this.escape(true);
        const members = node.first;
        const singleCode = members.filter(Boolean).length === 1 && !/[dDwW]/.test(this.text[this.pos - 1] ?? '') ? members.indexOf(true) : -1;
        if (singleCode < 0) {
          set = union(set, members);
          count++;
          continue;
        }
        lo = singleCode;
      } else {
        lo = c.charCodeAt(0);
        this.pos += c.length;
        if (lo > 127) lo = 128;
      }
      if (this.text[this.pos] === '-' && this.text[this.pos + 1] !== ']' && this.pos + 1 < this.text.length) {
        this.pos++;
        let hi: number;
        if (this.text[this.pos] === '\\') {
          const node = this.escape(true);
          hi = node.first.indexOf(true);
        } else {
          hi = this.text.charCodeAt(this.pos);
          this.pos++;
        }
        if (hi < lo) this.fail('syntax', 'class range out of order', 'write the lower character first, as in `[a-z]`', at);
        for (let k = lo; k <= Math.min(hi, 128); k++) set[k] = true;
        if (hi > 127) set[128] = true;
      } else {
        set[lo] = true;
      }
      count++;
    }
    if (this.text[this.pos] !== ']') this.fail('syntax', 'unclosed character class', 'add the missing `]`', at);
    this.pos++;
    if (negated) set = set.map((v) => !v);
    return leaf(set);
  }
}

function leaf(s: CharSet): Node {
  return { nullable: false, first: s, chars: s, loop: emptySet() };
}

function isEmptySet(s: CharSet): boolean {
  return !s.some(Boolean);
}

/** Checks a pattern; returns the first problem, or undefined when it is in the portable subset. */
export function checkPortableRegex(pattern: string): RegexProblem | undefined {
  if (pattern.length === 0) return { kind: 'syntax', message: 'empty pattern', help: 'a detector must match something', at: 0 };
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { kind: 'unsupported', message: `pattern is longer than ${MAX_PATTERN_LENGTH} characters`, help: 'split it into several detectors', at: 0 };
  }
  const parser = new PatternParser(pattern);
  let root: { nullable: boolean };
  try {
    root = parser.parse();
  } catch (e) {
    if (parser.problem) return parser.problem;
    throw e;
  }
  if (root.nullable) {
    // Engines disagree on where empty matches fall, and a detector that matches nothing redacts nothing.
    return { kind: 'unsupported', message: 'pattern can match empty text', help: 'make at least one character required, e.g. `\\d+` instead of `\\d*`', at: 0 };
  }
  return undefined;
}
