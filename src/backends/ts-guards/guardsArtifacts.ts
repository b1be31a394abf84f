import type { IrProgram } from '../../ir/types.js';
import { generateGuardsFiles } from './generateGuards.js';

/**
 * What `govc build` writes for the TypeScript target, by path relative to the output folder:
 *
 * - `ts/guards.ts`: the module's TypeScript, for a TypeScript project to compile with its own code;
 * - `ts/guards.mjs` + `ts/guards.d.mts`: the ES module and its declarations;
 * - `ts/guards.cjs` + `ts/guards.d.cts`: the CommonJS module and its declarations.
 *
 * There is no `guards.js`: a `.js` file is ESM or CommonJS by the nearest package.json, so it would load in one kind
 * of project and fail in the other; `.mjs` and `.cjs` say what they are wherever they are put (docs/guards.md).
 */
export function guardsArtifacts(ir: IrProgram): Record<string, string> {
  const files = generateGuardsFiles(ir);
  return { 'ts/guards.ts': files.ts, 'ts/guards.mjs': files.mjs, 'ts/guards.d.mts': files.dts, 'ts/guards.cjs': files.cjs, 'ts/guards.d.cts': files.dts };
}
