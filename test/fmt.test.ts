import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSource, unifiedDiff } from '../src/format/index.js';
import { programShape } from '../src/format/programShape.js';
import { parse } from '../src/syntax/parse.js';
import { GovLexer } from '../src/syntax/tokens.js';
import { govFilesIn } from '../src/project/loadProgram.js';
// @ts-ignore bench/generate.mjs is plain JavaScript without declarations (tests are not type-checked by tsc)
import { generateProgram } from '../bench/generate.mjs';
import { REPO_ROOT } from './helpers/repo.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'fmt');
const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
/** `GOVC_UPDATE_FMT=1 npx vitest run test/fmt.test.ts` rewrites the *.output.gov goldens; review their diff. */
const UPDATE = process.env.GOVC_UPDATE_FMT === '1';

/** Every .gov file the repository ships as a program: examples and the standard library. */
function shippedFiles(): string[] {
  const examples = readdirSync(join(REPO_ROOT, 'examples')).flatMap((n) => govFilesIn(join(REPO_ROOT, 'examples', n)));
  return [...examples, ...govFilesIn(join(REPO_ROOT, 'policies'))];
}

function format(text: string, name = 'test.gov'): string {
  const r = formatSource(text, name);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
  return r.text;
}

/** The program a text means: AST without positions, tokens, comments (trailing blanks of a comment aside). */
function shape(text: string): string {
  const parsed = parse({ path: 'test.gov', text });
  expect(parsed.diagnostics).toEqual([]);
  return programShape(parsed.file, GovLexer.tokenize(text).tokens, parsed.comments.map((c) => c.text.replace(/[ \t\f]+$/, '')));
}

describe('govc fmt layout: golden pairs (test/fixtures/fmt)', () => {
  const inputs = readdirSync(FIXTURES).filter((f) => f.endsWith('.input.gov')).sort();
  it('has a pair for every construct group', () => {
    expect(inputs).toEqual(expect.arrayContaining(['v1-constructs.input.gov', 'v2-constructs.input.gov', 'comments.input.gov', 'strings-numbers.input.gov', 'layout.input.gov', 'crlf.input.gov']));
  });
  for (const input of inputs) {
    it(input, () => {
      const text = readFileSync(join(FIXTURES, input), 'utf8');
      const out = format(text, input);
      const golden = join(FIXTURES, input.replace('.input.gov', '.output.gov'));
      if (UPDATE) writeFileSync(golden, out);
      expect(out).toBe(readFileSync(golden, 'utf8'));
      expect(format(out, input)).toBe(out);
      expect(shape(out)).toBe(shape(text));
    });
  }

  it('covers every field keyword of the grammar in the construct fixtures', () => {
    const grammar = readFileSync(join(REPO_ROOT, 'grammar', 'govc.ebnf'), 'utf8');
    const rules = grammar.slice(grammar.indexOf('*/'), grammar.indexOf('---- Lexical tokens'));
    const keywords = new Set([...rules.matchAll(/'([a-z_0-9]+)'/g)].map((m) => m[1]!));
    const written = new Set(
      ['v1-constructs', 'v2-constructs', 'strings-numbers'].flatMap((n) => GovLexer.tokenize(readFileSync(join(FIXTURES, `${n}.input.gov`), 'utf8')).tokens.map((t) => t.image)),
    );
    expect([...keywords].filter((k) => !written.has(k))).toEqual([]);
  });
});

describe('govc fmt keeps what it must', () => {
  it('keeps every comment, in order, and their text', () => {
    const text = readFileSync(join(FIXTURES, 'comments.input.gov'), 'utf8');
    const before = parse({ path: 'c.gov', text }).comments.map((c) => c.text.trimEnd());
    const after = parse({ path: 'c.gov', text: format(text) }).comments.map((c) => c.text);
    expect(after).toEqual(before);
    expect(after.length).toBeGreaterThan(15);
  });

  it('never changes a string or a number as written', () => {
    const text = readFileSync(join(FIXTURES, 'strings-numbers.input.gov'), 'utf8');
    const images = (t: string): string[] => GovLexer.tokenize(t).tokens.filter((k) => /^(StringLiteral|NumberLiteral)$/.test(k.tokenType.name)).map((k) => k.image);
    expect(images(format(text))).toEqual(images(text));
    expect(format(text)).toContain('40k USD');
    expect(format(text)).toContain('0.920');
    expect(format(text)).toContain('"line\\nbreak\\ttab \\u{1F600} \\u{e9} é 日本語 😀"');
  });

  it('writes LF line ends and no byte-order mark, and ends the file with one line end', () => {
    expect(format('\uFEFFperson p { email "p@x.example" }')).toBe('person p { email "p@x.example" }\n');
    expect(format('person p {\r\n  email "p@x.example"\r\n}\r\n')).toBe('person p {\n  email "p@x.example"\n}\n');
    expect(format('')).toBe('');
    expect(format('# only a comment')).toBe('# only a comment\n');
  });

  it('says whether the text changed', () => {
    const out = format('person p{email "p@x.example"}');
    expect(formatSource(out, 'p.gov')).toEqual({ ok: true, text: out, changed: false });
    expect(formatSource('person p{email "p@x.example"}', 'p.gov')).toMatchObject({ ok: true, changed: true });
  });

  it('tells programs apart that differ in a string, a number, a comment or the order of fields', () => {
    const base = 'use_case u {\n  title "a" # c\n  retain 30 days\n}\n';
    for (const other of [base.replace('"a"', '"b"'), base.replace('30', '31'), base.replace('# c', '# d'), 'use_case u {\n  retain 30 days\n  title "a" # c\n}\n']) {
      expect(shape(other)).not.toBe(shape(base));
    }
    expect(shape(format(base.replace(/\n {2}/g, '\n')))).toBe(shape(base));
  });
});

