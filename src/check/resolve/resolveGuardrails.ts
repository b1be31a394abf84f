import { fieldOf, type DeclNode } from '../../ast/nodes.js';
import type { IrGuardrail } from '../../ir/types.js';
import type { CheckContext } from '../CheckContext.js';
import { fraction } from '../units.js';
import { loc, oneOf, title, uniqueNames } from './commonFields.js';
import { lookup } from './lookup.js';
import type { SemanticModel } from './SemanticModel.js';

const KINDS = ['classifier', 'allow_list', 'deny_list'] as const;
const STAGES = ['input', 'output', 'both'] as const;
const ACTIONS = ['block', 'flag'] as const;

/**
 * `guardrail` and `red_team_suite` blocks (language v2). A classifier has a score threshold (and may name its
 * model); a list has items; neither takes the other's fields (GOV2107). A suite names the guardrails it tests and
 * the pass rate it must reach.
 */
export function resolveGuardrails(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Guardrail.values()) {
    const kindField = fieldOf(decl, 'Kind');
    const kind = (kindField && oneOf(ctx, kindField.value, KINDS, 'guardrail kind')) ?? 'classifier';
    const stageField = fieldOf(decl, 'Stage');
    const actionField = fieldOf(decl, 'Action');
    const thresholdField = fieldOf(decl, 'Threshold');
    const itemsField = fieldOf(decl, 'Items');
    const modelField = fieldOf(decl, 'GuardrailModel');
    const what = `guardrail \`${decl.name.text}\``;
    let threshold: number | null = null;
    if (kind === 'classifier') {
      if (!thresholdField) misfit(ctx, decl, `${what} is a classifier without a \`threshold\``, decl.name.span, 'add the score at which it acts: `threshold 0.8`');
      else threshold = fraction(ctx, thresholdField.value, 'a guardrail threshold') ?? null;
      if (itemsField) misfit(ctx, decl, `${what} is a classifier and takes no \`items\``, itemsField.keySpan, 'items belong to `allow_list` and `deny_list` guardrails');
    } else {
      if (thresholdField) misfit(ctx, decl, `${what} is a list and takes no \`threshold\``, thresholdField.keySpan, 'a list matches its items or not; thresholds belong to classifiers');
      if (modelField) misfit(ctx, decl, `${what} is a list and runs no \`model\``, modelField.keySpan, 'a classifier names its model; a list names its items');
      if (!itemsField || itemsField.values.length === 0) misfit(ctx, decl, `${what} is a list without \`items\``, decl.name.span, 'list what it matches: `items "AcmeRival", "OtherCo"`');
    }
    const classifierModel = kind === 'classifier' && modelField && lookup(ctx, 'Model', modelField.value, `in ${what}`) ? modelField.value.text : null;
    const ir: IrGuardrail = {
      name: decl.name.text,
      title: title(decl),
      kind,
      stage: (stageField && oneOf(ctx, stageField.value, STAGES, 'guardrail stage')) ?? 'both',
      action: (actionField && oneOf(ctx, actionField.value, ACTIONS, 'guardrail action')) ?? 'block',
      threshold,
      model: classifierModel,
      items: kind === 'classifier' ? [] : [...new Set(itemsField?.values.map((v) => v.value) ?? [])],
      source: loc(decl.name.span),
    };
    model.guardrails.set(decl.name.text, { decl, ir });
  }
  for (const decl of ctx.decls.RedTeamSuite.values()) {
    const where = `in red-team suite \`${decl.name.text}\``;
    const listed = fieldOf(decl, 'Guardrails')?.values ?? [];
    const rate = fieldOf(decl, 'MinPassRate');
    model.redTeamSuites.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        dataset: fieldOf(decl, 'Dataset')?.value.value ?? '',
        guardrails: uniqueNames(listed.filter((g) => lookup(ctx, 'Guardrail', g, where))),
        min_pass_rate: (rate && fraction(ctx, rate.value, 'a minimum pass rate')) ?? 1,
        source: loc(decl.name.span),
      },
    });
  }
}

function misfit(ctx: CheckContext, _decl: DeclNode, message: string, span: DeclNode['span'], help: string): void {
  ctx.report('GOV2107', message, span, { label: 'does not fit the kind', help });
}
