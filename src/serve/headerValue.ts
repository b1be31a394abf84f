/** The longest header value serve writes; longer values are cut (with `…` written as `...`). */
export const MAX_HEADER_CHARS = 1024;
/** `x-govc-obligations` beyond this is left out (the header says so) rather than cut into invalid JSON. */
export const MAX_OBLIGATIONS_CHARS = 4096;

/**
 * A header value serve can write whatever it is made from: printable ASCII only (anything else, a CR or LF
 * included, is percent-encoded as UTF-8), bounded. So no value, even one a policy or a caller wrote, can split a
 * header or smuggle one in.
 */
export function headerValue(s: string, max: number = MAX_HEADER_CHARS): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c < 0x7f && ch !== '%') out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (out.length > max) return `${out.slice(0, max - 3)}...`;
  }
  return out;
}

/** JSON with every character outside printable ASCII escaped (`\uXXXX`): a valid header value that parses back to the same data. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (ch) => {
    let s = '';
    for (let i = 0; i < ch.length; i++) s += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return s;
  });
}
