import { type Address, getAddress, isAddress } from "viem";
import { type PositionView, balances, positionOf } from "../../sdk/account.js";
import { senderOf } from "../../sdk/client.js";
import { marketContract } from "../../sdk/client.js";
import { type Series, type SeriesStatus, listSeries, seriesStatus } from "../../sdk/series.js";
import { UsageError, pickSeries, str } from "../context.js";
import { price, table, time, usdc } from "../output.js";
import type { Command } from "./types.js";

const signed = (x: bigint) => (x < 0n ? `-${usdc(-x)}` : usdc(x));

export const positionsCommand: Command = {
  name: "positions",
  summary: "balances, and position, margin health and PnL in every series of an account (alias: health)",
  usage: "[--account <address>] [--series <id|n>] (default: your key's address, every series where it holds something)",
  options: { account: { type: "string" } },
  needsKey: (v) => str(v, "account") === undefined,
  async run(ctx, v) {
    const arg = str(v, "account");
    if (arg !== undefined && !isAddress(arg, { strict: false })) throw new UsageError(`--account is not an address: ${JSON.stringify(arg)}`);
    const account: Address = arg === undefined ? senderOf(ctx.mc) : getAddress(arg);
    const chosen: Series[] = str(v, "series") !== undefined ? [await pickSeries(ctx, v)] : await listSeries(ctx.mc);
    const [b, rows] = await Promise.all([
      balances(ctx.mc, account),
      Promise.all(
        chosen.map(async (series) => {
          const [position, status, owed] = await Promise.all([
            positionOf(ctx.mc, series, account),
            seriesStatus(ctx.mc, series),
            ctx.mc.publicClient.readContract({ ...marketContract(ctx.mc), functionName: "owedOf", args: [series.id, account] }),
          ]);
          return { series, position, status, owed };
        }),
      ),
    ]);
    // Without --series: the series where the account holds a position, margin or a claim.
    const held = str(v, "series") !== undefined ? rows : rows.filter((r) => r.position.size !== 0n || r.position.margin !== 0n || r.owed !== 0n);
    const text = [`account ${account}`, `  wallet ${usdc(b.wallet)}, free balance in the market ${usdc(b.free)}`];
    if (held.length === 0) text.push(`  no position in any of the ${rows.length} series`);
    else {
      text.push("", ...table(["#", "series", "phase", "position", "entry", "mark", "unrealized PnL", "margin", "equity", "maintenance", "health"], held.map(line)));
      for (const r of held) {
        if (r.status.phase === "claimable" && (r.position.size !== 0n || r.owed !== 0n)) text.push(`  claimable in ${r.series.id}: run \`claim --series ${r.series.id}\``);
      }
    }
    const json = { account, balances: b, positions: held.map((r) => ({ seriesId: r.series.id, position: r.position, status: r.status, owed: r.owed })) };
    return { json, text };

    function line(r: { series: Series; position: PositionView; status: SeriesStatus }): string[] {
      const p = r.position;
      const side = p.size > 0n ? `long ${p.size}` : p.size < 0n ? `short ${-p.size}` : "flat";
      return [
        String(rows.indexOf(r as (typeof rows)[number])),
        `${r.series.id.slice(0, 10)}… expiry ${time(r.series.params.expiry)}`,
        r.status.phase,
        side,
        p.size === 0n ? "-" : price(p.entryPrice),
        `${price(p.mark)}${p.settled ? " (final)" : ""}`,
        signed(p.unrealizedPnl),
        usdc(p.margin),
        signed(p.equity),
        usdc(p.maintenanceRequired),
        p.healthy ? "healthy" : "LIQUIDATABLE",
      ];
    }
  },
};
