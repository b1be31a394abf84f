import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleNames, REPO_ROOT } from './repo.js';

/** The subset of a decision a corpus case pins down by hand (docs/semantics.md decides the rest). */
export interface Expectation {
  readonly decision: 'allow' | 'degrade' | 'deny';
  readonly model: string | null;
  readonly reasons: readonly string[];
  readonly message: string | null;
  readonly redact?: readonly string[];
  readonly human_approval?: boolean;
  /** Language v2: the budget alerts' threshold percentages, in order. */
  readonly alerts?: readonly number[];
}

export interface CorpusCase {
  readonly description: string;
  readonly input: unknown;
  readonly expect: Expectation;
}

export interface Corpus {
  readonly example: string;
  readonly description: string;
  readonly as_of: string;
  readonly cases: readonly CorpusCase[];
}

/** The conformance corpus shared by every target: examples/<name>/requests.json. */
export function loadCorpora(): Corpus[] {
  return exampleNames()
    .map((example) => ({ example, path: join(REPO_ROOT, 'examples', example, 'requests.json') }))
    .filter(({ path }) => existsSync(path))
    .map(({ example, path }) => ({ example, ...(JSON.parse(readFileSync(path, 'utf8')) as Omit<Corpus, 'example'>) }));
}

/** Projects a full decision onto the fields a corpus case states, for a readable diff on mismatch. */
export function project(decision: { decision: string; model: string | null; reasons: ReadonlyArray<{ code: string }>; message: string | null; obligations: { redact: ReadonlyArray<{ data_class: string }>; human_approval: boolean; alerts?: ReadonlyArray<{ threshold_percent: number }> } | null }, expectation: Expectation): Record<string, unknown> {
  const out: Record<string, unknown> = {
    decision: decision.decision,
    model: decision.model,
    reasons: decision.reasons.map((r) => r.code),
    message: decision.message,
  };
  if ('redact' in expectation) out.redact = decision.obligations ? decision.obligations.redact.map((r) => r.data_class) : null;
  if ('human_approval' in expectation) out.human_approval = decision.obligations ? decision.obligations.human_approval : null;
  if ('alerts' in expectation) out.alerts = decision.obligations ? (decision.obligations.alerts ?? []).map((a) => a.threshold_percent) : null;
  return out;
}
