/** Series discovery (from SeriesListed logs), the index they mark to, and their settlement status. */
import type { Hex } from "viem";
import { type MarketClient, chainTime, marketContract, oracleContract, scanLogs } from "./client.js";
import { SdkError } from "./errors.js";
import { type SeriesParams, seriesId } from "./orders.js";
import { formatTime } from "./units.js";

export interface Series {
  id: Hex;
  params: SeriesParams;
}

export interface IndexValue {
  value: bigint;
  timestamp: bigint;
}

/** Every series listed on the market, in listing order. */
export async function listSeries(mc: MarketClient): Promise<Series[]> {
  const logs = await scanLogs(mc, (fromBlock, toBlock) =>
    mc.publicClient.getContractEvents({ ...marketContract(mc), eventName: "SeriesListed", fromBlock, toBlock, strict: true }),
  );
  return logs.map((l) => ({ id: l.args.seriesId as Hex, params: { ...(l.args.params as SeriesParams) } }));
}

/** A listed series by id (or by params); UNKNOWN_SERIES otherwise. */
export async function getSeries(mc: MarketClient, idOrParams: Hex | SeriesParams): Promise<Series> {
  const id = typeof idOrParams === "string" ? idOrParams.toLowerCase() : seriesId(idOrParams).toLowerCase();
  const found = (await listSeries(mc)).find((s) => s.id.toLowerCase() === id);
  if (!found) throw new SdkError("UNKNOWN_SERIES", `series ${id} is not listed on market ${mc.market}`, { seriesId: id });
  return found;
}

/** The latest fixing of an index; NO_INDEX before the first one. */
export async function latestIndex(mc: MarketClient, indexId: Hex): Promise<IndexValue> {
  const f = await mc.publicClient.readContract({ ...oracleContract(mc), functionName: "latestFixing", args: [indexId] });
  if (f.timestamp === 0n) throw new SdkError("NO_INDEX", `index ${indexId} has no fixing yet`, { indexId });
  return { value: f.value, timestamp: f.timestamp };
}

/** The latest fixing, STALE_INDEX when older than the series' maxFixingAge at `now`. */
export async function freshIndex(mc: MarketClient, series: Series, now: bigint): Promise<IndexValue> {
  const idx = await latestIndex(mc, series.params.indexId);
  const maxAge = BigInt(series.params.maxFixingAge);
  if (idx.timestamp + maxAge < now) {
    throw new SdkError("STALE_INDEX", `the latest index fixing (${formatTime(idx.timestamp)}) is older than ${maxAge} s at chain time ${formatTime(now)}: wait for the next fixing`, {
      timestamp: idx.timestamp,
      now,
      maxAge,
    });
  }
  return idx;
}

/**
 * The series' mark a trade would be checked at now (`currentMark`: the latest index; the limit price when that
 * fixing lies beyond the price limit, which makes trades revert `LimitMove` until `updateMark` settles the
 * series), after the same NO_INDEX / STALE_INDEX checks as `freshIndex`. Execution prices lie within the band
 * around it, and margin requirements are computed at it.
 */
export async function freshMark(mc: MarketClient, series: Series, now: bigint): Promise<IndexValue> {
  await freshIndex(mc, series, now);
  return currentMarkOf(mc, series);
}

/** The series' mark now (`currentMark`) and the oracle time it stands for; NO_INDEX before the first fixing. */
export async function currentMarkOf(mc: MarketClient, series: Series): Promise<IndexValue> {
  await latestIndex(mc, series.params.indexId);
  const [value, timestamp] = await mc.publicClient.readContract({ ...marketContract(mc), functionName: "currentMark", args: [series.params] });
  return { value, timestamp: BigInt(timestamp) };
}

export type SeriesPhase = "trading" | "awaiting-settlement" | "closing-out" | "claimable";

export interface SeriesStatus {
  id: Hex;
  /**
   * trading; awaiting-settlement (expired, not settled yet); closing-out (settled, after the window or early,
   * accounts still to resolve: anyone may `closeOut` them); claimable (all resolved). How a settled series
   * settled: `readSettlement` (sdk/settlement.ts).
   */
  phase: SeriesPhase;
  expiry: bigint;
  paused: boolean;
  /** The final settlement price once settled, else 0. */
  finalPrice: bigint;
  /** The series' stored mark (once settled: the final price). */
  mark: bigint;
  settledAt: bigint;
  /** Accounts with a position; once settled, those still to resolve before claims open. */
  openPositions: number;
  settlementFixings: number;
  insurance: bigint;
  fees: bigint;
  socialisedLoss: bigint;
  unbackedLoss: bigint;
  /** Fixed when the last account is resolved: each claim pays owed x payableTotal / owedTotal. */
  owedTotal: bigint;
  payableTotal: bigint;
}

/** Where a series stands: trading, expired, settled (accounts to resolve), claimable. */
export async function seriesStatus(mc: MarketClient, series: Series): Promise<SeriesStatus> {
  const [state, now] = await Promise.all([
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "seriesState", args: [series.id] }),
    chainTime(mc),
  ]);
  const phase: SeriesPhase =
    state.settledAt !== 0n
      ? state.openPositions === 0
        ? "claimable"
        : "closing-out"
      : now >= series.params.expiry
        ? "awaiting-settlement"
        : "trading";
  return {
    id: series.id,
    phase,
    expiry: series.params.expiry,
    paused: state.paused,
    finalPrice: state.finalPrice,
    mark: state.mark,
    settledAt: state.settledAt,
    openPositions: state.openPositions,
    settlementFixings: state.fixingCount,
    insurance: state.insurance,
    fees: BigInt(state.fees),
    socialisedLoss: state.socialisedLoss,
    unbackedLoss: state.unbackedLoss,
    owedTotal: state.owedTotal,
    payableTotal: state.payableTotal,
  };
}
