/**
 * Settlement of configured series (FuturesMarket). During a series' settlement window [expiry, expiry +
 * settlementWindow] every signed round stamped in it is recorded on the market (`recordSettlementFixing` with the
 * round's observations; the market verifies them through the oracle), whoever holds its signatures: the rounds
 * posted to the oracle, found from its `FixingPosted` logs with their observations decoded from the posting
 * transaction, and the rounds this keeper's fixing loop gathered a quorum for (`addRound`: the set of signed
 * observations it would post, or, for a round superseded while still gathering, the quorum it held), posted or not —
 * a round superseded by a newer one, or whose post lost a race, still counts, as it would for anyone else holding
 * its signatures. A posted round is recorded with its posted observations. The gathered rounds are journaled
 * before they are kept (gatheredRounds.ts) and loaded again on start, so a round gathered but never posted is still
 * recorded after a crash; a round's set is replaced only by one with more signatures, and the journaled rounds are
 * dropped once every window they lie in closed. After the window one `settle` settles the series (the window
 * average clamped to the last mark +- the price limit); the liquidator then resolves every account
 * (liquidator/closeOut.ts). A series that settled early (a fixing beyond the price limit, an unbacked loss) has
 * nothing left to record or settle: it is skipped.
 * Every action goes through the sender with an idempotency key (one record per round, one settle per series), so it
 * is journaled and never sent twice by this keeper; what another keeper did first, or what the market refuses
 * (a round beyond the oracle's circuit breaker), makes the simulation revert and the action is skipped.
 */
import { type Hex, type PublicClient, decodeFunctionData, encodeFunctionData, getAbiItem } from "viem";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexNameFromId } from "../../sdk/oracle.js";
import { type SeriesParams, seriesId } from "../../sdk/orders.js";
import type { Journal } from "../chain/journal.js";
import { readSplitting } from "../chain/splitRange.js";
import type { SendRequest, SendResult, TxSender } from "../chain/sender.js";
import type { KeeperConfig } from "../config/schema.js";
import type { Logger } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { oracleAbi } from "./contract.js";
import { GatheredRounds, type RoundArgs } from "./gatheredRounds.js";
import { elapsedMs } from "../observability/clock.js";

/** A short stable tag of a series for idempotency keys: index name, expiry and the start of its series id. */
export function seriesTag(series: SeriesParams): string {
  return `${indexNameFromId(series.indexId)}:${series.expiry}:${seriesId(series).slice(2, 14)}`;
}

/**
 * Whether `settle` is due for a series at chain time `now`: after the window (recording is closed, so the rounds
 * are fixed) while the series is not settled (`settledAt`, set by any kind of settlement, early ones included).
 */
export function settleDue(series: Pick<SeriesParams, "expiry" | "settlementWindow">, state: { settledAt: bigint }, now: bigint): boolean {
  return state.settledAt === 0n && now > series.expiry + BigInt(series.settlementWindow);
}

/** Whether time `t` lies in a series' settlement window [expiry, expiry + settlementWindow]. */
export function inSettlementWindow(series: Pick<SeriesParams, "expiry" | "settlementWindow">, t: bigint): boolean {
  return t >= series.expiry && t <= series.expiry + BigInt(series.settlementWindow);
}

/** The rounds of `timestamps` the market counts for a series at chain time `now` (and while recording is open). */
export function roundsToRecord(series: Pick<SeriesParams, "expiry" | "settlementWindow">, now: bigint, timestamps: readonly bigint[]): bigint[] {
  if (!inSettlementWindow(series, now)) return [];
  return timestamps.filter((t) => inSettlementWindow(series, t) && t <= now);
}

/** Retry a skipped settlement action at most this often (ms, monotonic clock): e.g. settle before the fallback grace ended. */
const RETRY_SKIPPED_MS = 30_000;
/** How far back the first log scan of an index looks (blocks); later scans continue from the last one. */
export const ROUND_LOOKBACK_BLOCKS = 10_000n;
const LOG_RANGE = 2_000n;
const FIXING_POSTED = getAbiItem({ abi: indexOracleAbi, name: "FixingPosted" });

