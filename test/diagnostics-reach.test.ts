import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../src/diagnostics/codes.js';
import { compileFiles } from '../src/project/compile.js';
import { validateIr } from '../src/ir/validateIr.js';
import { diagnose, tempProgram } from './helpers/diagnostics.js';
import { AS_OF } from './helpers/repo.js';

/**
 * How a provider and a model are reached (issue 11, docs/language.md 4.2 and 4.3): a provider's `api`, a model's
 * `deployment` and `capacity`, lowered into IR version 4 with their defaults, and the diagnostics for their misuse.
 */

const PROGRAM = (provider: string, model: string, more = ''): string => `org acme {
  owners "governance@acme.example"
}

provider openai {
  regions eu
  dpa signed 2025-02-11
  trains_on_customer_data no
${provider}}

model gpt-4.1 {
  provider openai
  version "2025-04-14"
  regions eu
  price input 2.00 USD output 8.00 USD per 1M tokens
  status approved
${model}  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-101 expires 2027-04-20
}
${more}
use_case faq_bot {
  tier minimal
  owner "support-eng@acme.example"
  models gpt-4.1
  approved_by "cto@acme.example" on 2026-06-15 ticket GOV-130 expires 2027-06-15
}

tier minimal {
}
`;

/** A second model of `provider`, stating `deployment` when given. */
const secondModel = (name: string, provider: string, deployment?: string): string => `
model ${name} {
  provider ${provider}
  version "1"
  regions eu
  price input 1.00 USD output 2.00 USD per 1M tokens
  status approved
${deployment === undefined ? '' : `  deployment ${deployment}\n`}  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-102 expires 2027-04-20
}
`;

const OTHER_PROVIDER = `
provider azure {
  regions eu
  dpa signed 2025-02-11
  trains_on_customer_data no
  api azure_openai
}
`;

function compile(src: string) {
  const dir = tempProgram({ 'policy.gov': src });
  return compileFiles([join(dir, 'policy.gov')], { cwd: dir, asOf: AS_OF });
}

/** The errors of a program (warnings such as an unused second model left out). */
function errorsOf(src: string): [string, string, string | undefined][] {
  return diagnose(src)
    .filter((d) => DIAGNOSTIC_CODES[d.code as DiagnosticCode].severity === 'error')
    .map((d) => [d.code, d.message, d.underline]);
}

