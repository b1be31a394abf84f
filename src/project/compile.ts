import { checkFiles } from '../check/check.js';
import type { SemanticModel } from '../check/resolve.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/Diagnostic.js';
import { lower } from '../check/lower.js';
import type { IrProgram } from '../ir/types.js';
import { validateIr } from '../ir/validateIr.js';
import type { Source } from '../source/Source.js';
import { resolve as resolvePath } from 'node:path';
import { assetFileReader } from './assetFileReader.js';
import { commonFolder, loadProgram } from './loadProgram.js';

export interface CompileOptions {
  readonly asOf: string;
  /** Where relative entry paths start and what diagnostics name files relative to; default `process.cwd()`. */
  readonly cwd?: string;
  /** The program root (loadProgram's LoadOptions.root); default: the folder of the entry files. */
  readonly root?: string;
  /** The program root files assets name are read under (a prompt's `file`); compileFiles sets it. */
  readonly assetRoot?: string;
}

export interface CompileResult {
  readonly sources: readonly Source[];
  readonly diagnostics: readonly Diagnostic[];
  /** Present only when there are no errors. */
  readonly ir?: IrProgram;
  readonly model?: SemanticModel;
}

/** Loads, parses, checks and lowers one program (entry files plus imports). */
export function compileFiles(entryFiles: readonly string[], options: CompileOptions): CompileResult {
  const loaded = loadProgram(entryFiles, options.cwd, options.root === undefined ? {} : { root: options.root });
  const cwd = options.cwd ?? process.cwd();
  // The root loadProgram names sources against: assets' files are read under it.
  const assetRoot = options.root === undefined ? commonFolder(entryFiles.map((f) => resolvePath(cwd, f))) : resolvePath(cwd, options.root);
  return compileLoaded(loaded.sources, loaded.files, loaded.diagnostics, { ...options, assetRoot: options.assetRoot ?? assetRoot });
}

export function compileLoaded(
  sources: readonly Source[],
  files: Parameters<typeof checkFiles>[0],
  loadDiagnostics: readonly Diagnostic[],
  options: CompileOptions,
): CompileResult {
  const checked = checkFiles(files, options.assetRoot === undefined ? { asOf: options.asOf } : { asOf: options.asOf, assetFiles: assetFileReader(options.assetRoot) });
  // A file that could not be read (or was refused) may hold the org; saying "no org" too would only mislead.
  const unreadable = loadDiagnostics.some((d) => d.code === 'GOV5002' || d.code === 'GOV2008' || d.code === 'GOV1004');
  const checkDiagnostics = unreadable ? checked.diagnostics.filter((d) => d.code !== 'GOV2006') : checked.diagnostics;
  const diagnostics = sortDiagnostics([...loadDiagnostics, ...checkDiagnostics]);
  if (hasErrors(diagnostics)) return { sources, diagnostics, model: checked.model };
  const ir = lower(checked.model, sources);
  const problems = validateIr(ir);
  if (problems.length > 0) {
    // INVARIANT: a checked program always lowers to a valid IR; reaching this is a govc bug, reported not thrown.
    return {
      sources,
      model: checked.model,
      diagnostics: [
        ...diagnostics,
        {
          code: 'GOV3001',
          severity: 'error',
          message: 'internal error: the lowered program does not match the IR schema',
          help: 'this is a bug in govc; please report it with the sources that triggered it',
          notes: problems.slice(0, 10),
        },
      ],
    };
  }
  return { sources, diagnostics, ir, model: checked.model };
}
