/**
 * Transaction sending with a journal (see journal.ts), in the manner of Chainlink's txmgr:
 *
 * - one nonce per logical action: `key` is the idempotency key; a key already in the journal is never sent again;
 * - every action is simulated (eth_call, then gas estimation, both at the LATEST block: the pending state holds
 *   our own unmined transactions, which would make a still-needed action look done) before a nonce is assigned; a
 *   failing simulation skips the action and costs nothing; a request with `deferIfPending` is also called on the
 *   pending state, once signed (in memory) as the last read before it is journaled and broadcast, and deferred
 *   while that reverts (another poster's transaction is in the pool: racing posters do not both send);
 * - fees: maxPriorityFeePerGas from config, maxFeePerGas = min(cap, 2 x base fee + priority); no fee above the cap
 *   is ever signed; while base fee + priority exceeds the cap new actions are deferred;
 * - the nonce and then the signed transaction are committed to the journal before the broadcast, so a crash at
 *   any point is recovered by re-broadcasting the same bytes;
 * - a transaction unmined after `stuckAfterSeconds` is replaced with the same nonce and both fees raised by
 *   >= max(bumpPercent, 10) %, capped; if the action became unnecessary (simulation now fails) the nonce is
 *   filled with a 0-value self-transfer instead, so a lost race never reverts on-chain and never leaves a gap;
 *   `dropIfDone` does the same at once, when the caller knows another sender did the action (a racing post mined);
 * - a transaction that reverts although its action was simulated first, and whose action also reverts on the
 *   state after its block, lost a race (another transaction did the action first, unseen by the last check): its
 *   status is `lost_race` in the metrics and its journal note says so; any other revert is logged as a warning;
 * - at most `maxInFlight` unconfirmed transactions; normal-priority actions leave one slot to high priority;
 * - `reconcile()` (mandatory before the first send) reads the chain's nonces and every journaled transaction's
 *   receipts, and re-broadcasts what is still pending, before anything new is sent.
 */
import { type Abi, type Address, type Hex, type LocalAccount, type PublicClient, keccak256 } from "viem";
import { type Logger, RateLimiter, silentLogger } from "../observability/log.js";
import type { KeeperMetrics } from "../observability/metrics.js";
import type { AttemptRecord, Journal, TxRecord, TxState } from "./journal.js";
import { type BroadcastOutcome, classifySendError, errorText, isRevert, revertReason } from "./nodeErrors.js";

export interface FeePolicy {
  /** Never sign a maxFeePerGas above this (wei). */
  maxFeePerGas: bigint;
  /** maxPriorityFeePerGas of a first attempt (wei). */
  priorityFee: bigint;
  /** Fee increase of a replacement, in percent (the node requires >= 10). */
  bumpPercent: number;
  /** An unmined attempt older than this is replaced. */
  stuckAfterSeconds: number;
}

export interface SenderOptions {
  client: PublicClient;
  account: LocalAccount;
  journal: Journal;
  chainId: number;
  fees: FeePolicy;
  maxInFlight: number;
  /** Blocks on top of the receipt's block before a transaction counts as confirmed (1 = the block itself). */
  confirmations?: number;
  dryRun?: boolean;
  log?: Logger;
  metrics?: KeeperMetrics;
  now?: () => number;
  /** Where fee-cap deferrals of needed actions are reported (/health): set while deferred, removed once sent or final. */
  feeCapped?: Map<string, { reason: string; atMs: number }>;
  /** Test hooks called at the steps of a send; a throw simulates a crash at that point. */
  hooks?: { afterPersistNonce?: (key: string) => void; afterPersistSigned?: (key: string) => void; afterBroadcast?: (key: string) => void };
}

