import { fieldOf, fieldsOf, type DeclNode } from '../../ast/nodes.js';
import type { IrBudget, IrBudgetAlerts, IrRedTeam, IrRollback } from '../../ir/types.js';
import { durationSeconds } from '../units.js';
import type { CheckContext } from '../CheckContext.js';
import { loc } from './commonFields.js';
import { percentOf } from './limits.js';
import { lookup } from './lookup.js';
import { resolveOwner } from './owners.js';

/** What a use case says about its assets (language v2): the prompts it pins and its budget alerts. */
export interface UseCaseAssets {
  readonly prompts: string[];
  readonly budget_alerts: IrBudgetAlerts | null;
  /** The use case's budgets with each alert threshold precomputed in micro-units. */
  readonly budgets: IrBudget[];
  readonly rollbacks: IrRollback[];
  readonly guardrails: string[];
  readonly red_team: IrRedTeam | null;
}

const ASSET_KIND = { model: 'Model', prompt: 'Prompt', tool: 'Tool', corpus: 'Corpus' } as const;

/**
 * Rollbacks (language v2: of a model, a prompt, a tool or a corpus; v1's `rollback to MODEL@"V"` is a model), one
 * per asset. The target version is checked against the asset's approved versions by ToolAndRollbackRule.
 */
function rollbacksOf(ctx: CheckContext, decl: DeclNode): IrRollback[] {
  const out: IrRollback[] = [];
  for (const rb of fieldsOf(decl, 'Rollback')) {
    if (!lookup(ctx, ASSET_KIND[rb.asset], rb.model, 'as rollback target')) continue;
    if (out.some((x) => x.asset === rb.asset && x.name === rb.model.text)) {
      ctx.report('GOV2003', `${rb.asset} \`${rb.model.text}\` has two rollbacks in use case \`${decl.name.text}\``, rb.keySpan, {
        help: 'one rollback per asset: keep the one with the right target version',
      });
      continue;
    }
    out.push({
      asset: rb.asset,
      name: rb.model.text,
      version: rb.version?.value ?? null,
      within_seconds: rb.within ? durationSeconds(ctx, rb.within, 'a rollback time') ?? null : null,
      owner: rb.ownedBy ? resolveOwner(ctx, rb.ownedBy) ?? null : null,
      steps: rb.steps.map((s) => s.value),
      source: loc(rb.span),
    });
  }
  return out;
}

export function resolveUseCaseAssets(ctx: CheckContext, decl: DeclNode, budgets: readonly IrBudget[], owner: string): UseCaseAssets {
  const where = `in use case \`${decl.name.text}\``;
  const prompts: string[] = [];
  for (const field of fieldsOf(decl, 'Prompts')) {
    for (const p of field.values) {
      if (!lookup(ctx, 'Prompt', p, where)) continue;
      if (prompts.includes(p.text)) {
        ctx.report('GOV2003', `prompt \`${p.text}\` is pinned twice in use case \`${decl.name.text}\``, p.span, { help: 'list each prompt once' });
        continue;
      }
      prompts.push(p.text);
    }
  }
  const alert = fieldOf(decl, 'BudgetAlert');
  let alerts: IrBudgetAlerts | null = null;
  if (alert) {
    const thresholds: number[] = [];
    let ok = true;
    for (const t of alert.thresholds) {
      const bad = t.suffix !== '%' || !Number.isInteger(t.value) || t.value < 1 || t.value > 100;
      const previous = thresholds[thresholds.length - 1];
      if (bad || (previous !== undefined && t.value <= previous)) {
        ok = false;
        ctx.report('GOV2105', bad ? `budget alert threshold \`${t.digits}${t.suffix}\` is not a whole percentage from 1% to 100%` : `budget alert thresholds must increase, \`${t.digits}%\` follows \`${previous}%\``, t.span, {
          label: bad ? 'out of range' : 'not increasing',
          help: 'write whole percentages of the budget in increasing order: `budget_alert 80%, 95%`',
        });
        continue;
      }
      thresholds.push(t.value);
    }
    if (budgets.length === 0 && !fieldOf(decl, 'Budget')) {
      ok = false;
      ctx.report('GOV2106', `use case \`${decl.name.text}\` has a budget alert but no budget`, alert.keySpan, {
        label: 'alert on what?',
        help: 'state the budget the alerts watch: `budget 5000 USD per month`',
      });
    }
    const notify = alert.notify ? resolveOwner(ctx, alert.notify) : owner;
    if (ok && notify !== undefined) alerts = { thresholds_percent: thresholds, notify, source: loc(alert.span) };
  }
  const guardrails: string[] = [];
  for (const field of fieldsOf(decl, 'Guardrails')) {
    for (const g of field.values) {
      if (!lookup(ctx, 'Guardrail', g, where)) continue;
      if (guardrails.includes(g.text)) {
        ctx.report('GOV2003', `guardrail \`${g.text}\` is listed twice in use case \`${decl.name.text}\``, g.span, { help: 'list each guardrail once' });
        continue;
      }
      guardrails.push(g.text);
    }
  }
  const rt = fieldOf(decl, 'RedTeam');
  let redTeam: IrRedTeam | null = null;
  if (rt?.value) redTeam = { suite: null, text: rt.value.value };
  else if (rt?.suite && lookup(ctx, 'RedTeamSuite', rt.suite, where)) redTeam = { suite: rt.suite.text, text: null };
  return {
    prompts,
    guardrails,
    red_team: redTeam,
    rollbacks: rollbacksOf(ctx, decl),
    budget_alerts: alerts,
    budgets: budgets.map((b) => ({ ...b, alert_thresholds_micros: alerts === null ? [] : alerts.thresholds_percent.map((pct) => percentOf(b.amount_micros, pct)) })),
  };
}
