import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFiles } from '../../src/project/compile.js';
import { govFilesIn } from '../../src/project/loadProgram.js';
import type { IrProgram } from '../../src/ir/types.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const AS_OF = '2026-11-26';

export function exampleNames(): string[] {
  const dir = join(REPO_ROOT, 'examples');
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort();
}

export function compileExample(name: string, asOf = AS_OF): ReturnType<typeof compileFiles> {
  const files = govFilesIn(join(REPO_ROOT, 'examples', name));
  return compileFiles(files, { asOf, cwd: REPO_ROOT });
}

export function exampleIr(name: string): IrProgram {
  const result = compileExample(name);
  if (!result.ir) throw new Error(`example ${name} does not compile: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.ir;
}
