/**
 * The fixing loop: on a schedule derived from CHAIN time, for each configured index, observe the round (compute
 * the fixing from the window of polls), fetch the peers' signed observations (or, while they signed none, the
 * values they computed), sign the own value once (journaled, reused after a restart) unless it deviates too far
 * from the last on-chain fixing or from the peers (integrity.ts), and, holding a quorum, gather every operator's
 * observation for up to `peers.gatherMs` and post them all — unless the oracle already has a fixing at or after
 * the round. Rounds missed while down are caught up in order (at most `catchUpRounds`); for a linked index a
 * later round is not computed while an earlier one waits for a reference to sign against (its state links them). A source outage, garbage
 * data or "no fixing" only skips this operator's observation (log + metric); nothing here crashes the loop. Bad entries
 * of a source that answers are left out, named in the log (sourceReport.ts), and the value is computed from the rest. A
 * methodology refusal of the source's data (v2 SOURCE_SCALE_SUSPECT, IMPLAUSIBLE_VALUE) is reported like a
 * deviation refusal: logged as an error with the numbers, counted as a refused signature, and shown in /health.
 * Every round in a configured series' settlement window that was posted, or that this keeper gathered a quorum for
 * (posted or not; journaled, so also after a restart), is recorded on the market, and once the window closed the
 * series is settled (see settlement.ts).
 */
import type { Hex, LocalAccount, PublicClient } from "viem";
import { type SignedObservation, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import type { Journal, TxState } from "../chain/journal.js";
import type { SendResult, TxSender } from "../chain/sender.js";
import type { KeeperConfig } from "../config/schema.js";
import { ConfigError } from "../config/validate.js";
import { loadIndexDefinition } from "../indexConfig.js";
import { chainStateFromJson, chainStateToJson } from "../methodology/chainState.js";
import type { ChainState, IndexDefinition } from "../methodology/types.js";
import type { HealthState } from "../observability/health.js";
import { type Logger, RateLimiter } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import { sleep } from "../observability/shutdown.js";
import { createSource } from "../sources/index.js";
import type { PriceSource } from "../sources/types.js";
import { type OracleIndexView, postFixingKey, postFixingRequest, readOracleIndex } from "./contract.js";
import { checkBeforeSigning } from "./integrity.js";
import { type QuorumDecision, type Round, collectRound, decideQuorum, instanceOf, recordProposal } from "./peers.js";
import { chainTime, roundTimestamp, signGuarded } from "./rounds.js";
import { LISTED, RejectedEntries, excludedQuotes } from "./sourceReport.js";
import { SettlementTracker } from "./settlement.js";
import { LiveSampler, fixingOfWindow, readWindow, windowPollTimes } from "./window.js";
import { elapsedMs } from "../observability/clock.js";

/** Ends of a post that leave its round unposted by it: the round is re-sent (new key) while it is due. */
const FAILED: readonly TxState[] = ["cancelled", "lost", "reverted"];
const OPEN: readonly TxState[] = ["queued", "broadcast", "mined"];
/** A round whose posts ended without posting it this many times is given up (its simulation kept passing). */
const MAX_POST_ATTEMPTS = 5;

/** The postFixing arguments of a round that reached the quorum. */
type QuorumArgs = Extract<QuorumDecision, { reached: true }>["args"];

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
    const source = createSource(src.kind, src.input, { timeoutMs: src.timeoutMs });
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
  /** Where refusals to sign are reported (/health); optional for tests. */
  health?: HealthState;
  /** How long (local ms) a round without quorum holds back the posting of later rounds (default 3 x peer timeout). */
  quorumWaitMs?: number;
}

/** A value this operator computed for a round, not signed yet. */
interface Computed {
  value: bigint;
  inputsHash: Hex;
  chainState?: ChainState;
  /** What the reference state was chosen from (linked indices): the value is recomputed when it changes. */
  referenceKey: string;
}

