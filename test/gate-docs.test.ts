import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './helpers/repo.js';

/* The CI examples of docs/ci/ parse as YAML and call `govc gate` only with options it has. */

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function gateOptions(): Set<string> {
  const help = spawnSync(process.execPath, [CLI, 'gate', '--help'], { encoding: 'utf8', timeout: 30_000 });
  expect(help.status).toBe(0);
  return new Set([...help.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!));
}

/** Every string in a parsed YAML document. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('docs/ci examples', () => {
  const known = gateOptions();

  it('knows the options of govc gate', () => {
    for (const o of ['--results', '--baseline', '--red-team', '--junit', '--format', '--as-of', '--model', '--prompt']) expect(known).toContain(o);
  });

  for (const file of ['github-actions.yml', 'gitlab-ci.yml']) {
    it(`${file} parses and calls govc gate with options that exist`, () => {
      const doc = parse(readFileSync(join(REPO_ROOT, 'docs', 'ci', file), 'utf8')) as Record<string, unknown>;
      const calls = strings(doc).filter((s) => /\bgovc gate\s+[a-z_]/.test(s));
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        const words = call.slice(call.indexOf('govc gate')).split(/\s+/);
        const options = words.filter((w) => w.startsWith('--'));
        expect(options).toContain('--results');
        for (const o of options) expect(known, `${file}: ${o}`).toContain(o);
        // The use case and the program come before the options.
        expect(words[2]).toMatch(/^[a-z_][a-z0-9_]*$/);
      }
      if (file === 'github-actions.yml') {
        const jobs = doc.jobs as Record<string, { steps: Array<{ run?: string; uses?: string }> }>;
        expect(Object.values(jobs).flatMap((j) => j.steps).some((s) => s.run?.includes('govc gate'))).toBe(true);
      } else {
        const job = doc['release-gate'] as { script: string[]; artifacts: { reports: { junit: string } } };
        expect(job.artifacts.reports.junit).toBe('out/gate.xml');
        expect(job.script.some((s) => s.includes('--junit out/gate.xml'))).toBe(true);
      }
    });
  }
});
