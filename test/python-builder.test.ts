import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pythonPolicyData, pythonPolicyModule } from '../src/backends/litellm/pythonPolicy.js';
import { joinPy, py, pyComment, pyDataModule, pyFloat, pyInt, pyName, pyStr, pyValue, PyCode } from '../src/codegen/python.js';
import type { IrProgram } from '../src/ir/types.js';
import { PYTHON } from './helpers/pythonEngine.js';
import { CONTRACT_NAMES, hostileString, renameIr } from './helpers/requests.js';
import { exampleIr, exampleNames } from './helpers/repo.js';
import { compareCodePoints } from '../src/util/compare.js';

/**
 * The typed Python builder (src/codegen/python.ts), after rego.ts: data enters generated Python only as literals,
 * so no `.gov` string can become code. Proven with the real Python of the project's virtual environment: every
 * emitted module is nothing but `NAME = <literal>` assignments (ast), each literal reads back (ast.literal_eval, and
 * exec without builtins) as exactly the value it was made from (types, key order and lone surrogates included), and
 * every byte is printable ASCII, for random and hostile strings and for whole programs full of them.
 */

/** Checks modules in Python; answers, per module, null or what is wrong with it. */
const CHECK = String.raw`
import ast, json, sys

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

for line in sys.stdin:
    job = json.loads(line)
    text, expected = job["module"], job["expected"]
    problem = None
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        problem = "syntax error: %s" % e
        tree = None
    values = {}
    if tree is not None:
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                problem = "not an assignment: " + ast.dump(node)[:300]
                break
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except Exception as e:
                problem = "not a literal: %s" % e
                break
    if problem is None:
        if list(values) != list(expected):
            problem = "assigns %r, not %r" % (list(values), list(expected))
        else:
            for k in values:
                if not same(values[k], expected[k]):
                    problem = "%s reads back as %r" % (k, values[k])
                    break
    if problem is None:
        # Run as a module would be: nothing but the assignments happens, and they give the same values.
        scope = {"__builtins__": {}}
        exec(compile(text, "<generated>", "exec"), scope)
        ran = {k: v for k, v in scope.items() if k != "__builtins__"}
        if not same(ran, expected):
            problem = "exec gives %r" % list(ran)
    print(json.dumps({"problem": problem}))
`;

interface Module {
  readonly module: string;
  readonly expected: Record<string, unknown>;
}

function checkInPython(modules: readonly Module[]): Array<string | null> {
  const out = execFileSync(PYTHON, ['-c', CHECK], { input: modules.map((m) => JSON.stringify(m)).join('\n') + '\n', maxBuffer: 1 << 28 });
  return out
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { problem: string | null }).problem);
}

/** Printable ASCII and line feeds only: nothing invisible, bidirectional or non-ASCII in a generated file. */
const PRINTABLE = /^[\x20-\x7e\n]*$/;

/** One module per chunk of values, `V0 = ...`, `V1 = ...`; each must read back exactly. */
function roundTrip(values: readonly unknown[], chunk = 200): void {
  const modules: Module[] = [];
  for (let i = 0; i < values.length; i += chunk) {
    const part = values.slice(i, i + chunk);
    const assignments = part.map((v, j) => [`V${j}`, v] as const);
    const module = pyDataModule([pyComment('test')], assignments);
    expect(PRINTABLE.test(module)).toBe(true);
    modules.push({ module, expected: Object.fromEntries(assignments) });
  }
  const problems = checkInPython(modules);
  expect(problems.filter((p) => p !== null)).toEqual([]);
}

const HOSTILE = [
  '', "'", '"', "'''", '"""', "\\", "\\'", '\\"', '\\\\', '\n', '\r\n', '\r', '\t', '\0', '\x00\x01\x7f', '\x85', '\u2028', '\u2029', '\ufeff', '\u202e', '\u2066',
  '\ud800', '\udfff', '\udc00\ud800', 'a\ud83d', '\u{1F600}', '\u{10FFFF}', '\\N{EM DASH}', '\\x41', '\\u0041', '\\U0001F600', '{x}', '{{', '}}', "f'{x}'", '#', '# comment',
  "'; import os; os.system('x'); '", "')\nimport os\n('", '"""\nimport os\n"""', "'''\nimport os\n'''", '\\\n', 'x\\', '\u0000\\\'"', 'é', 'ü'.repeat(70), '\u00a0', '\u200b',
  '__import__("os")', 'lambda: 0', '${x}', '`x`', '\\\\N{DASH}',
];

