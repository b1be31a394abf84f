import { describe, expect, it } from 'vitest';
import { checkFiles } from '../src/check/check.js';
import { renderHuman, toJson } from '../src/diagnostics/render.js';
import type { Diagnostic } from '../src/diagnostics/Diagnostic.js';
import { spanText, type Source } from '../src/source/Source.js';
import { parse } from '../src/syntax/parse.js';
import { didYouMean, didYouMeanWith } from '../src/util/suggest.js';
import { approvalLines } from '../src/lsp/hover.js';
import { completionsAt } from '../src/lsp/complete.js';

/* What govc lsp asks of the checker: structured did-you-mean suggestions, and the optional reference collector. */

const PROGRAM = `org acme { owners "governance@acme.example" }
person dana { email "dana@acme.example" }
provider openai { regions eu dpa signed 2025-02-11 trains_on_customer_data no }
model gpt-4.1-mini {
  provider openai
  version "2025-04-14"
  regions eu
  price input 0.40 USD output 1.60 USD per 1M tokens
  status approved
}
data_class pii { sensitivity confidential }
tier low { approvers 1 }
use_case faq_bot {
  tier loww
  owner dana
  models gpt-4.1-mni
  data pii -> openai
  retian 30 days
  approved_by dana on 2026-06-15 ticket GOV-130 expires 2027-06-15
}
`;

function check(text: string, collectReferences?: boolean) {
  const source: Source = { path: 'p.gov', text };
  const parsed = parse(source);
  return checkFiles([parsed.file], { asOf: '2026-12-02', ...(collectReferences !== undefined && { collectReferences }) });
}

const find = (ds: readonly Diagnostic[], needle: string): Diagnostic => {
  const d = ds.find((x) => x.message.includes(needle));
  if (d === undefined) throw new Error(`no diagnostic with ${needle}: ${ds.map((x) => x.message).join('; ')}`);
  return d;
};

describe('structured did-you-mean suggestions', () => {
  it('names the replacement and the span it replaces where the checker knows a close candidate', () => {
    const { diagnostics } = check(PROGRAM);
    const model = find(diagnostics, 'unknown model `gpt-4.1-mni`');
    expect(model.help).toBe('did you mean `gpt-4.1-mini`?');
    expect(model.suggestions?.map((s) => [spanText(s.span), s.replacement])).toEqual([['gpt-4.1-mni', 'gpt-4.1-mini']]);
    const tier = find(diagnostics, 'unknown tier `loww`');
    expect(tier.suggestions?.map((s) => [spanText(s.span), s.replacement])).toEqual([['loww', 'low']]);
    const field = find(diagnostics, '`retian` is not a field');
    expect(field.suggestions?.map((s) => [spanText(s.span), s.replacement])).toEqual([['retian', 'retain']]);
  });

  it('gives none when nothing is close, and the help is the fallback text as before', () => {
    const { diagnostics } = check(PROGRAM.replace('models gpt-4.1-mni', 'models zzzzzzzz'));
    const d = find(diagnostics, 'unknown model `zzzzzzzz`');
    expect(d.suggestions).toBeUndefined();
    expect(d.help).toBe('declared models: `gpt-4.1-mini`');
  });

  it('keeps the hint text exactly didYouMean\'s, and rendering the same with or without suggestions', () => {
    for (const [input, candidates] of [['hihg', ['high', 'low', 'hi']], ['a', ['b']], ['model', ['modle', 'models', 'mode']]] as const) {
      expect(didYouMeanWith(input, candidates)?.hint).toBe(didYouMean(input, candidates));
    }
    const d = find(check(PROGRAM).diagnostics, 'unknown model');
    const { suggestions, ...without } = d;
    expect(suggestions).toBeDefined();
    expect(JSON.stringify(toJson(d))).toBe(JSON.stringify(toJson(without)));
    expect(renderHuman(d, {})).toBe(renderHuman(without, {}));
  });
});

