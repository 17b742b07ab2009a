/**
 * The liquidation loop. A scan: read the head block, sync the account book from events (book.ts), read the
 * series state (pool, pause, settlement, stored mark) and the series' current mark (`currentMark`) in one round
 * of two eth_calls (a third, the oracle's latest fixing, only when the current mark is the stored one's limit
 * price: was the fixing exactly at the limit or beyond it?), compute
 * every tracked account's health locally with the margin-math mirror, and for each account below maintenance
 * send `liquidate(params, account, maxSize)` through the TxSender, which simulates it first (eth_call): a
 * liquidation that became unnecessary (AccountHealthy, NothingToLiquidate, NoPosition: the account was topped
 * up or liquidated by someone else since the scan) is skipped, never sent. The idempotency key is
 * (series, account, fixing timestamp): at most one liquidation per account per fixing, even across restarts.
 *
 * The liquidator takes the liquidated contracts over at the mark: its account needs free balance in the
 * market for the initial margin of what it takes (`liquidator.maxSize` bounds one liquidation).
 *
 * The mark is the latest fixing, as long as each fixing lies within priceLimitBps of the previous mark: after each
 * new fixing the scan sends `updateMark(params)` when the stored mark is older than the fixing (key: series and
 * fixing time), so the mark follows the index while nobody trades. A fixing beyond the limit blocks liquidations
 * (they would revert `LimitMove`) and the scan's `updateMark` settles the series at the limit price (fixings stamped
 * at or after expiry never become the mark: `settle` decides): the next scans then resolve every account. A liquidation
 * that reverts `LimitMove` (a fixing beyond the limit arrived since the scan) sends that `updateMark` at once;
 * one that reverts `AlreadySettled` (the series settled since the scan, e.g. on an unbacked loss) or `SeriesExpired`
 * (liquidations stop at expiry, with trading) ends the pass.
 */
import { type Address, type Hex, type PublicClient, encodeFunctionData } from "viem";
import type { SendResult, TxSender } from "../chain/sender.js";
import { type Logger, silentLogger } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { sleep } from "../observability/shutdown.js";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { type Pool, abs, health, liquidationReward, liquidationSize, nextMark } from "../../sdk/marginMath.js";
import type { SeriesParams } from "../../sdk/orders.js";
import { formatPrice } from "../../sdk/units.js";
import type { AccountBook } from "./book.js";
import { type CloseOutReport, closeOutSettled } from "./closeOut.js";
import type { SeriesBook } from "./replay.js";

const latestAbi = [
  {
    type: "function",
    name: "latest",
    stateMutability: "view",
    inputs: [{ name: "indexId", type: "bytes32" }],
    outputs: [{ name: "value", type: "uint256" }, { name: "timestamp", type: "uint64" }],
  },
] as const;

/** Above any index (the market's marks are below 2^96): `nextMark` toward it gives the upper limit price. */
const MAX_PRICE = 2n ** 96n;

/** The oracle's latest fixing of the series' index, [value, timestamp] (at block `blockNumber`, if given). */
function latestFixing(o: LiquidatorOptions, blockNumber?: bigint): Promise<readonly [bigint, bigint]> {
  return o.client.readContract({ address: o.oracle, abi: latestAbi, functionName: "latest", args: [o.params.indexId], ...(blockNumber === undefined ? {} : { blockNumber }) });
}

/** Reverts that mean "no longer needed": the action is dropped, not retried. */
export const UNNEEDED = ["AccountHealthy", "NothingToLiquidate", "NoPosition"] as const;
/** Reverts that mean the series settles, settled or expired since the scan: no liquidation can go through any more. */
export const SETTLING = ["LimitMove", "AlreadySettled", "SeriesExpired"] as const;

export interface Candidate {
  account: Address;
  size: bigint;
  equity: bigint;
  maintenance: bigint;
  /** Reward the mirror expects (before the margin bound). */
  reward: bigint;
}

