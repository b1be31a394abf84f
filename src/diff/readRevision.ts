import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { MAX_PROGRAM_BYTES, MAX_PROGRAM_FILES } from '../project/loadProgram.js';

/** A program's files at a git revision, written to a temporary folder that mirrors the repository's layout. */
export interface RevisionTree {
  /** The temporary folder standing for the repository's top level; remove it with `cleanup`. */
  readonly top: string;
  /** The program's folder (or file) inside `top`. */
  readonly program: string;
  /** Where the caller's working directory would be inside `top`: diagnostics name files relative to it. */
  readonly cwd: string;
  readonly commit: string;
  /** The commit's committer date, as a UTC day (YYYY-MM-DD). */
  readonly date: string;
  /** Files skipped: symbolic links and submodules (a revision's links are not followed). */
  readonly skipped: readonly string[];
  readonly cleanup: () => void;
}

/** Every git call is bounded in time; a repository that hangs (a lock, a network filesystem) fails the diff. */
const GIT_TIMEOUT_MS = 60_000;

function git(cwd: string, args: readonly string[], input?: string, maxBuffer = 1 << 20): Buffer {
  // An argument array, never a shell: a revision or path cannot run anything. No prompts, no pager.
  return execFileSync('git', ['-C', cwd, ...args], {
    input,
    maxBuffer,
    timeout: GIT_TIMEOUT_MS,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_OPTIONAL_LOCKS: '0' },
  });
}

function gitText(cwd: string, args: readonly string[]): string {
  return git(cwd, args).toString('utf8').trim();
}

function errorText(err: unknown): string {
  const stderr = (err as { stderr?: Buffer }).stderr;
  const text = stderr && stderr.length > 0 ? stderr.toString('utf8') : err instanceof Error ? err.message : String(err);
  return text.trim().split('\n')[0]!.slice(0, 300);
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/**
 * Reads the program at `programPath` (relative to `cwd`) as of git revision `rev` into a temporary folder, through
 * `git ls-tree` and `git cat-file --batch` with argument arrays, bounded like a program on disk (file count and
 * total size). Regular files are written; symbolic links and submodules are skipped and listed. Returns a problem
 * in words instead of throwing.
 */
export function readRevision(cwd: string, rev: string, programPath: string): RevisionTree | { error: string } {
  if (rev === '' || rev.startsWith('-') || rev.includes('\u0000')) return { error: `\`${rev}\` is not a git revision` };
  let top: string;
  try {
    top = gitText(cwd, ['rev-parse', '--show-toplevel']);
  } catch (err) {
    return { error: `\`${rev}\` is not a folder, and ${resolve(cwd)} is not in a git repository (${errorText(err)})` };
  }
  let commit: string;
  try {
    commit = gitText(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  } catch {
    return { error: `\`${rev}\` is neither a folder nor a git revision of ${top}` };
  }
  let date: string;
  try {
    date = new Date(gitText(cwd, ['show', '-s', '--format=%cI', commit])).toISOString().slice(0, 10);
  } catch (err) {
    return { error: `cannot read the date of commit ${commit}: ${errorText(err)}` };
  }
  // git names the top level with links resolved; so must the working directory be, or the relative path is wrong.
  let base: string;
  try {
    base = realpathSync(cwd);
  } catch {
    base = resolve(cwd);
  }
  const inRepo = toPosix(relative(top, resolve(base, programPath)));
  if (inRepo.startsWith('..')) {
    return { error: `program path \`${programPath}\` is outside the repository ${top}` };
  }
  let listing: string;
  try {
    const args = ['ls-tree', '-r', '-z', '-l', '--full-tree', commit];
    listing = git(top, inRepo === '' ? args : [...args, '--', inRepo], undefined, 64 << 20).toString('utf8');
  } catch (err) {
    return { error: `cannot list ${rev}:${inRepo || '.'}: ${errorText(err)}` };
  }
  const blobs: Array<{ hash: string; path: string; size: number }> = [];
  const skipped: string[] = [];
  let total = 0;
  for (const entry of listing.split('\u0000')) {
    if (entry === '') continue;
    const tab = entry.indexOf('\t');
    const [mode, type, hash, size] = entry.slice(0, tab).split(/ +/);
    const path = entry.slice(tab + 1);
    if (type !== 'blob' || (mode !== '100644' && mode !== '100755')) {
      skipped.push(path);
      continue;
    }
    const n = Number(size);
    total += n;
    if (blobs.length >= MAX_PROGRAM_FILES) return { error: `${rev}:${inRepo || '.'} has more than ${MAX_PROGRAM_FILES} files; name the program's folder` };
    if (total > MAX_PROGRAM_BYTES) return { error: `${rev}:${inRepo || '.'} holds more than ${MAX_PROGRAM_BYTES} bytes; name the program's folder` };
    // A path git stores can hold `..` only through a corrupt tree: never let one write outside the folder.
    if (path.split('/').some((s) => s === '..' || s === '.' || s === '' || s === '.git')) {
      skipped.push(path);
      continue;
    }
    blobs.push({ hash: hash!, path, size: n });
  }
  if (blobs.length === 0) return { error: `\`${inRepo || '.'}\` has no files at ${rev}` };
  let contents: Buffer;
  try {
    contents = git(top, ['cat-file', '--batch'], blobs.map((b) => b.hash).join('\n') + '\n', total + blobs.length * 128 + (1 << 16));
  } catch (err) {
    return { error: `cannot read files of ${rev}: ${errorText(err)}` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'govc-diff-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    let at = 0;
    for (const b of blobs) {
      const nl = contents.indexOf(0x0a, at);
      const header = contents.subarray(at, nl).toString('utf8').split(' ');
      const size = Number(header[2]);
      if (header[0] !== b.hash || header[1] !== 'blob' || !Number.isSafeInteger(size)) {
        cleanup();
        return { error: `unexpected answer from git cat-file for ${b.path}` };
      }
      const bytes = contents.subarray(nl + 1, nl + 1 + size);
      at = nl + 1 + size + 1;
      const target = join(dir, ...b.path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, bytes, { flag: 'wx', mode: 0o644 });
    }
  } catch (err) {
    cleanup();
    return { error: `cannot write ${rev}'s files to a temporary folder: ${err instanceof Error ? err.message : String(err)}` };
  }
  const cwdInRepo = toPosix(relative(top, base));
  return {
    top: dir,
    program: join(dir, ...inRepo.split('/').filter((s) => s !== '')),
    cwd: cwdInRepo.startsWith('..') ? dir : join(dir, ...cwdInRepo.split('/').filter((s) => s !== '')),
    commit,
    date,
    skipped,
    cleanup,
  };
}
