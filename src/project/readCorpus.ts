import { realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CorpusCase } from '../decision/corpus.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { describeProblem, isInside, readRegularFile } from './readRegularFile.js';

/** A request corpus is read whole; this bounds it (the examples' are about 100 KiB). */
export const MAX_CORPUS_BYTES = 16 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The request corpus beside a program (`requests.json`), if any: turned into Rego tests for `opa test`. It is read
 * like a source file: a regular file of bounded size, in the program's folder after links are resolved (its content
 * is copied into the output, so a link to a file elsewhere must not smuggle that file in). A problem is a GOV5006.
 */
export function readCorpus(programPath: string): { cases?: CorpusCase[]; problem?: Diagnostic } {
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
