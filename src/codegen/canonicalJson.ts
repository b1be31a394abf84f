/**
 * JSON exactly as Go's encoder writes it with HTML escaping off, keys sorted by code point (Go's byte order),
 * no whitespace: what OPA hashes for structured bundle files (data.json, .manifest) when it checks signatures.
 * Differs from JSON.stringify in escaping U+2028/U+2029 and in replacing lone surrogates with U+FFFD.
 */
import { compareCodePoints } from '../util/compare.js';

function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
    else out += s[i]!;
  }
  return out + '"';
}

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('INVARIANT: canonicalJson needs finite numbers');
    // The literal text JSON.stringify wrote into the file is what Go keeps (json.Number).
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareCodePoints);
    return '{' + keys.map((k) => goString(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
  }
  throw new Error(`INVARIANT: canonicalJson cannot encode a ${typeof value}`);
}