/** A signed round of an index: `posted` if taken from its postFixing transaction, else gathered by the fixing loop. */
interface KnownRound {
  args: RoundArgs;
  posted: boolean;
}

export class SettlementTracker {
  /** Keys sent or already in the journal: nothing more to do. */
  private readonly done = new Set<string>();
  private readonly skippedAt = new Map<string, number>();
  /** Per index: signed rounds posted on chain or gathered by the fixing loop (by timestamp), and the last block scanned. */
  private readonly rounds = new Map<Hex, Map<bigint, KnownRound>>();
  private readonly scanned = new Map<Hex, bigint>();

  private readonly gathered: GatheredRounds;

  /** Loads the gathered rounds journaled before a restart (a damaged row is logged and skipped). */
  constructor(private readonly o: { config: KeeperConfig; sender: TxSender; journal: Journal; log: Logger; metrics: KeeperMetrics }) {
    this.gathered = new GatheredRounds(o.journal, o.log);
    for (const { indexId, args } of this.gathered.load()) {
      if (this.inAWindow(indexId, args[1]) && this.replaces(indexId, args)) this.roundsOf(indexId).set(args[1], { args, posted: false });
    }
  }

  /**
   * A round of the index `indexId` (a feed's id) the fixing loop holds a quorum for (`args`: its postFixing
   * arguments, decideQuorum), kept for recording if it is stamped in the settlement window of a configured series
   * of the index, unless its posted observations are known (those are recorded). A later call for the same round
   * replaces the gathered set if it has more signatures. Journaled first (not in a dry run); a failed journal write
   * is logged and the round still kept for this process.
   */
  addRound(indexId: Hex, args: RoundArgs): void {
    if (!this.inAWindow(indexId, args[1]) || !this.replaces(indexId, args)) return;
    if (!this.o.config.dryRun) {
      try {
        this.gathered.save(args);
      } catch (e) {
        this.o.log.error("settlement: cannot journal a gathered round: it is recorded only if this process keeps running", { index: indexId, timestamp: args[1], error: e });
      }
    }
    this.roundsOf(indexId).set(args[1], { args, posted: false });
  }

  /** Whether `timestamp` lies in the settlement window of a configured series of the index. */
  private inAWindow(indexId: Hex, timestamp: bigint): boolean {
    return this.o.config.settlement.some((p) => p.indexId === indexId && inSettlementWindow(p, timestamp));
  }

  /** Whether a gathered set replaces what is known of its round: nothing, or a gathered set with fewer signatures. */
  private replaces(indexId: Hex, args: RoundArgs): boolean {
    const known = this.rounds.get(indexId)?.get(args[1]);
    return !known || (!known.posted && args[4].length > known.args[4].length);
  }

