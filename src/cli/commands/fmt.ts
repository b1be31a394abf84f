import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Diagnostic } from '../../diagnostics/Diagnostic.js';
import { printable } from '../../diagnostics/render.js';
import { formatSource, unifiedDiff } from '../../format/index.js';
import { compareCodePoints } from '../../util/compare.js';
import { EXIT } from '../exitCodes.js';
import { printDiagnostics } from './common.js';

export interface FmtOptions {
  write?: boolean;
  check?: boolean;
  diff?: boolean;
  color?: boolean;
}

/** Folders a walk never enters: version control, dependencies and tool folders (any name starting with `.`). */
const SKIPPED_FOLDERS = new Set(['node_modules']);

interface Found {
  readonly files: string[];
  readonly diagnostics: Diagnostic[];
  /** A path named on the command line was a single file (not a folder): its text goes to stdout by default. */
  readonly singleFile: boolean;
}

/**
 * `govc fmt [paths...]`: the canonical layout of `.gov` files (docs/fmt.md). By default the text of one named file
 * is printed, or the files that would change are listed; `--write` rewrites them in place, `--check` lists them and
 * exits 7, `--diff` prints a unified diff. A file that does not parse is reported (exit 3) and nothing is written.
 */
export function runFmt(paths: readonly string[], opts: FmtOptions): number {
  if (opts.write && opts.check) {
    usage('`--write` and `--check` cannot be used together', 'use `--check` in CI and `--write` to fix the files', opts);
    return EXIT.usage;
  }
  const found = findFiles(paths.length > 0 ? paths : ['.']);
  if (found.diagnostics.length > 0) {
    printDiagnostics([{ program: 'govc', diagnostics: found.diagnostics }], { color: opts.color });
    return EXIT.usage;
  }

  const results: Array<{ file: string; before: string; after: string; mode: number }> = [];
  const failed: Diagnostic[] = [];
  for (const file of found.files) {
    let before: string;
    let stat: Stats;
    try {
      stat = lstatSync(file);
      before = readFileSync(file, 'utf8');
    } catch (err) {
      failed.push({ code: 'GOV5002', severity: 'error', message: `cannot read \`${file}\`: ${errorText(err)}` });
      continue;
    }
    const r = formatSource(before, file);
    if (!r.ok) {
      failed.push(...r.diagnostics);
      continue;
    }
    results.push({ file, before, after: r.text, mode: stat.mode & 0o7777 });
  }
  if (failed.length > 0) {
    // Nothing is written when any file fails: a half-formatted tree is worse than an untouched one.
    printDiagnostics([{ program: 'govc', diagnostics: failed }], { color: opts.color });
    return failed.some((d) => d.code.startsWith('GOV1')) ? EXIT.checkFailed : EXIT.usage;
  }

  const changed = results.filter((r) => r.after !== r.before);
  if (opts.diff) for (const r of changed) process.stdout.write(unifiedDiff(r.file, r.before, r.after));
  if (opts.write) {
    for (const r of changed) {
      const problem = writeAtomically(r.file, r.before, r.after, r.mode);
      if (problem !== undefined) {
        printDiagnostics([{ program: 'govc', diagnostics: [problem] }], { color: opts.color });
        return EXIT.usage;
      }
      if (!opts.diff) process.stdout.write(printable(r.file) + '\n');
    }
    return EXIT.ok;
  }
  if (opts.check) {
    if (!opts.diff) for (const r of changed) process.stdout.write(printable(r.file) + '\n');
    return changed.length > 0 ? EXIT.notFormatted : EXIT.ok;
  }
  if (opts.diff) return EXIT.ok;
  if (found.singleFile) {
    process.stdout.write(results[0]!.after);
    return EXIT.ok;
  }
  for (const r of changed) process.stdout.write(printable(r.file) + '\n');
  return EXIT.ok;
}

function usage(message: string, help: string, opts: FmtOptions): void {
  printDiagnostics([{ program: 'govc', diagnostics: [{ code: 'GOV5004', severity: 'error', message, help }] }], { color: opts.color });
}

/**
 * The files to format: each named file as it is, and every `.gov` file under each named folder, in code-point
 * order. Symbolic links are never followed: a named one is refused, one met in a folder is passed over.
 */
function findFiles(paths: readonly string[]): Found {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  let folders = 0;
  for (const path of paths) {
    let s: Stats;
    try {
      s = lstatSync(path);
    } catch {
      diagnostics.push({ code: 'GOV5001', severity: 'error', message: `\`${path}\` does not exist`, help: 'pass `.gov` files or folders that contain them' });
      continue;
    }
    if (s.isSymbolicLink()) {
      diagnostics.push({
        code: 'GOV5004',
        severity: 'error',
        message: `\`${path}\` is a symbolic link`,
        help: 'govc fmt never follows links (it could rewrite a file outside the paths you gave); name the file or folder it points to',
      });
    } else if (s.isFile()) {
      files.push(path);
    } else if (s.isDirectory()) {
      folders++;
      walk(path, files);
    } else {
      diagnostics.push({ code: 'GOV5001', severity: 'error', message: `\`${path}\` is neither a file nor a folder`, help: 'pass `.gov` files or folders that contain them' });
    }
  }
  const unique = [...new Set(files)];
  return { files: unique, diagnostics, singleFile: paths.length === 1 && folders === 0 && unique.length === 1 };
}

function walk(dir: string, into: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareCodePoints(a.name, b.name));
  for (const e of entries) {
    const path = join(dir, e.name);
    // Dirent types come from lstat: a link is neither a file nor a folder here, so it is never followed.
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && !SKIPPED_FOLDERS.has(e.name)) walk(path, into);
    } else if (e.isFile() && e.name.endsWith('.gov')) {
      into.push(path);
    }
  }
}

/**
 * Replaces `file` by `text` through a temporary file in the same folder and a rename, so a reader sees the old
 * text or the new, never part of it; the file keeps its mode. Refused if the file changed since it was read, or is
 * no longer a plain file.
 */
function writeAtomically(file: string, expected: string, text: string, mode: number): Diagnostic | undefined {
  const temp = join(dirname(file), `.${basename(file)}.govc-fmt-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    const now = lstatSync(file);
    if (!now.isFile()) return cannotWrite(file, 'it is no longer a plain file');
    if (readFileSync(file, 'utf8') !== expected) return cannotWrite(file, 'it changed while it was being formatted');
    fd = openSync(temp, 'wx', mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
    return undefined;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // the temporary file was never made, or is already gone
    }
    return cannotWrite(file, errorText(err));
  }
}

function cannotWrite(file: string, why: string): Diagnostic {
  return { code: 'GOV5005', severity: 'error', message: `cannot rewrite \`${file}\`: ${why}`, help: 'the file was left as it was' };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
