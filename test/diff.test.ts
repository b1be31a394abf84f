import { describe, expect, it } from 'vitest';
import { checkFiles } from '../src/check/check.js';
import { lower } from '../src/check/lower.js';
import { diffIr, type MeaningChange } from '../src/diff/diffIr.js';
import { decisionKey } from '../src/diff/findExample.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { parse } from '../src/syntax/parse.js';

const AS_OF = '2026-11-26';

/** A small program with most knobs a use case has, so each rule can be changed alone. */
const BASE = `
org shop { owners "gov@shop.example" budget 1000 USD per month }
provider openai { regions eu, us, apac dpa signed 2025-01-01 zero_retention yes trains_on_customer_data no }
provider local { regions eu, apac dpa signed 2025-01-01 zero_retention yes trains_on_customer_data no }
model big { provider openai version "v2" approved_versions "v1", "v2" regions eu
  price input 2.00 USD output 8.00 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-1 expires 2027-01-31 }
model small { provider openai version "v1" regions eu, us price input 0.40 USD output 1.60 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-2 expires 2027-12-31 }
model onprem { provider local version "v1" regions eu price input 0.10 USD output 0.10 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-3 expires 2027-12-31 }
data_class pii { sensitivity high default redact detect email }
data_class health { sensitivity critical default deny residency eu }
data_class notes { sensitivity low default allow }
data_class secret { sensitivity critical default deny }
tier std { approvers 2 }
tool refund { scopes "pay:read", "pay:refund" }
tool search { scopes "kb:read", "kb:write" }
use_case chat {
  title "Shop chat"
  tier std
  owner "team@shop.example"
  models big fallback onprem fallback small
  data pii -> openai, local redacted
  data health -> openai, local in eu
  data notes -> openai in eu
  data secret deny
  tool refund scope "pay:refund" requires human_approval
  tool search scope "kb:*"
  budget 100 USD per month, 10 USD per day per tenant
  rate 10 rpm, 2000 tpm per tenant
  on budget_exhausted degrade to small up to 150% then refuse "Budget spent."
  on rate_limited refuse "Slow down."
  log inputs redacted, outputs redacted, tool_calls full
  retain 90 days
  disclosure "You are talking to an AI."
  eval quality { dataset "evals/q.jsonl" groundedness >= 0.9 }
  approved_by "a@shop.example" on 2026-01-01 ticket G-1 expires 2027-06-30
  approved_by "b@shop.example" on 2026-01-01 ticket G-2 expires 2027-01-31
}
`;

export function compile(text: string, path = 'shop.gov'): IrProgram {
  const source = { path, text };
  const parsed = parse(source);
  const checked = checkFiles([parsed.file], { asOf: AS_OF });
  const errors = [...parsed.diagnostics, ...checked.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => `${e.code} ${e.message}`).join('\n'));
  return lower(checked.model, [source]);
}

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`test edit: \`${from}\` not in the program`);
  return text.replace(from, to);
}

const BASE_IR = compile(BASE);

