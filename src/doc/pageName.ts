import type { PageKind } from './docModel.js';

/** The folder of each page kind in the site and in the Markdown tree. */
export const PAGE_FOLDER: Readonly<Record<PageKind, string>> = { use_case: 'use-cases', model: 'models', provider: 'providers', person: 'people' };

/**
 * A name as a file-name segment: lower-case ASCII letters, digits, `_`, `-` and a `.` after the first character
 * stay, every other UTF-16 unit becomes `~` and four hex digits. Injective (distinct names never share a file, even on
 * a case-insensitive file system: upper-case letters are escaped too), never `.`/`..` or hidden, and safe in a URL
 * path and in a `href` without further escaping.
 */
export function fileSegment(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    out += /[a-z0-9_-]/.test(c) || (c === '.' && i > 0) ? c : `~${name.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out === '' ? '~' : out;
}

/** The page path of an asset, relative to the site or Markdown root, with the given extension. */
export function pagePath(kind: PageKind, name: string, ext: 'html' | 'md'): string {
  return `${PAGE_FOLDER[kind]}/${fileSegment(name)}.${ext}`;
}
