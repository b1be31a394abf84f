import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

/**
 * Tokens of the `.gov` language. Keywords are *soft*: each belongs to the `Identifier` category, so a governor may
 * still name a tier `prohibited` or a tool `search`; the parser only treats a word as a keyword where the grammar
 * expects one. Order matters: keywords before `Identifier` (with `longer_alt`), dates before numbers.
 */
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\uFEFF]+/, group: Lexer.SKIPPED });
/**
 * Comments are not skipped but set aside in their own token group: the parser never sees them (its token vector
 * holds only the default group), and `parse()` hands them out as `comments` for the formatter and editors.
 */
export const COMMENT_GROUP = 'comments';
export const Comment = createToken({ name: 'Comment', pattern: /(?:#|\/\/)[^\n\r]*/, group: COMMENT_GROUP });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z0-9_]+)*/,
});

/** A double-quoted string on one line; escapes are validated when the AST is built. */
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/ });
/** A string that reaches the end of the line: reported as GOV1002 rather than as a stray quote. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*/ });
export const DateLiteral = createToken({ name: 'DateLiteral', pattern: /\d{4}-\d{2}-\d{2}(?![0-9A-Za-z_])/ });
/** A number with an optional unit glued on: `5000`, `50_000`, `0.92`, `200k`, `15m`, `180d`, `110%`. */
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d(?:_?\d)*(?:\.\d+)?(?:%|[A-Za-z]+)?/ });

export const LCurly = createToken({ name: 'LCurly', pattern: '{', label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: '}', label: "'}'" });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
export const Arrow = createToken({ name: 'Arrow', pattern: '->', label: "'->'" });
export const At = createToken({ name: 'At', pattern: '@', label: "'@'" });
export const LessEqual = createToken({ name: 'LessEqual', pattern: '<=', label: "'<='" });
export const GreaterEqual = createToken({ name: 'GreaterEqual', pattern: '>=', label: "'>='" });
export const Less = createToken({ name: 'Less', pattern: '<', label: "'<'" });
export const Greater = createToken({ name: 'Greater', pattern: '>', label: "'>'" });

const keywordTokens: TokenType[] = [];
const keywordByWord = new Map<string, TokenType>();
/**
 * Keywords are not matched by the lexer: it reads every word as an `Identifier`, and `retypeKeywords` then looks
 * the word up in one map. That is chevrotain's advice for many keywords, and was the lexer's main cost with one
 * regular expression per keyword.
 */
function keyword(word: string): TokenType {
  const token = createToken({ name: 'Kw_' + word, pattern: Lexer.NA, categories: [Identifier], label: `'${word}'` });
  keywordTokens.push(token);
  keywordByWord.set(word, token);
  return token;
}

