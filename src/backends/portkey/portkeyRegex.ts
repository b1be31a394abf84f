import { parsePortableRegex } from '../../regex/index.js';

/**
 * A detector pattern as Portkey's `regexReplace` check reads it: `/SOURCE/FLAGS`, compiled with `new RegExp(SOURCE,
 * FLAGS)` in V8. With the `u` flag V8 reads text by code point, with `\d`, `\w` and `\b` in ASCII, which is how govc's
 * portable subset is defined (docs/language.md §6), so the pattern keeps its matches, lazy quantifiers included (the
 * spans a redaction replaces are those of govc's runtime). Two spellings change, neither meaning:
 *
 * - `\-` outside a class is a syntax error under `u`, so it becomes `-`;
 * - every character outside printable ASCII becomes `\u{H}`: the source is then one line of ASCII, which Portkey's
 *   `/^\/(.+?)\/([gimsuyd]*)$/` splits correctly (its `.` stops at a line break) and which fits in an HTTP header.
 *
 * Returns undefined for a pattern outside the subset (a checked program has none).
 */
export function portkeyRegexSource(pattern: string): string | undefined {
  if (!parsePortableRegex(pattern).ok) return undefined;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; ) {
    const cp = pattern.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = pattern.slice(i, i + width);
    if (ch === '\\') {
      // INVARIANT: the subset's escapes are `\` and one ASCII character (`\xHH` continues with two hex digits, copied
      // as they come); the parser refused a lone `\` at the end.
      const next = pattern[i + 1]!;
      out += next === '-' && !inClass ? '-' : `\\${next}`;
      i += 2;
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) inClass = false;
    out += cp >= 0x20 && cp <= 0x7e ? ch : `\\u{${cp.toString(16)}}`;
    i += width;
  }
  return out;
}

/** The `rule` of a `regexReplace` check: the source between slashes, with its flags. */
export function portkeyRegexRule(source: string, flags: 'u' | 'gu'): string {
  return `/${source}/${flags}`;
}
