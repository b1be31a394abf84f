import { join } from 'node:path';
import type { Backend } from '../../backends/Backend.js';
import { BACKENDS } from '../../backends/index.js';
import { SIGNING_ALGS, type SigningAlg, type SigningOptions } from '../../backends/opa/index.js';
import { hasErrors, type Diagnostic } from '../../diagnostics/Diagnostic.js';
import { buildArtifacts } from '../../project/buildArtifacts.js';
import { compileFiles } from '../../project/compile.js';
import { readCorpus } from '../../project/readCorpus.js';
import { printable } from '../../diagnostics/render.js';
import { didYouMean } from '../../util/suggest.js';
import { EXIT } from '../exitCodes.js';
import { outputFolderNames } from '../outputs.js';
import { openOutputDir, outputDiagnostic, printDiagnostics, startRun, summaryLine, type OutputOptions } from './common.js';

export interface BuildOptions extends OutputOptions {
  out: string;
  root?: string;
  /** `--target NAME[,NAME]`: the back ends to run (default: all, BACKENDS). */
  target?: string;
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

const usage = (message: string, help: string): Diagnostic => ({ code: 'GOV5004', severity: 'error', message, help });
const quoted = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');

/**
 * The back ends `--target` chooses, in BACKENDS' order whatever the order written (so output does not depend on
 * it), or a GOV5004 for a name that is not a target, with did-you-mean.
 */
export function selectBackends(value: string | undefined, all: readonly Backend[] = BACKENDS): { backends: readonly Backend[] } | { error: Diagnostic } {
  if (value === undefined) return { backends: all };
  const known = all.map((b) => b.name);
  const names = value.split(',').map((n) => n.trim());
  for (const name of names) {
    if (name === '') return { error: usage(`\`--target ${value}\` names an empty target`, `write target names separated by commas, e.g. \`--target ${known.slice(0, 2).join(',')}\``) };
    if (!known.includes(name)) {
      const targets = `the targets are ${quoted(known)}`;
      // A typo, or a part of a name (`ts`, `guards` for `ts-guards`).
      const parts = known.filter((k) => name.length >= 2 && (k.startsWith(name) || k.split('-').includes(name)));
      const suggestion = didYouMean(name, known) ?? (parts.length > 0 ? `did you mean ${parts.map((k) => `\`${k}\``).join(' or ')}?` : undefined);
      return { error: { ...usage(`\`${name}\` is not a build target`, suggestion ?? targets), ...(suggestion && { notes: [targets] }) } };
    }
  }
  return { backends: all.filter((b) => names.includes(b.name)) };
}

function refuse(error: Diagnostic, opts: OutputOptions): number {
  printDiagnostics([{ program: 'govc', diagnostics: [error] }], opts);
  return EXIT.usage;
}

export function runBuild(paths: string[], opts: BuildOptions): number {
  const signing = signingOf(opts);
  if (typeof signing === 'string') {
    process.stderr.write(`govc: ${signing}\n`);
    return EXIT.usage;
  }
  const selected = selectBackends(opts.target);
  if ('error' in selected) return refuse(selected.error, opts);
  if (signing && !selected.backends.some((b) => b.needs.includes('signing'))) {
    const signed = BACKENDS.filter((b) => b.needs.includes('signing')).map((b) => b.name);
    return refuse(usage('`--signing-key` signs nothing: no chosen target is signed', `add ${quoted(signed)} to \`--target\`, or leave out \`--signing-key\``), opts);
  }
  const backends = selected.backends;
  const needsCorpus = backends.some((b) => b.needs.includes('corpus'));
  const start = startRun(paths, opts);
  if (typeof start === 'number') return start;
  const { date, programs, found, groups } = start;
  const written: string[] = [];
  const out = openOutputDir(opts.out, groups, opts);
  if (typeof out === 'number') return out;
  const folderNames = outputFolderNames(programs.map((p) => p.name));
  programs.forEach((p, i) => {
    if (programs.length > 1 && opts.format !== 'json') process.stderr.write(`[${i + 1}/${programs.length}] building ${printable(p.path)}\n`);
    const result = compileFiles(p.entryFiles, { asOf: date.asOf, ...(opts.root !== undefined && { root: opts.root }) });
    const diagnostics: Diagnostic[] = [...result.diagnostics];
    groups.push({ program: p.path, diagnostics });
    if (!result.ir) return;
    const corpus = needsCorpus ? readCorpus(p.path) : {};
    if (corpus.problem) {
      diagnostics.push(corpus.problem);
      return;
    }
    const built = buildArtifacts(
      { ir: result.ir, sources: result.sources, ...(corpus.cases && { corpus: corpus.cases }) },
      { asOf: date.asOf, ...(signing && { signing }) },
      backends,
    );
    diagnostics.push(...built.diagnostics);
    if (hasErrors(built.diagnostics)) return;
    try {
      // Several programs: one folder each, named after the program but made safe and unique (outputs.ts).
      const dir = programs.length > 1 ? out.sub(folderNames[i]!) : out;
      for (const folder of built.replaces) dir.remove(folder);
      for (const [name, data] of built.files) dir.write(name, data);
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
  // A bad --signing-key (GOV5004) or an output that cannot be written (GOV5005) is a usage problem, not the policy's.
  if (groups.some((g) => g.diagnostics.some((d) => d.code === 'GOV5004' || d.code === 'GOV5005'))) return EXIT.usage;
  return found.length && programs.length === 0 ? EXIT.usage : failed ? EXIT.checkFailed : EXIT.ok;
}

