import { createHash, createHmac, createPublicKey, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { canonicalJson } from '../../codegen/canonicalJson.js';
import { bundleFileHash, type SigningAlg } from '../../backends/opa/sign.js';
import { printable } from '../../diagnostics/render.js';
import { LoadProblem } from './ProgramLoadError.js';
import type { BundleEntry } from './readBundle.js';
import { readLocalFile } from './readLocalFile.js';

/** How bundles are verified: OPA's `--verification-key`, `--signing-alg` and `--verification-key-id`. */
export interface VerificationOptions {
  /** Fixed by configuration: the token's own `alg` header never chooses the algorithm. */
  readonly alg: SigningAlg;
  /** A PEM public key (text or a file holding it) for RS256/ES256; the shared secret (or a file holding it) for HS256. */
  readonly key: string;
  /** When given, a token naming another key (`kid` header, else the deprecated `keyid` claim) is refused. */
  readonly keyId?: string;
}

/** A verification key read and checked once, when the source opens. */
export interface BundleVerifier {
  readonly alg: SigningAlg;
  readonly keyId: string | undefined;
  /** Checks one token's signature over its signing input. */
  readonly check: (signingInput: string, signature: Buffer) => boolean;
}

/** A PEM key or secret is a few KiB; a larger "key file" (`/dev/zero`, a wrong path) is refused. */
const MAX_KEY_BYTES = 1024 * 1024;
/** `.signatures.json` holds one token listing each file's hash: small for any real bundle. */
const MAX_SIGNATURES_BYTES = 1024 * 1024;
export const SIGNATURES_FILE = '.signatures.json';

/**
 * The key text: `key` itself, or the file it names (as `govc build --signing-key` and OPA read theirs). The file is
 * the operator's configuration, read once with the same bounds as a program file.
 */
async function keyMaterial(key: string): Promise<string> {
  if (key.includes('-----BEGIN') || !existsSync(key)) return key;
  const { bytes } = await readLocalFile(key, MAX_KEY_BYTES, { where: 'the verification key file' });
  return bytes.toString('utf8');
}

/** Reads and checks the configured key: the right kind for the algorithm, or a LoadProblem saying what is wrong. */
export async function prepareVerifier(options: VerificationOptions): Promise<BundleVerifier> {
  const material = await keyMaterial(options.key);
  const keyId = options.keyId;
  if (options.alg === 'HS256') {
    // The same secret `govc build` signs with (sign.ts trims the end: a file's final newline is not part of it).
    const secret = material.trimEnd();
    if (secret === '') throw new LoadProblem('is empty: HS256 needs a shared secret', { where: 'the verification key' });
    // A PEM key as an HMAC secret is the classic algorithm confusion (anyone holding the public key could sign).
    if (secret.includes('-----BEGIN')) throw new LoadProblem('is a PEM key, but HS256 needs a shared secret: use RS256 or ES256 with a public key', { where: 'the verification key' });
    return {
      alg: 'HS256',
      keyId,
      check: (input, signature) => {
        const expected = createHmac('sha256', secret).update(input).digest();
        return signature.length === expected.length && timingSafeEqual(signature, expected);
      },
    };
  }
  let key: KeyObject;
  try {
    key = createPublicKey(material);
  } catch {
    throw new LoadProblem(`is not a PEM public key (${options.alg} needs one, as text or a file)`, { where: 'the verification key' });
  }
  if (options.alg === 'RS256') {
    if (key.asymmetricKeyType !== 'rsa') throw new LoadProblem(`is ${key.asymmetricKeyType ?? 'an unknown'} key, but RS256 needs an RSA key`, { where: 'the verification key' });
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new LoadProblem(`is an RSA key of ${bits} bits; RS256 needs at least 2048`, { where: 'the verification key' });
    return { alg: 'RS256', keyId, check: (input, signature) => cryptoVerify('sha256', Buffer.from(input), key, signature) };
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new LoadProblem(`is ${key.asymmetricKeyType === 'ec' ? `an EC key on ${key.asymmetricKeyDetails?.namedCurve ?? 'an unknown curve'}` : `${key.asymmetricKeyType ?? 'an unknown'} key`}, but ES256 needs an EC key on P-256`, { where: 'the verification key' });
  }
  return {
    alg: 'ES256',
    keyId,
    // JWS carries ECDSA signatures as r||s (IEEE P1363), 64 bytes for P-256.
    check: (input, signature) => signature.length === 64 && cryptoVerify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature),
  };
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function plainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new LoadProblem(`is not a valid signature: its ${what} is not JSON`, { entry: SIGNATURES_FILE });
  }
  if (!plainObject(value)) throw new LoadProblem(`is not a valid signature: its ${what} is not a JSON object`, { entry: SIGNATURES_FILE });
  return value;
}

/** Hash algorithms OPA's verifier names, as node:crypto calls them; MD5 and SHA-1 are refused as too weak to sign. */
const HASHES: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', 'SHA-512-224': 'sha512-224', 'SHA-512-256': 'sha512-256' };
const STRUCTURED = new Set(['data.json', '.manifest']);

