import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend, BackendInput } from '../src/backends/Backend.js';
import { BACKENDS, TARGET_NAMES } from '../src/backends/index.js';
import { buildBundle } from '../src/backends/opa/bundle.js';
import { regoTestsFromCorpus } from '../src/backends/opa/regoTests.js';
import type { CorpusCase } from '../src/decision/corpus.js';
import { guardsArtifacts } from '../src/backends/ts-guards/guardsArtifacts.js';
import { policyWasm } from '../src/backends/wasm/index.js';
import { litellmFiles } from '../src/backends/litellm/index.js';
import { portkeyFiles } from '../src/backends/portkey/index.js';
import { selectBackends } from '../src/cli/commands/build.js';
import { stableJson } from '../src/codegen/json.js';
import { IR_SCHEMA } from '../src/ir/schema.js';
import { buildArtifacts, MANIFEST_FILE } from '../src/project/buildArtifacts.js';
import { readCorpus } from '../src/project/readCorpus.js';
import { govc, tempProgram } from './helpers/diagnostics.js';
import { AS_OF, compileExample, exampleNames, REPO_ROOT } from './helpers/repo.js';

const EXAMPLE = 'acme-support';

function inputOf(name: string): BackendInput {
  const result = compileExample(name);
  if (!result.ir) throw new Error(`example ${name} does not compile`);
  const corpus = readCorpus(join(REPO_ROOT, 'examples', name));
  return { ir: result.ir, sources: result.sources, ...(corpus.cases && { corpus: corpus.cases }) };
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).map((f) => f.split('\\').join('/')).sort();
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const bytes = (data: string | Uint8Array): Buffer => Buffer.from(data);

describe('the list of back ends', () => {
  it('names each target once, after its folder, with a title and a README that says what it emits and how it is proven', () => {
    expect(new Set(TARGET_NAMES).size).toBe(BACKENDS.length);
    for (const b of BACKENDS) {
      const folder = join(REPO_ROOT, 'src', 'backends', b.name);
      expect([b.name, existsSync(join(folder, 'index.ts'))]).toEqual([b.name, true]);
      expect(b.title.length).toBeGreaterThan(10);
      const readme = readFileSync(join(folder, 'README.md'), 'utf8');
      expect(readme).toMatch(/\*\*Emits\*\*/);
      expect(readme).toMatch(/\*\*Proven by\*\*/);
      // The docs page and the tests it names exist.
      const docs = [...readme.matchAll(/docs\/[\w./-]+\.md/g)].map((m) => m[0]);
      const tests = [...readme.matchAll(/test\/[\w./-]+\.test\.ts/g)].map((m) => m[0]);
      expect(docs.length, `${b.name}: README names its docs page`).toBeGreaterThan(0);
      expect(tests.length, `${b.name}: README names its tests`).toBeGreaterThan(0);
      for (const path of [...docs, ...tests]) expect([b.name, path, existsSync(join(REPO_ROOT, path))]).toEqual([b.name, path, true]);
    }
  });

  it('is the table of targets in docs/cli.md, in build order', () => {
    const cli = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
    const rows = [...cli.matchAll(/^\| `([a-z][a-z0-9-]*)` \| .* \| docs\/[\w.-]+\.md \|$/gm)].map((m) => m[1]);
    expect(rows).toEqual(TARGET_NAMES);
  });

  it('has a folder for every back end and a back end for every folder', () => {
    const folders = readdirSync(join(REPO_ROOT, 'src', 'backends')).filter((n) => statSync(join(REPO_ROOT, 'src', 'backends', n)).isDirectory());
    expect(folders.sort()).toEqual([...TARGET_NAMES].sort());
  });
});

