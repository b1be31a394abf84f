import { lstatSync, readdirSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside } from './readRegularFile.js';

/*
 * Where a program's files are, without reading them: what a command needs before it knows whether it must parse at
 * all (an explain answered from its cache). Kept apart from loadProgram.ts, which loads the parser.
 */

/** The standard library shipped with govc: `import "std/eu_ai_act"` reads policies/eu_ai_act.gov. */
export const STD_DIR = resolvePath(dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');

/**
 * The `.gov` entries directly in a folder, sorted so loading order never depends on the file system. Everything but
 * a folder is listed, links and pipes included: the loader then refuses what it may not read, with a diagnostic,
 * rather than the file silently not being part of the program.
 */
export function govFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.gov'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return !lstatSync(p).isDirectory();
      } catch {
        return false;
      }
    });
}

/** The deepest folder that holds every one of the paths (absolute, normalised). */
export function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return resolvePath('.');
  let common = dirname(paths[0]!);
  for (const p of paths.slice(1)) {
    while (!isInside(common, p)) {
      const up = dirname(common);
      if (up === common) break;
      common = up;
    }
  }
  return common;
}