describe('the Python check', () => {
  it('finds code besides the assignments, values that are not literals, and values that read back differently', () => {
    expect(checkInPython([
      { module: 'X = 1\n', expected: { X: 1 } },
      { module: 'X = 1\nimport os\n', expected: { X: 1 } },
      { module: 'X = 1 if True else 2\n', expected: { X: 1 } },
      { module: "X = 'a' 'b'\nY = True\n", expected: { X: 'ab', Y: 1 } },
      { module: "X = '\\ud800'\n", expected: { X: '\ud800' } },
      { module: "X = {'b': 1, 'a': 2}\n", expected: { X: { a: 2, b: 1 } } },
      { module: "X = '''\n", expected: { X: '' } },
    ]).map((p) => p === null)).toEqual([true, false, false, false, true, false, false]);
  });
});

describe('pyStr: any string, as a literal of printable ASCII that reads back exactly', () => {
  it('escapes every character outside printable ASCII, and quotes and backslashes', () => {
    expect(pyStr('a\'b"c\\d').text).toBe("'a\\'b\"c\\\\d'");
    expect(pyStr('\n\r\t\0\x7f\x85').text).toBe("'\\n\\r\\t\\x00\\x7f\\x85'");
    expect(pyStr('\u2028é\u{1F600}\ud800').text).toBe("'\\u2028\\xe9\\U0001f600\\ud800'");
    expect(pyStr('\\N{DASH}').text).toBe("'\\\\N{DASH}'");
    for (const s of HOSTILE) expect([s, PRINTABLE.test(pyStr(s).text) && !pyStr(s).text.includes('\n')]).toEqual([s, true]);
  });

  it('hostile strings round-trip through Python', () => {
    roundTrip([...HOSTILE, HOSTILE.join(''), ...HOSTILE.map((s) => ({ [s]: s, k: [s, { [s + 'x']: s }] }))]);
  });

  it('random strings (UTF-16 with lone surrogates, ASCII, astral) and the shared hostile strings round-trip through Python', () => {
    const strings = [
      ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 1500, seed: 1 }),
      ...fc.sample(fc.string({ unit: 'binary-ascii', maxLength: 40 }), { numRuns: 500, seed: 2 }),
      ...fc.sample(fc.string({ unit: fc.constantFrom('\\', "'", '"', 'N', '{', '}', '\n', 'x', 'u', 'U', '0', '\ud800', '\udc00', '#'), maxLength: 30 }), { numRuns: 1500, seed: 3 }),
      ...fc.sample(hostileString(), { numRuns: 500, seed: 4 }),
    ];
    roundTrip(strings);
    // As dict keys too.
    roundTrip(fc.sample(fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })), { numRuns: 300, seed: 5 }));
  });
});

describe('pyValue: JSON data as literals', () => {
  it('numbers: exact integers as int, finite non-integers as the same double, everything else refused', () => {
    roundTrip([0, -0, 1, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.1, 0.8, 1e-7, 5e-324, 2 ** 52 + 0.5, -2.5, 123456.789e-300]);
    roundTrip([...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), { numRuns: 1000, seed: 6 }).filter((x) => !Number.isInteger(x) || Number.isSafeInteger(x)), ...fc.sample(fc.maxSafeInteger(), { numRuns: 500, seed: 7 })]);
    for (const bad of [NaN, Infinity, -Infinity, 2 ** 53, 1e21, -(2 ** 60)]) expect(() => pyValue(bad)).toThrow(/INVARIANT/);
    expect(() => pyInt(1.5)).toThrow(/INVARIANT/);
    expect(() => pyFloat(2)).toThrow(/INVARIANT/);
  });

  it('booleans, None, lists and dicts keep their types and key order (True is not 1)', () => {
    roundTrip([true, false, null, [], {}, [true, 1, 1.5, null, 'x'], { b: 1, a: true, '': null, '1': [false] }, { z: { y: { x: [[[]]] } } }]);
    // Integers past 2^53 are refused (above): the samples without them.
    const exact = (v: unknown): boolean => (typeof v === 'number' ? !Number.isInteger(v) || Number.isSafeInteger(v) : Array.isArray(v) ? v.every(exact) : v !== null && typeof v === 'object' ? Object.values(v).every(exact) : true);
    roundTrip(fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: 1000, seed: 8 }).filter(exact));
  });

  it('refuses what is not data: undefined, functions, symbols, bigints, class instances, holes, deep cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    // eslint-disable-next-line no-sparse-arrays -- a hole on purpose
    for (const bad of [undefined, () => 1, Symbol('x'), 1n, new Date(0), new Map(), [1, , 3], { [Symbol('k')]: 1 }, cyclic, [undefined]]) {
      expect(() => pyValue(bad)).toThrow(/INVARIANT/);
    }
  });
});