/** Accounts of `book` below maintenance at `mark`, with what a liquidation of at most `maxSize` would take. */
export function findUnhealthy(params: SeriesParams, book: SeriesBook, pool: Pool, mark: bigint, maxSize: bigint): Candidate[] {
  const out: Candidate[] = [];
  for (const [account, pos] of book.positions) {
    if (pos.size === 0n) continue;
    const h = health(params, pos, pool, mark);
    if (h.equity >= h.maintenanceRequired) continue;
    const size = liquidationSize(params, abs(pos.size), h.equity, h.maintenanceRequired, mark, maxSize);
    out.push({ account: account as Address, size, equity: h.equity, maintenance: h.maintenanceRequired, reward: liquidationReward(params, size, abs(pos.size), h.equity, mark) });
  }
  return out;
}

export interface LiquidatorOptions {
  client: PublicClient;
  sender: TxSender;
  book: AccountBook;
  market: Address;
  oracle: Address;
  params: SeriesParams;
  /** Largest number of contracts taken over in one liquidation. */
  maxSize: bigint;
  /** Liquidations whose expected reward is below this (collateral units) are not sent. */
  minReward: bigint;
  /** Seconds liquidations wait after an unpause: the market's LIQUIDATION_GRACE (read from the contract when omitted). */
  liquidationGraceSeconds?: bigint;
  log?: Logger;
  metrics?: KeeperMetrics;
  onLiquidation?: (r: SendResult, c: Candidate) => void;
}

export interface IdentifyResult {
  head: bigint;
  chainTime: bigint;
  mark: bigint;
  fixingTime: bigint;
  /**
   * No updateMark to send: the stored mark already stands for `fixingTime` (fixings stamped at or after expiry never
   * become the mark: currentMark keeps the last one before), or the series is settled.
   */
  markStored: boolean;
  /** The latest fixing lies beyond the price limit of the stored mark: `updateMark` settles the series (before expiry). */
  limitMove: boolean;
  /** Why nothing can be liquidated now (paused, settled, stale index, grace), or undefined. */
  blocked?: string;
  tracked: number;
  unhealthy: Candidate[];
  /** The chain's pool differs from the replayed one (the chain's is used). */
  poolMismatch: boolean;
  /** The series is settled: accounts are resolved (closeOut.ts) instead of liquidated. */
  settled: boolean;
}

const graces = new Map<string, Promise<bigint>>();
/** The market's LIQUIDATION_GRACE (a constant of the contract: read once per market and process). */
function liquidationGrace(client: LiquidatorOptions["client"], market: Address): Promise<bigint> {
  const key = market.toLowerCase();
  let g = graces.get(key);
  if (!g) {
    g = client.readContract({ address: market, abi: futuresMarketAbi, functionName: "LIQUIDATION_GRACE" });
    g.catch(() => graces.delete(key));
    graces.set(key, g);
  }
  return g;
}

