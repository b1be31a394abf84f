import type { DeclKind, DeclNode, NameNode } from '../ast/nodes.js';
import type { Diagnostic, Severity } from '../diagnostics/Diagnostic.js';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from '../diagnostics/codes.js';
import type { Span } from '../source/Source.js';
import type { AssetFileReader } from './assetFiles.js';

export interface ReportOptions {
  readonly label?: string;
  readonly help?: string;
  readonly notes?: readonly string[];
  readonly related?: ReadonlyArray<{ span: Span; text?: string }>;
  /** Overrides the registry's severity; used only where a code is a warning in one context. */
  readonly severity?: Severity;
  /** Structured did-you-mean replacements (check/hintFor.ts); rendering ignores them. */
  readonly suggestions?: Diagnostic['suggestions'];
}

/** A name in the program that resolved to a declaration: what go-to-definition and find-references read. */
export interface NameReference {
  readonly name: NameNode;
  readonly decl: DeclNode;
}

/** Shared state of one check: the declaration tables, the `--as-of` date and the diagnostics sink. */
export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  /** First declaration of each name, per kind; duplicates are reported and ignored. */
  readonly decls: Record<DeclKind, Map<string, DeclNode>> = {
    Org: new Map(),
    Provider: new Map(),
    Model: new Map(),
    DataClass: new Map(),
    Tier: new Map(),
    Tool: new Map(),
    UseCase: new Map(),
    Person: new Map(),
    Team: new Map(),
    Prompt: new Map(),
    Guardrail: new Map(),
    RedTeamSuite: new Map(),
    Corpus: new Map(),
  };

  /** Reads the files assets name (language v2), confined to the program root; unset when checking from memory. */
  assetFiles: AssetFileReader | undefined = undefined;

  /**
   * Where resolved names are collected, when a caller asked for them (CheckOptions.collectReferences, govc lsp);
   * undefined otherwise, so a plain check pays one comparison per name and keeps nothing.
   */
  references: NameReference[] | undefined = undefined;

  constructor(readonly asOf: string) {}

  /** Records that `name` refers to `decl`, when references are being collected. */
  noteReference(name: NameNode, decl: DeclNode): void {
    this.references?.push({ name, decl });
  }

  report(code: DiagnosticCode, message: string, span: Span | undefined, options: ReportOptions = {}): void {
    const { severity, ...rest } = options;
    this.diagnostics.push({
      code,
      severity: severity ?? DIAGNOSTIC_CODES[code].severity,
      message,
      ...(span && { span }),
      ...rest,
    });
  }
}

/** Adds a day count to a `YYYY-MM-DD` date, in UTC, returning the same format. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(date + 'T00:00:00Z') + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
