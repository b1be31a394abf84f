import type { FileNode } from '../ast/nodes.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/Diagnostic.js';
import type { AssetFileReader } from './assetFiles.js';
import { CheckContext, type NameReference } from './CheckContext.js';
import { declare, resolve, type SemanticModel } from './resolve.js';
import { specifiedRules } from './rules/index.js';

export interface CheckOptions {
  /** The date approvals are judged against, `YYYY-MM-DD`. */
  readonly asOf: string;
  /** Reads files assets name (a prompt's `file`); without it they are not compared. */
  readonly assetFiles?: AssetFileReader;
  /** Collect every name that resolves to a declaration (CheckResult.references), for editors; off by default. */
  readonly collectReferences?: boolean;
}

export interface CheckResult {
  readonly model: SemanticModel;
  readonly diagnostics: readonly Diagnostic[];
  /** Present when CheckOptions.collectReferences was set: each resolved name once per resolution, in check order. */
  readonly references?: readonly NameReference[];
}

/**
 * Resolves and type-checks a parsed program. Every rule runs even after errors, so one run reports everything
 * that can be known; rules only read the model and never throw on partial input.
 */
export function checkFiles(files: readonly FileNode[], options: CheckOptions): CheckResult {
  const ctx = new CheckContext(options.asOf);
  ctx.assetFiles = options.assetFiles;
  if (options.collectReferences === true) ctx.references = [];
  declare(ctx, files);
  const model = resolve(ctx);
  for (const rule of specifiedRules) rule.run(ctx, model);
  const diagnostics = sortDiagnostics(ctx.diagnostics);
  return ctx.references === undefined ? { model, diagnostics } : { model, diagnostics, references: ctx.references };
}
