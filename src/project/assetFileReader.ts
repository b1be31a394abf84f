import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { AssetFileReader, AssetFileResult } from '../check/assetFiles.js';
import { describeProblem, isInside, readRegularFile } from './readRegularFile.js';

/** The largest asset file hashed (a prompt is text; 4 MiB is far beyond any system prompt). */
export const MAX_ASSET_BYTES = 4 * 1024 * 1024;

/**
 * A reader of asset files confined to the program root `root` (absolute): the path is resolved from the folder of
 * the naming source (named relative to the root), must stay in the root as written and after links are resolved,
 * and must be a regular file of at most MAX_ASSET_BYTES. The result is the file's SHA-256, never its bytes.
 */
export function assetFileReader(root: string): AssetFileReader {
  let rootReal = root;
  try {
    rootReal = realpathSync.native(root);
  } catch {
    /* a root that does not resolve: paths are judged against it as written */
  }
  return (from, spec): AssetFileResult => {
    if (from.path.startsWith('std/')) return { problem: 'outside', detail: 'the standard library names no files' };
    if (spec === '' || isAbsolute(spec) || spec.includes('\\') || spec.includes('\0')) {
      return { problem: 'outside', detail: 'write a path relative to the file that names it, with `/`' };
    }
    const path = resolvePath(join(rootReal, dirname(from.path)), spec);
    if (!isInside(rootReal, path)) return { problem: 'outside', detail: 'the path leaves the program root' };
    let real: string;
    try {
      real = realpathSync.native(path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { problem: 'unreadable', detail: code === 'ENOENT' ? 'does not exist' : `cannot be read (${typeof code === 'string' ? code : 'unreadable'})` };
    }
    if (!isInside(rootReal, real)) return { problem: 'outside', detail: 'a symbolic link leads outside the program root' };
    const read = readRegularFile(real, MAX_ASSET_BYTES);
    if ('problem' in read) return { problem: 'unreadable', detail: describeProblem(read.problem, MAX_ASSET_BYTES) };
    return { sha256: createHash('sha256').update(read.bytes).digest('hex') };
  };
}
