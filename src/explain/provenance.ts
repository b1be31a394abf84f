import { execFile } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';

/** One commit as provenance shows it. */
export interface CommitInfo {
  readonly commit: string;
  readonly author: string;
  /** Lower-cased, as every e-mail address in the IR. */
  readonly email: string;
  /** The author date, `YYYY-MM-DDTHH:MM:SSZ` in UTC. */
  readonly date: string;
}

/** Where the line of one approval came from. */
export type LineProvenance =
  | { readonly status: 'committed'; readonly introduced: CommitInfo; readonly last_changed: CommitInfo }
  /** The line differs from the last commit (or its file was never committed). */
  | { readonly status: 'uncommitted' }
  /** No provenance for this line, and why (standard library, git failed or timed out). */
  | { readonly status: 'unknown'; readonly why: string };

export type ProvenanceResult =
  | { readonly git: true; readonly lines: ReadonlyMap<string, LineProvenance> }
  | { readonly git: false; readonly why: string };

/** Each git command gets this long: a huge history gives "unknown", never a hang. */
export const GIT_TIMEOUT_MS = 10_000;
/** `git log -L` runs at most this many at a time. */
const CONCURRENCY = 4;
/** Lines followed back to their introducing commit at most (each is a `git log -L`); the rest say so. */
export const MAX_FOLLOWED = 200;
const ZERO = /^0{40}$/;

