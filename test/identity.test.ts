import { describe, expect, it } from 'vitest';
import { checkFiles } from '../src/check/check.js';
import { lower } from '../src/check/lower.js';
import { isEmailAddress } from '../src/check/resolve/owners.js';
import type { Diagnostic } from '../src/diagnostics/Diagnostic.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { defineGuards } from '../src/runtime/engine/defineGuards.js';
import { guardTables } from '../src/backends/ts-guards/guardTables.js';
import { parse } from '../src/syntax/parse.js';

/**
 * Language v2, identity and ownership (S1): people and teams, owner references, `expires never`, the org's
 * `require`, `log_access`, the degrade cap made visible, and the decision's `owner` and `principal`.
 */

const AS_OF = '2026-11-26';

function check(text: string): { diagnostics: readonly Diagnostic[]; ir: IrProgram | null } {
  const source = { path: 'org.gov', text };
  const parsed = parse(source);
  const checked = checkFiles([parsed.file], { asOf: AS_OF });
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  return { diagnostics, ir: diagnostics.some((d) => d.severity === 'error') ? null : lower(checked.model, [source]) };
}

const codesOf = (text: string): string[] => check(text).diagnostics.map((d) => d.code);

/** A program around one use case; `extra` goes at the top level, `ucFields` into the use case. */
function program(opts: { org?: string; extra?: string; ucFields?: string; owner?: string; modelApproval?: string; toolOwner?: string } = {}): string {
  return `
org shop { owners ${opts.org ?? '"gov@shop.example"'} }
${opts.extra ?? ''}
provider openai { regions eu dpa signed 2025-01-01 zero_retention yes trains_on_customer_data no }
model big { provider openai version "v1" approved_versions "v1" regions eu price input 2.00 USD output 8.00 USD per 1M tokens status approved
  ${opts.modelApproval ?? 'approved_by "ml@shop.example" on 2026-01-01 ticket M-1 expires 2027-12-31'} }
model small { provider openai version "v1" approved_versions "v1" regions eu price input 0.40 USD output 1.60 USD per 1M tokens status approved
  approved_by "ml@shop.example" on 2026-01-01 ticket M-2 expires 2027-12-31 }
tier std { approvers 1 }
tool refund { scopes "pay:refund" owner ${opts.toolOwner ?? '"pay@shop.example"'} }
use_case chat {
  tier std
  owner ${opts.owner ?? '"team@shop.example"'}
  models big fallback small
  tool refund scope "pay:refund"
  budget 100 USD per month
  on budget_exhausted degrade to small up to 150% then refuse "Budget spent."
  ${opts.ucFields ?? ''}
  approved_by "cto@shop.example" on 2026-01-01 ticket G-1 expires 2027-06-30
}
`;
}

const PEOPLE = `
person dana { email "Dana@Shop.example" title "DPO" }
person omar { email "omar@shop.example" }
team support { email "support@shop.example" members dana, "lee@shop.example" }
team security { email "security@shop.example" }
`;

