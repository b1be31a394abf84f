import { createHash, createHmac, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { canonicalJson } from '../../codegen/canonicalJson.js';
import { stableJson } from '../../codegen/json.js';

export type SigningAlg = 'RS256' | 'ES256' | 'HS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'ES256', 'HS256'];

export interface SigningOptions {
  readonly alg: SigningAlg;
  /** A PEM file path or PEM text for RS256/ES256; the shared secret (or a file holding it) for HS256. */
  readonly key: string;
  /** Written as the JWT `kid` header when given; OPA then looks the verification key up by this id. */
  readonly keyId?: string;
}

/** Files whose signature hash is taken over canonical JSON rather than raw bytes (OPA's bundle/hash.go). */
const STRUCTURED = new Set(['data.json', '.manifest']);

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** SHA-256 of a bundle file as OPA computes it when verifying. */
export function bundleFileHash(name: string, data: Buffer): string {
  const base = name.split('/').pop() ?? name;
  const bytes = STRUCTURED.has(base) ? Buffer.from(canonicalJson(JSON.parse(data.toString('utf8'))), 'utf8') : data;
  return createHash('sha256').update(bytes).digest('hex');
}

/** A PEM key or secret is a few KiB; a key "file" larger than this (`/dev/zero`, a wrong path) is refused. */
const MAX_KEY_BYTES = 1024 * 1024;

/**
 * The key text: `key` itself, or the file it names. The file may be a pipe (`--signing-key <(vault read ...)`), so it
 * is read as a stream, but never more than MAX_KEY_BYTES: a device or a huge file cannot stall the build.
 */
function loadKeyMaterial(key: string): string {
  if (key.includes('-----BEGIN') || !existsSync(key)) return key;
  let fd: number;
  try {
    fd = openSync(key, 'r');
  } catch (err) {
    throw new SigningError(`cannot open the signing key file (${(err as { code?: string }).code ?? 'unreadable'})`);
  }
  try {
    const buffer = Buffer.alloc(MAX_KEY_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length <= MAX_KEY_BYTES; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_KEY_BYTES) throw new SigningError(`the signing key file is larger than ${MAX_KEY_BYTES / 1024} KiB`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof SigningError) throw err;
    throw new SigningError(`cannot read the signing key file (${(err as { code?: string }).code ?? 'unreadable'})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * `.signatures.json` as OPA expects it: one compact JWS whose payload lists every file (name without the leading
 * `/`, hex SHA-256, algorithm `SHA-256`), in bundle order.
 */
export function signaturesJson(files: ReadonlyArray<{ name: string; data: Buffer }>, options: SigningOptions): string {
  const header: Record<string, string> = { alg: options.alg };
  if (options.keyId !== undefined) header.kid = options.keyId;
  const payload = {
    files: files.map((f) => ({ name: f.name.replace(/^\//, ''), hash: bundleFileHash(f.name, f.data), algorithm: 'SHA-256' })),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const material = loadKeyMaterial(options.key);
  let signature: Buffer;
  if (options.alg === 'HS256') {
    signature = createHmac('sha256', material.trimEnd()).update(signingInput).digest();
  } else {
    const key: KeyObject = createPrivateKey(material);
    const expected = options.alg === 'RS256' ? 'rsa' : 'ec';
    if (key.asymmetricKeyType !== expected) {
      throw new SigningError(`${options.alg} needs an ${expected.toUpperCase()} private key, got ${key.asymmetricKeyType ?? 'an unknown key'}`);
    }
    // JWS wants ECDSA signatures as r||s (IEEE P1363), not DER.
    signature = cryptoSign('sha256', Buffer.from(signingInput), options.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  }
  return stableJson({ signatures: [`${signingInput}.${base64url(signature)}`] });
}

export class SigningError extends Error {}