describe('parse() sets comments aside', () => {
  it('returns each comment with its span; the syntax tree is the one of the text without them', () => {
    const text = '# head\nperson p { // after the brace\n  email "p@x.example" # end\n}\n';
    const parsed = parse({ path: 'p.gov', text });
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.comments.map((c) => [c.text, text.slice(c.span.start, c.span.end)])).toEqual([
      ['# head', '# head'],
      ['// after the brace', '// after the brace'],
      ['# end', '# end'],
    ]);
    const bare = 'person p {\n  email "p@x.example"\n}\n';
    const strip = (t: string) => JSON.stringify(parse({ path: 'p.gov', text: t }).file, (k, v: unknown) => (k === 'source' || k === 'span' || k === 'keySpan' ? undefined : v));
    expect(strip(text)).toBe(strip(bare));
  });
});

describe('govc fmt refuses what does not parse', () => {
  const bad: Array<[string, string]> = [
    ['use_case {\n', 'GOV1001'],
    ['use_case u { title "open\n}\n', 'GOV1002'],
    ['use_case u { title "x" } $\n', 'GOV1003'],
    ['use_case u { title "bad \\q escape" }\n', 'GOV1005'],
    ['use_case u { approved_by "a@x.example" on 2026-02-30 }\n', 'GOV1006'],
    ['use_case u { title "\u202e" }\n', 'GOV1008'],
  ];
  for (const [text, code] of bad) {
    it(`${code}: no text, the parse diagnostics`, () => {
      const r = formatSource(text, 'bad.gov');
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.diagnostics.map((d) => d.code)).toContain(code);
      expect(r.diagnostics[0]!.span?.source.path).toBe('bad.gov');
    });
  }
});

describe('govc fmt keeps the shipped programs formatted', () => {
  const files = shippedFiles();
  it('finds the examples and the standard library', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files.some((f) => f.endsWith('eu_ai_act.gov'))).toBe(true);
  });
  for (const file of files) {
    const name = file.slice(REPO_ROOT.length + 1);
    it(`${name} is formatted (run \`govc fmt --write examples policies\`)`, () => {
      const text = readFileSync(file, 'utf8');
      const r = formatSource(text, name);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(unifiedDiff(name, text, r.text)).toBe('');
      expect(r.changed).toBe(false);
    });
  }
});

describe('govc fmt properties', () => {
  /**
   * The file's tokens and comments with each gap replaced by other whitespace; a gap that held line breaks keeps
   * them (a comment ends at its line end) and gets other spaces, one that held none may get line breaks.
   */
  function relayout(text: string, pick: (i: number) => string): string {
    const lexed = GovLexer.tokenize(text);
    const items = [...lexed.tokens, ...(lexed.groups['comments'] ?? [])].sort((a, b) => a.startOffset - b.startOffset);
    let out = '';
    let end = 0;
    items.forEach((t, i) => {
      const gap = text.slice(end, t.startOffset);
      const lines = gap.split('\n').length - 1;
      out += i === 0 ? '' : lines > 0 ? '\n'.repeat(lines) + pick(i).replace(/\n/g, '') : pick(i);
      out += t.image;
      end = t.startOffset + t.image.length;
    });
    return out;
  }

  it('formatting a re-spaced example gives the same program, and is idempotent', () => {
    const texts = shippedFiles().map((f) => readFileSync(f, 'utf8'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: texts.length - 1 }), fc.array(fc.constantFrom(' ', '  ', '\t', '   \t', ' ', ' ', ' ', '\n', '\n\n  ', '\r\n'), { minLength: 1, maxLength: 40 }), (which, spaces) => {
        const text = relayout(texts[which]!, (i) => spaces[i % spaces.length]!);
        const out = format(text);
        expect(shape(out)).toBe(shape(texts[which]!));
        expect(format(out)).toBe(out);
      }),
      { numRuns: 40 },
    );
  });

  it('random generated programs (bench/generate.mjs) keep their AST and are idempotent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 2 ** 30 }), (n, seed) => {
        const { files } = generateProgram(n, { seed }) as { files: Record<string, string> };
        for (const text of Object.values(files)) {
          const out = format(text);
          expect(shape(out)).toBe(shape(text));
          expect(format(out)).toBe(out);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('formats each output of the goldens to itself', () => {
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.output.gov'))) {
      const text = readFileSync(join(FIXTURES, f), 'utf8');
      expect(formatSource(text, f)).toEqual({ ok: true, text, changed: false });
    }
  });
});

