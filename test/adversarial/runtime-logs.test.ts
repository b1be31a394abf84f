import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IrProgram } from '../../src/ir/types.js';
import { createGuard, definePolicy, JsonlDecisionLog, MemoryDecisionLog, type Decision, type DecisionLogEntry, type GuardOptions, type GuardPolicy } from '../../src/runtime/index.js';
import { loadGuards, type LoadedGuards } from '../helpers/guards.js';
import { relowered } from '../helpers/requests.js';
import { exampleIr } from '../helpers/repo.js';

/**
 * Decision logs hold only what the policy allows: every string that can carry user data — the payload, the
 * request's other fields, the tool call, the output, a failed call's error — follows the use case's log levels
 * (none erased, redacted with the detectors, full as is), and requests without a use case keep the org's
 * retention rather than 0 days.
 */

const ir = exampleIr('acme-support'); // every use case logs inputs and outputs `redacted`, tool calls `full`; org retention 30 days
const T0 = Date.parse('2026-11-26T10:00:00Z');
const UC = 'support_assistant';
const EMAIL = 'jane.doe@example.com';
let acme: LoadedGuards;
let quiet: LoadedGuards; // support_assistant logs nothing of the payloads
let verbose: LoadedGuards; // support_assistant logs everything, and tool calls redacted

function withLog(base: IrProgram, log: { inputs: string; outputs: string; tool_calls: string }): IrProgram {
  const copy = structuredClone(base) as { use_cases: Record<string, { log: unknown }> };
  copy.use_cases[UC]!.log = log;
  // The decision's log obligation is precomputed from the facts by lowering; every target copies it.
  return relowered(copy as unknown as IrProgram);
}

beforeAll(async () => {
  acme = await loadGuards(ir, 'adv-logs-acme');
  quiet = await loadGuards(withLog(ir, { inputs: 'none', outputs: 'none', tool_calls: 'none' }), 'adv-logs-quiet');
  verbose = await loadGuards(withLog(ir, { inputs: 'full', outputs: 'full', tool_calls: 'redacted' }), 'adv-logs-verbose');
});
afterAll(() => {
  for (const m of [acme, quiet, verbose]) rmSync(m.path, { force: true });
});

function setup(mod: LoadedGuards, options: Partial<GuardOptions> = {}) {
  const log = new MemoryDecisionLog();
  const guard = createGuard(mod.policy as GuardPolicy, { log, clock: () => T0, ...options });
  return { guard, log };
}
const ok = async () => ({ text: 'fine', usage: { input_tokens: 1, output_tokens: 1 } });
const request = (extra: Record<string, unknown> = {}) => ({ use_case: UC, tenant: 't', region: 'eu', trace_id: 'tr', ...extra });
const only = (log: MemoryDecisionLog): DecisionLogEntry => {
  expect(log.entries).toHaveLength(1);
  return log.entries[0]!;
};

