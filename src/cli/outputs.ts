import { lstatSync, mkdirSync, realpathSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isInside } from '../project/readRegularFile.js';

/** Longest output folder name govc makes from a program's name (bytes of ASCII). */
const MAX_NAME = 64;
/** Names Windows reserves in every folder, whatever the extension. */
const RESERVED = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?$/i;

/**
 * A program's name as an output folder name: only `A-Z a-z 0-9 . _ -`, no leading dot (so never `.`, `..` or a
 * hidden folder), at most 64 characters, never empty or a name Windows reserves. Distinct programs can map to the same
 * name; outputFolderNames makes them unique.
 */
export function safeFolderName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.]+/, '');
  out = out.slice(0, MAX_NAME).replace(/[. ]+$/, '');
  if (out === '' || /^_+$/.test(out)) out = 'program';
  if (RESERVED.test(out)) out = '_' + out;
  return out;
}

/**
 * One output folder name per program, in order: safeFolderName, then `-2`, `-3`... for a name already taken
 * (compared without case, as macOS and Windows file systems do). Deterministic for the same programs in the same order.
 */
export function outputFolderNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const base = safeFolderName(name);
    let candidate = base;
    for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base}-${i}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}

/** Why a write under --out was refused or failed; the message names the path relative to --out. */
export class OutputError extends Error {}

function code(err: unknown): string {
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' ? c : err instanceof Error ? err.message : String(err);
}

/**
 * The only way govc writes files: under one folder (`--out`), through relative names that govc makes. Every name is
 * resolved and checked to stay inside the folder; every folder on the way is created by govc or must be a real folder,
 * never a symbolic link (a link left in --out could send a write anywhere); a file is written to a temporary name and
 * renamed over the old one, so a link where a file should be is replaced, not followed, and a reader never sees half
 * a file.
 */
export class OutputDir {
  /** The folder with links resolved: the user chose it, links in its own path are theirs. */
  private readonly real: string;

  private constructor(readonly root: string, real: string) {
    this.real = real;
  }

  /** Creates `--out` if needed. */
  static open(dir: string): OutputDir {
    const root = resolve(dir);
    try {
      mkdirSync(root, { recursive: true });
      return new OutputDir(root, realpathSync.native(root));
    } catch (err) {
      throw new OutputError(`cannot create the output folder \`${dir}\` (${code(err)})`);
    }
  }

  /** The absolute path of `name` under the folder, or an OutputError when it would leave it. */
  private target(name: string): { path: string; parts: string[] } {
    const parts = name.split('/');
    // INVARIANT: names are govc's own (`ir.json`, `opa/bundle/data.json`, a safeFolderName); refuse anything else.
    if (name === '' || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
      throw new OutputError(`refusing to write \`${JSON.stringify(name)}\`: not a plain relative path`);
    }
    const path = resolve(this.real, ...parts);
    if (!isInside(this.real, path) || path === this.real) throw new OutputError(`refusing to write \`${name}\`: it is outside --out`);
    return { path, parts };
  }

  /** Ensures each folder of `parts` (all but the last) exists under the root as a real folder. */
  private folders(parts: readonly string[], name: string): string {
    let dir = this.real;
    for (const part of parts) {
      dir = join(dir, part);
      let s;
      try {
        s = lstatSync(dir, { throwIfNoEntry: false });
      } catch (err) {
        throw new OutputError(`cannot write \`${name}\` (${code(err)})`);
      }
      if (s === undefined) {
        try {
          mkdirSync(dir);
        } catch (err) {
          throw new OutputError(`cannot create \`${name}\`'s folder (${code(err)})`);
        }
      } else if (s.isSymbolicLink()) {
        throw new OutputError(`\`${relativeName(this.real, dir)}\` in --out is a symbolic link; govc does not write through links: remove it`);
      } else if (!s.isDirectory()) {
        throw new OutputError(`\`${relativeName(this.real, dir)}\` in --out is a file where govc needs a folder: remove it`);
      }
    }
    return dir;
  }

  /** A sub-folder (one program's outputs when several are built). */
  sub(name: string): OutputDir {
    const { parts } = this.target(name);
    const dir = this.folders(parts, name);
    return new OutputDir(dir, dir);
  }

  /** Writes one file atomically (temporary file, then rename). */
  write(name: string, data: string | Uint8Array): void {
    const { path, parts } = this.target(name);
    const dir = this.folders(parts.slice(0, -1), name);
    const tmp = join(dir, `.${parts[parts.length - 1]!}.govc-${process.pid}.tmp`);
    try {
      writeFileSync(tmp, data, { flag: 'wx' });
      renameSync(tmp, path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* the temporary file was not created, or is already gone */
      }
      throw new OutputError(`cannot write \`${name}\` (${code(err)})`);
    }
  }

  /** Removes a file or folder under the root (a link is removed, never followed). */
  remove(name: string): void {
    const { path } = this.target(name);
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (err) {
      throw new OutputError(`cannot remove the old \`${name}\` (${code(err)})`);
    }
  }
}

function relativeName(root: string, path: string): string {
  return path.slice(root.length + 1).split(/[\\/]/).join('/');
}
