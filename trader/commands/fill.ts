import { getSeries } from "../../sdk/series.js";
import { fillOrder } from "../../sdk/trade.js";
import { str } from "../context.js";
import { price, usdc } from "../output.js";
import { type Command, openOrderArg, sizeArg } from "./types.js";

export const fillCommand: Command = {
  name: "fill",
  summary: "take an open order from the book at its limit price",
  usage: "--order <hash> [--size <contracts>] (default: all that remains)",
  options: { order: { type: "string" }, size: { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const entry = await openOrderArg(ctx, v, "order");
    const size = str(v, "size") ? sizeArg(str(v, "size") as string) : undefined;
    const series = await getSeries(ctx.mc, entry.order.seriesId);
    const r = await fillOrder(ctx.mc, series, entry, size);
    const side = entry.order.isBuy ? "sold" : "bought";
    return {
      json: { orderHash: entry.hash, size: r.size, price: r.price, takerFee: r.takerFee, txHash: r.txHash },
      text: [`${side} ${r.size} @ ${price(r.price)} (fee ${usdc(r.takerFee)})`, `  tx ${r.txHash}`],
    };
  },
};
