import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isInside } from '../../project/readRegularFile.js';
import type { ProgramSource, ServedProgram } from '../ServedProgram.js';
import { displayUrl, fetchBundle } from './fetchBundle.js';
import { errorReason, LoadProblem, ProgramLoadError, problemWhere } from './ProgramLoadError.js';
import { programFromBytes, type ProgramFormat } from './programFromBytes.js';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './readBundle.js';
import { fileStamp, readLocalFile, statFile } from './readLocalFile.js';
import { prepareVerifier, type BundleVerifier, type VerificationOptions } from './verifyBundle.js';

export interface ProgramSourceOptions {
  /** When given, only bundles whose `.signatures.json` verifies with this key are loaded (a folder: its bundle only). */
  readonly verification?: VerificationOptions;
  /** Seconds between polls (fractions allowed); 0 loads once and never reloads. */
  readonly pollSeconds: number;
  /** The fetch used for URLs (tests; a proxy-aware fetch). Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** The clock for `loadedAt`. Default: the system clock. */
  readonly now?: () => Date;
  /** Aborting it closes the source (as close() does). */
  readonly signal?: AbortSignal;
  /** Bounds on a bundle (DEFAULT_BUNDLE_LIMITS); `maxCompressedBytes` also bounds a download, `maxUncompressedBytes` an ir.json. */
  readonly limits?: Partial<BundleLimits>;
  /** The longest a download may take, body included (default 30 s). */
  readonly downloadTimeoutMs?: number;
}

/** A source's kind with what polling it needs. */
type Spec =
  | { readonly kind: 'url'; readonly url: string; readonly display: string; readonly authorization: string | undefined }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'folder'; readonly path: string };

const BUNDLE_IN_FOLDER = 'opa/bundle.tar.gz';
const IR_IN_FOLDER = 'ir.json';
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 30_000;

interface Settings {
  /** The spec as given, to resolve. */
  readonly spec: string;
  /** The spec as shown in messages and as the program's `source`: a URL without its credentials. */
  readonly shown: string;
  readonly verifier: BundleVerifier | undefined;
  readonly limits: BundleLimits;
  readonly fetch: typeof fetch;
  readonly now: () => Date;
  readonly downloadTimeoutMs: number;
}

function fail(settings: { shown: string }, err: unknown, file?: string): ProgramLoadError {
  if (err instanceof ProgramLoadError) return err;
  if (err instanceof LoadProblem) return new ProgramLoadError(settings.shown, err.reason, problemWhere(err, file));
  // Every problem with the input is a LoadProblem; anything else is reported without its stack, as a failure to load.
  return new ProgramLoadError(settings.shown, `could not be loaded (${errorReason(err)})`, file === undefined ? undefined : problemWhere(new LoadProblem(''), file));
}

const URL_SPEC = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A spec for messages: a URL's user and password are never shown (they end up in logs and /ready). */
function shownSpec(spec: string): string {
  if (!URL_SPEC.test(spec)) return spec;
  try {
    return displayUrl(new URL(spec));
  } catch {
    return spec.replace(/\/\/[^/@]*@/, '//');
  }
}

async function resolveSpec(spec: string): Promise<Spec> {
  if (URL_SPEC.test(spec)) {
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new LoadProblem('is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LoadProblem(`is a \`${url.protocol}\` URL; govc serve downloads bundles over http and https only`);
    // Credentials in the URL are sent as HTTP Basic authentication (fetch refuses URLs that carry them).
    const authorization = url.username === '' && url.password === '' ? undefined : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    const bare = new URL(url.href);
    bare.username = '';
    bare.password = '';
    return { kind: 'url', url: bare.href, display: displayUrl(url), authorization };
  }
  const path = resolve(spec);
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    throw new LoadProblem(errorReason(err) === 'ENOENT' ? 'does not exist (give a folder built by `govc build --out`, a bundle .tar.gz or an http(s) URL)' : `cannot be read (${errorReason(err)})`);
  }
  if (s.isDirectory()) return { kind: 'folder', path };
  await statFile(path);
  return { kind: 'file', path };
}