describe('owner references', () => {
  it('accept e-mail texts only when they look like addresses', () => {
    expect(['a@b.co', 'first.last+tag@sub.example.org'].map(isEmailAddress)).toEqual([true, true]);
    expect(['dana', 'a@b', 'a@@b.co', '@b.co', 'a b@c.co', 'a@b.', 'a@.co', 'a@b..co'].map(isEmailAddress)).toEqual(Array(8).fill(false));
  });

  it('resolve people and teams to their lower-cased e-mail in every field that names an owner', () => {
    const { diagnostics, ir } = check(
      program({
        org: 'security, "gov@shop.example"',
        extra: PEOPLE,
        owner: 'support',
        toolOwner: 'omar',
        ucFields: 'log_access security, dana, "Audit@Shop.example"\n  rollback to big@"v1" within 15m owned_by support steps "switch back"',
      }),
    );
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ir!.org.owners).toEqual(['security@shop.example', 'gov@shop.example']);
    const uc = ir!.use_cases['chat']!;
    expect(uc.owner).toBe('support@shop.example');
    expect(uc.rollbacks[0]?.owner).toBe('support@shop.example');
    expect(uc.log_access).toEqual(['security@shop.example', 'dana@shop.example', 'audit@shop.example']);
    expect(ir!.tools['refund']!.owner).toBe('omar@shop.example');
    expect(ir!.people['dana']).toMatchObject({ email: 'dana@shop.example', title: 'DPO' });
    expect(ir!.teams['support']).toMatchObject({ email: 'support@shop.example', members: ['dana@shop.example', 'lee@shop.example'] });
    expect(uc.decision.owner).toBe('support@shop.example');
    expect(uc.decision.obligations.log.access).toEqual(uc.log_access);
  });

  it('report a text that is not an address and a name nobody declares (GOV2080), with a did-you-mean', () => {
    const text = check(program({ extra: PEOPLE, owner: '"support team"' })).diagnostics.filter((d) => d.code === 'GOV2080');
    expect(text.map((d) => d.message)).toEqual(['`support team` is not an e-mail address']);
    const quotedName = check(program({ extra: PEOPLE, owner: '"support"' })).diagnostics.find((d) => d.code === 'GOV2080');
    expect(quotedName?.help).toContain('write it without quotes');
    const unknown = check(program({ extra: PEOPLE, ucFields: 'log_access securty' })).diagnostics.find((d) => d.code === 'GOV2080');
    expect(unknown).toMatchObject({ message: 'unknown person or team `securty`', help: 'did you mean `security`?' });
    expect(codesOf(program({ extra: 'person x { email "not-an-address" }' }))).toContain('GOV2080');
    expect(codesOf(program({ extra: 'team t { email "t@shop.example" members nobody }' }))).toContain('GOV2080');
  });

  it('let a person approve but not a team (GOV2081)', () => {
    expect(codesOf(program({ extra: PEOPLE, modelApproval: 'approved_by dana on 2026-01-01 ticket M-1 expires 2027-12-31' }))).not.toContain('GOV2081');
    const { ir } = check(program({ extra: PEOPLE, modelApproval: 'approved_by dana on 2026-01-01 ticket M-1 expires 2027-12-31' }));
    expect(ir!.models['big']!.approvals[0]!.approver).toBe('dana@shop.example');
    expect(codesOf(program({ extra: PEOPLE, modelApproval: 'approved_by security on 2026-01-01 ticket M-1 expires 2027-12-31' }))).toContain('GOV2081');
  });

  it('keep segregation of duties through teams and people (GOV2062)', () => {
    const member = program({ extra: PEOPLE, owner: 'support' }).replace('approved_by "cto@shop.example"', 'approved_by dana');
    expect(check(member).diagnostics.find((d) => d.code === 'GOV2062')?.message).toBe('`dana` approves use case `chat`, which their team `support` owns');
    const byAddress = program({ extra: PEOPLE, owner: 'support' }).replace('approved_by "cto@shop.example"', 'approved_by "DANA@shop.example"');
    expect(codesOf(byAddress)).toContain('GOV2062');
    const ownerPerson = program({ extra: PEOPLE, owner: 'omar' }).replace('approved_by "cto@shop.example"', 'approved_by "omar@shop.example"');
    expect(codesOf(ownerPerson)).toContain('GOV2062');
    const outsider = program({ extra: PEOPLE, owner: 'support' }).replace('approved_by "cto@shop.example"', 'approved_by omar');
    expect(codesOf(outsider)).not.toContain('GOV2062');
  });
});

describe('expires never', () => {
  it('is the one way to write no expiry: IR `expires: null`, no GOV2066', () => {
    const { diagnostics, ir } = check(program({ modelApproval: 'approved_by "ml@shop.example" on 2026-01-01 ticket M-1 expires never' }));
    expect(diagnostics.map((d) => d.code)).not.toContain('GOV2066');
    expect(ir!.models['big']!.approvals[0]!.expires).toBeNull();
  });

  it('leaves a missing expiry an error whose note says how to write none', () => {
    const d = check(program({ modelApproval: 'approved_by "ml@shop.example" on 2026-01-01 ticket M-1' })).diagnostics.find((x) => x.code === 'GOV2066');
    expect(d?.notes).toEqual(['an approval that never lapses says so: `expires never`']);
  });

  it('is valid on every date at run time', () => {
    const { ir } = check(program({ modelApproval: 'approved_by "ml@shop.example" on 2026-01-01 ticket M-1 expires never' }));
    const d = evaluate(ir!, { use_case: 'chat', tenant: 't', region: 'eu', time: '2027-06-01T00:00:00Z', spend: { use_case: { month: 0 } } });
    expect(d.model).toBe('big');
  });
});

