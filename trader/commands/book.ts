import { readOrderBook } from "../../sdk/book.js";
import { SdkError } from "../../sdk/errors.js";
import { currentMarkOf, latestIndex } from "../../sdk/series.js";
import { pickSeries } from "../context.js";
import { price, table, time } from "../output.js";
import type { Command } from "./types.js";

export const bookCommand: Command = {
  name: "book",
  summary: "show the open order book of a series (rebuilt from chain logs; orders failing a pre-check are hidden)",
  usage: "",
  options: {},
  needsKey: false,
  async run(ctx, v) {
    const series = await pickSeries(ctx, v);
    const noIndex = (e: unknown) => {
      if (e instanceof SdkError && e.code === "NO_INDEX") return undefined;
      throw e;
    };
    const [book, index, mark] = await Promise.all([
      readOrderBook(ctx.mc, { seriesId: series.id }),
      latestIndex(ctx.mc, series.params.indexId).catch(noIndex),
      currentMarkOf(ctx.mc, series).catch(noIndex),
    ]);
    const bestBid = book.bids[0]?.order.limitPrice;
    const bestAsk = book.asks[0]?.order.limitPrice;
    const spread = bestBid !== undefined && bestAsk !== undefined ? bestAsk - bestBid : undefined;
    // The mid rounds down to the tick (a price one could quote).
    const tick = series.params.tickSize;
    const mid = bestBid !== undefined && bestAsk !== undefined ? (((bestBid + bestAsk) / 2n) / tick) * tick : undefined;
    const row = (side: string, e: (typeof book.bids)[number]) => [
      side,
      price(e.order.limitPrice),
      String(e.remaining),
      String(e.order.size),
      time(e.order.expiry),
      e.order.maker,
      e.hash,
    ];
    const rows = [...[...book.asks].reverse().map((e) => row("ask", e)), ...book.bids.map((e) => row("bid", e))];
    const show = (x: bigint | undefined) => (x === undefined ? "-" : price(x));
    const text = [
      `series ${series.id}`,
      `  index ${index ? `${price(index.value)} at ${time(index.timestamp)}` : "no fixing yet"}, mark ${show(mark?.value)}`,
      `  best bid ${show(bestBid)}, best ask ${show(bestAsk)}, spread ${show(spread)}, mid ${show(mid)}`,
      `  ${book.bids.length} bids, ${book.asks.length} asks${book.hidden.length ? `; ${book.hidden.length} open orders hidden (failing a pre-check)` : ""}`,
      "",
      ...(rows.length ? table(["side", "price", "left", "size", "expires", "maker", "order"], rows) : ["(no open orders)"]),
    ];
    const hidden = book.hidden.map((e) => ({ hash: e.hash, maker: e.order.maker, reason: e.reason.code, message: e.reason.message }));
    return {
      json: { seriesId: series.id, at: book.at, index, mark: mark?.value, bestBid, bestAsk, spread, mid, bids: book.bids, asks: book.asks, hidden },
      text,
    };
  },
};
