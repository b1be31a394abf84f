import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, policyRego, regoTestsFromCorpus, type SigningOptions } from '../src/backends/opa/index.js';
import { tarGz } from '../src/codegen/tar.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { loadCorpora } from './helpers/corpus.js';
import { opa, requireOpa, startOpaServer, type OpaServer } from './helpers/opa.js';
import { asSent, canonical, CONTRACT_NAMES, contractRequest, renameIr, requestArbitrary } from './helpers/requests.js';
import { exampleIr, exampleNames } from './helpers/repo.js';

const work = mkdtempSync(join(tmpdir(), 'govc-opa-'));

function writeBundle(name: string, ir: IrProgram, signing?: SigningOptions): string {
  const path = join(work, `${name}.tar.gz`);
  writeFileSync(path, buildBundle(ir, signing ? { signing } : {}).tarGz);
  return path;
}

/** Evaluates many inputs in one `opa eval` over the bundle, keyed by index so an undefined result shows as missing. */
function opaEvalBatch(bundle: string, inputs: unknown[]): unknown[] {
  const inputFile = join(work, 'batch-input.json');
  writeFileSync(inputFile, JSON.stringify({ cases: inputs }));
  const r = opa(['eval', '--format', 'json', '-b', bundle, '-i', inputFile, '{sprintf("%d", [i]): d | some i, x in input.cases; d := data.govc.decision with input as x}']);
  expect(r.stderr).toBe('');
  const value = (JSON.parse(r.stdout) as { result: Array<{ expressions: Array<{ value: Record<string, unknown> }> }> }).result[0]!.expressions[0]!.value;
  return inputs.map((_, i) => value[String(i)]);
}

beforeAll(() => {
  requireOpa();
});