describe('provider `api`, model `deployment` and `capacity` (IR version 4)', () => {
  it('lower their defaults when unstated: openai_compatible, the model name, null capacities', () => {
    const r = compile(PROGRAM('', ''));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.ir!.ir_version).toBe(4);
    expect(r.ir!.providers['openai']!.api).toBe('openai_compatible');
    expect(r.ir!.models['gpt-4.1']).toMatchObject({ deployment: 'gpt-4.1', capacity: { rpm: null, tpm: null } });
  });

  it('lower what is stated, scaled like rate items, and the IR validates against the schema', () => {
    const r = compile(PROGRAM('  api openai\n', '  deployment "gpt-41-eu"\n  capacity 600 rpm, 1.5M tpm\n'));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.ir!.providers['openai']!.api).toBe('openai');
    expect(r.ir!.models['gpt-4.1']).toMatchObject({ deployment: 'gpt-41-eu', capacity: { rpm: 600, tpm: 1_500_000 } });
    expect(validateIr(r.ir!)).toEqual([]);
    // The schema holds readers to the same: an api outside the five, a deployment with a space, a zero capacity.
    const models = r.ir!.models;
    const bad = (patch: object) => validateIr({ ...r.ir!, ...patch });
    expect(bad({ providers: { openai: { ...r.ir!.providers['openai']!, api: 'vertex' } } })).not.toEqual([]);
    expect(bad({ models: { ...models, 'gpt-4.1': { ...models['gpt-4.1']!, deployment: 'gpt 41' } } })).not.toEqual([]);
    expect(bad({ models: { ...models, 'gpt-4.1': { ...models['gpt-4.1']!, capacity: { rpm: 0, tpm: null } } } })).not.toEqual([]);
    expect(bad({ models: { ...models, 'gpt-4.1': { ...models['gpt-4.1']!, capacity: { rpm: null } } } })).not.toEqual([]);
  });

  it('takes every api of the design, one capacity kind alone, `per minute` and string escapes', () => {
    for (const api of ['openai', 'azure_openai', 'anthropic', 'bedrock', 'openai_compatible']) {
      expect(compile(PROGRAM(`  api ${api}\n`, '')).ir!.providers['openai']!.api).toBe(api);
    }
    const r = compile(PROGRAM('', '  capacity 200k tpm per minute\n  deployment "anthropic.claude-3\\u{2D}haiku"\n'));
    expect(r.ir!.models['gpt-4.1']).toMatchObject({ deployment: 'anthropic.claude-3-haiku', capacity: { rpm: null, tpm: 200_000 } });
  });

  it('keeps the new words soft: a model may be named `deployment`, a provider `api`', () => {
    const src = PROGRAM('', '', secondModel('deployment', 'api', '"capacity"') + OTHER_PROVIDER.replace('provider azure', 'provider api'));
    const r = compile(src);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.ir!.models['deployment']).toMatchObject({ provider: 'api', deployment: 'capacity' });
    expect(r.ir!.providers['api']!.api).toBe('azure_openai');
  });

  it('GOV2014: an api that is not one of the five, with a did-you-mean', () => {
    expect(diagnose(PROGRAM('  api antropic\n', ''), { only: ['GOV2014'] })).toEqual([
      { code: 'GOV2014', message: '`antropic` is not a valid provider api', underline: 'antropic', help: 'did you mean `anthropic`?' },
    ]);
  });

  it('GOV2003: `api`, `deployment` or `capacity` given twice', () => {
    expect(errorsOf(PROGRAM('  api openai\n  api anthropic\n', ''))).toEqual([['GOV2003', '`api` is given twice in provider `openai`', 'api']]);
    expect(errorsOf(PROGRAM('', '  deployment "a"\n  deployment "b"\n'))).toEqual([['GOV2003', '`deployment` is given twice in model `gpt-4.1`', 'deployment']]);
    expect(errorsOf(PROGRAM('', '  capacity 10 rpm\n  capacity 20 tpm\n'))).toEqual([['GOV2003', '`capacity` is given twice in model `gpt-4.1`', 'capacity']]);
  });

  it('GOV2109: `per tenant` on a capacity item, underlining `tenant`', () => {
    expect(errorsOf(PROGRAM('', '  capacity 600 rpm, 200k tpm per tenant\n'))).toEqual([['GOV2109', "a model's capacity cannot be per tenant", 'tenant']]);
  });

  it('GOV2110: a capacity kind twice, whatever the spelling of the number', () => {
    expect(errorsOf(PROGRAM('', '  capacity 200k tpm, 600 rpm, 200_000 tpm\n'))).toEqual([['GOV2110', 'the capacity gives `tpm` twice', '200_000 tpm']]);
  });

  it('GOV2111: an empty or blank deployment, or one that is not printable ASCII without spaces', () => {
    expect(errorsOf(PROGRAM('', '  deployment ""\n'))).toEqual([['GOV2111', 'model `gpt-4.1` has an empty deployment', '""']]);
    expect(errorsOf(PROGRAM('', '  deployment "  "\n'))).toEqual([['GOV2111', 'model `gpt-4.1` has an empty deployment', '"  "']]);
    const bad = 'the deployment of model `gpt-4.1` holds a space, a control or a non-ASCII character';
    for (const text of ['gpt 41', 'gpt-41\\n', 'gpt-41\\u{7F}', 'gpt-41\\u{85}', 'gpt-4\\u{2011}1', 'gpt-41-é']) {
      expect(errorsOf(PROGRAM('', `  deployment "${text}"\n`)), text).toEqual([['GOV2111', bad, `"${text}"`]]);
    }
    // Every provider's real ids pass: Azure names, Bedrock ids and ARNs, Hugging Face names.
    for (const text of ['credit-letters', 'anthropic.claude-3-7-sonnet-20250219-v1:0', 'arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.x', 'BAAI/bge-m3']) {
      expect(compile(PROGRAM('', `  deployment "${text}"\n`)).ir!.models['gpt-4.1']!.deployment).toBe(text);
    }
  });

  it('GOV2112: two models of one provider on one deployment, stated or by name; other providers may share it', () => {
    const stated = PROGRAM('', '  deployment "shared"\n', secondModel('gpt-4.1-eu', 'openai', '"shared"'));
    expect(errorsOf(stated)).toEqual([['GOV2112', 'models `gpt-4.1` and `gpt-4.1-eu` of provider `openai` both name deployment `shared`', '"shared"']]);
    // The second model's stated deployment is the first one's name.
    const byName = PROGRAM('', '', secondModel('gpt-4.1-eu', 'openai', '"gpt-4.1"'));
    expect(errorsOf(byName).map((e) => e[0])).toEqual(['GOV2112']);
    // Reported once per extra model, on the later one, whichever order the blocks come in.
    const three = PROGRAM('', '  deployment "x"\n', secondModel('b', 'openai', '"x"') + secondModel('a', 'openai', '"x"'));
    expect(errorsOf(three).map((e) => e[1])).toEqual([
      'models `gpt-4.1` and `b` of provider `openai` both name deployment `x`',
      'models `gpt-4.1` and `a` of provider `openai` both name deployment `x`',
    ]);
    const otherProvider = PROGRAM('', '', OTHER_PROVIDER + secondModel('gpt-4.1-azure', 'azure', '"gpt-4.1"'));
    expect(errorsOf(otherProvider)).toEqual([]);
  });

  it('capacity items read like rate items: units, periods and range', () => {
    expect(errorsOf(PROGRAM('', '  capacity 600 USD\n')).map((e) => e[0])).toEqual(['GOV2010']);
    expect(errorsOf(PROGRAM('', '  capacity 600 rpm per month\n')).map((e) => e[0])).toEqual(['GOV2011']);
    expect(errorsOf(PROGRAM('', '  capacity 0 rpm\n'))).toEqual([['GOV2013', 'a capacity must be above 0 and at most 10^12', '0 rpm']]);
  });
});