interface GitOut {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** git with an argument array (never a shell), bounded in time and output, its locale and prompts fixed. */
function git(cwd: string, args: readonly string[]): Promise<GitOut> {
  return new Promise((done) => {
    execFile(
      'git',
      [...args],
      {
        cwd,
        timeout: GIT_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        windowsHide: true,
        env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat' },
      },
      (err, stdout, stderr) => done({ ok: err === null, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

/** `path:line:col` into its path and line; null when it has no line. */
export function splitSource(source: string): { path: string; line: number } | null {
  const m = /^(.*):(\d+):(\d+)$/.exec(source);
  return m ? { path: m[1]!, line: Number(m[2]) } : null;
}

/**
 * Git provenance of each source line (`path:line:col`, paths relative to `root`): the commit that last changed it
 * (`git blame --porcelain`) and the one that introduced it (the oldest commit of `git log -L`, followed from the
 * blamed commit so uncommitted edits above the line do not shift it). Lines of the standard library get none.
 */
export async function provenanceOf(root: string | null, sources: readonly string[]): Promise<ProvenanceResult> {
  if (root === null) return { git: false, why: 'a built IR has no sources: no provenance' };
  // Started now and awaited after the files are grouped: the blames below run beside it.
  const topP = git(root, ['rev-parse', '--show-toplevel']);
  const lines = new Map<string, LineProvenance>();
  const byFile = new Map<string, Array<{ source: string; line: number }>>();
  for (const s of new Set(sources)) {
    const at = splitSource(s);
    if (at === null) {
      lines.set(s, { status: 'unknown', why: 'no line' });
      continue;
    }
    if (at.path.startsWith('std/')) {
      lines.set(s, { status: 'unknown', why: 'the standard library' });
      continue;
    }
    const file = resolve(root, at.path);
    const list = byFile.get(file) ?? [];
    list.push({ source: s, line: at.line });
    byFile.set(file, list);
  }
  const follow: Array<{ source: string; blamed: string; origLine: number; origFile: string; cwd: string; last: CommitInfo }> = [];
  const blames = [...byFile].map(([file, wanted]) => {
    const distinct = [...new Set(wanted.map((w) => w.line))].sort((a, b) => a - b);
    const args = ['blame', '--porcelain', ...distinct.flatMap((l) => ['-L', `${l},${l}`]), '--', basename(file)];
    return { wanted, out: git(dirname(file), args) };
  });
  const top = await topP;
  if (!top.ok) return { git: false, why: 'not in a git repository: no provenance' };
  for (const blame of blames) {
    const wanted = blame.wanted;
    const out = await blame.out;
    if (!out.ok) {
      // A file git does not track (never added) has no committed line; anything else is reported as unknown.
      const untracked = /no such path|not in HEAD|does not have any commits|bad revision 'HEAD'/i.test(out.stderr);
      for (const w of wanted) lines.set(w.source, untracked ? { status: 'uncommitted' } : { status: 'unknown', why: firstLine(out.stderr) || 'git blame failed' });
      continue;
    }
    const blamed = parseBlame(out.stdout);
    for (const w of wanted) {
      const b = blamed.get(w.line);
      if (!b) lines.set(w.source, { status: 'unknown', why: 'git blame did not cover the line' });
      else if (ZERO.test(b.commit.commit)) lines.set(w.source, { status: 'uncommitted' });
      else if (follow.length >= MAX_FOLLOWED) lines.set(w.source, { status: 'unknown', why: `git history is followed for ${MAX_FOLLOWED} approvals at most; explain what this one approves for its own` });
      else follow.push({ source: w.source, blamed: b.commit.commit, origLine: b.origLine, origFile: b.filename, cwd: top.stdout.trim(), last: b.commit });
    }
  }
  // The introducing commit of each committed line, a few `git log -L` at a time.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < follow.length) {
      const f = follow[next++]!;
      const out = await git(f.cwd, ['log', '-L', `${f.origLine},${f.origLine}:${f.origFile}`, '--format=%x1e%H%x1f%an%x1f%ae%x1f%at', '-s', f.blamed, '--']);
      const commits = out.ok ? parseLog(out.stdout) : [];
      const introduced = commits[commits.length - 1] ?? f.last;
      lines.set(f.source, { status: 'committed', introduced, last_changed: f.last });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, follow.length) }, worker));
  return { git: true, lines };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function utc(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `git blame --porcelain`: for each final line, its commit and where the line was in that commit. */
export function parseBlame(text: string): Map<number, { commit: CommitInfo; origLine: number; filename: string }> {
  const out = new Map<number, { commit: CommitInfo; origLine: number; filename: string }>();
  const meta = new Map<string, { author: string; email: string; time: number }>();
  const rows = text.split('\n');
  let i = 0;
  while (i < rows.length) {
    const header = /^([0-9a-f]{40}) (\d+) (\d+)(?: \d+)?$/.exec(rows[i]!);
    i++;
    if (!header) continue;
    const sha = header[1]!;
    const m = meta.get(sha) ?? { author: '', email: '', time: 0 };
    let filename = '';
    while (i < rows.length && !rows[i]!.startsWith('\t')) {
      const row = rows[i]!;
      const sp = row.indexOf(' ');
      const k = sp < 0 ? row : row.slice(0, sp);
      const v = sp < 0 ? '' : row.slice(sp + 1);
      if (k === 'author') m.author = v;
      else if (k === 'author-mail') m.email = v.replace(/^<|>$/g, '').toLowerCase();
      else if (k === 'author-time') m.time = Number(v);
      else if (k === 'filename') filename = v;
      i++;
    }
    i++; // the line's content
    meta.set(sha, m);
    out.set(Number(header[3]), { commit: { commit: sha, author: m.author, email: m.email, date: utc(m.time) }, origLine: Number(header[2]), filename });
  }
  return out;
}

/** `git log --format=%x1e%H%x1f%an%x1f%ae%x1f%at -s`: newest first. */
function parseLog(text: string): CommitInfo[] {
  return text
    .split('\x1e')
    .slice(1)
    .map((rec) => rec.split('\n')[0]!.split('\x1f'))
    .filter((f) => f.length === 4 && /^[0-9a-f]{40}$/.test(f[0]!))
    .map((f) => ({ commit: f[0]!, author: f[1]!, email: f[2]!.toLowerCase(), date: utc(Number(f[3])) }));
}
