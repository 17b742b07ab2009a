import { chainTime } from "../../sdk/client.js";
import { placeOrder } from "../../sdk/trade.js";
import { UsageError, pickSeries, str } from "../context.js";
import { price, time } from "../output.js";
import { type Command, priceArg, requiredArg, sizeArg, wholeArg } from "./types.js";

export const orderCommand: Command = {
  name: "order",
  summary: "sign an order and publish it on chain",
  usage: "--side buy|sell --size <contracts> --price <p> [--expires-in <s> | --expiry <unix s>] [--nonce <n>] [--max-fee-bps <n>]",
  options: {
    side: { type: "string" },
    size: { type: "string" },
    price: { type: "string" },
    "expires-in": { type: "string" },
    expiry: { type: "string" },
    nonce: { type: "string" },
    "max-fee-bps": { type: "string" },
  },
  needsKey: true,
  async run(ctx, v) {
    const side = requiredArg(v, "side");
    if (side !== "buy" && side !== "sell") throw new UsageError(`--side must be buy or sell, got ${JSON.stringify(side)}`);
    const size = sizeArg(requiredArg(v, "size"));
    const limit = priceArg(requiredArg(v, "price"), "price");
    const expiresIn = str(v, "expires-in");
    const expiryArg = str(v, "expiry");
    if (expiresIn && expiryArg) throw new UsageError("give --expires-in or --expiry, not both");
    const expiry = expiryArg ? wholeArg(expiryArg, "expiry") : expiresIn ? (await chainTime(ctx.mc)) + wholeArg(expiresIn, "expires-in") : undefined;
    const nonce = str(v, "nonce") ? wholeArg(str(v, "nonce") as string, "nonce") : undefined;
    const fee = str(v, "max-fee-bps");
    const maxFeeBps = fee === undefined ? undefined : Number(wholeArg(fee, "max-fee-bps"));
    const series = await pickSeries(ctx, v);
    const placed = await placeOrder(ctx.mc, { series, side, size, price: limit, expiry, nonce, maxFeeBps });
    return {
      json: { orderHash: placed.hash, order: placed.order, signature: placed.signature, txHash: placed.txHash },
      text: [
        `published ${side} ${size} @ ${price(limit)} (nonce ${placed.order.nonce}, until ${time(placed.order.expiry)})`,
        `  order ${placed.hash}`,
        `  tx    ${placed.txHash}`,
      ],
    };
  },
};
