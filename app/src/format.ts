/** Display helpers on top of the SDK's formatters (bigints in, strings out). */
export { formatPrice as price, formatTime as time, formatUsdc as usdc } from "../../sdk/units.js";
import { formatPrice, formatUsdc } from "../../sdk/units.js";

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
export const maybePrice = (x: bigint | undefined) => (x === undefined ? "–" : formatPrice(x));
/** A price as a chart coordinate (display only: the value is exact until here). */
export const plotPrice = (x: bigint) => Number(formatPrice(x));
export const short = (hex: string) => `${hex.slice(0, 8)}…${hex.slice(-4)}`;
