/** The `liquidator` section of the keeper config: which series to watch and how to liquidate (docs/operator.md). */
import type { z } from "zod";
import { listedSeries } from "./seriesSchema.js";
import { MAX_WAIT_MS, array, decimalUnits, int, object } from "./validate.js";

export const liquidatorConfig = object({
  series: array(listedSeries, { min: 1 }),
  /** Most contracts taken over by one liquidation (the liquidator's free balance must cover their initial margin). */
  maxSize: int({ min: 1 }),
  /** Liquidations expected to pay less than this (USDC) are not sent. */
  minRewardUsdc: decimalUnits(6, { unit: "USDC" }).default(0n),
  /** Blocks below the head that count as final for the persisted account book. */
  finalityDepth: int({ min: 0, max: 10_000 }).default(12),
  /** First block to read market events from (the market's deployment block). */
  startBlock: int({ min: 0 }).default(0),
  /** Longest block range of one eth_getLogs. */
  maxBlockRange: int({ min: 1, max: 1_000_000 }).default(10_000),
  /** How often `run` checks the oracle for a new fixing. */
  pollMs: int({ min: 100, max: MAX_WAIT_MS }).default(5_000),
});

export type LiquidatorConfig = z.output<typeof liquidatorConfig>;
