/** Moving collateral: deposit (with approve), withdraw, add and remove margin. Each pre-checks before sending. */
import { type Address, erc20Abi, getAddress } from "viem";
import { type PositionView, balances, positionOf } from "./account.js";
import { type MarketClient, type Sent, chainTime, marketContract, senderOf, sendTx } from "./client.js";
import { SdkError, ensure } from "./errors.js";
import type { Series } from "./series.js";
import { formatTime, formatUsdc } from "./units.js";

export interface DepositResult extends Sent {
  /** The approve transaction, when the allowance was short. */
  approve?: Sent | undefined;
}

/** Approves the market if needed, then deposits `amount` (collateral base units). */
export async function deposit(mc: MarketClient, amount: bigint): Promise<DepositResult> {
  ensure(amount > 0n, `deposit: the amount must be positive, got ${formatUsdc(amount)}`);
  const me = senderOf(mc);
  const { wallet } = await balances(mc, me);
  if (wallet < amount) {
    throw new SdkError("INSUFFICIENT_BALANCE", `deposit: ${me} holds ${formatUsdc(wallet)} in its wallet, ${formatUsdc(amount)} asked`, {
      needed: amount,
      available: wallet,
    });
  }
  const allowance = await mc.publicClient.readContract({
    address: mc.collateral,
    abi: erc20Abi,
    functionName: "allowance",
    args: [me, mc.market],
  });
  const approve =
    allowance < amount
      ? await sendTx(mc, { address: mc.collateral, abi: erc20Abi, functionName: "approve", args: [mc.market, amount] }, "approve")
      : undefined;
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "deposit", args: [amount] }, "deposit");
  return { ...sent, approve };
}

/** Withdraws `amount` of the free balance to `to` (default: the sender). */
export async function withdraw(mc: MarketClient, amount: bigint, to?: Address): Promise<Sent> {
  ensure(amount > 0n, `withdraw: the amount must be positive, got ${formatUsdc(amount)}`);
  const me = senderOf(mc);
  const { free } = await balances(mc, me);
  if (free < amount) {
    throw new SdkError("INSUFFICIENT_BALANCE", `withdraw: the free balance of ${me} is ${formatUsdc(free)}, ${formatUsdc(amount)} asked`, {
      needed: amount,
      available: free,
    });
  }
  return sendTx(mc, { ...marketContract(mc), functionName: "withdraw", args: [amount, getAddress(to ?? me)] }, "withdraw");
}

/** Moves `amount` of the free balance into the margin of an open position. */
export async function addMargin(mc: MarketClient, series: Series, amount: bigint): Promise<Sent> {
  ensure(amount > 0n, `addMargin: the amount must be positive, got ${formatUsdc(amount)}`);
  const me = senderOf(mc);
  const [{ free }, pos] = await Promise.all([
    balances(mc, me),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "position", args: [series.id, me] }),
  ]);
  if (pos.size === 0n && pos.shares === 0n) {
    throw new SdkError("NO_POSITION", `addMargin: ${me} has no position in series ${series.id}`, { seriesId: series.id });
  }
  if (free < amount) {
    throw new SdkError("INSUFFICIENT_BALANCE", `addMargin: the free balance of ${me} is ${formatUsdc(free)}, ${formatUsdc(amount)} asked`, {
      needed: amount,
      available: free,
    });
  }
  return sendTx(mc, { ...marketContract(mc), functionName: "addMargin", args: [series.params, amount] }, "addMargin");
}

/**
 * Moves `amount` of margin back to the free balance; the position must stay at or above initial margin, and the
 * series must not have expired (from expiry on margin stays until the settlement releases it: `claim`).
 */
export async function removeMargin(mc: MarketClient, series: Series, amount: bigint): Promise<Sent> {
  ensure(amount > 0n, `removeMargin: the amount must be positive, got ${formatUsdc(amount)}`);
  const now = await chainTime(mc);
  if (now >= series.params.expiry) {
    throw new SdkError(
      "SERIES_EXPIRED",
      `removeMargin: series ${series.id} expired at ${formatTime(series.params.expiry)} (chain time ${formatTime(now)}); its margin is released by the settlement (claim)`,
      { expiry: series.params.expiry, now },
    );
  }
  const me = senderOf(mc);
  const pos = await positionOf(mc, series, me);
  if (pos.margin < amount) {
    throw new SdkError("INSUFFICIENT_MARGIN", `removeMargin: the margin of ${me} is ${formatUsdc(pos.margin)}, ${formatUsdc(amount)} asked`, {
      needed: amount,
      available: pos.margin,
    });
  }
  const removable = removableMargin(pos);
  if (amount > removable) {
    throw new SdkError(
      "INSUFFICIENT_MARGIN",
      `removeMargin: at most ${formatUsdc(removable)} can leave (equity ${formatUsdc(pos.equity)}, initial margin ${formatUsdc(pos.initialRequired)}), ${formatUsdc(amount)} asked`,
      { needed: amount, available: removable },
    );
  }
  return sendTx(mc, { ...marketContract(mc), functionName: "removeMargin", args: [series.params, amount] }, "removeMargin");
}

/** How much margin may leave a position now: all of it when flat, else what keeps equity at initial margin. */
export function removableMargin(pos: Pick<PositionView, "size" | "margin" | "equity" | "initialRequired">): bigint {
  if (pos.size === 0n) return pos.margin;
  const spare = pos.equity > pos.initialRequired ? pos.equity - pos.initialRequired : 0n;
  return spare < pos.margin ? spare : pos.margin;
}

/** Moves `amount` of the sender's free balance into a series' insurance fund. */
export async function fundInsurance(mc: MarketClient, series: Series, amount: bigint): Promise<Sent> {
  ensure(amount > 0n, `fundInsurance: the amount must be positive, got ${formatUsdc(amount)}`);
  const me = senderOf(mc);
  const { free } = await balances(mc, me);
  if (free < amount) {
    throw new SdkError("INSUFFICIENT_BALANCE", `fundInsurance: the free balance of ${me} is ${formatUsdc(free)}, ${formatUsdc(amount)} asked`, { needed: amount, available: free });
  }
  return sendTx(mc, { ...marketContract(mc), functionName: "fundInsurance", args: [series.params, amount] }, "fundInsurance");
}