describe('buildArtifacts', () => {
  const input = inputOf(EXAMPLE);
  const options = { asOf: AS_OF };
  const all = buildArtifacts(input, options);
  const byPath = new Map(all.files);

  it('lays out every back end\'s artifacts, then their companions, then manifest.json', () => {
    expect(all.diagnostics).toEqual([]);
    expect(all.files.map(([p]) => p)).toEqual([
      'ir.json',
      'ir.schema.json',
      'opa/bundle.tar.gz',
      'ts/guards.ts',
      'ts/guards.mjs',
      'ts/guards.d.mts',
      'ts/guards.cjs',
      'ts/guards.d.cts',
      'policy.wasm',
      'litellm/config.yaml',
      'litellm/govc_guardrail.py',
      'litellm/govc_auth.py',
      'litellm/govc_counters.py',
      'litellm/govc_engine.py',
      'litellm/govc_contract.py',
      'litellm/govc_redis_scripts.py',
      'litellm/govc_policy.py',
      'portkey/kb_tagging.json',
      'portkey/support_assistant.json',
      'portkey/ticket_summary.json',
      'portkey/README.md',
      'opa/bundle/data.json',
      'opa/bundle/govc/policy.rego',
      'opa/bundle/policy.wasm',
      'opa/bundle/.manifest',
      'opa/tests/govc_test.rego',
      MANIFEST_FILE,
    ]);
    expect(all.replaces).toEqual(['opa', 'ts', 'litellm', 'portkey']);
  });

  it('writes exactly what each target\'s generator makes', () => {
    const bundle = buildBundle(input.ir);
    const expected: Record<string, string | Uint8Array> = {
      'ir.json': stableJson(input.ir),
      'ir.schema.json': stableJson(IR_SCHEMA),
      'opa/bundle.tar.gz': bundle.tarGz,
      ...guardsArtifacts(input.ir),
      'policy.wasm': policyWasm(),
      ...Object.fromEntries(bundle.files.map((f) => [`opa/bundle${f.name}`, f.data])),
      'opa/tests/govc_test.rego': regoTestsFromCorpus(input.corpus as CorpusCase[]),
      ...litellmFiles(input.ir),
      ...portkeyFiles(input.ir).files,
    };
    for (const [path, data] of Object.entries(expected)) expect([path, bytes(byPath.get(path)!).equals(bytes(data))]).toEqual([path, true]);
  });

  it('writes a manifest with the revision, org, date, sources and the SHA-256 of every other file', () => {
    const manifest = JSON.parse(String(byPath.get(MANIFEST_FILE))) as Record<string, unknown> & { files: Record<string, string> };
    expect(Object.keys(manifest)).toEqual(['revision', 'org', 'as_of', 'sources', 'targets', 'files']);
    expect(manifest.targets).toEqual({ portkey: portkeyFiles(input.ir).manifest });
    expect(manifest.revision).toBe(input.ir.revision);
    expect(manifest.org).toBe(input.ir.org.name);
    expect(manifest.as_of).toBe(AS_OF);
    expect(manifest.sources).toEqual(input.sources.map((s) => s.path).sort());
    const others = all.files.filter(([p]) => p !== MANIFEST_FILE);
    expect(Object.keys(manifest.files)).toEqual(others.map(([p]) => p));
    for (const [path, data] of others) expect(manifest.files[path]).toBe(sha256(data));
  });

  it('builds each target alone with the same bytes as in the full build, and the targets together make the whole', () => {
    const union = new Map<string, string | Uint8Array>();
    for (const backend of BACKENDS) {
      const one = buildArtifacts(input, options, [backend]);
      const manifest = JSON.parse(String(new Map(one.files).get(MANIFEST_FILE))) as { files: Record<string, string> };
      const own = one.files.filter(([p]) => p !== MANIFEST_FILE);
      expect(Object.keys(manifest.files)).toEqual(own.map(([p]) => p));
      for (const [path, data] of own) {
        expect([backend.name, path, bytes(data).equals(bytes(byPath.get(path)!))]).toEqual([backend.name, path, true]);
        union.set(path, data);
      }
    }
    expect([...union.keys()].sort()).toEqual(all.files.map(([p]) => p).filter((p) => p !== MANIFEST_FILE).sort());
  });

  it('adds what a back end adds to the manifest under `targets`, and writes nothing when one reports an error', () => {
    const noting: Backend = { name: 'notes', title: 'a test back end', needs: [], emit: () => ({ files: { 'notes.txt': 'n\n' }, manifest: { count: 1 } }) };
    const failing: Backend = {
      name: 'failing',
      title: 'a test back end that fails',
      needs: [],
      emit: () => ({ files: { 'x.txt': 'x' }, diagnostics: [{ code: 'GOV5004', severity: 'error', message: 'cannot' }] }),
    };
    const noted = buildArtifacts(input, options, [noting]);
    const manifest = JSON.parse(String(new Map(noted.files).get(MANIFEST_FILE))) as Record<string, unknown>;
    expect(Object.keys(manifest)).toEqual(['revision', 'org', 'as_of', 'sources', 'targets', 'files']);
    expect(manifest.targets).toEqual({ notes: { count: 1 } });
    const failed = buildArtifacts(input, options, [noting, failing]);
    expect(failed.files).toEqual([]);
    expect(failed.diagnostics.map((d) => d.message)).toEqual(['cannot']);
  });

  it('refuses, as a govc bug, two back ends writing one path or a path that leaves the folder', () => {
    const twice: Backend = { name: 'twice', title: 'writes ir.json again', needs: [], emit: () => ({ files: { 'ir.json': '{}' } }) };
    expect(() => buildArtifacts(input, options, [BACKENDS[0]!, twice])).toThrow(/INVARIANT: back end `twice` writes `ir.json`/);
    for (const path of ['../x', 'a//b', '/abs', 'a\\b', MANIFEST_FILE]) {
      const bad: Backend = { name: 'bad', title: 'a bad path', needs: [], emit: () => ({ files: { [path]: '' } }) };
      expect(() => buildArtifacts(input, options, [bad])).toThrow(/INVARIANT/);
    }
  });

  it('reports a signing key that cannot sign as a diagnostic, never a throw', () => {
    const r = buildArtifacts(input, { asOf: AS_OF, signing: { alg: 'RS256', key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' } });
    expect(r.files).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.message.startsWith('cannot sign the bundle')])).toEqual([['GOV5004', true]]);
  });
});

