import type { LimitScope, Period } from './types.js';

/**
 * Counter key layout (docs/guards.md). Every key of one use case shares the hash tag `{<use case>}`, so a Redis
 * Cluster keeps them in one slot and a reservation's Lua script may touch them all. Names and tenants are
 * percent-encoded, so no tenant can forge another key (`:`, `{` and `}` never appear raw).
 *
 *   <prefix>{<use case>}:spend:u:<period>:<period key>           use-case budget, e.g. govc:{support}:spend:u:month:2026-11
 *   <prefix>{<use case>}:spend:t:<tenant>:<period>:<period key>  per-tenant budget
 *   <prefix>{<use case>}:rate:u:<kind>:<minute>                  use-case rate, kind requests|tokens, minute = epoch minutes
 *   <prefix>{<use case>}:rate:t:<tenant>:<kind>:<minute>         per-tenant rate
 */

// Names made only of these characters encode to themselves (the common case, checked without encoding).
const PLAIN = /^[A-Za-z0-9_.-]*$/;
const enc = (s: string): string => (PLAIN.test(s) ? s : uriEncode(s).replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()));

/**
 * encodeURIComponent, except that a lone surrogate (which it throws on) becomes `%uXXXX`: a tenant name is any
 * string, and `%u` never appears in encodeURIComponent's output, so no two names share a key.
 */
function uriEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += `%u${c.toString(16).toUpperCase()}`;
    else out += encodeURIComponent(s[i]!);
  }
  return out;
}

const DAY = 86_400;
/** Expiry of a counter, from its first write: its period's longest length plus a day, so it outlives its period. */
export const PERIOD_TTL_SECONDS: Readonly<Record<Period, number>> = { day: 2 * DAY, week: 8 * DAY, month: 32 * DAY, quarter: 93 * DAY, year: 367 * DAY };
export const RATE_TTL_SECONDS = 120;

/** The UTC period a timestamp falls in: `2026-11-26`, `2026-W48` (ISO week), `2026-11`, `2026-Q4`, `2026`. */
export function periodKey(period: Period, ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  switch (period) {
    case 'day':
      return `${y}-${p2(m)}-${p2(d.getUTCDate())}`;
    case 'month':
      return `${y}-${p2(m)}`;
    case 'quarter':
      return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
    case 'year':
      return String(y);
    case 'week': {
      // ISO 8601: the week with the year's first Thursday is week 1; weeks start on Monday.
      const t = new Date(Date.UTC(y, d.getUTCMonth(), d.getUTCDate()));
      const dow = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - dow);
      const isoYear = t.getUTCFullYear();
      const week = Math.ceil(((t.getTime() - Date.UTC(isoYear, 0, 1)) / 86_400_000 + 1) / 7);
      return `${isoYear}-W${p2(week)}`;
    }
  }
}

export function budgetKey(prefix: string, useCase: string, tenant: string, scope: LimitScope, period: Period, ms: number): string {
  const who = scope === 'tenant' ? `t:${enc(tenant)}` : 'u';
  return `${prefix}{${enc(useCase)}}:spend:${who}:${period}:${periodKey(period, ms)}`;
}

export function rateKey(prefix: string, useCase: string, tenant: string, scope: LimitScope, kind: 'requests' | 'tokens', ms: number): string {
  const who = scope === 'tenant' ? `t:${enc(tenant)}` : 'u';
  return `${prefix}{${enc(useCase)}}:rate:${who}:${kind}:${Math.floor(ms / 60_000)}`;
}
