import type { IrProgram } from '../../ir/types.js';
import { compileGuards } from './compileGuards.js';
import { generateGuards } from './generateGuards.js';

/** What `govc build` writes for the TypeScript target: `ts/guards.ts`, and its compiled `.js` and `.d.ts`. */
export function guardsArtifacts(ir: IrProgram): Record<string, string> {
  const source = generateGuards(ir);
  const { js, dts } = compileGuards(source);
  return { 'ts/guards.ts': source, 'ts/guards.js': js, 'ts/guards.d.ts': dts };
}