describe('the Rego policy', () => {
  it('passes `opa check --strict`', () => {
    const file = join(work, 'policy.rego');
    writeFileSync(file, policyRego());
    const r = opa(['check', '--strict', file]);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('is formatted as `opa fmt` leaves it', () => {
    const file = join(work, 'fmt.rego');
    writeFileSync(file, policyRego());
    const r = opa(['fmt', '--list', '--fail', file]);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the OPA bundle', () => {
  const ir = exampleIr(exampleNames()[0]!);

  it('is byte-identical when built twice', () => {
    expect(buildBundle(ir).tarGz.equals(buildBundle(ir).tarGz)).toBe(true);
  });

  it('has a manifest `opa inspect` reads, with the revision and roots', () => {
    const r = opa(['inspect', '--format', 'json', writeBundle('inspect', ir)]);
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout) as {
      manifest: { revision: string; roots: string[] };
      namespaces: Record<string, string[]>;
      wasm_modules: Array<{ path: string; entrypoints: string[] }>;
    };
    expect(info.manifest.revision).toBe(ir.revision);
    expect(info.manifest.roots).toEqual(['govc']);
    expect(Object.keys(info.namespaces).sort()).toEqual(['data', 'data.govc', 'data.govc.wasm.allow', 'data.govc.wasm.decision', 'data.govc.wasm.reasons']);
    expect(info.wasm_modules).toEqual([{ path: '/policy.wasm', entrypoints: ['data.govc.wasm.decision', 'data.govc.wasm.allow', 'data.govc.wasm.reasons'], url: expect.any(String) }]);
  });
});

const corpora = loadCorpora();

describe('conformance corpus: OPA agrees with the reference evaluator', () => {
  it('covers at least 300 cases across the examples', () => {
    expect(corpora.reduce((n, c) => n + c.cases.length, 0)).toBeGreaterThanOrEqual(300);
  });

  for (const corpus of corpora) {
    it(`${corpus.example}: \`opa eval\` over the bundle on every case`, () => {
      const ir = exampleIr(corpus.example);
      const inputs = corpus.cases.map((c) => c.input);
      const got = opaEvalBatch(writeBundle(`eval-${corpus.example}`, ir), inputs);
      const mismatches = inputs.flatMap((input, i) =>
        canonical(got[i]) === canonical(evaluate(ir, input)) ? [] : [{ i, description: corpus.cases[i]!.description, opa: got[i], reference: evaluate(ir, input) }],
      );
      expect(mismatches.slice(0, 3)).toEqual([]);
    });
  }

  it('`opa test` passes the Rego tests govc generates from each corpus', () => {
    for (const corpus of corpora) {
      const dir = join(work, `opatest-${corpus.example}`);
      mkdirSync(dir, { recursive: true });
      const bundle = buildBundle(exampleIr(corpus.example));
      for (const f of bundle.files) {
        mkdirSync(join(dir, 'bundle', f.name, '..'), { recursive: true });
        writeFileSync(join(dir, 'bundle', f.name), f.data);
      }
      writeFileSync(join(dir, 'govc_test.rego'), regoTestsFromCorpus(corpus.cases));
      const r = opa(['test', '--format', 'json', join(dir, 'bundle'), join(dir, 'govc_test.rego')]);
      const results = JSON.parse(r.stdout) as Array<{ name: string; fail?: boolean }>;
      expect(results.filter((t) => t.fail).map((t) => t.name)).toEqual([]);
      expect(results.length).toBe(corpus.cases.length);
    }
  });
});

describe('hostile requests as JSON text (docs/semantics.md RULES A-C)', () => {
  const ir = renameIr(exampleIr('acme-support'), CONTRACT_NAMES);
  /** Each text spliced into `{"cases": [...]}` as written, so OPA reads the numbers' own text. */
  function decideTexts(texts: string[]): Array<{ decision: string; use_case: string | null; trace_id: string | null; reasons: string[] }> {
    const file = join(work, 'hostile-input.json');
    writeFileSync(file, `{"cases":[${texts.join(',')}]}`);
    const r = opa(['eval', '--format', 'json', '-b', writeBundle('hostile', ir), '-i', file, '{sprintf("%d", [i]): d | some i, x in input.cases; d := data.govc.decision with input as x}']);
    expect(r.stderr).toBe('');
    const value = (JSON.parse(r.stdout) as { result: Array<{ expressions: Array<{ value: Record<string, { decision: string; use_case: string | null; trace_id: string | null; reasons: Array<{ code: string; message: string }> }> }> }> }).result[0]!.expressions[0]!.value;
    return texts.map((_, i) => {
      const d = value[String(i)]!;
      return { decision: d.decision, use_case: d.use_case, trace_id: d.trace_id, reasons: d.reasons.map((x) => `${x.code}: ${x.message}`) };
    });
  }
  const tokens = (raw: string): string => JSON.stringify(contractRequest({ tokens: { input: '@', output: 0 } })).replace('"@"', raw);

  it('RULE A: a number is an integer when its exact decimal value is one', () => {
    const integers = ['1', '1.0', '1e3', '10E-1', '-0', '100e-2', '0.1e1'];
    const others = ['0.99999999999999999999', '1e-400', '-1e-400', '1.0000000000000001', '999999999.99999999999', '1e400'];
    const got = decideTexts([...integers, ...others].map(tokens));
    expect(got.map((d) => d.reasons)).toEqual([
      ...integers.map(() => ['allowed: allowed by use case `__proto__`']),
      ...others.map(() => ['malformed_request: `tokens.input` must be an integer from 0 to 1000000000']),
    ]);
  });

  it('RULE B: unknown names, regions, scopes and keys are echoed up to 64 code points; declared names whole', () => {
    const long = 'z'.repeat(100_000);
    const cut = `${'z'.repeat(64)}…`;
    const got = decideTexts([
      JSON.stringify(contractRequest({ use_case: long })),
      JSON.stringify(contractRequest({ use_case: `${'a'.repeat(63)}😀b` })),
      JSON.stringify(contractRequest({ use_case: '😀'.repeat(64) })),
      JSON.stringify(contractRequest({ region: long })),
      JSON.stringify(contractRequest({ tool: { name: 'hasOwnProperty', scope: long } })),
      JSON.stringify(contractRequest({ spend: { use_case: { month: 0, day: 0, [long]: -1 }, tenant: { month: 0, day: 0 } } })),
      JSON.stringify(contractRequest({ use_case: CONTRACT_NAMES.kb_tagging, spend: { use_case: { month: 0 } }, rate: { use_case: { requests: 0 } } })),
    ]);
    expect(got.map((d) => [d.use_case, d.reasons])).toEqual([
      [cut, [`unknown_use_case: use case \`${cut}\` is not declared`]],
      [`${'a'.repeat(63)}😀…`, [`unknown_use_case: use case \`${'a'.repeat(63)}😀…\` is not declared`]],
      ['😀'.repeat(64), [`unknown_use_case: use case \`${'😀'.repeat(64)}\` is not declared`]],
      ['__proto__', [`model_region_not_served: model \`constructor\` is not available in region \`${cut}\``]],
      ['__proto__', [`tool_scope_not_allowed: scope \`${cut}\` is not granted for tool \`hasOwnProperty\``]],
      [null, [`malformed_request: \`spend.use_case.${cut}\` must be an integer number of micro-units from 0 to 1000000000000000`]],
      [CONTRACT_NAMES.kb_tagging, [`allowed: allowed by use case \`${CONTRACT_NAMES.kb_tagging}\``]],
    ]);
  });

  it('RULE C: trace ids of at most 256 code points, echoed by a malformed decision only when valid', () => {
    const got = decideTexts([
      JSON.stringify(contractRequest({ trace_id: '😀'.repeat(256) })),
      JSON.stringify(contractRequest({ trace_id: '😀'.repeat(257) })),
      JSON.stringify(contractRequest({ tenant: '', trace_id: 'x'.repeat(300) })),
      JSON.stringify(contractRequest({ tenant: '', trace_id: 'ok' })),
    ]);
    expect(got.map((d) => [d.trace_id, d.reasons])).toEqual([
      ['😀'.repeat(256), ['allowed: allowed by use case `__proto__`']],
      [null, ['malformed_request: `trace_id` must be a string of at most 256 characters']],
      [null, ['malformed_request: `tenant` must be a non-empty string']],
      ['ok', ['malformed_request: `tenant` must be a non-empty string']],
    ]);
  });
});

describe('OPA server over loopback', () => {
  const servers = new Map<string, OpaServer>();

  beforeAll(async () => {
    for (const name of exampleNames()) servers.set(name, await startOpaServer(writeBundle(`server-${name}`, exampleIr(name))));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  });

  it('answers the smoke cases of every corpus as the reference does', async () => {
    for (const corpus of corpora) {
      const ir = exampleIr(corpus.example);
      const server = servers.get(corpus.example)!;
      for (const c of corpus.cases.filter((_, i) => i % 5 === 0)) {
        expect(canonical(await server.decide(c.input))).toBe(canonical(evaluate(ir, c.input)));
      }
    }
  });

  for (const name of exampleNames()) {
    it(`${name}: random requests (property-based), OPA vs reference, shrinking on mismatch`, async () => {
      const ir = exampleIr(name);
      const server = servers.get(name)!;
      await fc.assert(
        fc.asyncProperty(requestArbitrary(ir), async (input) => {
          // OPA receives the JSON text: the reference decides what that text says (lone surrogates are U+FFFD there).
          expect(canonical(await server.decide(input))).toBe(canonical(evaluate(ir, asSent(input))));
        }),
        { numRuns: 1500, seed: 26112026 + name.length },
      );
    }, 300_000);
  }
});

describe('bundle signing', () => {
  const ir = exampleIr(exampleNames()[0]!);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = {
    RS256: { sign: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), verify: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ES256: { sign: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), verify: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    HS256: { sign: 'a shared secret for the test', verify: 'a shared secret for the test' },
  } as const;

  function verify(bundlePath: string, alg: keyof typeof keys, verifyKey: string = keys[alg].verify): { status: number; stderr: string } {
    const keyFile = join(work, `verify-${alg}.key`);
    writeFileSync(keyFile, verifyKey);
    const r = opa(['build', '-b', bundlePath, '--verification-key', keyFile, '--signing-alg', alg, '-o', join(work, 'verified.tar.gz')]);
    return { status: r.status, stderr: r.stderr };
  }

  for (const alg of ['RS256', 'ES256', 'HS256'] as const) {
    it(`${alg}: OPA verifies a bundle signed with the matching key`, () => {
      const bundle = writeBundle(`signed-${alg}`, ir, { alg, key: keys[alg].sign });
      expect(verify(bundle, alg)).toMatchObject({ status: 0 });
    });
  }

  it('OPA refuses a bundle with a changed file, an added file, a removed signature, or the wrong key', () => {
    const signed = buildBundle(ir, { signing: { alg: 'RS256', key: keys.RS256.sign } });
    const variants: Record<string, Array<{ name: string; data: Buffer }>> = {
      changed: signed.files.map((f) => (f.name === '/data.json' ? { ...f, data: Buffer.from(f.data.toString().replace('"acme"', '"acmf"')) } : f)),
      added: [...signed.files.slice(0, -1), { name: '/govc/extra.rego', data: Buffer.from('package govc\n\nextra := true\n') }, signed.files.at(-1)!],
      unsigned: signed.files.filter((f) => f.name !== '/.signatures.json'),
    };
    for (const [what, files] of Object.entries(variants)) {
      const path = join(work, `tampered-${what}.tar.gz`);
      writeFileSync(path, tarGz(files));
      const r = verify(path, 'RS256');
      expect([what, r.status]).not.toEqual([what, 0]);
    }
    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const path = join(work, 'signed-for-wrong-key.tar.gz');
    writeFileSync(path, signed.tarGz);
    expect(verify(path, 'RS256', wrongKey).status).not.toBe(0);
  });

  it('an OPA server with verification configured loads the signed bundle and refuses a tampered one', async () => {
    const keyFile = join(work, 'server-verify.pem');
    writeFileSync(keyFile, keys.RS256.verify);
    const good = writeBundle('server-signed', ir, { alg: 'RS256', key: keys.RS256.sign });
    const server = await startOpaServer(good, ['--verification-key', keyFile, '--signing-alg', 'RS256']);
    await server.stop();
    const signed = buildBundle(ir, { signing: { alg: 'RS256', key: keys.RS256.sign } });
    const tampered = join(work, 'server-tampered.tar.gz');
    writeFileSync(tampered, tarGz(signed.files.map((f) => (f.name === '/govc/policy.rego' ? { ...f, data: Buffer.from(f.data.toString() + '\nbackdoor := true\n') } : f))));
    await expect(startOpaServer(tampered, ['--verification-key', keyFile, '--signing-alg', 'RS256'], 15_000)).rejects.toThrow(/opa exited/);
  }, 60_000);
});

describe('injection safety of generated Rego', () => {
  const NASTY = ['"', '\\', '\n', '\u2028', '\u2029', '`', '}\npackage evil\nx := 1\n#', '" } backdoor if { true } x := "', '\u0000', '💥'];

  it('corpus strings never become Rego code in generated tests', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string()), { minLength: 1, maxLength: 4 }), (parts) => {
        const evil = parts.join('');
        const text = regoTestsFromCorpus([{ description: evil, input: { use_case: evil, [evil]: evil }, expect: { decision: 'deny', message: evil, reasons: [evil] } }]);
        const file = join(work, 'inject_test.rego');
        writeFileSync(file, text);
        const r = opa(['parse', '--format', 'json', file]);
        expect(r.status).toBe(0);
        const ast = JSON.parse(r.stdout) as { package: { path: Array<{ value: string }> }; rules: Array<{ head: { name?: string; ref?: Array<{ value: string }> } }> };
        expect(ast.package.path.map((p) => p.value)).toEqual(['data', 'govc_test']);
        const names = ast.rules.map((rule) => rule.head.name ?? rule.head.ref?.[0]?.value);
        expect(names).toEqual(['case_descriptions', 'test_case_0001']);
      }),
      { numRuns: 40 },
    );
  });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

