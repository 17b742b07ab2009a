/** Expiry and settlement: record settlement fixings, settle, close out, claim; and liquidation. */
import { type Address, type Hex, parseEventLogs } from "viem";
import { futuresMarketAbi } from "./abi/FuturesMarket.js";
import { type MarketClient, type Sent, marketContract, senderOf, sendTx } from "./client.js";
import { SdkError } from "./errors.js";
import { type Series, seriesStatus } from "./series.js";

/**
 * Credits the sender's settlement payout to its free balance. Resolves the sender's own position first if it is
 * still open (`closeOut`, one more transaction); claims open once every account of the series is resolved.
 */
export async function claim(mc: MarketClient, series: Series): Promise<Sent & { payout: bigint }> {
  const me = senderOf(mc);
  const status = await seriesStatus(mc, series);
  if (status.phase === "trading" || status.phase === "awaiting-settlement" || status.phase === "final-step") {
    throw new SdkError("NOT_SETTLED", `claim: series ${series.id} is not settled yet (${status.phase})`, { phase: status.phase });
  }
  const pos = await mc.publicClient.readContract({ ...marketContract(mc), functionName: "position", args: [series.id, me] });
  if (pos.size !== 0n) await closeOut(mc, series, me);
  const left = (await seriesStatus(mc, series)).openPositions;
  if (left !== 0) {
    throw new SdkError("CLAIMS_NOT_OPEN", `claim: ${left} account(s) of series ${series.id} are not resolved yet`, { unresolved: left });
  }
  const owed = await mc.publicClient.readContract({ ...marketContract(mc), functionName: "owedOf", args: [series.id, me] });
  if (owed === 0n) {
    throw new SdkError("NO_POSITION", `claim: ${me} has nothing to claim in series ${series.id}`, { seriesId: series.id });
  }
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "claim", args: [series.params] }, "claim");
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: sent.receipt.logs, eventName: "Claimed" });
  return { ...sent, payout: ev?.args.payout ?? 0n };
}

/** A signed oracle round, as `postFixing` takes it (`buildPostFixingArgs` in sdk/oracle.ts builds one). */
export type SettlementRound = readonly [
  indexId: Hex,
  timestamp: bigint,
  methodologyVersion: number,
  operators: readonly Address[],
  observations: readonly { value: bigint; inputsHash: Hex; r: Hex; vs: Hex }[],
];

/** Adds a signed round stamped in the settlement window to the series' average (each round counts once). */
export async function recordSettlementFixing(mc: MarketClient, series: Series, round: SettlementRound): Promise<Sent> {
  const [, timestamp, version, operators, observations] = round;
  return sendTx(mc, {
    ...marketContract(mc), functionName: "recordSettlementFixing", args: [series.params, timestamp, version, operators, observations],
  }, "recordSettlementFixing");
}

/** After the settlement window: sets the final price, or takes the next step of the mark toward it (0 until settled). */
export async function settle(mc: MarketClient, series: Series): Promise<Sent & { finalPrice: bigint }> {
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "settle", args: [series.params] }, "settle");
  // The first call sets the final price (FinalPriceSet); each call steps the mark; the last one emits SeriesSettled.
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: sent.receipt.logs, eventName: ["FinalPriceSet", "FinalMarkStepped", "SeriesSettled"] });
  return { ...sent, finalPrice: ev?.args.finalPrice ?? 0n };
}

/** Resolves any account of a settled series at the final price (anyone may call it for anyone). */
export async function closeOut(mc: MarketClient, series: Series, account: Address): Promise<Sent> {
  return sendTx(mc, { ...marketContract(mc), functionName: "closeOut", args: [series.params, account] }, "closeOut");
}

/**
 * Steps the series' mark toward the oracle's latest fixing (at most priceLimitBps per fixing; anyone may call it
 * after each fixing so the mark follows the index without trades). Returns the new mark (MarkUpdated, or the
 * unchanged mark when the fixing was already taken).
 */
export async function updateMark(mc: MarketClient, series: Series): Promise<Sent & { mark: bigint }> {
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "updateMark", args: [series.params] }, "updateMark");
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: sent.receipt.logs, eventName: "MarkUpdated" });
  const [mark] = ev ? [ev.args.mark] : await mc.publicClient.readContract({ ...marketContract(mc), functionName: "currentMark", args: [series.params] });
  return { ...sent, mark };
}

/** Liquidates up to `maxSize` contracts (default: all) of an unhealthy account; the sender takes them over. */
export async function liquidate(
  mc: MarketClient,
  series: Series,
  account: Address,
  maxSize: bigint = 2n ** 64n - 1n,
): Promise<Sent & { size: bigint; reward: bigint; deficit: bigint }> {
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "liquidate", args: [series.params, account, maxSize] }, "liquidate");
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: sent.receipt.logs, eventName: "Liquidated" });
  return { ...sent, size: ev?.args.size ?? 0n, reward: ev?.args.reward ?? 0n, deficit: ev?.args.deficit ?? 0n };
}
