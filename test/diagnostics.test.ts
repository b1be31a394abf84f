import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_CODES, DIAGNOSTIC_CODES, type DiagnosticCode } from '../src/diagnostics/codes.js';
import {
  catalogueCases,
  catalogueFolders,
  CATALOGUE_DIR,
  CLI,
  compileCatalogueFile,
  diagnose,
  DOCS_DIR,
  fencedBlocks,
  govc,
  readText,
  renderedCodes,
  section,
  tempProgram,
  type CliResult,
} from './helpers/diagnostics.js';
import { AS_OF } from './helpers/repo.js';
import { compileFiles } from '../src/project/compile.js';

/** Cannot fire from source: it reports a govc bug (a checked program whose IR fails the schema). */
const INTERNAL_CODES: readonly DiagnosticCode[] = ['GOV3001'];
const isCliCode = (code: string): boolean => code.startsWith('GOV5');
/** Codes the catalogue must cover with `.gov` inputs. */
const SOURCE_CODES = ALL_CODES.filter((c) => !INTERNAL_CODES.includes(c) && !isCliCode(c));

// ---------------------------------------------------------------------------------------------------------------
// (a) The catalogue: every input fires its folder's code and renders exactly as its golden.
// ---------------------------------------------------------------------------------------------------------------

describe('error catalogue (test/diagnostics/GOVxxxx/*.gov)', () => {
  for (const c of catalogueCases()) {
    it(`${c.code}/${c.name}`, async () => {
      const { diagnostics, text } = compileCatalogueFile(c.input);
      expect(diagnostics.map((d) => d.code)).toContain(c.code);
      await expect(text).toMatchFileSnapshot(c.golden);
    });
  }

  it('has a folder only for codes the catalogue can show', () => {
    const unexpected = catalogueFolders().filter((f) => !(SOURCE_CODES as string[]).includes(f));
    expect(unexpected, 'folders that are not registry codes, or are internal/command-line codes').toEqual([]);
  });

  it('has no golden without its input', () => {
    const orphans: string[] = [];
    for (const folder of catalogueFolders()) {
      const files = readdirSync(join(CATALOGUE_DIR, folder));
      for (const f of files.filter((n) => n.endsWith('.txt'))) {
        if (!files.includes(f.replace(/\.txt$/, '.gov'))) orphans.push(`${folder}/${f}`);
      }
    }
    expect(orphans).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (e) The command line: GOV5xxx codes, exit codes, JSON output, --explain.
// ---------------------------------------------------------------------------------------------------------------

/** A file whose every line is an unknown field: one GOV1007 per line, enough to pass the cap of 100. */
function floodSource(lines: number): string {
  const body = Array.from({ length: lines }, (_, i) => `  remark_${i} "a field govc does not know"`).join('\n');
  return `org acme {\n  owners "governance@acme.example"\n${body}\n}\n`;
}

const CLEAN_PROGRAM = `import "std/eu_ai_act"

org acme {
  owners "governance@acme.example"
}

provider openai {
  regions eu
  dpa signed 2025-02-11
  trains_on_customer_data no
}

model gpt-4.1 {
  provider openai
  version "2025-04-14"
  regions eu
  price input 2.00 USD output 8.00 USD per 1M tokens
  status approved
  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-101 expires 2027-04-20
}

use_case faq_bot {
  tier minimal
  owner "support-eng@acme.example"
  models gpt-4.1
  approved_by "cto@acme.example" on 2026-06-15 ticket GOV-130 expires 2027-06-15
}
`;

/** `Café` in Latin-1: é is the single byte 0xE9, which is not UTF-8. */
const LATIN1 = Buffer.concat([Buffer.from('org acme {\n  title "Caf'), Buffer.from([0xe9]), Buffer.from('"\n}\n')]);

interface CliCase {
  readonly name: string;
  readonly run: () => CliResult;
  readonly exit: number;
  /** Part of the first rendered diagnostic of this code. */
  readonly says: string;
}

/** At least one command-line case per GOV5xxx code; the registry test below keeps this table complete. */
const CLI_CASES: Readonly<Record<string, readonly CliCase[]>> = {
  GOV5001: [
    {
      name: 'a path that does not exist',
      run: () => govc(['check', 'no/such/policy.gov', '--as-of', AS_OF]),
      exit: 1,
      says: 'error[GOV5001]: `no/such/policy.gov` does not exist',
    },
    {
      name: 'a folder without .gov files',
      run: () => govc(['check', '.', '--as-of', AS_OF], mkdtempSync(join(tmpdir(), 'govc-empty-'))),
      exit: 1,
      says: 'error[GOV5001]: no `.gov` files under `.`',
    },
  ],
  GOV5002: [
    {
      name: 'a file that is not UTF-8',
      run: () => govc(['check', 'legacy.gov', '--as-of', AS_OF], tempProgram({ 'legacy.gov': LATIN1 })),
      exit: 3,
      says: 'error[GOV5002]: `legacy.gov` is not valid UTF-8',
    },
    {
      name: 'an imported file that is not UTF-8',
      run: () =>
        govc(['check', 'org.gov', '--as-of', AS_OF], tempProgram({ 'org.gov': 'import "./legacy.gov"\n', 'legacy.gov': LATIN1 })),
      exit: 3,
      says: 'error[GOV5002]: `legacy.gov` is not valid UTF-8',
    },
  ],
  GOV5003: [
    {
      name: 'more than 100 diagnostics',
      run: () => govc(['check', 'flood.gov', '--as-of', AS_OF], tempProgram({ 'flood.gov': floodSource(150) })),
      exit: 3,
      says: 'error[GOV5003]: too many diagnostics: showing 100 of 150',
    },
    {
      name: 'more than --max-diagnostics',
      run: () => govc(['check', 'flood.gov', '--as-of', AS_OF, '--max-diagnostics', '10'], tempProgram({ 'flood.gov': floodSource(150) })),
      exit: 3,
      says: 'error[GOV5003]: too many diagnostics: showing 10 of 150',
    },
  ],
  GOV5004: [
    {
      name: 'an --as-of that is not a calendar date',
      run: () => govc(['check', 'policy.gov', '--as-of', '2026-02-30'], tempProgram({ 'policy.gov': CLEAN_PROGRAM })),
      exit: 1,
      says: 'error[GOV5004]: `--as-of 2026-02-30` is not a date',
    },
    {
      name: 'an --as-of in another format',
      run: () => govc(['check', 'policy.gov', '--as-of', '26/11/2026'], tempProgram({ 'policy.gov': CLEAN_PROGRAM })),
      exit: 1,
      says: 'error[GOV5004]: `--as-of 26/11/2026` is not a date',
    },
    {
      name: 'a program outside --root',
      run: () => govc(['check', 'policy.gov', '--as-of', AS_OF, '--root', 'sub'], withSubfolder(tempProgram({ 'policy.gov': CLEAN_PROGRAM }))),
      exit: 1,
      says: 'error[GOV5004]: `policy.gov` is not inside `--root sub`',
    },
    {
      name: 'a --target that is not a build target',
      run: () => govc(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF, '--target', 'opa,wsam'], tempProgram({ 'policy.gov': CLEAN_PROGRAM })),
      exit: 1,
      says: 'error[GOV5004]: `wsam` is not a build target',
    },
    {
      name: 'a --signing-key that cannot sign',
      run: () => govc(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF, '--signing-key', 'not a PEM key'], tempProgram({ 'policy.gov': CLEAN_PROGRAM })),
      exit: 1,
      says: 'error[GOV5004]: cannot sign the bundle',
    },
  ],
  GOV5005: [
    {
      name: 'a symbolic link in --out where govc writes a folder',
      run: () => {
        // Several programs: each gets a folder under --out, which govc writes into and never follows.
        const dir = tempProgram({ 'a/policy.gov': CLEAN_PROGRAM, 'b/policy.gov': CLEAN_PROGRAM });
        const elsewhere = mkdtempSync(join(tmpdir(), 'govc-elsewhere-'));
        mkdirSync(join(dir, 'out'));
        symlinkSync(elsewhere, join(dir, 'out', 'a'));
        const r = govc(['build', 'a', 'b', '--out', 'out', '--as-of', AS_OF], dir);
        // Nothing was written through the link.
        return readdirSync(elsewhere).length === 0 ? r : { ...r, stderr: 'wrote through the link' };
      },
      exit: 1,
      says: 'error[GOV5005]: `a` in --out is a symbolic link; govc does not write through links: remove it',
    },
  ],
  GOV5006: [
    {
      name: 'a requests.json that is not JSON',
      run: () => govc(['build', '.', '--out', 'out', '--as-of', AS_OF], tempProgram({ 'policy.gov': CLEAN_PROGRAM, 'requests.json': '{"cases": [' })),
      exit: 3,
      says: 'error[GOV5006]: `requests.json` is not valid JSON',
    },
    {
      name: 'a case without an expected decision',
      run: () =>
        govc(['build', '.', '--out', 'out', '--as-of', AS_OF], tempProgram({ 'policy.gov': CLEAN_PROGRAM, 'requests.json': '{"cases": [{"input": {}, "expect": {"decision": "deny"}}, {"input": {}}]}' })),
      exit: 3,
      says: 'error[GOV5006]: case 2 of `requests.json` has no `expect.decision`',
    },
  ],
};

/** The folder with an empty sub-folder `sub` added. */
function withSubfolder(dir: string): string {
  mkdirSync(join(dir, 'sub'));
  return dir;
}

describe('command line (dist/cli/main.js)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json, or npm test)`);
  });

  for (const [code, cases] of Object.entries(CLI_CASES)) {
    for (const c of cases) {
      it(`${code}: ${c.name}`, () => {
        const r = c.run();
        expect(r.status, r.stderr).toBe(c.exit);
        expect(renderedCodes(r.stderr)).toContain(code);
        expect(r.stderr).toContain(c.says);
        expect(r.stderr).toContain(`= note: run \`govc check --explain ${code}\` for details`);
      });
    }
  }

  it('GOV5003 ends a capped list: 100 diagnostics, then the cap', () => {
    const r = govc(['check', 'flood.gov', '--as-of', AS_OF], tempProgram({ 'flood.gov': floodSource(150) }));
    const codes = renderedCodes(r.stderr);
    expect(codes).toHaveLength(101);
    expect(codes.slice(0, 100).every((c) => c === 'GOV1007')).toBe(true);
    expect(codes[100]).toBe('GOV5003');
  });

  it('GOV5003 also caps JSON output', () => {
    const r = govc(['check', 'flood.gov', '--as-of', AS_OF, '--format', 'json'], tempProgram({ 'flood.gov': floodSource(150) }));
    expect(r.status, r.stderr).toBe(3);
    const [group] = JSON.parse(r.stdout) as Array<{ diagnostics: Array<{ code: string; message: string }> }>;
    expect(group!.diagnostics).toHaveLength(101);
    expect(group!.diagnostics[100]).toMatchObject({ code: 'GOV5003', message: 'too many diagnostics: showing 100 of 150' });
  });

  it('exits 0 for a clean program', () => {
    const r = govc(['check', 'policy.gov', '--as-of', AS_OF], tempProgram({ 'policy.gov': CLEAN_PROGRAM }));
    expect(r.stderr).toBe('policy.gov: 0 errors, 0 warnings\n');
    expect(r.status, r.stderr).toBe(0);
  });

  it('exits 1 when no path is given', () => {
    const r = govc(['check', '--as-of', AS_OF]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('give at least one path');
  });

  it('exits 3 and prints the catalogue golden for a program with errors', () => {
    const file = 'test/diagnostics/GOV2030/no-region-restriction.gov';
    const r = govc(['check', file, '--as-of', AS_OF]);
    expect(r.status, r.stderr).toBe(3);
    const golden = readText(join(CATALOGUE_DIR, 'GOV2030', 'no-region-restriction.txt'));
    expect(r.stderr).toBe(`${golden}\n${file}: 1 error, 0 warnings\n`);
  });

  it('--format json gives file, start line and column as the human output does', () => {
    const file = 'test/diagnostics/GOV2030/region-outside-residency.gov';
    const r = govc(['check', file, '--as-of', AS_OF, '--format', 'json']);
    expect(r.status, r.stderr).toBe(3);
    const groups = JSON.parse(r.stdout) as Array<{ program: string; diagnostics: Array<Record<string, unknown>> }>;
    expect(groups).toHaveLength(1);
    expect(groups[0]!.program).toBe(file);
    const [d] = groups[0]!.diagnostics;
    expect(d).toMatchObject({ code: 'GOV2030', severity: 'error', file, label: 'outside the residency' });
    // The human `-->` line of the golden gives the same place.
    const where = /--> (\S+):(\d+):(\d+)/.exec(readText(join(CATALOGUE_DIR, 'GOV2030', 'region-outside-residency.txt')))!;
    expect(where[1]).toBe(file);
    expect(d!['start']).toMatchObject({ line: Number(where[2]), column: Number(where[3]) });
    expect(d!['end']).toMatchObject({ line: Number(where[2]), column: Number(where[3]) + 'us'.length });
    expect(typeof (d!['start'] as { offset: unknown }).offset).toBe('number');
  });

  it('--explain prints the hint page', () => {
    const r = govc(['check', '--explain', 'GOV2030']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(readText(join(DOCS_DIR, 'GOV2030.md')));
  });

  it('--explain accepts lower case', () => {
    expect(govc(['check', '--explain', 'gov2024']).stdout).toBe(readText(join(DOCS_DIR, 'GOV2024.md')));
  });

  it('--explain rejects an unknown code with exit 1', () => {
    const r = govc(['check', '--explain', 'GOV9999']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('unknown diagnostic code `GOV9999`');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (b) Every registry code is exercised; (c) every code has a hint page, listed in the index.
// ---------------------------------------------------------------------------------------------------------------

describe('registry, catalogue and hint pages agree', () => {
  const cases = catalogueCases();

  it.each(ALL_CODES.filter((c) => !INTERNAL_CODES.includes(c)))('%s is exercised by the catalogue or the CLI tests', (code) => {
    if (isCliCode(code)) expect(CLI_CASES[code]?.length ?? 0, `add a CLI case for ${code}`).toBeGreaterThan(0);
    else expect(cases.filter((c) => c.code === code).length, `add test/diagnostics/${code}/<name>.gov`).toBeGreaterThan(0);
  });

  it('has no CLI case for an unknown or source-level code', () => {
    expect(Object.keys(CLI_CASES).filter((c) => !isCliCode(c) || !(ALL_CODES as string[]).includes(c))).toEqual([]);
  });

  it('has a hint page for every code and none for an unknown code', () => {
    const pages = readdirSync(DOCS_DIR).filter((n) => n.endsWith('.md') && n !== 'README.md');
    expect(pages.map((p) => p.replace(/\.md$/, '')).sort()).toEqual([...ALL_CODES].sort());
  });

  it.each(ALL_CODES)('%s: the page is titled after the registry and has an example and a fix', (code) => {
    const page = readText(join(DOCS_DIR, `${code}.md`));
    expect(page.split('\n')[0]).toBe(`# ${code}: ${DIAGNOSTIC_CODES[code].title}`);
    expect(section(page, 'Example'), 'a `## Example` section').toBeDefined();
    expect(section(page, 'How to fix'), 'a `## How to fix` section').toBeDefined();
  });

  it.each(SOURCE_CODES)('%s: the page example is a catalogue input and its golden output', (code) => {
    const page = readText(join(DOCS_DIR, `${code}.md`));
    const example = section(page, 'Example')!;
    const inputs = cases.filter((c) => c.code === code);
    // Trailing spaces (the gutter of an empty source line) are not significant in Markdown; editors strip them.
    const trimEnds = (text: string): string => text.replace(/[ \t]+$/gm, '');
    const goldens = inputs.map((c) => (existsSync(c.golden) ? trimEnds(readText(c.golden)) : ''));
    const sources = inputs.map((c) => readText(c.input));
    // The output shown is one diagnostic of a golden, verbatim: regenerate the goldens, then update the page.
    const outputs = fencedBlocks(example, 'text');
    expect(outputs.length, 'a ```text block with the diagnostic').toBeGreaterThan(0);
    for (const out of outputs) {
      expect(out.startsWith(`error[${code}]`) || out.startsWith(`warning[${code}]`), 'the output starts with the diagnostic').toBe(true);
      expect(goldens.some((g) => g.includes(trimEnds(out))), `the output in docs/diagnostics/${code}.md is not in a golden of test/diagnostics/${code}`).toBe(true);
    }
    // The snippet shown is an excerpt of a catalogue input: every line but `...` occurs in one input.
    const snippets = fencedBlocks(example, 'gov');
    expect(snippets.length, 'a ```gov block with the failing program').toBeGreaterThan(0);
    for (const snippet of snippets) {
      const lines = snippet.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '...');
      expect(sources.some((s) => lines.every((l) => s.split('\n').includes(l))), `the snippet in docs/diagnostics/${code}.md is not an excerpt of one input`).toBe(true);
    }
  });

  it('the index (docs/diagnostics/README.md) lists exactly the registry, with severity, title and link', () => {
    const index = readText(join(DOCS_DIR, 'README.md'));
    const rows = [...index.matchAll(/^\| \[(GOV\d{4})\]\((GOV\d{4})\.md\) \| (error|warning) \| (.+?) \|$/gm)].map((m) => ({
      code: m[1]!,
      link: m[2]!,
      severity: m[3]!,
      title: m[4]!,
    }));
    expect(rows.map((r) => r.code)).toEqual([...ALL_CODES]);
    for (const r of rows) {
      expect(r.link).toBe(r.code);
      const entry = DIAGNOSTIC_CODES[r.code as DiagnosticCode];
      expect({ code: r.code, severity: r.severity, title: r.title }).toEqual({ code: r.code, severity: entry.severity, title: entry.title });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// (d) Precise assertions in cedar's style: code, message, the underlined source text and help.
// ---------------------------------------------------------------------------------------------------------------

/** A minimal clean program around one use case; `extra` adds declarations before it. */
function program(useCase: string, extra = ''): string {
  return CLEAN_PROGRAM.replace(/use_case faq_bot \{[\s\S]*$/, `${extra}\n${useCase}\n`);
}

const useCase = (...lines: string[]): string =>
  ['use_case faq_bot {', '  tier minimal', '  owner "support-eng@acme.example"', ...lines.map((l) => `  ${l}`), '}'].join('\n');

const APPROVED = 'approved_by "cto@acme.example" on 2026-06-15 ticket GOV-130 expires 2027-06-15';

describe('diagnostics echo bounded source text', () => {
  it('a megabyte name is clipped in the message and the code frame', () => {
    const huge = 'm' + 'x'.repeat(1024 * 1024);
    const src = program(useCase(`models gpt-4.1 fallback ${huge}`, APPROVED));
    const dir = tempProgram({ 'policy.gov': src });
    const r = govc(['check', 'policy.gov', '--as-of', AS_OF], dir);
    expect(r.status).toBe(3);
    expect(renderedCodes(r.stderr)).toEqual(['GOV2001']);
    // The message names the model, clipped with a marker; the frame shows a window of the line.
    expect(r.stderr).toContain('error[GOV2001]: unknown model `mxxx');
    expect(r.stderr).toMatch(/… \(\d+ more characters\)/);
    expect(r.stderr.length).toBeLessThan(4000);
    const json = govc(['check', 'policy.gov', '--as-of', AS_OF, '--format', 'json'], dir);
    expect(json.stdout.length).toBeLessThan(4000);
  });

  it('a long line is shown as a window around the underline', () => {
    const src = program(useCase('models gpt-4.1', APPROVED)).replace('owner "support-eng@acme.example"', `owner "${'a'.repeat(5000)}@acme.example" retian 30 days`);
    const dir = tempProgram({ 'policy.gov': src });
    const r = govc(['check', 'policy.gov', '--as-of', AS_OF], dir);
    const frame = r.stderr.split('\n').filter((l) => /^\s+\d+ \|/.test(l) || /^\s+\|\s+\^/.test(l));
    expect(frame.length).toBeGreaterThan(0);
    for (const line of frame) expect(line.length).toBeLessThan(200);
    // The marks sit under `retian`.
    const at = frame.findIndex((l) => l.includes('retian'));
    const marks = r.stderr.split('\n')[r.stderr.split('\n').indexOf(frame[at]!) + 1]!;
    expect(frame[at]!.indexOf('retian')).toBe(marks.indexOf('^'));
  });
});

describe('diagnostics say precisely what is wrong', () => {
  it('the clean program has no diagnostics', () => {
    expect(diagnose(CLEAN_PROGRAM)).toEqual([]);
    expect(diagnose(program(useCase('models gpt-4.1', APPROVED)))).toEqual([]);
  });

  it('GOV2001: a misspelt model is underlined, with a did-you-mean', () => {
    const src = CLEAN_PROGRAM.replace('model gpt-4.1 {', 'model gpt-4.1-mini {').replace('models gpt-4.1', 'models gpt-4.1-mni');
    expect(diagnose(src, { only: ['GOV2001'] })).toEqual([
      {
        code: 'GOV2001',
        message: 'unknown model `gpt-4.1-mni` in use case `faq_bot`',
        underline: 'gpt-4.1-mni',
        label: 'not declared by any `model` block',
        help: 'did you mean `gpt-4.1-mini`?',
      },
    ]);
  });

  it('GOV2001: a misspelt tier suggests the standard library tier', () => {
    const src = program(useCase('models gpt-4.1', APPROVED)).replace('tier minimal', 'tier minimum');
    expect(diagnose(src)).toMatchObject([{ code: 'GOV2001', underline: 'minimum', help: 'did you mean `minimal`?' }]);
  });

  it('GOV1007: a misspelt field names the block and suggests the field', () => {
    expect(diagnose('org acme {\n  owners "governance@acme.example"\n  retian 30 days\n}\n')).toEqual([
      { code: 'GOV1007', message: '`retian` is not a field of an org', underline: 'retian', label: 'unknown field', help: 'did you mean `retain`?' },
    ]);
  });

  it('GOV1003: a stray character is underlined alone', () => {
    expect(diagnose('org acme {\n  owners "governance@acme.example";\n}\n')).toMatchObject([
      { code: 'GOV1003', message: 'unexpected character `;`', underline: ';' },
    ]);
  });

  it('GOV1005: only the bad escape is underlined', () => {
    const src = 'org acme {\n  owners "governance@acme.example"\n}\n\ndata_class staff {\n  sensitivity high\n  default deny\n  detect pattern staff_id "EMP-\\d{6}"\n}\n';
    expect(diagnose(src)).toMatchObject([{ code: 'GOV1005', message: 'invalid escape `\\d` in string', underline: '\\d' }]);
  });

  it('GOV2005: a missing standard-library module lists the ones there are', () => {
    expect(diagnose('import "std/eu_ai_ac"\n\norg acme {\n  owners "governance@acme.example"\n}\n')).toEqual([
      {
        code: 'GOV2005',
        message: 'cannot find import `std/eu_ai_ac`',
        underline: '"std/eu_ai_ac"',
        label: 'no such file',
        help: 'the standard library has `std/baseline_data`, `std/eu_ai_act`',
      },
    ]);
  });

  it('GOV2030: the region outside the residency is underlined', () => {
    const extra = 'data_class patient_phi {\n  sensitivity critical\n  default deny\n  residency eu\n}\n';
    const src = program(useCase('models gpt-4.1', 'data patient_phi -> openai in eu, us', APPROVED), extra).replace('regions eu\n  dpa', 'regions eu, us\n  dpa');
    expect(diagnose(src, { only: ['GOV2030'] })).toEqual([
      {
        code: 'GOV2030',
        message: 'data class `patient_phi` must stay in `eu`, but this rule allows `us`',
        underline: 'us',
        label: 'outside the residency',
        help: 'remove `us` from the rule, or change the residency of `patient_phi`',
      },
    ]);
  });

  it('GOV2031: data a class lets through by default reaches a provider without a DPA', () => {
    const src = program(useCase('models gpt-4.1', APPROVED)).replace('dpa signed 2025-02-11', 'dpa none').replace('import "std/eu_ai_act"', 'import "std/eu_ai_act"\nimport "std/baseline_data"');
    expect(diagnose(src)).toEqual([
      {
        code: 'GOV2031',
        message: 'data class `pii` (default `redact`) may reach provider `openai`, which has no DPA',
        underline: 'gpt-4.1',
        label: 'model `gpt-4.1` runs on `openai`',
        help: 'add `data pii deny` to the use case, or sign a DPA with `openai`',
      },
    ]);
  });

  it('GOV2024: one approver where the tier needs two', () => {
    const src = program(useCase('models gpt-4.1', APPROVED).replace('tier minimal', 'tier four_eyes'), 'tier four_eyes {\n  approvers 2\n}\n');
    expect(diagnose(src)).toEqual([
      {
        code: 'GOV2024',
        message: 'use case `faq_bot` has 1 distinct approver, tier `four_eyes` requires 2',
        underline: 'approved_by',
        label: 'not enough approvers',
        help: 'add `approved_by "..." on DATE ticket ... expires DATE` lines until 2 different people have approved',
      },
    ]);
  });

  it('GOV2062: the owner approving their own use case is underlined', () => {
    const src = program(useCase('models gpt-4.1', 'approved_by "support-eng@acme.example" on 2026-06-15 ticket GOV-130 expires 2027-06-15'));
    // The owner's sign-off does not count towards the tier's approvers either, so GOV2024 comes with it.
    expect(diagnose(src)).toEqual([
      {
        code: 'GOV2024',
        message: 'use case `faq_bot` has 0 distinct approvers, tier `minimal` requires 1',
        underline: 'approved_by',
        label: 'not enough approvers',
        help: 'add `approved_by "..." on DATE ticket ... expires DATE` lines until 1 different person has approved',
      },
      {
        code: 'GOV2062',
        message: '`support-eng@acme.example` both owns and approves use case `faq_bot`',
        underline: '"support-eng@acme.example"',
        label: 'the owner',
        help: 'segregation of duties: someone other than the owner must approve',
      },
    ]);
  });

  describe('GOV2060 / GOV2061: approvals are judged on the --as-of date', () => {
    const expiring = (expires: string): string =>
      program(useCase('models gpt-4.1', `approved_by "cto@acme.example" on 2025-06-15 ticket GOV-130 expires ${expires}`));

    it('an approval that expired before --as-of is an error on its expiry date', () => {
      expect(diagnose(expiring('2026-11-25'))).toMatchObject([
        { code: 'GOV2060', message: 'approval of use case `faq_bot` by `cto@acme.example` expired on 2026-11-25', underline: '2026-11-25', label: 'expired before 2026-11-26' },
      ]);
    });

    it('an approval is still valid on its expiry day, with a warning', () => {
      expect(diagnose(expiring('2026-11-26'))).toMatchObject([{ code: 'GOV2061', underline: '2026-11-26' }]);
    });

    it('warns within 30 days, and not after', () => {
      expect(diagnose(expiring('2026-12-26'))).toMatchObject([
        { code: 'GOV2061', message: 'approval of use case `faq_bot` by `cto@acme.example` expires on 2026-12-26, within 30 days', label: 'expiring soon' },
      ]);
      expect(diagnose(expiring('2026-12-27'))).toEqual([]);
    });

    it('the same program is clean as of an earlier date', () => {
      expect(diagnose(expiring('2026-11-25'), { asOf: '2026-06-01' })).toEqual([]);
    });
  });

  it('GOV2071: a wildcard in a high-risk use case lists the scopes to name instead', () => {
    const tool = 'tool kb {\n  owner "kb-platform@acme.example"\n  scopes "kb:read", "kb:write", "billing:read"\n}\n\ntier supervised {\n  requires human_oversight\n}\n';
    const uc = useCase('models gpt-4.1', 'tool kb scope "kb:*"', 'human_oversight "Agents review every answer."', APPROVED).replace('tier minimal', 'tier supervised');
    expect(diagnose(program(uc, tool))).toEqual([
      {
        code: 'GOV2071',
        message: 'wildcard scope `kb:*` in high-risk use case `faq_bot`',
        underline: '"kb:*"',
        label: 'grants every matching scope',
        help: 'list the exact scopes the agent needs: `"kb:read"`, `"kb:write"`',
      },
    ]);
  });

  it('GOV2033: a fallback on a provider the data may not reach is valid in v2 (the decision picks another model)', () => {
    const extra = `provider anthropic {
  regions eu
  dpa signed 2025-03-04
  trains_on_customer_data no
}

model claude-sonnet-4 {
  provider anthropic
  version "20250514"
  regions eu
  price input 3.00 USD output 15.00 USD per 1M tokens
  status approved
  approved_by "ml-lead@acme.example" on 2025-11-03 ticket GOV-087 expires 2027-05-31
}

data_class customer_records {
  sensitivity high
  default deny
}
`;
    const uc = useCase('models gpt-4.1 fallback claude-sonnet-4', 'data customer_records -> openai', APPROVED);
    expect(diagnose(program(uc, extra))).toEqual([]);
    // A rule that reaches no model of the use case is still refused: every request with the class would be denied.
    const none = useCase('models claude-sonnet-4', 'data customer_records -> openai', APPROVED);
    expect(diagnose(program(none, extra)).filter((d) => d.code !== 'GOV2007')).toEqual([
      {
        code: 'GOV2033',
        message: 'data class `customer_records` can reach no model of use case `faq_bot`',
        underline: 'data customer_records -> openai',
        label: 'may only reach `openai`',
        help: 'name a model of the use case in the rule (`data customer_records -> openai, model claude-sonnet-4 ...`), or add a model of `openai` to `models`',
      },
    ]);
  });

  it('data rule targets: `provider`/`model` qualify a name, bare names resolve to what is declared (IR flow providers/models)', () => {
    const extra = `provider mistral {
  regions eu
  dpa signed 2025-05-02
  trains_on_customer_data no
}

model mistral {
  provider mistral
  version "2025-03"
  regions eu
  price input 2.00 USD output 6.00 USD per 1M tokens
  status approved
  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-103 expires 2027-04-20
}

data_class customer_records {
  sensitivity high
  default deny
}
`;
    const uc = useCase('models gpt-4.1 fallback mistral', 'data customer_records -> openai, model mistral redacted requires dpa, no_training', APPROVED);
    const dir = tempProgram({ 'policy.gov': program(uc, extra) });
    const result = compileFiles([join(dir, 'policy.gov')], { cwd: dir, asOf: AS_OF });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.ir!.use_cases['faq_bot']!.data['customer_records']).toMatchObject({
      action: 'allow',
      providers: ['openai'],
      models: ['mistral'],
      redacted: true,
      requires: ['dpa', 'no_training'],
    });
    // `provider mistral` is the provider; an unknown term is GOV2014 with did-you-mean.
    const other = useCase('models gpt-4.1 fallback mistral', 'data customer_records -> openai, provider mistral requires zero_retension', APPROVED);
    expect(diagnose(program(other, extra)).map((d) => [d.code, d.message, d.help])).toEqual([
      ['GOV2014', '`zero_retension` is not a contract term', 'did you mean `zero_retention`?'],
    ]);
  });

  it('GOV2091: a model target is judged by its provider, and self-operated hosting meets every term', () => {
    const extra = `provider llama_onprem {
  hosting on_premises
  regions eu
  dpa none
}

model llama-3.3-70b {
  provider llama_onprem
  version "3.3"
  regions eu
  price input 0 USD output 0 USD per 1M tokens
  status approved
  approved_by "ml-lead@acme.example" on 2026-04-20 ticket GOV-102 expires 2027-04-20
}

data_class credit_score {
  sensitivity critical
  default deny
  requires dpa, zero_retention, no_training
}

data_class call_notes {
  sensitivity high
  default allow
}
`;
    // `call_notes` (high, default allow) reaches the on-premises provider without a DPA: not GOV2031 for a runtime the company operates.
    const ok = useCase('models llama-3.3-70b fallback gpt-4.1', 'data credit_score -> llama-3.3-70b', APPROVED);
    expect(diagnose(program(ok, extra))).toEqual([]);
    const bad = useCase('models llama-3.3-70b fallback gpt-4.1', 'data credit_score -> llama-3.3-70b, model gpt-4.1', APPROVED);
    expect(diagnose(program(bad, extra)).map((d) => [d.code, d.message, d.underline])).toEqual([
      ['GOV2091', 'data class `credit_score` requires `zero_retention`, which provider `openai` (model `gpt-4.1`) does not meet', 'gpt-4.1'],
    ]);
  });
});
