import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { policyWasm } from '../../backends/wasm/index.js';
import { guardsArtifacts } from '../../backends/ts-guards/index.js';
import { buildBundle, regoTestsFromCorpus, SIGNING_ALGS, type CorpusCase, type SigningAlg, type SigningOptions } from '../../backends/opa/index.js';
import { hasErrors, type Diagnostic } from '../../diagnostics/Diagnostic.js';
import { IR_SCHEMA } from '../../ir/schema.js';
import { compileFiles } from '../../project/compile.js';
import { EXIT } from '../exitCodes.js';
import { printDiagnostics, startRun, summaryLine, type OutputOptions } from './common.js';

/** Stable JSON: two-space indentation and a final newline; key order is fixed by construction. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export interface BuildOptions extends OutputOptions {
  out: string;
  signingKey?: string;
  signingAlg?: string;
  signingKeyId?: string;
}

function signingOf(opts: BuildOptions): SigningOptions | undefined | string {
  if (opts.signingKey === undefined) return undefined;
  const alg = (opts.signingAlg ?? 'RS256').toUpperCase();
  if (!(SIGNING_ALGS as readonly string[]).includes(alg)) return `--signing-alg must be one of ${SIGNING_ALGS.join(', ')}`;
  return { alg: alg as SigningAlg, key: opts.signingKey, ...(opts.signingKeyId !== undefined && { keyId: opts.signingKeyId }) };
}

/** The request corpus beside a program (`requests.json`), if any: turned into Rego tests for `opa test`. */
function corpusOf(programPath: string): CorpusCase[] | undefined {
  const path = join(programPath.endsWith('.gov') ? dirname(programPath) : programPath, 'requests.json');
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { cases?: CorpusCase[] };
  return Array.isArray(parsed.cases) ? parsed.cases : undefined;
}

export function runBuild(paths: string[], opts: BuildOptions): number {
  const signing = signingOf(opts);
  if (typeof signing === 'string') {
    process.stderr.write(`govc: ${signing}\n`);
    return EXIT.usage;
  }
  const start = startRun(paths, opts);
  if (typeof start === 'number') return start;
  const { date, programs, found, groups } = start;
  const written: string[] = [];
  let failedSigning = false;
  programs.forEach((p, i) => {
    if (programs.length > 1 && opts.format !== 'json') process.stderr.write(`[${i + 1}/${programs.length}] building ${p.path}\n`);
    const result = compileFiles(p.entryFiles, { asOf: date.asOf });
    groups.push({ program: p.path, diagnostics: result.diagnostics });
    if (!result.ir) return;
    const dir = programs.length > 1 ? join(opts.out, p.name) : opts.out;
    mkdirSync(dir, { recursive: true });
    let bundle;
    try {
      bundle = buildBundle(result.ir, signing ? { signing } : {});
    } catch (err) {
      process.stderr.write(`govc: cannot sign the bundle: ${err instanceof Error ? err.message : String(err)}\n`);
      failedSigning = true;
      return;
    }
    const files: Record<string, string | Buffer> = {
      'ir.json': stableJson(result.ir),
      'ir.schema.json': stableJson(IR_SCHEMA),
      'opa/bundle.tar.gz': bundle.tarGz,
      ...guardsArtifacts(result.ir),
    };
    rmSync(join(dir, 'opa'), { recursive: true, force: true });
    files['policy.wasm'] = policyWasm();
    for (const f of bundle.files) files[`opa/bundle${f.name}`] = f.data;
    const corpus = corpusOf(p.path);
    if (corpus) files['opa/tests/govc_test.rego'] = regoTestsFromCorpus(corpus);
    const manifest = {
      revision: result.ir.revision,
      org: result.ir.org.name,
      as_of: date.asOf,
      sources: result.sources.map((s) => s.path).sort(),
      files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, createHash('sha256').update(text).digest('hex')])),
    };
    files['manifest.json'] = stableJson(manifest);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    written.push(dir);
  });
  printDiagnostics(groups, opts);
  if (opts.format !== 'json') {
    for (const g of groups) if (g.program !== 'govc') process.stderr.write(summaryLine(g.program, g.diagnostics) + '\n');
    for (const dir of written) process.stderr.write(`wrote ${dir}\n`);
  }
  const failed = groups.some((g) => hasErrors(g.diagnostics));
  if (failedSigning) return EXIT.usage;
  return found.length && programs.length === 0 ? EXIT.usage : failed ? EXIT.checkFailed : EXIT.ok;
}
