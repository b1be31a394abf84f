import type { IrApproval, IrProgram, IrUseCase } from '../ir/types.js';

/**
 * What `govc explain` needs of a checked program: the IR without its use cases (`base`), a summary of every use
 * case (owner, tier, approvals: enough to list what a person approved or owns and to suggest names), and each use
 * case whole on demand. A 10,000-use-case IR is some 60 MB of JSON; reading one use case from the explain cache
 * (explainCache.ts) instead of parsing them all keeps an answer well under a second.
 */
export interface ExplainProgram {
  /** The IR with `use_cases` empty. */
  readonly base: IrProgram;
  readonly useCases: Readonly<Record<string, UseCaseSummary>>;
  /** The use case whole, or undefined when it is not declared. */
  useCase(name: string): IrUseCase | undefined;
  /** The folder the IR's source paths are relative to; null for a built IR (no sources, so no provenance). */
  readonly root: string | null;
}

export interface UseCaseSummary {
  readonly name: string;
  readonly owner: string;
  readonly tier: string;
  readonly approvals: readonly IrApproval[];
  readonly tools: readonly string[];
  readonly models: readonly string[];
  readonly prompts: readonly string[];
  readonly corpora: readonly string[];
  readonly data_classes: readonly string[];
  readonly source: string;
}

export function summaryOf(uc: IrUseCase): UseCaseSummary {
  return {
    name: uc.name,
    owner: uc.owner,
    tier: uc.tier,
    approvals: uc.approvals,
    tools: Object.keys(uc.tools),
    models: uc.models,
    prompts: uc.prompts,
    corpora: uc.corpora,
    data_classes: Object.keys(uc.data),
    source: uc.source,
  };
}

/** An ExplainProgram over a whole IR in memory. */
export function programOf(ir: IrProgram, root: string | null): ExplainProgram {
  const useCases: Record<string, UseCaseSummary> = Object.create(null) as Record<string, UseCaseSummary>;
  for (const name of Object.keys(ir.use_cases)) useCases[name] = summaryOf(ir.use_cases[name]!);
  return {
    base: { ...ir, use_cases: {} },
    useCases,
    useCase: (name) => (Object.prototype.hasOwnProperty.call(ir.use_cases, name) ? ir.use_cases[name] : undefined),
    root,
  };
}

/** The IR holding only the named use case (if declared): what the evaluator and approvalsOf need for it. */
export function irWith(p: ExplainProgram, useCase: string): IrProgram {
  const uc = p.useCase(useCase);
  const table: Record<string, IrUseCase> = Object.create(null) as Record<string, IrUseCase>;
  if (uc) table[useCase] = uc;
  return { ...p.base, use_cases: table };
}
