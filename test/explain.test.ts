import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stableJson } from '../src/codegen/json.js';
import { approvalsOf, approvalView, tierRequirements } from '../src/explain/approvalState.js';
import { programOf } from '../src/explain/ExplainProgram.js';
import { explainName, kindsOf } from '../src/explain/explainName.js';
import { explainRequest } from '../src/explain/explainRequest.js';
import { loadExplainProgram } from '../src/explain/loadExplainProgram.js';
import { renderName, renderRequest } from '../src/explain/renderExplain.js';
import { govFilesIn } from '../src/project/loadProgram.js';
import type { IrApproval, IrProgram } from '../src/ir/types.js';
import { loadCorpora } from './helpers/corpus.js';
import { AS_OF, exampleIr, exampleNames, REPO_ROOT } from './helpers/repo.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const GOLDEN = join(REPO_ROOT, 'test', 'fixtures', 'explain');
const tmp = mkdtempSync(join(tmpdir(), 'govc-explain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, 'explain', ...args], { encoding: 'utf8', timeout: 60_000, input, env: { ...process.env, GOVC_CACHE_DIR: join(tmp, 'cache'), GIT_CEILING_DIRECTORIES: tmpdir() } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const approval = (on: string | null, expires: string | null, approver = 'a@x.example'): IrApproval => ({ approver, on, expires, ticket: 'T-1', source: 'f.gov:1:1' });

describe('approvalState', () => {
  it('judges each approval against the as-of date, inclusive at both ends', () => {
    expect(approvalView(approval('2026-01-01', '2026-12-31'), '2026-06-01')).toMatchObject({ state: 'valid', days_left: 213 });
    expect(approvalView(approval('2026-01-01', '2026-12-31'), '2026-12-31')).toMatchObject({ state: 'expiring', days_left: 0 });
    expect(approvalView(approval('2026-01-01', '2026-12-31'), '2026-12-01')).toMatchObject({ state: 'expiring', days_left: 30 });
    expect(approvalView(approval('2026-01-01', '2026-12-31'), '2026-11-30')).toMatchObject({ state: 'valid', days_left: 31 });
    expect(approvalView(approval('2026-01-01', '2026-12-31'), '2027-01-01')).toMatchObject({ state: 'expired', days_left: -1 });
    expect(approvalView(approval('2026-01-01', '2026-12-31'), '2025-12-31')).toMatchObject({ state: 'not_yet_valid' });
    expect(approvalView(approval(null, null), '2026-06-01')).toMatchObject({ state: 'valid', days_left: null });
    expect(approvalView(approval('2026-01-01', '2026-12-31'), '2026-12-25', 3)).toMatchObject({ state: 'valid' });
  });

  it('counts distinct valid approvers against the tier, as step 3 does', () => {
    const ir = exampleIr('acme-support');
    const uc = ir.use_cases.support_assistant!;
    expect(approvalsOf(ir, 'use_case', 'support_assistant', AS_OF)).toMatchObject({ required: uc.required_approvers, valid_approvers: 2, met: true });
    const lapsed = approvalsOf(ir, 'use_case', 'support_assistant', '2027-06-16');
    expect(lapsed).toMatchObject({ valid_approvers: 0, met: false });
    expect(lapsed.approvals.map((a) => a.state)).toEqual(['expired', 'expired']);
    expect(approvalsOf(ir, 'provider', 'openai', AS_OF)).toEqual({ approvals: [], required: null, valid_approvers: 0, met: true });
    expect(approvalsOf(ir, 'model', 'gpt-4.1', '2030-01-01').met).toBe(false);
    expect(approvalsOf(ir, 'use_case', 'nope', AS_OF).approvals).toEqual([]);
  });

  it('reports each tier requirement met or missing', () => {
    const ir = exampleIr('acme-support');
    const reqs = tierRequirements(ir, 'support_assistant');
    expect(reqs.map((r) => r.requirement)).toEqual(['eval', 'human_oversight', 'red_team', 'disclosure', 'rollback', 'retention', 'log']);
    expect(reqs.every((r) => r.met)).toBe(true);
    const uc = ir.use_cases.support_assistant!;
    const stripped: IrProgram = { ...ir, use_cases: { support_assistant: { ...uc, evals: [], disclosure: null, rollbacks: [], retention_days: 1 } } };
    const missing = tierRequirements(stripped, 'support_assistant').filter((r) => !r.met).map((r) => r.requirement);
    expect(missing).toEqual(['eval', 'disclosure', 'rollback', 'retention']);
    expect(tierRequirements(ir, 'nope')).toEqual([]);
  });
});

describe('explain NAME: goldens on the examples', () => {
  for (const name of exampleNames()) {
    it(`${name}: every use case, and one of each other kind`, async () => {
      const ir = exampleIr(name);
      const p = programOf(ir, null);
      const picks: string[] = [...Object.keys(ir.use_cases)];
      for (const t of [ir.models, ir.tools, ir.prompts, ir.providers, ir.data_classes, ir.corpora, ir.people, ir.teams]) {
        const first = Object.keys(t).sort()[0];
        if (first !== undefined) picks.push(first);
      }
      picks.push(ir.use_cases[Object.keys(ir.use_cases)[0]!]!.approvals[0]!.approver);
      let text = '';
      const json: unknown[] = [];
      for (const what of [...new Set(picks)]) {
        const e = explainName(p, what, kindsOf(p, what), AS_OF, null);
        expect(e.matches.length).toBeGreaterThan(0);
        text += `$ govc explain ${what} examples/${name} --as-of ${AS_OF} --no-provenance\n${renderName(e)}\n`;
        json.push(e);
      }
      await expect(text).toMatchFileSnapshot(join(GOLDEN, `${name}.names.txt`));
      await expect(stableJson(json)).toMatchFileSnapshot(join(GOLDEN, `${name}.names.json`));
    });
    it(`${name}: the first corpus requests, step by step`, async () => {
      const ir = exampleIr(name);
      const corpus = loadCorpora().find((c) => c.example === name);
      const cases = corpus ? corpus.cases.filter((_, i) => i % 7 === 0).slice(0, 8) : [];
      let text = '';
      const json: unknown[] = [];
      for (const c of cases) {
        const e = explainRequest(programOf(ir, null), c.input);
        text += `$ govc explain examples/${name} --request  # ${c.description}\n${renderRequest(e)}\n`;
        json.push(e);
      }
      await expect(text).toMatchFileSnapshot(join(GOLDEN, `${name}.requests.txt`));
      await expect(stableJson(json)).toMatchFileSnapshot(join(GOLDEN, `${name}.requests.json`));
    });
  }

  it('flags expired and expiring approvals against --as-of, and a use case whose tier is no longer met', () => {
    const p = programOf(exampleIr('acme-support'), null);
    const late = explainName(p, 'support_assistant', ['use_case'], '2027-06-01', null).matches[0]!;
    expect(late.approvals.map((a) => a.flags)).toEqual([['expiring'], ['expiring']]);
    const lapsed = explainName(p, 'support_assistant', ['use_case'], '2027-07-01', null).matches[0]!;
    expect(lapsed.approvals.map((a) => a.state)).toEqual(['expired', 'expired']);
    expect(lapsed.approvals_met).toBe(false);
    expect(renderName(explainName(p, 'support_assistant', ['use_case'], '2027-07-01', null))).toContain('approvals on 2027-07-01: 0 valid; tier requires 2: NOT MET');
  });

  it('text output escapes invisible characters a request or program carries', () => {
    const p = programOf(exampleIr('acme-support'), null);
    const e = explainRequest(p, { use_case: 'support_assistant', tenant: 't', region: 'eu\u001b[2Jx\u202e', time: '2026-11-26T00:00:00Z' });
    const text = renderRequest(e);
    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text).toContain('\\u{1b}[2Jx\\u{202e}');
  });

  it('a person: what they approved, what they own, their teams', () => {
    const ir = exampleIr('eu-lender');
    const p = programOf(ir, null);
    const person = Object.values(ir.people).find((x) => Object.values(ir.use_cases).some((u) => u.approvals.some((a) => a.approver === x.email)))!;
    const e = explainName(p, person.name, ['person'], AS_OF, null).matches[0]!;
    const expected = Object.values(ir.use_cases).filter((u) => u.approvals.some((a) => a.approver === person.email)).map((u) => u.name);
    expect(e.approved!.filter((a) => a.kind === 'use_case').map((a) => a.name).sort()).toEqual(expected.sort());
    // By e-mail address too.
    expect(explainName(p, person.email, ['person'], AS_OF, null).matches[0]!.approved).toEqual(e.approved);
    const team = Object.values(ir.teams).find((t) => Object.values(ir.use_cases).some((u) => u.owner === t.email))!;
    const te = explainName(p, team.name, ['team'], AS_OF, null).matches[0]!;
    expect(te.owns!.use_cases).toEqual(Object.values(ir.use_cases).filter((u) => u.owner === team.email).map((u) => u.name).sort());
  });
});

describe('govc explain on the command line', () => {
  const acme = join(REPO_ROOT, 'examples', 'acme-support');

  it('explains a use case, in text and JSON, from the sources and from the cache alike', () => {
    const first = cli(['support_assistant', acme, '--as-of', AS_OF, '--no-provenance']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const again = cli(['support_assistant', acme, '--as-of', AS_OF, '--no-provenance']);
    expect(again.stdout).toBe(first.stdout);
    const direct = cli(['support_assistant', acme, '--as-of', AS_OF, '--no-provenance', '--no-cache']);
    expect(direct.stdout).toBe(first.stdout);
    const p = programOf(exampleIr('acme-support'), null);
    expect(first.stdout).toBe(renderName(explainName(p, 'support_assistant', ['use_case'], AS_OF, null)));
    const json = cli(['support_assistant', acme, '--as-of', AS_OF, '--no-provenance', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(stableJson(explainName(p, 'support_assistant', ['use_case'], AS_OF, null))));
  });

  it('a changed program is checked again, not read from a stale cache', () => {
    const dir = join(tmp, 'changing');
    cpSync(acme, dir, { recursive: true });
    const before = cli(['support_assistant', dir, '--as-of', AS_OF, '--no-provenance', '--format', 'json']);
    expect(JSON.parse(before.stdout).matches[0].approvals[0].ticket).toBe('GOV-130');
    const file = join(dir, 'use_cases.gov');
    writeFileSync(file, readFileSync(file, 'utf8').replace('ticket GOV-130 expires 2027-06-15\n  approved_by "dpo', 'ticket GOV-777 expires 2027-06-15\n  approved_by "dpo'));
    const after = cli(['support_assistant', dir, '--as-of', AS_OF, '--no-provenance', '--format', 'json']);
    expect(JSON.parse(after.stdout).matches[0].approvals[0].ticket).toBe('GOV-777');
  });

  it('explains a program whose approvals have lapsed (which `govc check` refuses)', () => {
    const r = cli(['support_assistant', acme, '--as-of', '2027-08-01', '--no-provenance']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('cto@acme.example: EXPIRED (expired 47 days before 2027-08-01)');
  });

  it('explains a request from a file and from standard input, and from a built IR', () => {
    const corpus = loadCorpora().find((c) => c.example === 'acme-support')!;
    const input = JSON.stringify(corpus.cases[0]!.input);
    const file = join(tmp, 'req.json');
    writeFileSync(file, input);
    const a = cli([acme, '--request', file]);
    const b = cli([acme, '--request', '-'], input);
    expect(a.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout).toBe(renderRequest(explainRequest(programOf(exampleIr('acme-support'), null), corpus.cases[0]!.input)));
    const irFile = join(tmp, 'ir.json');
    writeFileSync(irFile, stableJson(exampleIr('acme-support')));
    const c = cli([irFile, '--request', file, '--format', 'json']);
    expect(c.status).toBe(0);
    expect(JSON.parse(c.stdout).decision).toEqual(JSON.parse(stableJson(explainRequest(programOf(exampleIr('acme-support'), null), corpus.cases[0]!.input).decision)));
    const named = cli(['support_assistant', irFile, '--as-of', AS_OF]);
    expect(named.stdout).toContain('a built IR has no sources: no provenance');
  });

  it('a name that is several kinds shows each, or the one --kind picks', () => {
    const dir = join(tmp, 'twice');
    cpSync(acme, dir, { recursive: true });
    writeFileSync(join(dir, 'extra.gov'), 'tool support_assistant {\n  scopes "read"\n}\n');
    const both = cli(['support_assistant', dir, '--as-of', AS_OF, '--no-provenance', '--format', 'json']);
    expect(both.stderr).toBe('');
    expect(JSON.parse(both.stdout).matches.map((m: { kind: string }) => m.kind)).toEqual(['use_case', 'tool']);
    expect(cli(['support_assistant', dir, '--as-of', AS_OF, '--no-provenance']).stdout).toContain('is 2 things: use case, tool; each is shown (pick one with --kind)');
    const one = cli(['support_assistant', dir, '--as-of', AS_OF, '--no-provenance', '--format', 'json', '--kind', 'tool']);
    expect(JSON.parse(one.stdout).matches.map((m: { kind: string }) => m.kind)).toEqual(['tool']);
  });

  it('loads with the same diagnostics as govc check, and the cache is keyed by what was loaded', async () => {
    const r = await loadExplainProgram(govFilesIn(acme), { cacheDir: join(tmp, 'cache2') });
    expect(r.ok && r.cached).toBe(false);
    const again = await loadExplainProgram(govFilesIn(acme), { cacheDir: join(tmp, 'cache2') });
    expect(again.ok && again.cached).toBe(true);
    if (r.ok && again.ok) expect(again.program.useCase('support_assistant')).toEqual(r.program.useCase('support_assistant'));
  });

  describe('errors', () => {
    const cases: Array<[string, string[], number, RegExp, string?]> = [
      ['an unknown name, with did-you-mean', ['support_asistant', acme], 4, /nothing named `support_asistant` is declared; did you mean `support_assistant` or `support_system`\?/],
      ['an unknown name without a near one', ['zzzzzzzz', acme], 4, /nothing named `zzzzzzzz` is declared\n$/],
      ['a name of another kind than --kind', ['gpt-4.1', acme, '--kind', 'tool'], 4, /no tool named `gpt-4.1` is declared \(it is a model\)/],
      ['an unknown --kind', ['gpt-4.1', acme, '--kind', 'gadget'], 1, /`--kind gadget` is not one of use_case, model/],
      ['a bad --format', ['gpt-4.1', acme, '--format', 'yaml'], 1, /argument 'yaml' is invalid/],
      ['a bad --as-of', ['gpt-4.1', acme, '--as-of', '2026-02-30'], 1, /`--as-of 2026-02-30` is not a date/],
      ['no name', [], 1, /say what to explain/],
      ['too many arguments', ['a', acme, 'c'], 1, /takes at most two arguments/],
      ['--kind with --request', [acme, '--request', '-', '--kind', 'model'], 1, /`--kind` explains a name, not a request/],
      ['a name with --request', ['support_assistant', acme, '--request', '-'], 1, /give only the program/],
      ['a missing program', ['x', join(tmp, 'missing')], 1, /does not exist/],
      ['a missing request file', [acme, '--request', join(tmp, 'missing.json')], 1, /cannot read `.*missing.json`: no such file/],
      ['a request file that is a folder', [acme, '--request', tmp], 1, /cannot read `.*`: it is a folder/],
      ['an IR that is no JSON', ['x', join(REPO_ROOT, 'README.md.json')], 1, /cannot read|is not JSON/],
    ];
    for (const [what, args, code, pattern] of cases) {
      it(what, () => {
        const r = cli(args);
        expect(r.status).toBe(code);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(pattern);
        expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
      });
    }

    it('a program with errors exits 3 with its diagnostics', () => {
      const dir = join(tmp, 'broken');
      cpSync(acme, dir, { recursive: true });
      writeFileSync(join(dir, 'bad.gov'), 'use_case broken {\n  tier nonsense\n}\n');
      const r = cli(['support_assistant', dir]);
      expect(r.status).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/GOV\d{4}/);
    });

    it('an IR file that is not a govc IR', () => {
      const file = join(tmp, 'not-ir.json');
      writeFileSync(file, '{"ir_version": 99}');
      const r = cli(['x', file]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/is not a valid govc IR/);
    });

    it('a request that is not JSON is explained as no request (a deny at step 0), never a crash', () => {
      const r = cli([acme, '--request', '-'], '{"use_case": ');
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/explained as no request/);
      expect(r.stdout).toMatch(/decision: deny/);
      expect(r.stdout).toMatch(/ 0\. Request is well-formed: FAILED/);
    });
  });
});
