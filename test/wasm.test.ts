import { loadPolicy } from '@open-policy-agent/opa-wasm';
import fc from 'fast-check';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../src/backends/opa/bundle.js';
import { policyWasm, WASM_ENTRYPOINTS } from '../src/backends/wasm/index.js';
import { evaluate } from '../src/eval/evaluate.js';
import type { IrProgram } from '../src/ir/types.js';
import { loadCorpora } from './helpers/corpus.js';
import { asOpaDecodes, startOpaServer, type OpaServer } from './helpers/opa.js';
import { canonical, requestArbitrary } from './helpers/requests.js';
import { exampleIr, exampleNames } from './helpers/repo.js';
import { readModuleShape } from './helpers/wasmBinary.js';

const corpora = loadCorpora();
const i32 = (n: number): string[] => Array.from({ length: n }, () => 'i32');
const sig = (params: number, results: number): { params: string[]; results: string[] } => ({ params: i32(params), results: i32(results) });

describe('the module follows OPA\'s Wasm ABI 1.3', () => {
  const shape = readModuleShape(policyWasm());

  it('imports exactly env.memory (small minimum, no maximum), opa_abort and opa_builtin0..4', () => {
    const imports = Object.fromEntries(shape.imports.map((i) => [`${i.module}.${i.name}`, i]));
    expect(Object.keys(imports).sort()).toEqual(['env.memory', 'env.opa_abort', 'env.opa_builtin0', 'env.opa_builtin1', 'env.opa_builtin2', 'env.opa_builtin3', 'env.opa_builtin4']);
    expect(imports['env.memory']).toMatchObject({ kind: 'memory' });
    expect(imports['env.memory']!.min).toBeLessThanOrEqual(2);
    expect(imports['env.memory']!.max).toBeUndefined();
    expect(imports['env.opa_abort']!.type).toEqual(sig(1, 0));
    for (let n = 0; n <= 4; n++) expect(imports[`env.opa_builtin${n}`]!.type).toEqual(sig(n + 2, 1));
  });

  it('exports every ABI function with its exact signature, the version globals and the memory', () => {
    const exports = Object.fromEntries(shape.exports.map((e) => [e.name, e]));
    const expected: Record<string, [number, number]> = {
      eval: [1, 1], builtins: [0, 1], entrypoints: [0, 1], opa_eval_ctx_new: [0, 1], opa_eval_ctx_set_input: [2, 0],
      opa_eval_ctx_set_data: [2, 0], opa_eval_ctx_set_entrypoint: [2, 0], opa_eval_ctx_get_result: [1, 1], opa_malloc: [1, 1],
      opa_free: [1, 0], opa_json_parse: [2, 1], opa_value_parse: [2, 1], opa_json_dump: [1, 1], opa_value_dump: [1, 1],
      opa_heap_ptr_get: [0, 1], opa_heap_ptr_set: [1, 0], opa_value_add_path: [3, 1], opa_value_remove_path: [2, 1],
      opa_eval: [7, 1], opa_value_free: [1, 0], opa_heap_blocks_stash: [0, 0], opa_heap_blocks_restore: [0, 0], opa_heap_stash_clear: [0, 0],
    };
    for (const [name, [params, results]] of Object.entries(expected)) {
      expect([name, exports[name]?.type]).toEqual([name, sig(params, results)]);
    }
    expect(exports.opa_wasm_abi_version?.global).toEqual({ valueType: 'i32', mutable: false, init: 1 });
    expect(exports.opa_wasm_abi_minor_version?.global).toEqual({ valueType: 'i32', mutable: false, init: 3 });
    expect(exports.memory?.kind).toBe('memory');
  });

  it('is small and its bytes do not depend on the program', () => {
    expect(policyWasm().length).toBeLessThan(64 * 1024);
    const a = buildBundle(exampleIr(exampleNames()[0]!)).files.find((f) => f.name === '/policy.wasm')!.data;
    const b = buildBundle(exampleIr(exampleNames()[1]!)).files.find((f) => f.name === '/policy.wasm')!.data;
    expect(a.equals(b)).toBe(true);
  });
});

