import type { CodePointSet } from './codePointSet.js';
import { REGEX_LIMITS } from './parseRegexSyntax.js';
import type { RegexNode } from './RegexNode.js';

// Ways: how many partial matches a backtracking engine may keep alive on one text.

/**
 * Work the analysis may do (edges, states and their entries) before it gives up and refuses the pattern as too
 * complex to prove: about a tenth of a second. The built-in and standard-library detectors need at most 1,000,
 * `[A-Za-z0-9]{1,1000}x` 24,000; it keeps `govc check` fast on hostile programs.
 */
export const ANALYSIS_BUDGET = 500_000;

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
export interface Budget {
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
