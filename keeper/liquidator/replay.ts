/**
 * Pure replay of one series' market events through the margin-math mirror (sdk/marginMath.ts): the state of
 * every position and of the margin pool, exactly as the contract holds them.
 *
 * How events map to the contract's steps (see MarketCore._applyLeg and MarketRisk.liquidate): inside one call
 * a leg's MarginMoved (a top-up from the free balance, or the release of a closed position) is emitted before
 * the trade event (OrderFilled, OrdersMatched, Liquidated), and a liquidation's DeficitRecorded before
 * Liquidated. So MarginMoved and DeficitRecorded wait in a per-transaction queue: a trade event takes the last
 * queued entry of each of its accounts, and every other queued entry is a stand-alone call (addMargin,
 * removeMargin, closeOut's deficit) applied in log order before the trade, or at the end of the transaction.
 * Limitation: a contract that, in one transaction, calls addMargin for an account and then trades that account
 * with no top-up is read as a top-up of that trade; a consistency check then flags the book (`mismatches`).
 */
import type { Address, Hex } from "viem";
import {
  EMPTY_POSITION,
  type Pool,
  type PositionState,
  applyLeg,
  closeLiquidated,
  creditMargin,
  debitMargin,
  removeAllShares,
  socialise,
} from "../../sdk/marginMath.js";
import type { SeriesParams } from "../../sdk/orders.js";

/** A decoded market event of the tracked series, with where it sits on chain. */
export type MarketEvent = { blockNumber: bigint; logIndex: number; txHash: Hex } & (
  | { kind: "OrderFilled"; maker: Address; taker: Address; makerIsBuy: boolean; size: bigint; price: bigint; makerFee: bigint; takerFee: bigint }
  | { kind: "OrdersMatched"; buyer: Address; seller: Address; size: bigint; price: bigint; buyFee: bigint; sellFee: bigint }
  | { kind: "MarginMoved"; account: Address; amount: bigint }
  | { kind: "Liquidated"; account: Address; liquidator: Address; size: bigint; mark: bigint; reward: bigint; deficit: bigint }
  | { kind: "DeficitRecorded"; account: Address; deficit: bigint; socialised: bigint }
  | { kind: "ClosedOut"; account: Address; deficit: bigint }
  | { kind: "Claimed"; account: Address; payout: bigint }
  | { kind: "SeriesSettled"; finalPrice: bigint }
);

type Queued = Extract<MarketEvent, { kind: "MarginMoved" | "DeficitRecorded" }>;

/** The replicated state of one series. Accounts are lower-case addresses. */
export interface SeriesBook {
  pool: Pool;
  positions: Map<string, PositionState>;
  settled: boolean;
  /** Replay checks that failed (event values that differ from the mirror's): the book needs a resync. */
  mismatches: string[];
}

export function emptyBook(): SeriesBook {
  return { pool: { marginAssets: 0n, marginShares: 0n }, positions: new Map(), settled: false, mismatches: [] };
}

export function cloneBook(b: SeriesBook): SeriesBook {
  return {
    pool: { ...b.pool },
    positions: new Map([...b.positions].map(([k, v]) => [k, { ...v }])),
    settled: b.settled,
    mismatches: [...b.mismatches],
  };
}

const key = (a: string) => a.toLowerCase();

/** Applies events of one series in chain order (they must be sorted by block, then log index). */
export function replay(book: SeriesBook, params: SeriesParams, events: readonly MarketEvent[]): void {
  let queue: Queued[] = [];
  let tx: Hex | undefined;
  const flush = () => {
    for (const q of queue) applyStandalone(book, q);
    queue = [];
  };
  for (const e of events) {
    if (e.txHash !== tx) {
      flush();
      tx = e.txHash;
    }
    switch (e.kind) {
      case "MarginMoved":
      case "DeficitRecorded":
        queue.push(e);
        break;
      case "OrderFilled": {
        const buyer = e.makerIsBuy ? e.maker : e.taker;
        const seller = e.makerIsBuy ? e.taker : e.maker;
        const fees = e.makerIsBuy ? [e.makerFee, e.takerFee] : [e.takerFee, e.makerFee];
        queue = trade(book, params, queue, e, [
          { account: buyer, delta: e.size, price: e.price, bonusMinusFee: -(fees[0] as bigint) },
          { account: seller, delta: -e.size, price: e.price, bonusMinusFee: -(fees[1] as bigint) },
        ]);
        break;
      }
      case "OrdersMatched":
        queue = trade(book, params, queue, e, [
          { account: e.buyer, delta: e.size, price: e.price, bonusMinusFee: -e.buyFee },
          { account: e.seller, delta: -e.size, price: e.price, bonusMinusFee: -e.sellFee },
        ]);
        break;
      case "Liquidated":
        queue = liquidation(book, params, queue, e);
        break;
      case "ClosedOut":
      case "Claimed": {
        const pos = book.positions.get(key(e.account));
        if (pos) removeAllShares(book.pool, pos.shares);
        book.positions.delete(key(e.account));
        break;
      }
      case "SeriesSettled":
        book.settled = true;
        break;
    }
  }
  flush();
}

