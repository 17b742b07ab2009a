/**
 * The market maker's quoting file (`--quotes mm.json`), validated with zod; chain, RPC, market and keys come from the
 * keeper config (`--config`, keeper/config/load.ts): the maker is the keeper config's `keys.signer`.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { MAX_WAIT_MS } from "../config/validate.js";
import type { QuoteLimits } from "./quote.js";

const whole = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "a non-negative integer")]).transform((v) => BigInt(v));

export const quotesSchema = z
  .object({
    /** Series to quote (ids); default: every trading series of the market's index. */
    series: z.array(z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a series id")).optional(),
    spreadBps: z.number().int().min(1).max(5_000),
    levelStepBps: z.number().int().min(0).max(5_000).default(0),
    levels: z.number().int().min(1).max(10).default(1),
    /** Contracts per order. */
    size: whole.refine((v) => v > 0n, "must be positive"),
    maxInventory: whole,
    /** Collateral base units (6 decimals). */
    maxMargin: whole,
    carryBpsPerYear: z.number().int().min(-10_000).max(10_000).default(0),
    /** Orders live until the fixing's time plus this (seconds). */
    orderLifetimeSeconds: z.number().int().min(60).default(86_400),
    pollMs: z.number().int().min(50).max(MAX_WAIT_MS).default(2_000),
    /** Metrics and health server (GET /metrics, GET /health); port 0 picks a free one. */
    http: z.object({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65_535) }).strict().optional(),
    /** Unhealthy when no tick succeeded for this long. */
    staleAfterMs: z.number().int().min(100).default(60_000),
  })
  .strict();

export type QuotesConfig = z.infer<typeof quotesSchema>;

export class QuotesConfigError extends Error {
  override readonly name = "QuotesConfigError";
}

export function parseQuotes(value: unknown, where = "quotes"): QuotesConfig {
  const r = quotesSchema.safeParse(value);
  if (!r.success) throw new QuotesConfigError(`${where}: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return r.data;
}

export function readQuotes(path: string): QuotesConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new QuotesConfigError(`${path}: ${(e as Error).message}`);
  }
  return parseQuotes(raw, path);
}

export const limitsOf = (c: QuotesConfig): QuoteLimits => ({
  spreadBps: c.spreadBps,
  levelStepBps: c.levelStepBps,
  levels: c.levels,
  size: c.size,
  maxInventory: c.maxInventory,
  maxMargin: c.maxMargin,
  carryBpsPerYear: c.carryBpsPerYear,
});
