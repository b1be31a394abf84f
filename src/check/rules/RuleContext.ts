import type { CheckContext } from '../CheckContext.js';
import type { SemanticModel } from '../resolve.js';

/** A checker rule: reads the resolved program and reports through the context; never throws. */
export interface Rule {
  /** The codes this rule may report, for the docs and the catalogue test. */
  readonly codes: readonly string[];
  readonly name: string;
  run(ctx: CheckContext, model: SemanticModel): void;
}