/** Syncs the book and finds the unhealthy accounts: a constant number of RPC requests, whatever the account count. */
export async function identify(o: LiquidatorOptions): Promise<IdentifyResult> {
  const block = await o.client.getBlock({ blockTag: "latest" });
  const head = block.number as bigint;
  const [view, state, current] = await Promise.all([
    o.book.sync(head),
    o.client.readContract({ address: o.market, abi: futuresMarketAbi, functionName: "seriesState", args: [o.book.seriesId], blockNumber: head }),
    o.client.readContract({ address: o.market, abi: futuresMarketAbi, functionName: "currentMark", args: [o.params], blockNumber: head }),
  ]);
  const [mark, fixingTime] = current;
  const settled = state.settledAt !== 0n;
  // currentMark is the limit price when a newer fixing lies beyond the limit of the stored mark, the index
  // otherwise: only a current mark at the limit price can stand for a limit move (or a fixing exactly there).
  const newer = !settled && state.mark !== 0n && fixingTime > BigInt(state.markTime);
  const limitPrices = [nextMark(state.mark, 0n, o.params.priceLimitBps), nextMark(state.mark, MAX_PRICE, o.params.priceLimitBps)];
  const atLimit = newer && limitPrices.includes(mark);
  const limitMove = atLimit && (await latestFixing(o, head))[0] !== mark;
  const pool = { marginAssets: state.marginAssets, marginShares: state.marginShares };
  // After settlement the pool is frozen, then holds the claims: the replay no longer mirrors it.
  const poolMismatch = state.settledAt === 0n && (pool.marginAssets !== view.pool.marginAssets || pool.marginShares !== view.pool.marginShares);
  if (poolMismatch) o.log?.error("replayed margin pool differs from the chain's; using the chain's", { chain: pool, replay: view.pool });
  const markStored = settled || BigInt(state.markTime) >= fixingTime;
  const base = { head, chainTime: block.timestamp, mark, fixingTime, markStored, limitMove, tracked: view.positions.size, poolMismatch, settled };
  const grace = o.liquidationGraceSeconds ?? (await liquidationGrace(o.client, o.market));
  let blocked: string | undefined;
  if (settled) blocked = "series settled";
  else if (block.timestamp >= o.params.expiry) blocked = "series expired: accounts are resolved at the final price (settle, closeOut)";
  else if (limitMove) blocked = `latest fixing beyond the price limit of the mark ${formatPrice(state.mark)}: the series settles at ${formatPrice(mark)} (updateMark)`;
  else if (state.paused) blocked = "series paused";
  else if (block.timestamp < state.unpausedAt + grace) blocked = `liquidation grace until ${state.unpausedAt + grace}`;
  else if (fixingTime + BigInt(o.params.maxFixingAge) < block.timestamp) blocked = `index stale (fixing at ${fixingTime})`;
  if (blocked) return { ...base, blocked, unhealthy: [] };
  return { ...base, unhealthy: findUnhealthy(o.params, view, pool, mark, o.maxSize) };
}

export interface ScanReport extends IdentifyResult {
  sent: Address[];
  skipped: { account: Address; reason: string }[];
  deferred: Address[];
  belowMinReward: Address[];
  /** The liquidator's own position is below maintenance (it cannot liquidate itself: add margin to it). */
  selfUnhealthy: boolean;
  /** After settlement: the close-out pass. */
  closeOut?: CloseOutReport;
  /** A liquidation reverted LimitMove or AlreadySettled: the series settles or settled since the scan. */
  settling: boolean;
}

const revertedWith = (r: SendResult, names: readonly string[]) => r.status === "skipped" && names.some((n) => r.reason.includes(n));

/** keeper_liquidations_total result: sent; skipped (no longer needed, the series settling, or already journaled); failed (any other revert, deferred). */
function metricResult(r: SendResult): "sent" | "skipped" | "failed" {
  if (r.status === "sent" || r.status === "dry-run") return "sent";
  if (r.status === "exists" || revertedWith(r, UNNEEDED) || revertedWith(r, SETTLING)) return "skipped";
  return "failed";
}

/** The idempotency key of a liquidation: one per (series, account, fixing). */
export function liquidationKey(seriesId: Hex, account: Address, fixingTime: bigint): string {
  return `liquidate:${seriesId}:${account.toLowerCase()}:${fixingTime}`;
}

/** One scan: identify, then send a (simulated) liquidation for every unhealthy account; once settled, resolve every account. */
export async function scan(o: LiquidatorOptions): Promise<ScanReport> {
  const found = await identify(o);
  const report = await liquidateFound(o, found);
  if (found.settled) report.closeOut = await closeOutSettled(o, found.head);
  return report;
}

