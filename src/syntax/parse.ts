import type { IRecognitionException, IToken } from 'chevrotain';
import type { FileNode } from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { Source, Span } from '../source/Source.js';
import { CstToAst } from './cstToAst.js';
import { sharedParser } from './parser.js';
import { COMMENT_GROUP, countTokensUpTo, GovLexer, retypeKeywords, StringLiteral } from './tokens.js';

/** Hostile-input bounds (cf. graphql-js maxTokens): beyond these a file is refused, not parsed. */
export const MAX_TOKENS_PER_FILE = 500_000;
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** A `#` or `//` comment as written, up to (not including) the end of its line. */
export interface SourceComment {
  readonly text: string;
  readonly span: Span;
}

export interface ParseResult {
  readonly file: FileNode;
  readonly diagnostics: readonly Diagnostic[];
  /** Every comment of the file in source order; the parser and the AST never see them (`govc fmt` keeps them). */
  readonly comments: readonly SourceComment[];
}

function emptyFile(source: Source): FileNode {
  return { kind: 'File', span: { source, start: 0, end: 0 }, source, imports: [], decls: [] };
}

/** Parses one source. Never throws: every problem becomes a diagnostic and what can be recovered is kept. */
export function parse(source: Source): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const span = (start: number, end: number): Span => ({ source, start, end });
  if (source.text.length > MAX_FILE_BYTES) {
    diagnostics.push({
      code: 'GOV1004',
      severity: 'error',
      message: `file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MiB`,
      span: span(0, 0),
      help: 'split the policy into several files joined with `import`',
    });
    return { file: emptyFile(source), diagnostics, comments: [] };
  }

  // Counted before lexing: the lexer would otherwise build every token (and every error) of a hostile file first,
  // about a gigabyte and many seconds for 8 MiB of `;a`. A file cannot hold more tokens than characters.
  if (source.text.length > MAX_TOKENS_PER_FILE && countTokensUpTo(source.text, MAX_TOKENS_PER_FILE) > MAX_TOKENS_PER_FILE) {
    return { file: emptyFile(source), diagnostics: [tooManyTokens(span(0, 0))], comments: [] };
  }
  const lexed = GovLexer.tokenize(source.text);
  const comments: SourceComment[] = (lexed.groups[COMMENT_GROUP] ?? []).map((t) => ({
    text: t.image,
    span: span(t.startOffset, t.startOffset + t.image.length),
  }));
  const tokens: IToken[] = [];
  // The lexer skips characters it cannot match and reports each run of them as one error.
  for (const e of lexed.errors) {
    const text = source.text.slice(e.offset, e.offset + e.length);
    diagnostics.push({
      code: 'GOV1003',
      severity: 'error',
      message: `unexpected character${[...text].length > 1 ? 's' : ''} \`${[...text].length > 20 ? [...text].slice(0, 20).join('') + '...' : text}\``,
      span: span(e.offset, e.offset + e.length),
      label: 'not part of any word, number, string or symbol of the language',
      help: 'names use letters, digits, `_`, `-` and `.`; text goes between double quotes; comments start with `#`',
    });
  }
  diagnostics.push(...bidiControls(source, lexed.errors));
  for (const t of lexed.tokens) {
    const kind = t.tokenType.name;
    if (kind === 'UnterminatedString') {
      diagnostics.push({
        code: 'GOV1002',
        severity: 'error',
        message: 'unterminated string',
        span: span(t.startOffset, (t.endOffset ?? t.startOffset) + 1),
        label: 'this string has no closing `"` on its line',
        help: 'close the string with `"`; a string cannot span lines, write `\\n` for a line break',
      });
      // Close it at the end of the line and parse on, so one missing quote is one diagnostic.
      tokens.push({ ...t, image: t.image + '"', tokenType: StringLiteral, tokenTypeIdx: StringLiteral.tokenTypeIdx! });
      continue;
    }
    tokens.push(t);
  }
  if (tokens.length + lexed.errors.length > MAX_TOKENS_PER_FILE) {
    // INVARIANT: countTokensUpTo counts as the lexer does, so this is reached only by files it did not count.
    return { file: emptyFile(source), diagnostics: [tooManyTokens(span(0, 0))], comments: [] };
  }

  retypeKeywords(tokens);
  const parser = sharedParser();
  parser.input = tokens;
  let file: FileNode;
  try {
    const cst = parser.file();
    const builder = new CstToAst(source);
    file = builder.file(cst);
    diagnostics.push(...builder.diagnostics);
  } catch (err) {
    // INVARIANT: chevrotain with recovery does not throw on input; if it ever does, report rather than crash.
    diagnostics.push({
      code: 'GOV1001',
      severity: 'error',
      message: 'the parser could not recover from an earlier error',
      span: span(0, 0),
      help: 'fix the first syntax error reported for this file and run again',
      notes: [String(err instanceof Error ? err.message : err)],
    });
    file = emptyFile(source);
  }
  const seen = new Set<number>();
  for (const e of parser.errors) {
    const d = syntaxDiagnostic(e, source);
    const at = d.span?.start ?? -1;
    if (seen.has(at)) continue; // recovery can report the same token twice
    seen.add(at);
    diagnostics.push(d);
  }
  return { file, diagnostics, comments };
}

