import { readOrderBook } from "../../sdk/book.js";
import { pickSeries } from "../context.js";
import { price, time } from "../output.js";
import type { Command } from "./types.js";

export const bookCommand: Command = {
  name: "book",
  summary: "show the open order book of a series (rebuilt from chain logs)",
  usage: "",
  options: {},
  needsKey: false,
  async run(ctx, v) {
    const series = await pickSeries(ctx, v);
    const book = await readOrderBook(ctx.mc, { seriesId: series.id });
    const line = (e: (typeof book.bids)[number]) =>
      `  ${price(e.order.limitPrice).padStart(10)}  ${String(e.remaining).padStart(6)}/${e.order.size}  ${e.order.maker}  until ${time(e.order.expiry)}  ${e.hash}`;
    const text = [
      `series ${series.id}`,
      `asks (${book.asks.length})`,
      ...[...book.asks].reverse().map(line),
      `bids (${book.bids.length})`,
      ...book.bids.map(line),
    ];
    return { json: { seriesId: series.id, at: book.at, bids: book.bids, asks: book.asks }, text };
  },
};
