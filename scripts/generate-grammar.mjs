#!/usr/bin/env node
// Generates grammar/govc.ebnf and grammar/diagrams.html from the chevrotain parser (its GAST) and the lexer tokens.
//
//   node scripts/generate-grammar.mjs           write both files (run `npm run build` first: it reads dist/)
//   node scripts/generate-grammar.mjs --check   write nothing; exit 1 if a file on disk differs from what it would write
//
// The generation itself is `generateGrammar(parser, tokens)`, which test/grammar.test.ts calls with the parser and
// tokens from src/ so that a stale grammar/ fails the tests.

import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runGenerator, staleFiles as staleOnDisk } from './generated-files.mjs';
import {
  Alternation,
  Alternative,
  createSyntaxDiagramsCode,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
} from 'chevrotain';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const EBNF_PATH = 'grammar/govc.ebnf';
export const DIAGRAMS_PATH = 'grammar/diagrams.html';
export const REGENERATE = 'npm run grammar';

/** Rules that exist for error recovery only: left out of the EBNF and the diagrams, and so are references to them. */
const RECOVERY_RULES = new Set(['unknownField']);

/** Tokens the lexer drops between the tokens the parser sees. */
const SKIPPED_TOKENS = ['WhiteSpace', 'Comment'];

/** One comment per lexical token written out in the EBNF; a token the grammar uses must have one. */
const TOKEN_DOCS = {
  WhiteSpace: 'Spaces, tabs, line breaks and a byte-order mark separate tokens and are otherwise ignored.',
  Comment: 'A comment runs from `#` (or `//`) to the end of the line and is ignored.',
  Identifier:
    'A name: a letter or `_`, then letters, digits and `_`; `-` and `.` may join parts, as in `gpt-4.1-mini`. ' +
    'Every keyword is also an Identifier (keywords are soft).',
  StringLiteral:
    'Text between double quotes on one line. The escapes `\\"` `\\\\` `\\n` `\\t` `\\u{HEX}` are checked after ' +
    'lexing; any other escape is error GOV1005.',
  DateLiteral: 'A calendar date `YYYY-MM-DD`, not quoted; impossible dates are rejected after parsing.',
  NumberLiteral:
    'A number, digits optionally grouped with `_`, with an optional unit glued on: `5000`, `50_000`, `0.92`, ' +
    '`200k`, `15m`, `180d`, `110%`. A unit may also follow as a separate Identifier (`5000 USD`).',
};

const MAX_WIDTH = 118;

// ---- GAST -> a small expression tree ---------------------------------------------------------------------------
//
//   { k: 'term', text } | { k: 'ref', name } | { k: 'seq', items } | { k: 'alt', alts: seq[] }
//   | { k: 'rep', q: '*' | '+' | '?', body: seq }

function terminalText(tokenType) {
  const label = tokenType.LABEL;
  // Keywords and punctuation carry their spelling as the label: 'use_case', '{'.
  if (typeof label === 'string' && /^'[^']+'$/.test(label)) return label;
  return tokenType.name;
}

function convertSeq(productions, ctx) {
  const items = [];
  for (const p of productions) items.push(...convert(p, ctx));
  return { k: 'seq', items };
}

