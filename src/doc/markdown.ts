import type { Block, DocPage, Inline, Line } from './docModel.js';
import { fileSegment, pagePath } from './pageName.js';

/**
 * Markdown text for any program string: every character Markdown or inline HTML could read as syntax is
 * backslash-escaped (CommonMark allows that for all ASCII punctuation), and line breaks become spaces, so a title
 * cannot start a heading, a table row, a link or a tag.
 */
export function escapeMd(text: string): string {
  const flat = text.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/[\\`*_[\]<>#!|~&$]/g, (c) => '\\' + c);
  // At the start of a line only: a list marker, a setext underline, an ordered-list number.
  return flat.replace(/^([-+=])(?=\s|$|[-=])/, '\\$1').replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** A code span that holds any text: a fence longer than its longest backtick run; `|` escaped for tables. */
export function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n\u2028\u2029]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') ? ' ' : '';
  return fence + pad + flat.replace(/\|/g, '\\|') + pad + fence;
}

function inline(i: Inline, depth: number): string {
  if (typeof i === 'string') return escapeMd(i);
  if (i.kind === 'code') return codeSpan(i.text);
  if (i.kind === 'state') return `**${escapeMd(i.text)}**`;
  return `[${escapeMd(i.text)}](${'../'.repeat(depth)}${pagePath(i.page, i.name, 'md')})`;
}

function lineText(l: Line, depth: number): string {
  return l.map((i) => inline(i, depth)).join('');
}

function cell(l: Line, depth: number): string {
  const t = lineText(l, depth);
  return t === '' ? ' ' : t;
}

function block(b: Block, depth: number): string {
  switch (b.type) {
    case 'para':
      return lineText(b.line, depth);
    case 'list':
      return b.items.map((l) => `- ${lineText(l, depth)}`).join('\n');
    case 'fields':
      return ['| | |', '|---|---|', ...b.rows.map(([k, v]) => `| **${escapeMd(k)}** | ${cell(v, depth)} |`)].join('\n');
    case 'table':
      return [`| ${b.head.map(escapeMd).join(' | ')} |`, `|${b.head.map(() => '---').join('|')}|`, ...b.rows.map((r) => `| ${r.map((c) => cell(c, depth)).join(' | ')} |`)].join('\n');
    case 'diagram':
      // The picture beside the page (buildDoc writes it): Markdown viewers show an SVG image, not inline SVG.
      return `![Data flows of use case ${escapeMd(b.useCase)}](${fileSegment(b.useCase)}.flows.svg)\n\nDashed edges carry redacted data; a class marked ✕ is denied.`;
  }
}

/** A page as Markdown; `depth` is its folder depth, for relative links. */
export function renderMarkdown(page: DocPage, depth: number): string {
  const out: string[] = [`# ${escapeMd(page.title)}`];
  if (page.subtitle) out.push(`*${escapeMd(page.subtitle)}*`);
  for (const s of page.sections) {
    out.push(`## ${escapeMd(s.title)}`);
    for (const b of s.blocks) out.push(block(b, depth));
  }
  return out.join('\n\n') + '\n';
}
