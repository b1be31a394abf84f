/**
 * Generated files show every invisible or bidirectional character as an escape (source/invisible.ts), so a reviewer
 * sees what the machine runs, and the escaped values read back identically: JSON parses to the same values, OPA parses
 * the Rego and its tests pass on the same strings, the TypeScript guards compile and decide like the reference.
 * The program puts every such character into every kind of text it has, and into a file name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { compactJson, stableJson } from '../../src/codegen/json.js';
import { regoValue } from '../../src/codegen/rego.js';
import { renderHuman, toJson } from '../../src/diagnostics/render.js';
import { evaluate } from '../../src/eval/evaluate.js';
import type { IrProgram } from '../../src/ir/types.js';
import { compileFiles } from '../../src/project/compile.js';
import { escapeInvisibleUtf16, hasInvisible, INVISIBLE_RANGES } from '../../src/source/invisible.js';
import { tsValue } from '../../src/backends/ts-guards/tsCode.js';
import { CLI } from '../helpers/diagnostics.js';
import { loadGuards } from '../helpers/guards.js';
import { opa } from '../helpers/opa.js';
import { AS_OF, REPO_ROOT } from '../helpers/repo.js';

/** Every character of the set that a UTF-8 file can hold (all but unpaired surrogates). */
const CHARS = INVISIBLE_RANGES.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i))
  .filter((cp) => cp < 0xd800 || cp > 0xdfff)
  .map((cp) => String.fromCodePoint(cp))
  .join('');