/** Converts one GAST production to a list of items (a separated repetition becomes two items of the sequence). */
function convert(p, ctx) {
  if (p instanceof Terminal) {
    ctx.terminals.add(p.terminalType);
    return [{ k: 'term', text: terminalText(p.terminalType) }];
  }
  if (p instanceof NonTerminal) {
    if (RECOVERY_RULES.has(p.nonTerminalName)) {
      throw new Error(
        `rule ${ctx.rule} refers to the recovery rule ${p.nonTerminalName} outside an alternation; ` +
          'scripts/generate-grammar.mjs only knows how to leave out a whole alternative',
      );
    }
    return [{ k: 'ref', name: p.nonTerminalName }];
  }
  if (p instanceof Alternation) {
    const alts = p.definition
      .filter((a) => !isRecoveryAlternative(a))
      .map((a) => convertSeq(a instanceof Alternative ? a.definition : [a], ctx));
    if (alts.length === 1) return alts[0].items;
    return [{ k: 'alt', alts }];
  }
  if (p instanceof Option) return [{ k: 'rep', q: '?', body: convertSeq(p.definition, ctx) }];
  if (p instanceof Repetition) return [{ k: 'rep', q: '*', body: convertSeq(p.definition, ctx) }];
  if (p instanceof RepetitionMandatory) return [{ k: 'rep', q: '+', body: convertSeq(p.definition, ctx) }];
  if (p instanceof RepetitionMandatoryWithSeparator || p instanceof RepetitionWithSeparator) {
    // X (SEP X)*, or optionally (X (SEP X)*)?
    const first = convertSeq(p.definition, ctx);
    ctx.terminals.add(p.separator);
    const sep = { k: 'term', text: terminalText(p.separator) };
    const more = { k: 'rep', q: '*', body: { k: 'seq', items: [sep, ...convertSeq(p.definition, ctx).items] } };
    const items = [...first.items, more];
    return p instanceof RepetitionWithSeparator ? [{ k: 'rep', q: '?', body: { k: 'seq', items } }] : items;
  }
  if (p instanceof Alternative) return convertSeq(p.definition, ctx).items;
  throw new Error(`rule ${ctx.rule}: unsupported GAST production ${p?.constructor?.name ?? typeof p}`);
}

function isRecoveryAlternative(a) {
  const def = a instanceof Alternative ? a.definition : [a];
  return def.length === 1 && def[0] instanceof NonTerminal && RECOVERY_RULES.has(def[0].nonTerminalName);
}

// ---- layout ----------------------------------------------------------------------------------------------------

function flat(node) {
  switch (node.k) {
    case 'term':
      return node.text;
    case 'ref':
      return node.name;
    case 'seq':
      return node.items.length === 0 ? '/* nothing */' : node.items.map(flat).join(' ');
    case 'alt':
      return '(' + node.alts.map(flat).join(' | ') + ')';
    case 'rep': {
      const only = node.body.items.length === 1 ? node.body.items[0] : undefined;
      if (only && only.k !== 'seq' && only.k !== 'rep') return flat(only) + node.q;
      return '(' + flat(node.body) + ')' + node.q;
    }
    default:
      throw new Error(`unknown node ${node.k}`);
  }
}

/** A node that is printed over several lines when it does not fit: an alternation or a group. */
function breakable(node) {
  return node.k === 'alt' || (node.k === 'rep' && !(node.body.items.length === 1 && node.body.items[0].k !== 'alt'));
}

const pad = (n) => ' '.repeat(n);

/** More than this many alternatives are listed one per line even when they would fit on one. */
const MAX_INLINE_ALTERNATIVES = 4;

function listsMany(node) {
  if (node.k === 'rep' && node.body.items.length === 1) return listsMany(node.body.items[0]);
  return node.k === 'alt' && node.alts.length > MAX_INLINE_ALTERNATIVES;
}

/**
 * Lays out a sequence whose first line starts at column `indent`. Returns whole lines (each with its indentation);
 * the caller strips the indentation of the first line when something already precedes it.
 */
function seqLines(items, indent) {
  const lines = [];
  let cur = pad(indent);
  let fresh = true;
  for (const node of items) {
    const f = flat(node);
    const vertical = listsMany(node);
    const fits = fresh ? indent + f.length <= MAX_WIDTH : cur.length + 1 + f.length <= MAX_WIDTH;
    if (fits && !vertical) {
      cur += (fresh ? '' : ' ') + f;
      fresh = false;
      continue;
    }
    if (!vertical && !fresh && indent + f.length <= MAX_WIDTH) {
      lines.push(cur);
      cur = pad(indent) + f;
      continue;
    }
    if (breakable(node)) {
      if (!fresh) lines.push(cur);
      const sub = brokenLines(node, indent);
      lines.push(...sub.slice(0, -1));
      cur = sub[sub.length - 1];
    } else if (fresh) {
      cur += f; // longer than a line on its own: let it overflow
    } else {
      lines.push(cur);
      cur = pad(indent) + f;
    }
    fresh = false;
  }
  lines.push(cur);
  return lines;
}

