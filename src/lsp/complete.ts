import { DECL_KEYWORD, DECL_NOUN, type DeclKind } from '../ast/nodes.js';
import { BLOCK_FIELDS } from '../check/fieldTable.js';
import { KEYWORDS } from '../syntax/tokens.js';
import { compareCodePoints } from '../util/compare.js';

/** One completion: a declared name (with its kind) or a keyword. */
export interface Completion {
  readonly label: string;
  readonly kind: 'name' | 'keyword';
  readonly declKind?: DeclKind;
  readonly detail: string;
}

/**
 * Which kinds of names a field takes after the word that introduces them (docs/language.md). A word absent here
 * gives no hint, and every name and keyword is offered.
 */
const NAME_KINDS_AFTER: Readonly<Record<string, readonly DeclKind[]>> = {
  models: ['Model'],
  fallback: ['Model'],
  embeddings: ['Model'],
  // `degrade to MODEL`, v1 `rollback to MODEL@"..."` (v2 `rollback prompt NAME to "v"` names the asset first).
  to: ['Model'],
  tier: ['Tier'],
  data: ['DataClass'],
  data_classes: ['DataClass'],
  '->': ['Provider', 'Model'],
  tool: ['Tool'],
  owner: ['Person', 'Team'],
  owners: ['Person', 'Team'],
  members: ['Person', 'Team'],
  log_access: ['Person', 'Team'],
  owned_by: ['Person', 'Team'],
  notify: ['Person', 'Team'],
  approved_by: ['Person'],
  provider: ['Provider'],
  model: ['Model'],
  // `rollback prompt NAME to ...`, `rollback corpus NAME to ...` (language v2).
  prompt: ['Prompt'],
  corpus: ['Corpus'],
  prompts: ['Prompt'],
  guardrails: ['Guardrail'],
  retrieval: ['Corpus'],
  red_team: ['RedTeamSuite'],
};

const DECL_KIND_OF_KEYWORD = new Map<string, DeclKind>(Object.entries(DECL_KEYWORD).map(([k, w]) => [w, k as DeclKind]));

interface Context {
  /** The word being typed up to the cursor. */
  readonly prefix: string;
  /** Nesting depth of `{` at the cursor and the declaration keyword of the outermost open block. */
  readonly depth: number;
  readonly block: DeclKind | undefined;
  /** The words (and `->`, `,`) before the cursor on its line, strings left out. */
  readonly before: readonly string[];
}

const WORD = /[A-Za-z0-9_.-]/;

/**
 * Reads the cursor's context from the text alone (not the AST), so it works on a half-typed line that does not
 * parse: braces outside strings and comments give the block, the line's words the field.
 */
export function completionContext(text: string, offset: number): Context {
  let start = offset;
  while (start > 0 && WORD.test(text[start - 1]!) && !(text[start - 1] === '-' && text[start] === '>')) start--;
  const prefix = text.slice(start, offset);
  const stack: string[] = [];
  let lineStart = 0;
  for (let i = 0; i < start; i++) {
    const ch = text[i]!;
    if (ch === '\n' || ch === '\r') lineStart = i + 1;
    else if (ch === '"') {
      i++;
      while (i < start && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      while (i < start && text[i] !== '\n') i++;
      lineStart = i + 1;
    } else if (ch === '{') stack.push(text.slice(lineStart, i).trim().split(/\s+/)[0] ?? '');
    else if (ch === '}') stack.pop();
  }
  const line = text.slice(lineStart, start).replace(/"(?:[^"\\]|\\.)*"?/g, ' ').replace(/(#|\/\/).*$/, '');
  const before = line.match(/->|,|[A-Za-z0-9_.@-]+/g) ?? [];
  // `{` on the cursor's own line opens the block the cursor is in: its words are not the field's.
  const lastBrace = line.lastIndexOf('{');
  const words = lastBrace >= 0 ? (line.slice(lastBrace + 1).match(/->|,|[A-Za-z0-9_.@-]+/g) ?? []) : before;
  return { prefix, depth: stack.length, block: stack.length > 0 ? DECL_KIND_OF_KEYWORD.get(stack[0]!) : undefined, before: words };
}

/**
 * The kinds the word at the cursor should be, or undefined when the line does not say: the word just before it
 * introduces names (`models`, `->`, `approved_by`), or a list of them continues (`fallback a, b, `).
 */
export function expectedKinds(ctx: Context): readonly DeclKind[] | undefined {
  if (ctx.depth === 0) return undefined; // at the top level a word after a keyword is a new name
  const w = ctx.before;
  const kindsOf = (i: number): readonly DeclKind[] | undefined => {
    const word = w[i]!;
    if (!Object.hasOwn(NAME_KINDS_AFTER, word)) return undefined;
    // `data CLASS`: only as the field's first word (`data` is not otherwise a keyword).
    if (word === 'data' && i !== 0) return undefined;
    return NAME_KINDS_AFTER[word];
  };
  let i = w.length - 1;
  if (i < 0) return undefined;
  if (w[i] !== ',') return kindsOf(i);
  // A list goes on: walk back over `NAME ,` pairs (a string left out leaves a bare `,`) to the word that opened it.
  while (i >= 0 && w[i] === ',') {
    i--;
    if (i < 0) return undefined;
    const kinds = kindsOf(i);
    if (kinds !== undefined) return kinds;
    i--;
    if (i >= 0 && w[i] !== ',') return kindsOf(i);
  }
  return undefined;
}

/** Completions at `offset`: declared names of the expected kinds, or the keywords and fields that fit there. */
export function completionsAt(text: string, offset: number, names: ReadonlyArray<{ kind: DeclKind; name: string }>): Completion[] {
  const ctx = completionContext(text, offset);
  const nameItems = (kinds: readonly DeclKind[] | undefined): Completion[] =>
    names
      .filter((n) => kinds === undefined || kinds.includes(n.kind))
      .map((n) => ({ label: n.name, kind: 'name' as const, declKind: n.kind, detail: DECL_NOUN[n.kind] }));
  const keywordItems = (words: readonly string[], detail: string): Completion[] => words.map((w) => ({ label: w, kind: 'keyword' as const, detail }));
  let items: Completion[];
  if (ctx.before.length === 0) {
    if (ctx.depth === 0) items = keywordItems(['import', ...Object.values(DECL_KEYWORD)], 'declaration');
    else if (ctx.depth === 1 && ctx.block !== undefined) items = keywordItems(BLOCK_FIELDS[ctx.block].map((f) => f.word), `field of ${DECL_NOUN[ctx.block]}`);
    else items = keywordItems(KEYWORDS, 'keyword');
  } else if (ctx.depth === 0) {
    items = []; // after `model`, `use_case`...: a new name, which nothing declared can complete
  } else {
    const kinds = expectedKinds(ctx);
    items = kinds !== undefined ? nameItems(kinds) : [...nameItems(undefined), ...keywordItems(KEYWORDS, 'keyword')];
  }
  const seen = new Set<string>();
  return items
    .filter((c) => c.label.startsWith(ctx.prefix) && !seen.has(c.kind + c.label + (c.declKind ?? '')) && seen.add(c.kind + c.label + (c.declKind ?? '')))
    .sort((a, b) => compareCodePoints(a.label, b.label) || compareCodePoints(a.detail, b.detail));
}
