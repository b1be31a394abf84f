import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrors, type Diagnostic } from '../../diagnostics/Diagnostic.js';
import { IR_SCHEMA } from '../../ir/schema.js';
import { compileFiles } from '../../project/compile.js';
import { EXIT } from '../exitCodes.js';
import { discoverPrograms } from '../programs.js';
import { printDiagnostics, resolveAsOf, summaryLine, type OutputOptions } from './common.js';

/** Stable JSON: two-space indentation and a final newline; key order is fixed by construction. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function runBuild(paths: string[], opts: OutputOptions & { out: string }): number {
  const date = resolveAsOf(opts.asOf);
  if ('error' in date) {
    printDiagnostics([{ program: 'govc', diagnostics: [date.error] }], opts);
    return EXIT.usage;
  }
  const { programs, diagnostics: found } = discoverPrograms(paths);
  const groups: Array<{ program: string; diagnostics: readonly Diagnostic[] }> = [];
  if (found.length) groups.push({ program: 'govc', diagnostics: found });
  const written: string[] = [];
  programs.forEach((p, i) => {
    if (programs.length > 1 && opts.format !== 'json') process.stderr.write(`[${i + 1}/${programs.length}] building ${p.path}\n`);
    const result = compileFiles(p.entryFiles, { asOf: date.asOf });
    groups.push({ program: p.path, diagnostics: result.diagnostics });
    if (!result.ir) return;
    const dir = programs.length > 1 ? join(opts.out, p.name) : opts.out;
    mkdirSync(dir, { recursive: true });
    const files: Record<string, string> = {
      'ir.json': stableJson(result.ir),
      'ir.schema.json': stableJson(IR_SCHEMA),
    };
    const manifest = {
      revision: result.ir.revision,
      org: result.ir.org.name,
      as_of: date.asOf,
      sources: result.sources.map((s) => s.path).sort(),
      files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, createHash('sha256').update(text).digest('hex')])),
    };
    files['manifest.json'] = stableJson(manifest);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    written.push(dir);
  });
  printDiagnostics(groups, opts);
  if (opts.format !== 'json') {
    for (const g of groups) if (g.program !== 'govc') process.stderr.write(summaryLine(g.program, g.diagnostics) + '\n');
    for (const dir of written) process.stderr.write(`wrote ${dir}\n`);
  }
  const failed = groups.some((g) => hasErrors(g.diagnostics));
  return found.length && programs.length === 0 ? EXIT.usage : failed ? EXIT.checkFailed : EXIT.ok;
}
