import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { printable } from '../../diagnostics/render.js';
import { EXPLAIN_CHECK_DATE } from '../../explain/loadExplainProgram.js';
import { splitSource } from '../../explain/provenance.js';
import { evaluateGate, readResults, renderAnnotations, renderJson, renderJunit, renderTable, type LabelledResults, type ReleaseVersion } from '../../gate/index.js';
import type { IrProgram } from '../../ir/types.js';
import { validateIr } from '../../ir/validateIr.js';
import { compileFiles } from '../../project/compile.js';
import { readRegularFile } from '../../project/readRegularFile.js';
import { didYouMean } from '../../util/suggest.js';
import { EXIT } from '../exitCodes.js';
import { checkRoot, discoverPrograms } from '../programs.js';
import { MAX_INPUT_BYTES, problemText, resolved } from '../readInput.js';
import { printDiagnostics, resolveAsOf } from './common.js';

export interface GateCliOptions {
  results?: string[];
  baseline?: string[];
  redTeam?: string;
  model?: string[];
  prompt?: string[];
  asOf?: string;
  format?: string;
  junit?: string;
  root?: string;
  maxInputBytes?: string;
}

class Exit {
  constructor(readonly code: number, readonly message: string | null) {}
}

function usage(message: string): never {
  throw new Exit(EXIT.usage, message);
}

function badInput(message: string): never {
  throw new Exit(EXIT.badInput, message);
}

/**
 * A results file's bytes, at most `max`: a regular file is checked by size before it is read; anything else the user
 * named (a pipe, `<(...)`, a device) is read in chunks and refused once it passes the bound, so nothing endless is
 * read forever and nothing huge is held whole.
 */
