/** The `liquidator` section of the keeper config: which series to watch and how to liquidate (docs/operator.md). */
import { listedSeries } from "./seriesSchema.js";
import { type ObjectOf, array, decimalUnits, int, object, optional } from "./validate.js";

export const liquidatorShape = {
  series: array(listedSeries, { min: 1 }),
  /** Most contracts taken over by one liquidation (the liquidator's free balance must cover their initial margin). */
  maxSize: int({ min: 1 }),
  /** Liquidations expected to pay less than this (USDC) are not sent. */
  minRewardUsdc: optional(decimalUnits(6, { unit: "USDC" }), 0n),
  /** Blocks below the head that count as final for the persisted account book. */
  finalityDepth: optional(int({ min: 0, max: 10_000 }), 12),
  /** First block to read market events from (the market's deployment block). */
  startBlock: optional(int({ min: 0 }), 0),
  /** Longest block range of one eth_getLogs. */
  maxBlockRange: optional(int({ min: 1, max: 1_000_000 }), 10_000),
  /** How often `run` checks the oracle for a new fixing. */
  pollMs: optional(int({ min: 100 }), 5_000),
};

export type LiquidatorConfig = ObjectOf<typeof liquidatorShape>;
export const liquidatorConfig = object(liquidatorShape);
