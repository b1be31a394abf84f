import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../../diagnostics/Diagnostic.js';
import { isCalendarDate } from '../../util/isCalendarDate.js';
import { stableJson } from '../../codegen/json.js';
import { printable } from '../../diagnostics/render.js';
import { parseRequestJson } from '../../eval/parseRequestJson.js';
import { approvalSources, explainName, explainRequest, kindsOf, KIND_NOUN, KINDS, suggestions } from '../../explain/index.js';
import { loadExplainProgram } from '../../explain/loadExplainProgram.js';
import { programOf, type ExplainProgram } from '../../explain/ExplainProgram.js';
import { provenanceOf } from '../../explain/provenance.js';
import { renderName, renderRequest } from '../../explain/renderExplain.js';
import type { AssetKind } from '../../explain/approvalState.js';
import type { IrProgram } from '../../ir/types.js';
import { govFilesIn } from '../../project/programFiles.js';
import { EXIT } from '../exitCodes.js';
import { readInput } from '../readInput.js';

export interface ExplainOptions {
  request?: string;
  kind?: string;
  asOf?: string;
  format?: string;
  root?: string;
  provenance?: boolean;
  cache?: boolean;
  cacheDir?: string;
}

/** Diagnostics as `govc check` prints them; its module is loaded only when there is something to print. */
async function printDiagnostics(diagnostics: readonly Diagnostic[]): Promise<void> {
  const common = await import('./common.js');
  common.printDiagnostics([{ program: 'govc', diagnostics }], {});
}

/**
 * The common case without loading the parser: a folder holding `.gov` files is one program made of them, listed as
 * `govFilesIn` (src/project/loadProgram.ts) lists them. Anything else (a file, a folder of programs, a missing
 * path) goes through `discoverPrograms`; null here.
 */
function folderProgram(path: string): string[] | null {
  try {
    if (!statSync(path).isDirectory()) return null;
  } catch {
    return null;
  }
  const files = govFilesIn(path);
  return files.length > 0 ? files : null;
}

function fail(message: string, code: number = EXIT.usage): number {
  process.stderr.write(`govc: ${message}\n`);
  return code;
}

/** The explain cache's folder: `--cache-dir`, else $GOVC_CACHE_DIR, $XDG_CACHE_HOME/govc or ~/.cache/govc. */
function cacheDirOf(opts: ExplainOptions): string | null {
  if (opts.cache === false) return null;
  const base = opts.cacheDir ?? process.env.GOVC_CACHE_DIR ?? (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'govc') : join(homedir(), '.cache', 'govc'));
  return join(base, 'explain');
}