/**
 * A path the user gave with its links resolved, again at every poll: the user chose it, and a deployment may
 * re-point it (`current -> releases/42`); links below a folder must stay inside it (folderFile).
 */
async function realPath(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    throw new LoadProblem(errorReason(err) === 'ENOENT' ? 'does not exist' : `cannot be read (${errorReason(err)})`);
  }
}

/** One version of what a spec points at: the bytes, how to read them, and what identifies the version. */
interface Fetched {
  readonly bytes: Buffer;
  readonly format: ProgramFormat;
  /** The file (relative to a folder) or URL, for messages. */
  readonly file: string | undefined;
  /** A local file's stamp when read; undefined for URLs. */
  readonly stamp: string | undefined;
  readonly etag: string | undefined;
}

/** The file of a folder that holds its program, resolved inside the folder, or undefined when it is absent. */
async function folderFile(root: string, name: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(join(root, name));
  } catch (err) {
    if (errorReason(err) === 'ENOENT') return undefined;
    throw new LoadProblem(`cannot be read (${errorReason(err)})`, { where: `\`${name}\`` });
  }
  // Nothing is read outside the given folder: a link that leaves it is refused, never followed.
  if (!isInside(root, real)) throw new LoadProblem('is a link to a file outside the folder; govc serve reads only inside it', { where: `\`${name}\`` });
  return real;
}

function formatOf(bytes: Buffer): ProgramFormat {
  return bytes.subarray(0, 2).equals(GZIP_MAGIC) ? 'bundle' : 'ir';
}