/** The characters that reorder how text is displayed (Trojan Source, CVE-2021-42574): embeddings, overrides, isolates, marks. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Reported one by one up to this many per file; the last says how many more there are. */
const MAX_BIDI_REPORTS = 20;

/**
 * GOV1008 for each bidirectional control written raw in a string or comment: a reviewer would read the text in
 * another order than govc does. (Outside strings and comments the lexer already reports them as GOV1003.)
 */
function bidiControls(source: Source, lexErrors: ReadonlyArray<{ offset: number; length: number }>): Diagnostic[] {
  const out: Diagnostic[] = [];
  let e = 0;
  let total = 0;
  BIDI_CONTROLS.lastIndex = 0;
  for (let m = BIDI_CONTROLS.exec(source.text); m !== null; m = BIDI_CONTROLS.exec(source.text)) {
    const at = m.index;
    while (e < lexErrors.length && lexErrors[e]!.offset + lexErrors[e]!.length <= at) e++;
    if (e < lexErrors.length && lexErrors[e]!.offset <= at) continue;
    total++;
    if (out.length >= MAX_BIDI_REPORTS) continue;
    const code = m[0].charCodeAt(0).toString(16).toUpperCase();
    out.push({
      code: 'GOV1008',
      severity: 'error',
      message: `bidirectional control character U+${code} in the source`,
      span: { source, start: at, end: at + 1 },
      label: 'changes the order in which the text around it is displayed',
      help: `write it as an escape inside the string, \`\\u{${code}}\`, so that readers of the file see it`,
    });
  }
  if (total > out.length) {
    const last = out[out.length - 1]!;
    out[out.length - 1] = { ...last, notes: [`and ${total - out.length} more in this file`] };
  }
  return out;
}

function tooManyTokens(at: Span): Diagnostic {
  return {
    code: 'GOV1004',
    severity: 'error',
    message: `file has more than ${MAX_TOKENS_PER_FILE} tokens`,
    span: at,
    help: 'split the policy into several files joined with `import`',
  };
}

function syntaxDiagnostic(e: IRecognitionException, source: Source): Diagnostic {
  const t = e.token;
  let start = t.startOffset;
  let end = (t.endOffset ?? t.startOffset) + 1;
  if (t.tokenType.name === 'EOF' || Number.isNaN(start)) {
    start = source.text.length;
    end = source.text.length;
  }
  const atEnd = t.tokenType.name === 'EOF';
  return {
    code: 'GOV1001',
    severity: 'error',
    message: e.message,
    span: { source, start, end },
    label: atEnd ? 'the file ends here' : 'unexpected here',
    help: atEnd
      ? 'a block may be missing its closing `}`'
      : 'see the language guide (docs/language.md) for the form of each field',
  };
}
