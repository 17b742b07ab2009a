import { cancelAll, cancelOrder } from "../../sdk/trade.js";
import { str } from "../context.js";
import { type Command, openOrderArg, wholeArg } from "./types.js";

export const cancelCommand: Command = {
  name: "cancel",
  summary: "cancel one of your open orders",
  usage: "--order <hash>",
  options: { order: { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const entry = await openOrderArg(ctx, v, "order");
    const r = await cancelOrder(ctx.mc, entry.order);
    return { json: { orderHash: entry.hash, txHash: r.txHash }, text: [`cancelled ${entry.hash}`, `  tx ${r.txHash}`] };
  },
};

export const cancelAllCommand: Command = {
  name: "cancel-all",
  summary: "cancel every order you published (raises your min nonce)",
  usage: "[--min-nonce <n>] (default: above every nonce you published)",
  options: { "min-nonce": { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const n = str(v, "min-nonce");
    const r = await cancelAll(ctx.mc, n === undefined ? undefined : wholeArg(n, "min-nonce"));
    return { json: { minNonce: r.minNonce, txHash: r.txHash }, text: [`orders with nonce < ${r.minNonce} are dead`, `  tx ${r.txHash}`] };
  },
};
