import { getAddress, isAddress } from "viem";
import { balances, positionOf } from "../../sdk/account.js";
import { senderOf } from "../../sdk/client.js";
import { SdkError } from "../../sdk/errors.js";
import { addMargin, deposit, removableMargin, removeMargin, withdraw } from "../../sdk/funds.js";
import { UsageError, pickSeries, str } from "../context.js";
import { usdc } from "../output.js";
import { type Command, amountArg } from "./types.js";

/** `--amount all` resolved to `all` (nothing to move is refused), else the amount given. */
function resolveAll(amount: bigint | "all", all: bigint, what: string): bigint {
  if (amount !== "all") return amount;
  if (all === 0n) throw new SdkError("INSUFFICIENT_BALANCE", `--amount all: ${what} is 0 USDC, nothing to move`, { available: 0n });
  return all;
}

export const depositCommand: Command = {
  name: "deposit",
  summary: "deposit collateral into the market (approves first when needed)",
  usage: "--amount <USDC|all> (all: the wallet's whole balance)",
  options: { amount: { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const me = senderOf(ctx.mc);
    const amount = resolveAll(amountArg(v), (await balances(ctx.mc, me)).wallet, "the wallet's balance");
    const r = await deposit(ctx.mc, amount);
    const b = await balances(ctx.mc, me);
    return {
      json: { amount, free: b.free, wallet: b.wallet, txHash: r.txHash, approveTxHash: r.approve?.txHash },
      text: [`deposited ${usdc(amount)}; free balance ${usdc(b.free)}, wallet ${usdc(b.wallet)}`, `  tx ${r.txHash}`],
    };
  },
};

export const withdrawCommand: Command = {
  name: "withdraw",
  summary: "withdraw from your free balance",
  usage: "--amount <USDC|all> [--to <address>] (all: the whole free balance)",
  options: { amount: { type: "string" }, to: { type: "string" } },
  needsKey: true,
  async run(ctx, v) {
    const to = str(v, "to");
    if (to !== undefined && !isAddress(to, { strict: false })) throw new UsageError(`--to is not an address: ${JSON.stringify(to)}`);
    const me = senderOf(ctx.mc);
    const amount = resolveAll(amountArg(v), (await balances(ctx.mc, me)).free, "the free balance");
    const r = await withdraw(ctx.mc, amount, to === undefined ? undefined : getAddress(to));
    const b = await balances(ctx.mc, me);
    return {
      json: { amount, free: b.free, txHash: r.txHash },
      text: [`withdrew ${usdc(amount)}; free balance ${usdc(b.free)}`, `  tx ${r.txHash}`],
    };
  },
};

export const marginCommand: Command = {
  name: "margin",
  summary: "move collateral between your free balance and a position's margin",
  usage: "add|remove --amount <USDC|all> (add all: the whole free balance; remove all: what keeps initial margin)",
  options: { amount: { type: "string" } },
  needsKey: true,
  async run(ctx, v, positionals) {
    const action = positionals[0];
    if (action !== "add" && action !== "remove") throw new UsageError(`margin needs "add" or "remove", got ${JSON.stringify(action ?? "")}`);
    const requested = amountArg(v);
    const series = await pickSeries(ctx, v);
    const me = senderOf(ctx.mc);
    const all =
      requested !== "all" ? 0n : action === "add" ? (await balances(ctx.mc, me)).free : removableMargin(await positionOf(ctx.mc, series, me));
    const amount = resolveAll(requested, all, action === "add" ? "the free balance" : "the margin that may leave");
    const r = action === "add" ? await addMargin(ctx.mc, series, amount) : await removeMargin(ctx.mc, series, amount);
    return {
      json: { action, amount, seriesId: series.id, txHash: r.txHash },
      text: [`${action === "add" ? "added" : "removed"} ${usdc(amount)} of margin in ${series.id}`, `  tx ${r.txHash}`],
    };
  },
};
