/** Printing results: one JSON object (bigints as decimal strings) or readable lines. */

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Amounts, prices and times for people (the SDK's formatters). */
export { formatPrice as price, formatTime as time, formatUsdc as usdc } from "../sdk/units.js";

/** `rows` as columns under `headers`; columns of numbers and USDC amounts right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d,]+(\.\d+)?( USDC)?$/.test(r[i] ?? "")));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** A command's result: what --json prints, and the lines a person reads. */
export interface Output {
  json: unknown;
  text: string[];
}
