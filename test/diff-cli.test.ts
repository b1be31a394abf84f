import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exitCodes.js';
import { REPO_ROOT } from './helpers/repo.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const AS_OF = '2026-11-26';

const PROGRAM = `org shop { owners "gov@shop.example" }
provider openai { regions eu, us dpa signed 2025-01-01 zero_retention yes trains_on_customer_data no }
model big { provider openai version "v2" regions eu price input 2.00 USD output 8.00 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-1 expires 2027-12-31 }
model small { provider openai version "v1" regions eu, us price input 0.40 USD output 1.60 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-2 expires 2027-12-31 }
data_class pii { sensitivity high default redact detect email }
tier std { approvers 1 }
use_case chat {
  tier std
  owner "team@shop.example"
  models big fallback small
  data pii -> openai redacted
  budget 100 USD per month
  on budget_exhausted refuse "Budget spent."
  retain 90 days
  approved_by "a@shop.example" on 2026-01-01 ticket G-1 expires 2027-06-30
}
`;

const WORK = mkdtempSync(join(tmpdir(), 'govc-diff-test-'));
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

/** Runs the built CLI with its own TMPDIR, so the test can see that every temporary folder is gone afterwards. */
function govc(args: readonly string[], cwd: string): { status: number | null; stdout: string; stderr: string; leftovers: string[] } {
  const tmp = mkdtempSync(join(WORK, 'tmp-'));
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, leftovers: readdirSync(tmp) };
}

/** A folder with `old/` and `new/` programs. */
function pair(oldText: string, newText: string): string {
  const dir = mkdtempSync(join(WORK, 'pair-'));
  mkdirSync(join(dir, 'old'));
  mkdirSync(join(dir, 'new'));
  writeFileSync(join(dir, 'old', 'shop.gov'), oldText);
  writeFileSync(join(dir, 'new', 'shop.gov'), newText);
  return dir;
}

const widened = PROGRAM.replace('budget 100 USD per month', 'budget 200 USD per month');
const narrowed = PROGRAM.replace('retain 90 days', 'retain 120 days');
const neutral = PROGRAM.replace('owner "team@shop.example"', 'owner "chat-team@shop.example"');

describe('govc diff: exit codes', () => {
  it('0 for no change, 10 for narrowed or neutral only, 11 for widened', () => {
    expect(govc(['diff', 'old', 'new', '--as-of', AS_OF], pair(PROGRAM, PROGRAM))).toMatchObject({ status: EXIT.ok });
    expect(govc(['diff', 'old', 'new', '--as-of', AS_OF], pair(PROGRAM, narrowed)).status).toBe(EXIT.diffChanged);
    expect(govc(['diff', 'old', 'new', '--as-of', AS_OF], pair(PROGRAM, neutral)).status).toBe(EXIT.diffChanged);
    expect(govc(['diff', 'old', 'new', '--as-of', AS_OF], pair(PROGRAM, widened)).status).toBe(EXIT.diffWidened);
    expect([EXIT.ok, EXIT.diffChanged, EXIT.diffWidened, EXIT.diffApprovalMissing, EXIT.checkFailed, EXIT.usage].length).toBe(new Set([0, 10, 11, 12, 3, 1]).size);
  });

  it('3 with the diagnostics of the side that has errors, whichever it is', () => {
    const broken = PROGRAM.replace('models big fallback small', 'models bgi fallback small');
    const a = govc(['diff', 'old', 'new', '--as-of', AS_OF], pair(broken, PROGRAM));
    expect(a.status).toBe(EXIT.checkFailed);
    expect(a.stderr).toMatch(/error\[GOV2001\]: unknown model `bgi`/);
    expect(a.stderr).toMatch(/^OLD old: 1 error/m);
    expect(a.stdout).toBe('');
    const b = govc(['diff', 'old', 'new', '--as-of', AS_OF, '--format', 'json'], pair(PROGRAM, broken));
    expect(b.status).toBe(EXIT.checkFailed);
    expect(JSON.parse(b.stdout)[0].program).toBe('NEW new');
    expect(JSON.parse(b.stdout)[0].diagnostics.map((d: { code: string }) => d.code)).toContain('GOV2001');
  });

  it('1 for a side that is neither a folder nor a revision, outside git', () => {
    const dir = pair(PROGRAM, PROGRAM);
    const r = govc(['diff', 'nope', 'new', '--as-of', AS_OF], dir);
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/`nope` is not a folder, and .* is not in a git repository/);
    expect(govc(['diff', 'old', 'new', '--as-of', '26-11-2026'], dir).status).toBe(EXIT.usage);
  });
});

