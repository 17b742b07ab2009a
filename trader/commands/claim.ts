import { claim } from "../../sdk/settlement.js";
import { pickSeries } from "../context.js";
import { usdc } from "../output.js";
import type { Command } from "./types.js";

export const claimCommand: Command = {
  name: "claim",
  summary: "claim your settlement payout into your free balance (after settlement, once every account is resolved)",
  usage: "",
  options: {},
  needsKey: true,
  async run(ctx, v) {
    const series = await pickSeries(ctx, v);
    const r = await claim(ctx.mc, series);
    return { json: { seriesId: series.id, payout: r.payout, txHash: r.txHash }, text: [`claimed ${usdc(r.payout)} from ${series.id}`, `  tx ${r.txHash}`] };
  },
};
