/**
 * Characters a reviewer cannot see, or that change how the text around them is displayed: govc never writes them raw
 * into a generated file or a diagnostic, only as escapes, so what a reviewer reads is what the machine runs
 * (Trojan Source, CVE-2021-42574). The set is fixed here rather than taken from the JavaScript engine's `\p{Cf}`,
 * whose contents change with Node's Unicode version: the same program must give the same bytes everywhere.
 *
 * - controls (Cc): U+0000-001F, U+007F-009F;
 * - format characters (Cf, Unicode 17): the bidirectional embeddings, overrides and isolates U+202A-202E and
 *   U+2066-2069, the marks U+200E, U+200F and U+061C, the byte-order mark U+FEFF, the zero-width characters
 *   U+200B-200D and U+2060-2064, the soft hyphen U+00AD, the tag characters U+E0000-E007F and the other Cf;
 * - the line and paragraph separators U+2028 and U+2029 (line breaks in JavaScript, not in JSON);
 * - every space but U+0020 (Zs), which looks like one but is another character;
 * - characters that render as nothing: the combining grapheme joiner U+034F, the Hangul fillers U+115F, U+1160,
 *   U+3164 and U+FFA0, the Braille blank U+2800, the variation selectors U+FE00-FE0F and U+E0100-E01EF;
 * - the noncharacters U+FFFE and U+FFFF, and unpaired surrogates (which UTF-8 cannot carry).
 */
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x001f], [0x007f, 0x009f], [0x00a0, 0x00a0], [0x00ad, 0x00ad], [0x034f, 0x034f],
  [0x0600, 0x0605], [0x061c, 0x061c], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x0890, 0x0891], [0x08e2, 0x08e2],
  [0x115f, 0x1160], [0x1680, 0x1680], [0x180e, 0x180e], [0x2000, 0x200f], [0x2028, 0x202f], [0x205f, 0x2064],
  [0x2066, 0x206f], [0x2800, 0x2800], [0x3000, 0x3000], [0x3164, 0x3164], [0xd800, 0xdfff], [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff9, 0xfffb], [0xfffe, 0xffff],
  [0x110bd, 0x110bd], [0x110cd, 0x110cd], [0x13430, 0x1343f], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a],
  [0xe0000, 0xe007f], [0xe0100, 0xe01ef],
];

function classPart(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/**
 * A pattern matching one code point of the ranges. With the `u` flag a surrogate pair is one astral code point and
 * only an unpaired surrogate falls in U+D800-DFFF.
 */
function patternOf(ranges: ReadonlyArray<readonly [number, number]>): RegExp {
  return new RegExp(`[${ranges.map(([a, b]) => (a === b ? classPart(a) : `${classPart(a)}-${classPart(b)}`)).join('')}]`, 'gu');
}

const INVISIBLE = patternOf(RANGES);

/**
 * The same set without tab, line feed and carriage return: in JSON, JavaScript and Rego written by a JSON serialiser
 * these three stand raw only as layout between tokens (inside strings they are already `\t`, `\n`, `\r`).
 */
const INVISIBLE_IN_CODE = patternOf([[0x00, 0x08], [0x0b, 0x0c], [0x0e, 0x1f], ...RANGES.slice(1)]);

/** The invisible code points, as ranges; for tests and documentation. */
export const INVISIBLE_RANGES = RANGES;

/** Whether the text holds any character of the set. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return found;
}

function utf16Escape(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += '\\u' + ch.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

/**
 * Replaces every invisible character with `\uXXXX` escapes (a surrogate pair for an astral one): the escape of JSON,
 * JavaScript and Rego string literals. Apply it to serialised JSON (or a JSON-style literal): JSON's structure is
 * ASCII, so the characters can only stand inside strings, where the escape means the same character. Tab, line
 * feed and carriage return are left alone: a serialiser writes them raw only as layout.
 */
export function escapeInvisibleUtf16(text: string): string {
  return text.replace(INVISIBLE_IN_CODE, utf16Escape);
}

/** Replaces every invisible character with `\u{X}`, the escape a `.gov` string takes, for text shown to a person. */
export function escapeInvisibleForDisplay(text: string): string {
  return text.replace(INVISIBLE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}
