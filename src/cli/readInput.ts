import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { readRegularFile, type ReadProblem } from '../project/readRegularFile.js';

/*
 * What a command reads besides programs — a request, a built IR — named by the user: a file, a pipe or standard
 * input, always bounded. Shared by `decide` and `explain`.
 */

/** Requests and a built IR are read up to this size: a file that never ends (`/dev/zero`) is refused, not read forever. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export function problemText(p: ReadProblem): string {
  switch (p.kind) {
    case 'missing':
      return 'no such file';
    case 'not-regular':
      return `it is ${p.what}`;
    case 'too-large':
      return `it is larger than ${MAX_INPUT_BYTES} bytes`;
    case 'unreadable':
      return p.reason;
  }
}

/** A path the user named, links resolved (readRegularFile opens without following them); as given if it cannot be. */
export function resolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * A request file's bytes. Regular files are read as `readRegularFile` reads program files; standard input (`-`) and
 * other streams the caller names on purpose (a pipe, `<(...)`) are read up to the bound, so nothing is read forever.
 */
export function readInput(path: string): { bytes: Buffer } | { error: string } {
  const regular = path === '-' ? undefined : readRegularFile(resolved(path), MAX_INPUT_BYTES);
  if (regular !== undefined) {
    if ('bytes' in regular) return regular;
    if (regular.problem.kind !== 'not-regular' || regular.problem.what === 'a folder') return { error: problemText(regular.problem) };
  }
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(1 << 16);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        // A non-blocking standard input with nothing yet: wait a little and try again.
        if ((err as { code?: string }).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        return { error: (err as { code?: string }).code ?? String(err) };
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_BYTES) return { error: `it is larger than ${MAX_INPUT_BYTES} bytes` };
      chunks.push(chunk.subarray(0, n));
    }
    return { bytes: Buffer.concat(chunks) };
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}
