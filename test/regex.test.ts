import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS } from '../src/check/builtinDetectors.js';
import { checkPortableRegex } from '../src/check/portableRegex.js';
import { exampleIr, exampleNames, REPO_ROOT } from './helpers/repo.js';

const ACCEPTED = [
  '\\b\\d{3}-\\d{2}-\\d{4}\\b',
  'EMP-[0-9]{6}',
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+',
  '(?:ab|cd)+',
  '[\\w.]+',
  'a{2,5}?b',
  '\\x41+',
  '[^\\n]+',
  '(?:sk|pk)-[A-Za-z0-9]{8}',
];

const REJECTED: Array<[string, 'unsupported' | 'backtracking' | 'syntax']> = [
  ['(a+)+', 'backtracking'],
  ['(a*)*b', 'backtracking'],
  ['(\\w+[ -]?)*x', 'backtracking'],
  ['(a|ab)*c', 'backtracking'],
  ['a.b', 'unsupported'],
  ['^abc', 'unsupported'],
  ['abc$', 'unsupported'],
  ['\\s+', 'unsupported'],
  ['(?=x)y', 'unsupported'],
  ['(?<!x)y', 'unsupported'],
  ['(?<name>x)', 'unsupported'],
  ['(?P<name>x)', 'unsupported'],
  ['(?i)abc', 'unsupported'],
  ['(a)\\1', 'unsupported'],
  ['\\p{L}+', 'unsupported'],
  ['\\u0041', 'unsupported'],
  ['a++', 'unsupported'],
  ['a{2000}', 'unsupported'],
  ['a*', 'unsupported'],
  ['[[:alpha:]]', 'unsupported'],
  ['(ab', 'syntax'],
  ['ab)', 'syntax'],
  ['*a', 'syntax'],
  ['[z-a]', 'syntax'],
];

describe('portable regex subset', () => {
  it.each(ACCEPTED)('accepts %s', (p) => {
    expect(checkPortableRegex(p)).toBeUndefined();
  });

  it.each(REJECTED)('rejects %s (%s)', (p, kind) => {
    const problem = checkPortableRegex(p);
    expect(problem?.kind).toBe(kind);
    expect(problem?.help.length).toBeGreaterThan(10);
  });

  it('accepts every built-in detector', () => {
    for (const [name, p] of Object.entries(BUILTIN_DETECTORS)) expect([name, checkPortableRegex(p)]).toEqual([name, undefined]);
  });
});

/** Every pattern govc ships or the examples declare, plus the accepted list above. */
const PATTERNS = [...new Set([...ACCEPTED, ...Object.values(BUILTIN_DETECTORS), ...exampleNames().flatMap((n) => Object.values(exampleIr(n).data_classes).flatMap((c) => c.detectors.map((d) => d.regex)))])];

/** Text built from pieces detectors care about, plus characters on which engines are known to differ. */
const piece = fc.constantFrom(
  'a', 'Z', '_', '0', '7', '-', '.', '@', '+', ' ', '\t', '\n', '\r', '\u00a0', '\u2028', 'é', 'ß', '٣', '１', '😀',
  'sk-', 'EMP-', 'ab', 'cd', 'x@y.com', '+44 20 7946 0958', '123-45-6789', '4111 1111 1111 1111', 'DE89370400440532013000', '10.0.0.1',
  'AKIA', 'ghp_', '-----BEGIN', 'MRN', '12345678',
);

describe('portable regex subset: JavaScript, Python (re.ASCII) and RE2 agree', () => {
  it('find the same matches on random text for every shipped pattern', () => {
    const texts = fc.sample(fc.array(piece, { minLength: 0, maxLength: 24 }).map((a) => a.join('')), { numRuns: 250, seed: 20261126 });
    const jobs = PATTERNS.flatMap((pattern) => texts.map((text) => ({ pattern, text })));
    const input = jobs.map((j) => JSON.stringify(j)).join('\n') + '\n';
    const js = jobs.map((j) => [...j.text.matchAll(new RegExp(j.pattern, 'g'))].map((m) => m[0]));
    const py = execFileSync('python3', [join(REPO_ROOT, 'test', 'engines', 'pymatch.py')], { input, maxBuffer: 1 << 28 })
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    const re2 = execFileSync('go', ['run', '.'], { cwd: join(REPO_ROOT, 'test', 'engines', 're2'), input, maxBuffer: 1 << 28, env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } })
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(py).toHaveLength(jobs.length);
    expect(re2).toHaveLength(jobs.length);
    const disagreements = jobs.flatMap((j, i) =>
      JSON.stringify(js[i]) === JSON.stringify(py[i]) && JSON.stringify(js[i]) === JSON.stringify(re2[i]) ? [] : [{ ...j, js: js[i], py: py[i], re2: re2[i] }],
    );
    expect(disagreements.slice(0, 5)).toEqual([]);
  }, 120_000);

});
