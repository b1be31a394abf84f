import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { formatBytes, isInside } from '../../project/readRegularFile.js';
import { errorReason, LoadProblem } from './ProgramLoadError.js';

/** Pseudo-file systems whose "files" are generated on read: never read, whatever their `stat` says. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** What identifies one version of a file for polling: a rewrite (even by rename) changes at least one field. */
export function fileStamp(s: Stats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The stats of a regular file, or a LoadProblem saying why it is not one. */
export async function statFile(path: string, at: LoadProblem['at'] = {}): Promise<Stats> {
  if (PSEUDO_ROOTS.some((root) => isInside(root, path))) throw new LoadProblem('is a file of a pseudo-file system, not a regular file', at);
  let s: Stats;
  try {
    s = await stat(path);
  } catch (err) {
    throw new LoadProblem(errorReason(err) === 'ENOENT' ? 'does not exist' : `cannot be read (${errorReason(err)})`, at);
  }
  if (!s.isFile()) throw new LoadProblem(`is ${kindOf(s)}, not a regular file`, at);
  return s;
}

/**
 * Reads a regular file of at most `maxBytes` without blocking the event loop (a served process keeps deciding while
 * it reloads). As project/readRegularFile.ts does synchronously: regular by `stat`, opened without following a final
 * link and without blocking (a pipe swapped in cannot stall it), checked again on the descriptor, and read up to its
 * size plus one byte so that a file growing while read is noticed, not read without bound. Returns the bytes and the
 * stats they were read under.
 */
export async function readLocalFile(path: string, maxBytes: number, at: LoadProblem['at'] = {}): Promise<{ bytes: Buffer; stats: Stats }> {
  const before = await statFile(path, at);
  if (before.size > maxBytes) throw new LoadProblem(`is larger than ${formatBytes(maxBytes)}`, at);
  let handle;
  try {
    // O_NOFOLLOW and O_NONBLOCK are 0 where the platform lacks them (Windows), which only weakens the race checks.
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new LoadProblem(`cannot be read (${errorReason(err)})`, at);
  }
  try {
    const now = await handle.stat();
    if (!now.isFile()) throw new LoadProblem(`is ${kindOf(now)}, not a regular file`, at);
    if (now.dev !== before.dev || now.ino !== before.ino) throw new LoadProblem('changed while it was opened', at);
    if (now.size > maxBytes) throw new LoadProblem(`is larger than ${formatBytes(maxBytes)}`, at);
    const limit = now.size + 1;
    const buffer = Buffer.alloc(limit);
    let length = 0;
    while (length < limit) {
      const { bytesRead } = await handle.read(buffer, length, limit - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > now.size) throw new LoadProblem('grew while it was read (it is being written)', at);
    return { bytes: buffer.subarray(0, length), stats: now };
  } catch (err) {
    if (err instanceof LoadProblem) throw err;
    throw new LoadProblem(`cannot be read (${errorReason(err)})`, at);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
