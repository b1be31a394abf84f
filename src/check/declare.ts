import { DECL_NOUN, type DeclNode, type FileNode } from '../ast/nodes.js';
import { lineColumnOf, type Span } from '../source/Source.js';
import { hintFor } from './hintFor.js';
import type { CheckContext } from './CheckContext.js';
import { BLOCK_FIELDS } from './fieldTable.js';

/** Registers declarations and checks each block's fields against BLOCK_FIELDS. */
export function declare(ctx: CheckContext, files: readonly FileNode[]): void {
  // Library files first: a program's own declaration that clashes with an imported one is the duplicate.
  const ordered = [...files.filter((f) => f.source.path.startsWith('std/')), ...files.filter((f) => !f.source.path.startsWith('std/'))];
  for (const file of ordered) {
    for (const decl of file.decls) {
      const table = ctx.decls[decl.kind];
      const previous = table.get(decl.name.text);
      if (previous) {
        ctx.report('GOV2002', `${DECL_NOUN[decl.kind]} \`${decl.name.text}\` is declared twice`, decl.name.span, {
          label: 'second declaration',
          related: [{ span: previous.name.span, text: 'first declared here' }],
          help: `rename one of them or remove the duplicate; names of ${plural(DECL_NOUN[decl.kind])} must be unique across all files of the program`,
        });
      } else {
        table.set(decl.name.text, decl);
      }
      checkFields(ctx, decl);
    }
  }
  const orgs = files.flatMap((f) => f.decls.filter((d) => d.kind === 'Org'));
  if (orgs.length === 0) {
    const first = files[0];
    ctx.report('GOV2006', 'the program declares no `org`', first ? { source: first.source, start: 0, end: 0 } : undefined, {
      help: 'add one `org NAME { owners "..." }` block: it states who owns the policy and its currency and defaults',
    });
  } else if (orgs.length > 1 && ctx.decls.Org.size > 1) {
    for (const extra of orgs.slice(1)) {
      ctx.report('GOV2006', `a program has one \`org\`, found a second: \`${extra.name.text}\``, extra.name.span, {
        related: [{ span: orgs[0]!.name.span, text: 'first org' }],
        help: 'build each organisation as its own program (its own folder)',
      });
    }
  }
}

function checkFields(ctx: CheckContext, decl: DeclNode): void {
  const specs = BLOCK_FIELDS[decl.kind];
  const seen = new Map<string, Span>();
  let lastUnknownLine = -1;
  for (const field of decl.fields) {
    if (field.kind === 'Unknown') {
      // A typo's arguments parse as more unknown words on the same line; report the line once.
      const line = lineOf(field.keySpan);
      if (line === lastUnknownLine) continue;
      lastUnknownLine = line;
      const words = specs.map((s) => s.word);
      const known = specs.find((s) => s.word === field.word.text);
      if (known) {
        // A field keyword whose arguments did not parse: a syntax error in that field, not an unknown field.
        ctx.report('GOV1001', `\`${known.word}\` is not written correctly`, field.span, {
          label: 'cannot read this field',
          help: `write it as: ${quoteForm(known.form)}`,
        });
        continue;
      }
      ctx.report('GOV1007', `\`${field.word.text}\` is not a field of ${article(DECL_NOUN[decl.kind])}`, field.word.span, {
        label: 'unknown field',
        ...hintFor(field.word, words, `the fields of ${article(DECL_NOUN[decl.kind])} are ${words.map((w) => `\`${w}\``).join(', ')}`),
      });
      continue;
    }
    const spec = specs.find((s) => s.kind === field.kind);
    if (!spec) continue;
    if (spec.repeatable) continue;
    const before = seen.get(spec.word);
    if (before) {
      ctx.report('GOV2003', `\`${spec.word}\` is given twice in ${DECL_NOUN[decl.kind]} \`${decl.name.text}\``, field.keySpan, {
        label: 'second occurrence',
        related: [{ span: before, text: 'first given here' }],
        help: 'keep one; when a field takes several values, list them separated by commas',
      });
    } else {
      seen.set(spec.word, field.keySpan);
    }
  }
  const missing = specs.filter(
    (spec) =>
      spec.required &&
      !decl.fields.some((f) => f.kind === spec.kind || (f.kind === 'Unknown' && f.word.text === spec.word)),
  );
  if (missing.length > 0) {
    const names = missing.map((m) => `\`${m.word}\``);
    ctx.report('GOV2004', `${DECL_NOUN[decl.kind]} \`${decl.name.text}\` has no ${names.join(', ')}`, decl.name.span, {
      label: `missing ${names.join(', ')}`,
      help: `add ${missing.length === 1 ? 'it' : 'them'}: ${missing.map((m) => quoteForm(m.form)).join('; ')}`,
    });
  }
}

/** `dpa signed 2025-01-10   (or: dpa none)` -> the code in backticks, the aside after it. */
function quoteForm(form: string): string {
  const [code, aside] = form.split(/ {3}(?=\()/);
  return aside ? `\`${code}\` ${aside}` : `\`${code}\``;
}

function plural(noun: string): string {
  return noun.endsWith('s') ? noun + 'es' : noun + 's';
}

function article(noun: string): string {
  return (/^[aeiou]/.test(noun) ? 'an ' : 'a ') + noun;
}

function lineOf(span: Span): number {
  // The source's cached line index: counting newlines here made many unknown fields quadratic.
  return lineColumnOf(span.source, span.start).line;
}
