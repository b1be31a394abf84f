import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableJson } from '../../src/codegen/json.js';
import { AS_OF, REPO_ROOT, exampleIr } from '../helpers/repo.js';

/**
 * `govc decide` reads what a user names, but never without bound and never with a stack trace: a file that never
 * ends, a folder, a missing or malformed IR are usage errors (exit 1) with one line of explanation; decisions are
 * printed with govc's JSON writer (invisible characters escaped); `--root` confines a program as for check/build.
 */
const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const EXAMPLE = join(REPO_ROOT, 'examples', 'acme-support');
const REQUEST = { use_case: 'support_assistant', tenant: 't1', region: 'eu', time: '2026-11-26T09:30:00Z' };

function govc(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000, cwd: REPO_ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'govc-decide-'));
  writeFileSync(join(dir, 'ir.json'), stableJson(exampleIr('acme-support')));
  writeFileSync(join(dir, 'broken.json'), '{"ir_version": 1, ');
  writeFileSync(join(dir, 'not-ir.json'), '{"hello": "world"}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('govc decide: inputs', () => {
  it('refuses a request stream that never ends instead of reading it forever', () => {
    const r = govc(['decide', join(dir, 'ir.json'), '--request', '/dev/zero']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read `\/dev\/zero`: it is larger than \d+ bytes/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a folder, a missing file, a malformed or foreign IR with one line and exit 1', () => {
    for (const [args, message] of [
      [[join(dir, 'ir.json'), '--request', dir], /cannot read .*: it is a folder/],
      [[join(dir, 'missing.json'), '--request', '-'], /cannot read .*missing\.json`: no such file/],
      [[join(dir, 'broken.json'), '--request', '-'], /broken\.json` is not JSON/],
      [[join(dir, 'not-ir.json'), '--request', '-'], /not-ir\.json` is not a valid govc IR/],
    ] as const) {
      const r = govc(['decide', ...args], '{}');
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('reads standard input and a built IR, and decides like the program folder', () => {
    const fromIr = govc(['decide', join(dir, 'ir.json'), '--request', '-'], JSON.stringify(REQUEST));
    const fromFolder = govc(['decide', EXAMPLE, '--request', '-', '--as-of', AS_OF], JSON.stringify(REQUEST));
    expect(fromIr.status).toBe(0);
    expect(fromFolder.status).toBe(0);
    expect(JSON.parse(fromIr.stdout)).toEqual(JSON.parse(fromFolder.stdout));
  });

  it('writes invisible characters of echoed values as escapes, never raw', () => {
    const r = govc(['decide', join(dir, 'ir.json'), '--request', '-'], JSON.stringify({ ...REQUEST, use_case: 'x\u202ey\ufeff' }));
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/[\u202e\ufeff]/);
    expect(r.stdout).toContain('\\u202e');
    expect(JSON.parse(r.stdout).use_case).toBe('x\u202ey\ufeff');
  });

  it('confines a program with --root like check and build', () => {
    const inside = govc(['decide', EXAMPLE, '--request', '-', '--as-of', AS_OF, '--root', join(REPO_ROOT, 'examples')], JSON.stringify(REQUEST));
    expect(inside.status, inside.stderr).toBe(0);
    const outside = govc(['decide', EXAMPLE, '--request', '-', '--as-of', AS_OF, '--root', dir], JSON.stringify(REQUEST));
    expect(outside.status).toBe(1);
    expect(outside.stderr).toMatch(/GOV5004/);
  });

  it('ends quietly when the reader closes the pipe early', () => {
    const link = join(dir, 'corpus.json');
    symlinkSync(join(EXAMPLE, 'requests.json'), link);
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(CLI)} decide ${JSON.stringify(EXAMPLE)} --request ${JSON.stringify(link)} --as-of ${AS_OF} | head -c 10`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout).toBe('[\n  {\n    ');
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});