/** Sends a liquidation for every account `identify` found (each simulated first by the sender). */
export async function liquidateFound(o: LiquidatorOptions, found: IdentifyResult): Promise<ScanReport> {
  const log = o.log ?? silentLogger;
  const self = o.sender.address.toLowerCase();
  const report: ScanReport = { ...found, sent: [], skipped: [], deferred: [], belowMinReward: [], selfUnhealthy: found.unhealthy.some((c) => c.account === self), settling: false };
  if (!found.markStored) {
    const r = await sendUpdateMark(o, found.fixingTime);
    if (found.limitMove && r.status === "sent") log.info("fixing beyond the price limit: updateMark settles the series at the limit price", { seriesId: o.book.seriesId, limitPrice: found.mark, hash: r.hash });
  }
  if (found.blocked) {
    log.info("liquidations blocked", { reason: found.blocked });
    return report;
  }
  if (report.selfUnhealthy) log.error("the liquidator's own position is below maintenance: add margin to it", { account: o.sender.address });
  for (const c of found.unhealthy) {
    if (c.account === self) continue;
    if (c.reward < o.minReward) {
      report.belowMinReward.push(c.account);
      continue;
    }
    const r = await o.sender.send({
      key: liquidationKey(o.book.seriesId, c.account, found.fixingTime),
      kind: "liquidate",
      to: o.market,
      abi: futuresMarketAbi,
      data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "liquidate", args: [o.params, c.account, o.maxSize] }),
    });
    o.onLiquidation?.(r, c);
    o.metrics?.liquidations.inc({ result: metricResult(r) });
    if (revertedWith(r, SETTLING)) {
      // Every further liquidation would revert the same: settle (a newer fixing beyond the limit) or resolve.
      report.settling = true;
      log.info("liquidations end: the series settles or settled since the scan", { account: c.account, reason: r.status === "skipped" ? r.reason : "" });
      if (revertedWith(r, ["LimitMove"])) {
        const [, ts] = await latestFixing(o);
        await sendUpdateMark(o, ts); // settles the series at the limit price (before expiry)
      }
      break;
    }
    if (r.status === "sent" || r.status === "dry-run") report.sent.push(c.account);
    else if (r.status === "skipped") {
      report.skipped.push({ account: c.account, reason: r.reason });
      const unneeded = UNNEEDED.some((n) => r.reason.includes(n));
      log[unneeded ? "info" : "warn"](unneeded ? "liquidation no longer needed: skipped" : "liquidation simulation reverts", { account: c.account, reason: r.reason });
    } else if (r.status === "deferred") report.deferred.push(c.account);
  }
  log.info("liquidation scan", { head: found.head, tracked: found.tracked, unhealthy: found.unhealthy.length, sent: report.sent.length, skipped: report.skipped.length, deferred: report.deferred.length });
  return report;
}

/** Sends `updateMark` for the fixing of `fixingTime` (one per series and fixing). */
function sendUpdateMark(o: LiquidatorOptions, fixingTime: bigint): Promise<SendResult> {
  return o.sender.send({
    key: `mark:${o.book.seriesId}:${fixingTime}`,
    kind: "mark",
    to: o.market,
    abi: futuresMarketAbi,
    data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "updateMark", args: [o.params] }),
  });
}

/**
 * Runs until `signal` aborts: polls the oracle's latest fixing every `pollMs`; after each new fixing (and
 * while a previous scan left deferred liquidations) runs a scan, and ticks the sender in between.
 */
export async function runLiquidator(o: LiquidatorOptions & { pollMs: number; signal: AbortSignal }): Promise<void> {
  let lastFixing = "";
  let pending = false;
  while (!o.signal.aborted) {
    try {
      const [value, ts] = await latestFixing(o);
      const fixing = `${value}@${ts}`; // the value too: a fixing is new when either changed
      if (fixing !== lastFixing || pending) {
        const r = await scan(o);
        lastFixing = fixing;
        // Rescan every poll until every account is resolved once the series settles or may have settled: after
        // expiry (settle is no oracle fixing), on a fixing beyond the limit (updateMark settles it), after own
        // liquidations (one that leaves an unbacked loss settles the series) and when a liquidation met a settlement.
        const settling = r.limitMove || r.settling || r.sent.length > 0 || r.chainTime >= o.params.expiry;
        pending = r.deferred.length > 0 || (r.closeOut?.open ?? 0) > 0 || (settling && !r.settled);
      }
      await o.sender.tick();
    } catch (e) {
      o.log?.error("liquidation scan failed", { error: (e as Error).message });
    }
    await sleep(o.pollMs, o.signal);
  }
}
