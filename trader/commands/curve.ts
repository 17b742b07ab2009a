import { forwardCurve } from "../../sdk/curve.js";
import { price, time } from "../output.js";
import type { Command } from "./types.js";

/** Registered by issue 15 (live market); the curve itself is sdk/curve.ts. */
export const curveCommand: Command = {
  name: "curve",
  summary: "the forward curve: per expiry best bid/ask, mid, last trade and open interest",
  usage: "",
  options: {},
  needsKey: false,
  async run(ctx) {
    const points = await forwardCurve(ctx.mc);
    const dash = (v: bigint | undefined) => (v === undefined ? "-" : price(v));
    const text = points.length === 0 ? ["no series listed"] : ["expiry                bid        ask        mid        last       open interest"];
    for (const p of points) {
      text.push(
        `${time(p.expiry).padEnd(21)} ${dash(p.bestBid).padEnd(10)} ${dash(p.bestAsk).padEnd(10)} ${dash(p.mid).padEnd(10)} ${dash(p.lastTrade?.price).padEnd(10)} ${p.openInterest}`,
      );
    }
    return { json: { market: ctx.mc.market, chainId: ctx.mc.chainId, curve: points }, text };
  },
};
