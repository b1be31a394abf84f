import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stableJson } from '../src/codegen/json.js';
import { validateIr } from '../src/ir/validateIr.js';
import { IR_SCHEMA } from '../src/ir/schema.js';
import { AS_OF, compileExample, exampleNames, REPO_ROOT } from './helpers/repo.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

describe('examples', () => {
  it('has at least three organisations', () => {
    expect(exampleNames().length).toBeGreaterThanOrEqual(4);
  });

  for (const name of exampleNames()) {
    describe(name, () => {
      const result = compileExample(name);

      it('checks without errors', () => {
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
        expect(result.ir).toBeDefined();
      });

      it('lowers to an IR that the schema accepts', () => {
        expect(validateIr(result.ir)).toEqual([]);
      });

      it('matches the golden IR', async () => {
        await expect(stableJson(result.ir)).toMatchFileSnapshot(join(REPO_ROOT, 'test', 'fixtures', 'examples', name, 'ir.json'));
      });

      it('compiles deterministically', () => {
        const again = compileExample(name);
        expect(JSON.stringify(again.ir)).toBe(JSON.stringify(result.ir));
      });
    });
  }
});

describe('the IR schema', () => {
  it('rejects an IR with a missing table, a wrong type or an extra field', () => {
    const ir = compileExample(exampleNames()[0]!).ir!;
    const { use_cases: _dropped, ...withoutUseCases } = ir;
    expect(validateIr(withoutUseCases).join('\n')).toMatch(/use_cases/);
    expect(validateIr({ ...ir, revision: 42 }).join('\n')).toMatch(/revision/);
    expect(validateIr({ ...ir, surprise: true }).join('\n')).toMatch(/additional/);
  });

  it('is the copy checked in under docs/', () => {
    expect(JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'ir.schema.json'), 'utf8'))).toEqual(IR_SCHEMA);
  });
});

describe('govc build', () => {
  it('writes byte-identical artifacts when run twice', () => {
    const a = mkdtempSync(join(tmpdir(), 'govc-build-a-'));
    const b = mkdtempSync(join(tmpdir(), 'govc-build-b-'));
    for (const out of [a, b]) {
      execFileSync('node', [CLI, 'build', 'examples', '--out', out, '--as-of', AS_OF], { cwd: REPO_ROOT, stdio: 'pipe' });
    }
    const names = exampleNames();
    for (const name of names) {
      const files = (readdirSync(join(a, name), { recursive: true }) as string[]).filter((f) => statSync(join(a, name, f)).isFile()).sort();
      expect(files).toEqual(
        expect.arrayContaining(['ir.json', 'ir.schema.json', 'manifest.json', 'opa/bundle.tar.gz', 'opa/bundle/.manifest', 'opa/bundle/data.json', 'opa/bundle/govc/policy.rego', 'opa/tests/govc_test.rego']),
      );
      for (const f of files) {
        expect([f, readFileSync(join(b, name, f)).equals(readFileSync(join(a, name, f)))]).toEqual([f, true]);
      }
    }
  });

  it('writes byte-identical artifacts for the same sources in other folders, built from other working directories', () => {
    // Revisions, spans and `source` fields depend only on the content and paths relative to the program root.
    const tmp = mkdtempSync(join(tmpdir(), 'govc-where-'));
    const a = join(tmp, 'one', 'acme-support');
    const b = join(tmp, 'two', 'much', 'deeper', 'copy-of-acme');
    for (const dir of [a, b]) cpSync(join(REPO_ROOT, 'examples', 'acme-support'), dir, { recursive: true });
    const cwdB = join(tmp, 'elsewhere', 'x', 'y');
    mkdirSync(cwdB, { recursive: true });
    const outA = join(tmp, 'out-a');
    const outB = join(tmp, 'out-b');
    execFileSync('node', [CLI, 'build', 'acme-support', '--out', outA, '--as-of', AS_OF], { cwd: join(tmp, 'one'), stdio: 'pipe' });
    execFileSync('node', [CLI, 'build', relative(cwdB, b), '--out', relative(cwdB, outB), '--as-of', AS_OF], { cwd: cwdB, stdio: 'pipe' });
    const files = (readdirSync(outA, { recursive: true }) as string[]).filter((f) => statSync(join(outA, f)).isFile()).sort();
    expect(files).toEqual((readdirSync(outB, { recursive: true }) as string[]).filter((f) => statSync(join(outB, f)).isFile()).sort());
    expect(files).toEqual(expect.arrayContaining(['ir.json', 'manifest.json', 'opa/bundle.tar.gz', 'ts/guards.ts', 'ts/guards.mjs', 'ts/guards.d.mts', 'ts/guards.cjs', 'ts/guards.d.cts', 'policy.wasm']));
    for (const f of files) expect([f, readFileSync(join(outB, f)).equals(readFileSync(join(outA, f)))]).toEqual([f, true]);
    // And the same as compiled in place: the revision is the golden's.
    const manifest = JSON.parse(readFileSync(join(outA, 'manifest.json'), 'utf8')) as { revision: string; sources: string[] };
    expect(manifest.revision).toBe(compileExample('acme-support').ir!.revision);
    expect(manifest.sources).toEqual(['corpora.gov', 'guardrails.gov', 'models.gov', 'org.gov', 'prompts.gov', 'std/baseline_data.gov', 'std/eu_ai_act.gov', 'tools.gov', 'use_cases.gov']);
  });

  it('exits 3 and writes nothing for a program with errors', () => {
    const out = mkdtempSync(join(tmpdir(), 'govc-build-bad-'));
    const bad = join(mkdtempSync(join(tmpdir(), 'govc-src-')), 'bad.gov');
    writeFileSync(bad, 'org x { owners "a@x.example" }\nuse_case u { tier nope }\n');
    let status = 0;
    try {
      execFileSync('node', [CLI, 'build', bad, '--out', out, '--as-of', AS_OF], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
    }
    expect(status).toBe(3);
    expect(readdirSync(out)).toEqual([]);
  });
});
