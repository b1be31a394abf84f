import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LitellmBackend } from '../src/backends/litellm/LitellmBackend.js';
import { fallbackGroups, GUARDRAIL_NAME, litellmConfigData, litellmConfigYaml, routedModels } from '../src/backends/litellm/litellmConfig.js';
import { litellmFiles, STATIC_MODULES } from '../src/backends/litellm/litellmFiles.js';
import { decimalText, toYaml, YamlDecimal } from '../src/backends/litellm/litellmYaml.js';
import type { IrModel, IrProgram } from '../src/ir/types.js';
import { budgetKey, PERIOD_TTL_SECONDS, RATE_TTL_SECONDS, rateKey } from '../src/runtime/counterKeys.js';
import { REDIS_SCRIPTS, RedisStore } from '../src/runtime/redisStore.js';
import { hostileString } from './helpers/requests.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { AS_OF, compileExample, exampleNames, REPO_ROOT } from './helpers/repo.js';
import { providerEnvName } from '../src/ir/providerEnv.js';

/**
 * The LiteLLM back end without the proxy: config.yaml as LiteLLM's reader (PyYAML) reads it, its golden file, the
 * env names, fallbacks and logging derived from the IR, and the guardrail's Python counters against govc/runtime's
 * key layout and Redis store. The proxy itself runs in test/litellm-proxy.test.ts.
 */

const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

function ir(name: string): IrProgram {
  const r = compileExample(name);
  if (!r.ir) throw new Error(`example ${name} does not compile`);
  return r.ir;
}