describe('unifiedDiff', () => {
  it('shows hunks with three lines of context, and a missing final line end', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';
    const b = a.replace('b\n', 'B\n');
    expect(unifiedDiff('x.gov', a, b)).toBe('--- x.gov\n+++ x.gov\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n');
    expect(unifiedDiff('x.gov', 'a\nx', 'a\nx\n')).toBe('--- x.gov\n+++ x.gov\n@@ -1,2 +1,2 @@\n a\n-x\n\\ No newline at end of file\n+x\n');
    expect(unifiedDiff('x.gov', a, a)).toBe('');
  });
});

describe('govc fmt (dist/cli/main.js)', () => {
  let dir: string;
  const govc = (args: string[], cwd = dir) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  const UNFORMATTED = 'person p{email "p@x.example"}\n';
  const FORMATTED = 'person p { email "p@x.example" }\n';

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json, or npm run build)`);
  });
  const fresh = (): void => {
    dir = mkdtempSync(join(tmpdir(), 'govc-fmt-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.gov'), UNFORMATTED);
    writeFileSync(join(dir, 'ok.gov'), FORMATTED);
    writeFileSync(join(dir, 'sub', 'b.gov'), UNFORMATTED);
    writeFileSync(join(dir, 'sub', 'notes.txt'), 'not a policy {');
  };
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the formatted text of one named file', () => {
    fresh();
    const r = govc(['fmt', 'a.gov']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(FORMATTED);
    expect(readFileSync(join(dir, 'a.gov'), 'utf8')).toBe(UNFORMATTED);
  });

  it('lists the files that would change under folders (default: the current folder), without writing', () => {
    fresh();
    const r = govc(['fmt']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`a.gov\n${join('sub', 'b.gov')}\n`);
  });

  it('--check exits 7 and lists the files that would change; 0 once formatted', () => {
    fresh();
    const r = govc(['fmt', '--check', '.']);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe(`a.gov\n${join('sub', 'b.gov')}\n`);
    expect(readFileSync(join(dir, 'a.gov'), 'utf8')).toBe(UNFORMATTED);
    expect(govc(['fmt', '--check', 'ok.gov']).status).toBe(0);
  });

  it('--diff prints a unified diff; with --check it still exits 7', () => {
    fresh();
    const r = govc(['fmt', '--diff', 'a.gov', 'ok.gov']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`--- a.gov\n+++ a.gov\n@@ -1 +1 @@\n-${UNFORMATTED}+${FORMATTED}`);
    expect(govc(['fmt', '--check', '--diff', 'a.gov']).status).toBe(7);
  });

  it('--write rewrites in place, keeps the mode, leaves no temporary file, and then --check passes', () => {
    fresh();
    chmodSync(join(dir, 'a.gov'), 0o640);
    const r = govc(['fmt', '--write', '.']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`a.gov\n${join('sub', 'b.gov')}\n`);
    expect(readFileSync(join(dir, 'a.gov'), 'utf8')).toBe(FORMATTED);
    expect(statSync(join(dir, 'a.gov')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['a.gov', 'ok.gov', 'sub']);
    expect(readdirSync(join(dir, 'sub')).sort()).toEqual(['b.gov', 'notes.txt']);
    expect(govc(['fmt', '--check']).status).toBe(0);
  });

  it('a file with syntax errors: its diagnostics, exit 3, and nothing written at all', () => {
    fresh();
    writeFileSync(join(dir, 'bad.gov'), 'use_case {\n');
    const r = govc(['fmt', '--write', '.']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('error[GOV1001]');
    expect(r.stderr).toContain('bad.gov:1:10');
    expect(readFileSync(join(dir, 'a.gov'), 'utf8')).toBe(UNFORMATTED);
    expect(readFileSync(join(dir, 'bad.gov'), 'utf8')).toBe('use_case {\n');
  });

  it('never follows a symbolic link: a named one is refused, one inside a folder is passed over', () => {
    fresh();
    const outside = mkdtempSync(join(tmpdir(), 'govc-fmt-outside-'));
    try {
      writeFileSync(join(outside, 'target.gov'), UNFORMATTED);
      symlinkSync(join(outside, 'target.gov'), join(dir, 'sub', 'link.gov'));
      symlinkSync(outside, join(dir, 'linked-folder'));
      const named = govc(['fmt', '--write', 'sub/link.gov']);
      expect(named.status).toBe(1);
      expect(named.stderr).toContain('is a symbolic link');
      const walked = govc(['fmt', '--write', '.']);
      expect(walked.status, walked.stderr).toBe(0);
      expect(walked.stdout).not.toContain('link');
      expect(readFileSync(join(outside, 'target.gov'), 'utf8')).toBe(UNFORMATTED);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('usage errors: a missing path, and --write with --check', () => {
    fresh();
    const missing = govc(['fmt', 'nope.gov']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('error[GOV5001]');
    const both = govc(['fmt', '--write', '--check']);
    expect(both.status).toBe(1);
    expect(both.stderr).toContain('cannot be used together');
    expect(readFileSync(join(dir, 'a.gov'), 'utf8')).toBe(UNFORMATTED);
  });
});
