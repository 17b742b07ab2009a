/** Expiry and settlement: record settlement fixings, settle, close out, claim; how a series settled; and liquidation. */
import { type Address, type Hex, type Log, parseEventLogs } from "viem";
import { futuresMarketAbi } from "./abi/FuturesMarket.js";
import { type MarketClient, type MarketLog, type Sent, marketContract, scanLogs, senderOf, sendTx } from "./client.js";
import { SdkError } from "./errors.js";
import { type Series, seriesStatus } from "./series.js";
import { formatPrice } from "./units.js";

/**
 * How a series settled (`SettlementKind` of the market's `SeriesSettled`): after its window from the recorded
 * rounds, by the fallback (no round: the last mark after the grace), early at the limit price of a
 * fixing beyond the price limit, or early at the mark when a liquidation left a loss nothing covers.
 */
export const SETTLEMENT_KINDS = ["window", "fallback", "limit-move", "unbacked-loss"] as const;
export type SettlementKind = (typeof SETTLEMENT_KINDS)[number];

/** A series' settlement, from its `SeriesSettled` event. */
export interface SeriesSettlement {
  kind: SettlementKind;
  /** The price every account is resolved at. */
  finalPrice: bigint;
  /**
   * The price the settlement started from: the window average (window), the last mark (fallback), the
   * index beyond the limit (limit-move) or the mark (unbacked-loss); `finalPrice` is it clamped to the last mark +-
   * priceLimitBps.
   */
  referencePrice: bigint;
  /** Settlement rounds recorded in the window (0 when it settled early or by the fallback). */
  fixingCount: number;
  blockNumber: bigint;
  txHash: Hex;
}

type SettledLog = { args: { seriesId?: Hex; finalPrice?: bigint; referencePrice?: bigint; fixingCount?: number; kind?: number }; blockNumber: bigint | null; transactionHash: Hex | null };

function settlementOf(log: SettledLog): SeriesSettlement {
  const a = log.args;
  const kind = SETTLEMENT_KINDS[a.kind ?? -1];
  if (kind === undefined) throw new SdkError("RPC_ERROR", `SeriesSettled of series ${a.seriesId}: unknown settlement kind ${a.kind}`, { kind: a.kind });
  return { kind, finalPrice: a.finalPrice!, referencePrice: a.referencePrice!, fixingCount: a.fixingCount!, blockNumber: log.blockNumber ?? 0n, txHash: log.transactionHash ?? "0x" };
}

/**
 * A settlement in words, decimal prices: the final price, how the series settled and the reference price it came
 * from, e.g. "final price 3.36 (window average 3 of 2 rounds, clamped to the price limit of the last mark)".
 */
export function describeSettlement(s: SeriesSettlement): string {
  const final = `final price ${formatPrice(s.finalPrice)}`;
  const ref = formatPrice(s.referencePrice);
  const clamped = s.finalPrice !== s.referencePrice ? ", clamped to the price limit of the last mark" : "";
  switch (s.kind) {
    case "window":
      return `${final} (window average ${ref} of ${s.fixingCount} round${s.fixingCount === 1 ? "" : "s"}${clamped})`;
    case "fallback":
      return `${final} (fallback: no settlement round, the last mark ${ref}${clamped})`;
    case "limit-move":
      return `${final} (settled early: the index ${ref} moved beyond the price limit, settled at the limit price)`;
    case "unbacked-loss":
      return `${final} (settled early at the mark: a liquidation left a loss that no margin or insurance covers)`;
  }
}

/** The settlement in a transaction's logs (settle, updateMark on a limit move, a liquidation leaving an unbacked loss), if any. */
export function settlementIn(logs: readonly Log[]): SeriesSettlement | undefined {
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: [...logs], eventName: "SeriesSettled" });
  return ev ? settlementOf(ev) : undefined;
}

/**
 * How the series settled (its `SeriesSettled` event), or undefined while it is not settled. `logs`: the market's
 * logs already read (`readMarketLogs`), else one log scan of the event.
 */
