/** Display helpers on top of the SDK's formatters (bigints in, strings out). */
import type { Series } from "../../sdk/series.js";
import { type TickRounding, formatLiquidationPrice, formatPrice, formatTickPrice, formatUsdc } from "../../sdk/units.js";
export { formatPrice as exactPrice, formatTime as time, formatUsdc as usdc } from "../../sdk/units.js";

/** A price of `series` on its tick (nearest unless told): every mark, book, entry and range price the app shows. */
export const price = (x: bigint, series: Series, rounding?: TickRounding) => formatTickPrice(x, series.params.tickSize, rounding);
export const maybePrice = (x: bigint | undefined, series: Series) => (x === undefined ? "–" : price(x, series));
/** A liquidation price on the tick, never past the true one ("–" when flat or unknown). */
export const liqPrice = (x: bigint | undefined, series: Series, size: bigint) =>
  x === undefined || size === 0n ? "–" : formatLiquidationPrice(x, series.params.tickSize, size);

/** "3d 4h 5m" until `target` from chain time `now`, or "passed". */
export function countdown(target: bigint, now: bigint): string {
  if (target <= now) return "passed";
  const s = target - now;
  const d = s / 86_400n;
  const h = (s % 86_400n) / 3_600n;
  const m = (s % 3_600n) / 60n;
  return d > 0n ? `${d}d ${h}h ${m}m` : h > 0n ? `${h}h ${m}m` : `${m}m ${s % 60n}s`;
}

export const signedUsdc = (x: bigint) => (x < 0n ? `-${formatUsdc(-x)}` : formatUsdc(x));
/** A price as a chart coordinate (display only: the value is exact until here). */
export const plotPrice = (x: bigint) => Number(formatPrice(x));
export const short = (hex: string) => `${hex.slice(0, 8)}…${hex.slice(-4)}`;
