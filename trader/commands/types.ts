import type { ParseArgsConfig } from "node:util";
import { type Hex } from "viem";
import { findOpenOrder, type BookEntry } from "../../sdk/book.js";
import { SdkError } from "../../sdk/errors.js";
import { parseDecimal, parseWhole } from "../../sdk/units.js";
import { type TraderContext, UsageError, type Values, str } from "../context.js";
import type { Output } from "../output.js";

export interface Command {
  name: string;
  summary: string;
  /** Options after the command name, besides the common ones. */
  usage: string;
  options: ParseArgsConfig["options"];
  /** Whether the command signs or sends (a key is loaded), possibly depending on its options. */
  needsKey: boolean | ((values: Values) => boolean);
  run(ctx: TraderContext, values: Values, positionals: string[]): Promise<Output>;
}

export function requiredArg(v: Values, name: string): string {
  const s = str(v, name);
  if (s === undefined || s === "") throw new UsageError(`--${name} is required`);
  return s;
}

/** A positive collateral amount in USDC ("100", "12.5") -> base units, or "all" (the command decides what all is). */
export function amountArg(v: Values, name = "amount"): bigint | "all" {
  const text = requiredArg(v, name);
  if (text.trim().toLowerCase() === "all") return "all";
  const amount = parseDecimal(text, 6, `--${name}`);
  if (amount === 0n) throw new UsageError(`--${name} must be positive (or "all")`);
  return amount;
}
/** A price in index units ("3.125") -> 18 decimals. */
export const priceArg = (text: string, name: string) => parseDecimal(text, 18, `--${name}`);
export const wholeArg = (text: string, name: string) => parseWhole(text, `--${name}`);
/** A number of contracts: a positive whole number (a short is `--side sell`, never a negative size). */
export const sizeArg = (text: string, name = "size") => {
  if (/^\s*-/.test(text)) throw new UsageError(`--${name} must be a positive whole number of contracts, got ${text.trim()} (to sell, use --side sell)`);
  return parseWhole(text, `--${name}`, 1n);
};

/** An open order of the book by its hash (ORDER_DEAD when it is not open). */
export async function openOrderArg(ctx: TraderContext, v: Values, name: string): Promise<BookEntry> {
  const hash = requiredArg(v, name);
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new UsageError(`--${name} must be an order hash (0x + 64 hex), got ${JSON.stringify(hash)}`);
  const entry = await findOpenOrder(ctx.mc, hash as Hex);
  if (!entry) throw new SdkError("ORDER_DEAD", `the order given with --${name} is not open (filled, cancelled, expired or never published)`);
  return entry;
}