/** Raw in a file: any character of the set is fine where the layout allows it (tab, line feed, carriage return). */
const LAYOUT = new Set(['\t', '\n', '\r']);
function rawInvisible(text: string): string[] {
  const found = new Set<string>();
  for (const ch of text) if (!LAYOUT.has(ch) && hasInvisible(ch)) found.add(`U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  return [...found];
}

/** `.gov` text for a string holding `s`: each character as `\u{X}`. */
function esc(s: string): string {
  return [...s].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('');
}

const X = esc(CHARS);
/**
 * The same set without white space, for e-mail addresses: an owner or approver text must be an address (GOV2080, no
 * spaces), so white space there is refused before anything is generated; every other invisible character stays.
 */
const XE = esc([...CHARS].filter((c) => !/\s/u.test(c)).join(''));
/** A file name with bidi controls, a BOM, a line separator and invisible spaces. */
const FILE_NAME = 'use\u202ecases\ufeff\u2028\u00a0\u2066\u200b.gov';

const ORG = `org acme {
  title "Acme ${X}"
  owners "gov${XE}@acme.example"
}

tier open {
  title "${X}"
  approvers 1
}

provider p {
  title "P ${X}"
  regions eu
  dpa signed 2025-01-01
  trains_on_customer_data no
}

model m {
  title "M ${X}"
  provider p
  version "v${X}"
  approved_versions "v${X}", "old${X}"
  regions eu
  price input 1.00 USD output 2.00 USD per 1M tokens
  status approved
  approved_by "ml${XE}@acme.example" on 2026-01-01 ticket "T-${X}" expires 2027-06-01
}

data_class d {
  title "D ${X}"
  sensitivity low
  default redact
  detect pattern x "\\\\bX-\\\\d{3}\\\\b"
}

tool t {
  title "${X}"
  owner "tools${XE}@acme.example"
  scopes "s:${X}"
}
`;

const USE_CASE = `use_case u {
  title "U ${X}"
  tier open
  owner "owner${XE}@acme.example"
  surfaces "S ${X}"
  models m
  data d -> p redacted
  tool t scope "s:${X}"
  rate 10 rpm
  on rate_limited refuse "R ${X}"
  disclosure "${X}"
  human_oversight "${X}"
  red_team "${X}"
  eval e { dataset "evals/${X}.jsonl" baseline "b${X}" toxicity <= 0.1 }
  rollback to m@"v${X}" within 15m owned_by "oncall${XE}@acme.example" steps "${X}"
  approved_by "cto${XE}@acme.example" on 2026-01-01 ticket "T-${X}" expires 2027-06-01
}
`;

function request(fields: Record<string, unknown>): Record<string, unknown> {
  // A trace id holds at most 256 code points (docs/semantics.md, RULE C): the first 255 of CHARS.
  return { trace_id: `t${[...CHARS].slice(0, 255).join('')}`, use_case: 'u', tenant: `tenant${CHARS}`, region: 'eu', time: '2026-11-26T10:00:00Z', tokens: { input: 10, output: 10 }, spend: {}, rate: { use_case: { requests: 0, tokens: 0 } }, ...fields };
}

const INPUTS = [
  request({ data_classes: ['d'], tool: { name: 't', scope: `s:${CHARS}` } }),
  request({ rate: { use_case: { requests: 10, tokens: 0 } } }),
  request({ use_case: `x${CHARS}` }),
];

let dir: string;
let out: string;
let ir: IrProgram;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'govc-text-'));
  writeFileSync(join(dir, 'org.gov'), ORG);
  writeFileSync(join(dir, FILE_NAME), USE_CASE);
  const result = compileFiles([join(dir, 'org.gov'), join(dir, FILE_NAME)], { asOf: AS_OF, cwd: dir });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  ir = result.ir!;
  // The corpus, decided by the reference: `opa test` then checks the Rego reads every string back identically.
  const cases = INPUTS.map((input, i) => {
    const d = evaluate(ir, input);
    return {
      description: `case ${i} ${CHARS}`,
      input,
      expect: { decision: d.decision, model: d.model, reasons: d.reasons.map((r) => r.code), message: d.message, redact: d.obligations?.redact.map((r) => r.data_class) ?? [] },
    };
  });
  expect(cases.map((c) => c.expect.decision)).toEqual(['allow', 'deny', 'deny']);
  expect(cases[1]!.expect.message).toBe(`R ${CHARS}`);
  writeFileSync(join(dir, 'requests.json'), JSON.stringify({ cases }));
  out = join(dir, 'out');
  execFileSync(process.execPath, [CLI, 'build', '.', '--out', out, '--as-of', AS_OF], { cwd: dir, stdio: 'pipe' });
});

/** Every file govc wrote, by name, except the Wasm binary (govc's own code, no program text) and the archive. */
function textFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of (readdirSync(out, { recursive: true }) as string[]).sort()) {
    if (!statSync(join(out, f)).isFile() || f.endsWith('.wasm') || f.endsWith('.tar.gz')) continue;
    files.set(f, readFileSync(join(out, f), 'utf8'));
  }
  return files;
}

/** The entries of a ustar archive (govc's own writer: names up to 100 bytes, no prefix needed here). */
function untar(archive: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= archive.length; ) {
    const header = archive.subarray(at, at + 512);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (name === '') break;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    entries.set(name, archive.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

describe('generated files hold no invisible character raw', () => {
  it('the program has them all, in its strings and a file name', () => {
    expect(ir.org.title).toBe(`Acme ${CHARS}`);
    expect(ir.use_cases.u!.on_rate_limited.message).toBe(`R ${CHARS}`);
    expect(ir.use_cases.u!.source.startsWith(`${FILE_NAME}:`)).toBe(true);
    expect(CHARS.length).toBeGreaterThan(500);
  });

  it('in every file govc build writes', () => {
    const files = textFiles();
    expect([...files.keys()]).toEqual(
      expect.arrayContaining(['ir.json', 'manifest.json', 'opa/bundle/data.json', 'opa/bundle/.manifest', 'opa/bundle/govc/policy.rego', 'opa/tests/govc_test.rego', 'ts/guards.ts', 'ts/guards.mjs', 'ts/guards.d.mts', 'ts/guards.cjs', 'ts/guards.d.cts']),
    );
    const offenders = [...files].map(([name, text]) => [name, rawInvisible(text)] as const).filter(([, found]) => found.length > 0);
    expect(offenders).toEqual([]);
    // The archive holds the same bytes as the unpacked bundle.
    const archive = untar(gunzipSync(readFileSync(join(out, 'opa', 'bundle.tar.gz'))));
    expect([...archive.keys()].sort()).toEqual(['/.manifest', '/data.json', '/govc/policy.rego', '/policy.wasm']);
    for (const [name, data] of archive) expect([name, data.equals(readFileSync(join(out, 'opa', 'bundle', name)))]).toEqual([name, true]);
  });

  it('the builders escape every character of the set, and the escapes read back', () => {
    for (const ch of [...CHARS, '\ud800', '\udfff']) {
      for (const text of [stableJson(ch), compactJson({ [ch]: ch }), regoValue(ch).text, tsValue(ch).text, escapeInvisibleUtf16(JSON.stringify(ch))]) {
        expect(rawInvisible(text)).toEqual([]);
      }
      expect(JSON.parse(stableJson(ch))).toBe(ch);
      expect(JSON.parse(compactJson({ [ch]: ch }))).toEqual({ [ch]: ch });
    }
  });
});

describe('the escaped values read back identically', () => {
  it('JSON: ir.json, data.json and the manifest', () => {
    expect(JSON.parse(readFileSync(join(out, 'ir.json'), 'utf8'))).toEqual(ir);
    expect((JSON.parse(readFileSync(join(out, 'opa', 'bundle', 'data.json'), 'utf8')) as { govc: { ir: unknown } }).govc.ir).toEqual(ir);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { sources: string[] };
    expect(manifest.sources).toEqual([FILE_NAME, 'org.gov'].sort());
  });

  it('Rego: OPA parses the policy and the tests, and the tests pass on the same strings', () => {
    const bundle = join(out, 'opa', 'bundle');
    const tests = join(out, 'opa', 'tests', 'govc_test.rego');
    const check = opa(['check', '--strict', bundle, tests]);
    expect(check.status, check.stderr + check.stdout).toBe(0);
    const r = opa(['test', '--format', 'json', bundle, tests]);
    const results = JSON.parse(r.stdout) as Array<{ name: string; fail?: boolean }>;
    expect(results.filter((t) => t.fail).map((t) => t.name)).toEqual([]);
    expect(results).toHaveLength(INPUTS.length);
    const descriptions = opa(['eval', '--format', 'json', '-d', tests, 'data.govc_test.case_descriptions']);
    const value = (JSON.parse(descriptions.stdout) as { result: Array<{ expressions: Array<{ value: unknown }> }> }).result[0]!.expressions[0]!.value;
    expect(value).toEqual({ test_case_0001: `case 0 ${CHARS}`, test_case_0002: `case 1 ${CHARS}`, test_case_0003: `case 2 ${CHARS}` });
  });

  it('TypeScript: the module and its declarations compile, and the guards decide like the reference', async () => {
    const work = join(REPO_ROOT, 'out', 'test-generated-text');
    mkdirSync(work, { recursive: true });
    const files = { 'guards.ts': readFileSync(join(out, 'ts', 'guards.ts'), 'utf8'), 'use.ts': 'import { decide } from "./guards.js";\nexport const d = decide;\n' };
    const tc = mkdtempSync(join(work, 'tc-'));
    const roots = Object.entries(files).map(([name, text]) => {
      writeFileSync(join(tc, name), text);
      return join(tc, name);
    });
    const program = ts.createProgram(roots, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
      paths: { 'govc/runtime': [join(REPO_ROOT, 'src', 'runtime', 'index.ts')] },
    });
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    for (const name of ['guards.d.mts', 'guards.d.cts']) {
      const dts = ts.createSourceFile(name, readFileSync(join(out, 'ts', name), 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
      expect((dts as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics).toEqual([]);
    }
    // The emitted JavaScript, run as written (it imports `govc/runtime`: the package resolves itself from inside it).
    const js = join(work, `guards-${process.pid}.mjs`);
    writeFileSync(js, readFileSync(join(out, 'ts', 'guards.mjs'), 'utf8'));
    const fromJs = (await import(js)) as { decide: (input: unknown) => unknown };
    const fromTs = await loadGuards(ir, 'generated-text');
    for (const input of INPUTS) {
      const expected = JSON.stringify(evaluate(ir, input));
      expect(JSON.stringify(fromTs.decide(input))).toBe(expected);
      expect(JSON.stringify(fromJs.decide(input))).toBe(expected);
    }
  });
});

describe('diagnostics show invisible characters as escapes', () => {
  it('in messages, code frames, file names and JSON', () => {
    const src = `org acme {\n  owners "governance@acme.example"\n  title "${CHARS.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\n\r"\\]/g, '')}"\n  retain 30 d${X}ays\n}\n`;
    const bad = join(dir, `bad\u202e\u2028.gov`);
    writeFileSync(bad, src.replace('retain 30 d', `retain 30 "${X}" d`) + `use_case u2 {\n  tier "${X}"\n}\n`);
    const withBidi = join(dir, 'bidi.gov');
    writeFileSync(withBidi, `# a comment \u202e hiding\norg acme {\n  owners "a\u2067@acme.example"\n}\n`);
    for (const file of [bad, withBidi]) {
      const { diagnostics } = compileFiles([file], { asOf: AS_OF, cwd: dir });
      expect(diagnostics.length).toBeGreaterThan(0);
      for (const d of diagnostics) {
        expect(rawInvisible(renderHuman(d))).toEqual([]);
        expect(rawInvisible(stableJson(toJson(d)))).toEqual([]);
      }
    }
    for (const format of ['human', 'json']) {
      const r = spawnSync(process.execPath, [CLI, 'check', 'bidi.gov', `bad\u202e\u2028.gov`, '--as-of', AS_OF, '--format', format], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(3);
      expect(r.stdout + r.stderr).toContain('GOV1008');
      expect(rawInvisible(r.stdout + r.stderr)).toEqual([]);
    }
  });
});
