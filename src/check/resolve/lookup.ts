import { DECL_NOUN, type DeclKind, type DeclNode, type NameNode } from '../../ast/nodes.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';

/** Looks a name up in one table, reporting GOV2001 with did-you-mean when it is not there. */
export function lookup(ctx: CheckContext, kind: DeclKind, name: NameNode, where: string): DeclNode | undefined {
  const decl = ctx.decls[kind].get(name.text);
  if (decl) {
    ctx.noteReference(name, decl);
    return decl;
  }
  const candidates = [...ctx.decls[kind].keys()];
  ctx.report('GOV2001', `unknown ${DECL_NOUN[kind]} \`${name.text}\` ${where}`, name.span, {
    label: `not declared by any \`${kindWord(kind)}\` block`,
    ...hintFor(name, candidates, candidates.length ? `declared ${DECL_NOUN[kind]}s: ${candidates.slice(0, 8).map((c) => `\`${c}\``).join(', ')}` : `declare it with \`${kindWord(kind)} ${name.text} { ... }\``),
  });
  return undefined;
}

function kindWord(kind: DeclKind): string {
  return { Org: 'org', Provider: 'provider', Model: 'model', DataClass: 'data_class', Tier: 'tier', Tool: 'tool', UseCase: 'use_case', Person: 'person', Team: 'team', Prompt: 'prompt', Guardrail: 'guardrail', RedTeamSuite: 'red_team_suite', Corpus: 'corpus' }[kind];
}
