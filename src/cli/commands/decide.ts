import { readFileSync, statSync } from 'node:fs';
import { evaluate } from '../../eval/evaluate.js';
import type { IrProgram } from '../../ir/types.js';
import { validateIr } from '../../ir/validateIr.js';
import { compileFiles } from '../../project/compile.js';
import { EXIT } from '../exitCodes.js';
import { discoverPrograms } from '../programs.js';
import { printDiagnostics, resolveAsOf } from './common.js';

function loadIr(path: string, asOf: string | undefined): IrProgram | number {
  if (path.endsWith('.json') && statSync(path).isFile()) {
    const ir: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const problems = validateIr(ir);
    if (problems.length) {
      process.stderr.write(`govc: \`${path}\` is not a valid govc IR:\n  ${problems.slice(0, 5).join('\n  ')}\n`);
      return EXIT.usage;
    }
    return ir as IrProgram;
  }
  const date = resolveAsOf(asOf);
  if ('error' in date) {
    printDiagnostics([{ program: 'govc', diagnostics: [date.error] }], {});
    return EXIT.usage;
  }
  const { programs, diagnostics } = discoverPrograms([path]);
  if (diagnostics.length || programs.length !== 1) {
    printDiagnostics([{ program: 'govc', diagnostics }], {});
    if (programs.length > 1) process.stderr.write('govc: `decide` takes exactly one program\n');
    return EXIT.usage;
  }
  const result = compileFiles(programs[0]!.entryFiles, { asOf: date.asOf });
  if (!result.ir) {
    printDiagnostics([{ program: path, diagnostics: result.diagnostics }], {});
    return EXIT.checkFailed;
  }
  return result.ir;
}

export function runDecide(path: string, opts: { request: string; asOf?: string }): number {
  const ir = loadIr(path, opts.asOf);
  if (typeof ir === 'number') return ir;
  let text: string;
  try {
    text = readFileSync(opts.request === '-' ? 0 : opts.request, 'utf8');
  } catch (err) {
    process.stderr.write(`govc: cannot read \`${opts.request}\`: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.usage;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A malformed request is a decision (deny), not a usage error: that is what a runtime would answer.
    parsed = Symbol('malformed');
  }
  if (isCorpus(parsed)) parsed = parsed.cases.map((c) => (typeof c === 'object' && c !== null ? (c as { input?: unknown }).input : undefined));
  const decisions = Array.isArray(parsed) ? parsed.map((r) => evaluate(ir, r)) : evaluate(ir, typeof parsed === 'symbol' ? undefined : parsed);
  process.stdout.write(JSON.stringify(decisions, null, 2) + '\n');
  return EXIT.ok;
}

/** A conformance corpus file (`{cases: [{input, ...}]}`) rather than a request. */
function isCorpus(value: unknown): value is { cases: unknown[] } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as { cases?: unknown }).cases) && !('use_case' in value);
}
