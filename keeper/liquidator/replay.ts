/**
 * Pure replay of one series' market events: the state of every position and of the margin pool, exactly as the
 * contract holds them, by adding the fields the events carry.
 *
 * - OrderFilled / OrdersMatched name both accounts (maker, taker; buyMaker, sellMaker) and carry each leg's
 *   `MarginChange` (moved from / to the free balance, pool shares delta, pool assets delta): a leg adds its
 *   delta to the size, its shares delta to the position and the pool, its assets delta to the pool.
 * - MarginMoved (addMargin / removeMargin) carries the amount (the pool's assets change) and the shares delta.
 * - Liquidated carries the liquidated account's and the liquidator's MarginChange; the account's side of the
 *   position goes to the liquidator at the mark. The DeficitRecorded of the same liquidation comes first
 *   (docs/contracts.md, event order); its socialised part lowers the pool's assets (the deltas are additive, so
 *   the order of application does not matter).
 * The one computation mirrored is the position's cost (MarginMath.applyFill, sdk/marginMath.ts): no event
 * carries it. Anything inconsistent (a margin change for an account without a position, shares left on a closed
 * position) is recorded in `mismatches` (the book then needs a resync).
 */
import type { Address, Hex } from "viem";
import { EMPTY_POSITION, type Pool, type PositionState, applyFill, socialise } from "../../sdk/marginMath.js";
import type { SeriesParams } from "../../sdk/orders.js";

/** One account's margin change in a leg, as the market's events report it (`MarginChange`). */
export interface MarginChange {
  moved: bigint;
  shares: bigint;
  assets: bigint;
}

/** One account's side of a trade or liquidation: position change `delta` at `price`. */
export interface TradeLeg {
  account: Address;
  delta: bigint;
  price: bigint;
  margin: MarginChange;
}

/** A decoded market event of the tracked series, with where it sits on chain. */
export type MarketEvent = { blockNumber: bigint; logIndex: number; txHash: Hex } & (
  | { kind: "Trade"; legs: [TradeLeg, TradeLeg] }
  | { kind: "MarginMoved"; account: Address; amount: bigint; shares: bigint }
  | { kind: "Liquidated"; account: Address; liquidator: Address; size: bigint; mark: bigint; reward: bigint; deficit: bigint; accountMargin: MarginChange; liquidatorMargin: MarginChange }
  | { kind: "DeficitRecorded"; account: Address; deficit: bigint; socialised: bigint }
  | { kind: "ClosedOut"; account: Address; equity: bigint }
  | { kind: "Claimed"; account: Address; payout: bigint }
  | { kind: "SeriesSettled"; finalPrice: bigint }
);

/** The replicated state of one series. Accounts are lower-case addresses. */
export interface SeriesBook {
  pool: Pool;
  positions: Map<string, PositionState>;
  settled: boolean;
  /** Replay checks that failed: the book needs a resync. */
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

/** Applies events of one series in chain order (sorted by block, then log index); a log seen twice counts once. */
export function replay(book: SeriesBook, params: SeriesParams, events: readonly MarketEvent[]): void {
  const seen = new Set<string>();
  for (const e of events) {
    const id = `${e.txHash}:${e.logIndex}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const at = `${e.txHash}:${e.logIndex}`;
    switch (e.kind) {
      case "Trade":
        for (const leg of e.legs) applyLeg(book, params, at, leg);
        break;
      case "MarginMoved": {
        const pos = book.positions.get(key(e.account));
        if (!pos) {
          book.mismatches.push(`${at} MarginMoved for ${e.account} without a position`);
          break;
        }
        pos.shares += e.shares;
        book.pool.marginShares += e.shares;
        book.pool.marginAssets += e.amount;
        break;
      }
      case "Liquidated": {
        const pos = book.positions.get(key(e.account));
        if (!pos) {
          book.mismatches.push(`${at} Liquidated ${e.account} without a position`);
          break;
        }
        const delta = pos.size > 0n ? -e.size : e.size;
        applyLeg(book, params, at, { account: e.account, delta, price: e.mark, margin: e.accountMargin });
        applyLeg(book, params, at, { account: e.liquidator, delta: -delta, price: e.mark, margin: e.liquidatorMargin });
        break;
      }
      case "DeficitRecorded":
        socialise(book.pool, e.socialised);
        break;
      case "ClosedOut":
        // Resolution at the final price leaves the (frozen) pool alone; the claim pays what is owed later.
        book.positions.delete(key(e.account));
        break;
      case "Claimed":
        break;
      case "SeriesSettled":
        book.settled = true;
        break;
    }
  }
}

/** One leg: size and cost (applyFill), shares and pool from the event's MarginChange. */
function applyLeg(book: SeriesBook, params: SeriesParams, at: string, leg: TradeLeg): void {
  const k = key(leg.account);
  const pos = book.positions.get(k) ?? { ...EMPTY_POSITION };
  const { newCost } = applyFill(pos.size, pos.cost, leg.delta, leg.price, params.contractSize);
  const next = { size: pos.size + leg.delta, cost: newCost, shares: pos.shares + leg.margin.shares };
  book.pool.marginShares += leg.margin.shares;
  book.pool.marginAssets += leg.margin.assets;
  if (next.shares < 0n) book.mismatches.push(`${at} ${leg.account}: shares below zero (${next.shares})`);
  if (next.size === 0n) {
    if (next.shares !== 0n) book.mismatches.push(`${at} ${leg.account}: closed with ${next.shares} shares left`);
    book.positions.delete(k);
  } else {
    book.positions.set(k, next);
  }
}
