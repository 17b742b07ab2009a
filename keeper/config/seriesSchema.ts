/**
 * A listed series in the keeper config (`settlement[]` and `liquidator.series[]` take the same shape): the
 * market's SeriesParams with the index by name and the two prices in decimal units, e.g.
 * `"contractSize": "1000"` (USDC) and `"tickSize": "0.001"` (index units). The market identifies a series by the
 * hash of all its parameters, so each must be exactly as listed.
 */
import { indexIdFromName } from "../../sdk/oracle.js";
import type { SeriesParams } from "../../sdk/orders.js";
import { afterFields, decimalUnits, int, object, str } from "./validate.js";

const bps = int({ min: 0, max: 10_000 });

/**
 * The series fields written the same way in every file that sets them (whole numbers: a count, bps, seconds): the
 * keeper config's series here, a strip file and the deploy settings' series parameters (scripts/lib/seriesParams.ts).
 */
export const seriesIntegerFields = {
  minSize: int({ min: 1 }),
  initialMarginBps: bps,
  maintenanceMarginBps: bps,
  makerFeeBps: bps,
  takerFeeBps: bps,
  priceBandBps: bps,
  priceLimitBps: bps,
  liquidationPenaltyBps: bps,
  maxFixingAge: int({ min: 1 }),
  settlementWindow: int({ min: 1 }),
  settlementGrace: int({ min: 1 }),
};

const seriesShape = {
  /** Index name as in `indexes` (right-padded to bytes32 on chain). */
  index: str({ pattern: /^[\x20-\x7e]{1,31}$/, patternHint: "1-31 printable ASCII characters" }),
  expiry: int({ min: 1 }),
  /** Collateral per contract per 1.0 of index, in USDC (6 decimals), e.g. "1000". */
  contractSize: decimalUnits(6, { unit: "USDC", min: 1n }),
  /** Price tick, e.g. "0.001" (18 decimals). */
  tickSize: decimalUnits(18, { unit: "index units", min: 1n }),
  ...seriesIntegerFields,
};

/** One listed series, checked and turned into the SeriesParams passed to the market (its hash is the series id). */
export const listedSeries = object(seriesShape)
  .superRefine((s, ctx) => {
    if (!(s.liquidationPenaltyBps < s.maintenanceMarginBps && s.maintenanceMarginBps < s.initialMarginBps)) {
      ctx.addIssue({ code: "custom", message: "needs liquidationPenaltyBps < maintenanceMarginBps < initialMarginBps (as the market requires)" });
    }
    if (!(s.priceLimitBps > 0 && s.priceLimitBps < s.maintenanceMarginBps)) {
      ctx.addIssue({ code: "custom", message: "needs 0 < priceLimitBps < maintenanceMarginBps (as the market requires)" });
    }
  }, afterFields)
  .transform((s): SeriesParams => ({
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
    priceLimitBps: s.priceLimitBps,
    liquidationPenaltyBps: s.liquidationPenaltyBps,
    maxFixingAge: s.maxFixingAge,
    settlementWindow: s.settlementWindow,
    settlementGrace: s.settlementGrace,
  }));
