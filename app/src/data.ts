/** Chain reads the pages share, through the SDK (one implementation with the CLI). */
import { type Address, type Hex, erc20Abi } from "viem";
import { type BookEntry, type HiddenEntry, type OrderBook, readOrderBook } from "../../sdk/book.js";
import { type MarketClient, chainTime, oracleContract, readMarketLogs, scanLogs } from "../../sdk/client.js";
import { type PositionView, balances, positionOf } from "../../sdk/account.js";
import { SdkError } from "../../sdk/errors.js";
import { type Trade, accountTrading, openInterest, readTrades } from "../../sdk/history.js";
import { indexNameFromId } from "../../sdk/oracle.js";
import { type IndexValue, type Series, type SeriesStatus, currentMarkOf, latestIndex, listSeries, seriesStatus } from "../../sdk/series.js";
import { marketContract } from "../../sdk/client.js";
import { type SeriesSettlement, readSettlement } from "../../sdk/settlement.js";
import { BPS, WAD, divFloor, divUp } from "../../sdk/units.js";

const orUndefined = <T>(p: Promise<T>): Promise<T | undefined> =>
  p.catch((e: unknown) => {
    if (e instanceof SdkError && e.code === "NO_INDEX") return undefined;
    throw e;
  });

export interface MarketRow {
  series: Series;
  number: number;
  indexName: string;
  status: SeriesStatus;
  /** How the series settled, once it did. */
  settlement: SeriesSettlement | undefined;
  index: IndexValue | undefined;
  mark: bigint | undefined;
  /** The allowed price range now: mark +- priceBandBps. */
  low: bigint | undefined;
  high: bigint | undefined;
  bestBid: bigint | undefined;
  bestAsk: bigint | undefined;
  lastTrade: Trade | undefined;
  openInterest: bigint;
}

export interface Markets {
  now: bigint;
  rows: MarketRow[];
  book: OrderBook;
  trades: Trade[];
}

/** Every series with its index, mark, band, best bid/ask, last trade and open interest; the whole book once. */
export async function readMarkets(mc: MarketClient): Promise<Markets> {
  const [all, logs, now] = await Promise.all([listSeries(mc), readMarketLogs(mc), chainTime(mc)]);
  const [book, trades] = await Promise.all([readOrderBook(mc, {}, logs), readTrades(mc, undefined, logs)]);
  const rows = await Promise.all(
    all.map(async (series, number): Promise<MarketRow> => {
      const [status, index, mark] = await Promise.all([
        seriesStatus(mc, series),
        orUndefined(latestIndex(mc, series.params.indexId)),
        // The mark reverts once the index is stale (e.g. long after expiry): shown as unknown.
        currentMarkOf(mc, series).catch(() => undefined),
      ]);
      const settlement = status.settledAt !== 0n ? await readSettlement(mc, series, logs) : undefined;
      const band = mark ? (mark.value * BigInt(series.params.priceBandBps)) / BPS : undefined;
      const mine = (e: BookEntry) => e.order.seriesId.toLowerCase() === series.id.toLowerCase();
      const ts = trades.filter((t) => t.seriesId.toLowerCase() === series.id.toLowerCase());
      return {
        series,
        number,
        indexName: indexNameFromId(series.params.indexId),
        status,
        settlement,
        index,
        mark: mark?.value,
        low: mark && band !== undefined ? mark.value - band : undefined,
        high: mark && band !== undefined ? mark.value + band : undefined,
        bestBid: book.bids.find(mine)?.order.limitPrice,
        bestAsk: book.asks.find(mine)?.order.limitPrice,
        lastTrade: ts[ts.length - 1],
        openInterest: openInterest(ts, series.id),
      };
    }),
  );
  return { now, rows, book, trades };
}

export interface Fixing {
  timestamp: bigint;
  value: bigint;
  inputsHash: Hex;
  methodologyVersion: number;
  signers: bigint;
  blockNumber: bigint;
}

/** Every fixing the oracle stored for an index, oldest first. */
export async function readFixings(mc: MarketClient, indexId: Hex): Promise<Fixing[]> {
  const logs = await scanLogs(mc, (fromBlock, toBlock) =>
    mc.publicClient.getContractEvents({ ...oracleContract(mc), eventName: "FixingPosted", args: { indexId }, fromBlock, toBlock, strict: true }),
  );
  return logs.map((l) => ({
    timestamp: l.args.timestamp,
    value: l.args.value,
    inputsHash: l.args.inputsHash,
    methodologyVersion: l.args.methodologyVersion,
    signers: l.args.signers,
    blockNumber: l.blockNumber ?? 0n,
  }));
}

export interface Holding {
  row: MarketRow;
  position: PositionView;
  owed: bigint;
  fees: bigint;
  realizedPnl: bigint;
  /** The mark at which equity meets maintenance (no liquidation price when flat). */
  liquidationPrice: bigint | undefined;
}

export interface Portfolio {
  wallet: bigint;
  free: bigint;
  allowance: bigint;
  holdings: Holding[];
  myOrders: (BookEntry | HiddenEntry)[];
}

/**
 * The mark where equity meets maintenance (an estimate for display, from the position's margin and cost),
 * 0 for a long that no positive mark liquidates:
 * margin + size*m*cs - cost = |size|*m*cs*mm, so m = (cost - margin) / (cs * size * (1 -+ mm)).
 */
export function liquidationPrice(p: Pick<PositionView, "size" | "cost" | "margin">, series: Series): bigint | undefined {
  if (p.size === 0n) return undefined;
  const cs = series.params.contractSize;
  const mm = BigInt(series.params.maintenanceMarginBps);
  // size*m*cs/WAD * (1 - sign*mm/BPS) = cost - margin
  const k = p.size > 0n ? BPS - mm : BPS + mm;
  const denom = p.size * cs * k;
  const num = (p.cost - p.margin) * WAD * BPS;
  if (denom === 0n) return undefined;
  // Rounded toward the position's side, as its display on the tick is: up for a long, down for a short.
  const m = p.size > 0n ? (num > 0n ? divUp(num, denom) : 0n) : divFloor(-num, -denom);
  return m > 0n ? m : 0n;
}

export async function readPortfolio(mc: MarketClient, markets: Markets, account: Address): Promise<Portfolio> {
  const [b, allowance] = await Promise.all([
    balances(mc, account),
    mc.publicClient.readContract({
      address: mc.collateral,
      abi: erc20Abi,
      functionName: "allowance",
      args: [account, mc.market],
    }),
  ]);
  const holdings = await Promise.all(
    markets.rows.map(async (row): Promise<Holding> => {
      const [position, owed] = await Promise.all([
        positionOf(mc, row.series, account),
        mc.publicClient.readContract({ ...marketContract(mc), functionName: "owedOf", args: [row.series.id, account] }),
      ]);
      const t = accountTrading(markets.trades, row.series, account);
      return { row, position, owed, fees: t.fees, realizedPnl: t.realizedPnl, liquidationPrice: liquidationPrice(position, row.series) };
    }),
  );
  const mine = (e: BookEntry) => e.order.maker.toLowerCase() === account.toLowerCase();
  const myOrders = [...markets.book.bids, ...markets.book.asks, ...markets.book.hidden].filter(mine);
  return { wallet: b.wallet, free: b.free, allowance, holdings, myOrders };
}
