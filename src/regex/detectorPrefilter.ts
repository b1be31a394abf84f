import { analyseWays } from './analyseWays.js';
import { MAX_CODE_POINT, normalizeSet, unionSet, type CodePointSet } from './codePointSet.js';
import { parsePortableRegex } from './parsePortableRegex.js';
import { children, maxLength, minLength, type RegexNode } from './RegexNode.js';

// A prefilter for the JavaScript runtime (src/runtime/detector.ts).

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
