import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgramSource } from './ServedProgram.js';
import { loadIrFile, staticProgramSource } from './staticProgram.js';

/**
 * Until the program loader (src/serve/program/: bundles, signatures, URLs, reloads) is merged: a built folder's
 * `ir.json`, or an `ir.json` file, served without reload. Same contract as `openProgramSource`: a first load that
 * fails rejects with why.
 */
export async function openStandInSource(spec: string, options: { readonly verification?: unknown; readonly pollSeconds: number }): Promise<ProgramSource> {
  if (options.verification !== undefined) throw new Error('verifying a bundle needs the program loader (src/serve/program/), not in this build');
  if (/^https?:\/\//i.test(spec) || spec.endsWith('.tar.gz')) throw new Error(`serving \`${spec}\` needs the program loader (src/serve/program/), not in this build; pass a built folder or its ir.json`);
  if (existsSync(spec) && statSync(spec).isDirectory() && !existsSync(join(spec, 'ir.json'))) throw new Error(`\`${spec}\` has no ir.json (build it with \`govc build ... --out\`)`);
  const r = loadIrFile(spec);
  if (!r.ok) throw new Error(r.error);
  return staticProgramSource(r.program);
}
