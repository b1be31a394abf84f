import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { stableJson } from '../../codegen/json.js';
import { evaluate } from '../../eval/evaluate.js';
import { parseRequestJson } from '../../eval/parseRequestJson.js';
import type { IrProgram } from '../../ir/types.js';
import { validateIr } from '../../ir/validateIr.js';
import { compileFiles } from '../../project/compile.js';
import { readRegularFile, type ReadProblem } from '../../project/readRegularFile.js';
import { printable } from '../../diagnostics/render.js';
import { EXIT } from '../exitCodes.js';
import { checkRoot, discoverPrograms } from '../programs.js';
import { printDiagnostics, resolveAsOf } from './common.js';

/** Requests and a built IR are read up to this size: a file that never ends (`/dev/zero`) is refused, not read forever. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

function problemText(p: ReadProblem): string {
  switch (p.kind) {
    case 'missing':
      return 'no such file';
    case 'not-regular':
      return `it is ${p.what}`;
    case 'too-large':
      return `it is larger than ${MAX_INPUT_BYTES} bytes`;
    case 'unreadable':
      return p.reason;
  }
}

/**
 * A request file's bytes. Regular files are read as `readRegularFile` reads program files; standard input (`-`) and
 * other streams the caller names on purpose (a pipe, `<(...)`) are read up to the bound, so nothing is read forever.
 */
/** A path the user named, links resolved (readRegularFile opens without following them); as given if it cannot be. */
function resolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function readInput(path: string): { bytes: Buffer } | { error: string } {
  const regular = path === '-' ? undefined : readRegularFile(resolved(path), MAX_INPUT_BYTES);
  if (regular !== undefined) {
    if ('bytes' in regular) return regular;
    if (regular.problem.kind !== 'not-regular' || regular.problem.what === 'a folder') return { error: problemText(regular.problem) };
  }
  let fd: number;
  try {
    fd = path === '-' ? 0 : openSync(path, 'r');
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(1 << 16);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        // A non-blocking standard input with nothing yet: wait a little and try again.
        if ((err as { code?: string }).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        return { error: (err as { code?: string }).code ?? String(err) };
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_BYTES) return { error: `it is larger than ${MAX_INPUT_BYTES} bytes` };
      chunks.push(chunk.subarray(0, n));
    }
    return { bytes: Buffer.concat(chunks) };
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

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