async function loadProgram(path: string, opts: ExplainOptions): Promise<ExplainProgram | number> {
  if (path.endsWith('.json')) {
    const read = readInput(path);
    if ('error' in read) return fail(`cannot read \`${printable(path)}\`: ${read.error}`);
    let ir: unknown;
    try {
      ir = JSON.parse(read.bytes.toString('utf8'));
    } catch (err) {
      return fail(`\`${printable(path)}\` is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const { validateIr } = await import('../../ir/validateIr.js');
    const problems = validateIr(ir);
    if (problems.length) return fail(`\`${printable(path)}\` is not a valid govc IR:\n  ${problems.slice(0, 5).join('\n  ')}`);
    return programOf(ir as IrProgram, null);
  }
  let entryFiles: readonly string[] | null = opts.root === undefined ? folderProgram(path) : null;
  if (entryFiles === null) {
    const { checkRoot, discoverPrograms } = await import('../programs.js');
    const { programs, diagnostics } = discoverPrograms([path]);
    if (opts.root !== undefined) diagnostics.push(...checkRoot(opts.root, programs));
    if (diagnostics.length || programs.length !== 1) {
      await printDiagnostics(diagnostics);
      if (programs.length > 1) process.stderr.write('govc: `explain` takes exactly one program\n');
      return EXIT.usage;
    }
    entryFiles = programs[0]!.entryFiles;
  }
  const loaded = await loadExplainProgram(entryFiles, { ...(opts.root !== undefined && { root: opts.root }), cacheDir: cacheDirOf(opts) });
  if (!loaded.ok) {
    await printDiagnostics(loaded.diagnostics);
    return EXIT.checkFailed;
  }
  return loaded.program;
}

/**
 * `govc explain WHAT [PROGRAM]` and `govc explain [PROGRAM] --request FILE|-` (docs/explain.md). Exit 0 with an
 * explanation, EXIT.notFound for a name the program does not declare, EXIT.checkFailed for a program with errors,
 * EXIT.usage for bad usage or unreadable input.
 */
export async function runExplain(args: readonly string[], opts: ExplainOptions): Promise<number> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') return fail(`\`--format ${printable(format)}\` is not text or json`);
  if (opts.asOf !== undefined && !isCalendarDate(opts.asOf)) {
    await printDiagnostics([{ code: 'GOV5004', severity: 'error', message: `\`--as-of ${opts.asOf}\` is not a date`, help: 'write the date as YYYY-MM-DD, e.g. `--as-of 2026-11-26`' }]);
    return EXIT.usage;
  }
  const date = { asOf: opts.asOf ?? new Date().toISOString().slice(0, 10) };
  if (opts.request !== undefined) {
    if (opts.kind !== undefined) return fail('`--kind` explains a name, not a request');
    if (args.length > 1) return fail('with `--request`, give only the program: `govc explain [PROGRAM] --request FILE`');
    const program = await loadProgram(args[0] ?? '.', opts);
    if (typeof program === 'number') return program;
    const input = readInput(opts.request);
    if ('error' in input) return fail(`cannot read \`${printable(opts.request)}\`: ${input.error}`);
    const parsed = parseRequestJson(input.bytes);
    if (!parsed.ok) process.stderr.write(`govc: \`${printable(opts.request)}\` is ${parsed.error}; explained as no request\n`);
    const e = explainRequest(program, parsed.ok ? parsed.value : undefined);
    process.stdout.write(format === 'json' ? stableJson(e) : renderRequest(e));
    return EXIT.ok;
  }
  if (args.length === 0) return fail('say what to explain: `govc explain WHAT [PROGRAM]`, or `govc explain [PROGRAM] --request FILE`');
  if (args.length > 2) return fail('`govc explain WHAT [PROGRAM]` takes at most two arguments');
  let kindFilter: AssetKind | undefined;
  if (opts.kind !== undefined) {
    const k = opts.kind.replace(/-/g, '_');
    if (!(KINDS as readonly string[]).includes(k)) return fail(`\`--kind ${printable(opts.kind)}\` is not one of ${KINDS.join(', ')}`);
    kindFilter = k as AssetKind;
  }
  const name = args[0]!;
  const program = await loadProgram(args[1] ?? '.', opts);
  if (typeof program === 'number') return program;
  const all = kindsOf(program, name);
  const kinds = kindFilter === undefined ? all : all.filter((k) => k === kindFilter);
  if (kinds.length === 0) {
    const what = kindFilter === undefined ? 'nothing' : `no ${KIND_NOUN[kindFilter]}`;
    const also = kindFilter !== undefined && all.length > 0 ? ` (it is a ${all.map((k) => KIND_NOUN[k]).join(' and a ')})` : '';
    const near = suggestions(program, name);
    const quoted = near.map((n) => `\`${printable(n)}\``);
    const hint = quoted.length === 0 ? '' : `; did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`}?`;
    return fail(`${what} named \`${printable(name)}\` is declared${also}${hint}`, EXIT.notFound);
  }
  const prov = opts.provenance === false ? null : await provenanceOf(program.root, approvalSources(program, name, kinds));
  const e = explainName(program, name, kinds, date.asOf, prov);
  process.stdout.write(format === 'json' ? stableJson(e) : renderName(e));
  return EXIT.ok;
}
