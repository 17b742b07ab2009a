/** Exact decimal <-> fixed-point conversions (never through JS numbers). */
import { SdkError } from "./errors.js";

/** Decimals of the index and of prices. */
export const PRICE_DECIMALS = 18;
export const WAD = 10n ** 18n;
export const BPS = 10_000n;

/** Parses a non-negative decimal string ("3.5", "100", "0.001") into an integer with `decimals` places. */
export function parseDecimal(text: string, decimals: number, what = "amount"): bigint {
  if (/^-\s*[\d.]/.test(text.trim())) throw new SdkError("INVALID_INPUT", `${what} must not be negative, got ${text.trim()}`);
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new SdkError("INVALID_INPUT", `${what}: ${JSON.stringify(text)} is not a non-negative decimal number`);
  const whole = m[1] as string;
  const frac = m[2] ?? "";
  if (frac.length > decimals) {
    throw new SdkError("INVALID_INPUT", `${what}: ${text} has more than ${decimals} decimal places`);
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
}

/** Formats a fixed-point integer as an exact decimal string without trailing zeros ("-1.25", "3"). */
export function formatDecimal(value: bigint, decimals: number): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const frac = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** Parses a whole number >= `min` (sizes, nonces, seconds); a negative or fractional one is refused by name. */
export function parseWhole(text: string, what: string, min = 0n): bigint {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new SdkError("INVALID_INPUT", `${what} must be a whole number, got ${JSON.stringify(text)}`);
  const n = BigInt(t);
  if (n < min) throw new SdkError("INVALID_INPUT", `${what} must be ${min === 1n ? "a positive whole number" : `at least ${min}`}, got ${t}`);
  return n;
}

/** ceil(a / b) for a >= 0, b > 0. */
export const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** floor division (toward minus infinity) for signed a, b > 0. */
export const divFloor = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Collateral (USDC, 6 decimals) for people: "1,234.5 USDC", "-30 USDC". */
export function formatUsdc(amount: bigint): string {
  const [whole, frac] = formatDecimal(amount, 6).split(".");
  const grouped = (whole ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}${frac ? `.${frac}` : ""} USDC`;
}

/** An 18-decimal price or index value for people, exact ("3.1205"). */
export const formatPrice = (value: bigint): string => formatDecimal(value, PRICE_DECIMALS);

/** How a price is brought onto a tick: toward minus infinity, toward plus infinity, or to the nearest (halves up). */
export type TickRounding = "down" | "up" | "nearest";

/** `price` moved to a multiple of `tick` (> 0), exactly; a price on the tick is returned unchanged. */
export function roundToTick(price: bigint, tick: bigint, rounding: TickRounding): bigint {
  if (tick <= 0n) throw new RangeError(`tick must be positive, got ${tick}`);
  const down = divFloor(price, tick) * tick;
  if (down === price || rounding === "down") return down;
  if (rounding === "up") return down + tick;
  return 2n * (price - down) >= tick ? down + tick : down;
}

/** A series price on its tick for people ("3.316"): the mark, book, entry and range prices. */
export const formatTickPrice = (price: bigint, tick: bigint, rounding: TickRounding = "nearest"): string =>
  formatPrice(roundToTick(price, tick, rounding));

/**
 * A liquidation price on the tick, rounded toward the position's side of it: up for a long (liquidated as the
 * mark falls), down for a short (as it rises), so the shown level is reached no later than the true one.
 */
export function formatLiquidationPrice(price: bigint, tick: bigint, size: bigint): string {
  if (size === 0n) throw new RangeError("a flat position has no liquidation price");
  return formatTickPrice(price, tick, size > 0n ? "up" : "down");
}

/** Unix seconds as an ISO time ("2026-12-01T00:00:00Z"). */
export const formatTime = (seconds: bigint): string => new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
