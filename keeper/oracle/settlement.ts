/**
 * Settlement of configured series (FuturesMarket): once the oracle's latest fixing lies in a series' settlement
 * window [expiry, expiry + settlementWindow] it is recorded (`recordSettlementFixing`), and once chain time is
 * past the window the series is settled (`settle`). Both go through the sender with an idempotency key (one
 * record per fixing, one settle per series), so they are journaled and never sent twice by this keeper; what
 * another keeper did first makes the simulation revert and the action is skipped, not sent.
 */
import { type Hex, encodeFunctionData } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexNameFromId } from "../../sdk/oracle.js";
import { type SeriesParams, seriesId } from "../../sdk/orders.js";
import type { SendRequest, SendResult, TxSender } from "../chain/sender.js";
import type { KeeperConfig } from "../config/schema.js";
import type { Logger } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";

/** A short stable tag of a series for idempotency keys: index name, expiry and the start of its series id. */
export function seriesTag(series: SeriesParams): string {
  return `${indexNameFromId(series.indexId)}:${series.expiry}:${seriesId(series).slice(2, 14)}`;
}

/**
 * The settlement steps due for a series at chain time `now`, given the oracle's latest fixing time: record that
 * fixing if it lies in [expiry, expiry + window]; settle once the window closed AND the last round of the window
 * had its chance to be recorded (a fixing at or after the window's end is on-chain, or one more interval passed) —
 * a fixing timed exactly at the window's end can only be posted when settling already became possible.
 */
export function settlementSteps(series: Pick<SeriesParams, "expiry" | "settlementWindow">, now: bigint, latestFixing: bigint, intervalSeconds: number): { record?: bigint; settle: boolean } {
  const expiry = series.expiry;
  const closes = expiry + BigInt(series.settlementWindow);
  const record = latestFixing >= expiry && latestFixing <= closes ? latestFixing : undefined;
  const settle = now > closes && (latestFixing >= closes || now > closes + BigInt(intervalSeconds));
  return { ...(record !== undefined ? { record } : {}), settle };
}

/** Retry a skipped settlement action at most this often (local ms): e.g. settle before the fallback grace ended. */
const RETRY_SKIPPED_MS = 30_000;

export class SettlementTracker {
  /** Keys sent or already in the journal: nothing more to do. */
  private readonly done = new Set<string>();
  private readonly skippedAt = new Map<string, number>();

  constructor(private readonly o: { config: KeeperConfig; sender: TxSender; log: Logger; metrics: KeeperMetrics }) {}

  /** Sends the due settlement actions of the series of one index (never throws on a revert: skipped). */
  async check(feed: { name: string; indexId: Hex }, now: bigint, latestFixing: bigint): Promise<SendResult[]> {
    const market = this.o.config.contracts.market;
    const results: SendResult[] = [];
    if (market === undefined) return results;
    // Record a fixing of the window before settling, even when both are due in one pass (the record goes first).
    for (const params of this.o.config.settlement.filter((s) => s.indexId === feed.indexId)) {
      const tag = seriesTag(params);
      const due = settlementSteps(params, now, latestFixing, this.o.config.schedule.intervalSeconds);
      const steps: SendRequest[] = [];
      if (due.record !== undefined) {
        steps.push({ key: `record:${tag}:${due.record}`, kind: "settlement", to: market, abi: futuresMarketAbi,
          data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "recordSettlementFixing", args: [params] }) });
      }
      if (due.settle) {
        steps.push({ key: `settle:${tag}`, kind: "settlement", to: market, abi: futuresMarketAbi,
          data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "settle", args: [params] }) });
      }
      for (const req of steps) {
        if (this.done.has(req.key)) continue;
        const skipped = this.skippedAt.get(req.key);
        if (skipped !== undefined && Date.now() - skipped < RETRY_SKIPPED_MS) continue;
        const result = await this.o.sender.send(req);
        results.push(result);
        if (result.status === "sent" || result.status === "exists") {
          this.done.add(req.key);
          if (result.status === "sent") {
            this.o.metrics.settlementActions.inc({ action: req.key.split(":")[0] ?? "settlement" });
            this.o.log.info("settlement action sent", { key: req.key, hash: result.hash });
          }
        } else if (result.status === "skipped") {
          this.skippedAt.set(req.key, Date.now());
          this.o.log.info("settlement action not needed or not possible now: skipped", { key: req.key, reason: result.reason });
        }
      }
    }
    return results;
  }
}
