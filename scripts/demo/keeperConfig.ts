/** A listed series as the keeper config takes it (in `settlement` and `liquidator.series`): prices in decimal units. */
import { formatUnits } from "viem";
import { indexNameFromId } from "../../sdk/oracle.js";
import type { SeriesParams } from "../../sdk/orders.js";

export function keeperSeriesConfig(p: SeriesParams) {
  return {
    index: indexNameFromId(p.indexId),
    expiry: Number(p.expiry),
    contractSize: formatUnits(p.contractSize, 6),
    tickSize: formatUnits(p.tickSize, 18),
    minSize: Number(p.minSize),
    initialMarginBps: p.initialMarginBps,
    maintenanceMarginBps: p.maintenanceMarginBps,
    makerFeeBps: p.makerFeeBps,
    takerFeeBps: p.takerFeeBps,
    priceBandBps: p.priceBandBps,
    priceLimitBps: p.priceLimitBps,
    liquidationPenaltyBps: p.liquidationPenaltyBps,
    maxFixingAge: p.maxFixingAge,
    settlementWindow: p.settlementWindow,
    settlementGrace: p.settlementGrace,
  };
}
