import { gunzip } from 'node:zlib';
import tar from 'tar-stream';
import { printable } from '../../diagnostics/render.js';
import { formatBytes } from '../../project/readRegularFile.js';
import { errorReason, LoadProblem } from './ProgramLoadError.js';

/** Bounds on one bundle, so that a hostile or broken archive cannot exhaust memory or time. */
export interface BundleLimits {
  /** The `.tar.gz` as read or downloaded. */
  readonly maxCompressedBytes: number;
  /** The tar once unpacked (all entries and headers): a gzip bomb stops here. */
  readonly maxUncompressedBytes: number;
  /** Entries of any kind, folders included. */
  readonly maxEntries: number;
}

/**
 * 64 MiB compressed and 256 MiB unpacked hold a program of tens of thousands of use cases (its data.json is the IR)
 * and stay far below V8's largest string, which data.json must fit in to be parsed. govc's bundles have 4 or 5 files;
 * one built by `opa build` from a repository may have many policy files, never thousands.
 */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = { maxCompressedBytes: 64 * 1024 * 1024, maxUncompressedBytes: 256 * 1024 * 1024, maxEntries: 1000 };

/** One file of a bundle: its path without OPA's leading `/`, and its bytes. */
export interface BundleEntry {
  readonly name: string;
  readonly data: Buffer;
}

const TYPE_NAMES: Record<string, string> = {
  symlink: 'a symbolic link',
  link: 'a hard link',
  'character-device': 'a device',
  'block-device': 'a device',
  fifo: 'a named pipe',
};

/**
 * A tar entry's name as a bundle path: OPA writes `/data.json`, `tar -C dir .` writes `./data.json`; both mean
 * `data.json`. Anything that could leave the bundle or be read two ways is refused: `..`, `.`, empty segments (so an
 * absolute `//etc/x` too), backslashes, control characters. Returns undefined for a name that is refused.
 */
export function bundlePath(raw: string, isDirectory: boolean): string | undefined {
  let name = raw.startsWith('/') ? raw.slice(1) : raw.startsWith('./') ? raw.slice(2) : raw;
  if (isDirectory && name.endsWith('/')) name = name.slice(0, -1);
  if (isDirectory && name === '') return '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (name === '' || /[\u0000-\u001f\u007f\\]/.test(name)) return undefined;
  if (name.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return name;
}

function gunzipBounded(data: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(data, { maxOutputLength }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return reject(new LoadProblem(`unpacks to more than ${formatBytes(maxOutputLength)}`));
      reject(new LoadProblem(`is not a complete gzip file (${errorReason(err) === 'Z_BUF_ERROR' ? 'it ends early' : printableReason(err)})`));
    });
  });
}

function printableReason(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : 'unreadable';
}

/**
 * The regular files of a `.tar.gz` bundle, in archive order. The archive is unpacked in memory (gunzip on libuv's
 * thread pool, so a served process keeps answering), within `limits`; folders are skipped; links, devices and pipes,
 * duplicate names and names that could leave the bundle are refused. Throws LoadProblem, never anything else.
 */
export async function readBundle(tarGz: Buffer, limits: BundleLimits): Promise<BundleEntry[]> {
  if (tarGz.length > limits.maxCompressedBytes) throw new LoadProblem(`is larger than ${formatBytes(limits.maxCompressedBytes)}`);
  if (tarGz.length < 2 || tarGz[0] !== 0x1f || tarGz[1] !== 0x8b) throw new LoadProblem('is not a gzip file (an OPA bundle is a .tar.gz)');
  const raw = await gunzipBounded(tarGz, limits.maxUncompressedBytes);
  const extract = tar.extract();
  const entries: BundleEntry[] = [];
  const seen = new Set<string>();
  let count = 0;
  try {
    extract.end(raw);
    for await (const entry of extract) {
      const header = entry.header;
      if (++count > limits.maxEntries) throw new LoadProblem(`has more than ${limits.maxEntries} entries`);
      const type: string = header.type ?? 'file';
      const isDirectory = type === 'directory';
      const name = bundlePath(header.name, isDirectory);
      if (name === undefined) throw new LoadProblem(`has an entry \`${printable(header.name)}\` that is not a plain relative path inside the bundle`);
      if (type === 'file' || type === 'contiguous-file') {
        if (seen.has(name)) throw new LoadProblem(`has the entry \`${printable(name)}\` twice`);
        seen.add(name);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        entries.push({ name, data: Buffer.concat(chunks) });
      } else if (isDirectory || type === 'pax-global-header') {
        entry.resume();
      } else {
        throw new LoadProblem(`has an entry \`${printable(name)}\` that is ${TYPE_NAMES[type] ?? `of type \`${printable(type)}\``}; a bundle holds regular files only`);
      }
    }
  } catch (err) {
    extract.destroy();
    if (err instanceof LoadProblem) throw err;
    throw new LoadProblem(`is not a valid tar archive inside its gzip (${printableReason(err)})`);
  }
  return entries;
}
