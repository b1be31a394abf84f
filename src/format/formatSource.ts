import type { IToken } from 'chevrotain';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { Source } from '../source/Source.js';
import { parse } from '../syntax/parse.js';
import { COMMENT_GROUP, GovLexer } from '../syntax/tokens.js';
import { commentText, layout, lineStarts, type LayoutItem } from './layout.js';
import { programShape } from './programShape.js';

export interface FormatOk {
  readonly ok: true;
  readonly text: string;
  readonly changed: boolean;
}
export interface FormatFailed {
  readonly ok: false;
  readonly diagnostics: readonly Diagnostic[];
}
export type FormatResult = FormatOk | FormatFailed;

/**
 * The canonical layout of one .gov file; `name` is the file's name for diagnostics.
 *
 * A file with syntax errors is not formatted: its parse diagnostics come back. Before the text is returned it is
 * parsed again and must give the same program (the AST without positions, the same tokens and the same comments);
 * if it does not, formatting fails with an internal-error diagnostic and no text, so nothing is ever written.
 */
export function formatSource(text: string, name: string): FormatResult {
  const source: Source = { path: name, text };
  const parsed = parse(source);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics: parsed.diagnostics };

  const lexed = GovLexer.tokenize(text);
  const items = mergeItems(lexed.tokens, lexed.groups[COMMENT_GROUP] ?? []);
  const formatted = layout(text, items, lineStarts(parsed.file, lexed.tokens));

  const reparsed = parse({ path: name, text: formatted });
  const before = programShape(parsed.file, lexed.tokens, parsed.comments.map((c) => commentText(c.text)));
  const relexed = GovLexer.tokenize(formatted);
  const after = programShape(reparsed.file, relexed.tokens, reparsed.comments.map((c) => c.text));
  if (reparsed.diagnostics.length > 0 || before !== after) {
    return {
      ok: false,
      diagnostics: [
        {
          code: 'GOV5005',
          severity: 'error',
          message: `internal error: the formatted text of \`${name}\` is not the same program`,
          span: { source, start: 0, end: 0 },
          help: 'the file was left as it is; please report this with the file attached',
          notes: reparsed.diagnostics.length > 0 ? [`the formatted text does not parse: ${reparsed.diagnostics[0]!.message}`] : [],
        },
      ],
    };
  }
  return { ok: true, text: formatted, changed: formatted !== text };
}

function mergeItems(tokens: readonly IToken[], comments: readonly IToken[]): LayoutItem[] {
  const item = (t: IToken, comment: boolean): LayoutItem => ({
    image: t.image,
    start: t.startOffset,
    end: t.startOffset + t.image.length,
    comment,
  });
  const out: LayoutItem[] = [];
  let c = 0;
  for (const t of tokens) {
    while (c < comments.length && comments[c]!.startOffset < t.startOffset) out.push(item(comments[c++]!, true));
    out.push(item(t, false));
  }
  while (c < comments.length) out.push(item(comments[c++]!, true));
  return out;
}
