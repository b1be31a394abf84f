import { join } from 'node:path';
import { hasErrors, type Diagnostic } from '../../diagnostics/Diagnostic.js';
import { printable } from '../../diagnostics/render.js';
import { buildDoc, DOC_FOLDERS } from '../../doc/buildDoc.js';
import { compileFiles } from '../../project/compile.js';
import { EXIT } from '../exitCodes.js';
import { outputFolderNames } from '../outputs.js';
import { openOutputDir, outputDiagnostic, printDiagnostics, startRun, summaryLine, type OutputOptions } from './common.js';

export interface DocOptions extends OutputOptions {
  out: string;
}

/**
 * `govc doc [PROGRAM] --out DIR`: checks the program as `govc check` does and, when it has no errors, writes its
 * registry documents (src/doc/buildDoc.ts) under --out through the confined writer, replacing the folders it owns.
 */
export function runDoc(paths: string[], opts: DocOptions): number {
  const start = startRun(paths.length ? paths : ['.'], opts);
  if (typeof start === 'number') return start;
  const { date, programs, found, groups } = start;
  const out = openOutputDir(opts.out, groups, opts);
  if (typeof out === 'number') return out;
  const folderNames = outputFolderNames(programs.map((p) => p.name));
  const wrote: string[] = [];
  programs.forEach((p, i) => {
    const result = compileFiles(p.entryFiles, { asOf: date.asOf, ...(opts.root !== undefined && { root: opts.root }) });
    const diagnostics: Diagnostic[] = [...result.diagnostics];
    groups.push({ program: p.path, diagnostics });
    if (!result.ir) return;
    const doc = buildDoc(result.ir, date.asOf);
    try {
      const dir = programs.length > 1 ? out.sub(folderNames[i]!) : out;
      for (const folder of DOC_FOLDERS) dir.remove(folder);
      for (const [name, text] of doc.files) dir.write(name, text);
      const where = programs.length > 1 ? join(opts.out, folderNames[i]!) : opts.out;
      wrote.push(`wrote ${printable(where)}: ${doc.useCases} use case(s), ${doc.highRisk} high-risk (${doc.annexTodo} EU AI Act registration item(s) left to fill); open ${printable(join(where, 'site', 'index.html'))}`);
    } catch (err) {
      diagnostics.push(outputDiagnostic(err));
    }
  });
  printDiagnostics(groups, opts);
  if (opts.format !== 'json') {
    for (const g of groups) if (g.program !== 'govc') process.stderr.write(summaryLine(g.program, g.diagnostics) + '\n');
    for (const w of wrote) process.stderr.write(w + '\n');
  }
  if (groups.some((g) => g.diagnostics.some((d) => d.code === 'GOV5004' || d.code === 'GOV5005'))) return EXIT.usage;
  const failed = groups.some((g) => hasErrors(g.diagnostics));
  return found.length && programs.length === 0 ? EXIT.usage : failed ? EXIT.checkFailed : EXIT.ok;
}
