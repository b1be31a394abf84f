import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateGuards } from '../../src/backends/ts-guards/index.js';
import type { IrProgram } from '../../src/ir/types.js';
import type { Decision, GuardPolicy } from '../../src/runtime/index.js';
import { REPO_ROOT } from './repo.js';

/** Where tests write generated guard modules: inside the repository, so imports resolve (git-ignored out/). */
export const GUARDS_WORK = join(REPO_ROOT, 'out', 'test-guards');
export const RUNTIME_SRC = join(REPO_ROOT, 'src', 'runtime', 'index.ts');

export interface LoadedGuards {
  readonly decide: (input: unknown) => Decision;
  readonly decideUnknown: (input: unknown) => Decision;
  readonly policy: GuardPolicy;
  readonly createGuard: (options?: object) => unknown;
  readonly path: string;
}

let counter = 0;

/** Generates a program's guard module against the runtime's sources and imports it (vitest compiles the TypeScript). */
export async function loadGuards(ir: IrProgram, name: string): Promise<LoadedGuards> {
  mkdirSync(GUARDS_WORK, { recursive: true });
  const path = join(GUARDS_WORK, `${name}-${process.pid}-${counter++}.ts`);
  writeFileSync(path, generateGuards(ir, { runtimeImport: RUNTIME_SRC.replace(/\.ts$/, '.js') }));
  const mod = (await import(path)) as LoadedGuards;
  return { ...mod, path };
}
