/**
 * The series the contract and keeper tests list: the project defaults (scripts/lib/deploy.ts) with a 5% price
 * band and a 1-hour fixing age — the same numbers as test/solidity/market/utils/MarketSetup.sol.
 */
import type { Hex } from "viem";
import { defaultSeriesParams } from "../../scripts/lib/deploy.js";
import type { SeriesParams } from "../../sdk/orders.js";

export function testSeriesParams(indexId: Hex, expiry: bigint, overrides: Partial<SeriesParams> = {}): SeriesParams {
  return defaultSeriesParams(indexId, expiry, { priceBandBps: 500, maxFixingAge: 3_600, ...overrides });
}