describe('through the official JS SDK (@open-policy-agent/opa-wasm)', () => {
  it('lists its entrypoints and needs no builtins', async () => {
    const policy = await loadPolicy(policyWasm());
    expect(Object.keys(policy.entrypoints).sort()).toEqual([...WASM_ENTRYPOINTS].sort());
  });

  for (const corpus of corpora) {
    it(`${corpus.example}: every corpus case equals the reference evaluator, on every entrypoint`, async () => {
      const ir = exampleIr(corpus.example);
      const policy = await loadPolicy(policyWasm());
      policy.setData({ govc: { ir } });
      for (const c of corpus.cases) {
        const want = evaluate(ir, c.input);
        // The SDK sends falsy input as "no input"; the decision is then malformed, as for a missing request.
        const got = policy.evaluate(c.input, 'govc/wasm/decision') as Array<{ result: unknown }>;
        expect([c.description, canonical(got[0]?.result)]).toEqual([c.description, canonical(want)]);
        expect((policy.evaluate(c.input, 'govc/wasm/allow') as Array<{ result: unknown }>)[0]?.result).toBe(want.allow);
        expect(canonical((policy.evaluate(c.input, 'govc/wasm/reasons') as Array<{ result: unknown }>)[0]?.result)).toBe(canonical(want.reasons));
      }
    });
  }

  for (const name of exampleNames()) {
    it(`${name}: random requests (property-based) equal the reference`, async () => {
      const ir = exampleIr(name);
      const policy = await loadPolicy(policyWasm());
      policy.setData({ govc: { ir } });
      fc.assert(
        fc.property(requestArbitrary(ir), (input) => {
          const got = (policy.evaluate(input, 'govc/wasm/decision') as Array<{ result: unknown }>)[0]?.result;
          // What the SDK sends is JSON.stringify(input), read as text is read (lone surrogates are U+FFFD); falsy
          // input is sent as no input.
          const sent = input ? asOpaDecodes(JSON.stringify(input)) : undefined;
          expect(canonical(got)).toBe(canonical(evaluate(ir, sent)));
        }),
        { numRuns: 3000, seed: 4242 + name.length },
      );
    });
  }

  it('follows setData: new data changes decisions as it changes the reference\'s', async () => {
    const ir = exampleIr('acme-support');
    const policy = await loadPolicy(policyWasm());
    policy.setData({ govc: { ir } });
    const input = (corpora.find((c) => c.example === 'acme-support')!.cases.find((c) => c.expect.decision === 'allow' && c.expect.model === 'gpt-4.1')!).input;
    const revoked: IrProgram = { ...ir, models: { ...ir.models, 'gpt-4.1': { ...ir.models['gpt-4.1']!, status: 'revoked' } } };
    policy.setData({ govc: { ir: revoked } });
    const after = (policy.evaluate(input, 'govc/wasm/decision') as Array<{ result: { model: string } }>)[0]!.result;
    expect(canonical(after)).toBe(canonical(evaluate(revoked, input)));
    expect(after.model).not.toBe('gpt-4.1');
    policy.setData({});
    expect(policy.evaluate(input, 'govc/wasm/decision')).toEqual([]);
  });

  it('does not grow memory without bound over 100,000 evaluations', async () => {
    const ir = exampleIr('acme-support');
    const policy = await loadPolicy(policyWasm());
    policy.setData({ govc: { ir } });
    const inputs = corpora.find((c) => c.example === 'acme-support')!.cases.map((c) => c.input);
    const mem = (policy as unknown as { mem: WebAssembly.Memory }).mem;
    for (let i = 0; i < 1000; i++) policy.evaluate(inputs[i % inputs.length], 'govc/wasm/decision');
    const settled = mem.buffer.byteLength;
    for (let i = 0; i < 100_000; i++) policy.evaluate(inputs[i % inputs.length], 'govc/wasm/decision');
    expect(mem.buffer.byteLength).toBe(settled);
  }, 120_000);
});

