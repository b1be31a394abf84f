import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { govFilesIn } from '../project/loadProgram.js';
import { isInside } from '../project/readRegularFile.js';

export interface ProgramInput {
  /** A short name for progress lines (the folder or file name as found; may hold any character). */
  readonly name: string;
  readonly path: string;
  readonly entryFiles: readonly string[];
}

/** Folders below a path are searched at most this deep, so a hostile tree cannot make discovery run forever. */
const MAX_DEPTH = 32;

function statOrUndefined(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path, { throwIfNoEntry: false }) : lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Turns command-line paths into programs. A file is a program (with its imports); a folder holding `.gov` files
 * is one program made of all of them; a folder without any is searched below for such folders, each its own program.
 * The search does not follow symbolic links to folders (a link to `..` would never end) and never throws.
 */
export function discoverPrograms(paths: readonly string[]): { programs: ProgramInput[]; diagnostics: Diagnostic[] } {
  const programs: ProgramInput[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const s = statOrUndefined(path, true);
    if (s === undefined) {
      diagnostics.push({ code: 'GOV5001', severity: 'error', message: `\`${path}\` does not exist`, help: 'pass `.gov` files or folders that contain them' });
      continue;
    }
    if (s.isFile()) {
      programs.push({ name: basename(path).replace(/\.gov$/, ''), path, entryFiles: [path] });
      continue;
    }
    if (!s.isDirectory()) {
      diagnostics.push({ code: 'GOV5001', severity: 'error', message: `\`${path}\` is neither a file nor a folder`, help: 'pass `.gov` files or folders that contain them' });
      continue;
    }
    const found = walk(path, 0);
    if (found.length === 0) {
      diagnostics.push({ code: 'GOV5001', severity: 'error', message: `no \`.gov\` files under \`${path}\``, help: 'a program is a folder of `.gov` files' });
    }
    programs.push(...found);
  }
  return { programs, diagnostics };
}

function walk(dir: string, depth: number): ProgramInput[] {
  const files = govFilesIn(dir);
  if (files.length > 0) return [{ name: basename(resolve(dir)), path: dir, entryFiles: files }];
  if (depth >= MAX_DEPTH) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: ProgramInput[] = [];
  for (const entry of entries) {
    if (entry.startsWith('.') || entry === 'node_modules') continue;
    const sub = join(dir, entry);
    if (statOrUndefined(sub, false)?.isDirectory()) out.push(...walk(sub, depth + 1));
  }
  return out;
}

/**
 * `--root DIR`: every program must lie in it. Returns the problems as GOV5004 diagnostics (none when all are in).
 */
export function checkRoot(root: string, programs: readonly ProgramInput[]): Diagnostic[] {
  const s = statOrUndefined(root, true);
  if (s === undefined || !s.isDirectory()) {
    return [{ code: 'GOV5004', severity: 'error', message: `\`--root ${root}\` is not a folder`, help: 'give the folder that holds every file of the programs, e.g. `--root policies`' }];
  }
  const rootAbs = resolve(root);
  return programs
    .filter((p) => !isInside(rootAbs, resolve(p.path)))
    .map((p) => ({
      code: 'GOV5004' as const,
      severity: 'error' as const,
      message: `\`${p.path}\` is not inside \`--root ${root}\``,
      help: 'the root must hold every program checked or built with it; pick a folder above them all',
    }));
}
