import type { AmountNode, NumberNode } from '../ast/nodes.js';
import type { CheckContext } from './CheckContext.js';

/** `k` and `M` scale a number; any other glued suffix is a unit (`15m`, `180d`). */
// Maps, not object literals: a unit is user text, and `180 constructor` must not find Object.prototype's member.
const SCALE: ReadonlyMap<string, number> = new Map([['k', 1_000], ['M', 1_000_000]]);

const DURATION_SECONDS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    s: 1, sec: 1, second: 1, seconds: 1,
    m: 60, min: 60, minute: 60, minutes: 60,
    h: 3600, hour: 3600, hours: 3600,
    d: 86_400, day: 86_400, days: 86_400,
    w: 604_800, week: 604_800, weeks: 604_800,
    y: 31_536_000, year: 31_536_000, years: 31_536_000,
  }),
);

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** The numeric value of a number, scaled by a `k`/`M` suffix, and the unit the suffix names (if any). */
export function scaled(n: NumberNode): { value: number; gluedUnit: string | undefined } {
  const scale = SCALE.get(n.suffix);
  if (scale !== undefined) return { value: n.value * scale, gluedUnit: undefined };
  return { value: n.value, gluedUnit: n.suffix === '' ? undefined : n.suffix };
}

function unitOf(a: AmountNode): { value: number; unit: string | undefined } {
  const { value, gluedUnit } = scaled(a.number);
  return { value, unit: gluedUnit ?? a.unit?.text };
}

/** Names the unit an amount was written with, for messages. */
function writtenUnit(a: AmountNode): string {
  return unitOf(a).unit ?? 'no unit';
}

/** A duration in seconds, or undefined (reported) when the unit is not a time unit. */
export function durationSeconds(ctx: CheckContext, a: AmountNode, what: string): number | undefined {
  const { value, unit } = unitOf(a);
  const seconds = unit === undefined ? undefined : DURATION_SECONDS.get(unit);
  if (seconds === undefined) {
    ctx.report('GOV2010', `${what} needs a duration, found \`${writtenUnit(a)}\``, a.span, {
      label: 'not a unit of time',
      help: 'write a duration such as `15m`, `4h`, `180d` or `1y` (1y = 365d)',
    });
    return undefined;
  }
  return value * seconds;
}

/** A duration in whole days (retention), reported when it is not one. */
export function durationDays(ctx: CheckContext, a: AmountNode, what: string): number | undefined {
  const seconds = durationSeconds(ctx, a, what);
  if (seconds === undefined) return undefined;
  if (seconds % 86_400 !== 0) {
    ctx.report('GOV2010', `${what} must be a whole number of days`, a.span, {
      label: `${seconds} seconds`,
      help: 'retention is kept in days: write for example `30d`, `180d` or `1y`',
    });
    return undefined;
  }
  return seconds / 86_400;
}

/** A money amount in integer micro-units, checking the currency word. */
export function moneyMicros(
  ctx: CheckContext,
  a: AmountNode,
  what: string,
): { micros: number; currency: string } | undefined {
  const { value, unit } = unitOf(a);
  if (unit === undefined || !CURRENCY_PATTERN.test(unit)) {
    const isTokens = unit === 'tokens' || unit === 'tpm' || unit === 'rpm';
    ctx.report('GOV2010', `${what} needs an amount of money, found \`${writtenUnit(a)}\``, a.span, {
      label: isTokens ? 'this counts tokens or requests, not money' : 'expected a currency code',
      help:
        unit === undefined
          ? 'write money as a number and an ISO 4217 currency code, for example `5000 USD`; numbers take no thousands separators (`50000` or `50_000`, not `50,000`)'
          : 'write money as a number and an ISO 4217 currency code, for example `5000 USD` or `200 EUR`',
    });
    return undefined;
  }
  const micros = Math.round(value * 1_000_000);
  if (Math.abs(micros - value * 1_000_000) > 1e-6 * Math.max(1, micros)) {
    ctx.report('GOV2017', `${what} has more precision than a micro-unit`, a.span, {
      help: 'amounts are kept in millionths of the currency; round to at most 6 decimals',
    });
  }
  return { micros, currency: unit };
}

/** A plain count (approvers, tokens), with `k`/`M` allowed; `expectUnit` lists the accepted unit words. */
export function count(
  ctx: CheckContext,
  a: AmountNode,
  what: string,
  expectUnits: readonly (string | undefined)[],
): { value: number; unit: string | undefined } | undefined {
  const { value, unit } = unitOf(a);
  if (!expectUnits.includes(unit)) {
    const wanted = expectUnits.filter((u): u is string => u !== undefined).map((u) => `\`${u}\``);
    const isMoney = unit !== undefined && CURRENCY_PATTERN.test(unit);
    ctx.report('GOV2010', `${what} takes ${wanted.length ? wanted.join(' or ') : 'a plain number'}, found \`${writtenUnit(a)}\``, a.span, {
      label: isMoney ? 'this is money, not a count' : 'wrong unit',
      help: wanted.length ? `for example \`${a.number.digits} ${wanted[0]!.replace(/`/g, '')}\`` : `write just \`${a.number.digits}\``,
    });
    return undefined;
  }
  if (!Number.isInteger(value)) {
    ctx.report('GOV2014', `${what} must be a whole number`, a.span, { label: `\`${a.number.digits}\` has a fraction` });
    return undefined;
  }
  return { value, unit };
}

/** A fraction in [0, 1] written as `0.92` or `92%`. */
export function fraction(ctx: CheckContext, n: NumberNode, what: string): number | undefined {
  let value: number;
  if (n.suffix === '%') value = n.value / 100;
  else if (n.suffix === '') value = n.value;
  else {
    ctx.report('GOV2010', `${what} takes a score between 0 and 1, found \`${n.suffix}\``, n.span, {
      help: 'write a score as `0.92` or `92%`',
    });
    return undefined;
  }
  if (value < 0 || value > 1) {
    ctx.report('GOV2013', `${what} \`${n.digits}${n.suffix}\` is outside 0..1`, n.span, {
      label: 'out of range',
      help: 'eval metrics and regressions are fractions: 0.92 means 92%',
    });
    return undefined;
  }
  return value;
}
