import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { stableJson } from '../../codegen/json.js';
import type { Diagnostic } from '../../diagnostics/Diagnostic.js';
import { printable } from '../../diagnostics/render.js';
import { approvalAfterChange } from '../../diff/approvalAfterChange.js';
import { diffIr, type IrDiff } from '../../diff/diffIr.js';
import { readRevision, type RevisionTree } from '../../diff/readRevision.js';
import { renderJsonValue, renderMarkdown, renderText, type DiffReport, type DiffSide } from '../../diff/renderDiff.js';
import type { IrProgram } from '../../ir/types.js';
import { compileFiles } from '../../project/compile.js';
import { EXIT } from '../exitCodes.js';
import { discoverPrograms } from '../programs.js';
import { printDiagnostics, resolveAsOf, resolveMaxDiagnostics, summaryLine } from './common.js';

export interface DiffOptions {
  format?: 'text' | 'json' | 'markdown';
  asOf?: string;
  color?: boolean;
  maxDiagnostics?: string;
  requireApprovalAfterChange?: boolean;
  examples?: boolean;
}

interface LoadedSide {
  readonly side: DiffSide;
  readonly ir?: IrProgram;
  readonly diagnostics: readonly Diagnostic[];
  /** What to call the side in messages: `OLD main`. */
  readonly label: string;
}

function isPath(spec: string): boolean {
  try {
    statSync(spec);
    return true;
  } catch {
    return false;
  }
}

function usage(message: string, help: string): Diagnostic {
  return { code: 'GOV5004', severity: 'error', message, help };
}

/** One program from a folder or file: exactly one, since a diff compares one program with one program. */
function compileOne(path: string, asOf: string, cwd: string): { ir?: IrProgram; diagnostics: readonly Diagnostic[]; program: string } {
  const found = discoverPrograms([path]);
  if (found.diagnostics.length > 0) return { diagnostics: found.diagnostics, program: path };
  if (found.programs.length !== 1) {
    return {
      diagnostics: [usage(`\`${printable(path)}\` holds ${found.programs.length} programs`, 'name the folder of one program (the folder that holds its `.gov` files)')],
      program: path,
    };
  }
  const p = found.programs[0]!;
  const compiled = compileFiles(p.entryFiles, { asOf, cwd });
  return { ...(compiled.ir && { ir: compiled.ir }), diagnostics: compiled.diagnostics, program: p.path };
}

function loadSide(label: 'OLD' | 'NEW', spec: string, programPath: string, asOf: string, trees: RevisionTree[]): LoadedSide {
  if (isPath(spec)) {
    const c = compileOne(spec, asOf, process.cwd());
    const side: DiffSide = { spec, kind: 'folder', commit: null, date: null, program: spec, revision: c.ir?.revision ?? '' };
    return { side, diagnostics: c.diagnostics, label: `${label} ${spec}`, ...(c.ir && { ir: c.ir }) };
  }
  const tree = readRevision(process.cwd(), spec, programPath);
  if ('error' in tree) {
    const side: DiffSide = { spec, kind: 'git', commit: null, date: null, program: programPath, revision: '' };
    return { side, diagnostics: [usage(tree.error, 'OLD and NEW are folders or git revisions (a branch, tag or commit) of the repository you run govc in')], label: `${label} ${spec}` };
  }
  trees.push(tree);
  const c = compileOne(tree.program, asOf, tree.cwd);
  const side: DiffSide = { spec, kind: 'git', commit: tree.commit, date: tree.date, program: relative(tree.top, tree.program).split('\\').join('/'), revision: c.ir?.revision ?? '' };
  return { side, diagnostics: c.diagnostics, label: `${label} ${spec}`, ...(c.ir && { ir: c.ir }) };
}

/** The exit code a CI job reads: 0 no change, 10 narrowed or neutral only, 11 widened, 12 the approval rule failed. */
export function diffExitCode(diff: IrDiff, approvalFailed: boolean): number {
  if (approvalFailed) return EXIT.diffApprovalMissing;
  if (diff.summary.result === 'widened') return EXIT.diffWidened;
  if (diff.summary.result === 'no_change') return EXIT.ok;
  return EXIT.diffChanged;
}

/** `govc diff OLD NEW [PROGRAM-PATH]`: the change in meaning between two programs (docs/diff.md). */
export function runDiff(oldSpec: string, newSpec: string, programPath: string | undefined, opts: DiffOptions): number {
  const date = resolveAsOf(opts.asOf);
  const max = resolveMaxDiagnostics(opts.maxDiagnostics);
  const diagOpts = { format: opts.format === 'json' ? ('json' as const) : ('human' as const), ...(opts.color !== undefined && { color: opts.color }) };
  if ('error' in date || 'error' in max) {
    printDiagnostics([{ program: 'govc', diagnostics: ['error' in date ? date.error : (max as { error: Diagnostic }).error] }], diagOpts);
    return EXIT.usage;
  }
  const format = opts.format ?? 'text';
  if (!['text', 'json', 'markdown'].includes(format)) {
    printDiagnostics([{ program: 'govc', diagnostics: [usage(`\`--format ${printable(String(format))}\` is not a format of diff`, 'use `text`, `json` or `markdown`')] }], diagOpts);
    return EXIT.usage;
  }
  // The program's path inside the repository for a revision: as given, else the folder side's, else here.
  const folderSide = [oldSpec, newSpec].find(isPath);
  const inRepo = programPath ?? (folderSide !== undefined ? relative(process.cwd(), resolve(folderSide)) || '.' : '.');
  const trees: RevisionTree[] = [];
  try {
    const sides = [loadSide('OLD', oldSpec, inRepo, date.asOf, trees), loadSide('NEW', newSpec, inRepo, date.asOf, trees)] as const;
    const failed = sides.filter((s) => s.ir === undefined || s.diagnostics.some((d) => d.severity === 'error'));
    if (failed.length > 0) {
      printDiagnostics(failed.map((s) => ({ program: s.label, diagnostics: s.diagnostics })), { ...diagOpts, maxDiagnostics: opts.maxDiagnostics });
      for (const s of failed) process.stderr.write(`${summaryLine(s.label, s.diagnostics)}\n`);
      const usageOnly = failed.every((s) => s.diagnostics.every((d) => d.code === 'GOV5004' || d.code === 'GOV5001'));
      return usageOnly ? EXIT.usage : EXIT.checkFailed;
    }
    const [oldSide, newSide] = sides;
    const diff = diffIr(oldSide.ir!, newSide.ir!, { asOf: date.asOf, examples: opts.examples !== false });
    const changeDate = newSide.side.kind === 'git' ? newSide.side.date! : date.asOf;
    const approvalCheck = opts.requireApprovalAfterChange ? approvalAfterChange(diff, newSide.ir!, changeDate) : null;
    const exitCode = diffExitCode(diff, approvalCheck !== null && !approvalCheck.passed);
    const report: DiffReport = { old: oldSide.side, new: newSide.side, asOf: date.asOf, diff, approvalCheck, exitCode };
    if (format === 'json') process.stdout.write(stableJson(renderJsonValue(report)));
    else if (format === 'markdown') process.stdout.write(renderMarkdown(report));
    else process.stdout.write(renderText(report));
    return exitCode;
  } finally {
    for (const t of trees) t.cleanup();
  }
}
