import type { IrProgram } from '../../ir/types.js';
import { transpileGuards } from './compileGuards.js';
import { generateGuardsModule } from './generateGuards.js';

/**
 * What `govc build` writes for the TypeScript target: `ts/guards.ts` (ts-morph), `ts/guards.d.ts` (written by the
 * generator) and `ts/guards.js` (one syntactic transpile, no type-check).
 */
export function guardsArtifacts(ir: IrProgram): Record<string, string> {
  const module = generateGuardsModule(ir);
  return { 'ts/guards.ts': module.ts, 'ts/guards.js': transpileGuards(module.ts), 'ts/guards.d.ts': module.dts };
}
