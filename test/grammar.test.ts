import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { parse } from '../src/syntax/parse.js';
import { sharedParser } from '../src/syntax/parser.js';
import * as tokens from '../src/syntax/tokens.js';
import { GovLexer, KEYWORDS, retypeKeywords } from '../src/syntax/tokens.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GRAMMAR = join(ROOT, 'grammar');

interface GeneratorModule {
  generateGrammar(parser: unknown, tokens: unknown): Record<string, string>;
  staleFiles(files: Record<string, string>, root?: string): string[];
  REGENERATE: string;
}

/** The generator is plain JS (it runs without a build step of its own); a computed specifier keeps tsc out of it. */
async function generator(): Promise<GeneratorModule> {
  const path = join(ROOT, 'scripts', 'generate-grammar.mjs');
  return (await import(pathToFileURL(path).href)) as GeneratorModule;
}

function govFiles(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) {
      if (recursive) out.push(...govFiles(abs, true));
    } else if (name.endsWith('.gov')) out.push(abs);
  }
  return out;
}

const EXAMPLE_FILES = govFiles(join(ROOT, 'examples'), true);
const POLICY_FILES = govFiles(join(ROOT, 'policies'), false);
const ALL_FILES = [...EXAMPLE_FILES, ...POLICY_FILES];
const rel = (abs: string): string => relative(ROOT, abs).split('\\').join('/');

// ---- (a), (b) the EBNF and the diagrams --------------------------------------------------------------------------

