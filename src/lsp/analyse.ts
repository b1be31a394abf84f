import { DECL_KEYWORD, type DeclKind, type DeclNode } from '../ast/nodes.js';
import { checkFiles } from '../check/check.js';
import { lower } from '../check/lower.js';
import type { SemanticModel } from '../check/resolve.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/Diagnostic.js';
import { validateIr } from '../ir/validateIr.js';
import { assetFileReader } from '../project/assetFileReader.js';
import type { Source, Span } from '../source/Source.js';
import type { OpenProgram } from './loadOpenProgram.js';

/** One declaration of the program, with where its name and its block are. */
export interface DeclEntry {
  readonly kind: DeclKind;
  readonly name: string;
  readonly decl: DeclNode;
}

/** A name that refers to a declaration, or an import path that names a file. */
export type Occurrence =
  | { readonly kind: 'reference'; readonly span: Span; readonly decl: DeclNode }
  | { readonly kind: 'declaration'; readonly span: Span; readonly decl: DeclNode }
  | { readonly kind: 'import'; readonly span: Span; readonly target: string };

/** Everything the server answers from about one program, made by one check. */
export interface Analysis {
  readonly program: OpenProgram;
  readonly diagnostics: readonly Diagnostic[];
  readonly model: SemanticModel;
  readonly declarations: readonly DeclEntry[];
  /** Per source, its occurrences sorted by start. */
  readonly occurrences: ReadonlyMap<Source, readonly Occurrence[]>;
}

/**
 * Checks an open program as `govc check` does (project/compile.ts's compileLoaded: the same GOV2006 rule for
 * unreadable files, lowering and IR validation when there are no errors), asking the checker for the references
 * it resolves.
 */
export function analyse(program: OpenProgram, asOf: string, root: string): Analysis {
  const checked = checkFiles(program.files, { asOf, assetFiles: assetFileReader(root), collectReferences: true });
  const unreadable = program.diagnostics.some((d) => d.code === 'GOV5002' || d.code === 'GOV2008' || d.code === 'GOV1004');
  const checkDiagnostics = unreadable ? checked.diagnostics.filter((d) => d.code !== 'GOV2006') : checked.diagnostics;
  let diagnostics = sortDiagnostics([...program.diagnostics, ...checkDiagnostics]);
  if (!hasErrors(diagnostics)) {
    const problems = validateIr(lower(checked.model, program.sources));
    if (problems.length > 0) {
      diagnostics = [
        ...diagnostics,
        { code: 'GOV3001', severity: 'error', message: 'internal error: the lowered program does not match the IR schema', help: 'this is a bug in govc; please report it with the sources that triggered it', notes: problems.slice(0, 10) },
      ];
    }
  }

  const declarations: DeclEntry[] = [];
  const bySource = new Map<Source, Occurrence[]>();
  const add = (o: Occurrence): void => {
    const list = bySource.get(o.span.source) ?? [];
    list.push(o);
    bySource.set(o.span.source, list);
  };
  for (const file of program.files) {
    for (const decl of file.decls) {
      declarations.push({ kind: decl.kind, name: decl.name.text, decl });
      add({ kind: 'declaration', span: decl.name.span, decl });
    }
  }
  // A name is resolved once per use, but some are looked up by more than one resolver: keep one per span.
  const seen = new Set<string>();
  for (const r of checked.references ?? []) {
    const key = `${r.name.span.source.path}\u0000${r.name.span.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    add({ kind: 'reference', span: r.name.span, decl: r.decl });
  }
  for (const imp of program.imports) add({ kind: 'import', span: imp.node.span, target: imp.target });
  for (const list of bySource.values()) list.sort((a, b) => a.span.start - b.span.start);
  return { program, diagnostics, model: checked.model, declarations, occurrences: bySource };
}

/** The occurrence under an offset (a cursor just after a name still counts as on it). */
export function occurrenceAt(analysis: Analysis, source: Source, offset: number): Occurrence | undefined {
  const list = analysis.occurrences.get(source) ?? [];
  return list.find((o) => o.span.start <= offset && offset <= o.span.end);
}

/** The declaration an occurrence is about (itself for a declaration's name). */
export function declOf(o: Occurrence | undefined): DeclNode | undefined {
  return o === undefined || o.kind === 'import' ? undefined : o.decl;
}

/** Every span that names `decl`: its declaration (when asked) and each reference, in source order. */
export function occurrencesOf(analysis: Analysis, decl: DeclNode, includeDeclaration: boolean): Span[] {
  const out: Span[] = [];
  for (const list of analysis.occurrences.values()) {
    for (const o of list) {
      if (o.kind === 'import' || o.decl !== decl) continue;
      if (o.kind === 'declaration' && !includeDeclaration) continue;
      out.push(o.span);
    }
  }
  return out;
}

/** The keyword a declaration kind is written with: `use_case`, `data_class`, ... */
export function keywordOf(kind: DeclKind): string {
  return DECL_KEYWORD[kind];
}