export async function readSettlement(mc: MarketClient, series: Series, logs?: readonly MarketLog[]): Promise<SeriesSettlement | undefined> {
  const id = series.id.toLowerCase();
  const found = logs
    ? logs.filter((l) => l.eventName === "SeriesSettled")
    : await scanLogs(mc, (fromBlock, toBlock) =>
        mc.publicClient.getContractEvents({ ...marketContract(mc), eventName: "SeriesSettled", args: { seriesId: series.id }, fromBlock, toBlock, strict: true }));
  const ev = found.find((l) => (l.args as { seriesId: Hex }).seriesId.toLowerCase() === id);
  return ev ? settlementOf(ev as unknown as SettledLog) : undefined;
}

/**
 * Credits the sender's settlement payout to its free balance. Resolves the sender's own position first if it is
 * still open (`closeOut`, one more transaction); claims open once every account of the series is resolved.
 */
export async function claim(mc: MarketClient, series: Series): Promise<Sent & { payout: bigint }> {
  const me = senderOf(mc);
  const status = await seriesStatus(mc, series);
  if (status.phase === "trading" || status.phase === "awaiting-settlement") {
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

/**
 * After the settlement window, settles the series in one transaction: the final price is the window average (or
 * the fallback) clamped to the last mark +- priceLimitBps.
 */
export async function settle(mc: MarketClient, series: Series): Promise<Sent & { settlement: SeriesSettlement }> {
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "settle", args: [series.params] }, "settle");
  const settlement = settlementIn(sent.receipt.logs);
  if (!settlement) throw new SdkError("REVERTED", `settle: transaction ${sent.txHash} emitted no SeriesSettled`, { hash: sent.txHash });
  return { ...sent, settlement };
}

/** Resolves any account of a settled series at the final price (anyone may call it for anyone). */
export async function closeOut(mc: MarketClient, series: Series, account: Address): Promise<Sent> {
  return sendTx(mc, { ...marketContract(mc), functionName: "closeOut", args: [series.params, account] }, "closeOut");
}

/**
 * Takes the oracle's latest fixing as the series' mark (anyone may call it after each fixing so the mark follows
 * the index without trades). A fixing beyond the price limit settles the series at the limit price instead
 * (`settlement`, kind limit-move; after expiry that reverts LimitMove: `settle` decides). Returns the new mark
 * (MarkUpdated, the final price when it settled, or the unchanged mark when the fixing was already taken).
 */
export async function updateMark(mc: MarketClient, series: Series): Promise<Sent & { mark: bigint; settlement?: SeriesSettlement }> {
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "updateMark", args: [series.params] }, "updateMark");
  const settlement = settlementIn(sent.receipt.logs);
  if (settlement) return { ...sent, mark: settlement.finalPrice, settlement };
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: sent.receipt.logs, eventName: "MarkUpdated" });
  const [mark] = ev ? [ev.args.mark] : await mc.publicClient.readContract({ ...marketContract(mc), functionName: "currentMark", args: [series.params] });
  return { ...sent, mark };
}

/**
 * Liquidates up to `maxSize` contracts (default: all) of an unhealthy account; the sender takes them over. A
 * liquidation that leaves a loss nothing covers settles the series at the mark (`settlement`, kind unbacked-loss).
 */
export async function liquidate(
  mc: MarketClient,
  series: Series,
  account: Address,
  maxSize: bigint = 2n ** 64n - 1n,
): Promise<Sent & { size: bigint; reward: bigint; deficit: bigint; settlement?: SeriesSettlement }> {
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "liquidate", args: [series.params, account, maxSize] }, "liquidate");
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: sent.receipt.logs, eventName: "Liquidated" });
  const settlement = settlementIn(sent.receipt.logs);
  return { ...sent, size: ev?.args.size ?? 0n, reward: ev?.args.reward ?? 0n, deficit: ev?.args.deficit ?? 0n, ...(settlement ? { settlement } : {}) };
}
