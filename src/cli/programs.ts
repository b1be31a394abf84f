import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { govFilesIn } from '../project/loadProgram.js';

export interface ProgramInput {
  /** A short name for output folders and progress lines. */
  readonly name: string;
  readonly path: string;
  readonly entryFiles: readonly string[];
}

/**
 * Turns command-line paths into programs. A file is a program (with its imports); a folder holding `.gov` files
 * is one program made of all of them; a folder without any is searched below for such folders, each its own program.
 */
export function discoverPrograms(paths: readonly string[]): { programs: ProgramInput[]; diagnostics: Diagnostic[] } {
  const programs: ProgramInput[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    if (!existsSync(path)) {
      diagnostics.push({ code: 'GOV5001', severity: 'error', message: `\`${path}\` does not exist`, help: 'pass `.gov` files or folders that contain them' });
      continue;
    }
    if (statSync(path).isFile()) {
      programs.push({ name: basename(path).replace(/\.gov$/, ''), path, entryFiles: [path] });
      continue;
    }
    const found = walk(path);
    if (found.length === 0) {
      diagnostics.push({ code: 'GOV5001', severity: 'error', message: `no \`.gov\` files under \`${path}\``, help: 'a program is a folder of `.gov` files' });
    }
    programs.push(...found);
  }
  return { programs, diagnostics };
}

function walk(dir: string): ProgramInput[] {
  const files = govFilesIn(dir);
  if (files.length > 0) return [{ name: basename(dir), path: dir, entryFiles: files }];
  const out: ProgramInput[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || entry === 'node_modules') continue;
    const sub = join(dir, entry);
    if (statSync(sub).isDirectory()) out.push(...walk(sub));
  }
  return out;
}
