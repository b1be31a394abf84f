/**
 * The one HTML builder of `govc doc` (the typed-builder rule of docs/architecture.md, as codegen/rego.ts is for Rego).
 * Markup is an opaque `Html`; the `html` tag escapes every interpolated string and number and splices only `Html`
 * raw, so no text from a program (a name, a title, a message) can open a tag, close an attribute or start a script.
 * Tag and attribute names are govc's own and are checked against a strict pattern; attribute values are always
 * escaped and quoted; a link target must be a relative page path govc made (`href`), never a program string.
 */

const BRAND: unique symbol = Symbol('Html');

/** A fragment of markup that govc built; only this module makes one. */
export interface Html {
  readonly [BRAND]: true;
  readonly text: string;
}

function make(text: string): Html {
  return { [BRAND]: true, text };
}

export function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/** Escapes text for an element body or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\u2028\u2029]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&#39;';
      default:
        return `&#x${c.charCodeAt(0).toString(16)};`;
    }
  });
}

/** What may be interpolated: text (escaped), markup, lists of either, and nothing (`null`, `undefined`, `false`). */
export type HtmlPart = string | number | Html | null | undefined | false | readonly HtmlPart[];

function render(part: HtmlPart): string {
  if (part === null || part === undefined || part === false) return '';
  if (typeof part === 'string') return escapeHtml(part);
  if (typeof part === 'number') return escapeHtml(String(part));
  if (isHtml(part)) return part.text;
  return (part as readonly HtmlPart[]).map(render).join('');
}

/** `html\`<p>${text}</p>\``: the literal parts are govc's markup, every value is escaped unless it is `Html`. */
export function html(strings: TemplateStringsArray, ...values: HtmlPart[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return make(out);
}

/** Joins fragments. */
export function join(parts: readonly HtmlPart[], separator: HtmlPart = ''): Html {
  return make(parts.map(render).join(render(separator)));
}

const NAME = /^[a-z][a-z0-9-]*$/;
/** Attribute names: SVG's are camelCase (`viewBox`). */
const ATTR = /^[a-zA-Z][a-zA-Z0-9-]*$/;
const VOID = new Set(['br', 'hr', 'img', 'input', 'meta', 'link']);

/** An attribute value: text (escaped), a page link (`Href`), true (a bare attribute) or absent. */
export type AttrValue = string | number | Href | boolean | null | undefined;

/** A link target govc made: a relative path of safe segments, optionally with a fragment. */
export interface Href {
  readonly href: string;
}

const SEGMENT = /^[A-Za-z0-9_.~-]+$/;

/**
 * A relative link from the page at depth `fromDepth` (0: the site root) to a page path of safe segments
 * (`use-cases/x.html`). Refuses anything else, so a link can never be `javascript:` or leave the site.
 */
export function href(path: string, fromDepth = 0, fragment?: string): Href {
  const parts = path.split('/');
  // INVARIANT: page paths are govc's own (site.ts, pageName); a bad one is a govc bug.
  if (parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..')) throw new Error(`INVARIANT: not a page path: ${path}`);
  if (fragment !== undefined && !SEGMENT.test(fragment)) throw new Error(`INVARIANT: not a fragment: ${fragment}`);
  return { href: '../'.repeat(fromDepth) + path + (fragment === undefined ? '' : `#${fragment}`) };
}

/** `<tag attr="...">children</tag>`, the tag and attribute names checked, every value escaped. */
export function el(tag: string, attrs: Readonly<Record<string, AttrValue>>, ...children: HtmlPart[]): Html {
  if (!NAME.test(tag)) throw new Error(`INVARIANT: not a tag name: ${tag}`);
  let open = `<${tag}`;
  for (const [name, value] of Object.entries(attrs)) {
    if (!ATTR.test(name) || /^on/i.test(name)) throw new Error(`INVARIANT: not an attribute govc writes: ${name}`);
    if (value === null || value === undefined || value === false) continue;
    if (value === true) open += ` ${name}`;
    else if (typeof value === 'object') open += ` ${name}="${escapeHtml(value.href)}"`;
    else open += ` ${name}="${escapeHtml(String(value))}"`;
  }
  open += '>';
  if (VOID.has(tag)) return make(open);
  return make(open + render(children) + `</${tag}>`);
}

/**
 * Markup govc writes as a constant (the style sheet, the filter script): only literal text, no interpolation,
 * so it cannot carry program text.
 */
export function trusted(strings: TemplateStringsArray): Html {
  // INVARIANT: called only as a tag without values; a value here would bypass escaping.
  if (strings.length !== 1) throw new Error('INVARIANT: trusted markup takes no values');
  return make(strings[0]!);
}

/** A whole document. */
export function page(title: string, head: Html, body: Html): string {
  return '<!DOCTYPE html>\n' + html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>${head}</head><body>${body}</body></html>`.text + '\n';
}
