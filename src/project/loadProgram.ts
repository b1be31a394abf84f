import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileNode } from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { Source } from '../source/Source.js';
import { parse } from '../syntax/parse.js';

/** The standard library shipped with govc: `import "std/eu_ai_act"` reads policies/eu_ai_act.gov. */
export const STD_DIR = resolvePath(dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');
const STD_PREFIX = 'std/';

export interface LoadedProgram {
  readonly sources: Source[];
  readonly files: FileNode[];
  readonly diagnostics: Diagnostic[];
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** How a file is named in diagnostics, reasons and the revision hash: stable across machines and installs. */
export function displayPath(absolute: string, cwd: string): string {
  const fromStd = relative(STD_DIR, absolute);
  if (!fromStd.startsWith('..') && !fromStd.startsWith(sep) && fromStd !== '') return STD_PREFIX + toPosix(fromStd);
  const rel = relative(cwd, absolute);
  return toPosix(rel === '' ? absolute : rel);
}

/** The `.gov` files directly in a directory, sorted so loading order never depends on the file system. */
export function govFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.gov'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

function decode(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Reads the entry files and, transitively, everything they import. Each file is read once however often it is
 * imported, so import cycles are harmless. Problems become diagnostics; nothing throws.
 */
export function loadProgram(entryFiles: readonly string[], cwd: string = process.cwd()): LoadedProgram {
  const sources: Source[] = [];
  const files: FileNode[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const queue = entryFiles.map((f) => resolvePath(cwd, f));
  while (queue.length > 0) {
    const abs = queue.shift()!;
    if (seen.has(abs)) continue;
    seen.add(abs);
    const path = displayPath(abs, cwd);
    let bytes: Buffer;
    try {
      bytes = readFileSync(abs);
    } catch (err) {
      diagnostics.push({
        code: 'GOV5002',
        severity: 'error',
        message: `cannot read \`${path}\``,
        help: 'check that the file exists and is readable',
        notes: [err instanceof Error ? err.message : String(err)],
      });
      continue;
    }
    const text = decode(bytes);
    if (text === undefined) {
      diagnostics.push({
        code: 'GOV5002',
        severity: 'error',
        message: `\`${path}\` is not valid UTF-8`,
        help: 'save the file as UTF-8 text',
      });
      continue;
    }
    const source: Source = { path, text };
    sources.push(source);
    const parsed = parse(source);
    files.push(parsed.file);
    diagnostics.push(...parsed.diagnostics);
    for (const imp of parsed.file.imports) {
      const target = resolveImport(imp.path.value, dirname(abs));
      if (target === undefined) {
        diagnostics.push({
          code: 'GOV2005',
          severity: 'error',
          message: `cannot find import \`${imp.path.value}\``,
          span: imp.path.span,
          label: 'no such file',
          help: imp.path.value.startsWith(STD_PREFIX)
            ? `the standard library has ${listStd()}`
            : 'paths are relative to the importing file; `.gov` may be omitted; `std/NAME` imports govc\'s standard library',
        });
        continue;
      }
      queue.push(target);
    }
  }
  return { sources, files, diagnostics };
}

function resolveImport(spec: string, fromDir: string): string | undefined {
  const base = spec.startsWith(STD_PREFIX) ? join(STD_DIR, spec.slice(STD_PREFIX.length)) : resolvePath(fromDir, spec);
  for (const candidate of [base, base + '.gov']) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function listStd(): string {
  try {
    const names = readdirSync(STD_DIR).filter((n) => n.endsWith('.gov')).map((n) => `\`std/${n.slice(0, -4)}\``);
    return names.join(', ') || 'no modules';
  } catch {
    return 'no modules';
  }
}
