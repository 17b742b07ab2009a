import { getSeries } from "../../sdk/series.js";
import { matchOrders } from "../../sdk/trade.js";
import { str } from "../context.js";
import { price } from "../output.js";
import { type Command, openOrderArg, priceArg, sizeArg } from "./types.js";

export const matchCommand: Command = {
  name: "match",
  summary: "match an open buy with an open sell (anyone may; the caller pays gas only)",
  usage: "--buy <hash> --sell <hash> [--size <contracts>] [--price <p>]",
  options: { buy: { type: "string" }, sell: { type: "string" }, size: { type: "string" }, price: { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const buy = await openOrderArg(ctx, v, "buy");
    const sell = await openOrderArg(ctx, v, "sell");
    const size = str(v, "size") ? sizeArg(str(v, "size") as string) : undefined;
    const at = str(v, "price") ? priceArg(str(v, "price") as string, "price") : undefined;
    const series = await getSeries(ctx.mc, buy.order.seriesId);
    const r = await matchOrders(ctx.mc, series, buy, sell, { size, price: at });
    return {
      json: { buyHash: buy.hash, sellHash: sell.hash, size: r.size, price: r.price, txHash: r.txHash },
      text: [`matched ${r.size} @ ${price(r.price)}`, `  tx ${r.txHash}`],
    };
  },
};
