/** RULE B of docs/semantics.md: how many code points of a request string a decision echoes. */
export const ECHO_MAX_CODE_POINTS = 64;

/** What an echoed string that was cut ends with (U+2026). */
export const ECHO_ELLIPSIS = '\u2026';

/**
 * A request string as a decision echoes it (RULE B): itself if it has at most 64 code points, else its first 64
 * followed by "…", so a hostile name cannot make a decision (or a log of it) as large as the request. Counts code
 * points as String iteration does (a pair is one, a lone surrogate is one), so a pair is never split.
 */
export function echo(s: string): string {
  // At most 64 UTF-16 units is at most 64 code points: the common case costs one comparison and no allocation.
  if (s.length <= ECHO_MAX_CODE_POINTS) return s;
  const end = codePointOffset(s, ECHO_MAX_CODE_POINTS);
  return end >= s.length ? s : s.slice(0, end) + ECHO_ELLIPSIS;
}

/** Whether `s` has at most `max` code points, counted without allocating. */
export function atMostCodePoints(s: string, max: number): boolean {
  if (s.length <= max) return true;
  // Each code point is one or two UTF-16 units.
  if (s.length > 2 * max) return false;
  return codePointOffset(s, max) >= s.length;
}

/** The UTF-16 offset just after the first `n` code points of `s` (or `s.length` when it has fewer). */
function codePointOffset(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}