/** The module driven through the raw ABI, as a host would, to feed it bytes no JSON encoder would produce. */
async function rawModule(ir: IrProgram): Promise<{ evalBytes(bytes: Uint8Array): string; exports: Record<string, (...a: number[]) => number> }> {
  const memory = new WebAssembly.Memory({ initial: 2 });
  let aborted: string | undefined;
  const cstring = (addr: number): string => {
    const view = new Uint8Array(memory.buffer);
    let end = addr;
    while (view[end] !== 0) end++;
    return Buffer.from(view.subarray(addr, end)).toString('utf8');
  };
  const { instance } = await WebAssembly.instantiate(policyWasm(), {
    env: {
      memory,
      opa_abort: (addr: number) => {
        aborted = cstring(addr);
        throw new Error(`opa_abort: ${aborted}`);
      },
      opa_builtin0: () => 0, opa_builtin1: () => 0, opa_builtin2: () => 0, opa_builtin3: () => 0, opa_builtin4: () => 0,
    },
  });
  const ex = instance.exports as unknown as Record<string, (...a: number[]) => number>;
  const write = (bytes: Uint8Array): number => {
    const addr = ex.opa_malloc!(bytes.length);
    new Uint8Array(memory.buffer).set(bytes, addr);
    return addr;
  };
  const dataText = Buffer.from(JSON.stringify({ govc: { ir } }));
  const data = ex.opa_json_parse!(write(dataText), dataText.length);
  const heap = ex.opa_heap_ptr_get!();
  return {
    exports: ex,
    evalBytes(bytes: Uint8Array): string {
      const need = heap + bytes.length + 1;
      if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      new Uint8Array(memory.buffer).set(bytes, heap);
      return cstring(ex.opa_eval!(0, 0, data, heap, bytes.length, heap + bytes.length, 0));
    },
  };
}

describe('hostile input through the raw ABI', () => {
  const ir = exampleIr('acme-support');
  const valid = JSON.stringify(corpora.find((c) => c.example === 'acme-support')!.cases[0]!.input);

  it('never traps, never corrupts the next evaluation, never loops', async () => {
    const m = await rawModule(ir);
    const expected = canonical([{ result: evaluate(ir, JSON.parse(valid)) }]);
    const hostile = [
      Buffer.from('{"use_case": '),
      Buffer.from('[' .repeat(200_000)),
      Buffer.from('{"a":'.repeat(100_000)),
      Buffer.from(JSON.stringify({ use_case: 'x'.repeat(4_000_000), tenant: 't', region: 'eu', time: '2026-11-26T10:00:00Z' })),
      Buffer.from('"\\ud800\\u0000\\uZZZZ"'),
      Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc0]),
      Buffer.from('{"use_case": "support_assistant", "tenant": "t", "region": "eu", "time": "2026-11-26T10:00:00Z", "tokens": {"input": 1e400}}'),
      Buffer.from('{1, 2, {3: 4}, set()}'),
    ];
    for (const bytes of hostile) {
      const text = m.evalBytes(bytes);
      expect(() => JSON.parse(text)).not.toThrow();
      expect(canonical(JSON.parse(m.evalBytes(Buffer.from(valid))))).toBe(expected);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        JSON.parse(m.evalBytes(bytes));
      }),
      { numRuns: 500 },
    );
    expect(canonical(JSON.parse(m.evalBytes(Buffer.from(valid))))).toBe(expected);
  }, 120_000);

  it('denies unparseable input as a malformed request, exactly as the reference does with no request', async () => {
    const m = await rawModule(ir);
    const [{ result }] = JSON.parse(m.evalBytes(Buffer.from('{not json'))) as [{ result: unknown }];
    expect(canonical(result)).toBe(canonical(evaluate(ir, undefined)));
  });

  it('answers in Rego value syntax for format 1 (what OPA\'s Go engine reads)', async () => {
    const m = await rawModule(ir);
    const heap = m.exports.opa_heap_ptr_get!();
    void heap;
    const out = m.evalBytes(Buffer.from(valid));
    expect(out.startsWith('[{"result":')).toBe(true);
  });
});

describe('inside the real OPA (Wasm engine)', () => {
  const work = mkdtempSync(join(tmpdir(), 'govc-wasm-opa-'));
  const servers = new Map<string, OpaServer>();

  beforeAll(async () => {
    for (const name of exampleNames()) {
      const path = join(work, `${name}.tar.gz`);
      writeFileSync(path, buildBundle(exampleIr(name)).tarGz);
      servers.set(name, await startOpaServer(path));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  });

  for (const corpus of corpora) {
    it(`${corpus.example}: OPA evaluates data.govc.wasm.decision through govc's module, equal to the reference on the corpus`, async () => {
      const ir = exampleIr(corpus.example);
      const server = servers.get(corpus.example)!;
      for (const c of corpus.cases) {
        const res = await fetch(`${server.url}/v1/data/govc/wasm/decision`, { method: 'POST', body: JSON.stringify({ input: c.input }) });
        const body = (await res.json()) as { result?: unknown };
        const want = c.input === null ? undefined : evaluate(ir, c.input);
        if (want === undefined) continue;
        expect([c.description, canonical(body.result)]).toEqual([c.description, canonical(want)]);
      }
    });
  }
});
