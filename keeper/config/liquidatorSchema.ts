/** The `liquidator` section of the keeper config: which series to watch and how to liquidate (docs/operator.md). */
import { indexIdFromName } from "../../sdk/oracle.js";
import type { SeriesParams } from "../../sdk/orders.js";
import { type Check, type ObjectOf, ConfigError, decimalUnits, int, object, optional, str, array } from "./validate.js";

const bps = int({ min: 0, max: 10_000 });

const seriesShape = {
  /** Index name as in `indexes` (right-padded to bytes32 on chain). */
  index: str({ pattern: /^[\x20-\x7e]{1,31}$/, patternHint: "1-31 printable ASCII characters" }),
  expiry: int({ min: 1 }),
  /** Collateral per contract per 1.0 of index, in USDC (6 decimals), e.g. "1000". */
  contractSize: decimalUnits(6, { unit: "USDC", min: 1n }),
  /** Price tick, e.g. "0.001" (18 decimals). */
  tickSize: decimalUnits(18, { unit: "index units", min: 1n }),
  minSize: int({ min: 1 }),
  initialMarginBps: bps,
  maintenanceMarginBps: bps,
  makerFeeBps: bps,
  takerFeeBps: bps,
  priceBandBps: bps,
  liquidationPenaltyBps: bps,
  maxFixingAge: int({ min: 1 }),
  settlementWindow: int({ min: 1 }),
  settlementGrace: int({ min: 1 }),
};

/** One listed series, exactly as passed to `listSeries` (its hash is the series id). */
const series: Check<SeriesParams> = (v, key) => {
  const s = object(seriesShape)(v, key);
  if (!(s.liquidationPenaltyBps < s.maintenanceMarginBps && s.maintenanceMarginBps < s.initialMarginBps)) {
    throw new ConfigError([{ key, problem: "needs liquidationPenaltyBps < maintenanceMarginBps < initialMarginBps (as the market requires)" }]);
  }
  return {
    indexId: indexIdFromName(s.index),
    expiry: BigInt(s.expiry),
    contractSize: s.contractSize,
    tickSize: s.tickSize,
    minSize: BigInt(s.minSize),
    initialMarginBps: s.initialMarginBps,
    maintenanceMarginBps: s.maintenanceMarginBps,
    makerFeeBps: s.makerFeeBps,
    takerFeeBps: s.takerFeeBps,
    priceBandBps: s.priceBandBps,
    liquidationPenaltyBps: s.liquidationPenaltyBps,
    maxFixingAge: s.maxFixingAge,
    settlementWindow: s.settlementWindow,
    settlementGrace: s.settlementGrace,
  };
};

export const liquidatorShape = {
  series: array(series, { min: 1 }),
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
