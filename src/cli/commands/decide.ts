import { stableJson } from '../../codegen/json.js';
import { evaluate } from '../../eval/evaluate.js';
import { parseRequestJson } from '../../eval/parseRequestJson.js';
import type { IrProgram } from '../../ir/types.js';
import { validateIr } from '../../ir/validateIr.js';
import { compileFiles } from '../../project/compile.js';
import { readRegularFile } from '../../project/readRegularFile.js';
import { printable } from '../../diagnostics/render.js';
import { EXIT } from '../exitCodes.js';
import { MAX_INPUT_BYTES, problemText, readInput, resolved } from '../readInput.js';
import { checkRoot, discoverPrograms } from '../programs.js';
import { printDiagnostics, resolveAsOf } from './common.js';


function loadIr(path: string, asOf: string | undefined, root: string | undefined): IrProgram | number {
  if (path.endsWith('.json')) {
    const read = readRegularFile(resolved(path), MAX_INPUT_BYTES);
    if ('problem' in read) {
      process.stderr.write(`govc: cannot read \`${printable(path)}\`: ${problemText(read.problem)}\n`);
      return EXIT.usage;
    }
    let ir: unknown;
    try {
      ir = JSON.parse(read.bytes.toString('utf8'));
    } catch (err) {
      process.stderr.write(`govc: \`${printable(path)}\` is not JSON: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.usage;
    }
    const problems = validateIr(ir);
    if (problems.length) {
      process.stderr.write(`govc: \`${printable(path)}\` is not a valid govc IR:\n  ${problems.slice(0, 5).join('\n  ')}\n`);
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
  if (root !== undefined) diagnostics.push(...checkRoot(root, programs));
  if (diagnostics.length || programs.length !== 1) {
    printDiagnostics([{ program: 'govc', diagnostics }], {});
    if (programs.length > 1) process.stderr.write('govc: `decide` takes exactly one program\n');
    return EXIT.usage;
  }
  const result = compileFiles(programs[0]!.entryFiles, { asOf: date.asOf, ...(root !== undefined && { root }) });
  if (!result.ir) {
    printDiagnostics([{ program: path, diagnostics: result.diagnostics }], {});
    return EXIT.checkFailed;
  }
  return result.ir;
}

export function runDecide(path: string, opts: { request: string; asOf?: string; root?: string }): number {
  const ir = loadIr(path, opts.asOf, opts.root);
  if (typeof ir === 'number') return ir;
  const input = readInput(opts.request);
  if ('error' in input) {
    process.stderr.write(`govc: cannot read \`${printable(opts.request)}\`: ${input.error}\n`);
    return EXIT.usage;
  }
  const bytes = input.bytes;
  // The bytes, not a decoded string: the text is read exactly as OPA reads it (docs/semantics.md "Request text").
  const parsed = parseRequestJson(bytes);
  let decisions: unknown;
  if (!parsed.ok) {
    // Text that is not one JSON value is no request: denied as such (a decision, not a usage error), never allowed.
    process.stderr.write(`govc: \`${printable(opts.request)}\` is ${parsed.error}; decided as no request\n`);
    decisions = evaluate(ir, undefined);
  } else {
    let value = parsed.value;
    if (isCorpus(value)) value = value.cases.map((c) => (isRecord(c) && hasOwn(c, 'input') ? c.input : undefined));
    decisions = Array.isArray(value) ? value.map((r) => evaluate(ir, r)) : evaluate(ir, value);
  }
  process.stdout.write(stableJson(decisions));
  return EXIT.ok;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** A conformance corpus file (`{cases: [{input, ...}]}`) rather than a request. */
function isCorpus(value: unknown): value is { cases: unknown[] } {
  return isRecord(value) && hasOwn(value, 'cases') && Array.isArray(value.cases) && !hasOwn(value, 'use_case');
}