describe('lapsed approvals of models nothing references', () => {
  const retired = (ref: string): string =>
    program({
      extra: `model old { provider openai version "v0" regions eu price input 1.00 USD output 1.00 USD per 1M tokens status revoked
  approved_by "ml@shop.example" on 2024-01-01 ticket M-0 expires 2025-01-01 }`,
      ucFields: ref,
    });

  it('are a warning (GOV2082), so a register keeps its history', () => {
    const { diagnostics, ir } = check(retired(''));
    expect(diagnostics.filter((d) => d.code === 'GOV2082').map((d) => d.severity)).toEqual(['warning']);
    expect(diagnostics.map((d) => d.code)).not.toContain('GOV2060');
    expect(ir!.models['old']!.status).toBe('revoked');
  });

  it('stay an error when a rollback names the model (GOV2060)', () => {
    const codes = codesOf(retired('rollback to old@"v0" within 1h owned_by "oncall@shop.example"'));
    expect(codes).toContain('GOV2060');
    expect(codes).not.toContain('GOV2082');
  });
});

describe('the degrade cap', () => {
  it('warns when not stated (GOV2083), with the exact text to write, and keeps 110%', () => {
    const text = program().replace('up to 150% ', '');
    const { diagnostics, ir } = check(text);
    const d = diagnostics.find((x) => x.code === 'GOV2083');
    expect(d?.severity).toBe('warning');
    expect(d?.help).toBe('state the cap: `on budget_exhausted degrade to small up to 110% then refuse "Budget spent."`');
    expect(ir!.use_cases['chat']!.decision.limits.budgets).toEqual([{ scope: 'use_case', period: 'month', amount_micros: 100_000_000, hard_limit_micros: 110_000_000 }]);
  });

  it('says nothing when stated', () => {
    expect(codesOf(program())).not.toContain('GOV2083');
  });
});

describe('require trace_id, principal', () => {
  const required = program().replace('org shop { owners "gov@shop.example" }', 'org shop { owners "gov@shop.example" require trace_id, principal }');
  const base = { use_case: 'chat', tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z', spend: { use_case: { month: 0 } } };

  it('lowers to the org`s require with its source', () => {
    expect(check(required).ir!.org.require).toEqual({ trace_id: true, principal: true, source: 'org.gov:2:38' });
    expect(check(program()).ir!.org.require).toEqual({ trace_id: false, principal: false, source: null });
    expect(codesOf(required.replace('trace_id, principal', 'trace, principal'))).toContain('GOV2014');
  });

  it('denies what is missing, in the reference and the guards alike, and echoes the principal and the owner', () => {
    const ir = check(required).ir!;
    const guards = defineGuards(guardTables(ir));
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ...base, trace_id: 'x', principal: 'svc:a' }, ['allowed']],
      [{ ...base, principal: 'svc:a' }, ['trace_id_required']],
      [{ ...base, trace_id: '' }, ['principal_required']],
      [base, ['principal_required', 'trace_id_required']],
    ];
    for (const [input, reasons] of cases) {
      const d = evaluate(ir, input);
      expect(d.reasons.map((r) => r.code)).toEqual(reasons);
      expect(d.owner).toBe('team@shop.example');
      expect(d.principal).toBe(input.principal ?? null);
      expect(JSON.stringify(guards.decide(input as never))).toBe(JSON.stringify(d));
    }
    const denied = evaluate(ir, base).reasons.find((r) => r.code === 'trace_id_required')!;
    expect(denied).toEqual({ code: 'trace_id_required', rule: 'org/require/trace_id', message: 'org `shop` requires a `trace_id` on every request', source: 'org.gov:2:38' });
  });

  it('puts owner and principal after trace_id, null owner on early denials, a valid principal echoed even then', () => {
    const ir = check(program()).ir!;
    const keys = Object.keys(evaluate(ir, { ...base, principal: 'svc:a' }));
    expect(keys.slice(keys.indexOf('trace_id'))).toEqual(['trace_id', 'owner', 'principal', 'policy_revision']);
    expect(evaluate(ir, { ...base, use_case: 'nope', principal: 'svc:a' })).toMatchObject({ owner: null, principal: 'svc:a' });
    expect(evaluate(ir, { ...base, tenant: '', principal: 'svc:a' })).toMatchObject({ owner: null, principal: 'svc:a' });
    expect(evaluate(ir, { ...base, principal: '' })).toMatchObject({ principal: null, reasons: [{ code: 'malformed_request', message: '`principal` must be a non-empty string of at most 256 characters' }] });
  });
});