describe('govc diff: output formats', () => {
  it('--format json has the shape of Terraform\'s plan JSON, with govc\'s classification and a confirmed example', () => {
    const r = govc(['diff', 'old', 'new', '--as-of', AS_OF, '--format', 'json'], pair(PROGRAM, widened));
    expect(r.status).toBe(EXIT.diffWidened);
    const out = JSON.parse(r.stdout);
    expect(out.format_version).toBe('1.0');
    expect(out).toMatchObject({ result: 'widened', summary: { widened: 1, narrowed: 0, neutral: 0 }, widened_use_cases: ['chat'], exit_code: 11, as_of: AS_OF });
    expect(out.old).toMatchObject({ kind: 'folder', spec: 'old', commit: null });
    expect(out.changes).toHaveLength(1);
    const c = out.changes[0];
    expect(c).toMatchObject({
      address: 'use_case.chat.budget.use_case.month.amount_micros',
      use_case: 'chat',
      actions: ['update'],
      change: { before: 100_000_000, after: 200_000_000 },
      classification: 'widened',
    });
    expect(c.example.before.decision).toBe('deny');
    expect(c.example.after.decision).toBe('allow');
    expect(c.example.before.reasons.map((x: { code: string }) => x.code)).toEqual(['budget_exhausted']);
    expect(c.example.request.spend.use_case.month).toBeGreaterThan(0);
  });

  it('--format markdown is a pull-request comment (golden)', () => {
    const r = govc(['diff', 'old', 'new', '--as-of', AS_OF, '--format', 'markdown'], pair(PROGRAM, widened.replace('retain 90 days', 'retain 120 days')));
    expect(r.status).toBe(EXIT.diffWidened);
    expect(r.stdout).toMatchInlineSnapshot(`
      "### govc diff: WIDENED

      OLD \\\`old\\\` \\(folder\\) → NEW \\\`new\\\` \\(folder\\)

      **1** widened, **1** narrowed, **0** neutral (exit 11).

      | | change | what | before | after |
      |---|---|---|---|---|
      | 🔴 widened | \`use_case.chat.budget.use_case.month.amount_micros\` | amount of the budget per month \\(micro\\-units\\): raised from 100000000 to 200000000 | 100000000 | 200000000 |
      | 🟢 narrowed | \`use_case.chat.retention_days\` | log retention \\(days\\): raised from 90 to 120 | 90 | 120 |

      #### Example requests

      <details>
      <summary>widened: use\\_case\\.chat\\.budget\\.use\\_case\\.month\\.amount\\_micros</summary>

      \`\`\`json
      {
        "use_case": "chat",
        "tenant": "tenant-1",
        "region": "eu",
        "time": "2026-11-26T12:00:00Z",
        "trace_id": "govc-diff-example",
        "principal": "svc:govc-diff",
        "tokens": {
          "input": 1000,
          "output": 1000
        },
        "spend": {
          "use_case": {
            "month": 99990001
          }
        }
      }
      \`\`\`

      - OLD: deny \\(budget\\_exhausted\\)
      - NEW: allow on big
      - model: null → "big"
      - message: "Budget spent\\." → null
      - obligations\\.retention\\_days: 90 → 120
      - limits\\.budgets: \\[\\{"scope":"use\\_case","period":"month","amount\\_micros":100000000,"hard\\_limit\\_micros":100000000\\}\\] → \\[\\{"scope":"use\\_case","period":"month","amount\\_micros":200000000,"hard\\_limit\\_micros":200000000\\}\\]

      </details>

      <details>
      <summary>narrowed: use\\_case\\.chat\\.retention\\_days</summary>

      \`\`\`json
      {
        "use_case": "chat",
        "tenant": "tenant-1",
        "region": "eu",
        "time": "2026-11-26T12:00:00Z",
        "trace_id": "govc-diff-example",
        "principal": "svc:govc-diff",
        "spend": {
          "use_case": {
            "month": 0
          }
        }
      }
      \`\`\`

      - OLD: allow on big
      - NEW: allow on big
      - obligations\\.retention\\_days: 90 → 120
      - limits\\.budgets: \\[\\{"scope":"use\\_case","period":"month","amount\\_micros":100000000,"hard\\_limit\\_micros":100000000\\}\\] → \\[\\{"scope":"use\\_case","period":"month","amount\\_micros":200000000,"hard\\_limit\\_micros":200000000\\}\\]

      </details>
      "
    `);
  });

  it('text names each change, why, and both decisions of the example', () => {
    const r = govc(['diff', 'old', 'new', '--as-of', AS_OF], pair(PROGRAM, widened));
    expect(r.stdout).toContain('~ widened  use_case.chat.budget.use_case.month.amount_micros');
    expect(r.stdout).toContain('raised from 100000000 to 200000000');
    expect(r.stdout).toMatch(/OLD: deny \(budget_exhausted\)\n {8}NEW: allow on big/);
    expect(r.stdout).toMatch(/Result: WIDENED — 1 widened, 0 narrowed, 0 neutral \(exit 11\)/);
  });

  it('escapes Markdown and HTML in user text of a pull-request comment', () => {
    const hostile = PROGRAM.replace('on budget_exhausted refuse "Budget spent."', 'on budget_exhausted refuse "Budget spent | `x` <b>"');
    const dir = pair(PROGRAM, hostile);
    const t = govc(['diff', 'old', 'new', '--as-of', AS_OF], dir);
    expect(t.status).toBe(EXIT.diffChanged);
    const m = govc(['diff', 'old', 'new', '--as-of', AS_OF, '--format', 'markdown'], dir);
    expect(m.stdout).not.toContain('<b>');
    expect(m.stdout).toContain('\\| \\`x\\` \\<b\\>');
  });
});

