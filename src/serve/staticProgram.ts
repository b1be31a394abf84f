import { programFromIr } from './program/programFromBytes.js';
import type { ProgramSource, ServedProgram } from './ServedProgram.js';

/**
 * A served program from an IR document already in memory (an embedding server, tests): the loader's own checks
 * (this govc's `ir_version`, the IR schema, the guards engine built from the IR's tables). Never throws: a document
 * that is not a program this govc can serve is `{ok: false}` with why.
 */
export function servedProgram(ir: unknown, source: string, options: { readonly verified?: boolean; readonly now?: () => number } = {}): { ok: true; program: ServedProgram } | { ok: false; error: string } {
  try {
    const loadedAt = new Date((options.now ?? Date.now)()).toISOString();
    return { ok: true, program: programFromIr(ir, { source, verified: options.verified ?? false, loadedAt }) };
  } catch (err) {
    return { ok: false, error: `the IR ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** A source that always serves one program. */
export function staticProgramSource(program: ServedProgram): ProgramSource {
  return {
    current: () => program,
    onChange: () => undefined,
    close: () => Promise.resolve(),
  };
}
