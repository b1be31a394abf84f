/**
 * A corpus case as examples/<org>/requests.json holds it: a request and the decision it expects (see docs/semantics.md
 * and test/helpers/corpus.ts). Every target is proven against the reference on these.
 */
export interface CorpusCase {
  readonly description?: string;
  readonly input: unknown;
  readonly expect: {
    readonly decision: string;
    readonly model?: string | null;
    readonly reasons?: readonly string[];
    readonly message?: string | null;
    readonly redact?: readonly string[];
    readonly human_approval?: boolean;
    /** Language v2: the budget alerts the decision carries, as their threshold percentages in order. */
    readonly alerts?: readonly number[];
  };
}
