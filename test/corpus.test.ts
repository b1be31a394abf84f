import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/eval/evaluate.js';
import { loadCorpora, project } from './helpers/corpus.js';
import { compileExample, exampleNames } from './helpers/repo.js';

const corpora = loadCorpora();

describe('conformance corpus: reference evaluator', () => {
  it('has a corpus for every example, covering every reason code', () => {
    expect(corpora.map((c) => c.example)).toEqual(exampleNames());
    const seen = new Set(corpora.flatMap((c) => c.cases.flatMap((k) => k.expect.reasons)));
    const all = [
      'allowed', 'fallback_model', 'budget_degraded', 'malformed_request', 'unknown_use_case', 'approval_expired',
      'model_not_allowed', 'model_approval_expired', 'model_region_not_served', 'unknown_data_class',
      'data_class_denied', 'data_class_not_permitted', 'data_region_not_permitted', 'residency_violation',
      'tool_not_allowed', 'tool_approval_expired', 'tool_scope_not_allowed', 'human_approval_required', 'counter_missing', 'rate_limited',
      'budget_exhausted', 'trace_id_required', 'principal_required', 'prompt_not_allowed', 'prompt_version_not_pinned', 'prompt_approval_expired',
    ];
    expect(all.filter((c) => !seen.has(c))).toEqual([]);
  });

  for (const corpus of corpora) {
    describe(corpus.example, () => {
      const ir = compileExample(corpus.example, corpus.as_of).ir!;
      it.each(corpus.cases.map((c, i) => [i, c.description, c] as const))('#%i %s', (_i, _d, c) => {
        expect(project(evaluate(ir, c.input), c.expect)).toEqual({ ...c.expect });
      });
    });
  }
});
