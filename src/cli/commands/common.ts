import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stableJson } from '../../codegen/json.js';
import { isCalendarDate } from '../../util/isCalendarDate.js';
import type { Diagnostic } from '../../diagnostics/Diagnostic.js';
import { ALL_CODES, type DiagnosticCode } from '../../diagnostics/codes.js';
import { printable, renderHuman, summary, toJson } from '../../diagnostics/render.js';
import { checkRoot, discoverPrograms, type ProgramInput } from '../programs.js';
import { EXIT } from '../exitCodes.js';
import { OutputDir, OutputError } from '../outputs.js';

export interface OutputOptions {
  format?: 'human' | 'json';
  color?: boolean;
  maxDiagnostics?: string;
  asOf?: string;
  /** `--root DIR`: the program root of every program (default: each program's own folder). */
  root?: string;
}

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The `--as-of` date, or a GOV5004 diagnostic when it is not a calendar date. */
export function resolveAsOf(value: string | undefined): { asOf: string } | { error: Diagnostic } {
  if (value === undefined) return { asOf: todayUtc() };
  if (!isCalendarDate(value)) {
    return {
      error: { code: 'GOV5004', severity: 'error', message: `\`--as-of ${value}\` is not a date`, help: 'write the date as YYYY-MM-DD, e.g. `--as-of 2026-11-26`' },
    };
  }
  return { asOf: value };
}

/** Caps the list (graphql-js style) so a hostile input cannot flood the terminal. */
export function capDiagnostics(diagnostics: readonly Diagnostic[], max: number): Diagnostic[] {
  if (diagnostics.length <= max) return [...diagnostics];
  return [
    ...diagnostics.slice(0, max),
    {
      code: 'GOV5003',
      severity: 'error',
      message: `too many diagnostics: showing ${max} of ${diagnostics.length}`,
      help: 'fix these first, or raise the cap with `--max-diagnostics N`',
    },
  ];
}

/** `--max-diagnostics`: a whole number of at least 1, or a GOV5004 diagnostic. */
export function resolveMaxDiagnostics(value: string | undefined): { max: number } | { error: Diagnostic } {
  if (value === undefined) return { max: 100 };
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    return {
      error: { code: 'GOV5004', severity: 'error', message: `\`--max-diagnostics ${value}\` is not a whole number of at least 1`, help: 'for example `--max-diagnostics 500`' },
    };
  }
  return { max: Number(value) };
}

export function printDiagnostics(groups: ReadonlyArray<{ program: string; diagnostics: readonly Diagnostic[] }>, opts: OutputOptions): void {
  const resolved = resolveMaxDiagnostics(opts.maxDiagnostics);
  const max = 'max' in resolved ? resolved.max : 100;
  if (opts.format === 'json') {
    const out = groups.map((g) => ({ program: g.program, diagnostics: capDiagnostics(g.diagnostics, max).map(toJson) }));
    process.stdout.write(stableJson(out));
    return;
  }
  const color = opts.color ?? Boolean(process.stderr.isTTY);
  for (const g of groups) {
    const shown = capDiagnostics(g.diagnostics, max);
    for (const d of shown) process.stderr.write(renderHuman(d, { color }) + '\n\n');
  }
}

/** `path: N errors, M warnings`; the path is shown as diagnostics show text (escaped, clipped). */
export function summaryLine(program: string, diagnostics: readonly Diagnostic[]): string {
  return `${printable(program)}: ${summary(diagnostics)}`;
}

export function explain(code: string): { text: string } | { error: string } {
  const upper = code.toUpperCase();
  if (!(ALL_CODES as string[]).includes(upper)) return { error: `unknown diagnostic code \`${code}\`` };
  try {
    return { text: readFileSync(resolve(PACKAGE_ROOT, 'docs', 'diagnostics', `${upper as DiagnosticCode}.md`), 'utf8') };
  } catch {
    return { error: `no documentation found for ${upper}` };
  }
}

export interface RunStart {
  readonly date: { asOf: string };
  readonly programs: ProgramInput[];
  readonly found: Diagnostic[];
  readonly groups: Array<{ program: string; diagnostics: readonly Diagnostic[] }>;
}

/** What `check` and `build` do first: validate the shared options and find the programs; an exit code on bad usage. */
export function startRun(paths: readonly string[], opts: OutputOptions): RunStart | number {
  const date = resolveAsOf(opts.asOf);
  if ('error' in date) {
    printDiagnostics([{ program: 'govc', diagnostics: [date.error] }], opts);
    return EXIT.usage;
  }
  const maxDiagnostics = resolveMaxDiagnostics(opts.maxDiagnostics);
  if ('error' in maxDiagnostics) {
    printDiagnostics([{ program: 'govc', diagnostics: [maxDiagnostics.error] }], { ...opts, maxDiagnostics: undefined });
    return EXIT.usage;
  }
  const discovered = discoverPrograms(paths);
  const found = [...discovered.diagnostics, ...(opts.root === undefined ? [] : checkRoot(opts.root, discovered.programs))];
  if (opts.root !== undefined && found.some((d) => d.code === 'GOV5004')) {
    printDiagnostics([{ program: 'govc', diagnostics: found }], opts);
    return EXIT.usage;
  }
  const programs = discovered.programs;
  const groups: RunStart['groups'] = found.length ? [{ program: 'govc', diagnostics: found }] : [];
  return { date, programs, found, groups };
}

/** A failure of the confined writer (cli/outputs.ts) as the GOV5005 diagnostic `build` and `doc` report. */
export function outputDiagnostic(err: unknown): Diagnostic {
  // INVARIANT: OutputDir reports refusals and failures as OutputError; anything else is a govc bug, reported too.
  const message = err instanceof OutputError ? err.message : `internal error while writing: ${err instanceof Error ? err.message : String(err)}`;
  return { code: 'GOV5005', severity: 'error', message, help: 'govc writes only plain files and folders inside --out; remove what is in the way, or pick another --out' };
}

/** `--out` opened for writing, or, when it cannot be, its diagnostic printed with the run's others and the usage exit code. */
export function openOutputDir(dir: string, groups: Array<{ program: string; diagnostics: readonly Diagnostic[] }>, opts: OutputOptions): OutputDir | number {
  try {
    return OutputDir.open(dir);
  } catch (err) {
    groups.push({ program: 'govc', diagnostics: [outputDiagnostic(err)] });
    printDiagnostics(groups, opts);
    return EXIT.usage;
  }
}
