/** Lines of context around each change, as `diff -u` and git show by default. */
const CONTEXT = 3;

type Edit = { readonly op: ' ' | '-' | '+'; readonly line: string };

/**
 * A unified diff from `before` to `after` (`--- name` / `+++ name` headers, hunks with three lines of context), or
 * '' when they are equal. Lines are compared without their line ends; Myers' O(ND) algorithm finds a shortest edit.
 */
export function unifiedDiff(name: string, before: string, after: string): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  // A last line without its line end differs from the same text with one, as in `diff -u`.
  const NO_EOL = '\u0000';
  const key = (side: { lines: string[]; finalNewline: boolean }): string[] =>
    side.finalNewline ? side.lines : side.lines.map((l, i) => (i === side.lines.length - 1 ? l + NO_EOL : l));
  const edits = shortestEdit(key(a), key(b));
  const out: string[] = [`--- ${name}`, `+++ ${name}`];
  // Hunks: runs of edits with at most 2*CONTEXT unchanged lines between changes.
  let i = 0;
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.op === ' ') i++;
    if (i >= edits.length) break;
    let start = i;
    let back = 0;
    while (start > 0 && back < CONTEXT && edits[start - 1]!.op === ' ') {
      start--;
      back++;
    }
    let end = i;
    for (;;) {
      while (end < edits.length && edits[end]!.op !== ' ') end++;
      let same = 0;
      while (end + same < edits.length && edits[end + same]!.op === ' ') same++;
      if (end + same >= edits.length || same > 2 * CONTEXT) {
        end += Math.min(same, CONTEXT);
        break;
      }
      end += same;
    }
    // Line numbers where the hunk starts on each side.
    let aLine = 1;
    let bLine = 1;
    for (let k = 0; k < start; k++) {
      if (edits[k]!.op !== '+') aLine++;
      if (edits[k]!.op !== '-') bLine++;
    }
    const hunk = edits.slice(start, end);
    const aCount = hunk.filter((e) => e.op !== '+').length;
    const bCount = hunk.filter((e) => e.op !== '-').length;
    out.push(`@@ -${range(aLine, aCount)} +${range(bLine, bCount)} @@`);
    for (const e of hunk) {
      if (e.line.endsWith(NO_EOL)) out.push(e.op + e.line.slice(0, -1), '\\ No newline at end of file');
      else out.push(e.op + e.line);
    }
    i = end;
  }
  return out.join('\n') + '\n';
}

function range(line: number, count: number): string {
  if (count === 0) return `${line - 1},0`;
  return count === 1 ? `${line}` : `${line},${count}`;
}

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const lines = text.split(/\r?\n/);
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
}

/** Myers' greedy shortest edit script (1986), with the trace kept to walk it back. */
function shortestEdit(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ op: ' ', line: a[--x]! }), y--;
    if (d === 0) break;
    if (x === prevX) edits.push({ op: '+', line: b[--y]! });
    else edits.push({ op: '-', line: a[--x]! });
  }
  while (x > 0 && y > 0) edits.push({ op: ' ', line: a[--x]! }), y--;
  return edits.reverse();
}
