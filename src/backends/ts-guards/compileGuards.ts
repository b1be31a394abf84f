import { ts } from 'ts-morph';

export interface CompiledGuards {
  /** `guards.js`: ES2022 module importing `govc/runtime`. */
  readonly js: string;
  /** `guards.d.ts`: the types, for callers in TypeScript that import the `.js`. */
  readonly dts: string;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  declaration: true,
  isolatedDeclarations: true,
  strict: true,
  skipLibCheck: true,
  noResolve: true,
  noLib: true,
  types: [],
};

/**
 * `guards.ts` to `guards.js`: a syntactic transpile of the one file (`ts.transpileModule`), with no program, no
 * type-check and no declaration emit, so it costs one parse. The generated module is written for it: type-only
 * imports are `import type`, and nothing depends on type information (tests type-check the module separately).
 */
export function transpileGuards(source: string): string {
  return ts.transpileModule(source, { compilerOptions: COMPILER_OPTIONS, fileName: 'guards.ts', reportDiagnostics: false }).outputText;
}

/**
 * Compiles a generated `guards.ts` to `.js` and `.d.ts` from its text alone: `ts.transpileModule`, and
 * `ts.transpileDeclaration` (isolated declarations: every export of the module has an explicit type). `govc build`
 * takes the `.d.ts` the generator writes instead (generateGuardsModule); this is for callers holding only the text.
 */
export function compileGuards(source: string): CompiledGuards {
  const js = transpileGuards(source);
  const dts = ts.transpileDeclaration(source, { compilerOptions: COMPILER_OPTIONS, fileName: 'guards.ts', reportDiagnostics: false }).outputText;
  return { js, dts };
}