function applyStandalone(book: SeriesBook, q: Queued): void {
  if (q.kind === "DeficitRecorded") {
    socialise(book.pool, q.socialised);
    return;
  }
  const k = key(q.account);
  const pos = book.positions.get(k);
  if (!pos) {
    book.mismatches.push(`${q.txHash}:${q.logIndex} MarginMoved for ${q.account} without a position`);
    return;
  }
  try {
    pos.shares = q.amount >= 0n ? creditMargin(book.pool, pos.shares, q.amount) : debitMargin(book.pool, pos.shares, -q.amount);
  } catch (err) {
    book.mismatches.push(`${q.txHash}:${q.logIndex} ${(err as Error).message}`);
  }
}

interface LegInput {
  account: Address;
  delta: bigint;
  price: bigint;
  bonusMinusFee: bigint;
}

/** Takes the last queued entry of `kind` for `account` out of `queue`. */
function take<K extends Queued["kind"]>(queue: Queued[], kind: K, account: string): Extract<Queued, { kind: K }> | undefined {
  for (let i = queue.length - 1; i >= 0; i--) {
    const q = queue[i] as Queued;
    if (q.kind === kind && key(q.account) === account) {
      queue.splice(i, 1);
      return q as Extract<Queued, { kind: K }>;
    }
  }
  return undefined;
}

/** Splits the queue into the legs' own entries and the rest (applied first, in order); applies the legs. */
function trade(book: SeriesBook, params: SeriesParams, queue: Queued[], e: MarketEvent, legs: LegInput[]): Queued[] {
  const own = legs.map((l) => take(queue, "MarginMoved", key(l.account)));
  for (const q of queue) applyStandalone(book, q);
  legs.forEach((l, i) => applyOneLeg(book, params, e, l, own[i]));
  return [];
}

function applyOneLeg(book: SeriesBook, params: SeriesParams, e: MarketEvent, l: LegInput, moved: Queued | undefined): void {
  const k = key(l.account);
  const pos = book.positions.get(k) ?? { ...EMPTY_POSITION };
  const amount = moved?.kind === "MarginMoved" ? moved.amount : 0n;
  const topUp = amount > 0n ? amount : 0n;
  try {
    const r = applyLeg(book.pool, pos, l.delta, l.price, params.contractSize, l.bonusMinusFee, topUp);
    if (r.pos.size === 0n) {
      book.positions.delete(k);
      const expected = r.released > 0n ? -r.released : 0n;
      if (expected !== (amount < 0n ? amount : 0n)) {
        book.mismatches.push(`${e.txHash}:${e.logIndex} ${l.account} released ${-amount}, mirror ${r.released}`);
      }
    } else {
      book.positions.set(k, r.pos);
      if (amount < 0n) book.mismatches.push(`${e.txHash}:${e.logIndex} ${l.account} margin released on an open position`);
    }
  } catch (err) {
    book.mismatches.push(`${e.txHash}:${e.logIndex} ${(err as Error).message}`);
  }
}

function liquidation(book: SeriesBook, params: SeriesParams, queue: Queued[], e: Extract<MarketEvent, { kind: "Liquidated" }>): Queued[] {
  const k = key(e.account);
  const ownRelease = take(queue, "MarginMoved", k);
  const ownDeficit = take(queue, "DeficitRecorded", k);
  const liqMoved = take(queue, "MarginMoved", key(e.liquidator));
  for (const q of queue) applyStandalone(book, q);
  const pos = book.positions.get(k);
  if (!pos) {
    book.mismatches.push(`${e.txHash}:${e.logIndex} Liquidated ${e.account} without a position`);
    return [];
  }
  const r = closeLiquidated(params, book.pool, pos, e.size, e.mark);
  if (r.reward !== e.reward || r.deficit !== e.deficit) {
    book.mismatches.push(`${e.txHash}:${e.logIndex} Liquidated ${e.account}: reward/deficit ${e.reward}/${e.deficit}, mirror ${r.reward}/${r.deficit}`);
  }
  const released = ownRelease?.kind === "MarginMoved" ? -ownRelease.amount : 0n;
  if (released !== r.released) book.mismatches.push(`${e.txHash}:${e.logIndex} ${e.account} released ${released}, mirror ${r.released}`);
  if (r.pos.size === 0n) book.positions.delete(k);
  else book.positions.set(k, r.pos);
  if (ownDeficit) socialise(book.pool, ownDeficit.socialised);
  const delta = pos.size > 0n ? e.size : -e.size; // the liquidator takes the position's side
  applyOneLeg(book, params, e, { account: e.liquidator, delta, price: e.mark, bonusMinusFee: e.reward }, liqMoved);
  return [];
}
