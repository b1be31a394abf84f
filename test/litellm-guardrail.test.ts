import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { litellmFiles } from '../src/backends/litellm/litellmFiles.js';
import { compileExample, REPO_ROOT } from './helpers/repo.js';

/**
 * The guardrail's hooks called directly (no proxy), on acme-support, for what the proxy tests cannot provoke
 * cheaply: fallbacks narrowed per request, routing fields a caller may not set, contention on the counters.
 */

const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

const HARNESS = `
import asyncio, json, sys, types
import govc_guardrail as g
from fastapi import HTTPException

class Contended:
    """A store whose every reservation loses the race."""
    async def get(self, keys):
        return [0] * len(keys)
    async def reserve(self, ops):
        return False, [0] * len(ops)
    async def add(self, adds):
        pass

async def run(job):
    if job.get("store") == "contended":
        g.STORE = Contended()
    else:
        g.STORE = g.govc_counters.MemoryStore()
    who = types.SimpleNamespace(metadata={"govc": job["who"]})
    data = dict(job["data"], litellm_call_id=job.get("id", "c1"))
    try:
        out = await g.GovcGuardrail(guardrail_name="govc-policy").async_pre_call_hook(who, None, data, "acompletion")
        return {"model": out["model"], "fallbacks": out["fallbacks"], "keys": sorted(k for k in out if k not in ("litellm_call_id",)), "messages": out.get("messages")}
    except HTTPException as e:
        return {"status": e.status_code, "error": e.detail["error"], "codes": [r["code"] for r in e.detail["govc"]["reasons"]], "refusal": e.detail["govc"]["refusal"]}

print(json.dumps([asyncio.run(run(j)) for j in json.load(sys.stdin)]))
`;

let dir: string;

function hooks(jobs: unknown[]): Array<Record<string, unknown>> {
  const r = spawnSync(PYTHON, ['-c', HARNESS], {
    cwd: dir,
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1', LITELLM_LOCAL_MODEL_COST_MAP: 'True' },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Array<Record<string, unknown>>;
}

const support = (region: string) => ({ tenant: 'brand-a', use_case: 'support_assistant', region });
const ask = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Where is my parcel? It was due on Monday.' }], max_tokens: 50, ...extra });

// Every job in one Python process (importing LiteLLM takes seconds); each test reads its answers.
const JOBS = {
  eu: { who: support('eu'), data: ask({ fallbacks: ['claude-3-5-haiku'], api_base: 'http://evil.example', context_window_fallbacks: [{ 'gpt-4.1': ['x'] }] }) },
  us: { who: support('us'), data: ask() },
  unbounded: { who: support('us'), data: { model: 'gpt-4.1', messages: [{ role: 'user', content: 'No bound on the output here.' }] } },
  contended: { who: support('eu'), data: ask(), store: 'contended' },
  none: { who: {}, data: ask() },
  unknown: { who: { tenant: 'x', use_case: 'nope', region: 'eu' }, data: ask() },
  // kb_tagging may not use gpt-4.1: were the request's own metadata read for the caller, this would be refused.
  spoof: { who: support('eu'), data: ask({ metadata: { govc: { use_case: 'kb_tagging', tenant: 'other', region: 'us' } } }) },
};
let answers: Record<keyof typeof JOBS, Record<string, unknown>>;

beforeAll(() => {
  const r = compileExample('acme-support');
  if (!r.ir) throw new Error('acme-support does not compile');
  dir = mkdtempSync(join(tmpdir(), 'govc-litellm-guardrail-'));
  for (const [path, text] of Object.entries(litellmFiles(r.ir))) writeFileSync(join(dir, path.slice('litellm/'.length)), text);
  const names = Object.keys(JOBS) as Array<keyof typeof JOBS>;
  const got = hooks(names.map((n) => JOBS[n]));
  answers = Object.fromEntries(names.map((n, i) => [n, got[i]!])) as typeof answers;
}, 120_000);

describe('the guardrail before the call', () => {
  it('narrows the fallbacks to the later models the policy allows for this request, and drops a caller\'s routing', () => {
    const { eu, us, unbounded } = answers;
    // claude-sonnet-4 serves only `us`: from the EU the router may fall back to gpt-4.1-mini alone.
    expect(eu).toMatchObject({ model: 'gpt-4.1', fallbacks: ['gpt-4.1-mini'] });
    expect(eu!.keys).not.toContain('api_base');
    expect(eu!.keys).not.toContain('context_window_fallbacks');
    expect(us).toMatchObject({ model: 'gpt-4.1', fallbacks: ['claude-sonnet-4', 'gpt-4.1-mini'] });
    // A request without its own output bound gets the default one, which its reservation then covers.
    expect(unbounded!.keys).toContain('max_tokens');
  });

  it('refuses with 429 and the rate message when the counters are contended past the attempts', () => {
    expect(answers.contended).toEqual({ status: 429, error: "Too many messages at once. Please wait a minute, or type 'agent' to reach a person.", codes: ['allowed'], refusal: 'contention' });
  });

  it('refuses a caller with no identity, and one whose key names an unknown use case', () => {
    const { none, unknown } = answers;
    expect(none).toMatchObject({ status: 403, codes: ['malformed_request'], refusal: 'policy' });
    expect(unknown).toMatchObject({ status: 403, codes: ['unknown_use_case'], error: 'use case `nope` is not declared' });
  });

  it('takes the caller from its key only, never from the request', () => {
    expect(answers.spoof).toMatchObject({ model: 'gpt-4.1', fallbacks: ['gpt-4.1-mini'] });
  });
});
