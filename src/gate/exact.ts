/**
 * Exact arithmetic for the gate's comparisons. Every number the gate reads (a per-case score in a results file, a
 * threshold or tolerance of the IR) is taken as the decimal it is written as: the shortest decimal that reads back
 * as the same double (`String(x)`), which for a JSON number is the number as its file writes it. Means are exact
 * fractions of those decimals, so `0.92 >= 0.92` holds even when the mean of `1, 1, 0.76` in floating point is
 * 0.9199999999999999, and `0.9199999` is below `0.92` however it is rounded.
 */
export interface Exact {
  /** Numerator and positive denominator, in lowest terms. */
  readonly num: bigint;
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function exact(num: bigint, den: bigint): Exact {
  // INVARIANT: callers never divide by zero (a mean is taken over at least one case).
  if (den === 0n) throw new Error('INVARIANT: zero denominator');
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

/** The decimal a finite double is written as (its shortest round-trip form), exactly. */
export function fromNumber(x: number): Exact {
  // INVARIANT: callers validate numbers as finite before taking them exactly.
  if (!Number.isFinite(x)) throw new Error('INVARIANT: not a finite number');
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!m) throw new Error(`INVARIANT: unexpected number text ${String(x)}`);
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - frac.length;
  let num = BigInt(m[2]! + frac);
  let den = 1n;
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den = 10n ** BigInt(-exp);
  return exact(m[1] === '-' ? -num : num, den);
}

export const ZERO: Exact = { num: 0n, den: 1n };
export const ONE: Exact = { num: 1n, den: 1n };

export function add(a: Exact, b: Exact): Exact {
  return exact(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Exact, b: Exact): Exact {
  return exact(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function divInt(a: Exact, n: number): Exact {
  return exact(a.num, a.den * BigInt(n));
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function cmp(a: Exact, b: Exact): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** The nearest double (for JSON readers that want a number beside the exact value). */
export function toNumber(a: Exact): number {
  return Number(a.num) / Number(a.den);
}

/** `n/d` in lowest terms, or `n` for a whole number: the exact value, for the JSON report. */
export function toFraction(a: Exact): string {
  return a.den === 1n ? a.num.toString() : `${a.num}/${a.den}`;
}

/**
 * A decimal text rounded half away from zero to `digits` places, with trailing zeros dropped, and `…` marking that
 * it was rounded (so `0.9199999` shows as `0.92…` and never as a bare `0.92`).
 */
export function toDecimal(a: Exact, digits: number = 6): string {
  const neg = a.num < 0n;
  const n = neg ? -a.num : a.num;
  const scale = 10n ** BigInt(digits);
  const scaled = n * scale;
  let q = scaled / a.den;
  const rem = scaled % a.den;
  if (rem * 2n >= a.den) q += 1n;
  const whole = q / scale;
  const frac = (q % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  const text = frac === '' ? whole.toString() : `${whole}.${frac}`;
  return (neg && q !== 0n ? '-' : '') + text + (rem === 0n ? '' : '…');
}