describe('govc diff: reformatting and reordering an example is no change', () => {
  it('acme-support, its files merged into one in reverse order and re-indented: exit 0', () => {
    const dir = mkdtempSync(join(WORK, 'acme-'));
    cpSync(join(REPO_ROOT, 'examples', 'acme-support'), join(dir, 'old'), { recursive: true });
    cpSync(join(REPO_ROOT, 'examples', 'acme-support'), join(dir, 'new'), { recursive: true });
    const files = readdirSync(join(dir, 'new')).filter((f) => f.endsWith('.gov')).sort().reverse();
    const texts = files.map((f) => readFileSync(join(dir, 'new', f), 'utf8'));
    for (const f of files) rmSync(join(dir, 'new', f));
    const all = texts.join('\n\n');
    const imports = all.split('\n').filter((l) => l.startsWith('import '));
    const body = all
      .split('\n')
      .filter((l) => !l.startsWith('import '))
      .map((l) => l.replace(/^ {2}/, '\t    '))
      .join('\n');
    writeFileSync(join(dir, 'new', 'all.gov'), `${imports.join('\n')}\n\n# merged\n${body}\n`);
    const r = govc(['diff', 'old', 'new', '--as-of', AS_OF], dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('No change in meaning');
    expect(r.status).toBe(EXIT.ok);
  });
});

function git(cwd: string, args: readonly string[], date?: string): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', ...(date && { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }) };
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('govc diff: git revisions', () => {
  const repo = mkdtempSync(join(WORK, 'repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  mkdirSync(join(repo, 'policy', 'acme'), { recursive: true });
  writeFileSync(join(repo, 'policy', 'acme', 'shop.gov'), PROGRAM);
  writeFileSync(join(repo, 'README.md'), 'not part of the program\n');
  git(repo, ['add', '.']);
  git(repo, ['commit', '-q', '-m', 'v1'], '2026-11-20T10:00:00Z');
  writeFileSync(join(repo, 'policy', 'acme', 'shop.gov'), widened);
  git(repo, ['commit', '-q', '-am', 'raise the budget'], '2026-11-25T10:00:00Z');
  const withApproval = widened.replace('expires 2027-06-30\n}', 'expires 2027-06-30\n  approved_by "b@shop.example" on 2026-11-25 ticket G-9 expires 2027-06-30\n}');
  writeFileSync(join(repo, 'policy', 'acme', 'shop.gov'), withApproval);
  git(repo, ['commit', '-q', '-am', 'approve the new budget'], '2026-11-25T16:00:00Z');

  it('compares two commits, reads each from git into a temporary folder it removes, and names the commits', () => {
    const r = govc(['diff', 'HEAD~2', 'HEAD~1', 'policy/acme', '--as-of', AS_OF, '--format', 'json'], repo);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(EXIT.diffWidened);
    const out = JSON.parse(r.stdout);
    expect(out.old).toMatchObject({ kind: 'git', spec: 'HEAD~2', commit: git(repo, ['rev-parse', 'HEAD~2']), date: '2026-11-20', program: 'policy/acme' });
    expect(out.new).toMatchObject({ kind: 'git', spec: 'HEAD~1', date: '2026-11-25' });
    expect(out.changes.map((c: { address: string }) => c.address)).toEqual(['use_case.chat.budget.use_case.month.amount_micros']);
    expect(r.leftovers).toEqual([]);
  });

  it('works from a subfolder, with the program path relative to it, and against the working tree', () => {
    writeFileSync(join(repo, 'policy', 'acme', 'shop.gov'), withApproval.replace('retain 90 days', 'retain 30 days'));
    const r = govc(['diff', 'HEAD', 'acme', '--as-of', AS_OF], join(repo, 'policy'));
    git(repo, ['checkout', '-q', '--', '.']);
    expect(r.status).toBe(EXIT.diffWidened);
    expect(r.stdout).toContain('use_case.chat.retention_days');
    expect(r.stdout).toContain('lowered from 90 to 30');
    expect(r.leftovers).toEqual([]);
  });

  it('--require-approval-after-change: fails (12) without an approval dated on or after the NEW commit, passes with one', () => {
    const fail = govc(['diff', 'HEAD~2', 'HEAD~1', 'policy/acme', '--as-of', AS_OF, '--require-approval-after-change', '--format', 'json'], repo);
    expect(fail.status).toBe(EXIT.diffApprovalMissing);
    expect(JSON.parse(fail.stdout).approval_check).toEqual({
      change_date: '2026-11-25',
      passed: false,
      violations: [{ use_case: 'chat', tier: 'std', required_approvers: 1, latest_approval: '2026-01-01' }],
    });
    const pass = govc(['diff', 'HEAD~2', 'HEAD', 'policy/acme', '--as-of', AS_OF, '--require-approval-after-change'], repo);
    expect(pass.stdout).toMatch(/Approval rule: passed/);
    expect(pass.status).toBe(EXIT.diffWidened);
  });

  it('a revision that does not exist, or a program path missing at a revision, is a usage error', () => {
    const a = govc(['diff', 'no-such-branch', 'HEAD', 'policy/acme', '--as-of', AS_OF], repo);
    expect(a.status).toBe(EXIT.usage);
    expect(a.stderr).toMatch(/`no-such-branch` is neither a folder nor a git revision/);
    const b = govc(['diff', 'HEAD~1', 'HEAD', 'policy/other', '--as-of', AS_OF], repo);
    expect(b.status).toBe(EXIT.usage);
    expect(b.stderr).toMatch(/`policy\/other` has no files at HEAD~1/);
    // An option-like revision is refused before git sees it.
    const c = govc(['diff', '--', '--output=x', 'HEAD', 'policy/acme', '--as-of', AS_OF], repo);
    expect(c.status).toBe(EXIT.usage);
  });

  it('errors at a revision are reported for that side (exit 3), with the paths as in the repository', () => {
    writeFileSync(join(repo, 'policy', 'acme', 'shop.gov'), PROGRAM.replace('models big', 'models bgi'));
    git(repo, ['commit', '-q', '-am', 'typo'], '2026-11-27T10:00:00Z');
    const r = govc(['diff', 'HEAD~1', 'HEAD', 'policy/acme', '--as-of', AS_OF], repo);
    expect(r.status).toBe(EXIT.checkFailed);
    expect(r.stderr).toContain('--> policy/acme/shop.gov:');
    expect(r.stderr).toMatch(/^NEW HEAD: 1 error/m);
    expect(r.leftovers).toEqual([]);
  });
});
