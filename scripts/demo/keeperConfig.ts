/** A listed series in the two shapes the keeper config takes (settlement: integers; liquidator: decimal units). */
import { formatUnits, hexToString } from "viem";
import type { SeriesParams } from "../../sdk/orders.js";

export function keeperSeriesConfig(p: SeriesParams) {
  const index = hexToString(p.indexId, { size: 32 }).replace(/\0+$/, "");
  const common = {
    index,
    expiry: Number(p.expiry),
    minSize: Number(p.minSize),
    initialMarginBps: p.initialMarginBps,
    maintenanceMarginBps: p.maintenanceMarginBps,
    makerFeeBps: p.makerFeeBps,
    takerFeeBps: p.takerFeeBps,
    priceBandBps: p.priceBandBps,
    liquidationPenaltyBps: p.liquidationPenaltyBps,
    maxFixingAge: p.maxFixingAge,
    settlementWindow: p.settlementWindow,
    settlementGrace: p.settlementGrace,
  };
  return {
    settlement: { ...common, contractSize: p.contractSize.toString(), tickSize: p.tickSize.toString(), minSize: p.minSize.toString() },
    liquidator: { ...common, contractSize: formatUnits(p.contractSize, 6), tickSize: formatUnits(p.tickSize, 18) },
  };
}
