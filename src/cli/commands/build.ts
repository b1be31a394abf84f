import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { policyWasm } from '../../backends/wasm/index.js';
import { guardsArtifacts } from '../../backends/ts-guards/index.js';
import { buildBundle, regoTestsFromCorpus, SIGNING_ALGS, type CorpusCase, type SigningAlg, type SigningOptions } from '../../backends/opa/index.js';
import { stableJson } from '../../codegen/json.js';
import { hasErrors, type Diagnostic } from '../../diagnostics/Diagnostic.js';
import { IR_SCHEMA } from '../../ir/schema.js';
import { compileFiles } from '../../project/compile.js';
import { describeProblem, isInside, readRegularFile } from '../../project/readRegularFile.js';
import { printable } from '../../diagnostics/render.js';
import { EXIT } from '../exitCodes.js';
import { OutputDir, OutputError, outputFolderNames } from '../outputs.js';
import { printDiagnostics, startRun, summaryLine, type OutputOptions } from './common.js';

export { stableJson };

export interface BuildOptions extends OutputOptions {
  out: string;
  root?: string;
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

/** A request corpus is read whole; this bounds it (the examples' are about 100 KiB). */
const MAX_CORPUS_BYTES = 16 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The request corpus beside a program (`requests.json`), if any: turned into Rego tests for `opa test`. It is read
 * like a source file: a regular file of bounded size, in the program's folder after links are resolved (its content
 * is copied into the output, so a link to a file elsewhere must not smuggle that file in). A problem is a GOV5006.
 */
function corpusOf(programPath: string): { cases?: CorpusCase[]; problem?: Diagnostic } {
  let folder: string;
  try {
    folder = statSync(programPath, { throwIfNoEntry: false })?.isDirectory() ? programPath : dirname(programPath);
  } catch {
    return {};
  }
  const path = join(folder, 'requests.json');
  const shown = path.split('\\').join('/');
  const problem = (message: string, help: string): { problem: Diagnostic } => ({ problem: { code: 'GOV5006', severity: 'error', message, help } });
  let real: string;
  let folderReal: string;
  try {
    folderReal = realpathSync.native(folder);
    real = realpathSync.native(path);
  } catch {
    return {};
  }
  if (!isInside(folderReal, real)) return problem(`\`${shown}\` leads, through a symbolic link, outside the program's folder`, 'keep the request corpus in the program\'s folder as a regular file');
  const read = readRegularFile(real, MAX_CORPUS_BYTES);
  if ('problem' in read) return problem(`\`${shown}\` ${describeProblem(read.problem, MAX_CORPUS_BYTES)}`, 'the request corpus is a regular JSON file beside the program');
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.bytes.toString('utf8'));
  } catch {
    return problem(`\`${shown}\` is not valid JSON`, 'fix the file, or move it away to build without Rego tests');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.cases)) return problem(`\`${shown}\` has no \`cases\` list`, 'a corpus is `{"cases": [{"description", "input", "expect": {"decision", ...}}]}`');
  const bad = parsed.cases.findIndex((c) => !isRecord(c) || !isRecord(c.expect) || typeof c.expect.decision !== 'string');
  if (bad >= 0) return problem(`case ${bad + 1} of \`${shown}\` has no \`expect.decision\``, 'every case states at least the decision it expects: `"expect": {"decision": "allow"}`');
  return { cases: parsed.cases as CorpusCase[] };
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
  let out: OutputDir;
  try {
    out = OutputDir.open(opts.out);
  } catch (err) {
    groups.push({ program: 'govc', diagnostics: [outputDiagnostic(err)] });
    printDiagnostics(groups, opts);
    return EXIT.usage;
  }
  const folderNames = outputFolderNames(programs.map((p) => p.name));
  programs.forEach((p, i) => {
    if (programs.length > 1 && opts.format !== 'json') process.stderr.write(`[${i + 1}/${programs.length}] building ${printable(p.path)}\n`);
    const result = compileFiles(p.entryFiles, { asOf: date.asOf, ...(opts.root !== undefined && { root: opts.root }) });
    const diagnostics: Diagnostic[] = [...result.diagnostics];
    groups.push({ program: p.path, diagnostics });
    if (!result.ir) return;
    const corpus = corpusOf(p.path);
    if (corpus.problem) {
      diagnostics.push(corpus.problem);
      return;
    }
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
    files['policy.wasm'] = policyWasm();
    for (const f of bundle.files) files[`opa/bundle${f.name}`] = f.data;
    if (corpus.cases) files['opa/tests/govc_test.rego'] = regoTestsFromCorpus(corpus.cases);
    const manifest = {
      revision: result.ir.revision,
      org: result.ir.org.name,
      as_of: date.asOf,
      sources: result.sources.map((s) => s.path).sort(),
      files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, createHash('sha256').update(text).digest('hex')])),
    };
    files['manifest.json'] = stableJson(manifest);
    try {
      // Several programs: one folder each, named after the program but made safe and unique (outputs.ts).
      const dir = programs.length > 1 ? out.sub(folderNames[i]!) : out;
      dir.remove('opa');
      for (const [name, text] of Object.entries(files)) dir.write(name, text);
      written.push(programs.length > 1 ? join(opts.out, folderNames[i]!) : opts.out);
    } catch (err) {
      diagnostics.push(outputDiagnostic(err));
    }
  });
  printDiagnostics(groups, opts);
  if (opts.format !== 'json') {
    for (const g of groups) if (g.program !== 'govc') process.stderr.write(summaryLine(g.program, g.diagnostics) + '\n');
    for (const dir of written) process.stderr.write(`wrote ${printable(dir)}\n`);
  }
  const failed = groups.some((g) => hasErrors(g.diagnostics));
  if (failedSigning || groups.some((g) => g.diagnostics.some((d) => d.code === 'GOV5005'))) return EXIT.usage;
  return found.length && programs.length === 0 ? EXIT.usage : failed ? EXIT.checkFailed : EXIT.ok;
}

function outputDiagnostic(err: unknown): Diagnostic {
  // INVARIANT: OutputDir reports refusals and failures as OutputError; anything else is a govc bug, reported too.
  const message = err instanceof OutputError ? err.message : `internal error while writing: ${err instanceof Error ? err.message : String(err)}`;
  return { code: 'GOV5005', severity: 'error', message, help: 'govc writes only plain files and folders inside --out; remove what is in the way, or pick another --out' };
}
