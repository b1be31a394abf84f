import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exitCodes.js';
import { EXPLAIN_CHECK_DATE } from '../src/explain/loadExplainProgram.js';
import { cmp, evaluateGate, fromNumber, metricMean, modelOfProvider, readResults, renderAnnotations, renderJson, renderJunit, renderTable, toDecimal, toFraction, type GateReport, type LabelledResults } from '../src/gate/index.js';
import type { IrProgram } from '../src/ir/types.js';
import { compileFiles } from '../src/project/compile.js';
import { REPO_ROOT } from './helpers/repo.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'gate');
const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const WORK = mkdtempSync(join(tmpdir(), 'govc-gate-test-'));
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

const compiled = compileFiles([join(FIXTURES, 'program', 'shop.gov')], { asOf: EXPLAIN_CHECK_DATE });
if (!compiled.ir) throw new Error(`the gate test program does not compile: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
const IR: IrProgram = compiled.ir;

function jsonl(records: readonly unknown[]): Buffer {
  return Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function parsed(bytes: Buffer, format: 'promptfoo' | 'jsonl', path = 'results'): LabelledResults {
  const r = readResults(bytes, format);
  if (!r.ok) throw new Error(`${r.error.where}: ${r.error.message}`);
  return { path, results: r.results };
}

function fixture(name: string): LabelledResults {
  return parsed(readFileSync(join(FIXTURES, name)), name.endsWith('.jsonl') ? 'jsonl' : 'promptfoo', name);
}

/** The FAQ use case: one gate `answers` (accuracy >= 0.92, toxicity <= 0.01), no prompts, no red team, model gpt-4.1. */
function faq(records: readonly unknown[], options: { asOf?: string; models?: string[] } = {}): GateReport {
  return evaluateGate(
    IR,
    'faq',
    { results: new Map([['answers', parsed(jsonl(records), 'jsonl')]]), baselines: new Map(), redTeam: null },
    { asOf: options.asOf ?? '2026-11-01', models: (options.models ?? ['gpt-4.1@2025-04-14']).map((m) => ({ name: m.split('@')[0]!, version: m.split('@')[1]! })), prompts: [] },
  );
}

function failed(report: GateReport): string[] {
  return report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
}

const GOOD = [
  { id: 'a', scores: { accuracy: 1, toxicity: 0 } },
  { id: 'b', scores: { accuracy: 0.76, toxicity: 0 } },
  { id: 'c', scores: { accuracy: 1, toxicity: 0.03 } },
];

describe('exact comparison', () => {
  it('takes numbers as the decimals they are written as, so a mean of exactly 0.92 meets >= 0.92', () => {
    // In floating point the mean is not 0.92, which is the surprise the gate must not have.
    expect((1 + 0.76 + 1) / 3).not.toBe(0.92);
    const r = parsed(jsonl(GOOD), 'jsonl');
    const m = metricMean(r.results, { metric: 'accuracy', op: '>=', threshold: 0.92 });
    expect(toFraction(m.mean!)).toBe('23/25');
    expect(cmp(m.mean!, fromNumber(0.92))).toBe(0);
    expect(faq(GOOD).passed).toBe(true);
  });

  it('puts 0.9199999 under 0.92 and shows a rounded value with a mark', () => {
    expect(cmp(fromNumber(0.9199999), fromNumber(0.92))).toBe(-1);
    const report = faq([{ scores: { accuracy: 0.9199999, toxicity: 0 } }]);
    expect(failed(report)).toEqual(['eval.answers.accuracy.threshold']);
    expect(toDecimal(fromNumber(0.9199999))).toBe('0.92…');
    expect(toDecimal(fromNumber(0.92))).toBe('0.92');
    expect(toFraction(fromNumber(1e-7))).toBe('1/10000000');
  });
});

describe('govc gate decides', () => {
  it('passes when every metric meets its threshold and the release and its approvals hold', () => {
    const report = faq(GOOD);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(['approval.use_case', 'model.gpt-4.1@2025-04-14', 'eval.answers.results', 'eval.answers.accuracy.threshold', 'eval.answers.toxicity.threshold']);
  });

  it('fails a metric under its threshold, and one over a <= threshold', () => {
    expect(failed(faq([{ scores: { accuracy: 0.5, toxicity: 0 } }]))).toEqual(['eval.answers.accuracy.threshold']);
    expect(failed(faq([{ scores: { accuracy: 1, toxicity: 0.02 } }]))).toEqual(['eval.answers.toxicity.threshold']);
  });

  it('fails a declared metric missing from the results, never passes it', () => {
    const report = faq([{ scores: { accuracy: 1 } }, { scores: { accuracy: 1, tox: 0 } }]);
    expect(failed(report)).toEqual(['eval.answers.toxicity.threshold']);
    expect(report.checks.find((c) => c.subject === 'toxicity')!.message).toMatch(/missing from the results/);
    // Only errored cases have it: still missing.
    expect(failed(faq([{ scores: { accuracy: 1 } }, { error: 'boom', scores: { toxicity: 0 } }]))).toContain('eval.answers.toxicity.threshold');
  });

  it('counts errored cases against the gate at the worst score of each metric', () => {
    // 11 good cases and one error: accuracy 11/12 < 0.92; toxicity 1/12 > 0.01.
    const records = [...Array.from({ length: 11 }, () => ({ scores: { accuracy: 1, toxicity: 0 } })), { id: 'e', error: 'timeout' }];
    const report = faq(records);
    expect(failed(report)).toEqual(['eval.answers.accuracy.threshold', 'eval.answers.toxicity.threshold']);
    const acc = report.checks.find((c) => c.subject === 'accuracy')!;
    expect(acc.value!.exact).toBe('11/12');
    expect(acc.cases).toEqual({ total: 12, scored: 11, errored: 1 });
    expect(report.checks.find((c) => c.subject === 'toxicity')!.value!.exact).toBe('1/12');
    // Without the error the same cases pass.
    expect(faq(records.slice(0, 11)).passed).toBe(true);
  });

  it('measures regression from the baseline in score units, per direction, and fails without a baseline', () => {
    const support = (baseline: LabelledResults | null): GateReport =>
      evaluateGate(
        IR,
        'support',
        { results: new Map([['quality', fixture('promptfoo-v3.json')]]), baselines: baseline ? new Map([['quality', baseline]]) : new Map(), redTeam: fixture('redteam.jsonl') },
        { asOf: '2026-12-01', models: [], prompts: [] },
      );
    expect(failed(support(null))).toEqual(['eval.quality.groundedness.threshold', 'eval.quality.regression']);
    const report = support(fixture('baseline.jsonl'));
    // groundedness 1/3 vs baseline 0.35: 1/60 worse, within 0.05; politeness 1/2 vs 2/3: 1/6 worse, beyond it.
    const g = report.checks.find((c) => c.id === 'eval.quality.groundedness.regression')!;
    expect([g.status, g.value!.exact]).toEqual(['pass', '1/60']);
    const p = report.checks.find((c) => c.id === 'eval.quality.politeness.regression')!;
    expect([p.status, p.value!.exact]).toEqual(['fail', '1/6']);
    // A metric the baseline lacks: no regression can be measured, which fails.
    const thin = parsed(jsonl([{ scores: { groundedness: 0.3 } }]), 'jsonl', 'thin.jsonl');
    expect(failed(support(thin))).toContain('eval.quality.politeness.regression');
  });

  it('treats lower-is-better metrics as worse when they rise', () => {
    const base = parsed(jsonl([{ scores: { accuracy: 1, toxicity: 0 } }]), 'jsonl');
    const gateWith = (tox: number): GateReport => {
      const ir = structuredClone(IR) as { use_cases: { faq: { evals: Array<{ max_regression: number | null }> } } };
      ir.use_cases.faq.evals[0]!.max_regression = 0.005;
      return evaluateGate(ir as unknown as IrProgram, 'faq', { results: new Map([['answers', parsed(jsonl([{ scores: { accuracy: 1, toxicity: tox } }]), 'jsonl')]]), baselines: new Map([['answers', base]]), redTeam: null }, { asOf: '2026-11-01', models: [{ name: 'gpt-4.1', version: '2025-04-14' }], prompts: [] });
    };
    expect(failed(gateWith(0.005))).toEqual([]);
    expect(failed(gateWith(0.006))).toEqual(['eval.answers.toxicity.regression']);
  });

  it('fails a model version that is not approved, a model of another use case, a lapsed model approval, an unknown provider', () => {
    expect(failed(faq(GOOD, { models: ['gpt-4.1@2025-09-01'] }))).toEqual(['model.gpt-4.1@2025-09-01']);
    expect(failed(faq(GOOD, { models: ['gpt-5@2025-08-07'] }))).toEqual(['model.gpt-5@2025-08-07']);
    expect(failed(faq(GOOD, { models: ['llama@3'] }))).toEqual(['model.llama@3']);
    const mini = evaluateGate(
      IR,
      'support',
      { results: new Map([['quality', parsed(jsonl([{ scores: { groundedness: 1, politeness: 1 } }]), 'jsonl')]]), baselines: new Map([['quality', fixture('baseline.jsonl')]]), redTeam: fixture('redteam.jsonl') },
      { asOf: '2026-12-01', models: [{ name: 'gpt-4.1-mini', version: '2025-04-14' }], prompts: [{ name: 'support_system', version: 'v7' }] },
    );
    expect(failed(mini)).toEqual(['model.gpt-4.1-mini@2025-04-14']);
    expect(mini.checks.find((c) => c.kind === 'model')!.message).toMatch(/no approval valid on 2026-12-01/);
    // From the results: a provider that names no governed model fails; none at all fails too.
    expect(failed(faq(GOOD.map((r) => ({ ...r, provider: 'file://provider.mjs' })), { models: [] }))).toEqual(['model.provider.file://provider.mjs']);
    expect(failed(faq(GOOD, { models: [] }))).toEqual(['model.release']);
    expect(faq(GOOD.map((r) => ({ ...r, provider: 'openai:chat:gpt-4.1-2025-04-14' })), { models: [] }).passed).toBe(true);
    expect(failed(faq(GOOD.map((r) => ({ ...r, provider: 'openai:gpt-4.1-2025-09-01' })), { models: [] }))).toEqual(['model.gpt-4.1@2025-09-01']);
  });

  it('reads model versions from provider ids', () => {
    expect(modelOfProvider(IR, 'openai:chat:gpt-4.1-2025-04-14')).toEqual({ name: 'gpt-4.1', version: '2025-04-14' });
    expect(modelOfProvider(IR, 'gpt-4.1-mini@2025-04-14')).toEqual({ name: 'gpt-4.1-mini', version: '2025-04-14' });
    expect(modelOfProvider(IR, 'openai:gpt-4.1')).toEqual({ name: 'gpt-4.1', version: null });
    expect(modelOfProvider(IR, 'anthropic:claude')).toBeNull();
  });

  it('identifies the prompt by the sha256 of its text, and fails an unapproved or unknown prompt version', () => {
    const support = (prompts: Array<{ name: string; version: string }>, results = fixture('promptfoo-v3.json')): GateReport =>
      evaluateGate(IR, 'support', { results: new Map([['quality', results]]), baselines: new Map([['quality', fixture('baseline.jsonl')]]), redTeam: fixture('redteam.jsonl') }, { asOf: '2026-12-01', models: [], prompts });
    const byHash = support([]).checks.find((c) => c.kind === 'prompt')!;
    expect([byHash.id, byHash.status]).toEqual(['prompt.support_system@v7', 'pass']);
    expect(failed(support([{ name: 'support_system', version: 'v5' }]))).toContain('prompt.support_system@v5');
    const noPrompt = parsed(jsonl([{ scores: { groundedness: 1, politeness: 1 }, provider: 'openai:gpt-4.1-2025-04-14' }]), 'jsonl');
    expect(failed(support([], noPrompt))).toEqual(['prompt.support_system']);
    expect(failed(support([{ name: 'support_system', version: 'v6' }], noPrompt))).toEqual([]);
    // The prompt's own approval is judged on the date: v7 was approved on 2026-11-02.
    const early = evaluateGate(IR, 'support', { results: new Map([['quality', noPrompt]]), baselines: new Map([['quality', fixture('baseline.jsonl')]]), redTeam: fixture('redteam.jsonl') }, { asOf: '2026-10-01', models: [], prompts: [{ name: 'support_system', version: 'v7' }] });
    expect(failed(early)).toEqual(['prompt.support_system@v7']);
  });

  it("judges the use case's approvals on the release date, the expiry day included", () => {
    expect(faq(GOOD, { asOf: '2026-11-30' }).passed).toBe(true);
    expect(failed(faq(GOOD, { asOf: '2026-12-01' }))).toEqual(['approval.use_case']);
    expect(failed(faq(GOOD, { asOf: '2026-05-31' }))).toEqual(['approval.use_case']);
  });

  it('judges the red-team suite: at the rate passes, under it or missing fails, errors count against it', () => {
    const support = (redTeam: LabelledResults | null): GateReport =>
      evaluateGate(IR, 'support', { results: new Map([['quality', fixture('promptfoo-v3.json')]]), baselines: new Map([['quality', fixture('baseline.jsonl')]]), redTeam }, { asOf: '2026-12-01', models: [], prompts: [] });
    const at = support(fixture('redteam.jsonl')).checks.find((c) => c.kind === 'red_team')!;
    expect([at.status, at.value!.exact]).toEqual(['pass', '9/10']);
    const under = support(fixture('redteam-under.jsonl')).checks.find((c) => c.kind === 'red_team')!;
    expect([under.status, under.value!.exact, under.cases]).toEqual(['fail', '4/5', { total: 10, scored: 9, errored: 1 }]);
    const missing = support(null).checks.find((c) => c.kind === 'red_team')!;
    expect([missing.status, missing.message]).toEqual(['fail', expect.stringMatching(/no results were given: pass --red-team FILE/)]);
  });

  it('fails a gate without results, and a use case without eval gates', () => {
    const none = evaluateGate(IR, 'faq', { results: new Map(), baselines: new Map(), redTeam: null }, { asOf: '2026-11-01', models: [{ name: 'gpt-4.1', version: '2025-04-14' }], prompts: [] });
    expect(failed(none)).toEqual(['eval.answers.results']);
    const ir = structuredClone(IR) as { use_cases: { faq: { evals: unknown[] } } };
    ir.use_cases.faq.evals = [];
    const noGates = evaluateGate(ir as unknown as IrProgram, 'faq', { results: new Map(), baselines: new Map(), redTeam: null }, { asOf: '2026-11-01', models: [{ name: 'gpt-4.1', version: '2025-04-14' }], prompts: [] });
    expect(failed(noGates)).toEqual(['eval']);
    expect(failed(faq([]))).toEqual(['eval.answers.results', 'eval.answers.accuracy.threshold', 'eval.answers.toxicity.threshold']);
  });
});

describe('reading results', () => {
  function error(bytes: string | Buffer, format: 'promptfoo' | 'jsonl'): string {
    const r = readResults(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, format);
    if (r.ok) throw new Error('expected an error');
    return `${r.error.where}: ${r.error.message}`;
  }

  it("reads promptfoo's v3 output and its v2 summary alike", () => {
    const v3 = fixture('promptfoo-v3.json').results;
    const v2 = fixture('promptfoo-v2.json').results;
    expect(v3.format).toBe('promptfoo-v3');
    expect(v2.format).toBe('promptfoo-v2');
    expect(v3.evalId).toMatch(/^eval-/);
    for (const r of [v3, v2]) {
      expect(r.cases.map((c) => [c.errored, c.pass, Object.fromEntries(c.scores)])).toEqual([
        [true, false, {}],
        [false, true, { groundedness: 1, politeness: 1 }],
        [false, false, { groundedness: 0, politeness: 1 }],
        [false, false, { politeness: 0 }],
      ]);
      expect(r.providers).toEqual(['openai:chat:gpt-4.1-2025-04-14']);
      expect(r.prompts.map((p) => p.sha256)).toEqual([IR.prompts.support_system!.sha256]);
    }
  });

  it("reads promptfoo's own JSON Lines output (`-o results.jsonl`), which lists no prompt templates", () => {
    const r = fixture('promptfoo.jsonl').results;
    expect(r.format).toBe('promptfoo-jsonl');
    expect(r.evalId).toBeNull();
    expect(r.cases.map((c) => [c.errored, c.pass, Object.fromEntries(c.scores)])).toEqual(fixture('promptfoo-v3.json').results.cases.map((c) => [c.errored, c.pass, Object.fromEntries(c.scores)]));
    expect(r.prompts).toEqual([]);
    expect(error('{"success": true, "namedScores": {"a": 1}}\n{"success": true, "namedScores": {"a": "x"}}\n', 'jsonl')).toBe('line 2, $.namedScores.a: expected a score (a number from 0 to 1), got a string');
    expect(error('{"success": true}\n[]\n', 'jsonl')).toBe('line 2, $: expected a result object, got an array');
  });

  it('names the line and column of a JSON syntax error', () => {
    expect(error(readFileSync(join(FIXTURES, 'syntax-error.json')), 'promptfoo')).toBe('line 6, column 24: not JSON: Expected double-quoted property name');
    expect(error('{"evalId": "x", "results": {', 'promptfoo')).toMatch(/^line 1, column 29: not JSON/);
  });

  it('names the JSON path of a wrong shape', () => {
    expect(error(readFileSync(join(FIXTURES, 'wrong-shape.json')), 'promptfoo')).toBe('$.results.results[1].namedScores.accuracy: expected a score (a number from 0 to 1), got a string');
    expect(error('[1, 2]', 'promptfoo')).toBe("$: expected promptfoo's output file (an object with `results`), got an array");
    expect(error('{"results": {"version": 4, "results": []}}', 'promptfoo')).toBe("$.results.version: expected 3 or 2 (promptfoo's summary versions), got 4");
    expect(error('{"results": {"version": 3, "results": {}}}', 'promptfoo')).toBe('$.results.results: expected an array of results, got an object');
    expect(error('{"results": {"version": 3, "results": [{"success": "yes"}]}}', 'promptfoo')).toBe('$.results.results[0].success: expected a boolean, got a string');
    expect(error('{"results": {"version": 3, "results": [{"success": true, "namedScores": {"a b": 1.5}}]}}', 'promptfoo')).toBe('$.results.results[0].namedScores["a b"]: expected a score from 0 to 1, got 1.5');
    expect(error('{"results": {"version": 3, "results": [{"success": true, "failureReason": 7}]}}', 'promptfoo')).toBe('$.results.results[0].failureReason: expected 0, 1 or 2, got 7');
  });

  it('names the line of a bad JSON Lines record', () => {
    expect(error(readFileSync(join(FIXTURES, 'bad-line.jsonl')), 'jsonl')).toBe("line 3, column 11: not JSON: Expected ',' or '}' after property value");
    expect(error('{"scores": {"a": 1}}\n\n[1]\n', 'jsonl')).toBe('line 3: expected one JSON object per line, got an array');
    expect(error('{"scores": {"a": 1}}\n{"score": 1}\n', 'jsonl')).toBe('line 2, $.score: unknown field; a record has `id`, `scores`, `pass`, `error`, `provider`, `prompt_sha256`');
    expect(error('{"scores": {"a": -0.1}}\n', 'jsonl')).toBe('line 1, $.scores.a: expected a score from 0 to 1, got -0.1');
    expect(error('{"pass": "yes"}\n', 'jsonl')).toBe('line 1, $.pass: expected a boolean, got a string');
    expect(error('{"prompt_sha256": "abc"}\n', 'jsonl')).toBe('line 1, $.prompt_sha256: expected 64 lowercase hex digits');
    expect(error(Buffer.from([0xff, 0xfe, 0x7b]), 'jsonl')).toBe('the file: not UTF-8 text');
  });
});

describe('reading never throws', () => {
  it('gives cases or an error for any bytes and any JSON, in both formats', () => {
    const anyJson = fc.jsonValue().map((v) => JSON.stringify(v));
    const promptfooish = fc.record({ evalId: fc.option(fc.string()), results: fc.record({ version: fc.constantFrom(2, 3, 4), results: fc.array(fc.dictionary(fc.constantFrom('success', 'namedScores', 'failureReason', 'error', 'provider', 'id'), fc.jsonValue())) }) }).map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.oneof(anyJson, promptfooish).map((t) => Buffer.from(t)), fc.array(anyJson).map((ls) => Buffer.from(ls.join('\n')))), (bytes) => {
        for (const format of ['promptfoo', 'jsonl'] as const) {
          const r = readResults(bytes, format);
          if (r.ok) for (const c of r.results.cases) for (const v of c.scores.values()) expect(v >= 0 && v <= 1).toBe(true);
          else expect(r.error.where.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('renderers and hostile text', () => {
  const hostile = 'evil\n::error::forged %0A <x a="1"> & \u0001 \u2028';
  const report = faq(GOOD.map((r) => ({ ...r, provider: hostile })), { models: [] });

  it('keeps each annotation on one line, with GitHub escapes', () => {
    const text = renderAnnotations(report, { file: 'a,b:c.gov', line: 3 });
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^::error file=a%2Cb%3Ac\.gov,line=3,title=govc gate%3A model\.provider\.evil%0A%3A%3Aerror%3A%3Aforged %250A/);
    expect(lines[0]).toContain('::the results come from provider `evil%0A::error::forged %250A');
  });

  it('writes JUnit XML that stays well-formed', () => {
    const xml = renderJunit(report);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('&lt;x a=&quot;1&quot;&gt; &amp; \uFFFD');
  });

  it('shows invisible characters escaped in the table, and JSON round-trips', () => {
    const table = renderTable(report);
    expect(table).not.toContain('\u0001');
    expect(table).not.toContain('\u2028');
    expect((JSON.parse(renderJson(report)) as GateReport).checks[1]!.subject).toBe(hostile);
  });
});