export interface SendRequest {
  /** Idempotency key of the logical action, e.g. "post:ATPI:1740000000". */
  key: string;
  /** For logs and metrics: "post", "liquidate", ... */
  kind: string;
  to: Address;
  data: Hex;
  value?: bigint;
  /** High priority actions (fixing posts) may use the last in-flight slot. */
  priority?: "high" | "normal";
  /** ABI of the target, to name a revert's custom error in logs and results. */
  abi?: Abi;
  /**
   * Defer (do not send) while the action passes at the latest block but reverts on the pending state: someone
   * else's transaction doing the same is waiting in the node's pool. The action stays due and is tried again.
   */
  deferIfPending?: boolean;
}

export type SendResult =
  | { status: "sent"; key: string; nonce: number; hash: Hex }
  | { status: "exists"; key: string; state: TxState; nonce: number }
  | { status: "skipped"; key: string; reason: string }
  | { status: "deferred"; key: string; reason: string; cause: DeferCause }
  | { status: "dry-run"; key: string; gas: bigint; maxFeePerGas: bigint };

/** Why an action was deferred: no in-flight slot, no simulation, another sender's pending transaction does it, the fee cap. */
export type DeferCause = "in-flight" | "simulation" | "pending" | "fee-cap";

export interface ReconcileReport {
  latestNonce: number;
  pendingNonce: number;
  nextNonce: number;
  open: number;
  rebroadcast: number;
}

type Simulation = { ok: true; gas: bigint } | { ok: false; reverted: boolean; reason: string };

/** a * (100 + pct) / 100, rounded up. */
export function bump(a: bigint, pct: number): bigint {
  const num = a * BigInt(100 + pct);
  return (num + 99n) / 100n;
}

const FINAL: readonly TxState[] = ["confirmed", "reverted", "cancelled", "lost"];
/** Note of a reverted transaction whose action another sender did first (see lostRace). */
const LOST_RACE = "lost race";

export class TxSender {
  readonly address: Address;
  private readonly o: Required<Omit<SenderOptions, "metrics" | "hooks" | "feeCapped">> & Pick<SenderOptions, "metrics" | "hooks"> & { feeCapped: Map<string, { reason: string; atMs: number }> };
  private nextNonce: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Repeated warnings per action (fee cap, failed broadcasts) at most once a minute, with counts. */
  private readonly limiter: RateLimiter;
  /** Local time since which an open transaction's nonce is used on chain without a receipt of ours. */
  private readonly nonceUsedSince = new Map<string, number>();

  constructor(options: SenderOptions) {
    if (options.fees.bumpPercent < 10) throw new Error(`bumpPercent must be >= 10 (node minimum), got ${options.fees.bumpPercent}`);
    this.address = options.account.address;
    this.limiter = new RateLimiter(60_000, options.now ?? Date.now);
    this.o = { confirmations: 1, dryRun: false, log: silentLogger, now: Date.now, ...options, feeCapped: options.feeCapped ?? new Map() };
  }

  /** The RPC client the sender reads and sends through (for callers that hold only the sender). */
  get client(): PublicClient {
    return this.o.client;
  }

  /** Reads the chain and settles every journaled transaction before anything new is sent. */
  reconcile(): Promise<ReconcileReport> {
    return this.exclusive(async () => {
      const c = this.o.client;
      const [latestNonce, pendingNonce] = await Promise.all([
        c.getTransactionCount({ address: this.address, blockTag: "latest" }),
        c.getTransactionCount({ address: this.address, blockTag: "pending" }),
      ]);
      const maxJournal = this.o.journal.maxNonce(this.address);
      const open = this.o.journal.openTxs(this.address).length;
      const rebroadcast = await this.checkOpen();
      this.nextNonce = Math.max(pendingNonce, maxJournal + 1);
      const report = { latestNonce, pendingNonce, nextNonce: this.nextNonce, open, rebroadcast };
      this.o.log.info("journal reconciled with chain", report);
      return report;
    });
  }

