/**
 * Every account's position in one series, tracked from the market's events (events.ts) replayed through the
 * margin-math mirror (replay.ts).
 *
 * Finality: the book keeps a *finalized* state, built from blocks at least `finalityDepth` below the head and
 * persisted in the journal (key-value row `liq:book:<seriesId>`) together with its cursor (the last block
 * applied) and that block's hash. A sync reads the logs after the cursor in one eth_getLogs (chunked for long
 * ranges, halved when the node refuses a range), advances the finalized state up to head - depth, saves it, and replays the rest (the unfinalized
 * tail) on a copy. The tail is never saved: a reorg inside the finality depth is simply read again on the next
 * sync, and the same block range applied twice changes nothing because the cursor only moves forward and
 * duplicate logs (same transaction hash and log index) are dropped. A stored cursor whose block hash changed
 * (a reorg deeper than the depth) makes the book rebuild from `startBlock`.
 */
import type { Address, Hex, PublicClient } from "viem";
import type { Journal } from "../chain/journal.js";
import { readSplitting } from "../chain/splitRange.js";
import { type Logger, silentLogger } from "../observability/log.js";
import type { PositionState } from "../../sdk/marginMath.js";
import { type SeriesParams, seriesId as seriesIdOf } from "../../sdk/orders.js";
import { fetchSeriesEvents } from "./events.js";
import { type MarketEvent, type SeriesBook, cloneBook, emptyBook, replay } from "./replay.js";

export interface BookOptions {
  client: PublicClient;
  journal: Journal;
  market: Address;
  params: SeriesParams;
  /** Blocks below the head that count as final (0 on a local chain that never reorgs). */
  finalityDepth: number;
  /** First block that can hold events of the series (its listing block, or the market's deployment). */
  startBlock: bigint;
  /** Longest block range of one eth_getLogs. */
  maxBlockRange?: number;
  log?: Logger;
}

interface Saved {
  cursor: string;
  cursorHash: Hex | null;
  pool: { marginAssets: string; marginShares: string };
  settled: boolean;
  positions: [string, string, string, string][];
}

export class AccountBook {
  readonly seriesId: Hex;
  private finalized: SeriesBook = emptyBook();
  /** Last block applied to `finalized`. */
  private cursor: bigint;
  private cursorHash: Hex | null = null;
  private loaded = false;
  private readonly o: Required<BookOptions>;

  constructor(options: BookOptions) {
    this.o = { maxBlockRange: 10_000, log: silentLogger, ...options };
    this.seriesId = seriesIdOf(options.params);
    this.cursor = options.startBlock - 1n;
  }

  private get key(): string {
    return `liq:book:${this.seriesId}`;
  }

  /** The last finalized block applied. */
  get finalizedBlock(): bigint {
    return this.cursor;
  }

  /**
   * Brings the book up to `head` and returns the state at the head (finalized state plus the unfinalized
   * tail). RPC cost: one eth_getLogs per `maxBlockRange` blocks since the cursor, plus one block read when the
   * finalized cursor moves; nothing per account.
   */
  async sync(head: bigint): Promise<SeriesBook> {
    if (!this.loaded) await this.load();
    const from = this.cursor + 1n;
    const events = await this.fetch(from, head);
    const finalTo = head - BigInt(this.o.finalityDepth);
    if (finalTo > this.cursor) {
      replay(this.finalized, this.o.params, events.filter((e) => e.blockNumber <= finalTo));
      this.cursor = finalTo;
      this.cursorHash = (await this.o.client.getBlock({ blockNumber: finalTo })).hash;
      this.save();
    }
    const view = cloneBook(this.finalized);
    replay(view, this.o.params, events.filter((e) => e.blockNumber > this.cursor));
    if (view.mismatches.length) this.o.log.error("book replay mismatch: the book differs from the contract", { mismatches: view.mismatches.slice(0, 5) });
    return view;
  }

  /** Forgets everything and rebuilds from `startBlock` on the next sync. */
  reset(): void {
    this.finalized = emptyBook();
    this.cursor = this.o.startBlock - 1n;
    this.cursorHash = null;
    this.o.journal.set(this.key, "");
  }

  private async fetch(from: bigint, to: bigint): Promise<MarketEvent[]> {
    const out: MarketEvent[] = [];
    const step = BigInt(this.o.maxBlockRange);
    for (let a = from; a <= to; a += step) {
      const b = a + step - 1n < to ? a + step - 1n : to;
      out.push(...(await this.fetchSplitting(a, b)));
    }
    return out;
  }

  /** One eth_getLogs for [a, b]; a range the node refuses (too many logs, response too large) is halved. */
  private fetchSplitting(a: bigint, b: bigint): Promise<MarketEvent[]> {
    return readSplitting(a, b, (x, y) => fetchSeriesEvents(this.o.client, this.o.market, this.seriesId, x, y), (x, y, e) =>
      this.o.log.debug("eth_getLogs range refused: splitting", { from: x, to: y, error: (e as Error).message.split("\n")[0] }));
  }

  private async load(): Promise<void> {
    this.loaded = true;
    const raw = this.o.journal.get(this.key);
    if (!raw) return;
    const s = JSON.parse(raw) as Saved;
    const cursor = BigInt(s.cursor);
    if (s.cursorHash) {
      const block = await this.o.client.getBlock({ blockNumber: cursor }).catch(() => undefined);
      if (block?.hash !== s.cursorHash) {
        this.o.log.warn("finalized cursor block changed (reorg deeper than the finality depth): rebuilding the book", { cursor });
        this.reset();
        return;
      }
    }
    this.cursor = cursor;
    this.cursorHash = s.cursorHash;
    this.finalized = {
      pool: { marginAssets: BigInt(s.pool.marginAssets), marginShares: BigInt(s.pool.marginShares) },
      positions: new Map(s.positions.map(([a, size, cost, shares]) => [a, { size: BigInt(size), cost: BigInt(cost), shares: BigInt(shares) } satisfies PositionState])),
      settled: s.settled,
      mismatches: [],
    };
  }

  private save(): void {
    const f = this.finalized;
    const saved: Saved = {
      cursor: this.cursor.toString(),
      cursorHash: this.cursorHash,
      pool: { marginAssets: f.pool.marginAssets.toString(), marginShares: f.pool.marginShares.toString() },
      settled: f.settled,
      positions: [...f.positions].map(([a, p]) => [a, p.size.toString(), p.cost.toString(), p.shares.toString()]),
    };
    this.o.journal.set(this.key, JSON.stringify(saved));
  }
}