/** Each rule: an edit of BASE, the address that must change and how, and whether a request must show it. */
const RULES: ReadonlyArray<{ name: string; from: string; to: string; address: string; classification: 'widened' | 'narrowed' | 'neutral'; example: boolean }> = [
  { name: 'a model removed from the use case', from: 'models big fallback onprem fallback small', to: 'models big fallback small', address: 'use_case.chat.models', classification: 'narrowed', example: true },
  { name: 'fallback order changed (incomparable)', from: 'models big fallback onprem fallback small', to: 'models onprem fallback big fallback small', address: 'use_case.chat.models', classification: 'widened', example: true },
  { name: 'a model region added', from: 'regions eu, us price input 0.40', to: 'regions eu, us, apac price input 0.40', address: 'use_case.chat.model.small.regions', classification: 'widened', example: true },
  { name: 'a model deprecated', from: 'per 1M tokens status approved\n  approved_by "ml@shop.example" on 2026-01-01 ticket M-1', to: 'per 1M tokens status deprecated\n  approved_by "ml@shop.example" on 2026-01-01 ticket M-1', address: 'use_case.chat.model.big.status', classification: 'narrowed', example: false },
  { name: 'a model approval extended', from: 'ticket M-1 expires 2027-01-31', to: 'ticket M-1 expires 2027-12-31', address: 'use_case.chat.model.big.approvals', classification: 'widened', example: true },
  { name: 'a model price raised', from: 'price input 2.00 USD output 8.00 USD', to: 'price input 20.00 USD output 80.00 USD', address: 'use_case.chat.model.big.price.input_nanos_per_token', classification: 'narrowed', example: true },
  { name: 'redaction dropped', from: 'data pii -> openai, local redacted', to: 'data pii -> openai, local', address: 'use_case.chat.data.pii.handling', classification: 'widened', example: true },
  { name: 'a data flow target removed', from: 'data pii -> openai, local redacted', to: 'data pii -> openai redacted', address: 'use_case.chat.data.pii.targets', classification: 'narrowed', example: true },
  { name: 'a denied class allowed', from: 'data secret deny', to: 'data secret -> openai', address: 'use_case.chat.data.secret.handling', classification: 'widened', example: true },
  { name: 'a flow region added', from: 'data notes -> openai in eu', to: 'data notes -> openai in eu, us', address: 'use_case.chat.data.notes.regions', classification: 'widened', example: true },
  { name: 'a class default tightened', from: 'data_class notes { sensitivity low default allow }', to: 'data_class notes { sensitivity low default deny }\ndata_class extra { sensitivity low default allow }', address: 'use_case.chat.data.extra', classification: 'widened', example: true },
  { name: 'a tool grant removed', from: '  tool search scope "kb:*"\n', to: '', address: 'use_case.chat.tool.search', classification: 'narrowed', example: true },
  { name: 'a tool scope added', from: 'tool refund scope "pay:refund"', to: 'tool refund scope "pay:refund", "pay:read"', address: 'use_case.chat.tool.refund.scopes', classification: 'widened', example: true },
  { name: 'a wildcard scope narrowed', from: 'tool search scope "kb:*"', to: 'tool search scope "kb:read"', address: 'use_case.chat.tool.search.scopes', classification: 'narrowed', example: true },
  { name: 'a human approval removed', from: 'scope "pay:refund" requires human_approval', to: 'scope "pay:refund"', address: 'use_case.chat.tool.refund.human_approval', classification: 'widened', example: true },
  { name: 'a budget raised', from: 'budget 100 USD per month', to: 'budget 200 USD per month', address: 'use_case.chat.budget.use_case.month.amount_micros', classification: 'widened', example: true },
  { name: 'a budget removed', from: 'budget 100 USD per month, 10 USD per day per tenant', to: 'budget 100 USD per month', address: 'use_case.chat.budget.tenant.day', classification: 'widened', example: true },
  { name: 'a rate raised', from: 'rate 10 rpm', to: 'rate 20 rpm', address: 'use_case.chat.rate.use_case.requests.per_minute', classification: 'widened', example: true },
  { name: 'a rate limit added', from: 'rate 10 rpm, 2000 tpm per tenant', to: 'rate 10 rpm, 2000 tpm per tenant, 5 rpm per tenant', address: 'use_case.chat.rate.tenant.requests', classification: 'narrowed', example: true },
  { name: 'a degrade removed', from: 'on budget_exhausted degrade to small up to 150% then refuse', to: 'on budget_exhausted refuse', address: 'use_case.chat.on_budget_exhausted.degrade_to', classification: 'narrowed', example: true },
  { name: 'a hard cap raised', from: 'up to 150%', to: 'up to 200%', address: 'use_case.chat.on_budget_exhausted.cap_percent', classification: 'widened', example: true },
  { name: 'retention reduced', from: 'retain 90 days', to: 'retain 60 days', address: 'use_case.chat.retention_days', classification: 'widened', example: true },
  { name: 'logging reduced', from: 'log inputs redacted', to: 'log inputs none', address: 'use_case.chat.log.inputs', classification: 'widened', example: true },
  { name: 'a disclosure removed', from: '  disclosure "You are talking to an AI."\n', to: '', address: 'use_case.chat.disclosure', classification: 'widened', example: true },
  { name: 'an eval threshold loosened', from: 'groundedness >= 0.9', to: 'groundedness >= 0.8', address: 'use_case.chat.eval.quality.metric.groundedness.threshold', classification: 'widened', example: false },
  { name: 'an eval removed', from: '  eval quality { dataset "evals/q.jsonl" groundedness >= 0.9 }\n', to: '', address: 'use_case.chat.eval.quality', classification: 'widened', example: false },
  { name: 'a use-case approval extended', from: 'ticket G-2 expires 2027-01-31', to: 'ticket G-2 expires 2027-06-30', address: 'use_case.chat.approvals', classification: 'widened', example: true },
  { name: 'fewer approvers required', from: 'tier std { approvers 2 }', to: 'tier std { approvers 1 }', address: 'use_case.chat.approvals', classification: 'widened', example: true },
  { name: 'the org requires a trace id', from: 'org shop { owners "gov@shop.example"', to: 'org shop { owners "gov@shop.example" require trace_id', address: 'org.require.trace_id', classification: 'narrowed', example: true },
  { name: 'an org budget raised', from: 'budget 1000 USD per month }', to: 'budget 2000 USD per month }', address: 'org.budget.use_case.month.amount_micros', classification: 'widened', example: false },
  { name: 'a use case added', from: 'use_case chat {', to: 'use_case faq { tier std owner "team@shop.example" models small approved_by "a@shop.example" on 2026-01-01 ticket G-3 expires 2027-06-30 approved_by "b@shop.example" on 2026-01-01 ticket G-3 expires 2027-06-30 }\nuse_case chat {', address: 'use_case.faq', classification: 'widened', example: true },
  { name: 'a title changed', from: 'title "Shop chat"', to: 'title "Shop assistant"', address: 'use_case.chat.title', classification: 'neutral', example: false },
  { name: 'the owner changed', from: 'owner "team@shop.example"\n  models', to: 'owner "support@shop.example"\n  models', address: 'use_case.chat.owner', classification: 'neutral', example: false },
  { name: 'a disclosure reworded', from: 'disclosure "You are talking to an AI."', to: 'disclosure "You are chatting with an AI assistant."', address: 'use_case.chat.disclosure', classification: 'neutral', example: false },
  { name: 'a model version changed (text only)', from: 'model big { provider openai version "v2"', to: 'model big { provider openai version "v1"', address: 'use_case.chat.model.big.version', classification: 'neutral', example: false },
];

