import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles } from '../src/check/check.js';
import { evaluate } from '../src/eval/evaluate.js';
import { renderHuman, toJson } from '../src/diagnostics/render.js';
import { MAX_TOKENS_PER_FILE, parse } from '../src/syntax/parse.js';
import { countTokensUpTo, GovLexer } from '../src/syntax/tokens.js';
import { govFilesIn } from '../src/project/loadProgram.js';
import { AS_OF, exampleIr, exampleNames, REPO_ROOT } from './helpers/repo.js';

/** Parses and checks text as a one-file program; rendering every diagnostic must not throw either. */
function compileText(text: string): number {
  const source = { path: 'fuzz.gov', text };
  const parsed = parse(source);
  const checked = checkFiles([parsed.file], { asOf: AS_OF });
  const all = [...parsed.diagnostics, ...checked.diagnostics];
  for (const d of all) {
    renderHuman(d);
    JSON.stringify(toJson(d));
    expect(d.code).toMatch(/^GOV\d{4}$/);
  }
  return all.length;
}

const exampleTexts = exampleNames().flatMap((n) => govFilesIn(join(REPO_ROOT, 'examples', n)).map((f) => readFileSync(f, 'utf8')));

/** Fragments that stress the lexer and the recovery: quotes, braces, line separators, keywords out of place. */
const NASTY = ['"', '{', '}', '\n', '\u2028', '\\', '->', '@', ',', '"\\u{110000}"', 'use_case', 'tier', 'data', '2026-02-30', '9'.repeat(40), '# c', '\u0000', '\uFEFF', 'é', '💥'];

describe('parser and checker fuzzing', () => {
  it('never throws on random text, and reports something for garbage', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'binary' }), (text) => {
        compileText(text);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes decoded leniently', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        compileText(Buffer.from(bytes).toString('latin1'));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated examples (deletions, insertions, duplications)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...exampleTexts),
        fc.array(
          fc.record({
            at: fc.nat(),
            len: fc.nat({ max: 30 }),
            kind: fc.constantFrom('delete', 'insert', 'duplicate'),
            fragment: fc.constantFrom(...NASTY),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (text, mutations) => {
          let t = text;
          for (const m of mutations) {
            const at = m.at % (t.length + 1);
            if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + m.len);
            else if (m.kind === 'insert') t = t.slice(0, at) + m.fragment + t.slice(at);
            else t = t.slice(0, at) + t.slice(at, at + m.len) + t.slice(at);
          }
          compileText(t);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reports several independent syntax errors in one file, not just the first', () => {
    const text = 'org o {\n  owners "a@x"\n  budget ?? USD per month\n}\nmodel m {\n  provider @@\n}\nuse_case u {\n  tier\n}\n';
    const parsed = parse({ path: 'multi.gov', text });
    const checked = checkFiles([parsed.file], { asOf: AS_OF });
    const syntax = [...parsed.diagnostics, ...checked.diagnostics].filter((d) => d.code.startsWith('GOV1'));
    const lines = new Set(syntax.map((d) => d.span && text.slice(0, d.span.start).split('\n').length));
    expect(lines.size).toBeGreaterThanOrEqual(3);
  });
});

const VALID_BASE = {
  trace_id: 't',
  tenant: 'tenant-1',
  region: 'eu',
  time: '2026-11-26T10:00:00Z',
};

/** Arbitrary JSON plus values chosen to probe the validator's edges. */
const edgeValue = fc.oneof(
  fc.constantFrom(null, '', 0, -1, 1.5, 1e300, Number.MAX_SAFE_INTEGER + 2, '__proto__', 'constructor', [], {}, true, 'x'.repeat(10_000)),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('the token bound', () => {
  // parse() refuses a file by this count before lexing it, so the count must be the lexer's, token for token.
  const pieces = [...NASTY, 'a', 'a-b', 'a--b', '1.5', '15m', '2026-01-01', '2026-01-01x', '<=', '>=', '<', '>', ' ', '\t', '//', '"x', ';', '-', '.'];
  it('counts exactly the tokens and error runs the lexer produces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 80 }), fc.string({ maxLength: 40, unit: 'binary' }), (parts, noise) => {
        const text = parts.join('') + noise;
        const lexed = GovLexer.tokenize(text);
        expect(countTokensUpTo(text, 1e9)).toBe(lexed.tokens.length + lexed.errors.length);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses 8 MiB of one-character tokens and errors quickly, without lexing them', () => {
    for (const text of [';a'.repeat(4 * 1024 * 1024), '{'.repeat(8 * 1024 * 1024 - 1)]) {
      const started = Date.now();
      const { diagnostics } = parse({ path: 'big.gov', text });
      expect(diagnostics.map((d) => d.message)).toEqual([`file has more than ${MAX_TOKENS_PER_FILE} tokens`]);
      // Lexing all of it took 16 s and 3 GB before the count; the count stops at the bound.
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });
});

describe('evaluator fuzzing', () => {
  for (const name of exampleNames()) {
    const ir = exampleIr(name);
    const useCases = Object.keys(ir.use_cases);

    it(`${name}: any JSON value gives a decision, and malformed ones a deny with a reason`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (input) => {
          const d = evaluate(ir, input);
          expect(['allow', 'degrade', 'deny']).toContain(d.decision);
          expect(d.reasons.length).toBeGreaterThan(0);
          if (d.decision === 'deny') expect(d.allow).toBe(false);
        }),
        { numRuns: 500 },
      );
    });

    it(`${name}: requests with one field replaced by an edge value never allow wrongly typed input`, () => {
      const fields = ['use_case', 'tenant', 'region', 'time', 'model', 'data_classes', 'tool', 'tokens', 'spend', 'rate', 'trace_id'];
      fc.assert(
        fc.property(fc.constantFrom(...useCases), fc.constantFrom(...fields), edgeValue, (useCase, field, value) => {
          const input: Record<string, unknown> = { ...VALID_BASE, use_case: useCase, [field]: value };
          const d = evaluate(ir, input);
          expect(d.policy_revision).toBe(ir.revision);
          const bad =
            (['use_case', 'tenant', 'region'].includes(field) && (typeof value !== 'string' || value === '')) ||
            (field === 'time' && typeof value !== 'string');
          if (bad) {
            expect(d.decision).toBe('deny');
            expect(d.reasons[0]!.code).toBe('malformed_request');
          }
        }),
        { numRuns: 500 },
      );
    });

    it(`${name}: prototype names never resolve to a use case, model, class or tool`, () => {
      for (const evil of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect(evaluate(ir, { ...VALID_BASE, use_case: evil }).reasons[0]!.code).toBe('unknown_use_case');
        const d = evaluate(ir, { ...VALID_BASE, use_case: useCases[0], data_classes: [evil], tool: { name: evil, scope: 'x' }, model: evil });
        expect(d.decision).toBe('deny');
        const codes = d.reasons.map((r) => r.code);
        expect(codes).toContain('unknown_data_class');
        expect(codes).toContain('model_not_allowed');
        expect(codes).toContain('tool_not_allowed');
      }
    });
  }
});
