import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  MarkupKind,
  MessageType,
  ShowMessageNotification,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeAction,
  type CompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeResult,
  type Location,
  type Range,
  type TextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DeclKind } from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { formatSource } from '../format/formatSource.js';
import { STD_DIR } from '../project/loadProgram.js';
import { isInside } from '../project/readRegularFile.js';
import { lineColumnOf, type Source, type Span } from '../source/Source.js';
import { analyse, declOf, occurrenceAt, occurrencesOf, type Analysis } from './analyse.js';
import { completionsAt } from './complete.js';
import { hoverMarkdown } from './hover.js';
import { loadOpenProgram, type Overlay } from './loadOpenProgram.js';

/** Formats one document's text, or says why it cannot (a syntax error): what `textDocument/formatting` calls. */
export type FormatText = (text: string, name: string) => { text: string } | { error: string };

export interface ServerOptions {
  /** The date approvals are judged against, `YYYY-MM-DD`; default: today (UTC), read at each check. */
  readonly asOf?: string;
  /** How long typing must pause before the program is checked again. */
  readonly debounceMs?: number;
  /** The formatter behind `textDocument/formatting`; default govc fmt's (formatWithGovcFmt). */
  readonly format?: FormatText;
  /** @internal Replaces the checker (tests make it throw, to see the server survive). */
  readonly analyse?: typeof analyse;
}

/** govc fmt's layout (src/format); a file with syntax errors is not formatted, and the first error says why. */
export const formatWithGovcFmt: FormatText = (text, name) => {
  const r = formatSource(text, name);
  if (r.ok) return { text: r.text };
  const first = r.diagnostics.find((d) => d.severity === 'error') ?? r.diagnostics[0];
  return { error: first === undefined ? 'the file cannot be formatted' : `${first.code}: ${first.message}` };
};

/** Typing pauses this long before a check: short enough to feel live, long enough not to check every keystroke. */
export const DEFAULT_DEBOUNCE_MS = 200;

