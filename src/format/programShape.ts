import type { IToken } from 'chevrotain';
import type { FileNode } from '../ast/nodes.js';

/**
 * What formatting must not change, as one string: the AST without positions, the words and symbols in their order
 * (an unknown field keeps only its first word in the AST), and the comments' texts in their order.
 */
export function programShape(file: FileNode, tokens: readonly IToken[], comments: readonly string[]): string {
  const ast = JSON.stringify(file, (key, value: unknown) => {
    if (key === 'source') return undefined; // the File's Source: the text itself
    if (isSpan(value)) return 'span'; // keeps that an optional span (`expires never`) is there
    return value;
  });
  return JSON.stringify({ ast, tokens: tokens.map((t) => t.image), comments });
}

function isSpan(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'source' in value && 'start' in value && 'end' in value;
}
