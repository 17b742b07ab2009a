import { type Address, getAddress, isAddress } from "viem";
import { balances, positionOf } from "../../sdk/account.js";
import { senderOf } from "../../sdk/client.js";
import { seriesStatus } from "../../sdk/series.js";
import { UsageError, pickSeries, str } from "../context.js";
import { price, time, usdc } from "../output.js";
import type { Command } from "./types.js";

export const positionsCommand: Command = {
  name: "positions",
  summary: "balances, position, margin health and PnL of an account (alias: health)",
  usage: "[--account <address>] (default: your key's address)",
  options: { account: { type: "string" } },
  needsKey: (v) => str(v, "account") === undefined,
  async run(ctx, v) {
    const arg = str(v, "account");
    if (arg !== undefined && !isAddress(arg, { strict: false })) throw new UsageError(`--account is not an address: ${JSON.stringify(arg)}`);
    const account: Address = arg === undefined ? senderOf(ctx.mc) : getAddress(arg);
    const series = await pickSeries(ctx, v);
    const [b, p, status] = await Promise.all([balances(ctx.mc, account), positionOf(ctx.mc, series, account), seriesStatus(ctx.mc, series)]);
    const side = p.size > 0n ? "long" : p.size < 0n ? "short" : "flat";
    const text = [
      `account ${account}`,
      `  wallet ${usdc(b.wallet)}, free balance in the market ${usdc(b.free)}`,
      `series ${series.id} (${status.phase})`,
      `  position ${side}${p.size === 0n ? "" : ` ${p.size < 0n ? -p.size : p.size} @ ${price(p.entryPrice)}`}, margin ${usdc(p.margin)}`,
      `  mark ${price(p.mark)} (${p.settled ? "final price" : `index at ${time(p.markTime)}`}), unrealized PnL ${p.unrealizedPnl < 0n ? "-" : ""}${usdc(p.unrealizedPnl < 0n ? -p.unrealizedPnl : p.unrealizedPnl)}`,
      `  equity ${p.equity < 0n ? "-" : ""}${usdc(p.equity < 0n ? -p.equity : p.equity)}; initial ${usdc(p.initialRequired)}, maintenance ${usdc(p.maintenanceRequired)}: ${p.healthy ? "healthy" : "LIQUIDATABLE"}`,
    ];
    if (status.phase === "claimable" && p.size !== 0n) text.push(`  claimable: run \`claim\``);
    return { json: { account, balances: b, position: p, status }, text };
  },
};
