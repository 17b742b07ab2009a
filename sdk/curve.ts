/**
 * The forward curve of an index: per listed series (ascending expiry) the best bid and ask of the open book, their
 * mid, the last trade and the open interest, all rebuilt from chain data.
 */
import type { Address, Hex } from "viem";
import { readOrderBook } from "./book.js";
import { type MarketClient, marketContract, scanLogs } from "./client.js";
import { type Series, listSeries } from "./series.js";

export interface CurvePoint {
  seriesId: Hex;
  expiry: bigint;
  /** Best (highest) open buy limit price, undefined with no bid. */
  bestBid: bigint | undefined;
  /** Best (lowest) open sell limit price, undefined with no ask. */
  bestAsk: bigint | undefined;
  /** floor((bestBid + bestAsk) / 2), undefined unless both sides are quoted. */
  mid: bigint | undefined;
  /** Price and block of the series' latest fill or match, undefined before the first trade. */
  lastTrade: { price: bigint; blockNumber: bigint } | undefined;
  /** Contracts held long (= held short), from every fill, match and liquidation of the series. */
  openInterest: bigint;
}

export interface ForwardCurveParameters {
  /** Only series on this index (default: every series of the market). */
  indexId?: Hex | undefined;
}

/** Folds trade logs into per-series positions and last trades. */
interface SeriesTrades {
  positions: Map<Address, bigint>;
  last: { price: bigint; blockNumber: bigint } | undefined;
}

/** The forward curve at the latest block: one point per listed (not yet expired or settled included) series. */
export async function forwardCurve(mc: MarketClient, parameters: ForwardCurveParameters = {}): Promise<CurvePoint[]> {
  const [all, book, logs] = await Promise.all([
    listSeries(mc),
    readOrderBook(mc),
    scanLogs(mc, (fromBlock, toBlock) => mc.publicClient.getContractEvents({ ...marketContract(mc), fromBlock, toBlock, strict: true })),
  ]);
  const series = all.filter((s) => !parameters.indexId || s.params.indexId.toLowerCase() === parameters.indexId.toLowerCase());
  const trades = new Map<string, SeriesTrades>();
  const of = (id: Hex): SeriesTrades => {
    const key = id.toLowerCase();
    let t = trades.get(key);
    if (!t) trades.set(key, (t = { positions: new Map(), last: undefined }));
    return t;
  };
  const move = (t: SeriesTrades, account: Address, delta: bigint) => {
    const key = account.toLowerCase() as Address;
    t.positions.set(key, (t.positions.get(key) ?? 0n) + delta);
  };
  for (const log of logs) {
    const blockNumber = log.blockNumber ?? 0n;
    switch (log.eventName) {
      case "OrderFilled": {
        const t = of(log.args.seriesId);
        move(t, log.args.maker, log.args.makerDelta);
        move(t, log.args.taker, -log.args.makerDelta);
        t.last = { price: log.args.price, blockNumber };
        break;
      }
      case "OrdersMatched": {
        const t = of(log.args.seriesId);
        move(t, log.args.buyMaker, BigInt(log.args.size));
        move(t, log.args.sellMaker, -BigInt(log.args.size));
        t.last = { price: log.args.price, blockNumber };
        break;
      }
      case "Liquidated": {
        // The liquidated account's `size` contracts pass to the liquidator, in the direction of her position.
        const t = of(log.args.seriesId);
        const held = t.positions.get(log.args.account.toLowerCase() as Address) ?? 0n;
        const delta = held < 0n ? -BigInt(log.args.size) : BigInt(log.args.size);
        move(t, log.args.account, -delta);
        move(t, log.args.liquidator, delta);
        break;
      }
      default:
        break;
    }
  }
  const sorted = [...series].sort((a, b) => (a.params.expiry < b.params.expiry ? -1 : a.params.expiry > b.params.expiry ? 1 : 0));
  return sorted.map((s) => point(s, book, trades.get(s.id.toLowerCase())));
}

function point(s: Series, book: Awaited<ReturnType<typeof readOrderBook>>, t: SeriesTrades | undefined): CurvePoint {
  const id = s.id.toLowerCase();
  const bestBid = book.bids.find((e) => e.order.seriesId.toLowerCase() === id)?.order.limitPrice;
  const bestAsk = book.asks.find((e) => e.order.seriesId.toLowerCase() === id)?.order.limitPrice;
  let openInterest = 0n;
  for (const size of t?.positions.values() ?? []) if (size > 0n) openInterest += size;
  return {
    seriesId: s.id,
    expiry: s.params.expiry,
    bestBid,
    bestAsk,
    mid: bestBid !== undefined && bestAsk !== undefined ? (bestBid + bestAsk) / 2n : undefined,
    lastTrade: t?.last,
    openInterest,
  };
}
