import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';

/** How a token type reads in a message: keywords and punctuation quoted, literals by kind. */
export function describeTokenType(type: TokenType): string {
  switch (type.name) {
    case 'Identifier':
      return 'a name';
    case 'StringLiteral':
      return 'a string';
    case 'NumberLiteral':
      return 'a number';
    case 'DateLiteral':
      return 'a date (YYYY-MM-DD)';
    case 'EOF':
      return 'end of file';
    default:
      return `\`${String(type.LABEL ?? type.name).replace(/^'|'$/g, '')}\``;
  }
}

export function describeToken(token: IToken): string {
  if (token.tokenType.name === 'EOF') return 'end of file';
  const image = token.image.length > 40 ? token.image.slice(0, 37) + '...' : token.image;
  return `\`${image}\``;
}

function uniqueFirsts(paths: TokenType[][]): string[] {
  const seen = new Set<string>();
  for (const path of paths) {
    const first = path[0];
    if (first) seen.add(describeTokenType(first));
  }
  return [...seen];
}

function oneOf(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  if (items.length > 6) return `${items.slice(0, 6).join(', ')} or another field`;
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Messages in govc's style (lowercase, values in backticks) instead of chevrotain's defaults. */
export const govErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${describeTokenType(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a declaration (\`use_case\`, \`model\`, \`provider\`, ...), found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual }) {
    const firsts = uniqueFirsts(expectedPathsPerAlt.flat());
    const found = actual[0];
    return `expected ${oneOf(firsts)}, found ${found ? describeToken(found) : 'end of file'}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    const firsts = uniqueFirsts(expectedIterationPaths);
    const found = actual[0];
    return `expected ${oneOf(firsts)}, found ${found ? describeToken(found) : 'end of file'}`;
  },
};