function readBounded(path: string, max: number): Buffer {
  const regular = readRegularFile(resolved(path), max);
  if ('bytes' in regular) return regular.bytes;
  if (regular.problem.kind === 'too-large') badInput(`\`${printable(path)}\` is larger than ${max} bytes (raise the bound with --max-input-bytes)`);
  if (regular.problem.kind !== 'not-regular' || regular.problem.what === 'a folder') badInput(`cannot read \`${printable(path)}\`: ${problemText(regular.problem)}`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    badInput(`cannot read \`${printable(path)}\`: ${(err as { code?: string }).code ?? String(err)}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(1 << 16);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) badInput(`\`${printable(path)}\` is larger than ${max} bytes (raise the bound with --max-input-bytes)`);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

function readResultsFile(path: string, max: number): LabelledResults {
  const bytes = readBounded(path, max);
  const parsed = readResults(bytes, path.toLowerCase().endsWith('.jsonl') ? 'jsonl' : 'promptfoo');
  if (!parsed.ok) badInput(`\`${printable(path)}\`, ${printable(parsed.error.where)}: ${printable(parsed.error.message)}`);
  return { path, results: parsed.results };
}

/**
 * The program, checked as `govc explain` checks it (as of EXPLAIN_CHECK_DATE): an approval that lapsed by the release
 * date is a failed gate check, judged below against `--as-of`, not a program error that hides every other check.
 */
function loadProgram(path: string, root: string | undefined): IrProgram {
  if (path.endsWith('.json')) {
    const read = readRegularFile(resolved(path), MAX_INPUT_BYTES);
    if ('problem' in read) usage(`cannot read \`${printable(path)}\`: ${problemText(read.problem)}`);
    let ir: unknown;
    try {
      ir = JSON.parse(read.bytes.toString('utf8'));
    } catch (err) {
      usage(`\`${printable(path)}\` is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const problems = validateIr(ir);
    if (problems.length) usage(`\`${printable(path)}\` is not a valid govc IR:\n  ${problems.slice(0, 5).join('\n  ')}`);
    return ir as IrProgram;
  }
  const { programs, diagnostics } = discoverPrograms([path]);
  if (root !== undefined) diagnostics.push(...checkRoot(root, programs));
  if (diagnostics.length || programs.length !== 1) {
    printDiagnostics([{ program: 'govc', diagnostics }], {});
    usage(programs.length > 1 ? '`gate` takes exactly one program' : `no program at \`${printable(path)}\``);
  }
  const result = compileFiles(programs[0]!.entryFiles, { asOf: EXPLAIN_CHECK_DATE, ...(root !== undefined && { root }) });
  if (!result.ir) {
    printDiagnostics([{ program: path, diagnostics: result.diagnostics }], {});
    throw new Exit(EXIT.checkFailed, null);
  }
  return result.ir;
}

function versions(values: readonly string[] | undefined, flag: string): ReleaseVersion[] {
  return (values ?? []).map((v) => {
    const at = v.lastIndexOf('@');
    if (at <= 0 || at === v.length - 1) usage(`\`${flag} ${printable(v)}\` is not NAME@VERSION, e.g. \`${flag} gpt-4.1@2025-04-14\``);
    return { name: v.slice(0, at), version: v.slice(at + 1) };
  });
}

/**
 * `--results [GATE=]FILE` values to one file per eval gate: `GATE=FILE` serves that gate (when GATE names one of the
 * use case's gates), a plain FILE every other gate.
 */
function perGate(values: readonly string[] | undefined, gates: readonly string[], flag: string, max: number): Map<string, LabelledResults> {
  const named = new Map<string, string>();
  let plain: string | null = null;
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    const gate = eq > 0 ? v.slice(0, eq) : null;
    if (gate !== null && gates.includes(gate)) {
      if (named.has(gate)) usage(`\`${flag}\` names eval gate \`${printable(gate)}\` twice`);
      named.set(gate, v.slice(eq + 1));
    } else {
      if (plain !== null) usage(`\`${flag}\` gives two files for the same gates; say which gate each is for with \`${flag} GATE=FILE\` (gates: ${gates.map((g) => `\`${g}\``).join(', ') || 'none'})`);
      plain = v;
    }
  }
  const out = new Map<string, LabelledResults>();
  const cache = new Map<string, LabelledResults>();
  for (const g of gates) {
    const path = named.get(g) ?? plain;
    if (path === null) continue;
    if (!cache.has(path)) cache.set(path, readResultsFile(path, max));
    out.set(g, cache.get(path)!);
  }
  return out;
}

/**
 * The use case's file as GitHub wants it, relative to the working directory (the checkout): IR sources are relative
 * to the program root (`--root`, else the program's folder); a built ir.json's are kept as they are.
 */
function annotationPath(programPath: string, root: string | undefined, source: string): string {
  if (programPath.endsWith('.json')) return source;
  let base = root;
  if (base === undefined) {
    try {
      base = statSync(programPath).isDirectory() ? programPath : dirname(programPath);
    } catch {
      base = dirname(programPath);
    }
  }
  return relative(process.cwd(), join(base, source)).split(sep).join('/');
}

/**
 * `govc gate USE_CASE [PROGRAM] --results FILE ...` (docs/gate.md). Exit 0 when every check passes, EXIT.gateDenied
 * when one fails, EXIT.badInput for a results file that cannot be read or is malformed, EXIT.checkFailed for a
 * program with errors, EXIT.usage for bad usage.
 */
export function runGate(useCase: string, programPath: string | undefined, opts: GateCliOptions): number {
  try {
    return gate(useCase, programPath ?? '.', opts);
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
    if (err.message !== null) process.stderr.write(`govc: ${err.message}\n`);
    return err.code;
  }
}

function gate(useCase: string, programPath: string, opts: GateCliOptions): number {
  const format = opts.format ?? 'table';
  if (format !== 'table' && format !== 'json') usage(`\`--format ${printable(format)}\` is not table or json`);
  const date = resolveAsOf(opts.asOf);
  if ('error' in date) {
    printDiagnostics([{ program: 'govc', diagnostics: [date.error] }], {});
    return EXIT.usage;
  }
  let max = MAX_INPUT_BYTES;
  if (opts.maxInputBytes !== undefined) {
    if (!/^[1-9]\d*$/.test(opts.maxInputBytes) || !Number.isSafeInteger(Number(opts.maxInputBytes))) usage(`\`--max-input-bytes ${printable(opts.maxInputBytes)}\` is not a whole number of at least 1`);
    max = Number(opts.maxInputBytes);
  }
  if (!opts.results || opts.results.length === 0) usage('say which eval results to judge: `--results FILE`');
  const models = versions(opts.model, '--model');
  const prompts = versions(opts.prompt, '--prompt');
  const ir = loadProgram(programPath, opts.root);
  const uc = Object.prototype.hasOwnProperty.call(ir.use_cases, useCase) ? ir.use_cases[useCase]! : null;
  if (uc === null) {
    const hint = didYouMean(useCase, Object.keys(ir.use_cases));
    usage(`no use case named \`${printable(useCase)}\` is declared${hint ? `; ${hint}` : ''}`);
  }
  if (opts.redTeam !== undefined && (uc.red_team?.suite ?? null) === null) usage(`use case \`${printable(useCase)}\` declares no red-team suite (\`red_team SUITE\`) for --red-team to be judged against`);
  const gates = uc.evals.map((g) => g.name);
  const results = perGate(opts.results, gates, '--results', max);
  const baselines = perGate(opts.baseline, gates, '--baseline', max);
  const redTeam = opts.redTeam === undefined ? null : readResultsFile(opts.redTeam, max);
  const report = evaluateGate(ir, useCase, { results, baselines, redTeam }, { asOf: date.asOf, models, prompts });
  if (opts.junit !== undefined) {
    try {
      writeFileSync(opts.junit, renderJunit(report));
    } catch (err) {
      usage(`cannot write \`${printable(opts.junit)}\`: ${(err as { code?: string }).code ?? String(err)}`);
    }
  }
  process.stdout.write(format === 'json' ? renderJson(report) : renderTable(report));
  if (process.env.GITHUB_ACTIONS === 'true') {
    const at = splitSource(uc.source);
    const text = renderAnnotations(report, at === null || at.path.startsWith('std/') ? null : { file: annotationPath(programPath, opts.root, at.path), line: at.line });
    // Beside JSON on standard output they would break it; GitHub's runner reads workflow commands from both streams.
    (format === 'json' ? process.stderr : process.stdout).write(text);
  }
  return report.passed ? EXIT.ok : EXIT.gateDenied;
}
