import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonPolicyModule } from '../../src/backends/litellm/pythonPolicy.js';
import type { IrProgram } from '../../src/ir/types.js';
import { REPO_ROOT } from './repo.js';

/** The project's virtual environment (scripts/setup-test-env.sh): google-re2 is installed there. */
export const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
/** The static Python modules of the LiteLLM back end: govc_engine.py and govc_contract.py. */
export const ENGINE_DIR = join(REPO_ROOT, 'src', 'backends', 'litellm', 'python');
const DRIVER = join(REPO_ROOT, 'test', 'helpers', 'pythonDriver.py');

/** A job for test/helpers/pythonDriver.py (one JSON line); see there for the ops. */
export type PythonJob =
  | { readonly op: 'decide'; readonly request?: unknown }
  | { readonly op: 'decide_json'; readonly text: string; readonly slow?: boolean }
  | { readonly op: 'decide_json'; readonly bytes: string; readonly slow?: boolean }
  | { readonly op: 'detect'; readonly text: string }
  | { readonly op: 'redact'; readonly text: string; readonly redact: unknown }
  | { readonly op: 'cost'; readonly model: string; readonly input: number; readonly output: number }
  | { readonly op: 'facts'; readonly kind: 'model' | 'use_case' | 'provider' | 'data_class'; readonly name: string }
  | { readonly op: 'revision' };

export type PythonAnswer = { readonly ok: unknown } | { readonly refused: string } | { readonly error: string };

/** One Python process running govc_engine.Engine on one program's govc_policy.py, answering jobs in order. */
export interface PythonEngine {
  /** The folder holding the program's generated govc_policy.py. */
  readonly policyDir: string;
  readonly pid: number;
  /** Answers every job, in order (written all at once: one process, no per-job start-up). */
  run(jobs: readonly PythonJob[]): Promise<PythonAnswer[]>;
  /** The decision for a request value (sent as JSON; `undefined` is no request); throws if the engine raised. */
  decide(request: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** What a JavaScript value is as a `decide` job: JSON text of it (undefined fields vanish, as JSON has them not). */
export function decideJob(request: unknown): PythonJob {
  return request === undefined ? { op: 'decide' } : { op: 'decide', request };
}

/** Starts the engine on `ir`'s policy module. The process is stopped by its pid in `stop()`. */
export async function startPythonEngine(ir: IrProgram): Promise<PythonEngine> {
  const policyDir = mkdtempSync(join(tmpdir(), 'govc-pyengine-'));
  writeFileSync(join(policyDir, 'govc_policy.py'), pythonPolicyModule(ir));
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [DRIVER, ENGINE_DIR, policyDir], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' } });
  const pending: Array<{ resolve: (a: PythonAnswer) => void; reject: (e: Error) => void }> = [];
  let buffer = '';
  let stderr = '';
  let exited: Error | null = null;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const p = pending.shift();
      if (p === undefined) continue;
      try {
        p.resolve(JSON.parse(line) as PythonAnswer);
      } catch (e) {
        p.reject(new Error(`python engine answered a line that is not JSON: ${line.slice(0, 200)}`));
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const failAll = (why: string): void => {
    exited = new Error(`python engine (pid ${child.pid}) ${why}: ${stderr.slice(-2000)}`);
    for (const p of pending.splice(0)) p.reject(exited);
  };
  child.on('exit', (code, signal) => failAll(`exited (${code ?? signal})`));
  child.on('error', (e) => failAll(`failed: ${e.message}`));
  child.stdin.on('error', () => undefined);

  const run = (jobs: readonly PythonJob[]): Promise<PythonAnswer[]> => {
    if (exited) return Promise.reject(exited);
    const answers = jobs.map(() => new Promise<PythonAnswer>((resolve, reject) => pending.push({ resolve, reject })));
    child.stdin.write(jobs.map((j) => JSON.stringify(j)).join('\n') + '\n');
    return Promise.all(answers);
  };

  // Started when it answers.
  const first = await run([{ op: 'revision' }]);
  if (!('ok' in first[0]!) || first[0].ok !== ir.revision) throw new Error(`python engine did not start: ${JSON.stringify(first[0])}`);

  return {
    policyDir,
    pid: child.pid!,
    run,
    async decide(request) {
      const [a] = await run([decideJob(request)]);
      if (!('ok' in a!)) throw new Error(`python engine raised: ${JSON.stringify(a)}`);
      return a.ok;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.stdin.end();
        const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 5000);
        await done;
        clearTimeout(timer);
      }
      rmSync(policyDir, { recursive: true, force: true });
    },
  };
}