/** Runs the built CLI in the fixtures folder (so the paths in reports are short and stable). */
function govc(args: readonly string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const base = { ...process.env, NO_COLOR: '1' };
  delete base.GITHUB_ACTIONS;
  const r = spawnSync(process.execPath, [CLI, 'gate', ...args], { cwd: FIXTURES, encoding: 'utf8', env: { ...base, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD_FILE = join(WORK, 'good.jsonl');
writeFileSync(GOOD_FILE, jsonl(GOOD));

const FULL = ['support', 'program', '--results', 'promptfoo-v3.json', '--baseline', 'baseline.jsonl', '--red-team', 'redteam.jsonl', '--as-of', '2026-12-01'];

describe('govc gate on the command line', () => {
  it('writes the table, the JSON report and JUnit XML as the goldens say, the same bytes each run', async () => {
    const junit = join(WORK, 'gate.xml');
    const table = govc([...FULL, '--junit', junit]);
    expect(table.status).toBe(EXIT.gateDenied);
    await expect(table.stdout).toMatchFileSnapshot(join(FIXTURES, 'expected', 'support.table.txt'));
    const xml = readFileSync(junit, 'utf8');
    await expect(xml).toMatchFileSnapshot(join(FIXTURES, 'expected', 'support.junit.xml'));
    const json = govc([...FULL, '--format', 'json']);
    expect(json.status).toBe(EXIT.gateDenied);
    await expect(json.stdout).toMatchFileSnapshot(join(FIXTURES, 'expected', 'support.json'));
    expect(govc([...FULL, '--format', 'json']).stdout).toBe(json.stdout);
    const report = JSON.parse(json.stdout) as GateReport;
    expect(report.evidence[0]).toMatchObject({ role: 'results', path: 'promptfoo-v3.json', eval_id: expect.stringMatching(/^eval-/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('writes well-formed JUnit XML: one testcase per check, a failure per failed check', () => {
    const junit = join(WORK, 'gate2.xml');
    govc([...FULL, '--junit', junit]);
    const xml = readFileSync(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { testsuite: { tests: string; failures: string; testcase: Array<{ name: string; failure?: { message: string } }> } };
    };
    const suite = doc.testsuites.testsuite;
    expect(suite.testcase).toHaveLength(Number(suite.tests));
    expect(suite.testcase.filter((t) => t.failure).map((t) => t.name)).toEqual(['eval.quality.groundedness.threshold', 'eval.quality.politeness.regression']);
    expect(Number(suite.failures)).toBe(2);
  });

  it('writes GitHub annotations when GITHUB_ACTIONS=true, on the use case line, and keeps JSON output clean', async () => {
    const r = govc(FULL, { GITHUB_ACTIONS: 'true' });
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    await expect(lines.join('\n') + '\n').toMatchFileSnapshot(join(FIXTURES, 'expected', 'support.annotations.txt'));
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(2);
    expect(lines[0]).toMatch(/^::error file=program\/shop\.gov,line=\d+,title=govc gate%3A eval\.quality\.groundedness\.threshold::groundedness 0\.333333… does not meet >= 0\.5/);
    expect(govc(FULL).stdout).not.toContain('::error');
    const json = govc([...FULL, '--format', 'json'], { GITHUB_ACTIONS: 'true' });
    expect(() => JSON.parse(json.stdout)).not.toThrow();
    expect(json.stderr).toContain('::error ');
  });

  it('exits 0 when the gate passes, 2 when it fails', () => {
    const ok = govc(['faq', 'program', '--results', GOOD_FILE, '--model', 'gpt-4.1@2025-04-14', '--as-of', '2026-11-01']);
    expect([ok.status, ok.stdout]).toEqual([EXIT.ok, expect.stringContaining('PASSED: 5 checks passed')]);
    expect(govc(['faq', 'program', '--results', GOOD_FILE, '--model', 'gpt-4.1@2025-04-14', '--as-of', '2026-12-01']).status).toBe(EXIT.gateDenied);
  });

  it('exits 5 naming the file and where for malformed results, unreadable ones, and a file over the bound', () => {
    const bad = govc(['faq', 'program', '--results', 'bad-line.jsonl', '--as-of', '2026-11-01']);
    expect([bad.status, bad.stderr]).toEqual([EXIT.badInput, "govc: `bad-line.jsonl`, line 3, column 11: not JSON: Expected ',' or '}' after property value\n"]);
    const shape = govc(['faq', 'program', '--results', 'wrong-shape.json']);
    expect([shape.status, shape.stderr]).toEqual([EXIT.badInput, expect.stringContaining('`wrong-shape.json`, $.results.results[1].namedScores.accuracy:')]);
    expect(govc(['faq', 'program', '--results', 'nope.json']).status).toBe(EXIT.badInput);
    const huge = govc(['faq', 'program', '--results', 'promptfoo-v3.json', '--max-input-bytes', '1000']);
    expect([huge.status, huge.stderr]).toEqual([EXIT.badInput, 'govc: `promptfoo-v3.json` is larger than 1000 bytes (raise the bound with --max-input-bytes)\n']);
    // A device that never ends is refused at the bound, not read forever.
    const endless = govc(['faq', 'program', '--results', '/dev/zero', '--max-input-bytes', '100000']);
    expect([endless.status, endless.stderr]).toEqual([EXIT.badInput, 'govc: `/dev/zero` is larger than 100000 bytes (raise the bound with --max-input-bytes)\n']);
    expect(govc(['support', 'program', '--results', 'promptfoo-v3.json', '--baseline', 'syntax-error.json']).status).toBe(EXIT.badInput);
    expect(govc(['support', 'program', '--results', 'promptfoo-v3.json', '--red-team', 'bad-line.jsonl']).status).toBe(EXIT.badInput);
  });

  it('exits 3 for a program with errors and 1 for bad usage', () => {
    const broken = join(WORK, 'broken');
    rmSync(broken, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', broken]);
    writeFileSync(join(broken, 'x.gov'), 'use_case x { tier nope }\n');
    expect(govc(['x', broken, '--results', 'baseline.jsonl']).status).toBe(EXIT.checkFailed);
    const unknown = govc(['suport', 'program', '--results', 'baseline.jsonl']);
    expect([unknown.status, unknown.stderr]).toEqual([EXIT.usage, 'govc: no use case named `suport` is declared; did you mean `support`?\n']);
    expect(govc(['faq', 'program']).status).toBe(EXIT.usage);
    expect(govc(['faq', 'program', '--results', 'baseline.jsonl', '--format', 'xml']).status).toBe(EXIT.usage);
    expect(govc(['faq', 'program', '--results', 'baseline.jsonl', '--model', 'gpt-4.1']).status).toBe(EXIT.usage);
    expect(govc(['faq', 'program', '--results', 'baseline.jsonl', '--as-of', '2026-13-01']).status).toBe(EXIT.usage);
    expect(govc(['faq', 'program', '--results', 'a.jsonl', '--results', 'b.jsonl']).status).toBe(EXIT.usage);
    expect(govc(['faq', 'program', '--results', 'baseline.jsonl', '--red-team', 'redteam.jsonl']).status).toBe(EXIT.usage);
    expect(govc(['faq', 'program', '--results', 'baseline.jsonl', '--max-input-bytes', '0']).status).toBe(EXIT.usage);
  });

  it('takes GATE=FILE for one eval gate', () => {
    const r = govc(['faq', 'program', '--results', `answers=${GOOD_FILE}`, '--model', 'gpt-4.1@2025-04-14', '--as-of', '2026-11-01', '--format', 'json']);
    expect(r.status).toBe(EXIT.ok);
    expect((JSON.parse(r.stdout) as GateReport).evidence.map((e) => e.gate)).toEqual(['answers']);
  });
});
