import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { IR_VERSION, type IrProgram, type IrUseCase } from '../ir/types.js';
import { commonFolder, STD_DIR } from '../project/programFiles.js';
import { programOf, summaryOf, type ExplainProgram, type UseCaseSummary } from './ExplainProgram.js';

/**
 * The date `govc explain` checks a program as of. Explaining a lapsed approval is the point, so the checker's
 * expiry errors (GOV2060, judged against the as-of date; the only thing that date changes) must not stop the
 * program: checked as of a date before any approval, the program lowers, and explain judges each approval against
 * `--as-of` itself (approvalState.ts).
 */
export const EXPLAIN_CHECK_DATE = '1970-01-01';

export interface LoadOptions {
  /** `--root`: the program root; default the entry files' common folder. */
  readonly root?: string;
  /** Where the explain cache lives; null: no cache. */
  readonly cacheDir: string | null;
}

export type LoadResult =
  | { readonly ok: true; readonly program: ExplainProgram; readonly cached: boolean }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Files walked for the cache's fingerprint at most: a root above a huge tree disables the cache instead. */
const MAX_FINGERPRINT_FILES = 20_000;
const CACHE_FORMAT = 1;

/**
 * Checks and lowers the program (entry files plus imports) the way `govc check` does, or reads it from the explain
 * cache when nothing under its root nor in the standard library changed since (size and modification time of every
 * file, assets included). Errors are diagnostics, never thrown (nor rejected); a cache that cannot be read or written is ignored.
 */
export async function loadExplainProgram(entryFiles: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const root = options.root !== undefined ? resolve(options.root) : commonFolder(entryFiles.map((f) => resolve(f)));
  const key = createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, IR_VERSION, STD_DIR, root, entryFiles.map((f) => resolve(f))]))
    .digest('hex')
    .slice(0, 32);
  const dir = options.cacheDir === null ? null : join(options.cacheDir, key);
  const fingerprint = dir === null ? null : fingerprintOf(root);
  if (dir !== null && fingerprint !== null) {
    const hit = readCache(dir, fingerprint, root);
    if (hit) return { ok: true, program: hit, cached: true };
  }
  // Loaded only on a cache miss: the checker is most of govc's start-up.
  const { compileFiles } = await import('../project/compile.js');
  const result = compileFiles(entryFiles, { asOf: EXPLAIN_CHECK_DATE, ...(options.root !== undefined && { root: options.root }) });
  if (!result.ir) return { ok: false, diagnostics: result.diagnostics.filter((d) => d.severity === 'error') };
  if (dir !== null && fingerprint !== null) writeCache(dir, fingerprint, result.ir);
  return { ok: true, program: programOf(result.ir, root), cached: false };
}

/** Size and modification time of every file under the root and the standard library, or null past the bound. */
function fingerprintOf(root: string): string | null {
  const h = createHash('sha256');
  let count = 0;
  const walk = (dir: string, depth: number): boolean => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return true;
    }
    for (const e of entries) {
      if (e.startsWith('.') || e === 'node_modules') continue;
      const p = join(dir, e);
      let s;
      try {
        s = statSync(p, { bigint: true });
      } catch {
        continue;
      }
      if (s.isDirectory()) {
        if (depth < 16 && !walk(p, depth + 1)) return false;
      } else {
        if (++count > MAX_FINGERPRINT_FILES) return false;
        h.update(`${p}\0${s.size}\0${s.mtimeNs}\n`);
      }
    }
    return true;
  };
  if (!walk(root, 0) || !walk(STD_DIR, 0)) return null;
  return h.digest('hex');
}

interface CacheBase {
  readonly format: number;
  readonly fingerprint: string;
  readonly base: IrProgram;
  readonly summaries: Record<string, UseCaseSummary>;
  /** Byte offset and length of each use case's JSON line in use_cases.jsonl. */
  readonly offsets: Record<string, [number, number]>;
}

function readCache(dir: string, fingerprint: string, root: string): ExplainProgram | null {
  let cache: CacheBase;
  try {
    cache = JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8')) as CacheBase;
  } catch {
    return null;
  }
  if (cache.format !== CACHE_FORMAT || cache.fingerprint !== fingerprint || cache.base?.ir_version !== IR_VERSION) return null;
  const offsets = cache.offsets;
  const summaries: Record<string, UseCaseSummary> = Object.assign(Object.create(null) as Record<string, UseCaseSummary>, cache.summaries);
  const loaded = new Map<string, IrUseCase | undefined>();
  const useCase = (name: string): IrUseCase | undefined => {
    if (!Object.prototype.hasOwnProperty.call(offsets, name)) return undefined;
    if (loaded.has(name)) return loaded.get(name);
    const [start, length] = offsets[name]!;
    let uc: IrUseCase | undefined;
    try {
      const fd = openSync(join(dir, 'use_cases.jsonl'), 'r');
      try {
        const buf = Buffer.alloc(length);
        readSync(fd, buf, 0, length, start);
        uc = JSON.parse(buf.toString('utf8')) as IrUseCase;
        if (uc.name !== name) uc = undefined;
      } finally {
        closeSync(fd);
      }
    } catch {
      uc = undefined;
    }
    loaded.set(name, uc);
    return uc;
  };
  return { base: cache.base, useCases: summaries, useCase, root };
}

function writeCache(dir: string, fingerprint: string, ir: IrProgram): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const offsets: Record<string, [number, number]> = {};
    const summaries: Record<string, UseCaseSummary> = {};
    const lines: Buffer[] = [];
    let at = 0;
    for (const name of Object.keys(ir.use_cases)) {
      const uc = ir.use_cases[name]!;
      const line = Buffer.from(JSON.stringify(uc) + '\n', 'utf8');
      offsets[name] = [at, line.length - 1];
      summaries[name] = summaryOf(uc);
      lines.push(line);
      at += line.length;
    }
    const suffix = `.${process.pid}.tmp`;
    // The lines first: a base.json is only ever next to the use cases it indexes.
    writeFileSync(join(dir, 'use_cases.jsonl' + suffix), Buffer.concat(lines), { mode: 0o600 });
    renameSync(join(dir, 'use_cases.jsonl' + suffix), join(dir, 'use_cases.jsonl'));
    const base: CacheBase = { format: CACHE_FORMAT, fingerprint, base: { ...ir, use_cases: {} }, summaries, offsets };
    writeFileSync(join(dir, 'base.json' + suffix), JSON.stringify(base), { mode: 0o600 });
    renameSync(join(dir, 'base.json' + suffix), join(dir, 'base.json'));
  } catch {
    // Best effort: without a cache the next run compiles again.
  }
}
