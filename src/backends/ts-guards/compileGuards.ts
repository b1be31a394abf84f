import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget } from 'ts-morph';
import { GUARDS_FILE } from './generateGuards.js';

export interface CompiledGuards {
  /** `guards.js`: ES2022 module importing `govc/runtime`. */
  readonly js: string;
  /** `guards.d.ts`: the types, for callers in TypeScript that import the `.js`. */
  readonly dts: string;
}

/**
 * Compiles a generated `guards.ts` to `.js` and `.d.ts` with the TypeScript compiler (through ts-morph), without
 * type-checking against the runtime (tests run `tsc --strict` on the module separately): `isolatedDeclarations`
 * style explicit types on every export make the declaration emit local.
 */
export function compileGuards(source: string): CompiledGuards {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      target: ScriptTarget.ES2022,
      module: ModuleKind.ES2022,
      moduleResolution: ModuleResolutionKind.Bundler,
      declaration: true,
      strict: true,
      skipLibCheck: true,
      noResolve: true,
      noLib: true,
      types: [],
    },
  });
  project.createSourceFile(GUARDS_FILE, source);
  const out = project.emitToMemory();
  const files = out.getFiles();
  const js = files.find((f) => f.filePath.endsWith('.js'))?.text;
  const dts = files.find((f) => f.filePath.endsWith('.d.ts'))?.text;
  // INVARIANT: emitting one in-memory file yields its .js and .d.ts.
  if (js === undefined || dts === undefined) throw new Error('INVARIANT: TypeScript emitted no guards.js/guards.d.ts');
  return { js, dts };
}