function changeAt(changes: readonly MeaningChange[], address: string): MeaningChange | undefined {
  return changes.find((c) => c.address === address);
}

/** The example must be real: the reference decides it differently on the two programs, as the change says. */
function expectConfirmed(oldIr: IrProgram, newIr: IrProgram, c: MeaningChange): void {
  expect(c.example, `${c.address}: an example request`).not.toBeNull();
  expect(c.example_status).toBe('found');
  const before = evaluate(oldIr, c.example!.request);
  const after = evaluate(newIr, c.example!.request);
  expect(decisionKey(before)).not.toBe(decisionKey(after));
  expect(before).toEqual(c.example!.before);
  expect(after).toEqual(c.example!.after);
}

describe('govc diff: each classification rule on a minimal program pair', () => {
  for (const rule of RULES) {
    it(`${rule.name}: ${rule.classification}`, () => {
      const newIr = compile(edit(BASE, rule.from, rule.to));
      const d = diffIr(BASE_IR, newIr, { asOf: AS_OF });
      const c = changeAt(d.changes, rule.address);
      expect(c, `no change at ${rule.address}; got ${d.changes.map((x) => x.address).join(', ')}`).toBeDefined();
      expect(c!.classification).toBe(rule.classification);
      if (rule.example) expectConfirmed(BASE_IR, newIr, c!);
      else if (rule.classification !== 'neutral') expect(c!.example).toBeNull();
      // The overall result is the strongest change.
      expect(d.summary.result).toBe(d.changes.some((x) => x.classification === 'widened') ? 'widened' : d.changes.some((x) => x.classification === 'narrowed') ? 'narrowed' : 'neutral');

      // The same edit backwards is the opposite change (for a rule that is not an incomparable one).
      const back = diffIr(newIr, BASE_IR, { asOf: AS_OF });
      const r = changeAt(back.changes, rule.address);
      expect(r).toBeDefined();
      if (rule.name.includes('incomparable') || rule.name.includes('default tightened')) return;
      const opposite = rule.classification === 'widened' ? 'narrowed' : rule.classification === 'narrowed' ? 'widened' : 'neutral';
      expect(r!.classification).toBe(opposite);
      if (rule.example) expectConfirmed(newIr, BASE_IR, r!);
    });
  }

  it('prefers an example that flips the decision the way the change goes', () => {
    const newIr = compile(edit(BASE, 'regions eu, us price input 0.40', 'regions eu, us, apac price input 0.40'));
    const c = changeAt(diffIr(BASE_IR, newIr, { asOf: AS_OF }).changes, 'use_case.chat.model.small.regions')!;
    expect(c.example!.request.region).toBe('apac');
    expect(c.example!.before.decision).toBe('deny');
    expect(c.example!.after.decision).not.toBe('deny');
  });

  it('says so when no request shows a change (an eval gate is not decided per request)', () => {
    const newIr = compile(edit(BASE, 'groundedness >= 0.9', 'groundedness >= 0.95'));
    const d = diffIr(BASE_IR, newIr, { asOf: AS_OF });
    expect(d.changes.map((c) => [c.address, c.classification, c.example, c.example_status])).toEqual([['use_case.chat.eval.quality.metric.groundedness.threshold', 'narrowed', null, 'none_found']]);
  });

  it('without the search, says the example was not searched rather than not found', () => {
    const newIr = compile(edit(BASE, 'budget 100 USD per month', 'budget 200 USD per month'));
    const d = diffIr(BASE_IR, newIr, { asOf: AS_OF, examples: false });
    expect(d.changes.map((c) => [c.address, c.classification, c.example_status])).toEqual([['use_case.chat.budget.use_case.month.amount_micros', 'widened', 'not_searched']]);
  });

  it('counts a change it cannot rank as widened, and says so', () => {
    const newIr = compile(edit(BASE, 'model onprem { provider local', 'model onprem { provider openai'));
    const c = changeAt(diffIr(BASE_IR, newIr, { asOf: AS_OF }).changes, 'use_case.chat.model.onprem.provider')!;
    expect(c.classification).toBe('widened');
    expect(c.why).toMatch(/cannot tell whether this allows more/);
  });
});