describe('grammar/govc.ebnf and grammar/diagrams.html', () => {
  it('are up to date with the parser', async () => {
    const gen = await generator();
    const files = gen.generateGrammar(sharedParser(), tokens);
    expect(Object.keys(files).sort()).toEqual(['grammar/diagrams.html', 'grammar/govc.ebnf']);
    const stale = gen.staleFiles(files, ROOT);
    expect(stale, `stale generated grammar files; run \`${gen.REGENERATE}\``).toEqual([]);
  });

  it('mention every keyword of the lexer', () => {
    const ebnf = readFileSync(join(GRAMMAR, 'govc.ebnf'), 'utf8');
    const missing = KEYWORDS.filter((kw) => !ebnf.includes(`'${kw}'`));
    expect(missing, 'keywords the parser never uses (or that the EBNF lost)').toEqual([]);
  });

  it('have one production per parser rule, except the recovery rule', () => {
    const ebnf = readFileSync(join(GRAMMAR, 'govc.ebnf'), 'utf8');
    const defined = [...ebnf.matchAll(/^([A-Za-z_]\w*)\s+::=/gm)].map((m) => m[1]);
    const rules = Object.keys(sharedParser().getGAstProductions()).filter((r) => r !== 'unknownField');
    expect(defined.slice(0, rules.length)).toEqual(rules);
    expect(ebnf).not.toMatch(/unknownField\s+::=|\|\s*unknownField\b/);
    // Every name used on a right-hand side is defined (rules and lexical tokens).
    const body = ebnf.replace(/\/\*[\s\S]*?\*\//g, '').replace(/'[^']*'|"[^"]*"|\[[^\]]*\]/g, ' ');
    const used = new Set([...body.matchAll(/\b[A-Za-z_]\w*\b/g)].map((m) => m[0]));
    const undefinedNames = [...used].filter((n) => !defined.includes(n));
    expect(undefinedNames).toEqual([]);
  });
});

// ---- (c) the TextMate grammar ------------------------------------------------------------------------------------

interface TmCapture {
  name?: string;
}
interface TmRule {
  include?: string;
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  captures?: Record<string, TmCapture>;
  beginCaptures?: Record<string, TmCapture>;
  endCaptures?: Record<string, TmCapture>;
  patterns?: TmRule[];
}
interface TmGrammar {
  scopeName: string;
  fileTypes: string[];
  patterns: TmRule[];
  repository: Record<string, TmRule>;
}

/** A scoped range of one line; `nested` for captures and the inside of begin/end rules. */
interface Span {
  start: number;
  end: number;
  scope: string;
  nested: boolean;
}

const tm = JSON.parse(readFileSync(join(GRAMMAR, 'govc.tmLanguage.json'), 'utf8')) as TmGrammar;

const regexCache = new Map<string, RegExp>();
function re(source: string): RegExp {
  let r = regexCache.get(source);
  if (!r) {
    // The grammar sticks to the part of Oniguruma's syntax that JavaScript shares; `d` gives capture offsets.
    r = new RegExp(source, 'gd');
    regexCache.set(source, r);
  }
  return r;
}

function flatten(rules: readonly TmRule[], seen = new Set<string>()): TmRule[] {
  const out: TmRule[] = [];
  for (const rule of rules) {
    if (rule.include !== undefined) {
      const key = rule.include.replace(/^#/, '');
      const target = rule.include === '$self' ? { patterns: tm.patterns } : tm.repository[key];
      if (!target) throw new Error(`include ${rule.include} is not in the repository`);
      if (seen.has(rule.include)) continue;
      out.push(...flatten(target.patterns ?? [target], new Set([...seen, rule.include])));
    } else if (rule.match === undefined && rule.begin === undefined && rule.patterns) {
      out.push(...flatten(rule.patterns, seen));
    } else out.push(rule);
  }
  return out;
}

function captureSpans(m: RegExpExecArray, captures: Record<string, TmCapture> | undefined, into: Span[]): void {
  if (!captures) return;
  for (const [group, cap] of Object.entries(captures)) {
    const at = m.indices?.[Number(group)];
    if (cap.name && at && at[1] > at[0]) into.push({ start: at[0], end: at[1], scope: cap.name, nested: true });
  }
}

/**
 * A small TextMate tokenizer for one line: at each position the rule whose match starts leftmost wins, ties go to
 * the earlier rule, and inside a begin/end rule its end pattern wins ties. Enough for this flat grammar.
 */
function tokenizeLine(line: string, rules: readonly TmRule[] = flatten(tm.patterns)): Span[] {
  const spans: Span[] = [];
  scan(0, rules, undefined, false);
  return spans;

  function scan(from: number, patterns: readonly TmRule[], end: TmRule | undefined, nested: boolean): number {
    let pos = from;
    while (pos <= line.length) {
      let best: { m: RegExpExecArray; rule: TmRule | 'end' } | undefined;
      const candidates: [string, TmRule | 'end'][] = [];
      if (end?.end !== undefined) candidates.push([end.end, 'end']);
      for (const rule of patterns) candidates.push([(rule.begin ?? rule.match)!, rule]);
      for (const [source, rule] of candidates) {
        const r = re(source);
        r.lastIndex = pos;
        const m = r.exec(line);
        if (m && (!best || m.index < best.m.index)) best = { m, rule };
      }
      if (!best) return line.length;
      const { m, rule } = best;
      const stop = m.index + m[0].length;
      if (rule === 'end') {
        captureSpans(m, end!.endCaptures ?? end!.captures, spans);
        return stop;
      }
      if (rule.begin !== undefined) {
        captureSpans(m, rule.beginCaptures ?? rule.captures, spans);
        const closed = scan(stop, flatten(rule.patterns ?? []), rule, true);
        if (rule.name) spans.push({ start: m.index, end: closed, scope: rule.name, nested });
        pos = closed;
      } else {
        if (rule.name && stop > m.index) spans.push({ start: m.index, end: stop, scope: rule.name, nested });
        captureSpans(m, rule.captures, spans);
        pos = stop;
      }
      if (stop === m.index) pos++; // an empty match must not loop
    }
    return line.length;
  }
}

/** What the TextMate scope of a lexer token must start with. */
const EXPECTED_SCOPE: Record<string, RegExp> = {
  Comment: /^comment\.line\./,
  StringLiteral: /^string\.quoted\.double\./,
  DateLiteral: /^constant\.numeric\.date\./,
  NumberLiteral: /^constant\.numeric\.gov$/,
  Keyword: /^(keyword\.|constant\.language\.|entity\.name\.)/,
  Identifier: /^(variable\.other\.|entity\.name\.)/,
};

function lexerClass(t: IToken): string {
  return t.tokenType.name.startsWith('Kw_') ? 'Keyword' : t.tokenType.name;
}

describe('grammar/govc.tmLanguage.json', () => {
  it('is a TextMate grammar for .gov files whose patterns compile', () => {
    expect(tm.scopeName).toBe('source.gov');
    expect(tm.fileTypes).toEqual(['gov']);
    const all = flatten(tm.patterns);
    expect(all.length).toBeGreaterThan(5);
    const sources: string[] = [];
    const walk = (rules: readonly TmRule[]): void => {
      for (const r of rules) {
        for (const s of [r.match, r.begin, r.end]) if (s !== undefined) sources.push(s);
        if (r.patterns) walk(r.patterns);
      }
    };
    walk([...tm.patterns, ...Object.values(tm.repository)]);
    for (const s of sources) expect(() => re(s), s).not.toThrow();
    // Every include resolves.
    expect(() => flatten([...tm.patterns, ...Object.values(tm.repository)])).not.toThrow();
  });

  it('highlights every keyword of the lexer as a keyword', () => {
    const wrong = KEYWORDS.filter((kw) => {
      const spans = tokenizeLine(kw).filter((s) => !s.nested);
      return !(spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === kw.length && EXPECTED_SCOPE.Keyword!.test(spans[0]!.scope));
    });
    expect(wrong).toEqual([]);
    // ...and only as a whole word, like the lexer.
    for (const name of ['titles', 'title-x', 'org.unit', 'in_eu', 'x.deny']) {
      const spans = tokenizeLine(name).filter((s) => !s.nested);
      expect(spans.map((s) => s.scope), name).toEqual(['variable.other.gov']);
    }
  });

  it('highlights strings, escapes, comments, dates, numbers and declarations', () => {
    const scopes = (line: string): [string, string][] => tokenizeLine(line).map((s) => [line.slice(s.start, s.end), s.scope]);
    expect(scopes('title "a\\"b\\\\c\\n\\t\\u{1F600} # not a comment" # comment')).toEqual(
      expect.arrayContaining([
        ['\\"', 'constant.character.escape.gov'],
        ['\\\\', 'constant.character.escape.gov'],
        ['\\n', 'constant.character.escape.gov'],
        ['\\t', 'constant.character.escape.gov'],
        ['\\u{1F600}', 'constant.character.escape.gov'],
        ['"a\\"b\\\\c\\n\\t\\u{1F600} # not a comment"', 'string.quoted.double.gov'],
        ['# comment', 'comment.line.number-sign.gov'],
      ]),
    );
    expect(scopes('pattern id "\\d{6}"')).toContainEqual(['\\d', 'invalid.illegal.unrecognized-escape.gov']);
    expect(scopes('title "never closed')).toContainEqual(['"never closed', 'string.quoted.double.gov']);
    expect(scopes('// slashes')).toContainEqual(['// slashes', 'comment.line.double-slash.gov']);
    expect(scopes('use_case support_assistant {')).toEqual([
      ['use_case', 'keyword.declaration.gov'],
      ['support_assistant', 'entity.name.type.gov'],
      ['{', 'punctuation.section.block.begin.gov'],
    ]);
    expect(scopes('tier prohibited {').map((s) => s[1])).toEqual([
      'keyword.declaration.gov',
      'entity.name.type.gov',
      'punctuation.section.block.begin.gov',
    ]);
    expect(scopes('  tier high')).toEqual([
      ['tier', 'keyword.declaration.gov'],
      ['high', 'variable.other.gov'],
    ]);
    expect(scopes('rate 400k tpm, 2026-06-15 110%')).toEqual([
      ['rate', 'keyword.other.gov'],
      ['400k', 'constant.numeric.gov'],
      ['k', 'keyword.other.unit.gov'],
      ['tpm', 'variable.other.gov'],
      [',', 'punctuation.separator.comma.gov'],
      ['2026-06-15', 'constant.numeric.date.gov'],
      ['110%', 'constant.numeric.gov'],
      ['%', 'keyword.other.unit.gov'],
    ]);
    expect(scopes('models gpt-4.1 fallback claude-3-5-haiku').map((s) => s[1])).toEqual([
      'keyword.other.gov',
      'variable.other.gov',
      'keyword.other.gov',
      'variable.other.gov',
    ]);
    expect(scopes('data pii -> eu; a <= 0.5').map((s) => s[1])).toEqual([
      'keyword.other.gov',
      'variable.other.gov',
      'keyword.operator.arrow.gov',
      'variable.other.gov',
      'invalid.illegal.character.gov',
      'variable.other.gov',
      'keyword.operator.comparison.gov',
      'constant.numeric.gov',
    ]);
  });

  // The lexer is the reference: each comment, string, date, number, keyword and name it finds in the shipped .gov
  // files must be one span of the matching TextMate scope, and nothing may be highlighted as invalid.
  for (const file of ALL_FILES) {
    it(`agrees with the lexer on ${rel(file)}`, () => {
      const text = readFileSync(file, 'utf8');
      const lexed = GovLexer.tokenize(text);
      retypeKeywords(lexed.tokens);
      const tokensByLine = new Map<number, IToken[]>();
      for (const group of [lexed.tokens, ...Object.values(lexed.groups)]) {
        for (const t of group) {
          const list = tokensByLine.get(t.startLine ?? 0) ?? [];
          list.push(t);
          tokensByLine.set(t.startLine ?? 0, list);
        }
      }
      const problems: string[] = [];
      const lines = text.split(/\r?\n/);
      let offset = 0;
      lines.forEach((line, i) => {
        const spans = tokenizeLine(line);
        for (const s of spans) {
          if (s.scope.startsWith('invalid.')) problems.push(`${i + 1}: ${s.scope} ${JSON.stringify(line.slice(s.start, s.end))}`);
        }
        for (const t of tokensByLine.get(i + 1) ?? []) {
          const expected = EXPECTED_SCOPE[lexerClass(t)];
          if (!expected) continue;
          const start = t.startOffset - offset;
          const end = start + t.image.length;
          const ok = spans.some((s) => s.start === start && s.end === end && expected.test(s.scope));
          if (!ok) {
            const got = spans.filter((s) => s.start < end && s.end > start).map((s) => `${s.scope}[${s.start},${s.end})`);
            problems.push(`${i + 1}:${start + 1} ${t.tokenType.name} ${JSON.stringify(t.image)} got ${got.join(' ') || 'nothing'}`);
          }
        }
        offset += line.length + (text.startsWith('\r\n', offset + line.length) ? 2 : 1);
      });
      expect(problems).toEqual([]);
    });
  }
});

// ---- (d) the shipped .gov files parse cleanly --------------------------------------------------------------------

describe('shipped .gov files', () => {
  it('include examples and the standard library', () => {
    expect(EXAMPLE_FILES.length).toBeGreaterThanOrEqual(3);
    expect(POLICY_FILES.length).toBeGreaterThanOrEqual(1);
  });

  for (const file of ALL_FILES) {
    it(`${rel(file)} parses without diagnostics`, () => {
      const { diagnostics } = parse({ path: rel(file), text: readFileSync(file, 'utf8') });
      expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    });
  }
});
