import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBlame } from '../src/explain/provenance.js';
import { REPO_ROOT } from './helpers/repo.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'govc-explain-git-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** git in a throwaway repository, with no user or system configuration and a chosen author and date. */
function git(cwd: string, args: string[], who?: { name: string; email: string; date: string }): string {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: tmp,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CEILING_DIRECTORIES: tmp,
  };
  if (who) Object.assign(env, { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_AUTHOR_DATE: who.date, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_COMMITTER_DATE: who.date });
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', timeout: 20_000 });
}

function explain(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, 'explain', ...args, '--as-of', '2026-11-26', '--no-cache'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GIT_CEILING_DIRECTORIES: tmp, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CTO = { name: 'Chief Technology Officer', email: 'cto@acme.example', date: '2026-06-15T09:00:00Z' };
const CLERK = { name: 'Release Clerk', email: 'clerk@acme.example', date: '2026-06-20T09:00:00Z' };
const EDITOR = { name: 'Late Editor', email: 'editor@acme.example', date: '2026-09-01T12:00:00Z' };

describe('explain: git provenance of approvals', () => {
  const repo = join(tmp, 'repo');
  cpSync(join(REPO_ROOT, 'examples', 'acme-support'), repo, { recursive: true });
  const ucFile = join(repo, 'use_cases.gov');
  const original = readFileSync(ucFile, 'utf8');
  git(repo, ['init', '-q']);
  // The CTO commits everything, their own approval included; the DPO's line is committed by a clerk.
  writeFileSync(ucFile, original.replace(/^\s*approved_by "dpo@acme\.example".*\n/m, ''));
  git(repo, ['add', '.']);
  git(repo, ['commit', '-q', '-m', 'policy'], CTO);
  writeFileSync(ucFile, original);
  git(repo, ['commit', '-q', '-am', 'dpo approval'], CLERK);
  // Later someone else edits the CTO's approval line (the ticket), after it was granted.
  writeFileSync(ucFile, original.replace('approved_by "cto@acme.example" on 2026-06-15 ticket GOV-130', 'approved_by "cto@acme.example" on 2026-06-15 ticket GOV-131'));
  git(repo, ['commit', '-q', '-am', 'fix ticket'], EDITOR);

  const json = (): { provenance_note: string | null; matches: Array<{ approvals: Array<{ approver: string; flags: string[]; provenance: { status: string; introduced?: { email: string; date: string; commit: string }; last_changed?: { email: string; date: string } } }> }> } => {
    const r = explain(['support_assistant', repo, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('names the commit, author and date that introduced and last changed each approval, and flags both problems', () => {
    const e = json();
    expect(e.provenance_note).toBeNull();
    const [cto, dpo] = e.matches[0]!.approvals;
    expect(cto!.approver).toBe('cto@acme.example');
    expect(cto!.provenance.status).toBe('committed');
    expect(cto!.provenance.introduced).toMatchObject({ email: 'cto@acme.example', date: '2026-06-15T09:00:00Z' });
    expect(cto!.provenance.last_changed).toMatchObject({ email: 'editor@acme.example', date: '2026-09-01T12:00:00Z' });
    // Introduced by the approver; changed on 2026-09-01, after the grant of 2026-06-15.
    expect(cto!.flags).toEqual(['changed_after_grant']);
    expect(dpo!.provenance.introduced).toMatchObject({ email: 'clerk@acme.example', date: '2026-06-20T09:00:00Z' });
    // Recorded on 2026-06-20, after the grant of 2026-06-18, and never changed since: recording is no change.
    expect(dpo!.flags).toEqual(['committed_by_other']);
    const head = git(repo, ['rev-parse', 'HEAD~1']).trim();
    expect(dpo!.provenance.introduced!.commit).toBe(head);
  });

  it('says so for a line edited but not committed, and follows the others past the edit', () => {
    writeFileSync(ucFile, '# a new first line shifts every other\n' + readFileSync(ucFile, 'utf8').replace('ticket GOV-130 expires 2027-06-15\n}', 'ticket GOV-139 expires 2027-06-15\n}'));
    try {
      const [cto, dpo] = json().matches[0]!.approvals;
      expect(dpo!.provenance.status).toBe('uncommitted');
      expect(dpo!.flags).toContain('uncommitted');
      expect(cto!.provenance.introduced).toMatchObject({ email: 'cto@acme.example' });
      const text = explain(['support_assistant', repo]).stdout;
      expect(text).toContain('not committed yet: no provenance for this line');
      expect(text).toContain('! changed on 2026-09-01, after it was granted on 2026-06-15');
    } finally {
      git(repo, ['checkout', '-q', '--', 'use_cases.gov']);
    }
  });

  it('a file never committed has uncommitted lines', () => {
    const extra = join(repo, 'extra.gov');
    writeFileSync(extra, 'tool audit_log {\n  scopes "read"\n  approved_by "cto@acme.example" on 2026-06-15 ticket GOV-200 expires 2027-06-15\n}\n');
    try {
      const r = explain(['audit_log', repo, '--format', 'json']);
      expect(r.status).toBe(0);
      const e = JSON.parse(r.stdout);
      expect(e.matches[0].approvals[0].provenance).toEqual({ status: 'uncommitted' });
    } finally {
      rmSync(extra);
    }
  });

  it('outside git there is no provenance, and it says so', () => {
    const plain = join(tmp, 'plain');
    cpSync(join(REPO_ROOT, 'examples', 'acme-support'), plain, { recursive: true });
    const r = explain(['support_assistant', plain]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('not in a git repository: no provenance');
    const e = JSON.parse(explain(['support_assistant', plain, '--format', 'json']).stdout);
    expect(e.provenance_note).toBe('not in a git repository: no provenance');
    expect(e.matches[0].approvals[0].provenance).toBeNull();
  });

  it('parses blame porcelain with a commit repeated and an uncommitted line', () => {
    const sha = 'a'.repeat(40);
    const text = [
      `${sha} 3 5 1`, 'author A', 'author-mail <A@X.example>', 'author-time 1781514000', 'author-tz +0000', 'summary s', 'filename f.gov', '\tline',
      `${sha} 9 7 1`, 'filename f.gov', '\tother',
      `${'0'.repeat(40)} 7 8 1`, 'author Not Committed Yet', 'author-mail <not.committed.yet>', 'author-time 1781514000', 'filename f.gov', '\tnew',
    ].join('\n');
    const b = parseBlame(text);
    expect(b.get(5)).toEqual({ commit: { commit: sha, author: 'A', email: 'a@x.example', date: '2026-06-15T09:00:00Z' }, origLine: 3, filename: 'f.gov' });
    expect(b.get(7)!.origLine).toBe(9);
    expect(b.get(7)!.commit.email).toBe('a@x.example');
    expect(b.get(8)!.commit.commit).toBe('0'.repeat(40));
  });
});