/** BASE's declarations, one per entry, so they can be reordered and reformatted. */
function declarations(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '' && depth === 0) continue;
    current += line + '\n';
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth === 0) {
      out.push(current);
      current = '';
    }
  }
  return out;
}

describe('govc diff: formatting and order are no change', () => {
  it('reordered declarations, reindented, re-spaced and split into two files: no change', () => {
    const decls = declarations(BASE).reverse();
    const reformatted = decls.map((d) => d.replace(/\n {2}/g, '\n\t\t').replace(/ \{ /g, ' {\n ').replace(/, /g, ' ,  ') + '\n# a comment\n\n');
    const half = Math.floor(reformatted.length / 2);
    const a = { path: 'b.gov', text: reformatted.slice(0, half).join('') };
    const b = { path: 'a.gov', text: reformatted.slice(half).join('') };
    const parsed = [parse(a), parse(b)];
    const checked = checkFiles(parsed.map((p) => p.file), { asOf: AS_OF });
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ir = lower(checked.model, [a, b]);
    expect(ir.revision).not.toBe(BASE_IR.revision);
    const d = diffIr(BASE_IR, ir, { asOf: AS_OF });
    expect(d.changes).toEqual([]);
    expect(d.summary.result).toBe('no_change');
  });

  it('reordered members of unordered lists (data rules, tools, approvals, scopes): no change', () => {
    let text = edit(BASE, '  tool refund scope "pay:refund" requires human_approval\n  tool search scope "kb:*"\n', '  tool search scope "kb:*"\n  tool refund scope "pay:refund" requires human_approval\n');
    text = edit(text, '  data pii -> openai, local redacted\n  data health -> openai, local in eu\n', '  data health -> local, openai in eu\n  data pii -> local, openai redacted\n');
    text = edit(text, 'tool refund { scopes "pay:read", "pay:refund" }', 'tool refund { scopes "pay:refund", "pay:read" }');
    text = edit(
      text,
      '  approved_by "a@shop.example" on 2026-01-01 ticket G-1 expires 2027-06-30\n  approved_by "b@shop.example" on 2026-01-01 ticket G-2 expires 2027-01-31\n',
      '  approved_by "b@shop.example" on 2026-01-01 ticket G-2 expires 2027-01-31\n  approved_by "a@shop.example" on 2026-01-01 ticket G-1 expires 2027-06-30\n',
    );
    expect(diffIr(BASE_IR, compile(text), { asOf: AS_OF }).changes).toEqual([]);
  });

  it('a reordered list whose order decisions show (log_access, budgets) is neutral, not no change', () => {
    const d = diffIr(BASE_IR, compile(edit(BASE, 'budget 100 USD per month, 10 USD per day per tenant', 'budget 10 USD per day per tenant, 100 USD per month')), { asOf: AS_OF });
    expect(d.changes.map((c) => [c.address, c.classification])).toEqual([['use_case.chat.budgets.order', 'neutral']]);
    expect(d.summary.result).toBe('neutral');
  });
});
