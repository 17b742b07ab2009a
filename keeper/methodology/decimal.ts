/**
 * Exact rational arithmetic on bigint for the index methodology. No JavaScript numbers touch a price:
 * decimal text in ("2.5e-06"), exact rationals in the middle, an 18-decimal integer out.
 */

/** An exact rational number `num / den`, `den > 0`, kept in lowest terms. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** Raised when a text is not a decimal number the methodology accepts. */
export class DecimalParseError extends Error {
  override readonly name = "DecimalParseError";
}

/** Longest accepted decimal text and largest accepted |exponent| (guards against "1e999999999"). */
export const MAX_DECIMAL_TEXT_LENGTH = 80;
export const MAX_DECIMAL_EXPONENT = 60;

const DECIMAL_RE = /^([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?$/;

export const ZERO: Rational = { num: 0n, den: 1n };
export const ONE: Rational = { num: 1n, den: 1n };

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Builds `num / den` in lowest terms with a positive denominator. */
export function rational(num: bigint, den: bigint = 1n): Rational {
  if (den === 0n) throw new RangeError("rational: zero denominator");
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

/**
 * Parses decimal text exactly: an optional sign, digits with an optional fraction, an optional exponent
 * ("2.5e-06", "0.000003", "15", "-1E+2"). Throws DecimalParseError saying what is wrong.
 */
export function parseDecimal(text: string): Rational {
  if (text.length === 0) throw new DecimalParseError("empty text is not a decimal number");
  if (text.length > MAX_DECIMAL_TEXT_LENGTH) {
    throw new DecimalParseError(`decimal text longer than ${MAX_DECIMAL_TEXT_LENGTH} characters`);
  }
  const m = DECIMAL_RE.exec(text);
  if (m === null) throw new DecimalParseError(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, mantissa = "", expText] = m;
  const dot = mantissa.indexOf(".");
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fracPart = dot < 0 ? "" : mantissa.slice(dot + 1);
  const exp = expText === undefined ? 0 : Number.parseInt(expText, 10);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_DECIMAL_EXPONENT) {
    throw new DecimalParseError(`exponent out of range (|e| <= ${MAX_DECIMAL_EXPONENT}): ${JSON.stringify(text)}`);
  }
  let num = BigInt((intPart + fracPart) || "0");
  if (sign === "-") num = -num;
  const scale = exp - fracPart.length;
  return scale >= 0 ? rational(num * 10n ** BigInt(scale)) : rational(num, 10n ** BigInt(-scale));
}

export function add(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

export function div(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError("div: division by zero");
  return rational(a.num * b.den, a.den * b.num);
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function cmp(a: Rational, b: Rational): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Multiplies by 10^k (k may be negative): exact unit conversion, e.g. USD/token -> USD/1M tokens. */
export function shift10(a: Rational, k: number): Rational {
  if (!Number.isSafeInteger(k)) throw new RangeError(`shift10: bad exponent ${k}`);
  return k >= 0 ? rational(a.num * 10n ** BigInt(k), a.den) : rational(a.num, a.den * 10n ** BigInt(-k));
}

/** a * 10^decimals rounded toward zero: the fixed-point integer with `decimals` decimals. */
export function toFixedTowardZero(a: Rational, decimals: number): bigint {
  return (a.num * 10n ** BigInt(decimals)) / a.den; // bigint division truncates toward zero
}

/** The exact median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly Rational[]): Rational {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const sorted = [...values].sort(cmp);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] as Rational;
  if (sorted.length % 2 === 1) return hi;
  const lo = sorted[mid - 1] as Rational;
  return rational(lo.num * hi.den + hi.num * lo.den, 2n * lo.den * hi.den);
}

/** Whether the denominator is a product of 2s and 5s (the value has a finite decimal expansion). */
function finiteDecimalPlaces(den: bigint): number | undefined {
  let twos = 0;
  let fives = 0;
  while (den % 2n === 0n) {
    den /= 2n;
    twos++;
  }
  while (den % 5n === 0n) {
    den /= 5n;
    fives++;
  }
  return den === 1n ? Math.max(twos, fives) : undefined;
}

/**
 * Canonical decimal text: exact when the expansion is finite, otherwise truncated toward zero at
 * `maxPlaces` places. No exponent, no trailing zeros, no "+": "2.5", "0.000001", "-3".
 */
export function formatDecimal(a: Rational, maxPlaces = 18): string {
  const places = finiteDecimalPlaces(a.den) ?? maxPlaces;
  return formatFixed(toFixedTowardZero(a, places), places);
}

/** Decimal text of a fixed-point integer with `decimals` decimals, trailing zeros removed. */
export function formatFixed(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, "0");
  const intPart = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${intPart}${frac.length > 0 ? `.${frac}` : ""}`;
}
