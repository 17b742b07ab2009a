import { getAddress, isAddress } from "viem";
import { balances } from "../../sdk/account.js";
import { senderOf } from "../../sdk/client.js";
import { addMargin, deposit, removeMargin, withdraw } from "../../sdk/funds.js";
import { UsageError, pickSeries, str } from "../context.js";
import { usdc } from "../output.js";
import { type Command, amountArg } from "./types.js";

export const depositCommand: Command = {
  name: "deposit",
  summary: "deposit collateral into the market (approves first when needed)",
  usage: "--amount <USDC>",
  options: { amount: { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const amount = amountArg(v);
    const r = await deposit(ctx.mc, amount);
    const b = await balances(ctx.mc, senderOf(ctx.mc));
    return {
      json: { amount, free: b.free, wallet: b.wallet, txHash: r.txHash, approveTxHash: r.approve?.txHash },
      text: [`deposited ${usdc(amount)}; free balance ${usdc(b.free)}, wallet ${usdc(b.wallet)}`, `  tx ${r.txHash}`],
    };
  },
};

export const withdrawCommand: Command = {
  name: "withdraw",
  summary: "withdraw from your free balance",
  usage: "--amount <USDC> [--to <address>]",
  options: { amount: { type: "string" }, to: { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const amount = amountArg(v);
    const to = str(v, "to");
    if (to !== undefined && !isAddress(to, { strict: false })) throw new UsageError(`--to is not an address: ${JSON.stringify(to)}`);
    const r = await withdraw(ctx.mc, amount, to === undefined ? undefined : getAddress(to));
    const b = await balances(ctx.mc, senderOf(ctx.mc));
    return {
      json: { amount, free: b.free, txHash: r.txHash },
      text: [`withdrew ${usdc(amount)}; free balance ${usdc(b.free)}`, `  tx ${r.txHash}`],
    };
  },
};

export const marginCommand: Command = {
  name: "margin",
  summary: "move collateral between your free balance and a position's margin",
  usage: "add|remove --amount <USDC>",
  options: { amount: { type: "string" } },
  needsKey: true,
  async run(ctx, v, positionals) {
    const action = positionals[0];
    if (action !== "add" && action !== "remove") throw new UsageError(`margin needs "add" or "remove", got ${JSON.stringify(action ?? "")}`);
    const amount = amountArg(v);
    const series = await pickSeries(ctx, v);
    const r = action === "add" ? await addMargin(ctx.mc, series, amount) : await removeMargin(ctx.mc, series, amount);
    return {
      json: { action, amount, seriesId: series.id, txHash: r.txHash },
      text: [`${action === "add" ? "added" : "removed"} ${usdc(amount)} of margin in ${series.id}`, `  tx ${r.txHash}`],
    };
  },
};