/** docs/ of the installed govc: each diagnostic links to its page there (docs/diagnostics/GOVxxxx.md). */
const DOCS_DIR = resolvePath(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');

interface Suggestions {
  readonly suggestions: ReadonlyArray<{ readonly range: Range; readonly newText: string }>;
}

const CODE_DECL_KIND: Readonly<Record<DeclKind, CompletionItemKind>> = {
  Org: CompletionItemKind.Module,
  Provider: CompletionItemKind.Class,
  Model: CompletionItemKind.Class,
  DataClass: CompletionItemKind.Struct,
  Tier: CompletionItemKind.Enum,
  Tool: CompletionItemKind.Function,
  UseCase: CompletionItemKind.Module,
  Person: CompletionItemKind.Reference,
  Team: CompletionItemKind.Reference,
  Prompt: CompletionItemKind.Text,
  Guardrail: CompletionItemKind.Interface,
  RedTeamSuite: CompletionItemKind.Event,
  Corpus: CompletionItemKind.File,
};

/**
 * The govc language server on an open connection: diagnostics as you type, definition, references, hover with
 * approval state, completion, formatting and did-you-mean quick fixes (docs/editors.md). A program is the folder
 * of the document (its `.gov` files and their imports) under the workspace folder; open documents' text wins over
 * the disk. Nothing the checker does can bring the server down: an exception becomes one diagnostic.
 */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const format = options.format ?? formatWithGovcFmt;
  let roots: string[] = [];
  /** Analyses by program folder; dropped when any open document changes, made again on demand. */
  const analyses = new Map<string, Analysis>();
  /** The last analysis of each program, kept across edits: completion offers names without checking per keystroke. */
  const lastAnalyses = new Map<string, Analysis>();
  /** URIs each program last published diagnostics for, so a fixed file's diagnostics are cleared. */
  const published = new Map<string, Set<string>>();
  const asOf = (): string => options.asOf ?? new Date().toISOString().slice(0, 10);

  const pathOfUri = (uri: string): string | undefined => {
    try {
      return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
    } catch {
      return undefined;
    }
  };
  const uriOfPath = (path: string): string => pathToFileURL(path).href;
  const rootFor = (folder: string): string => roots.filter((r) => isInside(r, folder)).sort((a, b) => b.length - a.length)[0] ?? folder;

  const overlay = (): Overlay => {
    const m = new Map<string, string>();
    for (const d of documents.all()) {
      const p = pathOfUri(d.uri);
      if (p !== undefined) m.set(p, d.getText());
    }
    return m;
  };

  /** The program a document belongs to: its folder's (a standard-library file is checked as its own folder). */
  const folderOf = (path: string): string => dirname(path);

  const analysisFor = (folder: string): Analysis | { error: string } => {
    const cached = analyses.get(folder);
    if (cached !== undefined) return cached;
    try {
      const root = rootFor(folder);
      const program = loadOpenProgram(folder, root, overlay());
      const a = (options.analyse ?? analyse)(program, asOf(), root);
      analyses.set(folder, a);
      lastAnalyses.set(folder, a);
      return a;
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  };

  const position = (source: Source, offset: number): { line: number; character: number } => {
    const lc = lineColumnOf(source, offset);
    return { line: lc.line - 1, character: lc.column - 1 };
  };
  const rangeOf = (span: Span): Range => ({ start: position(span.source, span.start), end: position(span.source, span.end) });
  const locationOf = (a: Analysis, span: Span): Location | undefined => {
    const path = a.program.pathOf.get(span.source);
    return path === undefined ? undefined : { uri: uriOfPath(path), range: rangeOf(span) };
  };

  const toLsp = (a: Analysis, d: Diagnostic): LspDiagnostic => {
    const range: Range = d.span ? rangeOf(d.span) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const extra = [...(d.help !== undefined ? [`help: ${d.help}`] : []), ...(d.notes ?? []).map((n) => `note: ${n}`)];
    const related = (d.related ?? []).flatMap((r) => {
      const location = locationOf(a, r.span);
      return location ? [{ location, message: r.text ?? d.message }] : [];
    });
    const suggestions = (d.suggestions ?? []).map((s) => ({ range: rangeOf(s.span), newText: s.replacement }));
    return {
      range,
      severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: d.code,
      codeDescription: { href: pathToFileURL(join(DOCS_DIR, 'diagnostics', `${d.code}.md`)).href },
      source: 'govc',
      message: [d.label !== undefined ? `${d.message}: ${d.label}` : d.message, ...extra].join('\n'),
      ...(related.length > 0 && { relatedInformation: related }),
      ...(suggestions.length > 0 && { data: { suggestions } satisfies Suggestions }),
    };
  };

  /** Checks the program of `folder` and publishes diagnostics for each of its files (empty lists clear old ones). */
  const publish = (folder: string, trigger: string | undefined): void => {
    try {
      publishNow(folder, trigger);
    } catch (err) {
      // INVARIANT: publishing runs on a timer, where a throw would end the process; it is logged and dropped.
      connection.console.error(`govc lsp: could not publish diagnostics: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const publishNow = (folder: string, trigger: string | undefined): void => {
    const a = analysisFor(folder);
    const byUri = new Map<string, LspDiagnostic[]>();
    if ('error' in a) {
      // The checker threw: a govc bug. Say so on the document that was edited; the server carries on.
      const uri = trigger ?? uriOfPath(folder);
      byUri.set(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, source: 'govc', message: `internal error: govc could not check this program (${a.error.slice(0, 200)}); this is a bug in govc, please report it` }]);
    } else {
      // A file is shown the diagnostics of the one program it belongs to (ownerFolderOf): a shared file imported by
      // an open program gets that program's, not its own folder's, and a file of another program is left to it.
      const ownedHere = (p: string): boolean => (a.model.org !== undefined && folderOf(p) === folder) || ownerFolderOf(p, folder) === folder;
      const skipped = new Set<string>();
      for (const s of a.program.sources) {
        const p = a.program.pathOf.get(s);
        // The standard library is govc's, not the user's: its files get no diagnostics of their own.
        if (p === undefined || isInside(STD_DIR, p)) continue;
        if (ownedHere(p)) byUri.set(uriOfPath(p), []);
        else skipped.add(uriOfPath(p));
      }
      for (const d of a.diagnostics) {
        const p = d.span ? a.program.pathOf.get(d.span.source) : undefined;
        const uri = p !== undefined ? uriOfPath(p) : (trigger ?? uriOfPath(folder));
        if (skipped.has(uri) || (p !== undefined && isInside(STD_DIR, p))) continue;
        const list = byUri.get(uri) ?? [];
        list.push(toLsp(a, d));
        byUri.set(uri, list);
      }
    }
    const before = published.get(folder) ?? new Set<string>();
    for (const uri of before) if (!byUri.has(uri)) byUri.set(uri, []);
    published.set(folder, new Set([...byUri.entries()].filter(([, l]) => l.length > 0).map(([u]) => u)));
    for (const [uri, diagnostics] of byUri) void connection.sendDiagnostics({ uri, diagnostics });
  };

  /**
   * The program a file is checked in: its folder's, unless that folder declares no `org` (a folder of shared files)
   * and a program already open imports the file; then that program's, so its names resolve and its diagnostics
   * are the ones shown.
   */
  const ownerFolderOf = (path: string, publishing?: string): string => {
    const own = folderOf(path);
    const a = analysisFor(own);
    if ('error' in a || a.model.org !== undefined) return own;
    for (const f of [...new Set([...(publishing === undefined ? [] : [publishing]), ...published.keys()])].sort()) {
      if (f === own) continue;
      const b = analysisFor(f);
      if (!('error' in b) && b.model.org !== undefined && [...b.program.pathOf.values()].includes(path)) return f;
    }
    return own;
  };

  const pending = new Map<string, string>(); // path -> uri edited since the last check
  let timer: NodeJS.Timeout | undefined;
  const schedule = (uri: string): void => {
    const path = pathOfUri(uri);
    if (path === undefined || !path.endsWith('.gov')) return;
    // Any edit may change any program that reads the file: forget every analysis now, check once typing pauses.
    analyses.clear();
    pending.set(path, uri);
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const edited = new Map(pending);
      pending.clear();
      const todo = new Map<string, string | undefined>(); // folder -> the uri that triggered it
      for (const [p, u] of edited) {
        const owner = ownerFolderOf(p);
        todo.set(owner, owner === folderOf(p) ? u : undefined);
      }
      for (const f of published.keys()) {
        if (todo.has(f)) continue;
        const a = analysisFor(f);
        if ('error' in a || [...edited.keys()].some((p) => [...a.program.pathOf.values()].includes(p))) todo.set(f, undefined);
      }
      for (const [f, u] of todo) publish(f, u);
    }, debounceMs);
  };

  /** The analysis, source and offset at a document position; undefined when the document is not in a program. */
  const at = (uri: string, line: number, character: number): { a: Analysis; source: Source; offset: number } | undefined => {
    const path = pathOfUri(uri);
    const doc = documents.get(uri);
    if (path === undefined || doc === undefined) return undefined;
    const a = analysisFor(ownerFolderOf(path));
    if ('error' in a) return undefined;
    const source = [...a.program.pathOf.entries()].find(([, p]) => p === path)?.[0];
    if (source === undefined) return undefined;
    return { a, source, offset: doc.offsetAt({ line, character }) };
  };

  connection.onInitialize((params): InitializeResult => {
    const folders = params.workspaceFolders?.map((f) => pathOfUri(f.uri)) ?? [];
    const rootUri = params.rootUri === null ? undefined : pathOfUri(params.rootUri);
    roots = [...folders, rootUri].filter((r): r is string => r !== undefined);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        definitionProvider: true,
        referencesProvider: true,
        hoverProvider: true,
        completionProvider: { triggerCharacters: [' ', ','] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentFormattingProvider: true,
      },
      serverInfo: { name: 'govc', version: '0.1.0' },
    };
  });

  documents.onDidChangeContent((e) => schedule(e.document.uri));
  // A file changed on disk (saved elsewhere, a branch switched): every program that reads it is checked again.
  connection.onDidChangeWatchedFiles((p) => {
    for (const change of p.changes) schedule(change.uri);
  });
  documents.onDidClose((e) => {
    // The disk's text is the program again.
    schedule(e.document.uri);
  });

  connection.onDefinition((p) => {
    const here = at(p.textDocument.uri, p.position.line, p.position.character);
    if (here === undefined) return null;
    const o = occurrenceAt(here.a, here.source, here.offset);
    if (o === undefined) return null;
    if (o.kind === 'import') return { uri: uriOfPath(o.target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    return locationOf(here.a, o.decl.name.span) ?? null;
  });

  connection.onReferences((p) => {
    const here = at(p.textDocument.uri, p.position.line, p.position.character);
    if (here === undefined) return null;
    const decl = declOf(occurrenceAt(here.a, here.source, here.offset));
    if (decl === undefined) return null;
    return occurrencesOf(here.a, decl, p.context.includeDeclaration).flatMap((s) => locationOf(here.a, s) ?? []);
  });

  connection.onHover((p) => {
    const here = at(p.textDocument.uri, p.position.line, p.position.character);
    if (here === undefined) return null;
    const o = occurrenceAt(here.a, here.source, here.offset);
    const decl = declOf(o);
    if (o === undefined || decl === undefined) return null;
    return { contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(decl, here.a.model, asOf()) }, range: rangeOf(o.span) };
  });

  connection.onCompletion((p): CompletionItem[] => {
    const doc = documents.get(p.textDocument.uri);
    const path = pathOfUri(p.textDocument.uri);
    if (doc === undefined || path === undefined) return [];
    // Names come from the last check of the program (the line being typed need not parse).
    const a = lastAnalyses.get(folderOf(path)) ?? analysisFor(ownerFolderOf(path));
    const names = 'error' in a ? [] : a.declarations.map((d) => ({ kind: d.kind, name: d.name }));
    return completionsAt(doc.getText(), doc.offsetAt(p.position), names).map((c) => ({
      label: c.label,
      kind: c.kind === 'keyword' ? CompletionItemKind.Keyword : CODE_DECL_KIND[c.declKind!],
      detail: c.detail,
    }));
  });

  connection.onCodeAction((p): CodeAction[] => {
    const actions: CodeAction[] = [];
    for (const d of p.context.diagnostics) {
      const data = d.data as Partial<Suggestions> | undefined;
      if (!Array.isArray(data?.suggestions)) continue;
      data.suggestions.forEach((s, i) => {
        const edit: TextEdit = { range: s.range, newText: s.newText };
        actions.push({ title: `Change to \`${s.newText}\``, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: i === 0, edit: { changes: { [p.textDocument.uri]: [edit] } } });
      });
    }
    return actions;
  });

  connection.onDocumentFormatting((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (doc === undefined) return null;
    const text = doc.getText();
    const result = format(text, pathOfUri(p.textDocument.uri) ?? p.textDocument.uri);
    if ('error' in result) {
      // A file that does not parse is not formatted; the diagnostics already say why. A notification, not
      // window/showMessageRequest: a client that does not answer requests must not leave one pending.
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `govc fmt: ${result.error}` });
      return null;
    }
    if (result.text === text) return [];
    return [{ range: { start: doc.positionAt(0), end: doc.positionAt(text.length) }, newText: result.text }];
  });

  documents.listen(connection);
  connection.listen();
}