export const Kw = {
  import: keyword('import'),
  org: keyword('org'),
  provider: keyword('provider'),
  model: keyword('model'),
  data_class: keyword('data_class'),
  tier: keyword('tier'),
  tool: keyword('tool'),
  use_case: keyword('use_case'),
  title: keyword('title'),
  owners: keyword('owners'),
  owner: keyword('owner'),
  budget: keyword('budget'),
  retain: keyword('retain'),
  log: keyword('log'),
  regions: keyword('regions'),
  dpa: keyword('dpa'),
  signed: keyword('signed'),
  none: keyword('none'),
  zero_retention: keyword('zero_retention'),
  trains_on_customer_data: keyword('trains_on_customer_data'),
  yes: keyword('yes'),
  no: keyword('no'),
  version: keyword('version'),
  approved_versions: keyword('approved_versions'),
  price: keyword('price'),
  input: keyword('input'),
  output: keyword('output'),
  per: keyword('per'),
  context: keyword('context'),
  status: keyword('status'),
  sensitivity: keyword('sensitivity'),
  default: keyword('default'),
  detect: keyword('detect'),
  pattern: keyword('pattern'),
  residency: keyword('residency'),
  requires: keyword('requires'),
  hosting: keyword('hosting'),
  kind: keyword('kind'),
  min_retention: keyword('min_retention'),
  approvers: keyword('approvers'),
  prohibited: keyword('prohibited'),
  scopes: keyword('scopes'),
  surfaces: keyword('surfaces'),
  models: keyword('models'),
  fallback: keyword('fallback'),
  data: keyword('data'),
  in: keyword('in'),
  redacted: keyword('redacted'),
  deny: keyword('deny'),
  scope: keyword('scope'),
  rate: keyword('rate'),
  on: keyword('on'),
  degrade: keyword('degrade'),
  to: keyword('to'),
  up: keyword('up'),
  then: keyword('then'),
  refuse: keyword('refuse'),
  human_oversight: keyword('human_oversight'),
  disclosure: keyword('disclosure'),
  red_team: keyword('red_team'),
  eval: keyword('eval'),
  dataset: keyword('dataset'),
  regression: keyword('regression'),
  baseline: keyword('baseline'),
  rollback: keyword('rollback'),
  within: keyword('within'),
  owned_by: keyword('owned_by'),
  steps: keyword('steps'),
  approved_by: keyword('approved_by'),
  ticket: keyword('ticket'),
  expires: keyword('expires'),
  // Language v2: identity and ownership.
  never: keyword('never'),
  require: keyword('require'),
  person: keyword('person'),
  team: keyword('team'),
  email: keyword('email'),
  members: keyword('members'),
  log_access: keyword('log_access'),
  // Language v2, assets (issue 10): prompts and budget alerts.
  prompt: keyword('prompt'),
  sha256: keyword('sha256'),
  file: keyword('file'),
  prompts: keyword('prompts'),
  budget_alert: keyword('budget_alert'),
  notify: keyword('notify'),
  // Rollback of any asset, retrieval corpora.
  corpus: keyword('corpus'),
  // Guardrails and red-team suites (`kind` is declared with the model's fields above).
  guardrail: keyword('guardrail'),
  guardrails: keyword('guardrails'),
  red_team_suite: keyword('red_team_suite'),
  stage: keyword('stage'),
  threshold: keyword('threshold'),
  action: keyword('action'),
  items: keyword('items'),
  min_pass_rate: keyword('min_pass_rate'),
  // Retrieval corpora (`corpus` is declared with the rollback assets above).
  data_classes: keyword('data_classes'),
  embeddings: keyword('embeddings'),
  retrieval: keyword('retrieval'),
  // How a gateway reaches a provider and a model (issue 11).
  api: keyword('api'),
  deployment: keyword('deployment'),
  capacity: keyword('capacity'),
} as const;


/** Every token type the parser knows: the lexer's plus the keywords. */
export const lexerTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  StringLiteral,
  UnterminatedString,
  DateLiteral,
  NumberLiteral,
  Arrow,
  LCurly,
  RCurly,
  Comma,
  At,
  LessEqual,
  GreaterEqual,
  Less,
  Greater,
  Identifier,
];

export const allTokens: TokenType[] = [...lexerTokens, ...keywordTokens];

/** Gives each Identifier token whose text is a keyword that keyword's type (in place). */
export function retypeKeywords(tokens: IToken[]): void {
  for (const t of tokens) {
    if (t.tokenTypeIdx !== Identifier.tokenTypeIdx) continue;
    const kw = keywordByWord.get(t.image);
    if (kw) {
      t.tokenType = kw;
      t.tokenTypeIdx = kw.tokenTypeIdx!;
    }
  }
}

export const KEYWORDS: readonly string[] = Object.keys(Kw);

/**
 * Characters no token accepts are the lexer's errors (it skips them and goes on): parse() reports them as GOV1003.
 * `ensureOptimizations` keeps chevrotain's first-character dispatch on; a pattern it cannot analyse would
 * silently make every token try every pattern.
 */
export const GovLexer = new Lexer(lexerTokens, { positionTracking: 'full', ensureOptimizations: true });

/** The lexer's patterns as sticky expressions, in its order: what countTokensUpTo tries at each position. */
const STICKY: ReadonlyArray<{ readonly re: RegExp; readonly counts: boolean }> = lexerTokens.map((t) => {
  const p = t.PATTERN;
  const source = typeof p === 'string' ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : (p as RegExp).source;
  // Only tokens the parser receives count: whitespace is skipped and comments are set aside.
  return { re: new RegExp(source, 'y'), counts: t.GROUP === undefined };
});

/**
 * How many tokens and error runs the lexer would produce, counting stops once past `limit`: the lexer's own
 * first-match rule over the same patterns, without building a token. Lets parse() refuse a huge file cheaply.
 */
export function countTokensUpTo(text: string, limit: number): number {
  let count = 0;
  let at = 0;
  let inError = false;
  while (at < text.length && count <= limit) {
    let matched = false;
    for (const { re, counts } of STICKY) {
      re.lastIndex = at;
      if (re.test(text) && re.lastIndex > at) {
        if (counts) count++;
        at = re.lastIndex;
        matched = true;
        break;
      }
    }
    if (matched) {
      inError = false;
      continue;
    }
    // An unmatched character: the lexer reports each run of them as one error.
    if (!inError) count++;
    inError = true;
    at++;
  }
  return count;
}