  /** Sends the due settlement actions of the series of one index (never throws on a revert: skipped). */
  async check(feed: { name: string; indexId: Hex }, now: bigint): Promise<SendResult[]> {
    this.pruneGathered(now);
    const market = this.o.config.contracts.market;
    const results: SendResult[] = [];
    const series = this.o.config.settlement.filter((s) => s.indexId === feed.indexId);
    if (market === undefined || series.length === 0) return results;
    const client = this.o.sender.client;
    const recording = series.some((p) => inSettlementWindow(p, now));
    const rounds = recording ? await this.scanRounds(client, feed.indexId) : this.roundsOf(feed.indexId);
    for (const params of series) {
      if (now < params.expiry) continue; // before expiry there is nothing to record or settle
      const state = await client.readContract({ address: market, abi: futuresMarketAbi, functionName: "seriesState", args: [seriesId(params)] });
      if (state.settledAt !== 0n) continue; // settled (early, or by anyone's settle): nothing to record or settle
      const tag = seriesTag(params);
      const actions: SendRequest[] = [];
      for (const t of roundsToRecord(params, now, [...rounds.keys()].sort((a, b) => (a < b ? -1 : 1)))) {
        const [, ts, version, ops, obs] = rounds.get(t)!.args;
        actions.push({ key: `record:${tag}:${t}`, kind: "settlement", to: market, abi: futuresMarketAbi,
          data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "recordSettlementFixing", args: [params, ts, version, ops, obs] }) });
      }
      if (settleDue(params, state, now)) {
        actions.push({ key: `settle:${tag}`, kind: "settlement", to: market, abi: futuresMarketAbi,
          data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "settle", args: [params] }) });
      }
      for (const req of actions) results.push(...(await this.send(req)));
    }
    return results;
  }

  /** Drops the journaled gathered rounds whose settlement windows all closed at chain time `now` (or that lie in none). */
  private pruneGathered(now: bigint): void {
    const open = (indexId: Hex, t: bigint) =>
      this.o.config.settlement.some((p) => p.indexId === indexId && inSettlementWindow(p, t) && now <= p.expiry + BigInt(p.settlementWindow));
    const dropped = this.gathered.prune(open);
    if (dropped > 0) this.o.log.info("settlement: gathered rounds of closed windows dropped from the journal", { rounds: dropped });
  }

  private async send(req: SendRequest): Promise<SendResult[]> {
    if (this.done.has(req.key)) return [];
    const skipped = this.skippedAt.get(req.key);
    if (skipped !== undefined && elapsedMs() - skipped < RETRY_SKIPPED_MS) return [];
    const result = await this.o.sender.send(req);
    if (result.status === "sent" || result.status === "exists") {
      this.done.add(req.key);
      if (result.status === "sent") {
        this.o.metrics.settlementActions.inc({ action: req.key.split(":")[0] ?? "settlement" });
        this.o.log.info("settlement action sent", { key: req.key, hash: result.hash });
      }
    } else if (result.status === "skipped") {
      this.skippedAt.set(req.key, elapsedMs());
      this.o.log.info("settlement action not needed or not possible now: skipped", { key: req.key, reason: result.reason });
    }
    return [result];
  }

  /**
   * The signed rounds of an index: the gathered ones, and those posted on chain: `FixingPosted` logs since the last
   * scan (the first scan looks back ROUND_LOOKBACK_BLOCKS), each round's observations decoded from its postFixing
   * transaction (replacing a gathered set of the round). A round posted through another contract (not a direct
   * postFixing call) cannot be decoded and is logged.
   */
  private async scanRounds(client: PublicClient, indexId: Hex): Promise<Map<bigint, KnownRound>> {
    const rounds = this.roundsOf(indexId);
    const head = await client.getBlockNumber({ cacheTime: 0 });
    let from = this.scanned.get(indexId) ?? (head > ROUND_LOOKBACK_BLOCKS ? head - ROUND_LOOKBACK_BLOCKS : 0n);
    while (from <= head) {
      const to = from + LOG_RANGE - 1n < head ? from + LOG_RANGE - 1n : head;
      // A node limiting eth_getLogs to fewer blocks (or logs) refuses the range: it is halved (splitRange.ts).
      const logs = await readSplitting(from, to, (fromBlock, toBlock) =>
        client.getLogs({ address: this.o.config.contracts.oracle, event: FIXING_POSTED, args: { indexId }, fromBlock, toBlock }), (a, b, e) =>
        this.o.log.debug("settlement: eth_getLogs range refused: splitting", { from: a, to: b, error: (e as Error).message.split("\n")[0] }));
      for (const l of logs) {
        const ts = l.args.timestamp!;
        if (rounds.get(ts)?.posted) continue;
        const tx = await client.getTransaction({ hash: l.transactionHash! });
        try {
          const call = decodeFunctionData({ abi: oracleAbi, data: tx.input });
          if (call.functionName === "postFixing") rounds.set(ts, { args: call.args as unknown as RoundArgs, posted: true });
        } catch {
          this.o.log.warn("settlement: a round's observations cannot be decoded (not a direct postFixing call)", { index: indexId, timestamp: ts, tx: l.transactionHash });
        }
      }
      from = to + 1n;
    }
    this.scanned.set(indexId, head + 1n);
    return rounds;
  }

  private roundsOf(indexId: Hex): Map<bigint, KnownRound> {
    let rounds = this.rounds.get(indexId);
    if (!rounds) this.rounds.set(indexId, (rounds = new Map()));
    return rounds;
  }
}