/** Runs Python with `dir` on sys.path, `input` as JSON on stdin; returns the JSON it prints. */
function python(dir: string, code: string, input: unknown): unknown {
  const r = spawnSync(PYTHON, ['-c', code], {
    cwd: dir,
    input: JSON.stringify(input),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The config data as PyYAML must read it: every YamlDecimal as the number it writes. */
function plain(v: unknown): unknown {
  if (v instanceof YamlDecimal) return Number(v.text);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const READ_YAML = 'import json, sys, yaml\nprint(json.dumps([yaml.safe_load(t) for t in json.load(sys.stdin)], ensure_ascii=True))';

describe('config.yaml', () => {
  const acme = ir('acme-support');

  it('is the golden file for acme-support', async () => {
    await expect(litellmConfigYaml(acme)).toMatchFileSnapshot('fixtures/litellm/acme-support/config.yaml');
  });

  it('reads back in PyYAML (LiteLLM\'s reader) as exactly the data built, for every example', () => {
    const names = exampleNames();
    const read = python(REPO_ROOT, READ_YAML, names.map((n) => litellmConfigYaml(ir(n)))) as unknown[];
    names.forEach((n, i) => expect([n, read[i]]).toEqual([n, plain(litellmConfigData(ir(n)))]));
  });

  it('keeps every program string a string, whatever it holds (injection fuzz through PyYAML)', () => {
    const texts = fc.sample(fc.oneof(hostileString(), fc.string({ unit: 'binary' }), fc.constantFrom('yes', 'on', 'No', '~', 'null', '0755', '1e3', '- a', '"x', "'", '#', '&a', '*a', '!!python/object:os.system', '%YAML 1.1', '\u2028', '\u0085', '\ufeff')), {
      numRuns: 150,
      seed: 11,
    });
    const cases = texts.map((t, i) => {
      const base = ir('acme-support');
      const models = Object.fromEntries(
        Object.entries(base.models).map(([k, m]): [string, IrModel] => [k, { ...m, version: t, approved_versions: [t, `${t}${i}`], deployment: `${t}/d` }]),
      );
      return { ...base, models } as IrProgram;
    });
    const read = python(REPO_ROOT, READ_YAML, cases.map((c) => litellmConfigYaml(c))) as unknown[];
    cases.forEach((c, i) => expect(read[i]).toEqual(plain(litellmConfigData(c))));
    // Strings are written double-quoted in printable ASCII only: no raw byte of a program string reaches the file.
    for (const c of cases) expect(litellmConfigYaml(c)).toMatch(/^[\x20-\x7e\n]*$/);
  });

  it('writes prices as exact decimals LiteLLM reads as numbers', () => {
    expect([2000, 400, 1, 0, 15_000_000_000, 123_456_789].map((n) => decimalText(n, 9).text)).toEqual(['0.000002', '0.0000004', '0.000000001', '0.0', '15.0', '0.123456789']);
    const read = python(REPO_ROOT, READ_YAML, [toYaml({ p: [decimalText(1, 9), decimalText(2000, 9)] })]) as Array<{ p: number[] }>;
    expect(read[0]!.p).toEqual([1e-9, 2e-6]);
  });

  it('routes each model by its provider\'s api, with endpoints and secrets only as os.environ/NAME', () => {
    const gw = compileFixture();
    const byName = Object.fromEntries((litellmConfigData(gw).model_list as Array<{ model_name: string; litellm_params: Record<string, unknown> }>).map((d) => [d.model_name, d.litellm_params]));
    expect(byName['gpt-main']).toMatchObject({ model: 'openai/gpt-4.1-2025-04-14', api_base: 'os.environ/GOVC_OPENAI_API_BASE', api_key: 'os.environ/GOVC_OPENAI_API_KEY' });
    expect(byName['azure-gpt']).toMatchObject({ model: 'azure/gpt-41-eu', api_version: 'os.environ/GOVC_AZURE_API_VERSION', region_name: 'eu', rpm: 600, tpm: 200_000 });
    expect(byName['claude']).toMatchObject({ model: 'anthropic/claude-sonnet-4-20250514', api_key: 'os.environ/GOVC_ANTHROPIC_API_KEY' });
    expect(byName['bedrock-llama']).toEqual({
      model: 'bedrock/meta.llama3-1-8b-instruct-v1:0',
      aws_access_key_id: 'os.environ/GOVC_BEDROCK_AWS_ACCESS_KEY_ID',
      aws_secret_access_key: 'os.environ/GOVC_BEDROCK_AWS_SECRET_ACCESS_KEY',
      aws_region_name: 'os.environ/GOVC_BEDROCK_AWS_REGION',
      aws_bedrock_runtime_endpoint: 'os.environ/GOVC_BEDROCK_API_BASE',
      input_cost_per_token: decimalText(220, 9),
      output_cost_per_token: decimalText(220, 9),
    });
    expect(byName['llama']).toMatchObject({ model: 'openai/meta-llama/Llama-3.1-8B-Instruct', api_base: 'os.environ/GOVC_VLLM_API_BASE' });
    const router = litellmConfigData(gw).router_settings as Record<string, unknown>;
    expect(router.optional_pre_call_checks).toEqual(['enforce_model_rate_limits']);
    expect(providerEnvName('azure-openai.eu', 'API_BASE')).toBe('GOVC_AZURE_OPENAI_EU_API_BASE');
    // Every value that is not a name, a number or a switch comes from the environment.
    for (const d of litellmConfigData(gw).model_list as Array<{ litellm_params: Record<string, unknown> }>) {
      for (const [k, v] of Object.entries(d.litellm_params)) if (/key|base|endpoint|version|region_name$/.test(k) && k !== 'region_name') expect(String(v)).toMatch(/^os\.environ\/GOVC_[A-Z0-9_]+$/);
    }
  });

  it('lists every model a use case may be served by, never a revoked one, and fallbacks in declared order', () => {
    const acmeModels = routedModels(acme).map((m) => m.name);
    expect(acmeModels).toEqual(['claude-3-5-haiku', 'claude-sonnet-4', 'gpt-4.1', 'gpt-4.1-mini']);
    const revoked = { ...acme, models: { ...acme.models, 'gpt-4.1-mini': { ...acme.models['gpt-4.1-mini']!, status: 'revoked' as const } } };
    expect(routedModels(revoked).map((m) => m.name)).not.toContain('gpt-4.1-mini');
    // kb_tagging's primary gpt-4.1-mini comes first (use cases in IR order); ticket_summary gives it its fallback.
    expect(fallbackGroups(acme)).toEqual([{ 'gpt-4.1-mini': ['claude-3-5-haiku'] }, { 'gpt-4.1': ['claude-sonnet-4', 'gpt-4.1-mini'] }]);
    expect(fallbackGroups(compileFixture())).toContainEqual({ 'fb-first': ['fb-second', 'fb-third'] });
  });

  it('switches message logging off unless every use case logs inputs and outputs in full, and the guardrail on', () => {
    const settings = (p: IrProgram) => litellmConfigData(p).litellm_settings as Record<string, unknown>;
    expect(settings(acme)).toEqual({ turn_off_message_logging: true, redact_user_api_key_info: true });
    const full = { ...acme, use_cases: Object.fromEntries(Object.entries(acme.use_cases).map(([k, u]) => [k, { ...u, log: { inputs: 'full', outputs: 'full', tool_calls: 'full' } }])) } as IrProgram;
    expect(settings(full).turn_off_message_logging).toBe(false);
    expect(litellmConfigData(acme).guardrails).toEqual([
      { guardrail_name: GUARDRAIL_NAME, litellm_params: { guardrail: 'govc_guardrail.GovcGuardrail', mode: ['pre_call', 'post_call'], default_on: true } },
    ]);
    expect(litellmConfigData(acme).general_settings).toEqual({ master_key: 'os.environ/LITELLM_MASTER_KEY', custom_auth: 'govc_auth.user_api_key_auth' });
  });

  it('is the back end `litellm`, writing its folder whole: the config and every module it imports', () => {
    const files = LitellmBackend.emit({ ir: acme, sources: [] }, { asOf: AS_OF }).files;
    expect(LitellmBackend.replaces).toEqual(['litellm']);
    expect(Object.keys(files)).toEqual(['litellm/config.yaml', ...STATIC_MODULES.map((m) => `litellm/${m}`), 'litellm/govc_redis_scripts.py', 'litellm/govc_policy.py']);
    expect(files).toEqual(litellmFiles(acme));
  });
});

function compileFixture(): IrProgram {
  const dir = join(REPO_ROOT, 'test', 'fixtures', 'litellm', 'gateway-org');
  const r = compileExampleDir(dir);
  return r;
}

function compileExampleDir(dir: string): IrProgram {
  const out = mkdtempSync(join(tmpdir(), 'govc-litellm-ir-'));
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'build', dir, '--out', out, '--as-of', AS_OF, '--target', 'ir'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(readFileSync(join(out, 'ir.json'), 'utf8')) as IrProgram;
}

describe('the guardrail\'s counters (govc_counters.py)', () => {
  let dir: string;
  let redis: RedisServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'govc-litellm-py-'));
    for (const [path, text] of Object.entries(litellmFiles(ir('acme-support')))) writeFileSync(join(dir, path.slice('litellm/'.length)), text);
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('run govc/runtime\'s own Redis scripts and key lifetimes, generated from the TypeScript', () => {
    const got = python(dir, 'import json, govc_redis_scripts as s\nprint(json.dumps({"GET": s.GET, "RESERVE": s.RESERVE, "ADD": s.ADD, "P": s.PERIOD_TTL_SECONDS, "R": s.RATE_TTL_SECONDS}))', null);
    expect(got).toEqual({ ...REDIS_SCRIPTS, P: PERIOD_TTL_SECONDS, R: RATE_TTL_SECONDS });
  });

  it('name counters exactly as govc/runtime does, for any use case and tenant', () => {
    const names = [...fc.sample(fc.string({ unit: 'binary' }), { numRuns: 200, seed: 5 }), 'plain_Tenant-1.x', 'a:b{c}', '~!*()\'', '\ud800', 'x\udc00y', '\ud83d\ude00', '%u', ''];
    const times = [Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2027, 0, 3, 12), Date.UTC(2024, 1, 29), Date.UTC(2020, 11, 31)];
    const jobs = names.flatMap((n, i) => times.map((t) => ({ uc: names[(i + 1) % names.length]!, tenant: n, t })));
    const code = [
      'import json, sys, govc_counters as c',
      'out = []',
      'for j in json.load(sys.stdin):',
      '    ks = [c.budget_key("govc:", j["uc"], j["tenant"], s, p, j["t"]) for s in ("use_case", "tenant") for p in ("day", "week", "month", "quarter", "year")]',
      '    ks += [c.rate_key("govc:", j["uc"], j["tenant"], s, k, j["t"]) for s in ("use_case", "tenant") for k in ("requests", "tokens")]',
      '    out.append(ks)',
      'print(json.dumps(out, ensure_ascii=True))',
    ].join('\n');
    const got = python(dir, code, jobs) as string[][];
    const want = jobs.map((j) => [
      ...(['use_case', 'tenant'] as const).flatMap((s) => (['day', 'week', 'month', 'quarter', 'year'] as const).map((p) => budgetKey('govc:', j.uc, j.tenant, s, p, j.t))),
      ...(['use_case', 'tenant'] as const).flatMap((s) => (['requests', 'tokens'] as const).map((k) => rateKey('govc:', j.uc, j.tenant, s, k, j.t))),
    ]);
    expect(got).toEqual(want);
  });

  it('reserve all or nothing in memory, never below zero', () => {
    const code = [
      'import asyncio, json, govc_counters as c',
      'async def main():',
      '    s = c.MemoryStore(clock=lambda: 1000)',
      '    a = await s.reserve([c.ReserveOp("a", 5, 10, 60), c.ReserveOp("b", 1, 1, 60)])',
      '    b = await s.reserve([c.ReserveOp("a", 6, 10, 60), c.ReserveOp("b", 0, 1, 60)])',
      '    await s.add([("a", -100, 60)])',
      '    return [a, b, await s.get(["a", "b", "c"])]',
      'print(json.dumps(asyncio.run(main())))',
    ].join('\n');
    expect(python(dir, code, null)).toEqual([[true, null], [false, [5, 1]], [0, 1, 0]]);
  });

  it('share counters with govc/runtime\'s RedisStore: the same keys, the same atomic reservations', async () => {
    const client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    try {
      const ts = new RedisStore(client);
      const key = budgetKey('govc:', 'support_assistant', 'acme', 'tenant', 'month', Date.now());
      await ts.reserve([{ key, amount: 700, limit: 1000, ttlSeconds: 60 }]);
      const code = [
        'import asyncio, json, sys, govc_counters as c',
        'j = json.load(sys.stdin)',
        'async def main():',
        '    s = c.RedisStore(j["url"])',
        '    before = await s.get([j["key"]])',
        '    refused = await s.reserve([c.ReserveOp(j["key"], 400, 1000, 60)])',
        '    taken = await s.reserve([c.ReserveOp(j["key"], 300, 1000, 60)])',
        '    await s.add([(j["key"], -50, 60)])',
        '    return [before, refused, taken, await s.get([j["key"]])]',
        'print(json.dumps(asyncio.run(main())))',
      ].join('\n');
      expect(python(dir, code, { url: `redis://127.0.0.1:${redis.port}/0`, key })).toEqual([[700], [false, [700]], [true, null], [950]]);
      expect(await ts.get([key])).toEqual([950]);
      expect(await client.ttl(key)).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});

describe('custom auth (govc_auth.py)', () => {
  it('reads callers from the keys JSON and refuses anything but the documented shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govc-litellm-auth-'));
    for (const [path, text] of Object.entries(litellmFiles(ir('acme-support')))) writeFileSync(join(dir, path.slice('litellm/'.length)), text);
    const code = [
      'import json, sys, asyncio, govc_auth as a',
      'out = []',
      'for t in json.load(sys.stdin):',
      '    try:',
      '        out.append(sorted(a.parse_keys(t).values(), key=lambda e: e["tenant"]))',
      '    except ValueError as e:',
      '        out.append(str(e))',
      'import os',
      'os.environ["GOVC_LITELLM_KEYS"] = json.dumps({"sk-good-key-1": {"tenant": "t", "use_case": "support_assistant", "region": "eu"}})',
      'os.environ["LITELLM_MASTER_KEY"] = "sk-master-000"',
      'u = asyncio.run(a.user_api_key_auth(None, "sk-good-key-1"))',
      'out.append([u.metadata, u.rpm_limit, u.tpm_limit])',
      'try:',
      '    asyncio.run(a.user_api_key_auth(None, "sk-bad-key-1"))',
      'except Exception as e:',
      '    out.append([type(e).__name__, e.status_code])',
      'm = asyncio.run(a.user_api_key_auth(None, "sk-master-000"))',
      'out.append(str(m.user_role))',
      'print(json.dumps(out))',
    ].join('\n');
    const got = python(dir, code, [
      JSON.stringify({ 'sk-aaaaaaaa': { tenant: 'a', use_case: 'u', region: 'eu', principal: 'svc:x', rpm: 5 } }),
      JSON.stringify({ 'sk-aaaaaaaa': { tenant: '', use_case: 'u', region: 'eu' } }),
      JSON.stringify({ short: { tenant: 'a', use_case: 'u', region: 'eu' } }),
      JSON.stringify({ 'sk-aaaaaaaa': { tenant: 'a', use_case: 'u', region: 'eu', rpm: 0 } }),
      JSON.stringify({ 'sk-aaaaaaaa': { tenant: 'a', use_case: 'u', region: 'eu', admin: true } }),
      JSON.stringify(['sk-aaaaaaaa']),
    ]) as unknown[];
    expect(got).toEqual([
      [{ tenant: 'a', use_case: 'u', region: 'eu', principal: 'svc:x', rpm: 5 }],
      'govc_auth: key #1 needs `tenant`, a non-empty string',
      'govc_auth: key #1 must be a string of at least 8 characters',
      'govc_auth: key #1 has a `rpm` that is not a positive integer',
      'govc_auth: key #1 has unknown fields admin',
      'govc_auth: the keys must be a JSON object from API key to caller',
      // The use case's per-tenant rates become the key's own limits.
      [{ govc: { tenant: 't', use_case: 'support_assistant', region: 'eu' } }, 60, 40_000],
      ['HTTPException', 401],
      'proxy_admin',
    ]);
  }, 60_000);
});
