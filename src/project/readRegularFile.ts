import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

/** Why a file was not read. None of these ever carries a byte of the file. */
export type ReadProblem =
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-regular'; readonly what: string }
  | { readonly kind: 'too-large'; readonly size: number }
  | { readonly kind: 'unreadable'; readonly reason: string };

export type ReadResult = { readonly bytes: Buffer } | { readonly problem: ReadProblem };

/**
 * Pseudo-file systems whose "regular" files are generated on read (the environment, memory maps, kernel state):
 * never read, whatever their `stat` says. Checked on the path after symbolic links are resolved.
 */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** Whether `path` is `dir` or below it (both absolute, normalised). `..b` is a name inside, `..` is not. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel));
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

/** What `stat` says about a path, as a problem or the stats of a regular file no larger than `maxBytes`. */
export function statRegular(path: string, maxBytes: number): { readonly stats: Stats } | { readonly problem: ReadProblem } {
  if (PSEUDO_ROOTS.some((root) => isInside(root, path))) return { problem: { kind: 'not-regular', what: 'a file of a pseudo-file system' } };
  let stats: Stats | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    return { problem: { kind: 'unreadable', reason: reason(err) } };
  }
  if (stats === undefined) return { problem: { kind: 'missing' } };
  if (!stats.isFile()) return { problem: { kind: 'not-regular', what: kindOf(stats) } };
  if (stats.size > maxBytes) return { problem: { kind: 'too-large', size: stats.size } };
  return { stats };
}

/**
 * Reads a regular file of at most `maxBytes`, deciding everything it can before reading: the file must be regular
 * (not a folder, pipe, device or socket, and not under /proc, /sys or /dev) and small enough by `stat`. It is then
 * opened without following a final symbolic link (callers pass resolved paths) and without blocking, checked again
 * on the open descriptor (same file, still regular), and read up to its size plus one byte: a file that grows while
 * read, or claims size 0 and has content, is refused rather than read without bound. Never throws.
 */
export function readRegularFile(path: string, maxBytes: number): ReadResult {
  const before = statRegular(path, maxBytes);
  if ('problem' in before) return before;
  let fd: number;
  try {
    // O_NOFOLLOW and O_NONBLOCK are 0 where the platform lacks them (Windows), which only weakens the race checks.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    return { problem: { kind: 'unreadable', reason: reason(err) } };
  }
  try {
    const now = fstatSync(fd);
    if (!now.isFile()) return { problem: { kind: 'not-regular', what: kindOf(now) } };
    if (now.dev !== before.stats.dev || now.ino !== before.stats.ino) return { problem: { kind: 'unreadable', reason: 'the file changed while it was opened' } };
    if (now.size > maxBytes) return { problem: { kind: 'too-large', size: now.size } };
    const limit = now.size + 1;
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const n = readSync(fd, buffer, length, limit - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > now.size) return { problem: { kind: 'unreadable', reason: 'the file is larger than its size on disk says (it changed, or is generated on read)' } };
    return { bytes: buffer.subarray(0, length) };
  } catch (err) {
    return { problem: { kind: 'unreadable', reason: reason(err) } };
  } finally {
    try {
      closeSync(fd);
    } catch {
      /* closing a descriptor we opened does not fail in practice; nothing to recover */
    }
  }
}

/** A problem in words, for diagnostics: `is a named pipe`, `is larger than 8 MiB`... */
export function describeProblem(problem: ReadProblem, maxBytes: number): string {
  switch (problem.kind) {
    case 'missing':
      return 'does not exist';
    case 'not-regular':
      return `is ${problem.what}, not a regular file`;
    case 'too-large':
      return `is larger than ${formatBytes(maxBytes)}`;
    case 'unreadable':
      return `cannot be read (${problem.reason})`;
  }
}

export function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}