describe('--target', () => {
  it('chooses back ends in the list\'s order, whatever the order written', () => {
    const pick = (value: string | undefined): string[] | string => {
      const r = selectBackends(value);
      return 'error' in r ? r.error.message : r.backends.map((b) => b.name);
    };
    expect(pick(undefined)).toEqual(TARGET_NAMES);
    expect(pick('wasm,opa')).toEqual(['opa', 'wasm']);
    expect(pick(' opa , opa ')).toEqual(['opa']);
    expect(pick('ts-guard')).toBe('`ts-guard` is not a build target');
    expect(pick('opa,')).toBe('`--target opa,` names an empty target');
  });

  it('suggests the target meant, and lists them all', () => {
    const r = selectBackends('wsam');
    expect('error' in r && { code: r.error.code, help: r.error.help, notes: r.error.notes }).toEqual({
      code: 'GOV5004',
      help: 'did you mean `wasm`?',
      notes: ['the targets are `ir`, `opa`, `ts-guards`, `wasm`, `litellm`, `portkey`'],
    });
    const far = selectBackends('gateway');
    expect('error' in far && far.error.help).toBe('the targets are `ir`, `opa`, `ts-guards`, `wasm`, `litellm`, `portkey`');
  });
});

describe('govc build --target (dist/cli/main.js)', () => {
  const full = mkdtempSync(join(tmpdir(), 'govc-build-full-'));
  const fullRun = govc(['build', 'examples', '--out', full, '--as-of', AS_OF]);

  it('builds every target by default', () => {
    expect(fullRun.status).toBe(0);
    for (const name of exampleNames()) expect(filesUnder(join(full, name))).toContain('ts/guards.ts');
  });

  it('writes only the chosen targets and a manifest of them, with the bytes of the full build', () => {
    const out = mkdtempSync(join(tmpdir(), 'govc-build-some-'));
    const r = govc(['build', `examples/${EXAMPLE}`, '--out', out, '--as-of', AS_OF, '--target', 'wasm,opa']);
    expect(r.status).toBe(0);
    const files = filesUnder(out);
    expect(files).toEqual(
      ['manifest.json', 'opa/bundle.tar.gz', 'opa/bundle/.manifest', 'opa/bundle/data.json', 'opa/bundle/govc/policy.rego', 'opa/bundle/policy.wasm', 'opa/tests/govc_test.rego', 'policy.wasm'].sort(),
    );
    for (const f of files.filter((f) => f !== 'manifest.json')) {
      expect([f, readFileSync(join(out, f)).equals(readFileSync(join(full, EXAMPLE, f)))]).toEqual([f, true]);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { files: Record<string, string>; revision: string };
    expect(Object.keys(manifest.files).sort()).toEqual(files.filter((f) => f !== 'manifest.json'));
    expect(manifest.revision).toBe(JSON.parse(readFileSync(join(full, EXAMPLE, 'manifest.json'), 'utf8')).revision);
  });

  it('reads the request corpus only for a target that needs it', () => {
    const dir = tempProgram({ 'policy.gov': 'org x { owners "a@x.example" }\n', 'requests.json': '{"cases": [' });
    expect(govc(['build', '.', '--out', 'out', '--as-of', AS_OF, '--target', 'ir'], dir).status).toBe(0);
    expect(filesUnder(join(dir, 'out'))).toEqual(['ir.json', 'ir.schema.json', 'manifest.json']);
    const withOpa = govc(['build', '.', '--out', 'out2', '--as-of', AS_OF, '--target', 'ir,opa'], dir);
    expect(withOpa.status).toBe(3);
    expect(withOpa.stderr).toContain('error[GOV5006]');
    expect(existsSync(join(dir, 'out2', 'ir.json'))).toBe(false);
  });

  it('refuses an unknown target, and a signing key no chosen target uses, before building anything', () => {
    const out = mkdtempSync(join(tmpdir(), 'govc-build-bad-'));
    const unknown = govc(['build', `examples/${EXAMPLE}`, '--out', out, '--as-of', AS_OF, '--target', 'ts']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('error[GOV5004]: `ts` is not a build target');
    expect(unknown.stderr).toContain('did you mean `ts-guards`?');
    const unsigned = govc(['build', `examples/${EXAMPLE}`, '--out', out, '--as-of', AS_OF, '--target', 'wasm', '--signing-key', 'secret', '--signing-alg', 'HS256']);
    expect(unsigned.status).toBe(1);
    expect(unsigned.stderr).toContain('`--signing-key` signs nothing');
    const json = govc(['build', `examples/${EXAMPLE}`, '--out', out, '--as-of', AS_OF, '--target', 'nope', '--format', 'json']);
    expect(json.status).toBe(1);
    expect((JSON.parse(json.stdout) as Array<{ diagnostics: Array<{ code: string }> }>)[0]!.diagnostics[0]!.code).toBe('GOV5004');
    expect(readdirSync(out)).toEqual([]);
  });

  it('reports a signing key that cannot sign (exit 1) and writes nothing of that program', () => {
    const dir = tempProgram({ 'policy.gov': 'org x { owners "a@x.example" }\n', 'bad.pem': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' });
    const r = govc(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF, '--signing-key', 'bad.pem'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[GOV5004]: cannot sign the bundle');
    expect(existsSync(join(dir, 'out', 'ir.json'))).toBe(false);
    writeFileSync(join(dir, 'ok.pem'), 'secret\n');
    expect(govc(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF, '--signing-key', 'ok.pem', '--signing-alg', 'HS256'], dir).status).toBe(0);
    expect(filesUnder(join(dir, 'out'))).toContain('opa/bundle/.signatures.json');
  });
});
