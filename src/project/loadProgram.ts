import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import type { FileNode, StringNode } from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { Source, Span } from '../source/Source.js';
import { MAX_FILE_BYTES, parse } from '../syntax/parse.js';
import { describeProblem, formatBytes, isInside, readRegularFile, statRegular } from './readRegularFile.js';
import { commonFolder, govFilesIn, STD_DIR } from './programFiles.js';

export { commonFolder, govFilesIn, STD_DIR };

export const STD_PREFIX = 'std/';

/** All files of one program together: beyond this the rest are refused unread (each file is also bounded). */
export const MAX_PROGRAM_BYTES = 64 * 1024 * 1024;
/** At most this many files per program, imports included. */
export const MAX_PROGRAM_FILES = 10_000;

export interface LoadedProgram {
  readonly sources: Source[];
  readonly files: FileNode[];
  readonly diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /**
   * The program root: every file of the program, entry files and imports, must be under it or in the standard
   * library, after symbolic links are resolved; sources are named relative to it. Default: the folder that holds
   * the entry files (their deepest common folder).
   */
  readonly root?: string;
}

export function toPosix(p: string): string {
  return p.split(sep).join('/');
}

export function realpathOrSelf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/** The standard library folder with symbolic links resolved (an install may link it). */
export const STD_REAL = realpathOrSelf(STD_DIR);

/**
 * How a file is named for people when it has no program root: `std/…` for the standard library, else relative to
 * `cwd`. Kept for callers of earlier versions; the loader names files by the program root.
 */
export function displayPath(absolute: string, cwd: string): string {
  const std = stdName(realpathOrSelf(absolute));
  if (std !== undefined) return std;
  const rel = relative(cwd, absolute);
  return toPosix(rel === '' ? absolute : rel);
}

function stdName(real: string): string | undefined {
  if (real === STD_REAL || !isInside(STD_REAL, real)) return undefined;
  return STD_PREFIX + toPosix(relative(STD_REAL, real));
}

export function decode(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Why an import path is refused before anything is looked up on disk, or undefined when its form is fine. */
function refusedForm(spec: string): { message: string; help: string } | undefined {
  const shown = clipSpec(spec);
  const relativeHelp = 'import files of the program with a path relative to the importing file, such as `./shared/vendors.gov`, and the standard library as `std/NAME`';
  if (spec === '') return { message: 'an import needs a path', help: relativeHelp };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(spec)) return { message: 'an import path cannot hold control characters', help: relativeHelp };
  if (spec.includes('\\')) return { message: `import \`${shown}\` uses \`\\\`; paths are written with \`/\``, help: relativeHelp };
  if (spec.startsWith('/') || /^[A-Za-z]:/.test(spec)) return { message: `import \`${shown}\` is an absolute path`, help: relativeHelp };
  if (spec.startsWith(STD_PREFIX)) {
    const segments = spec.slice(STD_PREFIX.length).split('/');
    if (segments.some((s) => s === '..' || s === '.' || s === '')) {
      return { message: `import \`${shown}\` leaves the standard library`, help: 'name a module of the standard library as `std/NAME`, without `.`, `..` or empty segments' };
    }
  }
  return undefined;
}

function clipSpec(spec: string): string {
  return spec.length > 120 ? spec.slice(0, 120) + '…' : spec;
}

interface Pending {
  /** Absolute path as written (entry files) or as resolved from the importing file's folder (imports). */
  readonly path: string;
  /** The import that asked for it; undefined for an entry file. */
  readonly via?: StringNode;
}

/**
 * Reads the entry files and, transitively, everything they import, confined to the program root and the standard
 * library. Each file is read once however often, and under whatever name, it is imported, so import cycles are
 * harmless. Whether a file may be read is decided before it is opened, from its path and its `stat` only: a
 * refused file is never read, and no diagnostic ever shows a byte of it. Problems become diagnostics; nothing throws.
 */