/** Whether a fixing links to the state after the previous one (chain-linked v1 definitions, and v2). */
function linksToState(def: IndexDefinition): boolean {
  return def.linking === "chain" || def.methodologyVersion >= 2;
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
  /** When (elapsedMs) a round was first seen without quorum. */
  private readonly waitingSince = new Map<string, number>();
  /** When (elapsedMs) a round was first seen with a quorum (the gathering, peers.gatherMs, counts from there). */
  private readonly quorumSince = new Map<string, number>();
  /**
   * The signed set of each round's latest quorum decision (its postFixing arguments): handed to settlement once
   * gathered, and again when the oracle is past the round (posted, or superseded while still gathering).
   */
  private readonly quorumArgs = new Map<string, QuorumArgs>();
  /** When (elapsedMs) a round was first ready to post: gathered, not held back by an earlier round (the stagger counts from there). */
  private readonly readySince = new Map<string, number>();
  /** Post keys sent and not yet final (posted is logged and counted at confirmation). */
  private readonly sentPosts = new Map<string, { index: string; round: bigint; signers: readonly Hex[]; held: boolean }>();
  private readonly settlement: SettlementTracker;
  /** Index names whose operators do not include the signer (logged once per change). */
  private readonly notOperator = new Set<string>();
  /** Repeated warnings (a down peer, a deferred post) at most once a minute per key, with counts. */
  private readonly limiter = new RateLimiter(60_000);
  /** Local time of this keeper's last confirmed post per index (keeper_last_own_post_age_seconds). */
  readonly lastOwnPostMs = new Map<string, number>();
  /** Consecutive source failures per index (for /health and a rate-limited warning). */
  private readonly sourceFailures = new Map<string, number>();
  /** Values computed per round and not signed yet (waiting for a reference, or refused). */
  private readonly computed = new Map<string, Computed>();
  /** `index:heldTimestamp` holds of the circuit breaker already logged and counted. */
  private readonly holdsSeen = new Set<string>();
  /** `index:round:outcome` lost races (skipped, deferred) already logged and counted. */
  private readonly racesSeen = new Set<string>();
  /** `index:round:reason` refusals already logged and counted. */
  private readonly refusedLogged = new Set<string>();
  /** The live sources' rejected entries, logged when they change. */
  private readonly rejectedEntries = new RejectedEntries();

  constructor(options: FixingLoopOptions) {
    this.o = options;
    const { schedule, peers } = options.config;
    const pass = schedule.pollMs + peers.timeoutMs;
    if (peers.urls.length > 0 && schedule.postStaggerMs < pass) {
      // Operators notice a round ready up to one pass apart (a pass waits up to peers.timeoutMs for a slow peer).
      options.log.warn("schedule.postStaggerMs is shorter than one pass of the loop: two operators' posting turns can coincide and both posts be sent (the later one reverts as a lost race)", {
        postStaggerMs: schedule.postStaggerMs, pollMs: schedule.pollMs, peerTimeoutMs: peers.timeoutMs, recommendedAtLeast: pass,
      });
    }
    this.settlement = new SettlementTracker({
      config: options.config,
      sender: options.sender,
      journal: options.journal,
      log: options.log,
      metrics: options.metrics,
    });
  }

  /** One pass over every index; never throws (an index that fails is logged and counted). */
  async tick(): Promise<RoundOutcome[]> {
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

  /**
   * The rounds to handle for an index at chain time `now`: the pending ones, except while the oracle's circuit
   * breaker holds a round (FixingHeld). Then only rounds that can confirm it are worth posting, those stamped at or
   * after `confirmableFrom`: nothing before that time; from then on the pending rounds after the held one from
   * `confirmableFrom` on, or — until the next scheduled round comes — a confirmation round stamped `confirmableFrom`
   * itself (every operator derives the same timestamp from the chain). Each hold is logged and counted once.
   */
  dueRounds(index: string, now: bigint, view: OracleIndexView): bigint[] {
    const held = view.held;
    if (!held) return this.pendingRounds(now, view.latest.timestamp);
    const key = `${index}:${held.timestamp}`;
    if (!this.holdsSeen.has(key)) {
      this.holdsSeen.add(key);
      this.o.metrics.fixingsHeld.inc({ index });
      this.o.log.warn("fixing held by the oracle's circuit breaker: confirmation round scheduled", {
        index, round: held.timestamp, value: held.value, stored: view.latest.value, confirmableFrom: held.confirmableFrom,
      });
    }
    if (now < held.confirmableFrom) return [];
    const due = this.pendingRounds(now, held.timestamp).filter((t) => t >= held.confirmableFrom);
    if (due.length) return due;
    // A later round held again keeps the hold's start: confirmableFrom may then lie before the held round.
    return held.confirmableFrom > held.timestamp ? [held.confirmableFrom] : [];
  }

  private async tickIndex(feed: IndexFeed, now: bigint): Promise<RoundOutcome[]> {
    const { config, client, log } = this.o;
    if (feed.sampler) {
      await feed.sampler.sample(now).then(
        (snap) => {
          this.sourceOk(feed.name);
          if (snap) this.rejectedEntries.report(log, feed.name, feed.source.kind, snap);
        },
        (e: unknown) => this.sourceFailed(feed.name, e, "source poll failed"),
      );
    }
    const view = await readOracleIndex(client, config.contracts.oracle, feed.indexId);
    await this.settlePosts(feed.name, view.latest.timestamp, now);
    this.forgetRoundsUpTo(feed, view.latest.timestamp);
    this.checkRegistered(feed.name, view.operators);
    const outcomes: RoundOutcome[] = [];
    let blocked = false;
    // A linked index's round takes the state after this operator's observation of the round before as its
    // reference: while an earlier due round's value waits for a reference to be signed against (the first rounds
    // of an index), later rounds are not computed or signed, or they would link to an older state (a catch-up
    // would then start the index's path from a round that depends on how fast the peers answered).
    let earlierWaiting = false;
    for (const t of this.dueRounds(feed.name, now, view)) {
      const round: Round = { indexId: feed.indexId, timestamp: t, methodologyVersion: feed.def.methodologyVersion };
      const failed = (e: unknown) => {
        // e.g. the signer refused (skew) or the journal failed (disk full): no observation this pass, the round
        // stays due. Logged at most once a minute (every pass fails alike), counted each time, and on /health.
        this.o.metrics.fixingFailures.inc({ index: feed.name, reason: "error" });
        this.limiter.error(log, `observation:${feed.name}`, "observation failed", { index: feed.name, round: t, error: e });
        this.o.health?.refusals.set(feed.name, `observation of round ${t} failed: ${(e as Error).message}`);
        return { none: `error: ${(e as Error).message}` };
      };
      const computed = earlierWaiting ? { none: "waiting: an earlier round is not signed yet" } : await this.compute(feed, t, view).catch(failed);
      const collected = await collectRound({
        round,
        own: "signed" in computed ? [computed.signed] : [],
        peerUrls: config.peers.urls,
        timeoutMs: config.peers.timeoutMs,
        chainId: config.chainId,
        oracle: config.contracts.oracle,
        operators: view.operators,
        bounds: { min: view.minValue, max: view.maxValue },
        self: this.o.signer.address,
        selfInstance: instanceOf(this.o.journal),
        log,
        metrics: this.o.metrics,
        limiter: this.limiter,
      });
      if (collected.sharedKey.length > 0) this.sharedKeySeen(feed.name, t, collected.sharedKey);
      const own = "value" in computed
        ? collected.sharedKey.length > 0
          ? { none: "shared key: another keeper signs with this operator's key" }
          : await this.signChecked(feed, t, now, view, computed, collected.peerValues).catch(failed)
        : computed;
      if ("signed" in own && !("signed" in computed)) collected.observations.push(own.signed);
      if ("signed" in own) {
        this.limiter.recovered(log, `observation:${feed.name}`, "observations succeed again", { index: feed.name, round: t });
        if (this.o.health?.refusals.get(feed.name)?.startsWith("observation of round")) this.o.health.refusals.delete(feed.name);
      }
      if ("value" in computed && "none" in own && own.none === "no_reference" && linksToState(feed.def)) earlierWaiting = true;
      const decision = decideQuorum(round, collected.observations, view.operators, view.quorum, view.tolerances.maxSpreadBps);
      const outcome: RoundOutcome = {
        index: feed.name,
        round: t,
        own: "signed" in own ? { value: own.signed.value } : { none: own.none },
        quorum: { have: decision.have, need: decision.need },
      };
      outcomes.push(outcome);
      this.o.metrics.quorumHave.set({ index: feed.name }, decision.have);
      this.o.metrics.quorumNeed.set({ index: feed.name }, decision.need);
      const key = `${feed.name}:${t}`;
      if (!decision.reached) {
        // An earlier round still gathering signatures holds back later ones (a later post would make it
        // unpostable), but not forever: a round nobody can observe must not stop the index.
        const since = this.waitingSince.get(key) ?? elapsedMs();
        this.waitingSince.set(key, since);
        if (elapsedMs() - since < (this.o.quorumWaitMs ?? 3 * config.peers.timeoutMs)) blocked = true;
        else this.noQuorum(feed.name).add(t);
        log.debug("round without quorum", { index: feed.name, round: t, have: decision.have, need: decision.need });
        continue;
      }
      this.waitingSince.delete(key);
      this.noQuorum(feed.name).delete(t);
      const since = this.quorumSince.get(key) ?? elapsedMs();
      this.quorumSince.set(key, since); // also while held back: the gathering of every due round runs at once
      this.quorumArgs.set(key, decision.args);
      // Gather: from the first quorum, wait up to gatherMs for every operator's observation, so the post holds
      // all of them and the stored median does not depend on who answered first. A gathered round is handed to
      // settlement (recorded if in a window, posted or not: settlement.ts; see forgetRoundsUpTo for a round
      // superseded while gathering). Then the round's leader posts; the others only if it did not, rank x
      // postStaggerMs after their own gathering ended. The stagger counts
      // from when the round is first ready (gathered, and no earlier round holding it back), never alongside the
      // gathering: with one operator missing every keeper gathers for the full gatherMs, and a stagger counted
      // from the quorum would make the leader and the next operator post at the same moment (gatherMs >=
      // postStaggerMs). Rounds of a catch-up gathered in parallel are ready only once the round before them landed.
      const gathered = decision.complete || elapsedMs() - since >= config.peers.gatherMs;
      if (gathered) this.settlement.addRound(feed.indexId, decision.args);
      if (blocked) continue;
      if (!gathered) {
        blocked = true;
        continue;
      }
      const ready = this.readySince.get(key) ?? elapsedMs();
      this.readySince.set(key, ready);
      if (elapsedMs() - ready < this.postRank(view.operators, t) * config.schedule.postStaggerMs) {
        blocked = true;
        continue;
      }
      const attempt = this.postAttempt(feed.name, t);
      if (attempt > MAX_POST_ATTEMPTS) {
        log.error("round not posted after repeated attempts: giving up on it", { index: feed.name, round: t, attempts: MAX_POST_ATTEMPTS });
        continue;
      }
      const request = postFixingRequest(config.contracts.oracle, feed.name, decision.args, attempt);
      const result = await this.o.sender.send(request);
      outcome.post = result;
      if (result.status !== "deferred") this.limiter.recovered(log, `deferred:${feed.name}`, "posts no longer deferred", { index: feed.name, round: t });
      if (result.status === "skipped" || (result.status === "deferred" && result.cause === "pending")) await this.checkLostRace(feed, t, result);
      if (result.status === "sent") {
        this.sentPosts.set(request.key, { index: feed.name, round: t, signers: decision.signers, held: view.held !== undefined });
        log.info("fixing post sent", { index: feed.name, round: t, signers: decision.signers, operators: view.operators.length, hash: result.hash, attempt });
        // Later rounds may follow in this pass: our own posts are mined in nonce order.
      } else if (result.status === "dry-run") {
        log.info("dry run: would post fixing", { index: feed.name, round: t, signers: decision.signers, args: decision.args });
      } else if (result.status === "deferred") {
        if (result.cause !== "pending") this.limiter.warn(log, `deferred:${feed.name}`, "post deferred", { index: feed.name, round: t, reason: result.reason });
        blocked = true; // keep round order: a later round must not be posted before this one
      }
    }
    await this.settlement.check(feed, now);
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

  /**
   * This operator's observation of a round: the journaled signed one if any, else its value computed now (not yet
   * signed: see signChecked), else why it has none. Computed values are kept per round (a window read at round
   * close does not change) until the oracle is past the round; for a linked index only while its reference stays
   * the same (see chainState).
   */
  private async compute(feed: IndexFeed, round: bigint, view: OracleIndexView): Promise<{ signed: SignedObservation } | Computed | { none: string }> {
    const { signer, journal, config, log, metrics } = this.o;
    const me = signer.address.toLowerCase();
    const journaled = journal.observations(feed.indexId, round).find((o) => o.signer.toLowerCase() === me);
    if (journaled) return { signed: journaled };
    if (!view.operators.some((a) => a.toLowerCase() === me)) return { none: "not an operator" };
    const key = `${feed.name}:${round}`;
    const known = this.noFixing.get(key);
    if (known !== undefined) return { none: known };
    // The reference is chosen from the journaled state and the latest on-chain fixing (chainState): a value
    // computed before either changed (an earlier round signed or posted since) is computed again.
    const referenceKey = linksToState(feed.def) ? `${journal.get(`chainState:${feed.name}`) ?? ""}@${view.latest.timestamp}:${view.latest.value}` : "";
    const cached = this.computed.get(key);
    if (cached?.referenceKey === referenceKey) return cached;

    let polls;
    try {
      const { intervalSeconds, windowPolls } = config.schedule;
      polls = feed.sampler ? feed.sampler.window(round) : await readWindow(feed.source, windowPollTimes(round, intervalSeconds, windowPolls));
    } catch (e) {
      if (!feed.sampler) this.sourceFailed(feed.name, e, "source read failed: no observation this pass", round);
      else {
        metrics.fixingFailures.inc({ index: feed.name, reason: "source" });
        log.warn("source read failed: no observation this pass", { index: feed.name, round, error: e });
      }
      return { none: `source: ${(e as Error).message}` };
    }
    if (!feed.sampler) this.sourceOk(feed.name);
    const previous = linksToState(feed.def) ? this.chainState(feed, round, view.latest) : undefined;
    const result = fixingOfWindow(feed.def, polls, round, previous);
    const excluded = excludedQuotes(result.report);
    if (excluded.length > 0) {
      log.warn("quotes excluded from the fixing: invalid or outlying prices left out", { index: feed.name, round, source: feed.source.kind, count: excluded.length, quotes: excluded.slice(0, LISTED) });
    }
    if (!result.ok) {
      const { code, message, ...numbers } = result.reason;
      this.noFixing.set(key, code);
      metrics.fixingFailures.inc({ index: feed.name, reason: "no_fixing" });
      if (code === "SOURCE_SCALE_SUSPECT" || code === "IMPLAUSIBLE_VALUE") {
        // The methodology refused the source's data as a unit error (v2): the same alert as a deviation refusal.
        metrics.signaturesRefused.inc({ index: feed.name, reason: code });
        log.error("observation not signed: the methodology refused the source's data", { index: feed.name, round, reason: code, detail: message, ...numbers, polls: polls.length });
        this.o.health?.refusals.set(feed.name, `refused round ${round}: ${code}: ${message}`);
      } else {
        log.warn("no fixing for this round", { index: feed.name, round, reason: code, detail: message, polls: polls.length });
      }
      return { none: code };
    }
    const { value, inputsHash } = result.fixing;
    if (value < view.minValue || value > view.maxValue) {
      this.noFixing.set(key, "OUT_OF_BOUNDS");
      metrics.fixingFailures.inc({ index: feed.name, reason: "out_of_bounds" });
      log.error("fixing outside the oracle's bounds: not signed", { index: feed.name, round, value, min: view.minValue, max: view.maxValue });
      return { none: "OUT_OF_BOUNDS" };
    }
    const computed: Computed = { value, inputsHash, referenceKey, ...(result.chainState ? { chainState: result.chainState } : {}) };
    this.computed.set(key, computed);
    if (!config.dryRun) recordProposal(journal, feed.indexId, round, value);
    return computed;
  }

  /**
   * Signs a computed value unless it deviates beyond the configured limits from the latest on-chain fixing or
   * from the peers' values (integrity.ts). A refusal is logged with the numbers (once per round and reason),
   * counted, and reported in /health until this operator signs a value of that index again.
   */
  private async signChecked(
    feed: IndexFeed,
    round: bigint,
    now: bigint,
    view: OracleIndexView,
    computed: Computed,
    peerValues: readonly bigint[],
  ): Promise<{ signed: SignedObservation } | { none: string }> {
    const { signer, journal, config, log, metrics, health } = this.o;
    const peerCount = config.peers.urls.length;
    const verdict = checkBeforeSigning({
      own: computed.value,
      lastFixing: view.latest.value,
      // Peers count once at least half of them answered: one faulty early answer decides nothing.
      peers: peerValues.length >= Math.ceil(peerCount / 2) ? peerValues : [],
      peersConfigured: peerCount > 0,
      limits: config.integrity,
    });
    for (const c of verdict.checks) metrics.lastDeviation.set({ index: feed.name, reference: c.reference }, c.deviationBps);
    const key = `${feed.name}:${round}`;
    if (!verdict.sign) {
      if ("waiting" in verdict) {
        log.debug("no reference to compare with yet: not signing this pass", { index: feed.name, round, value: computed.value, peers: peerValues.length });
        return { none: verdict.waiting };
      }
      const r = verdict.refused;
      if (!this.refusedLogged.has(`${key}:${r.reference}`)) {
        this.refusedLogged.add(`${key}:${r.reference}`);
        metrics.signaturesRefused.inc({ index: feed.name, reason: r.reference });
        log.error("observation not signed: value deviates from its reference beyond the limit", {
          index: feed.name, round, reason: r.reference, own: r.own, reference: r.referenceValue, deviationBps: r.deviationBps, limitBps: r.limitBps,
        });
      }
      health?.refusals.set(
        feed.name,
        `refused round ${round}: value ${r.own} deviates ${r.deviationBps} bps from the ${r.reference === "peers" ? "peers' value" : "last on-chain fixing"} ${r.referenceValue} (limit ${r.limitBps} bps)`,
      );
      return { none: `refused: ${r.reference}` };
    }
    const observation = { indexId: feed.indexId, timestamp: round, methodologyVersion: feed.def.methodologyVersion, value: computed.value, inputsHash: computed.inputsHash };
    health?.refusals.delete(feed.name);
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
    if (computed.chainState) journal.set(`chainState:${feed.name}`, JSON.stringify(chainStateToJson(computed.chainState)));
    log.info("observation signed", { index: feed.name, round, value: computed.value, checks: verdict.checks.map((c) => ({ reference: c.reference, deviationBps: c.deviationBps })) });
    return { signed };
  }

  /**
   * Chain-linked indices and methodology v2: the state after this operator's last signed observation before
   * `round`. Under v2 only if it is not behind the chain: a state older than the latest on-chain fixing (this
   * operator missed fixings, e.g. it was down) or of that fixing with another value (its value was not the one
   * stored) would make its bounded steps lag its peers' for good during a repricing, so v2 then computes without a
   * reference (the methodology's "keeper that lost its state") until it signs a round again.
   */
  private chainState(feed: IndexFeed, round: bigint, latest: { timestamp: bigint; value: bigint }): ChainState | undefined {
    const text = this.o.journal.get(`chainState:${feed.name}`);
    if (text === undefined) return undefined;
    const state = chainStateFromJson(JSON.parse(text));
    const at = BigInt(state.timestamp);
    if (at >= round) return undefined;
    if (feed.def.methodologyVersion >= 2 && (at < latest.timestamp || (at === latest.timestamp && state.level !== latest.value))) {
      this.o.log.info("previous state behind the latest on-chain fixing: computing without a reference", {
        index: feed.name, round, stateTimestamp: at, stateLevel: state.level, latest: latest.timestamp, latestValue: latest.value,
      });
      return undefined;
    }
    return state;
  }

  /** Tracks whether the signer is a registered operator of the index: logged on every change, shown in /health. */
  private checkRegistered(index: string, operators: readonly string[]): void {
    const me = this.o.signer.address.toLowerCase();
    const registered = operators.some((a) => a.toLowerCase() === me);
    this.o.metrics.signerRegistered.set({ index }, registered ? 1 : 0);
    if (!registered && !this.notOperator.has(index)) {
      this.notOperator.add(index);
      this.o.health?.notOperator.add(index);
      this.o.log.warn("signer is not a registered operator of the index: not observing (ask the oracle's owner to add it)", { index, signer: this.o.signer.address });
    } else if (registered && this.notOperator.has(index)) {
      this.notOperator.delete(index);
      this.o.health?.notOperator.delete(index);
      this.o.log.info("signer is a registered operator of the index again: observing", { index, signer: this.o.signer.address });
    }
  }

  /**
   * A peer served an observation signed with this keeper's own key: another keeper runs with the same operator key
   * (a copied keystore or config). Its values are no independent reference and two keepers signing under one key
   * could sign two values for a round, so this keeper signs nothing for the round (the other one's observation
   * stands); logged as an error once per round and peer, counted as a refusal, and shown in /health.
   */
  private sharedKeySeen(index: string, round: bigint, twins: readonly { peer: string; observation: SignedObservation }[]): void {
    const signer = this.o.signer.address;
    for (const { peer, observation } of twins) {
      const key = `${index}:${round}:shared:${peer}`;
      if (this.refusedLogged.has(key)) continue;
      this.refusedLogged.add(key);
      this.o.metrics.signaturesRefused.inc({ index, reason: "shared_key" });
      this.o.log.error("another keeper signs with this keeper's operator key: two keepers share one key (stop one of them; each operator needs its own registered key); not signing this round", {
        index, round, peer, signer, theirValue: observation.value,
      });
    }
    const peers = [...new Set(twins.map((x) => x.peer))].join(", ");
    this.o.health?.refusals.set(index, `round ${round}: the signing key ${signer} also signs at ${peers}: two keepers share one operator key (stop one of them)`);
  }

  /** A failed source poll: counted, warned (first failure, then every 10th), reported in /health with the count. */
  private sourceFailed(index: string, e: unknown, msg: string, round?: bigint): void {
    const count = (this.sourceFailures.get(index) ?? 0) + 1;
    this.sourceFailures.set(index, count);
    this.o.metrics.fixingFailures.inc({ index, reason: "source" });
    const feed = this.o.feeds.find((f) => f.name === index);
    this.o.metrics.sourceFailures.inc({ index, source: feed?.source.kind ?? "unknown" });
    const error = e instanceof Error ? e.message : String(e);
    this.o.health?.sourceFailures.set(index, { count, error });
    if (count === 1 || count % 10 === 0) this.o.log.warn(msg, { index, ...(round !== undefined ? { round } : {}), failuresInARow: count, error: e });
  }

  private sourceOk(index: string): void {
    const count = this.sourceFailures.get(index);
    if (count === undefined) return;
    this.sourceFailures.delete(index);
    this.o.health?.sourceFailures.delete(index);
    this.o.log.info("source recovered", { index, failedPolls: count });
  }

  private noQuorum(index: string): Set<bigint> {
    const map = this.o.health?.noQuorum;
    if (!map) return new Set();
    let set = map.get(index);
    if (!set) map.set(index, (set = new Set()));
    return set;
  }

  /**
   * Drops per-round memory of rounds the oracle is past (the process runs for months). A round that had a quorum
   * is handed to settlement first with its last signed set: it can no longer be posted, so no larger set will
   * come, and a round superseded while still gathering counts like any other (settlement.ts).
   */
  private forgetRoundsUpTo(feed: IndexFeed, latest: bigint): void {
    const index = feed.name;
    for (const [key, args] of this.quorumArgs) {
      if (key.slice(0, key.lastIndexOf(":")) === index && args[1] <= latest) this.settlement.addRound(feed.indexId, args);
    }
    const waiting = this.o.health?.noQuorum.get(index);
    for (const t of waiting ?? []) if (t <= latest) waiting?.delete(t);
    for (const set of [this.refusedLogged, this.racesSeen]) {
      for (const key of set) {
        const [name, ts] = key.split(":");
        if (name === index && BigInt(ts as string) <= latest) set.delete(key);
      }
    }
    for (const map of [this.noFixing, this.computed, this.waitingSince, this.quorumSince, this.quorumArgs, this.readySince]) {
      for (const key of map.keys()) {
        const cut = key.lastIndexOf(":");
        if (key.slice(0, cut) === index && BigInt(key.slice(cut + 1)) <= latest) map.delete(key);
      }
    }
  }

  /**
   * The number of the post to send for a round: 1, or one more than the last journaled post of it if that one
   * ended without posting (cancelled, lost, reverted) — the round is still due, so it is still postable.
   */
  private postAttempt(index: string, round: bigint): number {
    for (let n = 1; ; n++) {
      const state = this.o.journal.getTx(postFixingKey(index, round, n))?.state;
      if (state === undefined || !FAILED.includes(state)) return n;
    }
  }

  /**
   * A post that was not sent because another operator's post of the round got there first (the simulation at the
   * latest block reverts, or the pending state has the other post): a lost race that cost nothing, logged and
   * counted once per round and outcome — if the oracle now has the round (else the skip had another cause, which
   * the sender logged).
   */
  private async checkLostRace(feed: IndexFeed, round: bigint, result: SendResult & { status: "skipped" | "deferred" }): Promise<void> {
    const outcome = result.status;
    const key = `${feed.name}:${round}:${outcome}`;
    if (this.racesSeen.has(key)) return;
    const onChain = outcome === "deferred" || (await readOracleIndex(this.o.client, this.o.config.contracts.oracle, feed.indexId)).latest.timestamp >= round;
    if (!onChain) return;
    this.racesSeen.add(key);
    this.o.metrics.postRacesLost.inc({ index: feed.name, outcome });
    this.o.log.info(outcome === "skipped" ? "lost race: another operator posted the round first, nothing sent" : "lost race: another operator's post of the round is pending, nothing sent", {
      index: feed.name, round, reason: result.reason,
    });
  }

  /**
   * Follows this keeper's sent posts of an index. A post still unmined once the oracle has its round (another
   * operator's post was mined first) is dropped at once (its nonce filled with a self-transfer), so it never
   * reverts. "Fixing posted" is logged and counted when a post is confirmed; a post that ended without posting
   * while the oracle has the round lost a race (logged at info and counted, never as a post); any other end is
   * a warning, and the round is re-sent while it is due.
   */
  private async settlePosts(index: string, latest: bigint, now: bigint): Promise<void> {
    for (const [key, p] of this.sentPosts) {
      if (p.index !== index) continue;
      let tx = this.o.journal.getTx(key);
      if (tx && (tx.state === "queued" || tx.state === "broadcast") && p.round <= latest && (await this.o.sender.dropIfDone(key))) tx = this.o.journal.getTx(key);
      if (!tx || OPEN.includes(tx.state)) continue;
      this.sentPosts.delete(key);
      if (tx.state === "confirmed") {
        this.o.metrics.fixingsPosted.inc({ index: p.index });
        this.o.metrics.roundLatency.observe({ index: p.index }, Number(now - p.round));
        this.lastOwnPostMs.set(p.index, Date.now());
        this.o.log.info("fixing posted", { index: p.index, round: p.round, signers: p.signers, hash: tx.minedHash, block: tx.minedBlock });
        if (p.held) {
          this.o.metrics.breakerConfirmations.inc({ index: p.index });
          this.o.log.info("breaker confirmation round posted", { index: p.index, round: p.round, hash: tx.minedHash });
        }
      } else if ((tx.state === "reverted" || tx.state === "cancelled") && p.round <= latest) {
        const outcome = tx.state;
        this.o.metrics.postRacesLost.inc({ index: p.index, outcome });
        this.o.log.info(outcome === "reverted" ? "lost race: another operator's post of the round was mined first, ours reverted (gas spent, not a post)" : "lost race: another operator's post of the round was mined first, ours was replaced by a self-transfer", {
          index: p.index, round: p.round, hash: tx.minedHash, block: tx.minedBlock, note: tx.note,
        });
      } else {
        this.o.log.warn("fixing post ended without posting: re-sent while the round is due", { index: p.index, round: p.round, state: tx.state, note: tx.note });
      }
    }
  }
}
