import { formatBytes } from '../../project/readRegularFile.js';
import { printable } from '../../diagnostics/render.js';
import { errorReason, LoadProblem } from './ProgramLoadError.js';

/** A download's answer: new bytes (with the ETag to send next time), or "not modified". */
export type FetchResult = { readonly kind: 'bytes'; readonly bytes: Buffer; readonly etag: string | undefined } | { readonly kind: 'not-modified' };

/** An ETag longer than this, or with characters a header cannot carry, is not sent back (the next poll downloads). */
const MAX_ETAG = 1024;
const ETAG_TEXT = /^[\x21-\x7e][\x20-\x7e]*$/;

/**
 * One GET of a bundle URL, as OPA's bundle service does it: `If-None-Match` with the last ETag, 304 keeps what is
 * loaded. Bounded in bytes (Content-Length checked first, then the body as it arrives) and in time (`timeoutMs` for
 * the whole answer, body included); `signal` aborts it (close()). Redirects are refused: govc reads only the URL it
 * was given. Throws LoadProblem only.
 */
export async function fetchBundle(url: string, options: { authorization?: string | undefined; etag: string | undefined; maxBytes: number; timeoutMs: number; fetch: typeof fetch; signal: AbortSignal }): Promise<FetchResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([timeout, options.signal]);
  const headers: Record<string, string> = { accept: 'application/gzip, application/octet-stream' };
  if (options.etag !== undefined) headers['if-none-match'] = options.etag;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const fail = (err: unknown): never => {
    if (err instanceof LoadProblem) throw err;
    if (options.signal.aborted) throw new LoadProblem('was not downloaded: the source was closed');
    if (timeout.aborted) throw new LoadProblem(`did not answer within ${options.timeoutMs} ms`);
    const cause = (err as { cause?: unknown } | null)?.cause;
    throw new LoadProblem(`could not be downloaded (${errorReason(cause ?? err)})`);
  };
  let res: Response;
  try {
    res = await options.fetch(url, { method: 'GET', headers, redirect: 'manual', signal });
  } catch (err) {
    return fail(err);
  }
  try {
    if (res.status === 304) {
      await res.body?.cancel().catch(() => undefined);
      return { kind: 'not-modified' };
    }
    if (res.status >= 300 && res.status < 400) {
      throw new LoadProblem(`answered HTTP ${res.status} (a redirect); govc serve downloads only from the URL it is given`);
    }
    if (res.status < 200 || res.status > 299) throw new LoadProblem(`answered HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) throw new LoadProblem(`is larger than ${formatBytes(options.maxBytes)} (Content-Length ${declared})`);
    const chunks: Buffer[] = [];
    let length = 0;
    if (res.body !== null) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        length += value.length;
        if (length > options.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new LoadProblem(`is larger than ${formatBytes(options.maxBytes)}`);
        }
        chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    }
    const etag = res.headers.get('etag') ?? undefined;
    return { kind: 'bytes', bytes: Buffer.concat(chunks, length), etag: etag !== undefined && etag.length <= MAX_ETAG && ETAG_TEXT.test(etag) ? etag : undefined };
  } catch (err) {
    await res.body?.cancel().catch(() => undefined);
    return fail(err);
  }
}

/** A URL for messages: without credentials, printable. */
export function displayUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return printable(shown.href);
}
