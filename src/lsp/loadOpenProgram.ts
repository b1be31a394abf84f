import { lstatSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import type { FileNode, StringNode } from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { decode, govFilesIn, MAX_PROGRAM_BYTES, MAX_PROGRAM_FILES, realpathOrSelf, STD_DIR, STD_PREFIX, STD_REAL, toPosix } from '../project/loadProgram.js';
import { describeProblem, formatBytes, isInside, readRegularFile } from '../project/readRegularFile.js';
import type { Source } from '../source/Source.js';
import { MAX_FILE_BYTES, parse } from '../syntax/parse.js';

/**
 * The editor's view of a program: the `.gov` files of one folder plus what they import, as `govc check FOLDER
 * --root ROOT` reads them, except that the text of every open document wins over the file on disk (and an open,
 * never saved `.gov` file of the folder is part of the program). project/loadProgram.ts reads the disk only; this
 * loader takes the same confinement decisions (the root and the standard library, links resolved) with one source
 * of text more.
 */
export interface OpenProgram {
  /** Absolute folder whose `.gov` files are the program's entry files. */
  readonly folder: string;
  readonly sources: Source[];
  readonly files: FileNode[];
  readonly diagnostics: Diagnostic[];
  /** The absolute path of each source, to turn spans into editor locations. */
  readonly pathOf: Map<Source, string>;
  /** Each import's path string, with the absolute file it names when it was found. */
  readonly imports: Array<{ readonly node: StringNode; readonly target: string }>;
}

/** Open documents by absolute path: their current, possibly unsaved, text. */
export type Overlay = ReadonlyMap<string, string>;

function clip(text: string): string {
  return text.length > 120 ? text.slice(0, 120) + '…' : text;
}

/** The entry files of a folder: its `.gov` files on disk, and open documents directly in it that are not saved yet. */
export function entryFilesOf(folder: string, overlay: Overlay): string[] {
  const onDisk = govFilesIn(folder);
  const open = [...overlay.keys()].filter((p) => p.endsWith('.gov') && dirname(p) === folder && !onDisk.includes(p));
  return [...onDisk, ...open].sort();
}

/**
 * Reads and parses the program of `folder` under `root` (which must hold the folder). Never throws: what cannot be
 * read is a diagnostic, as in `govc check`.
 */
export function loadOpenProgram(folder: string, root: string, overlay: Overlay): OpenProgram {
  const sources: Source[] = [];
  const files: FileNode[] = [];
  const diagnostics: Diagnostic[] = [];
  const pathOf = new Map<Source, string>();
  const imports: Array<{ node: StringNode; target: string }> = [];
  const rootReal = realpathOrSelf(root);
  const allowed = (p: string): boolean => isInside(root, p) || isInside(rootReal, p) || isInside(STD_DIR, p) || isInside(STD_REAL, p);
  const seen = new Set<string>();
  let totalBytes = 0;
  const queue: Array<{ path: string; via?: StringNode }> = entryFilesOf(folder, overlay).map((path) => ({ path }));
  const report = (via: StringNode | undefined, code: Diagnostic['code'], message: string, help: string): void => {
    diagnostics.push({ code, severity: 'error', message, ...(via && { span: via.span }), help });
  };
  const outsideHelp = 'a program reads only files under its root (the workspace folder) and the standard library';

  while (queue.length > 0) {
    const item = queue.shift()!;
    const what = item.via ? `import \`${clip(item.via.value)}\`` : `\`${clip(toPosix(relative(root, item.path)))}\``;
    if (!allowed(item.path)) {
      report(item.via, 'GOV2008', `${what} is outside the program root`, outsideHelp);
      continue;
    }
    const overlayText = overlay.get(item.path);
    let real: string;
    try {
      real = realpathSync.native(item.path);
    } catch (err) {
      if (overlayText === undefined) {
        report(item.via, 'GOV5002', `cannot read ${what}`, 'check that the file exists and is readable');
        continue;
      }
      real = item.path; // an open document not saved yet
    }
    const std = isInside(STD_REAL, real) && real !== STD_REAL ? STD_PREFIX + toPosix(relative(STD_REAL, real)) : undefined;
    if (std === undefined && !isInside(rootReal, real) && !isInside(root, real)) {
      report(item.via, 'GOV2008', `${what} leads, through a symbolic link, outside the program root`, outsideHelp);
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    if (seen.size > MAX_PROGRAM_FILES) {
      report(item.via, 'GOV1004', `the program has more than ${MAX_PROGRAM_FILES} files`, 'split it into several programs');
      break;
    }
    const rel = toPosix(relative(isInside(rootReal, real) ? rootReal : root, real));
    const path = std ?? (rel.startsWith(STD_PREFIX) ? './' + rel : rel);
    let text: string;
    // The document as the editor holds it wins; the path it was opened under is how the editor names it.
    const openText = overlayText ?? overlay.get(real);
    if (openText !== undefined) {
      text = openText;
    } else {
      const read = readRegularFile(real, MAX_FILE_BYTES);
      if ('problem' in read) {
        report(item.via, read.problem.kind === 'too-large' ? 'GOV1004' : 'GOV5002', `\`${clip(path)}\` ${describeProblem(read.problem, MAX_FILE_BYTES)}`, 'check that the file exists and is readable');
        continue;
      }
      const decoded = decode(read.bytes);
      if (decoded === undefined) {
        report(item.via, 'GOV5002', `\`${clip(path)}\` is not valid UTF-8`, 'save the file as UTF-8 text');
        continue;
      }
      text = decoded;
    }
    totalBytes += text.length;
    if (totalBytes > MAX_PROGRAM_BYTES) {
      report(item.via, 'GOV1004', `the program's files together are larger than ${formatBytes(MAX_PROGRAM_BYTES)}`, 'split it into several programs');
      break;
    }
    const source: Source = { path, text };
    sources.push(source);
    pathOf.set(source, overlayText !== undefined ? item.path : real);
    const parsed = parse(source);
    files.push(parsed.file);
    diagnostics.push(...parsed.diagnostics);
    for (const imp of parsed.file.imports) {
      const spec = imp.path.value;
      const refused = refusedForm(spec);
      if (refused !== undefined) {
        report(imp.path, 'GOV2008', refused, 'import files of the program with a path relative to the importing file, and the standard library as `std/NAME`');
        continue;
      }
      const base = spec.startsWith(STD_PREFIX) ? join(STD_REAL, spec.slice(STD_PREFIX.length)) : resolvePath(dirname(item.path), spec);
      if (!allowed(base)) {
        report(imp.path, 'GOV2008', `import \`${clip(spec)}\` is outside the program root`, outsideHelp);
        continue;
      }
      const target = findImport(base, overlay);
      if (target === undefined) {
        diagnostics.push({
          code: 'GOV2005',
          severity: 'error',
          message: `cannot find import \`${clip(spec)}\``,
          span: imp.path.span,
          label: 'no such file',
          help: "paths are relative to the importing file; `.gov` may be omitted; `std/NAME` imports govc's standard library",
        });
        continue;
      }
      imports.push({ node: imp.path, target: realpathOrSelf(target) });
      queue.push({ path: target, via: imp.path });
    }
  }
  return { folder, sources, files, diagnostics, pathOf, imports };
}

/** Why an import path's form is refused (as project/loadProgram.ts refuses it), or undefined. */
function refusedForm(spec: string): string | undefined {
  if (spec === '') return 'an import needs a path';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(spec)) return 'an import path cannot hold control characters';
  if (spec.includes('\\')) return `import \`${clip(spec)}\` uses \`\\\`; paths are written with \`/\``;
  if (spec.startsWith('/') || /^[A-Za-z]:/.test(spec)) return `import \`${clip(spec)}\` is an absolute path`;
  if (spec.startsWith(STD_PREFIX) && spec.slice(STD_PREFIX.length).split('/').some((s) => s === '..' || s === '.' || s === '')) {
    return `import \`${clip(spec)}\` leaves the standard library`;
  }
  return undefined;
}

/** `base` or `base.gov`: an open document counts as present, so importing a file not saved yet works. */
function findImport(base: string, overlay: Overlay): string | undefined {
  const candidates = base.endsWith('.gov') ? [base] : [base, base + '.gov'];
  for (const candidate of candidates) {
    if (overlay.has(candidate)) return candidate;
    try {
      const s = lstatSync(candidate, { throwIfNoEntry: false });
      if (s !== undefined && !s.isDirectory()) return candidate;
    } catch {
      /* an unreadable folder on the way: try the next candidate */
    }
  }
  return undefined;
}
