import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardTables } from '../src/backends/ts-guards/guardTables.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { compileFiles } from '../src/project/compile.js';
import { compileProgram } from '../src/runtime/engine/compileProgram.js';
import { decideRequest } from '../src/runtime/engine/decideRequest.js';
import { CATALOGUE_DIR, diagnose } from './helpers/diagnostics.js';

/**
 * Retrieval corpora (issue 10, 1.8): what the checker says about a corpus and the use cases that retrieve it, how it
 * lowers, and step 5 of the decision (effective classes) in the reference and the guards engine. The corpus cases
 * in examples/*\/requests.json prove every target against the reference; these pin the edges.
 */

/** A clean program with a corpus: the GOV2093 catalogue input with its model made an embedding model. */
const BASE = readFileSync(join(CATALOGUE_DIR, 'GOV2093', 'chat-model-as-embeddings.gov'), 'utf8').replace('  kind chat\n', '  kind embedding\n');

function irOf(source: string): IrProgram {
  const dir = mkdtempSync(join(tmpdir(), 'govc-corpora-'));
  const file = join(dir, 'policy.gov');
  writeFileSync(file, source);
  const { ir, diagnostics } = compileFiles([file], { asOf: '2026-11-26', cwd: dir });
  if (!ir) throw new Error(`not compiled: ${diagnostics.map((d) => d.message).join('; ')}`);
  return ir;
}