describe('names, comments and templates', () => {
  it('pyName takes ASCII identifiers that are not keywords, soft keywords or dunder names', () => {
    for (const ok of ['POLICY', 'REVISION', 'x', '_x1', 'govc_policy']) expect(pyName(ok).text).toBe(ok);
    for (const bad of ['', '1x', 'x-y', 'x y', 'None', 'True', 'class', 'import', 'lambda', 'match', 'case', 'type', '_', '__import__', '__builtins__', 'é', 'x\n', 'a.b', 'x;y']) {
      expect(() => pyName(bad)).toThrow(/INVARIANT/);
    }
  });

  it('pyComment takes one printable ASCII line; pyDataModule refuses a name assigned twice', () => {
    expect(pyComment('a # b').text).toBe('# a # b');
    for (const bad of ['a\nb', 'a\rb', 'é', '\u2028']) expect(() => pyComment(bad)).toThrow(/INVARIANT/);
    expect(() => pyDataModule([], [['X', 1], ['X', 2]])).toThrow(/INVARIANT/);
    expect(() => pyDataModule([], [['import os', 1]])).toThrow(/INVARIANT/);
  });

  it('the py tag splices only PyCode raw; every other value becomes a literal', () => {
    const evil = "'); import os; ('";
    const code = py`${pyName('X')} = ${evil}`;
    expect(code.text).toBe(`X = ${pyStr(evil).text}`);
    expect(py`${[evil, 1, { k: evil }]}`.text).toBe(`[${pyStr(evil).text}, 1, {'k': ${pyStr(evil).text}}]`);
    expect(joinPy([PyCode.trusted('a'), PyCode.trusted('b')], ', ').text).toBe('a, b');
    const module = [code.text, ''].join('\n');
    expect(checkInPython([{ module, expected: { X: evil } }])).toEqual([null]);
  });
});

/** Fields of the IR that hold free text, where a hostile program puts hostile strings. */
const TEXT_KEYS = new Set(['source', 'message', 'title', 'owner', 'approver', 'version', 'sha256', 'notify', 'disclosure', 'revision', 'currency', 'email', 'ticket', 'access', 'approved_versions', 'regions', 'residency', 'scopes', 'surfaces', 'human_oversight']);

/** `ir` with every free-text field replaced by a distinct hostile string (the field's old text kept after it). */
function hostileIr(ir: IrProgram): IrProgram {
  let n = 0;
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return TEXT_KEYS.has(key) ? `${HOSTILE[n++ % HOSTILE.length]}${v}` : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: walk(x, k), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  return walk(ir, '') as IrProgram;
}

describe('govc_policy.py: a program as data, nothing else', () => {
  const programs: Array<[string, IrProgram]> = [
    ...exampleNames().map((name) => [name, exampleIr(name)] as [string, IrProgram]),
    ['contract names', renameIr(exampleIr('acme-support'), CONTRACT_NAMES)],
    ['hostile names', renameIr(exampleIr('acme-support'), { support_assistant: HOSTILE.slice(0, 20).join(''), 'gpt-4.1': "'''\nimport os\n'''", pii: '"""\\N{DASH}{x}\u2028', refund: '\ud800\\' })],
    ['hostile text', hostileIr(exampleIr('eu-lender'))],
  ];

  it('is assignments of literals only, printable ASCII, reading back as the policy data, the same bytes every time', () => {
    const modules = programs.map(([, ir]) => {
      const module = pythonPolicyModule(ir);
      expect(module).toBe(pythonPolicyModule(ir));
      expect(PRINTABLE.test(module)).toBe(true);
      expect(module).toMatch(/^# Generated by govc .*\n# .*\n# Policy revision: '[^\n]*'\n\nREVISION = /);
      return { module, expected: { REVISION: ir.revision, POLICY: JSON.parse(JSON.stringify(pythonPolicyData(ir))) as unknown } };
    });
    expect(checkInPython(modules)).toEqual(programs.map(() => null));
  });

  it('writes every table in code-point order', () => {
    const ir = renameIr(exampleIr('acme-support'), { support_assistant: '\u{1F600}', kb_tagging: '\ue000', 'gpt-4.1': 'Z' });
    const data = pythonPolicyData(ir) as { use_cases: object; models: object; data_classes: object };
    expect(Object.keys(data.use_cases)).toEqual(Object.keys(ir.use_cases).sort(compareCodePoints));
    expect(Object.keys(data.use_cases).slice(-2)).toEqual(['\ue000', '\u{1F600}']);
    expect(Object.keys(data.models)[0]).toBe('Z');
  });
});
