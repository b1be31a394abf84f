import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Diagnostic } from '../../src/diagnostics/Diagnostic.js';
import { renderHuman } from '../../src/diagnostics/render.js';
import { compileFiles } from '../../src/project/compile.js';
import { spanText } from '../../src/source/Source.js';
import { AS_OF, REPO_ROOT } from './repo.js';

/** The error catalogue (elm/error-message-catalog style): one folder per code, `.gov` inputs beside `.txt` goldens. */
export const CATALOGUE_DIR = join(REPO_ROOT, 'test', 'diagnostics');
export const DOCS_DIR = join(REPO_ROOT, 'docs', 'diagnostics');
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CatalogueCase {
  /** The code the folder is named after. */
  readonly code: string;
  /** File name without `.gov`. */
  readonly name: string;
  readonly input: string;
  readonly golden: string;
}

/** Every catalogue input, sorted by code then name, so test order never depends on the file system. */
export function catalogueCases(): CatalogueCase[] {
  const out: CatalogueCase[] = [];
  for (const code of catalogueFolders()) {
    const dir = join(CATALOGUE_DIR, code);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.gov')).sort()) {
      const name = file.slice(0, -'.gov'.length);
      out.push({ code, name, input: join(dir, file), golden: join(dir, `${name}.txt`) });
    }
  }
  return out;
}

/** The folders of the catalogue: every directory under test/diagnostics. */
export function catalogueFolders(): string[] {
  return readdirSync(CATALOGUE_DIR)
    .filter((n) => statSync(join(CATALOGUE_DIR, n)).isDirectory())
    .sort();
}

/** Human rendering without colour, diagnostics separated by a blank line: the golden format. */
export function renderAll(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => renderHuman(d, { color: false })).join('\n\n') + '\n';
}

/** Compiles one catalogue file the way `govc check FILE --as-of 2026-11-26` does from the repository root. */
export function compileCatalogueFile(input: string): { diagnostics: readonly Diagnostic[]; text: string } {
  const { diagnostics } = compileFiles([input], { asOf: AS_OF, cwd: REPO_ROOT });
  return { diagnostics, text: renderAll(diagnostics) };
}

/** What a diagnostic says, in the shape cedar's `ExpectedErrorMessageBuilder` checks: spans compared by their text. */
export interface DiagnosticSummary {
  readonly code: string;
  readonly message: string;
  /** The source text under the `^^^` marks; `undefined` when the diagnostic has no place in a source. */
  readonly underline: string | undefined;
  readonly label?: string | undefined;
  readonly help: string | undefined;
}

export function summarize(d: Diagnostic): DiagnosticSummary {
  return {
    code: d.code,
    message: d.message,
    underline: d.span ? spanText(d.span) : undefined,
    label: d.label,
    help: d.help,
  };
}

/**
 * Compiles a single-file program given as text (written to a fresh temporary folder, so `std/...` imports work) and
 * returns its diagnostics summarised. `only` keeps the diagnostics of those codes, so a test states what it is about.
 */
export function diagnose(source: string, options: { only?: readonly string[]; asOf?: string } = {}): DiagnosticSummary[] {
  const dir = mkdtempSync(join(tmpdir(), 'govc-diag-'));
  const file = join(dir, 'policy.gov');
  writeFileSync(file, source);
  const { diagnostics } = compileFiles([file], { asOf: options.asOf ?? AS_OF, cwd: dir });
  return diagnostics.filter((d) => options.only === undefined || options.only.includes(d.code)).map(summarize);
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI (`node dist/cli/main.js ...`) from `cwd`; output is not a terminal, so it has no colour. */
export function govc(args: readonly string[], cwd: string = REPO_ROOT): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary folder holding the given files (name → contents). */
export function tempProgram(files: Readonly<Record<string, string | Buffer>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'govc-cli-'));
  for (const [name, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), contents);
  }
  return dir;
}

/** The codes of rendered human diagnostics, in order: `error[GOV2001]: ...` → `GOV2001`. */
export function renderedCodes(text: string): string[] {
  return [...text.matchAll(/^(?:error|warning)\[(GOV\d{4})\]/gm)].map((m) => m[1]!);
}

/** The text of one `## Heading` section of a Markdown page (up to the next `## `). */
export function section(markdown: string, heading: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('## '));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n');
}

/** The fenced code blocks of a Markdown text with the given info string (`gov`, `text`). */
export function fencedBlocks(markdown: string, info: string): string[] {
  const out: string[] = [];
  const re = new RegExp('^```' + info + '\\n([\\s\\S]*?)^```$', 'gm');
  for (const m of markdown.matchAll(re)) out.push(m[1]!);
  return out;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
