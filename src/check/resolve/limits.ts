import { fieldOf, type DeclNode, type LimitItemNode } from '../../ast/nodes.js';
import type { IrBudget, IrModelCapacity, IrRateLimit, Period } from '../../ir/types.js';
import { hintFor } from '../hintFor.js';
import type { CheckContext } from '../CheckContext.js';
import { count, moneyMicros } from '../units.js';
import { loc } from './commonFields.js';

/** Budgets and rate limits, as an org and a use case state them. */

const PERIODS: readonly Period[] = ['day', 'week', 'month', 'quarter', 'year'];
/** 10^14 micro-units: with caps up to 1000% every sum a decision makes stays below 2^53. */
export const MAX_BUDGET_MICROS = 1e14;

interface LimitParse {
  scope: 'use_case' | 'tenant';
  period: Period | undefined;
  minuteSpan: boolean;
}

function perWords(ctx: CheckContext, item: LimitItemNode, allowMinute: boolean): LimitParse {
  let scope: 'use_case' | 'tenant' = 'use_case';
  let period: Period | undefined;
  let minuteSpan = false;
  for (const per of item.pers) {
    if (per.text === 'tenant') scope = 'tenant';
    else if ((PERIODS as readonly string[]).includes(per.text)) {
      if (allowMinute) {
        ctx.report('GOV2011', `rate limits are per minute, found \`per ${per.text}\``, per.span, {
          label: 'wrong period',
          help: 'state requests and tokens per minute with `rpm` and `tpm`; state spend per day or month with `budget`',
        });
      } else period = per.text as Period;
    } else if (per.text === 'minute' || per.text === 'hour' || per.text === 'second') {
      if (allowMinute && per.text === 'minute') minuteSpan = true;
      else
        ctx.report('GOV2011', `budgets are per day, week, month, quarter or year, not \`per ${per.text}\``, per.span, {
          label: 'wrong period',
          help: allowMinute ? 'rates are per minute: `rpm`, `tpm`' : 'for per-minute caps use `rate ... rpm` or `tpm`',
        });
    } else {
      ctx.report('GOV2011', `\`per ${per.text}\` is not a period or \`tenant\``, per.span, {
        ...hintFor(per, [...PERIODS, 'tenant'], 'write `per month`, `per day`, ... and `per tenant` for a per-tenant limit'),
      });
    }
  }
  return { scope, period, minuteSpan };
}

export function budgetsOf(ctx: CheckContext, decl: DeclNode, currency: string | undefined): IrBudget[] {
  const out: IrBudget[] = [];
  const field = fieldOf(decl, 'Budget');
  if (!field) return out;
  for (const item of field.items) {
    const money = moneyMicros(ctx, item.amount, 'a budget');
    const { scope, period } = perWords(ctx, item, false);
    if (!money) continue;
    if (period === undefined) {
      if (!item.pers.some((p) => !['tenant'].includes(p.text))) {
        ctx.report('GOV2011', 'a budget needs a period', item.span, {
          label: 'no `per <period>`',
          help: `write for example \`${item.amount.number.digits} ${money.currency} per month\``,
        });
      }
      continue;
    }
    if (currency !== undefined && money.currency !== currency) {
      ctx.report('GOV2012', `budget is in \`${money.currency}\` but the org's currency is \`${currency}\``, item.amount.span, {
        label: 'other currency',
        help: `govc does not convert currencies: state every budget and price in \`${currency}\``,
      });
      continue;
    }
    if (decl.kind === 'Org' && scope === 'tenant') {
      ctx.report('GOV2014', 'an org budget cannot be per tenant', item.span, { help: 'per-tenant budgets belong to use cases' });
      continue;
    }
    if (money.micros <= 0 || money.micros > MAX_BUDGET_MICROS) {
      ctx.report('GOV2013', 'a budget must be above 0 and at most 100,000,000', item.amount.span, { label: 'out of range' });
      continue;
    }
    if (out.some((b) => b.scope === scope && b.period === period)) {
      ctx.report('GOV2003', `a ${scope === 'tenant' ? 'per-tenant ' : ''}budget per ${period} is given twice`, item.span, {
        help: 'keep one amount per period and scope',
      });
      continue;
    }
    out.push({ scope, period, amount_micros: money.micros, hard_limit_micros: money.micros, alert_thresholds_micros: [], source: loc(item.span) });
  }
  return out;
}

export function ratesOf(ctx: CheckContext, decl: DeclNode): IrRateLimit[] {
  const out: IrRateLimit[] = [];
  const field = fieldOf(decl, 'Rate');
  if (!field) return out;
  for (const item of field.items) {
    const c = count(ctx, item.amount, 'a rate limit', ['rpm', 'tpm']);
    const { scope } = perWords(ctx, item, true);
    if (!c) continue;
    if (c.value <= 0 || c.value > 1e12) {
      ctx.report('GOV2013', 'a rate limit must be above 0 and at most 10^12', item.amount.span, { label: 'out of range' });
      continue;
    }
    const kind = c.unit === 'rpm' ? 'requests' : 'tokens';
    if (out.some((r) => r.scope === scope && r.kind === kind)) {
      ctx.report('GOV2003', `a ${scope === 'tenant' ? 'per-tenant ' : ''}\`${c.unit}\` limit is given twice`, item.span, {
        help: 'keep one limit per kind and scope',
      });
      continue;
    }
    out.push({ scope, kind, per_minute: c.value, source: loc(item.span) });
  }
  return out;
}

/**
 * A model's `capacity`: rate items of the deployment itself, so `per tenant` (GOV2109) has no meaning there, and
 * each kind is stated once (GOV2110). Nulls for what is not stated.
 */
export function capacityOf(ctx: CheckContext, decl: DeclNode): IrModelCapacity {
  const field = fieldOf(decl, 'Capacity');
  const out: { rpm: number | null; tpm: number | null } = { rpm: null, tpm: null };
  if (!field) return out;
  for (const item of field.items) {
    const c = count(ctx, item.amount, 'a capacity', ['rpm', 'tpm']);
    perWords(ctx, item, true);
    const tenant = item.pers.find((p) => p.text === 'tenant');
    if (tenant) {
      ctx.report('GOV2109', 'a model\'s capacity cannot be per tenant', tenant.span, {
        label: 'not per tenant',
        help: 'capacity is what the deployment itself serves; state per-tenant limits with `rate ... per tenant` in a use case',
      });
      continue;
    }
    if (!c) continue;
    if (c.value <= 0 || c.value > 1e12) {
      ctx.report('GOV2013', 'a capacity must be above 0 and at most 10^12', item.amount.span, { label: 'out of range' });
      continue;
    }
    const unit = c.unit === 'rpm' ? 'rpm' : 'tpm';
    if (out[unit] !== null) {
      ctx.report('GOV2110', `the capacity gives \`${unit}\` twice`, item.span, {
        label: 'repeated',
        help: `state one \`${unit}\` for the deployment: \`capacity 600 rpm, 200k tpm\``,
      });
      continue;
    }
    out[unit] = c.value;
  }
  return out;
}

/** floor(amount * percent / 100) without forming amount * percent, which can pass 2^53. */
export function percentOf(amount: number, percent: number): number {
  return Math.floor(amount / 100) * percent + Math.floor(((amount % 100) * percent) / 100);
}