export function loadProgram(entryFiles: readonly string[], cwd: string = process.cwd(), options: LoadOptions = {}): LoadedProgram {
  const sources: Source[] = [];
  const files: FileNode[] = [];
  const diagnostics: Diagnostic[] = [];
  const entries = entryFiles.map((f) => resolvePath(cwd, f));
  const root = options.root === undefined ? commonFolder(entries) : resolvePath(cwd, options.root);
  const rootReal = realpathOrSelf(root);
  const rootShown = toPosix(relative(cwd, root)) || '.';
  const seen = new Set<string>();
  let totalBytes = 0;
  const queue: Pending[] = entries.map((path) => ({ path }));

  /** Under the root or the standard library, as written or with links resolved (of the root, of govc's install). */
  const allowed = (path: string): boolean => isInside(root, path) || isInside(rootReal, path) || isInside(STD_DIR, path) || isInside(STD_REAL, path);
  const report = (via: StringNode | undefined, code: Diagnostic['code'], message: string, help: string, notes?: string[]): void => {
    diagnostics.push({
      code,
      severity: 'error',
      message,
      ...(via && { span: via.span as Span, label: code === 'GOV2008' ? 'outside the program' : 'not read' }),
      help,
      ...(notes && { notes }),
    });
  };
  const shownPath = (path: string): string => clipSpec(toPosix(relative(cwd, path)) || path);
  const outsideHelp = `a program reads only files under its root (\`${clipSpec(rootShown)}\`) and the standard library; to share files between programs, check or build them with \`--root\` set to a folder that holds them all`;

  while (queue.length > 0) {
    const item = queue.shift()!;
    const what = item.via ? `import \`${clipSpec(item.via.value)}\`` : `\`${shownPath(item.path)}\``;
    // Decided on the path as written first, so `../../x` is refused without looking at the disk.
    if (!allowed(item.path)) {
      report(item.via, 'GOV2008', `${what} is outside the program root`, outsideHelp);
      continue;
    }
    let real: string;
    try {
      real = realpathSync.native(item.path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      report(item.via, 'GOV5002', `cannot read ${what}`, 'check that the file exists and is readable', [typeof code === 'string' ? code : 'unreadable']);
      continue;
    }
    const std = stdName(real);
    if (std === undefined && !isInside(rootReal, real)) {
      report(item.via, 'GOV2008', `${what} leads, through a symbolic link, outside the program root`, outsideHelp, [
        'govc follows a link only when it stays in the program root or the standard library',
      ]);
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const rel = toPosix(relative(rootReal, real));
    // A folder of the program named `std` must not pass for the standard library.
    const path = std ?? (rel.startsWith(STD_PREFIX) ? './' + rel : rel);
    const display = std ?? (toPosix(relative(cwd, resolvePath(root, rel))) || rel);
    if (seen.size > MAX_PROGRAM_FILES) {
      report(item.via, 'GOV1004', `the program has more than ${MAX_PROGRAM_FILES} files`, 'split it into several programs');
      break;
    }
    const stat = statRegular(real, MAX_FILE_BYTES);
    if ('problem' in stat) {
      if (stat.problem.kind === 'too-large') report(item.via, 'GOV1004', `\`${clipSpec(display)}\` is larger than ${formatBytes(MAX_FILE_BYTES)}`, 'split the policy into several files joined with `import`');
      else report(item.via, 'GOV5002', `\`${clipSpec(display)}\` ${describeProblem(stat.problem, MAX_FILE_BYTES)}`, 'a program is made of regular `.gov` files');
      continue;
    }
    if (totalBytes + stat.stats.size > MAX_PROGRAM_BYTES) {
      report(item.via, 'GOV1004', `the program's files together are larger than ${formatBytes(MAX_PROGRAM_BYTES)}`, 'split it into several programs');
      break;
    }
    const read = readRegularFile(real, MAX_FILE_BYTES);
    if ('problem' in read) {
      report(item.via, read.problem.kind === 'too-large' ? 'GOV1004' : 'GOV5002', `\`${clipSpec(display)}\` ${describeProblem(read.problem, MAX_FILE_BYTES)}`, 'check that the file exists and is readable');
      continue;
    }
    totalBytes += read.bytes.length;
    const text = decode(read.bytes);
    if (text === undefined) {
      diagnostics.push({
        code: 'GOV5002',
        severity: 'error',
        message: `\`${clipSpec(display)}\` is not valid UTF-8`,
        help: 'save the file as UTF-8 text',
      });
      continue;
    }
    const source: Source = display === path ? { path, text } : { path, text, display };
    sources.push(source);
    const parsed = parse(source);
    files.push(parsed.file);
    diagnostics.push(...parsed.diagnostics);
    for (const imp of parsed.file.imports) {
      const spec = imp.path.value;
      const refused = refusedForm(spec);
      if (refused) {
        report(imp.path, 'GOV2008', refused.message, refused.help);
        continue;
      }
      const base = importBase(spec, dirname(real));
      if (!allowed(base)) {
        // Refused on the path alone: nothing outside the program is looked up, not even whether it exists.
        report(imp.path, 'GOV2008', `import \`${clipSpec(spec)}\` is outside the program root`, outsideHelp);
        continue;
      }
      // A folder on the way that is a link out of the program: refused before anything in it is looked up.
      const folderReal = realpathOrSelf(dirname(base));
      if (stdName(folderReal) === undefined && folderReal !== STD_REAL && !isInside(rootReal, folderReal)) {
        report(imp.path, 'GOV2008', `import \`${clipSpec(spec)}\` leads, through a symbolic link, outside the program root`, outsideHelp, [
          'govc follows a link only when it stays in the program root or the standard library',
        ]);
        continue;
      }
      const target = findImport(base);
      if (target === undefined) {
        diagnostics.push({
          code: 'GOV2005',
          severity: 'error',
          message: `cannot find import \`${clipSpec(spec)}\``,
          span: imp.path.span,
          label: 'no such file',
          help: spec.startsWith(STD_PREFIX)
            ? `the standard library has ${listStd()}`
            : 'paths are relative to the importing file; `.gov` may be omitted; `std/NAME` imports govc\'s standard library',
        });
        continue;
      }
      queue.push({ path: target, via: imp.path });
    }
  }
  return { sources, files, diagnostics };
}

/** The path an import names before `.gov` is tried: relative to the importing file's folder, or in the standard library. */
function importBase(spec: string, fromDir: string): string {
  return spec.startsWith(STD_PREFIX) ? join(STD_REAL, spec.slice(STD_PREFIX.length)) : resolvePath(fromDir, spec);
}

/**
 * The file an import names: `base` itself or `base.gov`. Only existence is looked up (no file is opened), and a
 * symbolic link counts as present: the loader then decides where it leads.
 */
function findImport(base: string): string | undefined {
  const candidates = base.endsWith('.gov') ? [base] : [base, base + '.gov'];
  for (const candidate of candidates) {
    try {
      const s = lstatSync(candidate, { throwIfNoEntry: false });
      if (s !== undefined && !s.isDirectory()) return candidate;
    } catch {
      /* an unreadable folder on the way: try the next candidate, then report the import as not found */
    }
  }
  return undefined;
}

function listStd(): string {
  try {
    const names = readdirSync(STD_REAL).filter((n) => n.endsWith('.gov')).sort().map((n) => `\`std/${n.slice(0, -4)}\``);
    return names.join(', ') || 'no modules';
  } catch {
    return 'no modules';
  }
}
