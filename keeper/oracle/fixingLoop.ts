/**
 * The fixing loop: on a schedule derived from CHAIN time, for each configured index, observe the round (compute
 * the fixing from the window of polls), sign it once (journaled, reused after a restart), fetch the peers'
 * signed observations and, holding a quorum, post — unless the oracle already has a fixing at or after the
 * round. Rounds missed while down are caught up in order (at most `catchUpRounds`). A source outage, garbage
 * data or "no fixing" only skips this operator's observation (log + metric); nothing here crashes the loop.
 * After the oracle has a fixing in a configured series' settlement window it is recorded on the market, and
 * once the window closed the series is settled (see settlement.ts).
 */
import type { Hex, LocalAccount, PublicClient } from "viem";
import { type SignedObservation, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import type { Journal } from "../chain/journal.js";
import type { SendResult, TxSender } from "../chain/sender.js";
import type { KeeperConfig } from "../config/schema.js";
import { ConfigError } from "../config/validate.js";
import { loadIndexDefinition } from "../indexConfig.js";
import { chainStateFromJson, chainStateToJson } from "../methodology/chainState.js";
import type { ChainState, IndexDefinition } from "../methodology/types.js";
import type { Logger } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { sleep } from "../observability/shutdown.js";
import { createSource } from "../sources/index.js";
import type { PriceSource } from "../sources/types.js";
import { type OracleIndexView, postFixingRequest, readOracleIndex } from "./contract.js";
import { type Round, collectRound, decideQuorum } from "./peers.js";
import { chainTime, roundTimestamp, signGuarded } from "./rounds.js";
import { SettlementTracker } from "./settlement.js";
import { LiveSampler, fixingOfWindow, readWindow, windowPollTimes } from "./window.js";

/** One configured index with its definition and price source. */
export interface IndexFeed {
  name: string;
  indexId: Hex;
  def: IndexDefinition;
  source: PriceSource;
  /** Live sources only: the polls read so far (replay sources are read over the whole window at round close). */
  sampler?: LiveSampler;
}

/** Builds the feeds of `config.indexes` from their definitions (config/indices) and `config.sources`. */
export async function buildFeeds(config: KeeperConfig): Promise<IndexFeed[]> {
  const feeds: IndexFeed[] = [];
  for (const name of config.indexes) {
    const src = config.sources.find((s) => s.index === name);
    if (!src) throw new ConfigError([{ key: "sources", problem: `index ${name} has no source (add {"index": "${name}", "kind": ...})` }]);
    const def = await loadIndexDefinition(name);
    const source = createSource(src.kind, src.input);
    const { intervalSeconds, windowPolls } = config.schedule;
    feeds.push({
      name,
      indexId: indexIdFromName(name),
      def,
      source,
      ...(src.kind === "replay" ? {} : { sampler: new LiveSampler(source, intervalSeconds, windowPolls) }),
    });
  }
  return feeds;
}

export interface FixingLoopOptions {
  config: KeeperConfig;
  client: PublicClient;
  signer: LocalAccount;
  journal: Journal;
  sender: TxSender;
  log: Logger;
  metrics: KeeperMetrics;
  feeds: IndexFeed[];
  /** How long (local ms) a round without quorum holds back the posting of later rounds (default 3 x peer timeout). */
  quorumWaitMs?: number;
}

/** What one tick did for one round of one index. */
export interface RoundOutcome {
  index: string;
  round: bigint;
  /** This operator's value, or why it has none. */
  own: { value: bigint } | { none: string };
  quorum: { have: number; need: number };
  post?: SendResult;
}

export class FixingLoop {
  private readonly o: FixingLoopOptions;
  /** Rounds whose computation gave no fixing (deterministic for a complete window): not recomputed. */
  private readonly noFixing = new Map<string, string>();
  /** Local time a round was first seen without quorum. */
  private readonly waitingSince = new Map<string, number>();
  /** Local time a round was first seen with a quorum (the post stagger counts from there). */
  private readonly quorumSince = new Map<string, number>();
  /** Post keys sent and not yet seen confirmed (for the posted metric). */
  private readonly sentPosts = new Map<string, string>();
  private readonly settlement: SettlementTracker;
  private readonly notOperatorLogged = new Set<string>();

  constructor(options: FixingLoopOptions) {
    this.o = options;
    this.settlement = new SettlementTracker({
      config: options.config,
      sender: options.sender,
      log: options.log,
      metrics: options.metrics,
    });
  }

  /** One pass over every index; never throws (an index that fails is logged and counted). */
  async tick(): Promise<RoundOutcome[]> {
    this.countConfirmedPosts();
    const outcomes: RoundOutcome[] = [];
    let now: bigint;
    try {
      now = await chainTime(this.o.client);
    } catch (e) {
      this.o.log.warn("fixing loop: cannot read chain time", { error: e });
      return outcomes;
    }
    for (const feed of this.o.feeds) {
      try {
        outcomes.push(...(await this.tickIndex(feed, now)));
      } catch (e) {
        this.o.metrics.fixingFailures.inc({ index: feed.name, reason: "error" });
        this.o.log.error("fixing loop: index pass failed", { index: feed.name, error: e });
      }
    }
    return outcomes;
  }

  /** Ticks every `schedule.pollMs` until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.tick();
      await sleep(this.o.config.schedule.pollMs, signal);
    }
  }

  /** The rounds to handle at chain time `now`: after the latest on-chain fixing, the last `catchUpRounds` of them. */
  pendingRounds(now: bigint, latest: bigint): bigint[] {
    const { intervalSeconds, catchUpRounds } = this.o.config.schedule;
    const i = BigInt(intervalSeconds);
    const current = roundTimestamp(now, intervalSeconds);
    const rounds: bigint[] = [];
    for (let t = current - BigInt(catchUpRounds - 1) * i; t <= current; t += i) if (t > latest && t > 0n) rounds.push(t);
    return rounds;
  }

  private async tickIndex(feed: IndexFeed, now: bigint): Promise<RoundOutcome[]> {
    const { config, client, log } = this.o;
    if (feed.sampler) {
      await feed.sampler.sample(now).catch((e: unknown) => {
        this.o.metrics.fixingFailures.inc({ index: feed.name, reason: "source" });
        log.warn("source poll failed", { index: feed.name, error: e });
      });
    }
    const view = await readOracleIndex(client, config.contracts.oracle, feed.indexId);
    this.forgetRoundsUpTo(feed.name, view.latest.timestamp);
    const outcomes: RoundOutcome[] = [];
    let blocked = false;
    for (const t of this.pendingRounds(now, view.latest.timestamp)) {
      const round: Round = { indexId: feed.indexId, timestamp: t, methodologyVersion: feed.def.methodologyVersion };
      const own = await this.observe(feed, t, now, view).catch((e: unknown) => {
        // e.g. the signer refused (skew) or the journal failed: no observation this pass, the round stays due.
        this.o.metrics.fixingFailures.inc({ index: feed.name, reason: "error" });
        log.error("observation failed", { index: feed.name, round: t, error: e });
        return { none: `error: ${(e as Error).message}` };
      });
      const collected = await collectRound({
        round,
        own: "signed" in own ? [own.signed] : [],
        peerUrls: config.peers.urls,
        timeoutMs: config.peers.timeoutMs,
        chainId: config.chainId,
        oracle: config.contracts.oracle,
        operators: view.operators,
        log,
        metrics: this.o.metrics,
      });
      const decision = decideQuorum(round, collected, view.operators, view.quorum);
      const outcome: RoundOutcome = {
        index: feed.name,
        round: t,
        own: "signed" in own ? { value: own.signed.value } : { none: own.none },
        quorum: { have: decision.have, need: decision.need },
      };
      outcomes.push(outcome);
      const key = `${feed.name}:${t}`;
      if (!decision.reached) {
        // An earlier round still gathering signatures holds back later ones (a later post would make it
        // unpostable), but not forever: a round nobody can observe must not stop the index.
        const since = this.waitingSince.get(key) ?? Date.now();
        this.waitingSince.set(key, since);
        if (Date.now() - since < (this.o.quorumWaitMs ?? 3 * config.peers.timeoutMs)) blocked = true;
        log.debug("round without quorum", { index: feed.name, round: t, have: decision.have, need: decision.need });
        continue;
      }
      this.waitingSince.delete(key);
      if (blocked) continue;
      const since = this.quorumSince.get(key) ?? Date.now();
      this.quorumSince.set(key, since);
      const wait = this.postRank(view.operators, t) * config.schedule.postStaggerMs;
      if (Date.now() - since < wait) {
        // Not this operator's turn yet: the round's leader posts first, the others only if it did not.
        blocked = true;
        continue;
      }
      const request = postFixingRequest(config.contracts.oracle, feed.name, decision.args);
      const result = await this.o.sender.send(request);
      outcome.post = result;
      if (result.status === "sent") {
        this.sentPosts.set(request.key, feed.name);
        log.info("fixing posted", { index: feed.name, round: t, signers: decision.signers, hash: result.hash });
      } else if (result.status === "dry-run") {
        log.info("dry run: would post fixing", { index: feed.name, round: t, signers: decision.signers, args: decision.args });
      } else if (result.status === "deferred") {
        log.warn("post deferred", { index: feed.name, round: t, reason: result.reason });
        blocked = true; // keep round order: a later round must not be posted before this one
      }
    }
    await this.settlement.check(feed, now, view.latest.timestamp);
    return outcomes;
  }

  /**
   * 0 for the round's leader (operators take turns by round number), 1 for the next one, ...: an operator waits
   * rank x postStaggerMs after seeing a quorum before posting, so usually one operator posts and no gas is
   * wasted on lost races. Not an operator: last.
   */
  postRank(operators: readonly string[], round: bigint): number {
    const n = operators.length;
    const me = operators.findIndex((a) => a.toLowerCase() === this.o.signer.address.toLowerCase());
    if (n === 0 || me < 0) return n;
    const leader = Number((round / BigInt(this.o.config.schedule.intervalSeconds)) % BigInt(n));
    return (me - leader + n) % n;
  }

  /** This operator's signed observation of a round: the journaled one if any, else computed and signed now. */
  private async observe(feed: IndexFeed, round: bigint, now: bigint, view: OracleIndexView): Promise<{ signed: SignedObservation } | { none: string }> {
    const { signer, journal, config, log, metrics } = this.o;
    const me = signer.address.toLowerCase();
    const journaled = journal.observations(feed.indexId, round).find((o) => o.signer.toLowerCase() === me);
    if (journaled) return { signed: journaled };
    if (!view.operators.some((a) => a.toLowerCase() === me)) {
      if (!this.notOperatorLogged.has(feed.name)) log.warn("signer is not a registered operator of the index: not observing", { index: feed.name, signer: signer.address });
      this.notOperatorLogged.add(feed.name);
      return { none: "not an operator" };
    }
    const key = `${feed.name}:${round}`;
    const known = this.noFixing.get(key);
    if (known !== undefined) return { none: known };

    let polls;
    try {
      const { intervalSeconds, windowPolls } = config.schedule;
      polls = feed.sampler ? feed.sampler.window(round) : await readWindow(feed.source, windowPollTimes(round, intervalSeconds, windowPolls));
    } catch (e) {
      metrics.fixingFailures.inc({ index: feed.name, reason: "source" });
      log.warn("source read failed: no observation this pass", { index: feed.name, round, error: e });
      return { none: `source: ${(e as Error).message}` };
    }
    const previous = feed.def.linking === "chain" ? this.chainState(feed, round) : undefined;
    const result = fixingOfWindow(feed.def, polls, round, previous);
    if (!result.ok) {
      this.noFixing.set(key, result.reason.code);
      metrics.fixingFailures.inc({ index: feed.name, reason: "no_fixing" });
      log.warn("no fixing for this round", { index: feed.name, round, reason: result.reason.code, detail: result.reason.message, polls: polls.length });
      return { none: result.reason.code };
    }
    const { value, inputsHash } = result.fixing;
    if (value < view.minValue || value > view.maxValue) {
      this.noFixing.set(key, "OUT_OF_BOUNDS");
      metrics.fixingFailures.inc({ index: feed.name, reason: "out_of_bounds" });
      log.error("fixing outside the oracle's bounds: not signed", { index: feed.name, round, value, min: view.minValue, max: view.maxValue });
      return { none: "OUT_OF_BOUNDS" };
    }
    const observation = { indexId: feed.indexId, timestamp: round, methodologyVersion: feed.def.methodologyVersion, value, inputsHash };
    if (config.dryRun) {
      // Signed in memory only: nothing journaled, nothing served, so a dry run never commits this operator.
      return { signed: await signObservation(signer, config.chainId, config.contracts.oracle, observation) };
    }
    const signed = await signGuarded({
      account: signer,
      chainId: config.chainId,
      oracle: config.contracts.oracle,
      observation,
      chainTime: now,
      maxFutureSkew: Math.min(config.schedule.maxFutureSkewSeconds, view.maxFutureSkew),
      journal,
      metrics,
      index: feed.name,
    });
    if (result.chainState) journal.set(`chainState:${feed.name}`, JSON.stringify(chainStateToJson(result.chainState)));
    log.info("observation signed", { index: feed.name, round, value });
    return { signed };
  }

  /** Chain-linked indices: the state after this operator's last observation before `round`. */
  private chainState(feed: IndexFeed, round: bigint): ChainState | undefined {
    const text = this.o.journal.get(`chainState:${feed.name}`);
    if (text === undefined) return undefined;
    const state = chainStateFromJson(JSON.parse(text));
    return BigInt(state.timestamp) < round ? state : undefined;
  }

  /** Drops per-round memory of rounds the oracle is past (the process runs for months). */
  private forgetRoundsUpTo(index: string, latest: bigint): void {
    for (const map of [this.noFixing, this.waitingSince, this.quorumSince]) {
      for (const key of map.keys()) {
        const cut = key.lastIndexOf(":");
        if (key.slice(0, cut) === index && BigInt(key.slice(cut + 1)) <= latest) map.delete(key);
      }
    }
  }

  private countConfirmedPosts(): void {
    for (const [key, index] of this.sentPosts) {
      const state = this.o.journal.getTx(key)?.state;
      if (state === "confirmed") this.o.metrics.fixingsPosted.inc({ index });
      if (state !== undefined && state !== "queued" && state !== "broadcast" && state !== "mined") this.sentPosts.delete(key);
    }
  }
}