  /** Plans, simulates, journals, signs and broadcasts one action (see the module comment). */
  send(req: SendRequest): Promise<SendResult> {
    return this.exclusive(async () => {
      if (this.nextNonce === undefined) throw new Error("TxSender.send before reconcile()");
      const j = this.o.journal;
      const log = this.o.log.child({ key: req.key, kind: req.kind });
      const existing = j.getTx(req.key);
      if (existing) return { status: "exists", key: req.key, state: existing.state, nonce: existing.nonce } as const;

      const inFlight = j.openTxs(this.address).length;
      const limit = req.priority === "high" || this.o.maxInFlight === 1 ? this.o.maxInFlight : this.o.maxInFlight - 1;
      if (inFlight >= limit) return { status: "deferred", key: req.key, reason: `in-flight ${inFlight} >= ${limit}`, cause: "in-flight" } as const;

      const sim = await this.simulate(req);
      if (!sim.ok && sim.reverted) {
        this.o.feeCapped.delete(req.key);
        log.info("simulation reverts: action skipped", { reason: sim.reason });
        return { status: "skipped", key: req.key, reason: sim.reason } as const;
      }
      if (!sim.ok) {
        log.warn("simulation could not run: action deferred", { reason: sim.reason });
        return { status: "deferred", key: req.key, reason: `simulation failed: ${sim.reason}`, cause: "simulation" } as const;
      }
      const gas = sim.gas;
      const baseFee = await this.baseFee();
      const { priorityFee, maxFeePerGas: cap } = this.o.fees;
      if (baseFee + priorityFee > cap) {
        this.o.metrics?.feeCapHits.inc({ kind: req.kind });
        const reason = `base fee ${baseFee} + priority ${priorityFee} > cap ${cap}`;
        this.o.feeCapped.set(req.key, { reason, atMs: this.o.now() });
        this.limiter.warn(log, `cap:${req.key}`, "base fee above the fee cap: action deferred", { baseFee, cap });
        return { status: "deferred", key: req.key, reason, cause: "fee-cap" } as const;
      }
      this.o.feeCapped.delete(req.key);
      this.limiter.recovered(log, `cap:${req.key}`, "base fee below the fee cap again: action goes ahead", { baseFee, cap });
      const maxFeePerGas = min(cap, 2n * baseFee + priorityFee);
      const nonce = this.nextNonce;
      const planned = { key: req.key, kind: req.kind, sender: this.address, nonce, to: req.to, data: req.data, value: req.value ?? 0n,
        gas, priority: req.priority === "high" ? 1 : 0, state: "queued" as const, createdMs: this.o.now() };
      // Signed in memory first, so that the check of the pending state is the last read before the broadcast.
      const attempt = this.o.dryRun ? undefined : await this.sign(planned, { maxFeePerGas, maxPriorityFeePerGas: priorityFee }, false);
      if (req.deferIfPending) {
        // A racing poster's transaction that reached the node by now is seen; one can go unseen only during the
        // journal writes and the broadcast below (milliseconds). Our own unmined transactions in the pending state
        // have lower nonces: earlier actions, which do not do this one. Nothing is journaled yet: no nonce is used.
        const reason = await this.revertOf(req, { blockTag: "pending" });
        if (reason !== undefined) {
          log.info("action already done by a pending transaction of another sender: deferred", { reason });
          return { status: "deferred", key: req.key, reason: `pending transaction of another sender: ${reason}`, cause: "pending" } as const;
        }
      }
      if (!attempt) {
        log.info("dry run: not sent", { gas, maxFeePerGas });
        return { status: "dry-run", key: req.key, gas, maxFeePerGas } as const;
      }

      j.insertTx(planned);
      this.nextNonce = nonce + 1;
      this.o.hooks?.afterPersistNonce?.(req.key);
      j.addAttempt(attempt);
      this.o.hooks?.afterPersistSigned?.(req.key);
      const tx = j.getTx(req.key) as TxRecord;
      await this.broadcast(tx, attempt, log);
      this.o.hooks?.afterBroadcast?.(req.key);
      this.o.metrics?.txSent.inc({ kind: req.kind });
      return { status: "sent", key: req.key, nonce, hash: attempt.hash } as const;
    });
  }

  /** One maintenance pass: receipts, confirmations, re-broadcasts, replacements of stuck transactions. */
  tick(): Promise<void> {
    return this.exclusive(async () => {
      await this.checkOpen();
    });
  }