/** A file's hash as OPA computes it when verifying (bundleFileHash for SHA-256, the same canonical form for others). */
function fileHash(name: string, data: Buffer, algorithm: string): string | undefined {
  try {
    if (algorithm === 'sha256') return bundleFileHash(name, data);
    const base = name.split('/').pop() ?? name;
    const bytes = STRUCTURED.has(base) ? Buffer.from(canonicalJson(JSON.parse(data.toString('utf8'))), 'utf8') : data;
    return createHash(algorithm).update(bytes).digest('hex');
  } catch {
    // A structured file that is not JSON (or holds a number canonical JSON cannot write) has no hash to match.
    return undefined;
  }
}

/**
 * Verifies a bundle's `.signatures.json` as OPA does (v1/bundle/verify.go): exactly one compact JWS; signed with the
 * configured algorithm and key; naming the configured key id when one is set; no `scope` (none can be configured);
 * listing every file of the bundle but `.signatures.json` itself, each once, with the hash OPA computes, and nothing
 * the bundle lacks. Throws LoadProblem with the first reason it is refused.
 */
export function verifyBundle(files: readonly BundleEntry[], verifier: BundleVerifier): void {
  const signatures = files.find((f) => f.name === SIGNATURES_FILE);
  if (signatures === undefined) throw new LoadProblem(`is not signed (no ${SIGNATURES_FILE}), and a verification key is configured`);
  if (signatures.data.length > MAX_SIGNATURES_BYTES) throw new LoadProblem('is larger than 1 MiB', { entry: SIGNATURES_FILE });
  let doc: unknown;
  try {
    doc = JSON.parse(signatures.data.toString('utf8'));
  } catch {
    throw new LoadProblem('is not JSON', { entry: SIGNATURES_FILE });
  }
  const list = plainObject(doc) ? doc.signatures : undefined;
  if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== 'string') throw new LoadProblem('must hold exactly one signature (`{"signatures": ["<JWT>"]}`)', { entry: SIGNATURES_FILE });
  const token: string = list[0];
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) throw new LoadProblem('is not a valid signature: not a compact JWS', { entry: SIGNATURES_FILE });
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonPart(headerPart, 'header');
  // The algorithm is the configuration's; a token asking for another (`none`, or HS256 over a public key) is refused.
  if (header.alg !== verifier.alg) throw new LoadProblem(`is signed with \`${printable(String(header.alg))}\`, but the configured algorithm is \`${verifier.alg}\``, { entry: SIGNATURES_FILE });
  if (header.crit !== undefined) throw new LoadProblem('is not a valid signature: it has critical header parameters govc does not know', { entry: SIGNATURES_FILE });
  if (!verifier.check(`${headerPart}.${payloadPart}`, Buffer.from(signaturePart, 'base64url'))) {
    throw new LoadProblem('has a signature that does not verify with the configured key', { entry: SIGNATURES_FILE });
  }
  // Only a verified payload is read.
  const payload = jsonPart(payloadPart, 'payload');
  if (verifier.keyId !== undefined) {
    const named = header.kid ?? payload.keyid;
    if (named !== undefined && named !== verifier.keyId) {
      throw new LoadProblem(`is signed for key id \`${printable(String(named))}\`, but the configured key id is \`${printable(verifier.keyId)}\``, { entry: SIGNATURES_FILE });
    }
  }
  if (payload.scope !== undefined && payload.scope !== '') throw new LoadProblem(`is signed for scope \`${printable(String(payload.scope))}\`; govc serve verifies bundles without a scope`, { entry: SIGNATURES_FILE });
  if (!Array.isArray(payload.files)) throw new LoadProblem('is not a valid signature: its payload has no `files` list', { entry: SIGNATURES_FILE });
  const byName = new Map(files.filter((f) => f.name !== SIGNATURES_FILE).map((f) => [f.name, f]));
  const listed = new Set<string>();
  for (const item of payload.files as unknown[]) {
    if (!plainObject(item) || typeof item.name !== 'string' || typeof item.hash !== 'string' || typeof item.algorithm !== 'string') {
      throw new LoadProblem('is not a valid signature: a `files` item is not `{name, hash, algorithm}`', { entry: SIGNATURES_FILE });
    }
    const name = item.name.replace(/^\//, '');
    if (listed.has(name)) throw new LoadProblem(`lists \`${printable(name)}\` twice`, { entry: SIGNATURES_FILE });
    listed.add(name);
    const file = byName.get(name);
    if (file === undefined) throw new LoadProblem(`lists \`${printable(name)}\`, which the bundle does not contain`, { entry: SIGNATURES_FILE });
    const algorithm = HASHES[item.algorithm];
    if (algorithm === undefined) throw new LoadProblem(`hashes \`${printable(name)}\` with \`${printable(item.algorithm)}\`; govc accepts ${Object.keys(HASHES).join(', ')}`, { entry: SIGNATURES_FILE });
    if (fileHash(name, file.data, algorithm) !== item.hash.toLowerCase()) throw new LoadProblem('does not match its signed hash (the file was changed after signing)', { entry: name });
  }
  for (const name of byName.keys()) if (!listed.has(name)) throw new LoadProblem(`is not listed in ${SIGNATURES_FILE} (a file added after signing)`, { entry: name });
}
