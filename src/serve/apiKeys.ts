import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** Who an API key names: the request's identity, never the request's own claim. */
export interface Caller {
  readonly tenant: string;
  readonly use_case: string;
  readonly region: string;
  readonly principal?: string;
}

const FIELDS = ['tenant', 'use_case', 'region'] as const;
const KNOWN = new Set<string>([...FIELDS, 'principal', 'rpm', 'tpm']);
const MAX_KEYS_BYTES = 16 * 1024 * 1024;

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * Parses a keys file, exactly govc_auth.py's format (src/backends/litellm/python/govc_auth.py): an object from API
 * key (8 characters at least) to `{"tenant", "use_case", "region", "principal"?, "rpm"?, "tpm"?}`. `rpm`/`tpm` are
 * accepted and not enforced here: the use case's own rate limits are (docs/serve.md). Keys are kept as their sha256.
 */
interface KeyEntry {
  readonly digest: Buffer;
  readonly caller: Caller;
}

export function parseApiKeys(text: string): { ok: true; keys: Map<string, KeyEntry> } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `the keys are not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, error: 'the keys must be a JSON object from API key to caller' };
  const keys = new Map<string, KeyEntry>();
  let i = 0;
  for (const [key, entry] of Object.entries(data as Record<string, unknown>)) {
    const where = `key #${++i}`;
    if (key.length < 8) return { ok: false, error: `${where} must be a string of at least 8 characters` };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return { ok: false, error: `${where} must map to an object` };
    const e = entry as Record<string, unknown>;
    const caller: Record<string, string> = {};
    for (const f of FIELDS) {
      const v = e[f];
      if (typeof v !== 'string' || v === '') return { ok: false, error: `${where} needs \`${f}\`, a non-empty string` };
      caller[f] = v;
    }
    if (e.principal !== undefined && e.principal !== null) {
      if (typeof e.principal !== 'string' || e.principal === '') return { ok: false, error: `${where} has a \`principal\` that is not a non-empty string` };
      caller.principal = e.principal;
    }
    for (const f of ['rpm', 'tpm']) {
      const v = e[f];
      if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isSafeInteger(v) && v > 0)) return { ok: false, error: `${where} has a \`${f}\` that is not a positive integer` };
    }
    const unknown = Object.keys(e).filter((k) => !KNOWN.has(k)).sort();
    if (unknown.length > 0) return { ok: false, error: `${where} has unknown fields ${unknown.join(', ')}` };
    const d = digest(key);
    keys.set(d.toString('hex'), { digest: d, caller: Object.freeze(caller as unknown as Caller) });
  }
  return { ok: true, keys };
}

/**
 * API keys from a file, re-read when its size or modification time changes. A file that stops parsing keeps no
 * keys (every caller is refused: never an open door) until it parses again; `problem()` says why.
 */
export class ApiKeys {
  private stamp = '';
  private keys = new Map<string, KeyEntry>();
  private error: string | undefined;
  private checkedAt = 0;

  private constructor(private readonly path: string | undefined, keys: Map<string, KeyEntry>) {
    this.keys = keys;
  }

  /** Keys from a file; `{ok:false}` when it cannot be read or parsed at start. */
  static fromFile(path: string): { ok: true; keys: ApiKeys } | { ok: false; error: string } {
    const k = new ApiKeys(path, new Map());
    k.refresh(true);
    return k.error === undefined ? { ok: true, keys: k } : { ok: false, error: k.error };
  }

  /** Fixed keys (tests, embedding). */
  static fromText(text: string): { ok: true; keys: ApiKeys } | { ok: false; error: string } {
    const r = parseApiKeys(text);
    return r.ok ? { ok: true, keys: new ApiKeys(undefined, r.keys) } : r;
  }

  problem(): string | undefined {
    return this.error;
  }

  /** The caller an API key names, or undefined. The key is hashed, then compared by digest in constant time. */
  lookup(apiKey: string): Caller | undefined {
    this.refresh(false);
    const d = digest(apiKey);
    const hit = this.keys.get(d.toString('hex'));
    // The map finds the entry by digest (timing tells nothing of a key but its hash); the digests are then
    // compared without an early exit.
    return hit !== undefined && timingSafeEqual(hit.digest, d) ? hit.caller : undefined;
  }

  private refresh(force: boolean): void {
    if (this.path === undefined) return;
    const now = Date.now();
    // A stat per second at most: the file changes rarely and requests are many.
    if (!force && now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    try {
      const st = statSync(this.path);
      const stamp = `${st.size}:${st.mtimeMs}`;
      if (stamp === this.stamp) return;
      this.stamp = stamp;
      if (st.size > MAX_KEYS_BYTES) throw new Error(`larger than ${MAX_KEYS_BYTES} bytes`);
      const r = parseApiKeys(readFileSync(this.path, 'utf8'));
      if (r.ok) {
        this.keys = r.keys;
        this.error = undefined;
      } else {
        this.keys = new Map();
        this.error = `the keys file \`${this.path}\`: ${r.error}`;
      }
    } catch (err) {
      this.stamp = '';
      this.keys = new Map();
      this.error = `the keys file \`${this.path}\` cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