describe('corpus: the checker', () => {
  it('the clean corpus program has no diagnostics', () => {
    expect(diagnose(BASE)).toEqual([]);
  });

  it('GOV2001: an unknown corpus in `retrieval` is underlined, with a did-you-mean', () => {
    expect(diagnose(BASE.replace('retrieval help_center', 'retrieval help_centre'), { only: ['GOV2001'] })).toEqual([
      {
        code: 'GOV2001',
        message: 'unknown corpus `help_centre` in use case `support_chat`',
        underline: 'help_centre',
        label: 'not declared by any `corpus` block',
        help: 'did you mean `help_center`?',
      },
    ]);
  });

  it('GOV2001: an unknown embedding model and an unknown data class of a corpus', () => {
    const src = BASE.replace('embeddings text-embedding-3-large', 'embeddings text-embedding-3-larg').replace('data_classes customer_content', 'data_classes customer_contnet');
    expect(diagnose(src, { only: ['GOV2001'] })).toMatchObject([
      { message: 'unknown data class `customer_contnet` in corpus `help_center`', help: 'did you mean `customer_content`?' },
      { message: 'unknown model `text-embedding-3-larg` in corpus `help_center`', help: 'did you mean `text-embedding-3-large`?' },
    ]);
  });

  it('GOV2080: the owner must be an e-mail address or a declared person or team', () => {
    expect(diagnose(BASE.replace('owner "support-content@acme.example"', 'owner "support content"'), { only: ['GOV2080'] })).toEqual([
      { code: 'GOV2080', message: '`support content` is not an e-mail address', underline: '"support content"', label: 'not an e-mail address', help: 'write an address such as `"dana@acme.example"`, or the name of a declared `person` or `team` (without quotes)' },
    ]);
  });

  it('GOV2003: a corpus listed twice in `retrieval`', () => {
    expect(diagnose(BASE.replace('retrieval help_center', 'retrieval help_center, help_center'), { only: ['GOV2003'] })).toMatchObject([
      { message: 'corpus `help_center` is listed twice in use case `support_chat`', underline: 'help_center' },
    ]);
  });

  it('GOV2070 and GOV2001: a corpus rollback returns to an approved version of a declared corpus', () => {
    const rollback = (line: string): string => BASE.replace('  retrieval help_center\n', `  retrieval help_center\n  ${line}\n`);
    expect(diagnose(rollback('rollback corpus help_center to "2026-11-01" within 1h owned_by "oncall@acme.example"'), { only: ['GOV2070', 'GOV2001'] })).toEqual([]);
    expect(diagnose(rollback('rollback corpus help_center to "2025-01-01" within 1h owned_by "oncall@acme.example"'), { only: ['GOV2070'] })).toMatchObject([
      { message: 'version `2025-01-01` of corpus `help_center` was never approved', underline: '"2025-01-01"' },
    ]);
    expect(diagnose(rollback('rollback corpus help_centre to "2026-11-01" within 1h owned_by "oncall@acme.example"'), { only: ['GOV2001'] })).toMatchObject([
      { underline: 'help_centre', help: 'did you mean `help_center`?' },
    ]);
  });

  it('GOV2007: a corpus no use case retrieves; its embedding model counts as used', () => {
    expect(diagnose(BASE.replace('  retrieval help_center\n', ''), { only: ['GOV2007'] })).toEqual([
      { code: 'GOV2007', message: 'corpus `help_center` is never used', underline: 'help_center', label: 'unused', help: 'remove it, or reference it from a use case' },
    ]);
  });

  it('GOV2097: a class denied by its default, with no rule, is denied too', () => {
    expect(diagnose(BASE.replace('data_classes customer_content', 'data_classes customer_content, payment_card'), { only: ['GOV2097'] })).toMatchObject([
      { message: 'use case `support_chat` retrieves corpus `help_center`, which holds data class `payment_card` it denies', underline: 'help_center' },
    ]);
  });

  it('a runtime the company operates needs no DPA to embed sensitive data (no GOV2095)', () => {
    const src = BASE.replace('  dpa signed 2025-02-11\n  trains_on_customer_data no\n}\n\nmodel gpt-4.1', '  dpa signed 2025-02-11\n  trains_on_customer_data no\n}\n\nmodel gpt-4.1')
      .replace(/provider embed_host \{\n  regions eu\n  dpa signed 2025-02-11\n/, 'provider embed_host {\n  hosting on_premises\n  regions eu\n  dpa none\n')
      .replace('data_classes customer_content', 'data_classes customer_content, pii')
      .replace('  retrieval help_center', '  data pii -> openai redacted\n  retrieval help_center');
    expect(src).toContain('hosting on_premises');
    expect(diagnose(src)).toEqual([]);
  });

  it('a corpus of public content holds no data class', () => {
    expect(diagnose(BASE.replace('  data_classes customer_content\n', ''))).toEqual([]);
  });
});

describe('corpus: lowering', () => {
  it('lowers the corpus and the use case`s retrieval into the IR', () => {
    const ir = irOf(BASE.replace('owner "support-content@acme.example"', 'owner "Support-Content@Acme.example"'));
    expect(ir.corpora.help_center).toMatchObject({
      name: 'help_center',
      owner: 'support-content@acme.example',
      data_classes: ['customer_content'],
      residency: ['eu'],
      embeddings: 'text-embedding-3-large',
      version: '2026-11-01',
      approved_versions: ['2026-11-01'],
    });
    expect(ir.use_cases.support_chat!.corpora).toEqual(['help_center']);
  });
});

describe('corpus: step 5 in the reference and the guards engine', () => {
  // pii: the use case allows it to openai only, redacted; gpt-4.1 (openai) is primary, llama (on premises) fallback.
  const src = BASE.replace('data_classes customer_content', 'data_classes customer_content, pii')
    .replace('  retrieval help_center', '  data pii -> model llama-3.3-70b redacted\n  retrieval help_center')
    .replace('  models gpt-4.1\n', '  models gpt-4.1 fallback llama-3.3-70b\n')
    .replace('\ncorpus help_center', `
provider llama_onprem {
  hosting on_premises
  regions eu
  dpa none
}

model llama-3.3-70b {
  provider llama_onprem
  version "3.3"
  regions eu
  price input 0.10 USD output 0.10 USD per 1M tokens
  status approved
  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-105 expires 2027-04-20
}

corpus help_center`);
  const ir = irOf(src);
  const engine = compileProgram(guardTables(ir));
  const base = { use_case: 'support_chat', tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' };
  const both = (input: unknown): ReturnType<typeof evaluate> => {
    const d = evaluate(ir, input);
    expect(JSON.stringify(decideRequest(engine, input))).toBe(JSON.stringify(d));
    return d;
  };

  it('a corpus holding pii redacts and moves to the model that may take it, though the request lists no class', () => {
    const d = both({ ...base, corpora: ['help_center'] });
    expect(d).toMatchObject({ decision: 'allow', model: 'llama-3.3-70b', obligations: { redact: [{ data_class: 'pii', detectors: ['email', 'phone', 'iban', 'ip_address', 'us_ssn'] }] } });
    expect(d.reasons.map((r) => r.code)).toEqual(['allowed', 'fallback_model']);
    expect(both(base)).toMatchObject({ decision: 'allow', model: 'gpt-4.1', obligations: { redact: [] } });
  });

  it('a request naming the model that may not take the corpus`s class is denied for that class', () => {
    const d = both({ ...base, model: 'gpt-4.1', corpora: ['help_center'] });
    expect(d.reasons.map((r) => [r.code, r.rule])).toEqual([['data_flow_not_permitted', 'use_case/support_chat/data/pii']]);
  });

  it('unknown, ungranted and out-of-region corpora, each once, sorted, with their rules and sources', () => {
    const d = both({ ...base, region: 'us', corpora: ['zz', 'help_center', 'zz', 'help_center'] });
    expect(d.reasons.map((r) => ({ code: r.code, rule: r.rule, message: r.message, source: r.source }))).toEqual(
      expect.arrayContaining([
        { code: 'corpus_region_not_permitted', rule: 'corpus/help_center/residency', message: 'corpus `help_center` may not be read from region `us`', source: ir.corpora.help_center!.source },
        { code: 'unknown_corpus', rule: 'request', message: 'corpus `zz` is not declared', source: null },
      ]),
    );
    expect(d.reasons.filter((r) => r.code === 'unknown_corpus')).toHaveLength(1);
  });

  it('`corpora` is validated after the v1 fields, with the contract`s message', () => {
    for (const corpora of ['help_center', [''], [1], null]) {
      const d = both({ ...base, corpora, tokens: { input: -1 } });
      expect(d.reasons[0]!.message).toBe('`tokens.input` must be an integer from 0 to 1000000000');
      expect(both({ ...base, corpora }).reasons).toEqual([{ code: 'malformed_request', rule: 'request', message: '`corpora` must be an array of non-empty strings', source: null }]);
    }
  });

  it('names are own keys: a corpus named like an Object.prototype member is unknown', () => {
    expect(both({ ...base, corpora: ['__proto__', 'constructor'] }).reasons.map((r) => r.code)).toEqual(['unknown_corpus', 'unknown_corpus']);
  });
});
