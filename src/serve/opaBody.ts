import { parseRequestJson, type ParsedRequest } from '../eval/parseRequestJson.js';

/**
 * The body of an OPA data API request, read as `opa run --server` reads it: Go's json.Decoder takes the first JSON
 * value and leaves whatever follows it unread, so `{"input": {...}} trailing` is decided on its first value. That
 * value is parsed as every govc target parses a request (parseRequestJson: UTF-8, numbers, duplicate keys).
 */
export function parseOpaBody(bytes: Uint8Array): ParsedRequest {
  const whole = parseRequestJson(bytes);
  if (whole.ok) return whole;
  const end = firstObjectEnd(bytes);
  return end === undefined || end === bytes.length ? whole : parseRequestJson(bytes.subarray(0, end));
}

const isWs = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * Where the body's first value ends when it is an object (only an object can be a data API request): its
 * brackets, outside strings, balanced. Byte by byte is exact: JSON's structural characters are ASCII, and no byte of
 * a multi-byte UTF-8 sequence is.
 */
function firstObjectEnd(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length && isWs(bytes[i]!)) i++;
  if (bytes[i] !== 0x7b) return undefined;
  let depth = 0;
  let inString = false;
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