describe('inputs `redacted`', () => {
  it('the request’s other fields are redacted with the detectors, keys included; known fields are kept', async () => {
    const { guard, log } = setup(acme);
    const r = await guard.invoke(request({ user_email: EMAIL, caller: { [EMAIL]: 'owner' }, input: 'hello' }) as never, ok);
    expect(r.ok).toBe(true);
    const e = only(log);
    expect(e.input).toEqual({ use_case: UC, tenant: 't', region: 'eu', trace_id: 'tr', time: '2026-11-26T10:00:00.000Z', user_email: '[REDACTED:pii]', caller: { '[REDACTED:pii]': 'owner' }, input: 'hello' });
    expect(e.masked).toEqual(['/input/*', '/input/input', '/output']);
    expect(JSON.stringify(e)).not.toContain(EMAIL);
  });

  it('a known field with another type is payload, not a fact of the decision', async () => {
    const { guard, log } = setup(acme);
    await guard.invoke(request({ tenant: { name: EMAIL } }) as never, ok);
    expect(JSON.stringify(only(log))).not.toContain(EMAIL);
  });

  it('a failed call’s error message is redacted (and bounded)', async () => {
    const { guard, log } = setup(acme);
    const r = await guard.invoke(request({ input: 'hi' }) as never, async () => {
      throw new Error(`provider rejected the prompt of ${EMAIL}`);
    });
    expect(r).toMatchObject({ ok: false, refusal: 'error' });
    const e = only(log);
    expect(e.error).toBe('provider rejected the prompt of [REDACTED:pii]');
    expect(e.masked).toContain('/error');
    expect(JSON.stringify(e)).not.toContain(EMAIL);
  });

  it('an output deeper than the inspection bound, or cyclic, is erased with the reason, never written raw', async () => {
    let deep: unknown = EMAIL;
    for (let i = 0; i < 70; i++) deep = [deep];
    const cyclic: Record<string, unknown> = { text: EMAIL };
    cyclic.self = cyclic;
    for (const output of [deep, cyclic, { m: new Map([['k', EMAIL]]) }]) {
      const { guard, log } = setup(acme);
      const r = await guard.invoke(request() as never, async () => output);
      expect(r.ok).toBe(true);
      const e = only(log);
      expect(e).not.toHaveProperty('output');
      expect(e.erased).toEqual(['/output']);
      expect(e.log_problems).toHaveLength(1);
      expect(e.log_problems![0]).toMatch(/^`output/);
      expect(JSON.stringify(e)).not.toContain(EMAIL);
    }
  });

  it('a payload whose redaction would merge keys is erased from a refusal’s entry, never written raw', async () => {
    const { guard, log } = setup(acme);
    // Denied for the missing tenant, so the payload was never sent; it is still logged only as allowed.
    await guard.invoke({ use_case: UC, region: 'eu', extra: { 'a@example.com': 1, 'b@example.com': 2 } } as never, ok);
    const e = only(log);
    expect(e.erased).toEqual(['/input/*']);
    expect(e.log_problems![0]).toMatch(/cannot be redacted apart/);
    expect(JSON.stringify(e)).not.toContain('@example.com');
  });
});

describe('inputs, outputs and tool calls `none`', () => {
  it('erases every payload, the names of other fields included, and the error message', async () => {
    const { guard, log } = setup(quiet);
    await guard.invoke(request({ [EMAIL]: 1, user_email: EMAIL, input: `from ${EMAIL}`, tool: { name: 'refund', scope: 'payments:refund', human_approved_by: 'lead', args: { to: EMAIL } } }) as never, async () => {
      throw new Error(`failed for ${EMAIL}`);
    });
    const e = only(log);
    expect(e.refusal).toBe('error');
    // What the decision used stays: the classes detected in the input are facts of the decision, not payload.
    expect(e.input).toEqual({ use_case: UC, tenant: 't', region: 'eu', trace_id: 'tr', time: '2026-11-26T10:00:00.000Z', data_classes: ['pii'] });
    expect(e.erased).toEqual(['/input/*', '/input/tool', '/input/input', '/error']);
    expect(e).not.toHaveProperty('error');
    expect(JSON.stringify(e)).not.toContain('jane.doe');
  });
});

describe('`full` and tool calls `redacted`', () => {
  it('keeps payloads as sent, and redacts the tool call’s arguments', async () => {
    const { guard, log } = setup(verbose);
    await guard.invoke(request({ user_email: EMAIL, tool: { name: 'refund', scope: 'payments:refund', human_approved_by: 'lead@acme.example', args: { to: EMAIL } } }) as never, ok);
    const e = only(log);
    expect((e.input as Record<string, unknown>).user_email).toBe(EMAIL);
    expect((e.input as Record<string, unknown>).tool).toEqual({ name: 'refund', scope: 'payments:refund', human_approved_by: '[REDACTED:pii]', args: { to: '[REDACTED:pii]' } });
    expect(e.output).toEqual({ text: 'fine', usage: { input_tokens: 1, output_tokens: 1 } });
  });
});

describe('retention of entries without a use case', () => {
  it('keeps the org default when the policy carries it', async () => {
    const p = acme.policy as GuardPolicy;
    const withDefaults = definePolicy<never, Decision>({
      revision: p.revision,
      org: p.org,
      decide: p.decide,
      defaults: { log: ir.org.log, retention_days: ir.org.retention_days },
      useCases: [...p.useCases.values()],
      models: [...p.models.values()],
      dataClasses: [...p.dataClasses.values()],
    });
    const log = new MemoryDecisionLog();
    const guard = createGuard(withDefaults as GuardPolicy, { log, clock: () => T0 });
    await guard.invoke(request({ use_case: 'no_such_use_case', user_email: EMAIL }) as never, ok);
    await guard.invoke({ region: 'eu' } as never, ok);
    await guard.invoke(null as never, ok);
    expect(log.entries.map((e) => e.retention_days)).toEqual([30, 30, 30]);
    // The org logs inputs `redacted`: the other field is redacted, not erased.
    expect((log.entries[0]!.input as Record<string, unknown>).user_email).toBe('[REDACTED:pii]');
  });

  it('the generated module carries the org defaults: an unknown use case keeps the org retention', async () => {
    expect((acme.policy as GuardPolicy).defaults).toEqual({ log: ir.org.log, retention_days: ir.org.retention_days });
    const { guard, log } = setup(acme);
    await guard.invoke(request({ use_case: 'no_such_use_case', user_email: EMAIL }) as never, ok);
    expect(only(log).retention_days).toBe(ir.org.retention_days);
  });

  it('without it (modules built before), the longest use-case retention and nothing of the payloads', async () => {
    const p = acme.policy as GuardPolicy;
    const withoutDefaults = definePolicy<never, Decision>({
      revision: p.revision,
      org: p.org,
      decide: p.decide,
      useCases: [...p.useCases.values()],
      models: [...p.models.values()],
      dataClasses: [...p.dataClasses.values()],
    });
    const log = new MemoryDecisionLog();
    const guard = createGuard(withoutDefaults as GuardPolicy, { log, clock: () => T0 });
    await guard.invoke(request({ use_case: 'no_such_use_case', user_email: EMAIL, input: EMAIL }) as never, ok);
    const e = only(log);
    expect(e.retention_days).toBe(180);
    expect(e.erased).toEqual(['/input/*', '/input/input']);
    expect(JSON.stringify(e)).not.toContain(EMAIL);
  });
});

describe('JsonlDecisionLog', () => {
  it('one failed append does not fail every later one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'govc-jsonl-'));
    try {
      const dir = join(root, 'logs');
      writeFileSync(dir, 'a file where the folder should be');
      const sink = new JsonlDecisionLog(dir);
      const errors: unknown[] = [];
      const guard = createGuard(acme.policy as GuardPolicy, { log: sink, clock: () => T0, onLogError: (e) => errors.push(e) });
      expect((await guard.invoke(request() as never, ok)).ok).toBe(true);
      expect(errors).toHaveLength(1);
      rmSync(dir);
      mkdirSync(dir);
      expect((await guard.invoke(request({ trace_id: 'second' }) as never, ok)).ok).toBe(true);
      await sink.flush();
      expect(errors).toHaveLength(1);
      const lines = readFileSync(join(dir, 'decisions-2026-11-26.jsonl'), 'utf8').trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as DecisionLogEntry).trace_id)).toEqual(['second']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('writes a cyclic output’s entry (output erased) instead of throwing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govc-jsonl-'));
    try {
      const sink = new JsonlDecisionLog(dir);
      const guard = createGuard(acme.policy as GuardPolicy, { log: sink, clock: () => T0 });
      const out: Record<string, unknown> = {};
      out.self = out;
      expect((await guard.invoke(request() as never, async () => out)).ok).toBe(true);
      await sink.flush();
      const e = JSON.parse(readFileSync(join(dir, 'decisions-2026-11-26.jsonl'), 'utf8')) as DecisionLogEntry;
      expect(e.erased).toEqual(['/output']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
