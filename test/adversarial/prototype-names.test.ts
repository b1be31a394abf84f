/**
 * The prototype-name corpus: names that JavaScript objects already "have" (`__proto__`, `constructor`, `toString`...)
 * work like any other name for every kind of declaration, through check, lowering, ir.json and the reference
 * evaluator. (The other targets are held to the reference elsewhere.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stableJson } from '../../src/codegen/json.js';
import { evaluate } from '../../src/eval/evaluate.js';
import type { IrProgram } from '../../src/ir/types.js';
import { compileFiles } from '../../src/project/compile.js';
import { compareCodePoints } from '../../src/util/compare.js';
import { diagnose, govc } from '../helpers/diagnostics.js';
import { AS_OF } from '../helpers/repo.js';

/** Object.prototype's members, and the accessor `__proto__`. */
const NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
] as const;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** One program in which every declaration, region, ticket, detector, eval gate and metric is called `name`. */
function everythingCalled(name: string): string {
  return `org ${name} {
  owners "governance@acme.example"
}

tier ${name} {
  approvers 1
}

provider ${name} {
  regions ${name}
  dpa signed 2025-01-01
  zero_retention yes
  trains_on_customer_data no
}

model ${name} {
  provider ${name}
  version "v1"
  regions ${name}
  price input 1.00 USD output 2.00 USD per 1M tokens
  status approved
  approved_by "ml@acme.example" on 2026-01-01 ticket ${name} expires 2027-06-01
}

data_class ${name} {
  sensitivity high
  default deny
  detect pattern ${name} "\\\\bX-\\\\d{3}\\\\b"
}

tool ${name} {
  owner "tools@acme.example"
  scopes "s:read"
}

use_case ${name} {
  tier ${name}
  owner "owner@acme.example"
  models ${name}
  data ${name} -> provider ${name} in ${name} redacted
  tool ${name} scope "s:read"
  eval ${name} { dataset "evals/x.jsonl" ${name} >= 0.9 }
  approved_by "cto@acme.example" on 2026-01-01 ticket ${name} expires 2027-06-01
}
`;
}

/** One program with every name at once: each kind declares all of them, each use case uses all of them. */
function allNames(): string {
  const n = NAMES;
  const next = (i: number): string => n[(i + 1) % n.length]!;
  return [
    `org acme {\n  owners "governance@acme.example"\n}\n`,
    ...n.map((x) => `tier ${x} {\n  approvers 1\n}\n`),
    ...n.map((x) => `provider ${x} {\n  regions eu\n  dpa signed 2025-01-01\n  trains_on_customer_data no\n}\n`),
    ...n.map(
      (x) =>
        `model ${x} {\n  provider ${x}\n  version "v1"\n  regions eu\n  price input 1.00 USD output 2.00 USD per 1M tokens\n  status approved\n  approved_by "ml@acme.example" on 2026-01-01 ticket T-1 expires 2027-06-01\n}\n`,
    ),
    ...n.map((x) => `data_class ${x} {\n  sensitivity low\n  default redact\n  detect pattern ${x} "\\\\bX-\\\\d{3}\\\\b"\n}\n`),
    ...n.map((x) => `tool ${x} {\n  scopes "s:read"\n}\n`),
    ...n.map(
      (x, i) =>
        `use_case ${x} {\n  tier ${x}\n  owner "owner@acme.example"\n  models ${x} fallback ${next(i)}\n` +
        n.map((c) => `  data ${c} -> provider ${x}, provider ${next(i)} redacted\n`).join('') +
        n.map((t) => `  tool ${t} scope "s:read"\n`).join('') +
        `  approved_by "cto@acme.example" on 2026-01-01 ticket T-2 expires 2027-06-01\n}\n`,
    ),
  ].join('\n');
}

function compileText(text: string): ReturnType<typeof compileFiles> {
  const dir = mkdtempSync(join(tmpdir(), 'govc-proto-'));
  writeFileSync(join(dir, 'policy.gov'), text);
  return compileFiles([join(dir, 'policy.gov')], { asOf: AS_OF, cwd: dir });
}

function request(useCase: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    trace_id: 't-1',
    use_case: useCase,
    tenant: 'tenant-1',
    region: 'eu',
    time: '2026-11-26T10:00:00Z',
    tokens: { input: 100, output: 100 },
    spend: {},
    rate: {},
    ...fields,
  };
}

/** The IR as compiled and as read back from the ir.json text: both must decide alike. */
function bothIrs(ir: IrProgram): IrProgram[] {
  return [ir, JSON.parse(stableJson(ir)) as IrProgram];
}

