import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { guardTables } from '../backends/ts-guards/guardTables.js';
import { IR_VERSION, type IrProgram } from '../ir/types.js';
import { validateIr } from '../ir/validateIr.js';
import { defineGuards } from '../runtime/engine/index.js';
import type { ProgramSource, ServedProgram } from './ServedProgram.js';

/** The largest ir.json the stand-in reads (the program loader bounds bundles the same way). */
const MAX_IR_BYTES = 64 * 1024 * 1024;

/**
 * A served program from an IR document: the schema (validateIr), this govc's `ir_version`, then the guards engine
 * built from the IR's tables, the very decision of every other target. Never throws: a document that is not a
 * program this govc can serve is `{ok: false}` with why.
 */
export function servedProgram(ir: unknown, source: string, options: { readonly verified?: boolean; readonly now?: () => number } = {}): { ok: true; program: ServedProgram } | { ok: false; error: string } {
  if (typeof ir === 'object' && ir !== null && !Array.isArray(ir) && (ir as { ir_version?: unknown }).ir_version !== IR_VERSION) {
    const v = (ir as { ir_version?: unknown }).ir_version;
    return { ok: false, error: `the program's IR version is ${JSON.stringify(v) ?? 'missing'}, this govc serves version ${IR_VERSION}: rebuild it with this govc` };
  }
  const problems = validateIr(ir);
  if (problems.length > 0) return { ok: false, error: `not a valid govc IR: ${problems.slice(0, 5).join('; ')}` };
  const program = ir as IrProgram;
  try {
    const guards = defineGuards(guardTables(program));
    return {
      ok: true,
      program: Object.freeze({
        revision: program.revision,
        ir: program,
        guards,
        source,
        verified: options.verified ?? false,
        loadedAt: new Date((options.now ?? Date.now)()).toISOString(),
      }),
    };
  } catch (err) {
    // guardTables' INVARIANTs hold for every IR the checker lowers; a hand-made IR may still break them.
    return { ok: false, error: `the program cannot be served: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** A source that always serves one program (tests, and `govc serve` of an ir.json without reload). */
export function staticProgramSource(program: ServedProgram): ProgramSource {
  return {
    current: () => program,
    onChange: () => undefined,
    close: () => Promise.resolve(),
  };
}

/**
 * The stand-in loader: `<dir>/ir.json` or an `ir.json` file, read once. The program loader (src/serve/program/)
 * replaces it for bundles, signatures and reloads.
 */
export function loadIrFile(spec: string): { ok: true; program: ServedProgram } | { ok: false; error: string } {
  let path = spec;
  try {
    if (statSync(spec).isDirectory()) path = join(spec, 'ir.json');
    const st = statSync(path);
    if (!st.isFile()) return { ok: false, error: `\`${path}\` is not a file` };
    if (st.size > MAX_IR_BYTES) return { ok: false, error: `\`${path}\` is larger than ${MAX_IR_BYTES} bytes` };
    const text = readFileSync(path, 'utf8');
    let ir: unknown;
    try {
      ir = JSON.parse(text);
    } catch (err) {
      return { ok: false, error: `\`${path}\` is not JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
    return servedProgram(ir, spec);
  } catch (err) {
    return { ok: false, error: `cannot read \`${path}\`: ${err instanceof Error ? err.message : String(err)}` };
  }
}
