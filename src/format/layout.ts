import type { IToken } from 'chevrotain';
import type { FileNode, StringNode, NumberNode } from '../ast/nodes.js';

/** One piece of the file as the layout sees it: a token the parser reads, or a comment. */
export interface LayoutItem {
  readonly image: string;
  readonly start: number;
  readonly end: number;
  readonly comment: boolean;
}

/** Two spaces per level of multi-line block. */
const INDENT = '  ';
/**
 * Blank lines kept in a row: up to two between top-level declarations (the examples set sections apart with two,
 * as black allows at module level), one inside a block.
 */
const MAX_BLANK_TOP = 2;
const MAX_BLANK_IN_BLOCK = 1;

const LINE_BREAK = /\r\n|\r|\n/g;

function lineBreaks(text: string): number {
  return text.match(LINE_BREAK)?.length ?? 0;
}

/** A comment as printed: its text as written, without trailing spaces or tabs. */
export function commentText(image: string): string {
  return image.replace(/[ \t\f]+$/, '');
}

/**
 * Where lines begin: every import, declaration and field starts one, and so does every entry of an `eval` block
 * (`dataset`, `baseline`, `regression` and each metric). Offsets are those of each item's first token.
 */
export function lineStarts(file: FileNode, tokens: readonly IToken[]): Set<number> {
  const starts = new Set<number>();
  const indexAt = new Map<number, number>();
  tokens.forEach((t, i) => indexAt.set(t.startOffset, i));
  // `dataset "x"`: the entry starts at the keyword, the token before the value the AST keeps.
  const keywordBefore = (value: StringNode | NumberNode): void => {
    const i = indexAt.get(value.span.start);
    if (i !== undefined && i > 0) starts.add(tokens[i - 1]!.startOffset);
  };
  for (const imp of file.imports) starts.add(imp.span.start);
  for (const decl of file.decls) {
    starts.add(decl.span.start);
    for (const field of decl.fields) {
      starts.add(field.span.start);
      if (field.kind !== 'Eval') continue;
      field.datasets.forEach(keywordBefore);
      field.baselines.forEach(keywordBefore);
      field.regressions.forEach(keywordBefore);
      for (const m of field.metrics) starts.add(m.span.start);
    }
  }
  return starts;
}

/**
 * The canonical text of a parsed file: tokens and comments in their order, laid out by the rules of docs/fmt.md.
 * `items` are the file's tokens and comments merged in source order; `starts` says where lines begin.
 */
export function layout(text: string, items: readonly LayoutItem[], starts: ReadonlySet<number>): string {
  // Which `{` open a block written on one line (no line break and no comment before its `}`): it stays on one line.
  const inline = new Map<number, boolean>();
  const open: number[] = [];
  let commentsSeen = 0;
  const commentsAtOpen: number[] = [];
  items.forEach((item, i) => {
    if (item.comment) commentsSeen++;
    else if (item.image === '{') {
      open.push(i);
      commentsAtOpen.push(commentsSeen);
    } else if (item.image === '}' && open.length > 0) {
      const o = open.pop()!;
      const c = commentsAtOpen.pop()!;
      const between = text.slice(items[o]!.end, item.start);
      // An empty block is `{}` wherever its braces were.
      const oneLine = (lineBreaks(between) === 0 && c === commentsSeen) || o === i - 1;
      inline.set(o, oneLine);
      inline.set(i, oneLine);
    }
  });

  const lines: string[] = [];
  let current = '';
  let started = false;
  /** Open blocks, innermost last: true for a block kept on one line. */
  const blocks: boolean[] = [];
  let depth = 0; // open multi-line blocks
  let previous: LayoutItem | undefined;
  let afterOpen = false; // the last thing printed is the `{` of a multi-line block
  let mustBreak = false; // a comment ended the line; the next token starts a new one

  /** `blanks`: the line breaks of the source gap minus one, capped by where the line is. */
  const newLine = (blanks: number): void => {
    if (started) {
      lines.push(current);
      const cap = depth === 0 ? MAX_BLANK_TOP : MAX_BLANK_IN_BLOCK;
      for (let b = 0; b < Math.min(blanks, cap); b++) lines.push('');
    }
    started = true;
    current = '';
    mustBreak = false;
  };
  const indent = (levels: number): string => INDENT.repeat(levels);
  // A field continued on another line (after a `,` that ended a line, or around a comment) lines up after its keyword.
  let keyword = '';
  const continuation = (): string => indent(depth) + ' '.repeat(keyword.length + 1);
  // Whether the next token continues the item on the current line rather than starting a line of its own.
  const nextToken: number[] = new Array<number>(items.length);
  for (let i = items.length - 1, next = -1; i >= 0; i--) {
    nextToken[i] = next;
    if (!items[i]!.comment) next = i;
  }
  const continues = (i: number): boolean => {
    const n = nextToken[i]!;
    if (n < 0 || !started || keyword === '') return false;
    const t = items[n]!;
    if (t.image === '}' && inline.get(n) === false) return false;
    return !starts.has(t.start);
  };

  items.forEach((item, i) => {
    const gap = text.slice(previous?.end ?? 0, item.start);
    const breaks = previous === undefined ? 0 : lineBreaks(gap);
    const blanks = afterOpen ? 0 : Math.max(0, breaks - 1);
    if (item.comment) {
      if (previous === undefined || breaks > 0) {
        const margin = continues(i) ? continuation() : indent(depth);
        newLine(blanks);
        current = margin + commentText(item.image);
      } else {
        current += ' ' + commentText(item.image);
      }
      mustBreak = true;
      afterOpen = false;
      previous = item;
      return;
    }
    const inInlineBlock = blocks.length > 0 && blocks[blocks.length - 1]!;
    if (item.image === '}' && inline.get(i) === false) {
      depth--;
      blocks.pop();
      newLine(0);
      current = indent(depth) + '}';
    } else if (starts.has(item.start) && !inInlineBlock) {
      newLine(blanks);
      current = indent(depth) + item.image;
      keyword = item.image;
    } else if (mustBreak || !started || (previous?.image === ',' && breaks > 0 && !inInlineBlock)) {
      const margin = continuation();
      newLine(0);
      current = margin + item.image;
    } else {
      current += separator(previous!, item) + item.image;
    }
    if (item.image === '}' && inline.get(i) === true) blocks.pop();
    afterOpen = false;
    if (item.image === '{') {
      const oneLine = inline.get(i) ?? false;
      blocks.push(oneLine);
      if (!oneLine) {
        depth++;
        afterOpen = true;
      }
    }
    previous = item;
  });
  if (!started) return '';
  lines.push(current);
  return lines.join('\n') + '\n';
}

/** What goes between two tokens on one line: nothing before `,`, nothing around `@`, nothing inside `{}`. */
function separator(before: LayoutItem, token: LayoutItem): string {
  if (token.image === ',') return '';
  if (token.image === '@' || before.image === '@') return '';
  if (before.image === '{' && token.image === '}') return '';
  return ' ';
}
