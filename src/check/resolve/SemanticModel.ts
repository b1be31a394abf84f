import type { DeclNode } from '../../ast/nodes.js';
import type { IrCorpus, IrDataClass, IrGuardrail, IrModel, IrOrg, IrPerson, IrPrompt, IrProvider, IrRedTeamSuite, IrTeam, IrTier, IrTool, IrUseCaseFacts } from '../../ir/types.js';

/** Resolved declarations: IR-shaped values next to the AST they came from (for spans). */
export interface Resolved<T> {
  readonly ir: T;
  readonly decl: DeclNode;
}

export interface SemanticModel {
  org: Resolved<IrOrg> | undefined;
  readonly providers: Map<string, Resolved<IrProvider>>;
  readonly models: Map<string, Resolved<IrModel>>;
  readonly dataClasses: Map<string, Resolved<IrDataClass>>;
  readonly tiers: Map<string, Resolved<IrTier>>;
  readonly tools: Map<string, Resolved<IrTool>>;
  readonly useCases: Map<string, Resolved<IrUseCaseFacts>>;
  readonly people: Map<string, Resolved<IrPerson>>;
  readonly teams: Map<string, Resolved<IrTeam>>;
  /** Language v2: prompts. */
  readonly prompts: Map<string, Resolved<IrPrompt>>;
  readonly guardrails: Map<string, Resolved<IrGuardrail>>;
  readonly redTeamSuites: Map<string, Resolved<IrRedTeamSuite>>;
  readonly corpora: Map<string, Resolved<IrCorpus>>;
}

export function emptyModel(): SemanticModel {
  return {
    org: undefined,
    providers: new Map(),
    models: new Map(),
    dataClasses: new Map(),
    tiers: new Map(),
    tools: new Map(),
    useCases: new Map(),
    people: new Map(),
    teams: new Map(),
    prompts: new Map(),
    guardrails: new Map(),
    redTeamSuites: new Map(),
    corpora: new Map(),
  };
}