  /** Ticks until the transaction of `key` is final; returns its record. */
  async waitFinal(key: string, opts: { pollMs?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TxRecord> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000); // real time: the injected clock may be frozen in tests
    for (;;) {
      await this.tick();
      const tx = this.o.journal.getTx(key);
      if (!tx) throw new Error(`no journaled transaction ${key}`);
      if (FINAL.includes(tx.state)) return tx;
      if (opts.signal?.aborted) throw new Error(`aborted while waiting for ${key}`);
      if (Date.now() > deadline) throw new Error(`transaction ${key} not final after ${opts.timeoutMs ?? 60_000} ms (state ${tx.state})`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  }

  /** Number of journaled transactions not yet final. */
  inFlight(): number {
    return this.o.journal.openTxs(this.address).length;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * eth_call then gas estimation at the latest block (never the pending state, which holds our own unmined
   * attempts): the gas limit with 20 % headroom, or why not. `reverted` tells a revert (the action is not needed or
   * not possible now) from a failure to simulate at all (RPC down, no funds for gas).
   */
  private async simulate(req: { to: Address; data: Hex; value?: bigint; abi?: Abi | undefined }): Promise<Simulation> {
    const args = { account: this.address, to: req.to, data: req.data, value: req.value ?? 0n, blockTag: "latest" } as const;
    try {
      await this.o.client.call(args);
      const gas = await this.o.client.estimateGas(args);
      return { ok: true, gas: (gas * 12n) / 10n };
    } catch (e) {
      return { ok: false, reverted: isRevert(e), reason: revertReason(e, req.abi) };
    }
  }

  private async baseFee(): Promise<bigint> {
    const block = await this.o.client.getBlock({ blockTag: "latest" });
    return block.baseFeePerGas ?? 0n;
  }

  /** Signs an attempt and journals it. */
  private async signAttempt(tx: TxRecord, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, isCancel: boolean): Promise<AttemptRecord> {
    const attempt = await this.sign(tx, fees, isCancel);
    this.o.journal.addAttempt(attempt);
    return attempt;
  }

  /** Signs an attempt of `tx` (the action, or a self-transfer filling its nonce) without journaling it; never above the cap. */
  private async sign(
    tx: Pick<TxRecord, "key" | "nonce" | "to" | "data" | "value" | "gas">,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
    isCancel: boolean,
  ): Promise<AttemptRecord> {
    if (fees.maxFeePerGas > this.o.fees.maxFeePerGas) {
      throw new Error(`refusing to sign maxFeePerGas ${fees.maxFeePerGas} above cap ${this.o.fees.maxFeePerGas}`);
    }
    const raw = await this.o.account.signTransaction({
      type: "eip1559",
      chainId: this.o.chainId,
      nonce: tx.nonce,
      to: isCancel ? this.address : tx.to,
      data: isCancel ? "0x" : tx.data,
      value: isCancel ? 0n : tx.value,
      gas: isCancel ? 21_000n : tx.gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { hash: keccak256(raw), key: tx.key, nonce: tx.nonce, ...fees, raw, isCancel, createdMs: this.o.now() };
  }

  /** Sends an attempt's bytes; the node's answer is interpreted, never thrown (the next tick retries). */
  private async broadcast(tx: TxRecord, a: AttemptRecord, log: Logger): Promise<BroadcastOutcome> {
    let outcome: BroadcastOutcome = "ok";
    let message = "";
    try {
      await this.o.client.sendRawTransaction({ serializedTransaction: a.raw });
    } catch (e) {
      message = errorText(e);
      outcome = classifySendError(message);
    }
    const now = this.o.now();
    if (outcome === "ok" || outcome === "known" || outcome === "nonce-used" || outcome === "underpriced") {
      // nonce-used: mined (ours or not), resolved by receipts; underpriced: an earlier attempt of ours holds the slot.
      this.o.journal.markBroadcast(a.hash, now);
      if (tx.state === "queued") this.o.journal.updateTx(tx.key, "broadcast", now);
      if (outcome !== "ok") log.info("broadcast answered", { outcome, nonce: a.nonce, hash: a.hash });
    } else {
      // fee-too-low: the base fee is above what we may pay (the cap), the attempt waits for the base fee to fall.
      if (outcome === "fee-too-low") this.o.metrics?.feeCapHits.inc({ kind: tx.kind });
      if (outcome === "fatal" || outcome === "funds") log.error("broadcast failed; will retry", { outcome, nonce: a.nonce, error: message });
      else this.limiter.warn(log, `broadcast:${tx.key}`, "broadcast failed; will retry", { outcome, nonce: a.nonce, error: message });
    }
    return outcome;
  }

  /** Settles open transactions against the chain; returns how many attempts were (re)broadcast. */
  private async checkOpen(): Promise<number> {
    const j = this.o.journal;
    const open = j.openTxs(this.address);
    this.o.metrics?.txInFlight.set({}, open.length);
    if (open.length === 0) return 0;
    const c = this.o.client;
    const [latestNonce, head] = await Promise.all([
      c.getTransactionCount({ address: this.address, blockTag: "latest" }),
      c.getBlockNumber({ cacheTime: 0 }),
    ]);
    let sent = 0;
    for (const tx of open) {
      const log = this.o.log.child({ key: tx.key, kind: tx.kind, nonce: tx.nonce });
      const attempts = j.attempts(tx.key);
      if (tx.nonce < latestNonce || tx.state === "mined") {
        await this.settleMined(tx, attempts, head, log);
        continue;
      }
      this.nonceUsedSince.delete(tx.key);
      const last = attempts.at(-1);
      if (!last) {
        // Crashed between assigning the nonce and signing: sign now (or fill the nonce if no longer needed).
        const sim = await this.simulate(tx);
        if (!sim.ok && !sim.reverted) throw new Error(`cannot simulate ${tx.key}: ${sim.reason}`);
        const baseFee = await this.baseFee();
        const fees = { maxFeePerGas: min(this.o.fees.maxFeePerGas, 2n * baseFee + this.o.fees.priorityFee), maxPriorityFeePerGas: this.o.fees.priorityFee };
        const a = await this.signAttempt(tx, fees, !sim.ok);
        await this.broadcast(tx, a, log);
        sent++;
        continue;
      }
      const unsent = attempts.filter((a) => a.broadcastMs === undefined);
      if (unsent.length > 0) {
        // Crashed between persisting and sending (or the send failed): send the same bytes again, unless the action
        // is no longer needed (another sender did it meanwhile): then the nonce is filled with a self-transfer, so
        // the stale bytes never revert on chain (the stale attempt counts as superseded: it is never sent; if it was
        // sent just before a crash, the node keeps it and refuses the cancel as underpriced).
        if (!last.isCancel && attempts.every((a) => a.broadcastMs === undefined)) {
          const sim = await this.simulate(tx);
          if (!sim.ok && sim.reverted) {
            const fees = { maxFeePerGas: last.maxFeePerGas, maxPriorityFeePerGas: last.maxPriorityFeePerGas };
            for (const u of unsent) this.o.journal.markBroadcast(u.hash, this.o.now());
            const a = await this.signAttempt(tx, fees, true);
            log.info("action no longer needed before its first broadcast: filling nonce with a self-transfer", { reason: sim.reason, hash: a.hash });
            await this.broadcast(tx, a, log);
            sent++;
            continue;
          }
        }
        for (const a of unsent) await this.broadcast(tx, a, log);
        sent += unsent.length;
        continue;
      }
      if (this.o.now() - last.createdMs < this.o.fees.stuckAfterSeconds * 1000) continue;
      sent += await this.replace(tx, last, log);
    }
    this.o.metrics?.txInFlight.set({}, j.openTxs(this.address).length);
    return sent;
  }

  /**
   * Drops an action whose transaction waits unmined (in the pool, or not yet broadcast) while its simulation at the
   * latest block now reverts — another sender did it, e.g. a racing poster's post was mined first: the nonce is
   * filled at once with a self-transfer (fees bumped, capped), so the stale transaction can no longer be mined and
   * revert. Nothing happens while the action is still needed, once a transaction of ours used the nonce, or when
   * the cap leaves no room for a replacement. Returns whether the nonce was filled.
   */
  dropIfDone(key: string): Promise<boolean> {
    return this.exclusive(async () => {
      const tx = this.o.journal.getTx(key);
      const last = this.o.journal.attempts(key).at(-1);
      if (!tx || !last || last.isCancel || (tx.state !== "queued" && tx.state !== "broadcast")) return false;
      const latestNonce = await this.o.client.getTransactionCount({ address: this.address, blockTag: "latest" });
      if (tx.nonce < latestNonce) return false; // mined (ours or not): the receipts decide
      const sim = await this.simulate(tx);
      if (sim.ok || !sim.reverted) return false;
      const log = this.o.log.child({ key: tx.key, kind: tx.kind, nonce: tx.nonce });
      const fees = await this.replacementFees(tx, last, log);
      if (!fees) return false;
      const a = await this.signAttempt(tx, fees, true);
      log.info("action done by another sender while ours was unmined: filling nonce with a self-transfer", { reason: sim.reason, hash: a.hash, previous: last.hash });
      this.o.metrics?.txReplaced.inc({ kind: tx.kind });
      await this.broadcast(tx, a, log);
      return true;
    });
  }

  /**
   * Fees of a replacement of `last`: both raised by >= max(bumpPercent, 10) % and at least to 2 x base fee +
   * priority, capped. Undefined (with an alert) when the cap leaves no room for a valid replacement (+10 %).
   */
  private async replacementFees(tx: TxRecord, last: AttemptRecord, log: Logger): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined> {
    const { bumpPercent, maxFeePerGas: cap } = this.o.fees;
    const pct = Math.max(bumpPercent, 10);
    const baseFee = await this.baseFee();
    const priority = bump(last.maxPriorityFeePerGas, pct);
    const maxFee = min(max(bump(last.maxFeePerGas, pct), 2n * baseFee + priority), cap);
    const cappedPriority = min(priority, maxFee);
    if (maxFee >= bump(last.maxFeePerGas, 10) && cappedPriority >= bump(last.maxPriorityFeePerGas, 10)) return { maxFeePerGas: maxFee, maxPriorityFeePerGas: cappedPriority };
    this.o.metrics?.feeCapHits.inc({ kind: tx.kind });
    this.o.feeCapped.set(tx.key, { reason: `stuck at maxFeePerGas ${last.maxFeePerGas}, the cap ${cap} leaves no room for a replacement`, atMs: this.o.now() });
    this.limiter.warn(log, `stuck:${tx.key}`, "stuck transaction at the fee cap: not bumped, re-broadcast", { maxFeePerGas: last.maxFeePerGas, cap });
    return undefined;
  }

  /** Replaces a stuck transaction: same nonce, fees bumped, capped; a cancel if the action is no longer needed. */
  private async replace(tx: TxRecord, last: AttemptRecord, log: Logger): Promise<number> {
    const fees = await this.replacementFees(tx, last, log);
    if (!fees) {
      // The cap leaves no room for a valid replacement: keep the current attempt alive (the alert is raised).
      await this.broadcast(tx, last, log);
      return 1;
    }
    let stillNeeded = false;
    if (!last.isCancel) {
      const sim = await this.simulate(tx);
      if (!sim.ok && !sim.reverted) throw new Error(`cannot simulate ${tx.key}: ${sim.reason}`);
      stillNeeded = sim.ok;
    }
    const a = await this.signAttempt(tx, fees, !stillNeeded);
    log.info(stillNeeded ? "replacing stuck transaction" : "action no longer needed: filling nonce with a self-transfer", {
      hash: a.hash, ...fees, previous: last.hash,
    });
    this.o.metrics?.txReplaced.inc({ kind: tx.kind });
    await this.broadcast(tx, a, log);
    return 1;
  }

  /**
   * Why a reverted transaction lost a race, if it did: its action, simulated on the state after its own block,
   * reverts there too (its simulation passed before it was sent, so another transaction did the action first,
   * e.g. a racing poster's post in the same block or one our node had not shown yet). Undefined for any other
   * revert (the action still passes: out of gas, ...) or when that state cannot be read (pruned).
   */
  private lostRace(tx: TxRecord, block: bigint): Promise<string | undefined> {
    return this.revertOf(tx, { blockNumber: block });
  }

  /** The revert reason of the action as an eth_call at `at`, or undefined if it passes or the call cannot run. */
  private async revertOf(req: { to: Address; data: Hex; value?: bigint; abi?: Abi | undefined }, at: { blockTag: "pending" } | { blockNumber: bigint }): Promise<string | undefined> {
    try {
      await this.o.client.call({ account: this.address, to: req.to, data: req.data, value: req.value ?? 0n, ...at });
      return undefined;
    } catch (e) {
      return isRevert(e) ? revertReason(e, req.abi) : undefined;
    }
  }

  /** The nonce was used: find which of our attempts (if any) was mined, and count confirmations. */
  private async settleMined(tx: TxRecord, attempts: AttemptRecord[], head: bigint, log: Logger): Promise<void> {
    const j = this.o.journal;
    const now = this.o.now();
    for (const a of [...attempts].reverse()) {
      const receipt = await this.o.client.getTransactionReceipt({ hash: a.hash }).catch(() => undefined);
      if (!receipt) continue;
      const depth = head - receipt.blockNumber + 1n;
      if (depth < BigInt(this.o.confirmations)) {
        if (tx.state !== "mined") j.updateTx(tx.key, "mined", now, { minedHash: a.hash, minedBlock: receipt.blockNumber });
        return;
      }
      const state: TxState = a.isCancel ? "cancelled" : receipt.status === "success" ? "confirmed" : "reverted";
      const raced = state === "reverted" ? await this.lostRace(tx, receipt.blockNumber) : undefined;
      this.o.feeCapped.delete(tx.key);
      j.updateTx(tx.key, state, now, { minedHash: a.hash, minedBlock: receipt.blockNumber, ...(raced ? { note: `${LOST_RACE}: ${raced}` } : {}) });
      this.o.metrics?.txConfirmed.inc({ kind: tx.kind, status: raced ? "lost_race" : state });
      this.o.metrics?.gasSpent.inc({ kind: tx.kind }, Number(receipt.gasUsed * receipt.effectiveGasPrice));
      if (state === "confirmed") this.o.metrics?.txConfirmSeconds.observe({ kind: tx.kind }, Math.max(0, (now - tx.createdMs) / 1000));
      if (raced) log.info("transaction reverted: lost the race, another sender did the action first", { hash: a.hash, block: receipt.blockNumber, reason: raced });
      else log[state === "reverted" ? "warn" : "info"](`transaction ${state}`, { hash: a.hash, block: receipt.blockNumber });
      return;
    }
    if (tx.state === "mined") {
      // The receipt vanished (reorg): the nonce is open again, the same signed bytes are re-sent by the next pass.
      j.updateTx(tx.key, "broadcast", now, { minedHash: null, minedBlock: null, note: "receipt lost in a reorg" });
      j.markUnsent(tx.key);
      log.warn("mined transaction no longer in the canonical chain", { hash: tx.minedHash });
      return;
    }
    // Another node may not serve the receipt yet (failover between endpoints): wait stuckAfterSeconds before "lost".
    const since = this.nonceUsedSince.get(tx.key) ?? now;
    this.nonceUsedSince.set(tx.key, since);
    if (now - since < this.o.fees.stuckAfterSeconds * 1000) return;
    this.nonceUsedSince.delete(tx.key);
    j.updateTx(tx.key, "lost", now, { note: "nonce used by a transaction not in the journal" });
    log.error("nonce used by an unknown transaction", { nonce: tx.nonce });
  }
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