/** An alternation or group over several lines, `(` at column `indent`: `( a` / `| b` / `)*`. */
function brokenLines(node, indent, suffix = '') {
  if (node.k === 'rep') {
    const only = node.body.items.length === 1 ? node.body.items[0] : undefined;
    if (only && only.k === 'alt') return brokenLines(only, indent, node.q);
    const sub = seqLines(node.body.items, indent + 2);
    sub[0] = pad(indent) + '( ' + sub[0].slice(indent + 2);
    return [...sub, pad(indent) + ')' + node.q];
  }
  const lines = [];
  node.alts.forEach((alt, i) => {
    const sub = seqLines(alt.items, indent + 2);
    sub[0] = pad(indent) + (i === 0 ? '( ' : '| ') + sub[0].slice(indent + 2);
    lines.push(...sub);
  });
  lines.push(pad(indent) + ')' + suffix);
  return lines;
}

/** `name ::= body`; a rule that is one alternation lists its alternatives without parentheses. */
function ruleText(name, body, nameWidth) {
  const prefix = name.padEnd(nameWidth) + ' ::= ';
  const indent = prefix.length;
  const only = body.items.length === 1 ? body.items[0] : undefined;
  let lines;
  if (only && only.k === 'alt') {
    const single = only.alts.map(flat).join(' | ');
    if (indent + single.length <= MAX_WIDTH) {
      lines = [pad(indent) + single];
    } else {
      lines = [];
      only.alts.forEach((alt, i) => {
        const sub = seqLines(alt.items, indent);
        if (i > 0) sub[0] = pad(indent - 2) + '| ' + sub[0].slice(indent);
        lines.push(...sub);
      });
    }
  } else {
    lines = seqLines(body.items, indent);
  }
  lines[0] = prefix + lines[0].slice(indent);
  return lines.map((l) => l.trimEnd()).join('\n');
}

// ---- lexical tokens: regex -> EBNF -----------------------------------------------------------------------------

const CLASS_ESCAPES = { d: '0-9', n: '#xA', r: '#xD', t: '#x9', f: '#xC', v: '#xB' };

function hexChar(code) {
  return '#x' + code.toString(16).toUpperCase();
}

/** A character as it may appear inside a W3C `[...]` class (no escapes there: `\` is a backslash). */
function classChar(ch) {
  const code = ch.codePointAt(0);
  if (ch === ' ' || code < 0x21 || code > 0x7e || ch === ']' || ch === '^') return hexChar(code);
  return ch;
}

/**
 * Translates the small regular-expression subset the lexer uses (literals, escapes, classes, non-capturing groups,
 * alternation, quantifiers, negative lookahead) into W3C EBNF. Anything else throws, so a new token pattern is
 * noticed rather than mistranslated.
 */