describe('the reference collector', () => {
  it('is off unless asked for', () => {
    expect(check(PROGRAM).references).toBeUndefined();
    expect(check(PROGRAM, false).references).toBeUndefined();
  });

  it('records each resolved name with its declaration: tiers, people, models, providers, data classes', () => {
    const fixed = PROGRAM.replace('tier loww', 'tier low').replace('gpt-4.1-mni', 'gpt-4.1-mini');
    const refs = check(fixed, true).references!;
    const seen = new Set(refs.map((r) => `${spanText(r.name.span)}@${r.name.span.start}->${r.decl.kind}:${r.decl.name.text}`));
    const at = (needle: string, kind: string, name: string): string => `${needle}@${fixed.indexOf(needle, fixed.indexOf('use_case'))}->${kind}:${name}`;
    expect(seen).toContain(at('low', 'Tier', 'low'));
    expect(seen).toContain(at('dana', 'Person', 'dana'));
    expect(seen).toContain(at('gpt-4.1-mini', 'Model', 'gpt-4.1-mini'));
    expect(seen).toContain(at('pii', 'DataClass', 'pii'));
    expect(seen).toContain(at('openai', 'Provider', 'openai'));
    // The model's own `provider openai` too.
    expect(seen).toContain(`openai@${fixed.indexOf('provider openai\n') + 'provider '.length}->Provider:openai`);
    // A name that does not resolve is not a reference.
    expect(check(PROGRAM, true).references!.some((r) => spanText(r.name.span) === 'gpt-4.1-mni')).toBe(false);
  });
});

describe('hover approval lines (lsp/hover.ts)', () => {
  const base = PROGRAM.replace('tier loww', 'tier low').replace('gpt-4.1-mni', 'gpt-4.1-mini').replace('  retian 30 days\n', '');
  it('says missing when a use case has fewer approvals than its tier requires', () => {
    const text = base.replace('tier low { approvers 1 }', 'tier low { approvers 2 }');
    expect(approvalLines(check(text).model, 'UseCase', 'faq_bot', '2026-12-02')[0]).toBe('**Approval: missing** on 2026-12-02 (1 of 2 required approvers valid)');
    const none = text.replace(/ {2}approved_by dana[^\n]*\n/, '');
    expect(approvalLines(check(none).model, 'UseCase', 'faq_bot', '2026-12-02')).toEqual(['**Approval: missing** on 2026-12-02: 2 approvers required, none given']);
  });
  it('says expired, with the date, once the last approval lapsed', () => {
    expect(approvalLines(check(base).model, 'UseCase', 'faq_bot', '2027-07-01')).toEqual([
      '**Approval: expired** on 2027-07-01 (0 of 1 required approvers valid)',
      '- `dana@acme.example`: expired on 2027-06-15 (2026-06-15 → 2027-06-15, ticket GOV-130)',
    ]);
  });
  it('gives nothing for what carries no approvals, and "none required" for a model without any', () => {
    expect(approvalLines(check(base).model, 'Person', 'dana', '2026-12-02')).toEqual([]);
    expect(approvalLines(check(base).model, 'Model', 'gpt-4.1-mini', '2026-12-02')).toEqual(['Approval: none given (none required) on 2026-12-02']);
  });
});

describe('completion context (lsp/complete.ts)', () => {
  const names = [
    { kind: 'Model' as const, name: 'gpt-4.1' },
    { kind: 'Prompt' as const, name: 'greeting' },
    { kind: 'Provider' as const, name: 'openai' },
    { kind: 'Person' as const, name: 'dana' },
    { kind: 'Team' as const, name: 'ops' },
  ];
  const at = (text: string): string[] => completionsAt(text, text.length, names).map((c) => c.label);
  it('offers the kind each field takes, through lists', () => {
    expect(at('use_case x {\n  rollback prompt ')).toEqual(['greeting']);
    expect(at('use_case x {\n  on budget_exhausted degrade to ')).toEqual(['gpt-4.1']);
    expect(at('use_case x {\n  data pii -> openai, ')).toEqual(['gpt-4.1', 'openai']);
    expect(at('use_case x {\n  log_access "a@b.example", ')).toEqual(['dana', 'ops']);
    expect(at('use_case x {\n  approved_by ')).toEqual(['dana']);
  });
  it('offers fields at the start of a line in a block, declarations at the top level, nothing for a new name', () => {
    expect(at('tier t {\n  appr')).toEqual(['approvers']);
    expect(at('org a {}\nmod')).toEqual(['model']);
    expect(at('model ')).toEqual([]);
  });
  it('ignores braces in strings and comments', () => {
    expect(at('use_case x {\n  title "}"\n  # }\n  owner ')).toEqual(['dana', 'ops']);
  });
});
