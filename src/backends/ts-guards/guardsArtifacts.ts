import type { IrProgram } from '../../ir/types.js';
import { generateGuardsFiles } from './generateGuards.js';

/**
 * What `govc build` writes for the TypeScript target: `ts/guards.ts` (ts-morph), `ts/guards.d.ts` (written by the
 * generator) and `ts/guards.js` (a syntactic transpile, no type-check; see generateGuardsFiles).
 */
export function guardsArtifacts(ir: IrProgram): Record<string, string> {
  const files = generateGuardsFiles(ir);
  return { 'ts/guards.ts': files.ts, 'ts/guards.js': files.js, 'ts/guards.d.ts': files.dts };
}
