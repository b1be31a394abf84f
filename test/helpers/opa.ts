import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { freePort } from './net.js';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.js';

/** The pinned OPA that scripts/install-opa.sh installs (`npm test` runs it first). Tests fail, not skip, without it. */
export const OPA = join(REPO_ROOT, '.tools', 'bin', 'opa');

export function requireOpa(): string {
  if (!existsSync(OPA)) throw new Error(`OPA is not installed at ${OPA}: run \`bash scripts/install-opa.sh\` (npm test does)`);
  return OPA;
}

export function opa(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(requireOpa(), args, { input, maxBuffer: 1 << 29, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface OpaServer {
  readonly url: string;
  /** The child's pid: the server is stopped by pid, never by name. */
  readonly pid: number;
  decide(input: unknown): Promise<unknown>;
  /**
   * One HTTP request over a keep-alive connection pool (several times cheaper per call than `fetch`, for load
   * tests); resolves to the status and body text, rejects after `timeoutMs` so a stuck server fails the test.
   */
  request(method: string, path: string, body?: string, timeoutMs?: number): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
}

/** Starts `opa run --server` on 127.0.0.1 with a bundle; waits until it answers; bounded by `timeoutMs`. */
export async function startOpaServer(bundle: string, extraArgs: string[] = [], timeoutMs = 30_000): Promise<OpaServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(requireOpa(), ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '-b', bundle, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`opa exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/health?bundles`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`opa did not become healthy within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    url,
    pid: child.pid!,
    request(method: string, path: string, body?: string, timeoutMs = 30_000): Promise<{ status: number; text: string }> {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = { 'content-type': 'application/json' };
        if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
        const req = httpRequest({ host: '127.0.0.1', port, path, method, agent, headers, timeout: timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    async decide(input: unknown): Promise<unknown> {
      const res = await fetch(`${url}/v1/data/govc/decision`, { method: 'POST', body: JSON.stringify({ input }), headers: { 'content-type': 'application/json' } });
      const body = (await res.json()) as { result?: unknown };
      return body.result;
    },
    async stop(): Promise<void> {
      agent.destroy();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    },
  };
}

/** Tries to start a server; resolves to its stderr and exit code if OPA refuses the bundle. */
export async function opaServerRefuses(bundle: string, extraArgs: string[], timeoutMs = 20_000): Promise<string | undefined> {
  try {
    const server = await startOpaServer(bundle, extraArgs, timeoutMs);
    await server.stop();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * A module instance driven exactly as OPA's Go engine drives it (internal/wasm/sdk/internal/wasm/vm.go, v1.22.3):
 * `opa_malloc(0)` then the heap pointer as the base; data parsed at the base with `opa_value_parse` (or a data
 * segment copied in from another instance, as the pool seeds new instances, globals not copied); each evaluation
 * writes the input at the heap pointer the data ends at and calls `opa_eval(0, ep, data, input, len, heap, 1)`;
 * data updates as `SetDataPath` and `RemoveDataPath` make them. `eval` returns where the result sits, as the Go
 * engine does (a view, not a copy), so a test can read it again after later evaluations, as OPA's callers do.
 */
export interface GoHostVm {
  eval(input: Uint8Array | undefined, entrypoint?: number): { addr: number; len: number };
  read(at: { addr: number; len: number }): string;
  setDataPath(path: string[], value: unknown): number;
  removeDataPath(path: string[]): number;
  /** The parsed data segment, as Pool.cloneDataSegment takes it to seed new instances. */
  dataSegment(): { dataAddr: number; bytes: Uint8Array };
  readonly memory: WebAssembly.Memory;
  /** The module's exports, for calls below the engine's (opa_json_parse on hostile bytes, say). */
  readonly exports: Record<string, (...a: number[]) => number>;
  /** Copies bytes into the heap (`opa_malloc`) and returns their address. */
  write(bytes: Uint8Array): number;
  /** The NUL-terminated text at an address. */
  cstring(addr: number): string;
}

export async function goHostVm(policy: Uint8Array, data: { json: string } | { segment: { dataAddr: number; bytes: Uint8Array } }): Promise<GoHostVm> {
  const memory = new WebAssembly.Memory({ initial: 16 }); // the SDK's minimum
  const cstringAt = (addr: number): number => {
    const view = new Uint8Array(memory.buffer);
    let end = addr;
    while (end < view.length && view[end] !== 0) end++;
    return end - addr;
  };
  const { instance } = await WebAssembly.instantiate(policy, {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw new Error(`opa_abort: ${Buffer.from(new Uint8Array(memory.buffer, addr, cstringAt(addr))).toString('utf8')}`);
      },
      opa_println: () => undefined,
      opa_builtin0: () => 0, opa_builtin1: () => 0, opa_builtin2: () => 0, opa_builtin3: () => 0, opa_builtin4: () => 0,
    },
  });
  const ex = instance.exports as unknown as Record<string, (...a: number[]) => number>;
  const ensure = (end: number): void => {
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  };
  const toRegoJson = (value: unknown): number => {
    const raw = Buffer.from(JSON.stringify(value));
    const p = ex.opa_malloc!(raw.length);
    new Uint8Array(memory.buffer).set(raw, p);
    const addr = ex.opa_value_parse!(p, raw.length);
    ex.opa_free!(p);
    return addr;
  };
  ex.opa_malloc!(0);
  const base = ex.opa_heap_ptr_get!();
  let dataAddr: number;
  let evalHeapPtr: number;
  if ('segment' in data) {
    ensure(base + data.segment.bytes.length);
    new Uint8Array(memory.buffer).set(data.segment.bytes, base);
    dataAddr = data.segment.dataAddr;
    evalHeapPtr = base + data.segment.bytes.length;
    ex.opa_heap_ptr_set!(evalHeapPtr);
  } else {
    const raw = Buffer.from(data.json);
    const p = ex.opa_malloc!(raw.length);
    new Uint8Array(memory.buffer).set(raw, p);
    dataAddr = ex.opa_value_parse!(p, raw.length);
    ex.opa_free!(p);
  }
  evalHeapPtr = ex.opa_heap_ptr_get!();
  const patch = (f: () => number): number => {
    ex.opa_heap_ptr_set!(evalHeapPtr);
    ex.opa_heap_blocks_restore!();
    const result = f();
    ex.opa_heap_blocks_stash!();
    evalHeapPtr = ex.opa_heap_ptr_get!();
    return result;
  };
  const write = (b: Uint8Array): number => {
    const p = ex.opa_malloc!(b.length);
    new Uint8Array(memory.buffer).set(b, p);
    return p;
  };
  return {
    memory,
    exports: ex,
    write,
    cstring: (addr: number) => Buffer.from(new Uint8Array(memory.buffer, addr, cstringAt(addr))).toString('utf8'),
    eval(input: Uint8Array | undefined, entrypoint = 0) {
      let inputAddr = 0;
      let inputLen = 0;
      if (input) {
        inputAddr = evalHeapPtr;
        inputLen = input.length;
        ensure(inputAddr + inputLen);
        new Uint8Array(memory.buffer).set(input, inputAddr);
      }
      const addr = ex.opa_eval!(0, entrypoint, dataAddr, inputAddr, inputLen, evalHeapPtr + inputLen, 1);
      return { addr, len: cstringAt(addr) };
    },
    read({ addr, len }) {
      return Buffer.from(new Uint8Array(memory.buffer, addr, len)).toString('utf8');
    },
    setDataPath(path: string[], value: unknown) {
      return patch(() => {
        const v = toRegoJson(value);
        const p = toRegoJson(path);
        const r = ex.opa_value_add_path!(dataAddr, p, v);
        ex.opa_value_free!(p);
        return r;
      });
    },
    removeDataPath(path: string[]) {
      return patch(() => {
        const p = toRegoJson(path);
        const r = ex.opa_value_remove_path!(dataAddr, p);
        ex.opa_value_free!(p);
        return r;
      });
    },
    dataSegment() {
      return { dataAddr, bytes: new Uint8Array(memory.buffer).slice(base, evalHeapPtr) };
    },
  };
}

/**
 * A JSON text's value as OPA's JSON decoder (Go's encoding/json) and govc's Wasm module read it, for comparing
 * them with the reference on JavaScript values: an escaped lone surrogate, in a string or a key, is U+FFFD
 * (docs/semantics.md "Request text"). For text JSON.stringify wrote, nothing else differs.
 */
export function asOpaDecodes(text: string): unknown {
  // Node 20 has String.prototype.toWellFormed (ES2024); the project's lib is ES2022.
  const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') return wellFormed(v);
    if (Array.isArray(v)) return v.map(fix);
    // fromEntries defines own properties, so a `__proto__` key stays a key.
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [wellFormed(k), fix(x)]));
    return v;
  };
  return fix(JSON.parse(text));
}
