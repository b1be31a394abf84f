/**
 * The regex engines of the portable-subset tests, each run on a batch of {pattern, text} jobs: re2js and govc's
 * compileDetector in process, google-re2 and Python's `re` through pymatch.py, Go's regexp through re2/main.go.
 * Each answers, per job, the matched substrings or `{error}` when it refuses the pattern.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { RE2JS } from 're2js';
import { REPO_ROOT } from '../helpers/repo.js';

export interface Job {
  readonly pattern: string;
  readonly text: string;
}
export type Answer = string[] | { error: string };

const ENGINES_DIR = join(REPO_ROOT, 'test', 'engines');
const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

function lines(out: Buffer, expected: number): Answer[] {
  const answers = out
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Answer);
  if (answers.length !== expected) throw new Error(`engine answered ${answers.length} lines for ${expected} jobs`);
  return answers;
}

const input = (jobs: readonly Job[]): string => jobs.map((j) => JSON.stringify(j)).join('\n') + '\n';

/** google-re2 (`engine: 're2'`, govc's Python engine) or Python's `re` with re.ASCII. */
export function python(jobs: readonly Job[], engine: 're2' | 're' = 're2'): Answer[] {
  if (jobs.length === 0) return [];
  const out = execFileSync(PYTHON, [join(ENGINES_DIR, 'pymatch.py'), '--engine', engine], { input: input(jobs), maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });
  return lines(out, jobs.length);
}

/** Go's regexp: RE2, as Rego's regex builtins run it. */
export function go(jobs: readonly Job[]): Answer[] {
  if (jobs.length === 0) return [];
  const out = execFileSync('go', ['run', '.'], {
    cwd: join(ENGINES_DIR, 're2'),
    input: input(jobs),
    maxBuffer: 1 << 28,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
  });
  return lines(out, jobs.length);
}

/** re2js, the engine behind compileDetector. */
export function re2js(jobs: readonly Job[]): Answer[] {
  const cache = new Map<string, RE2JS | string>();
  return jobs.map(({ pattern, text }) => {
    let re = cache.get(pattern);
    if (re === undefined) {
      try {
        re = RE2JS.compile(pattern);
      } catch (e) {
        re = String(e);
      }
      cache.set(pattern, re);
    }
    return typeof re === 'string' ? { error: re } : [...re.matchAll(text)].map((m) => m[0]);
  });
}

/**
 * Go and google-re2 read a lone surrogate as U+FFFD (see pymatch.py); re2js keeps it. The checker refuses patterns
 * that could tell them apart, so comparing after this mapping compares where the matches are.
 */
export function wellFormed(a: Answer): Answer {
  return Array.isArray(a) ? a.map((s) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')) : a;
}

/** Patterns the checker accepts at the edge of its rules: each is one step away from a refused one. */
export const EDGE_ACCEPTED: readonly string[] = [
  '(?:a|a){1,4}x', // 16 ways on `aaaa`: the limit; `{1,5}` is refused
  '\\d{1,4}\\d{1,4}x', // a bounded split of a digit run: 4 ways
  '\\w*\\d{6}', // an unbounded run, then a fixed tail inside it: 7 ways
  '[ab]*a[ab]{10}', // 12 ways, 2^10 states for the analysis
  '(a|ab)*c', // branches that start alike but never read the same text
  '(?:ab|ac)+',
  '(?:[a-z0-9-]+\\.)+[a-z]{2,}', // a repeated group whose inner run is closed by a character it cannot match
  '(?:\\d{3}[- ]?){3}\\d{4}',
  '[^,]+x', // a negated class: matches astral characters, combining marks and (read as U+FFFD) lone surrogates
  '[\\w\\-]+', // the dash escaped next to a class escape
  '[a-]-[-b]', // literal dashes first and last
  '[😀-😂]+', // astral characters, one code point each
  'e\u0301+é', // a combining mark (U+0301) repeated, then a precomposed letter: code points, never normalised
  '[\\x80-\\xff]+', // Latin-1 by escape
  '\\bMRN[-: ]?\\d{6,10}\\b',
  '[A-Za-z0-9]{1,1000}x', // the largest count
  '[\ue000-\ufffc]+', // private use up to U+FFFC, just short of U+FFFD
];
