/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent swaps, so `hihg` is one edit from `high`), bounded
 * to keep did-you-mean cheap on large programs.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prevPrev = new Array<number>(b.length + 1).fill(0);
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        v = Math.min(v, (prevPrev[j - 2] ?? 0) + 1);
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  return prev[b.length] ?? max + 1;
}

/**
 * The candidates close enough to `input` to be a plausible typo, best first (as graphql-js's suggestionList):
 * distance within 40% of the input's length, ties broken alphabetically so output is deterministic.
 */
export function suggestionList(input: string, candidates: Iterable<string>): string[] {
  const threshold = Math.max(1, Math.floor(input.length * 0.4));
  const lower = input.toLowerCase();
  const scored: Array<[string, number]> = [];
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const d = candidate.toLowerCase() === lower ? 0.5 : editDistance(lower, candidate.toLowerCase(), threshold);
    if (d <= threshold) scored.push([candidate, d]);
  }
  scored.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return scored.slice(0, 3).map(([c]) => c);
}

/** "did you mean `a`?" / "did you mean `a` or `b`?", or undefined when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  return hintOf(suggestionList(input, candidates));
}

function hintOf(list: readonly string[]): string | undefined {
  if (list.length === 0) return undefined;
  const quoted = list.map((s) => `\`${s}\``);
  if (quoted.length === 1) return `did you mean ${quoted[0]}?`;
  return `did you mean ${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}?`;
}

/**
 * The did-you-mean hint and the candidates it names, so a caller can attach both the text (for people) and the
 * replacements (for editors' quick fixes) from one ranking.
 */
export function didYouMeanWith(input: string, candidates: Iterable<string>): { hint: string; candidates: string[] } | undefined {
  const list = suggestionList(input, candidates);
  const hint = hintOf(list);
  return hint === undefined ? undefined : { hint, candidates: list };
}
