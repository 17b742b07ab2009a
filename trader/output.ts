/** Printing results: one JSON object (bigints as decimal strings) or readable lines. */
import { formatDecimal } from "../sdk/units.js";

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** USDC-like amount (6 decimals) for people: "1,234.5 USDC". */
export function usdc(amount: bigint): string {
  const [whole, frac] = formatDecimal(amount, 6).split(".");
  const grouped = (whole ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}${frac ? `.${frac}` : ""} USDC`;
}

/** 18-decimal price for people. */
export const price = (value: bigint) => formatDecimal(value, 18);

/** Unix seconds as an ISO time. */
export const time = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

/** A command's result: what --json prints, and the lines a person reads. */
export interface Output {
  json: unknown;
  text: string[];
}
