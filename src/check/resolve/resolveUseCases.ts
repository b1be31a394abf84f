import { fieldOf, fieldsOf } from '../../ast/nodes.js';
import type { IrDataFlow, IrEvalGate, IrOnBudgetExhausted, IrOnRateLimited, IrToolGrant } from '../../ir/types.js';
import type { Span } from '../../source/Source.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';
import { recordOf } from '../records.js';
import { durationDays, fraction } from '../units.js';
import { approvalsOf, loc, logOf, title, uniqueNames } from './commonFields.js';
import { ownerOf, resolveOwner, resolveOwners } from './owners.js';
import { budgetsOf, percentOf, ratesOf } from './limits.js';
import { termsOf } from './contractTerms.js';
import { flowTargetsOf } from './flowTargets.js';
import { lookup } from './lookup.js';
import { retrievalOf } from './resolveCorpora.js';
import type { OrgDefaults } from './resolveOrg.js';
import type { SemanticModel } from './SemanticModel.js';
import { resolveUseCaseAssets } from './resolveUseCaseAssets.js';

export const DEFAULT_DEGRADE_CAP_PERCENT = 110;

/**
 * No hidden defaults (GOV2083): `degrade to X` without `up to N%` keeps the 110% cap, but says so, with the field
 * rewritten to state it.
 */
function warnDefaultCap(ctx: CheckContext, span: Span, afterTarget: number): void {
  const text = span.source.text;
  const stated = `${text.slice(span.start, afterTarget)} up to ${DEFAULT_DEGRADE_CAP_PERCENT}%${text.slice(afterTarget, span.end)}`;
  ctx.report('GOV2083', `the degrade cap is not stated; degraded traffic stops at ${DEFAULT_DEGRADE_CAP_PERCENT}% of each budget`, span, {
    label: `\`up to ${DEFAULT_DEGRADE_CAP_PERCENT}%\` by default`,
    help: `state the cap: \`${stated.replace(/\s+/g, ' ')}\``,
    notes: ['decisions carry each budget\'s `hard_limit_micros`, where degraded traffic is refused'],
  });
}
export const DEFAULT_RATE_LIMITED_MESSAGE = 'This assistant is handling too many requests right now. Please try again in a minute.';

/**
 * `use_case` blocks, after every other kind (they name tiers, models, data classes, providers and tools): models,
 * data flows, tool grants, budgets with their degrade cap, rate limits and their events, logging and retention (the
 * org's when unstated), oversight, evals, rollback, approvals.
 */