describe.each(NAMES)('every declaration called `%s`', (name) => {
  const result = compileText(everythingCalled(name));

  it('checks without any diagnostic', () => {
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });

  it('is in every table of ir.json, as an own entry', () => {
    const ir = JSON.parse(stableJson(result.ir)) as IrProgram;
    expect(ir.org.name).toBe(name);
    for (const table of ['providers', 'models', 'data_classes', 'tiers', 'tools', 'use_cases'] as const) {
      expect([table, Object.keys(ir[table])]).toEqual([table, [name]]);
      expect(hasOwn(ir[table], name)).toBe(true);
      expect((ir[table] as Record<string, { name: string }>)[name]!.name).toBe(name);
    }
    const uc = ir.use_cases[name]!;
    expect(Object.keys(uc.data)).toEqual([name]);
    expect(Object.keys(uc.tools)).toEqual([name]);
    expect(uc.models).toEqual([name]);
    expect(uc.evals.map((e) => [e.name, e.metrics.map((m) => m.metric)])).toEqual([[name, [name]]]);
    expect(ir.data_classes[name]!.detectors.map((d) => d.name)).toEqual([name]);
    expect(ir.providers[name]!.regions).toEqual([name]);
  });

  it('decides like any other name', () => {
    for (const ir of bothIrs(result.ir!)) {
      const d = evaluate(ir, request(name, { region: name, model: name, data_classes: [name], tool: { name, scope: 's:read' } }));
      expect({ decision: d.decision, model: d.model, provider: d.provider, reasons: d.reasons.map((r) => r.code) }).toEqual({
        decision: 'allow',
        model: name,
        provider: name,
        reasons: ['allowed'],
      });
      expect(d.obligations?.redact).toEqual([{ data_class: name, detectors: [name] }]);
    }
  });

  it('does not make the other prototype names exist', () => {
    const other = NAMES.find((n) => n !== name)!;
    for (const ir of bothIrs(result.ir!)) {
      expect(evaluate(ir, request(other)).reasons.map((r) => r.code)).toEqual(['unknown_use_case']);
      const d = evaluate(ir, request(name, { region: name, model: other, data_classes: [other], tool: { name: other, scope: 's:read' } }));
      expect(d.decision).toBe('deny');
      expect(d.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['unknown_data_class']));
    }
  });
});

describe('every prototype name at once', () => {
  const result = compileText(allNames());
  const sorted = [...NAMES].sort(compareCodePoints);

  it('checks without any diagnostic', () => {
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });

  it('keeps all of them in every table', () => {
    const ir = JSON.parse(stableJson(result.ir)) as IrProgram;
    for (const table of ['providers', 'models', 'data_classes', 'tiers', 'tools', 'use_cases'] as const) {
      expect([table, Object.keys(ir[table]).sort(compareCodePoints)]).toEqual([table, sorted]);
    }
    for (const uc of Object.values(ir.use_cases)) {
      expect(Object.keys(uc.data).sort(compareCodePoints)).toEqual(sorted);
      expect(Object.keys(uc.tools).sort(compareCodePoints)).toEqual(sorted);
    }
  });

  it('decides each use case with all its data classes and tools', () => {
    for (const ir of bothIrs(result.ir!)) {
      for (const name of NAMES) {
        for (const tool of NAMES) {
          const d = evaluate(ir, request(name, { data_classes: [...NAMES], tool: { name: tool, scope: 's:read' } }));
          expect([name, tool, d.decision, d.model]).toEqual([name, tool, 'allow', name]);
          expect(d.obligations?.redact.map((r) => r.data_class)).toEqual(sorted);
        }
      }
    }
  });

  it('goes through `govc build` into ir.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govc-proto-build-'));
    writeFileSync(join(dir, 'policy.gov'), allNames());
    const r = govc(['build', 'policy.gov', '--out', 'out', '--as-of', AS_OF], dir);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'out', 'ir.json'), 'utf8');
    const ir = JSON.parse(text) as IrProgram;
    expect(Object.keys(ir.use_cases).sort(compareCodePoints)).toEqual(sorted);
    expect(text).toBe(stableJson(result.ir));
  });
});

describe('real duplicates and unknown names are still found', () => {
  it('a prototype name declared twice is one duplicate', () => {
    const src = everythingCalled('constructor') + '\ntool constructor {\n  scopes "s:read"\n}\n';
    expect(diagnose(src, { only: ['GOV2002'] })).toMatchObject([{ code: 'GOV2002', message: 'tool `constructor` is declared twice' }]);
  });

  it('a data rule and a tool grant given twice for a prototype name are reported once each', () => {
    const src = everythingCalled('__proto__').replace('  tool __proto__ scope "s:read"\n', '  tool __proto__ scope "s:read"\n  tool __proto__ scope "s:read"\n  data __proto__ deny\n');
    expect(diagnose(src).map((d) => d.code).sort()).toEqual(['GOV2003', 'GOV2035']);
  });

  it('an undeclared prototype name is unknown', () => {
    const src = everythingCalled('valueOf').replace('  models valueOf\n', '  models valueOf fallback toString\n');
    expect(diagnose(src, { only: ['GOV2001'] })).toMatchObject([{ code: 'GOV2001', message: 'unknown model `toString` in use case `valueOf`', underline: 'toString' }]);
  });

  it('a prototype name as a unit is a wrong unit, and as a built-in detector an unknown one', () => {
    const src = everythingCalled('toString')
      .replace('  approvers 1\n', '  approvers 1\n  min_retention 30 constructor\n')
      .replace('  detect pattern toString', '  detect constructor, hasOwnProperty, pattern toString');
    expect(diagnose(src).map((d) => `${d.code} ${d.message}`)).toEqual([
      'GOV2010 minimum retention needs a duration, found `constructor`',
      'GOV2001 unknown detector `constructor`',
      'GOV2001 unknown detector `hasOwnProperty`',
    ]);
  });
});
