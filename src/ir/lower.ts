import { createHash } from 'node:crypto';
import type { SemanticModel } from '../check/resolve.js';
import { recordOf } from '../check/records.js';
import type { Source } from '../source/Source.js';
import { IR_VERSION, type IrProgram } from './types.js';

/** The policy revision: a content hash of every source of the program, independent of file order. */
export function revisionOf(sources: readonly Source[]): string {
  const hash = createHash('sha256');
  for (const s of [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(s.path).update('\0').update(s.text).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** A symbol table as an IR table: own entries even for `__proto__` or `constructor` (check/records.ts). */
function table<T>(map: ReadonlyMap<string, { ir: T }>): Record<string, T> {
  return recordOf([...map].map(([name, entry]) => [name, entry.ir] as const));
}

/** Lowers a checked program (no errors) to the IR. Tables are key-sorted so the JSON is deterministic. */
export function lower(model: SemanticModel, sources: readonly Source[]): IrProgram {
  if (!model.org) throw new Error('INVARIANT: lower() runs only on a program without errors, which has an org');
  return {
    ir_version: IR_VERSION,
    revision: revisionOf(sources),
    org: model.org.ir,
    providers: table(model.providers),
    models: table(model.models),
    data_classes: table(model.dataClasses),
    tiers: table(model.tiers),
    tools: table(model.tools),
    use_cases: table(model.useCases),
  };
}
