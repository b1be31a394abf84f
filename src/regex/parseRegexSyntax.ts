import { complementSet, DIGIT, normalizeSet, WORD, type CodePointSet } from './codePointSet.js';
import type { RegexNode } from './RegexNode.js';

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

/** Text for a one-line message: control and invisible characters as `\xHH` or `\u{H}`, at most 24 characters. */
export function printable(text: string): string {
  const short = text.length > 24 ? `${text.slice(0, 21)}...` : text;
  return short.replace(/[\x00-\x1f\x7f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    const cp = c.charCodeAt(0);
    return cp < 0x100 ? `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}` : `\\u{${cp.toString(16).toUpperCase()}}`;
  });
}


/** Parses a pattern without checking its shape (for tests and tools that analyse refused patterns); never throws. */
export function parseRegexSyntax(pattern: string): { readonly ok: true; readonly root: RegexNode } | { readonly ok: false; readonly problem: RegexProblem } {
  try {
    return { ok: true, root: new PatternParser(pattern).parse() };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, problem: e.problem };
    throw e;
  }
}
