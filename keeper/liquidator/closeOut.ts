/**
 * Resolution after settlement: once a series is settled (the mark reached the final price), every account that
 * still holds a position is resolved with `closeOut(params, account)` — winners' equity becomes owed, losers'
 * deficits are recorded — so that the last resolution fixes the payout ratio and claims open. Anyone may resolve
 * anyone; the keeper resolves every account of its book. One idempotency key per (series, account): never sent
 * twice; an account someone else resolved first makes the simulation revert (NoPosition) and is skipped.
 */
import { type Address, type Hex, encodeFunctionData } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { silentLogger } from "../observability/log.js";
import type { LiquidatorOptions } from "./loop.js";

export interface CloseOutReport {
  /** Accounts the book still holds a position for (before this pass). */
  open: number;
  sent: Address[];
  skipped: { account: Address; reason: string }[];
}

/** The idempotency key of a close-out: one per (series, account). */
export function closeOutKey(seriesId: Hex, account: Address): string {
  return `closeOut:${seriesId}:${account.toLowerCase()}`;
}

/** Sends `closeOut` for every account of the synced book that still holds a position in the settled series. */
export async function closeOutSettled(o: LiquidatorOptions, head: bigint): Promise<CloseOutReport> {
  const log = o.log ?? silentLogger;
  const view = await o.book.sync(head);
  const open = [...view.positions].filter(([, p]) => p.size !== 0n).map(([a]) => a as Address);
  const report: CloseOutReport = { open: open.length, sent: [], skipped: [] };
  for (const account of open) {
    const r = await o.sender.send({
      key: closeOutKey(o.book.seriesId, account),
      kind: "closeOut",
      to: o.market,
      abi: futuresMarketAbi,
      data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "closeOut", args: [o.params, account] }),
    });
    if (r.status === "sent" || r.status === "dry-run") report.sent.push(account);
    else if (r.status === "skipped") report.skipped.push({ account, reason: r.reason });
  }
  if (open.length > 0) log.info("close-out pass", { open: open.length, sent: report.sent.length, skipped: report.skipped.length });
  return report;
}