export function regexToEbnf(source) {
  let i = 0;
  const peek = () => source[i];
  const fail = (what) => {
    throw new Error(`regexToEbnf: ${what} at ${i} in /${source}/`);
  };

  function parseAlt() {
    const alts = [parseSeq()];
    while (peek() === '|') {
      i++;
      alts.push(parseSeq());
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }
  function parseSeq() {
    const items = [];
    while (i < source.length && peek() !== '|' && peek() !== ')') {
      let atom = parseAtom();
      atom = parseQuant(atom);
      items.push(atom);
    }
    return { t: 'seq', items };
  }
  function parseQuant(atom) {
    const c = peek();
    if (c === '*' || c === '+' || c === '?') {
      i++;
      if (peek() === '?') fail('lazy quantifier');
      return { t: 'rep', q: c, atom };
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) fail('bad {} quantifier');
      i += m[0].length;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      return { t: 'count', min, max, atom };
    }
    return atom;
  }
  function parseAtom() {
    const c = source[i++];
    if (c === '(') {
      let kind = 'group';
      if (source.startsWith('?:', i)) i += 2;
      else if (source.startsWith('?!', i)) {
        i += 2;
        kind = 'notFollowedBy';
      } else if (source[i] === '?') fail('unsupported group');
      else kind = 'group'; // a capturing group means the same in EBNF
      const inner = parseAlt();
      if (source[i++] !== ')') fail('missing )');
      return kind === 'group' ? { t: 'group', inner } : { t: 'notFollowedBy', inner };
    }
    if (c === '[') return parseClass();
    if (c === '\\') {
      const e = source[i++];
      if (e === 'd') return { t: 'class', text: '[0-9]' };
      if (e in CLASS_ESCAPES) return { t: 'char', ch: { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' }[e] };
      if (e === 'u') {
        const m = /^[0-9A-Fa-f]{4}/.exec(source.slice(i));
        if (!m) fail('bad \\u escape');
        i += 4;
        return { t: 'char', ch: String.fromCharCode(parseInt(m[0], 16)) };
      }
      if (/[A-Za-z0-9]/.test(e)) fail(`unsupported escape \\${e}`);
      return { t: 'char', ch: e };
    }
    if (c === '.' || c === '^' || c === '$') fail(`unsupported ${c}`);
    return { t: 'char', ch: c };
  }
  function parseClass() {
    let text = '[';
    if (peek() === '^') {
      text += '^';
      i++;
    }
    while (i < source.length && peek() !== ']') {
      let c = source[i++];
      if (c === '\\') {
        const e = source[i++];
        if (e in CLASS_ESCAPES) {
          text += CLASS_ESCAPES[e];
          continue;
        }
        if (e === 'u') {
          const m = /^[0-9A-Fa-f]{4}/.exec(source.slice(i));
          if (!m) fail('bad \\u escape');
          i += 4;
          text += hexChar(parseInt(m[0], 16));
          continue;
        }
        if (/[A-Za-z0-9]/.test(e)) fail(`unsupported class escape \\${e}`);
        c = e;
      }
      text += c === '-' ? '-' : classChar(c);
    }
    if (source[i++] !== ']') fail('missing ]');
    if (text === '[^') fail('empty negated class');
    return { t: 'class', text: text + ']' };
  }

  const tree = parseAlt();
  if (i !== source.length) fail('unexpected )');
  return emit(tree, true);

  function quote(s) {
    if (!s.includes("'")) return `'${s}'`;
    if (!s.includes('"')) return `"${s}"`;
    fail('string with both quotes');
  }
  function emit(node, top = false) {
    switch (node.t) {
      case 'seq': {
        // Adjacent printable literal characters become one quoted string.
        const out = [];
        let run = '';
        const flush = () => {
          if (run) out.push(quote(run));
          run = '';
        };
        for (const item of node.items) {
          if (item.t === 'char' && /^[\x21-\x7e]$/.test(item.ch)) {
            run += item.ch;
            continue;
          }
          flush();
          out.push(emit(item));
        }
        flush();
        return out.join(' ');
      }
      case 'alt':
        return top ? node.alts.map((a) => emit(a)).join(' | ') : '(' + node.alts.map((a) => emit(a)).join(' | ') + ')';
      case 'group':
        return node.inner.t === 'alt' ? emit(node.inner) : '(' + emit(node.inner) + ')';
      case 'char':
        return /^[\x21-\x7e]$/.test(node.ch) ? quote(node.ch) : hexChar(node.ch.codePointAt(0));
      case 'class':
        return node.text;
      case 'rep':
        return emitAtom(node.atom) + node.q;
      case 'count': {
        const one = emitAtom(node.atom);
        const parts = Array(node.min).fill(one);
        if (node.max === Infinity) parts.push(one + '*');
        else for (let k = node.min; k < node.max; k++) parts.push(one + '?');
        return parts.join(' ');
      }
      case 'notFollowedBy':
        return `/* not followed by ${emit(node.inner, true)} */`;
      default:
        fail(`node ${node.t}`);
    }
  }
  /** `node` as the operand of a quantifier: parenthesised unless it is one class, literal or alternation. */
  function emitAtom(node) {
    if (node.t === 'char' || node.t === 'class') return emit(node);
    if (node.t !== 'group') return '(' + emit(node) + ')';
    const inner = node.inner;
    if (inner.t === 'alt') return emit(inner);
    if (inner.items.length === 1) return emitAtom(inner.items[0]);
    const literal = inner.items.length > 0 && inner.items.every((it) => it.t === 'char' && /^[\x21-\x7e]$/.test(it.ch));
    return literal ? emit(inner) : '(' + emit(inner) + ')';
  }
}

function commentText(text) {
  return text.replaceAll('*/', '*\\/');
}

/** Wraps prose into `/* ... *\/` comment lines of at most MAX_WIDTH columns. */
function blockComment(text, indent = '') {
  const words = commentText(text).split(/\s+/).filter(Boolean);
  const lines = [];
  let cur = '';
  for (const w of words) {
    if (cur && (indent + '/* ' + cur + ' ' + w).length > MAX_WIDTH - 3) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? cur + ' ' + w : w;
  }
  if (cur) lines.push(cur);
  if (lines.length === 1) return `${indent}/* ${lines[0]} */`;
  return [`${indent}/* ${lines[0]}`, ...lines.slice(1).map((l) => `${indent}   ${l}`)].join('\n') + ' */';
}

// ---- the two files ---------------------------------------------------------------------------------------------

function patternSource(tokenType) {
  const p = tokenType.PATTERN;
  if (p instanceof RegExp) return p.source;
  if (typeof p === 'string') return p.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  throw new Error(`token ${tokenType.name} has a pattern that is not a RegExp or string`);
}

function ebnf(parser, tokens) {
  const gast = parser.getGAstProductions();
  const ctx = { rule: '', terminals: new Set() };
  const rules = [];
  for (const [name, rule] of Object.entries(gast)) {
    if (!(rule instanceof Rule)) throw new Error(`getGAstProductions()[${name}] is not a Rule`);
    if (RECOVERY_RULES.has(name)) continue;
    ctx.rule = name;
    rules.push({ name, body: convertSeq(rule.definition, ctx) });
  }
  const ruleNames = new Set(rules.map((r) => r.name));
  const nameWidth = Math.max(...rules.map((r) => r.name.length), ...Object.keys(TOKEN_DOCS).map((n) => n.length));

  // Lexical tokens: every terminal the rules use that is not spelled out in quotes, plus the skipped tokens, in the
  // lexer's order (the lexer takes the first pattern that matches, so the order is part of the definition).
  const used = new Set([...ctx.terminals].filter((t) => !/^'.*'$/.test(String(t.LABEL ?? ''))).map((t) => t.name));
  const lexical = tokens.allTokens.filter((t) => used.has(t.name) || SKIPPED_TOKENS.includes(t.name));
  for (const name of used) {
    if (!lexical.some((t) => t.name === name)) throw new Error(`token ${name} is used by the parser but not in allTokens`);
  }
  for (const t of lexical) {
    if (!(t.name in TOKEN_DOCS)) {
      throw new Error(`token ${t.name} has no description: add one to TOKEN_DOCS in scripts/generate-grammar.mjs`);
    }
    if (ruleNames.has(t.name)) throw new Error(`token ${t.name} has the name of a parser rule`);
  }
  const order = tokens.allTokens
    .filter((t) => t.PATTERN !== undefined && !/^Kw_/.test(t.name) && t.name !== 'UnterminatedString')
    .map((t) => (/^'.*'$/.test(String(t.LABEL ?? '')) ? 'symbols' : t.name))
    .filter((n, k, all) => all.indexOf(n) === k);

  const header = [
    '/*',
    ' * govc.ebnf: the grammar of .gov files.',
    ' *',
    ' * GENERATED from the chevrotain parser (src/syntax/parser.ts) and lexer (src/syntax/tokens.ts). DO NOT EDIT.',
    ' * Regenerate with `node scripts/generate-grammar.mjs` after `npm run build` (or `npm run grammar`);',
    ' * test/grammar.test.ts fails when this file is out of date.',
    ' *',
    ' * Notation: W3C EBNF (as in the XML specification). `a b` sequence, `a | b` choice, `a?` optional,',
    ' * `a*` zero or more, `a+` one or more, `( )` grouping, `\'word\'` a keyword or symbol spelled out, `[...]` a',
    ' * character class, `#xN` the character with code point N.',
    ' *',
    ' * Keywords are soft: a quoted word is a keyword only where this grammar expects it, and anywhere Identifier is',
    ' * expected a keyword is accepted as a name (a tier may be called `prohibited`). The lexer reads every word as',
    ' * an Identifier; an Identifier whose whole text is a keyword then counts as that keyword (`gpt-4.1` and',
    ' * `data_classes` are names, never `data`).',
    ' *',
    ' * Fields have no terminator, so read as a plain context-free grammar some places are ambiguous: in',
    ' * `retain 30 title "x"` the optional unit of `amount` could be `title`. The parser looks up to 3 tokens ahead',
    ' * and prefers the reading in which a keyword starts the next field.',
    ' *',
    ' * WhiteSpace and Comment may appear between any two tokens. The parser\'s error-recovery rule (unknownField,',
    ' * which swallows an unknown field so that one typo gives one diagnostic) is left out: it is not part of the',
    ' * language.',
    ' */',
  ].join('\n');

  const parts = [header, ''];
  for (const r of rules) parts.push(ruleText(r.name, r.body, nameWidth), '');
  parts.push(
    '/* ---- Lexical tokens ' + '-'.repeat(MAX_WIDTH - 26) + ' */',
    '',
    blockComment(
      'The lexer tries its patterns in this order and takes the first that matches (not the longest): ' +
        order.join(', ') + '.',
    ),
    '',
  );
  for (const t of lexical) {
    parts.push(blockComment(TOKEN_DOCS[t.name]));
    parts.push(`${t.name.padEnd(nameWidth)} ::= ${regexToEbnf(patternSource(t))}`, '');
  }
  return parts.join('\n').replace(/\n+$/, '\n');
}

/** The serialized grammar for the railroad diagrams, without the recovery rule and the alternatives that use it. */
function serializedForDiagrams(parser) {
  const strip = (node) => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) out[k] = strip(v);
    if (out.type === 'Alternation') {
      out.definition = out.definition.filter(
        (a) => !(a.definition.length === 1 && a.definition[0].type === 'NonTerminal' && RECOVERY_RULES.has(a.definition[0].name)),
      );
    }
    return out;
  };
  return strip(parser.getSerializedGastProductions().filter((r) => !RECOVERY_RULES.has(r.name)));
}

/**
 * Everything this script writes, as repo-relative path -> content. `parser` is a GovParser instance and `tokens`
 * the tokens module (it needs `allTokens`).
 */
export function generateGrammar(parser, tokens) {
  return {
    [EBNF_PATH]: ebnf(parser, tokens),
    [DIAGRAMS_PATH]: createSyntaxDiagramsCode(serializedForDiagrams(parser)),
  };
}

/** The generated paths whose content on disk differs from `files` (missing files included). */
export function staleFiles(files, root = REPO_ROOT) {
  return staleOnDisk(files, root);
}

runGenerator({
  name: 'generate-grammar',
  moduleUrl: import.meta.url,
  root: REPO_ROOT,
  needs: ['dist/syntax/parser.js', 'dist/syntax/tokens.js'],
  source: 'the parser',
  regenerate: REGENERATE,
  generate: async () => {
    const { sharedParser } = await import(pathToFileURL(join(REPO_ROOT, 'dist', 'syntax', 'parser.js')).href);
    const tokens = await import(pathToFileURL(join(REPO_ROOT, 'dist', 'syntax', 'tokens.js')).href);
    return generateGrammar(sharedParser(), tokens);
  },
});
