import { hasErrors } from '../../diagnostics/Diagnostic.js';
import { compileFiles } from '../../project/compile.js';
import { printable } from '../../diagnostics/render.js';
import { EXIT } from '../exitCodes.js';
import { explain, printDiagnostics, startRun, summaryLine, type OutputOptions } from './common.js';

export function runCheck(paths: string[], opts: OutputOptions & { explain?: string }): number {
  if (opts.explain !== undefined) {
    const result = explain(opts.explain);
    if ('error' in result) {
      process.stderr.write(`govc: ${result.error}\n`);
      return EXIT.usage;
    }
    process.stdout.write(result.text);
    return EXIT.ok;
  }
  if (paths.length === 0) {
    process.stderr.write('govc: give at least one path to check (run `govc check --help`)\n');
    return EXIT.usage;
  }
  const start = startRun(paths, opts);
  if (typeof start === 'number') return start;
  const { date, programs, found, groups } = start;
  programs.forEach((p, i) => {
    if (programs.length > 1 && opts.format !== 'json') process.stderr.write(`[${i + 1}/${programs.length}] checking ${printable(p.path)}\n`);
    const result = compileFiles(p.entryFiles, { asOf: date.asOf, ...(opts.root !== undefined && { root: opts.root }) });
    groups.push({ program: p.path, diagnostics: result.diagnostics });
  });
  printDiagnostics(groups, opts);
  if (opts.format !== 'json') {
    for (const g of groups) if (g.program !== 'govc') process.stderr.write(summaryLine(g.program, g.diagnostics) + '\n');
  }
  const failed = groups.some((g) => hasErrors(g.diagnostics));
  return found.length && programs.length === 0 ? EXIT.usage : failed ? EXIT.checkFailed : EXIT.ok;
}