/** The current program and the polling loop of one spec. */
class PollingSource implements ProgramSource {
  private program: ServedProgram;
  private readonly listeners: Array<Parameters<ProgramSource['onChange']>[0]> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<void> | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  /** What was last read (loaded, unchanged or refused): polls skip it until it changes. */
  private lastStamp: string | undefined;
  private lastHash: string;
  /** The content hash of the program deciding now: the same bytes again (a rollback after a refused reload) are not swapped in again. */
  private currentHash: string;
  private etag: string | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly spec: Spec,
    first: { program: ServedProgram; fetched: Fetched },
    private readonly intervalMs: number,
    signal: AbortSignal | undefined,
  ) {
    this.program = first.program;
    this.lastStamp = first.fetched.stamp;
    this.lastHash = contentHash(first.fetched);
    this.currentHash = this.lastHash;
    this.etag = first.fetched.etag;
    if (signal !== undefined) signal.addEventListener('abort', () => void this.close(), { once: true });
    this.schedule();
  }

  current(): ServedProgram {
    return this.program;
  }

  onChange(listener: Parameters<ProgramSource['onChange']>[0]): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.inflight;
  }

  private emit(event: Parameters<Parameters<ProgramSource['onChange']>[0]>[0]): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure (a log sink) must not stop reloads or reach other listeners.
      }
    }
  }

  /** The next poll starts only after this one ended: polls never overlap, however slow a download or a build. */
  private schedule(): void {
    if (this.closed || this.intervalMs <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inflight = this.poll().finally(() => {
        this.inflight = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    // A source never keeps the process alive by itself (the server does).
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    let fetched: Fetched | 'unchanged';
    try {
      fetched = await fetchSpec(this.settings, this.spec, { lastStamp: this.lastStamp, etag: this.etag, signal: this.abort.signal });
    } catch (err) {
      if (this.closed) return;
      const error = fail(this.settings, err, fileOfProblem(this.spec));
      // A local file that is missing or unreadable is reported once, not at every poll; a download failure each time.
      const stamp = this.spec.kind === 'url' ? undefined : `problem:${error.message}`;
      if (stamp !== undefined && stamp === this.lastStamp) return;
      this.lastStamp = stamp;
      this.emit({ kind: 'failed', error: error.message });
      return;
    }
    if (fetched === 'unchanged' || this.closed) return;
    const hash = contentHash(fetched);
    this.etag = fetched.etag;
    if (hash === this.lastHash || hash === this.currentHash) {
      // Touched, copied over with the same bytes, re-served under a new ETag, or back to the program deciding now.
      this.lastStamp = fetched.stamp;
      this.lastHash = hash;
      return;
    }
    let program: ServedProgram;
    try {
      program = await programFromBytes(fetched.bytes, fetched.format, { ...this.settings, source: this.settings.shown });
    } catch (err) {
      if (this.closed) return;
      this.lastStamp = fetched.stamp;
      this.lastHash = hash;
      this.emit({ kind: 'failed', error: fail(this.settings, err, fetched.file).message });
      return;
    }
    if (this.closed) return;
    // The new program is complete (verified, validated, compiled): one assignment swaps it in.
    this.program = program;
    this.lastStamp = fetched.stamp;
    this.lastHash = hash;
    this.currentHash = hash;
    this.emit({ kind: 'swapped', program });
  }
}

function fileOfProblem(spec: Spec): string | undefined {
  return spec.kind === 'url' ? spec.display : undefined;
}

function contentHash(fetched: Fetched): string {
  return `${fetched.format}:${createHash('sha256').update(fetched.bytes).digest('hex')}`;
}

/**
 * Reads what the spec points at now, or 'unchanged' when the file's stamp (or the URL's ETag) says it is what was
 * last read. A local file that changes while it is read is being written: the read is dropped ('unchanged', so the
 * next poll reads it again) rather than loaded or reported, so a half-written file is never served nor reported as
 * broken unless it stays so.
 */
async function fetchSpec(settings: Settings, spec: Spec, last: { lastStamp: string | undefined; etag: string | undefined; signal: AbortSignal }): Promise<Fetched | 'unchanged'> {
  if (spec.kind === 'url') {
    const result = await fetchBundle(spec.url, { authorization: spec.authorization, etag: last.etag, maxBytes: settings.limits.maxCompressedBytes, timeoutMs: settings.downloadTimeoutMs, fetch: settings.fetch, signal: last.signal });
    if (result.kind === 'not-modified') return 'unchanged';
    if (formatOf(result.bytes) !== 'bundle') throw new LoadProblem('is not a gzip file (an OPA bundle is a .tar.gz)', { where: `\`${spec.display}\`` });
    return { bytes: result.bytes, format: 'bundle', file: spec.display, stamp: undefined, etag: result.etag };
  }
  let path: string;
  let file: string | undefined;
  if (spec.kind === 'folder') {
    const root = await realPath(spec.path);
    const bundle = await folderFile(root, BUNDLE_IN_FOLDER);
    const ir = bundle === undefined && settings.verifier === undefined ? await folderFile(root, IR_IN_FOLDER) : undefined;
    if (bundle !== undefined) [path, file] = [bundle, BUNDLE_IN_FOLDER];
    else if (ir !== undefined) [path, file] = [ir, IR_IN_FOLDER];
    else if (settings.verifier !== undefined) throw new LoadProblem(`has no ${BUNDLE_IN_FOLDER} (with a verification key govc serves the signed bundle only; an ir.json cannot be verified)`);
    else throw new LoadProblem(`has neither ${BUNDLE_IN_FOLDER} nor ${IR_IN_FOLDER} (build it with \`govc build --out\`)`);
  } else {
    path = await realPath(spec.path);
    file = undefined;
  }
  const at = file === undefined ? {} : { where: `\`${file}\`` };
  const before = await statFile(path, at);
  const stamp = `${path}|${fileStamp(before)}`;
  if (stamp === last.lastStamp) return 'unchanged';
  let read;
  try {
    read = await readLocalFile(path, Math.max(settings.limits.maxCompressedBytes, settings.limits.maxUncompressedBytes), at);
  } catch (err) {
    if (err instanceof LoadProblem && /changed while|grew while/.test(err.reason)) return 'unchanged';
    throw err;
  }
  const after = await statFile(path, at).catch(() => undefined);
  if (after === undefined || fileStamp(after) !== fileStamp(read.stats) || fileStamp(read.stats) !== fileStamp(before)) return 'unchanged';
  const format = formatOf(read.bytes);
  if (spec.kind === 'folder' && format !== (file === BUNDLE_IN_FOLDER ? 'bundle' : 'ir')) {
    throw new LoadProblem(file === BUNDLE_IN_FOLDER ? 'is not a gzip file (an OPA bundle is a .tar.gz)' : 'is not an ir.json (it is gzip data)', at);
  }
  return { bytes: read.bytes, format, file, stamp, etag: undefined };
}

async function settingsOf(spec: string, options: ProgramSourceOptions): Promise<Settings> {
  const shown = shownSpec(spec);
  const limits = { ...DEFAULT_BUNDLE_LIMITS, ...options.limits };
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeout = options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  if (!(Number.isFinite(timeout) && timeout > 0)) throw new ProgramLoadError(shown, 'cannot be downloaded: the download timeout must be a positive number of milliseconds');
  for (const [name, value] of Object.entries(limits)) {
    if (!(Number.isSafeInteger(value) && value > 0)) throw new ProgramLoadError(shown, `cannot be read: the limit \`${name}\` must be a positive integer`);
  }
  let verifier: BundleVerifier | undefined;
  if (options.verification !== undefined) {
    try {
      verifier = await prepareVerifier(options.verification);
    } catch (err) {
      throw fail({ shown }, err);
    }
  }
  return { spec, shown, verifier, limits, fetch: fetchImpl, now: options.now ?? (() => new Date()), downloadTimeoutMs: timeout };
}

async function firstLoad(settings: Settings, signal: AbortSignal): Promise<{ spec: Spec; program: ServedProgram; fetched: Fetched }> {
  let spec: Spec;
  try {
    spec = await resolveSpec(settings.spec);
  } catch (err) {
    throw fail(settings, err);
  }
  let fetched: Fetched | 'unchanged';
  // A file being written while it is read is read again (a few times, briefly): the first load waits for it.
  for (let attempt = 0; ; attempt++) {
    try {
      fetched = await fetchSpec(settings, spec, { lastStamp: undefined, etag: undefined, signal });
    } catch (err) {
      throw fail(settings, err, fileOfProblem(spec));
    }
    if (fetched !== 'unchanged') break;
    if (attempt >= 20) throw new ProgramLoadError(settings.shown, 'kept changing while it was read (a build still writing it?)');
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    const program = await programFromBytes(fetched.bytes, fetched.format, { ...settings, source: settings.shown });
    return { spec, program, fetched };
  } catch (err) {
    throw fail(settings, err, fetched.file);
  }
}

/**
 * Loads the program `spec` names, once: a folder built by `govc build --out` (its `opa/bundle.tar.gz`, else its
 * `ir.json`; with a verification key only the bundle), a bundle file, an `ir.json` file, or an `http(s)` URL of a
 * bundle. Rejects with ProgramLoadError only.
 */
export async function loadProgramOnce(spec: string, options: Omit<ProgramSourceOptions, 'pollSeconds'> = {}): Promise<ServedProgram> {
  const settings = await settingsOf(spec, { ...options, pollSeconds: 0 });
  return (await firstLoad(settings, options.signal ?? new AbortController().signal)).program;
}

/**
 * The program `spec` names (as loadProgramOnce), reloaded every `pollSeconds`: a folder or file when its size, times
 * or inode change and then its content hash differs (a touch does not reload), a URL by ETag (304 keeps the current
 * program). A reload that fails keeps the current program and reports `failed`; one that succeeds is built whole
 * before it is swapped in with one assignment, then reported `swapped`. Rejects with ProgramLoadError when the first
 * load fails.
 */
export async function openProgramSource(spec: string, options: ProgramSourceOptions): Promise<ProgramSource> {
  if (!(Number.isFinite(options.pollSeconds) && options.pollSeconds >= 0)) throw new ProgramLoadError(shownSpec(spec), 'cannot be polled: the poll interval must be 0 or a positive number of seconds');
  const settings = await settingsOf(spec, options);
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const first = await firstLoad(settings, abort.signal);
    return new PollingSource(settings, first.spec, first, options.pollSeconds * 1000, options.signal);
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}
