import { createHash } from 'node:crypto';
import { reason } from '../decision/reasons.js';
import type { SemanticModel } from './resolve.js';
import { recordOf } from './records.js';
import type { Source } from '../source/Source.js';
import { IR_VERSION, type IrGuardrail, type IrProgram, type IrPrompt, type IrUseCase, type IrUseCaseDecision, type IrUseCaseFacts } from '../ir/types.js';

/** The policy revision: a content hash of every source of the program, independent of file order. */
export function revisionOf(sources: readonly Source[]): string {
  const hash = createHash('sha256');
  for (const s of [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(s.path).update('\0').update(s.text).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** A symbol table as an IR table: own entries even for `__proto__` or `constructor` (check/records.ts). */
function table<T>(map: ReadonlyMap<string, { ir: T }>): Record<string, T> {
  return recordOf([...map].map(([name, entry]) => [name, entry.ir] as const));
}

/**
 * The parts of every decision of a use case that the request cannot change (docs/semantics.md "The decision"), as
 * the decision contract words them: targets copy these instead of rebuilding them per request.
 */
export function useCaseDecision(uc: IrUseCaseFacts): IrUseCaseDecision {
  return {
    allowed: reason('allowed', { use_case: uc.name }, uc.source),
    owner: uc.owner,
    obligations: {
      redact: [],
      log: { inputs: uc.log.inputs, outputs: uc.log.outputs, tool_calls: uc.log.tool_calls, access: [...uc.log_access] },
      retention_days: uc.retention_days,
      human_oversight: uc.human_oversight !== null,
      human_approval: false,
      disclosure: uc.disclosure,
      prompts: [],
      guardrails: [],
      alerts: [],
    },
    limits: {
      budgets: uc.budgets.map((b) => ({ scope: b.scope, period: b.period, amount_micros: b.amount_micros, hard_limit_micros: b.hard_limit_micros })),
      rate_limits: uc.rate_limits.map((l) => ({ scope: l.scope, kind: l.kind, per_minute: l.per_minute })),
    },
    budget_message: uc.on_budget_exhausted?.message ?? null,
    rate_message: uc.on_rate_limited.message,
  };
}

/** A use case's facts with its precomputed decision parts. */
export function loweredUseCase(uc: IrUseCaseFacts, prompts: Readonly<Record<string, IrPrompt>> = {}, guardrails: Readonly<Record<string, IrGuardrail>> = {}): IrUseCase {
  const decision = useCaseDecision(uc);
  return { ...uc, decision: { ...decision, obligations: { ...decision.obligations, ...assetObligations(uc, prompts, guardrails) } } };
}

/**
 * Language v2: the asset obligations, which depend only on the program: the pinned prompts' versions and hashes,
 * in declared order (every target copies them).
 */
function assetObligations(
  uc: IrUseCaseFacts,
  prompts: Readonly<Record<string, IrPrompt>>,
  guardrails: Readonly<Record<string, IrGuardrail>>,
): Pick<IrUseCaseDecision['obligations'], 'prompts' | 'guardrails'> {
  return {
    guardrails: uc.guardrails.flatMap((name) => {
      const g = Object.prototype.hasOwnProperty.call(guardrails, name) ? guardrails[name] : undefined;
      return g === undefined ? [] : [{ name: g.name, kind: g.kind, stage: g.stage, action: g.action, threshold: g.threshold }];
    }),
    prompts: uc.prompts.flatMap((name) => {
      const p = Object.prototype.hasOwnProperty.call(prompts, name) ? prompts[name] : undefined;
      return p === undefined ? [] : [{ name: p.name, version: p.version, sha256: p.sha256 }];
    }),
  };
}

/** Lowers a checked program (no errors) to the IR. Tables are key-sorted so the JSON is deterministic. */
export function lower(model: SemanticModel, sources: readonly Source[]): IrProgram {
  if (!model.org) throw new Error('INVARIANT: lower() runs only on a program without errors, which has an org');
  return {
    ir_version: IR_VERSION,
    revision: revisionOf(sources),
    org: model.org.ir,
    people: table(model.people),
    teams: table(model.teams),
    providers: table(model.providers),
    models: table(model.models),
    data_classes: table(model.dataClasses),
    tiers: table(model.tiers),
    tools: table(model.tools),
    use_cases: recordOf([...model.useCases].map(([name, entry]) => [name, loweredUseCase(entry.ir, table(model.prompts), table(model.guardrails))] as const)),
    prompts: table(model.prompts),
    guardrails: table(model.guardrails),
    red_team_suites: table(model.redTeamSuites),
    corpora: table(model.corpora),
  };
}