export function resolveUseCases(ctx: CheckContext, model: SemanticModel, org: OrgDefaults): void {
  const cur = org.currency;
  const orgLog = org.log;
  const orgRetention = org.retentionDays;
  for (const decl of ctx.decls.UseCase.values()) {
    const where = `in use case \`${decl.name.text}\``;
    const tierField = fieldOf(decl, 'Tier');
    const tier = tierField ? lookup(ctx, 'Tier', tierField.tier, where) : undefined;
    const tierIr = tier ? model.tiers.get(tier.name.text)?.ir : undefined;
    const modelsField = fieldOf(decl, 'Models');
    const models: string[] = [];
    if (modelsField) {
      for (const m of [modelsField.primary, ...modelsField.fallbacks]) {
        if (!lookup(ctx, 'Model', m, where)) continue;
        if (models.includes(m.text)) {
          ctx.report('GOV2045', `model \`${m.text}\` is listed twice in use case \`${decl.name.text}\``, m.span, {
            help: 'each model appears once: first the primary, then fallbacks in order',
          });
          continue;
        }
        models.push(m.text);
      }
    }
    const data = new Map<string, IrDataFlow>();
    for (const d of fieldsOf(decl, 'Data')) {
      if (!lookup(ctx, 'DataClass', d.dataClass, where)) continue;
      if (data.has(d.dataClass.text)) {
        ctx.report('GOV2035', `data class \`${d.dataClass.text}\` has two rules in use case \`${decl.name.text}\``, d.dataClass.span, {
          help: 'list every permitted provider in one rule: `data pii -> openai, anthropic in eu redacted`',
        });
        continue;
      }
      if (d.deny) {
        data.set(d.dataClass.text, { action: 'deny', source: loc(d.span) });
        continue;
      }
      const { providers, models: targetModels } = flowTargetsOf(ctx, d);
      data.set(d.dataClass.text, {
        action: 'allow',
        providers,
        models: targetModels,
        regions: uniqueNames(d.regions),
        redacted: d.redacted,
        requires: termsOf(ctx, d.requires),
        source: loc(d.span),
      });
    }
    const tools = new Map<string, IrToolGrant>();
    for (const t of fieldsOf(decl, 'ToolGrant')) {
      const tool = lookup(ctx, 'Tool', t.tool, where);
      if (!tool) continue;
      if (tools.has(t.tool.text)) {
        ctx.report('GOV2003', `tool \`${t.tool.text}\` is granted twice`, t.tool.span, { help: 'list all scopes in one grant' });
        continue;
      }
      let humanApproval = false;
      if (t.requirement) {
        if (t.requirement.text === 'human_approval') humanApproval = true;
        else
          ctx.report('GOV2014', `\`${t.requirement.text}\` is not a tool requirement`, t.requirement.span, {
            ...hintFor(t.requirement, ['human_approval'], 'the only requirement is `human_approval`'),
          });
      }
      const declared = model.tools.get(t.tool.text)?.ir.scopes ?? [];
      tools.set(t.tool.text, {
        scopes: t.scopes.length ? [...new Set(t.scopes.map((s) => s.value))] : [...declared],
        human_approval: humanApproval,
        source: loc(t.span),
      });
    }
    const rateLimits = ratesOf(ctx, decl);
    let onBudget: IrOnBudgetExhausted | null = null;
    let onRate: IrOnRateLimited | null = null;
    for (const on of fieldsOf(decl, 'On')) {
      const event = on.event.text;
      if (event === 'budget_exhausted') {
        if (onBudget) {
          ctx.report('GOV2003', '`on budget_exhausted` is given twice', on.keySpan, { help: 'keep one' });
          continue;
        }
        let cap = DEFAULT_DEGRADE_CAP_PERCENT;
        if (on.upTo) {
          if (on.upTo.suffix !== '%') {
            ctx.report('GOV2010', '`up to` takes a percentage of the budget', on.upTo.span, { help: 'write for example `up to 120%`' });
          } else if (on.upTo.value <= 100 || on.upTo.value > 1000 || !Number.isInteger(on.upTo.value)) {
            ctx.report('GOV2013', 'the degrade cap must be a whole percentage above 100% and at most 1000%', on.upTo.span, {
              label: 'out of range',
              help: 'degraded traffic runs past the budget until this share of it is spent; 100% would never degrade',
            });
          } else cap = on.upTo.value;
        }
        let degradeTo: string | null = null;
        if (on.degradeTo && lookup(ctx, 'Model', on.degradeTo, where)) degradeTo = on.degradeTo.text;
        if (on.degradeTo && !on.upTo) warnDefaultCap(ctx, on.span, on.degradeTo.span.end);
        onBudget = { degrade_to: degradeTo, cap_percent: cap, message: on.refuse.value, source: loc(on.span) };
      } else if (event === 'rate_limited') {
        if (onRate) {
          ctx.report('GOV2003', '`on rate_limited` is given twice', on.keySpan, { help: 'keep one' });
          continue;
        }
        if (on.degradeTo) {
          ctx.report('GOV2014', 'a rate limit cannot degrade, only refuse', on.degradeTo.span, {
            help: 'write `on rate_limited refuse "..."`: a cheaper model does not relieve a rate limit',
          });
        }
        onRate = { message: on.refuse.value, source: loc(on.span) };
      } else {
        ctx.report('GOV2014', `\`${event}\` is not an event`, on.event.span, {
          ...hintFor(on.event, ['budget_exhausted', 'rate_limited'], 'the events are `budget_exhausted` and `rate_limited`'),
        });
      }
    }
    const cap = onBudget?.degrade_to ? onBudget.cap_percent : 100;
    const budgets = budgetsOf(ctx, decl, cur).map((b) => ({ ...b, hard_limit_micros: percentOf(b.amount_micros, cap) }));
    const retain = fieldOf(decl, 'Retain');
    const evals: IrEvalGate[] = [];
    for (const e of fieldsOf(decl, 'Eval')) {
      if (evals.some((x) => x.name === e.name.text)) {
        ctx.report('GOV2002', `eval gate \`${e.name.text}\` is declared twice`, e.name.span, { help: 'give each gate its own name' });
        continue;
      }
      const metrics = [];
      for (const m of e.metrics) {
        const value = fraction(ctx, m.threshold, `threshold of \`${m.metric.text}\``);
        if (value !== undefined) metrics.push({ metric: m.metric.text, op: m.op, threshold: value });
      }
      if (e.datasets.length === 0) {
        ctx.report('GOV2004', `eval gate \`${e.name.text}\` has no \`dataset\``, e.name.span, {
          help: 'name the dataset the gate runs on: `dataset "evals/support.jsonl"`',
        });
      }
      if (e.metrics.length === 0) {
        ctx.report('GOV2073', `eval gate \`${e.name.text}\` has no metric threshold`, e.name.span, {
          help: 'a gate blocks a release only through thresholds such as `toxicity <= 0.01`',
        });
      }
      const regression = e.regressions[0] ? fraction(ctx, e.regressions[0], 'regression') ?? null : null;
      evals.push({
        name: e.name.text,
        datasets: e.datasets.map((d) => d.value),
        baseline: e.baselines[0]?.value ?? null,
        max_regression: regression,
        metrics,
        source: loc(e.span),
      });
    }
    const owner = ownerOf(ctx, decl) ?? '';
    const assets = resolveUseCaseAssets(ctx, decl, budgets, owner);
    model.useCases.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        tier: tierField?.tier.text ?? '',
        owner,
        surfaces: fieldOf(decl, 'Surfaces')?.values.map((s) => s.value) ?? [],
        models,
        data: recordOf(data),
        tools: recordOf(tools),
        budgets: assets.budgets,
        rate_limits: rateLimits,
        on_budget_exhausted: onBudget,
        on_rate_limited: onRate ?? { message: DEFAULT_RATE_LIMITED_MESSAGE, source: loc(decl.name.span) },
        log: logOf(ctx, fieldOf(decl, 'Log'), orgLog),
        retention_days: (retain && durationDays(ctx, retain.duration, 'retention')) ?? orgRetention,
        human_oversight: fieldOf(decl, 'HumanOversight')?.value.value ?? null,
        disclosure: fieldOf(decl, 'Disclosure')?.value.value ?? null,
        red_team: assets.red_team,
        log_access: resolveOwners(ctx, fieldOf(decl, 'LogAccess')?.values ?? []),
        evals,
        rollbacks: assets.rollbacks,
        corpora: retrievalOf(ctx, decl),
        approvals: approvalsOf(ctx, decl),
        required_approvers: tierIr?.approvers ?? 1,
        prompts: assets.prompts,
        guardrails: assets.guardrails,
        budget_alerts: assets.budget_alerts,
        source: loc(decl.name.span),
      },
    });
  }
}
