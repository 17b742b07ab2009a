/**
 * Pure replay of one series' market events through the margin-math mirror (sdk/marginMath.ts): the state of
 * every position and of the margin pool, exactly as the contract holds them.
 *
 * How events map to the contract's steps (MarketCore._applyLeg, MarketRisk.liquidate):
 * - OrderFilled / OrdersMatched carry each leg's margin movement (top-up from the free balance > 0, release of
 *   a closed position < 0): both legs are applied in order (buy leg first) with that top-up.
 * - MarginMoved outside a trade is addMargin / removeMargin, or part of a liquidation: the liquidated account's
 *   release and its DeficitRecorded come *before* Liquidated, the liquidator's own movement right *after* it.
 *   So MarginMoved and DeficitRecorded wait in a per-transaction queue; Liquidated takes the entries the mirror
 *   says it produced (same account, same amount), everything else in the queue is a stand-alone call applied
 *   in log order before the next trade event or at the end of the transaction. The liquidator's movement is
 *   computed by the mirror (shortfall at the mark) and the following MarginMoved is checked against it.
 * Any event value that differs from the mirror's is recorded in `mismatches` (the book then needs a resync).
 */
import type { Address, Hex } from "viem";
import {
  EMPTY_POSITION,
  type Pool,
  type PositionState,
  abs,
  applyFill,
  applyLeg,
  closeLiquidated,
  creditMargin,
  debitMargin,
  shortfall,
  socialise,
} from "../../sdk/marginMath.js";
import type { SeriesParams } from "../../sdk/orders.js";

/** A decoded market event of the tracked series, with where it sits on chain. */
export type MarketEvent = { blockNumber: bigint; logIndex: number; txHash: Hex } & (
  | {
      kind: "OrderFilled"; maker: Address; taker: Address; makerDelta: bigint; price: bigint;
      makerFee: bigint; takerFee: bigint; makerMargin: bigint; takerMargin: bigint;
    }
  | { kind: "OrdersMatched"; buyer: Address; seller: Address; size: bigint; price: bigint; buyFee: bigint; sellFee: bigint; buyMargin: bigint; sellMargin: bigint }
  | { kind: "MarginMoved"; account: Address; amount: bigint }
  | { kind: "Liquidated"; account: Address; liquidator: Address; size: bigint; mark: bigint; reward: bigint; deficit: bigint }
  | { kind: "DeficitRecorded"; account: Address; deficit: bigint; socialised: bigint }
  | { kind: "ClosedOut"; account: Address; equity: bigint }
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
  /** The liquidator's MarginMoved the mirror expects right after a Liquidated. */
  let expectMove: { account: string; amount: bigint } | undefined;
  const flush = () => {
    for (const q of queue) applyStandalone(book, q);
    queue = [];
  };
  const seen = new Set<string>(); // a log delivered twice (dedupe by transaction hash and log index) counts once
  for (const e of events) {
    const id = `${e.txHash}:${e.logIndex}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (e.txHash !== tx) {
      flush();
      tx = e.txHash;
      expectMove = undefined;
    }
    if (expectMove) {
      const want = expectMove;
      expectMove = undefined;
      if (e.kind === "MarginMoved" && key(e.account) === want.account && e.amount === want.amount) continue;
      book.mismatches.push(`${e.txHash}:${e.logIndex} expected MarginMoved(${want.account}, ${want.amount}) after Liquidated`);
    }
    switch (e.kind) {
      case "MarginMoved":
      case "DeficitRecorded":
        queue.push(e);
        break;
      case "OrderFilled": {
        flush();
        const maker = { account: e.maker, fee: e.makerFee, moved: e.makerMargin };
        const taker = { account: e.taker, fee: e.takerFee, moved: e.takerMargin };
        const [buy, sell] = e.makerDelta > 0n ? [maker, taker] : [taker, maker];
        const size = abs(e.makerDelta);
        applyOneLeg(book, params, e, { account: buy.account, delta: size, price: e.price, bonusMinusFee: -buy.fee, moved: buy.moved });
        applyOneLeg(book, params, e, { account: sell.account, delta: -size, price: e.price, bonusMinusFee: -sell.fee, moved: sell.moved });
        break;
      }
      case "OrdersMatched":
        flush();
        applyOneLeg(book, params, e, { account: e.buyer, delta: e.size, price: e.price, bonusMinusFee: -e.buyFee, moved: e.buyMargin });
        applyOneLeg(book, params, e, { account: e.seller, delta: -e.size, price: e.price, bonusMinusFee: -e.sellFee, moved: e.sellMargin });
        break;
      case "Liquidated": {
        const moved = liquidation(book, params, queue, e);
        queue = [];
        if (moved !== 0n) expectMove = { account: key(e.liquidator), amount: moved };
        break;
      }
      case "ClosedOut":
        // Resolution at the final price leaves the (frozen) pool alone; the claim pays what is owed later.
        flush();
        book.positions.delete(key(e.account));
        break;
      case "Claimed":
        break;
      case "SeriesSettled":
        book.settled = true;
        break;
    }
  }
  if (expectMove) book.mismatches.push(`${tx}: expected MarginMoved(${expectMove.account}, ${expectMove.amount}) after Liquidated`);
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
  /** The leg's margin movement as the trade event reports it; undefined: compute it (liquidator leg). */
  moved?: bigint;
}

/** Takes the last queued entry of `kind` for `account` matching `pred` out of `queue`. */
function take<K extends Queued["kind"]>(queue: Queued[], kind: K, account: string, pred: (q: Extract<Queued, { kind: K }>) => boolean): Extract<Queued, { kind: K }> | undefined {
  for (let i = queue.length - 1; i >= 0; i--) {
    const q = queue[i] as Queued;
    if (q.kind === kind && key(q.account) === account && pred(q as Extract<Queued, { kind: K }>)) {
      queue.splice(i, 1);
      return q as Extract<Queued, { kind: K }>;
    }
  }
  return undefined;
}

/** Applies one leg (`_applyLeg`); returns the margin movement (top-up > 0, release < 0). */
function applyOneLeg(book: SeriesBook, params: SeriesParams, e: MarketEvent, l: LegInput): bigint {
  const k = key(l.account);
  const pos = book.positions.get(k) ?? { ...EMPTY_POSITION };
  let topUp = l.moved !== undefined && l.moved > 0n ? l.moved : 0n;
  try {
    if (l.moved === undefined) {
      const reduces = pos.size !== 0n && (pos.size > 0n) !== (l.delta > 0n) && abs(l.delta) <= abs(pos.size);
      const { newCost, realized } = applyFill(pos.size, pos.cost, l.delta, l.price, params.contractSize);
      const next = { size: pos.size + l.delta, cost: newCost, shares: pos.shares };
      if (!reduces && next.size !== 0n) topUp = shortfall(params, next, book.pool, realized + l.bonusMinusFee, l.price);
    }
    const r = applyLeg(book.pool, pos, l.delta, l.price, params.contractSize, l.bonusMinusFee, topUp);
    const moved = r.pos.size === 0n ? (r.released > 0n ? -r.released : 0n) : topUp;
    if (r.pos.size === 0n) book.positions.delete(k);
    else book.positions.set(k, r.pos);
    if (l.moved !== undefined && l.moved !== moved) book.mismatches.push(`${e.txHash}:${e.logIndex} ${l.account} margin moved ${l.moved}, mirror ${moved}`);
    return moved;
  } catch (err) {
    book.mismatches.push(`${e.txHash}:${e.logIndex} ${(err as Error).message}`);
    return 0n;
  }
}

/** A liquidation: the liquidated side, its queued release and deficit, then the liquidator's leg at the mark. */
function liquidation(book: SeriesBook, params: SeriesParams, queue: Queued[], e: Extract<MarketEvent, { kind: "Liquidated" }>): bigint {
  const k = key(e.account);
  const pos = book.positions.get(k);
  if (!pos) {
    book.mismatches.push(`${e.txHash}:${e.logIndex} Liquidated ${e.account} without a position`);
    return 0n;
  }
  // Compute on a copy first to know which queued entries the liquidation itself emitted.
  const probe = closeLiquidated(params, { ...book.pool }, pos, e.size, e.mark);
  const ownRelease = probe.released > 0n ? take(queue, "MarginMoved", k, (q) => q.amount === -probe.released) : undefined;
  const ownDeficit = probe.deficit > 0n ? take(queue, "DeficitRecorded", k, (q) => q.deficit === probe.deficit) : undefined;
  for (const q of queue) applyStandalone(book, q);
  const r = closeLiquidated(params, book.pool, pos, e.size, e.mark);
  if (r.reward !== e.reward || r.deficit !== e.deficit) {
    book.mismatches.push(`${e.txHash}:${e.logIndex} Liquidated ${e.account}: reward/deficit ${e.reward}/${e.deficit}, mirror ${r.reward}/${r.deficit}`);
  }
  if (r.released > 0n && !ownRelease) book.mismatches.push(`${e.txHash}:${e.logIndex} no MarginMoved release of ${r.released} for ${e.account}`);
  if (r.deficit > 0n && !ownDeficit) book.mismatches.push(`${e.txHash}:${e.logIndex} no DeficitRecorded of ${r.deficit} for ${e.account}`);
  if (r.pos.size === 0n) book.positions.delete(k);
  else book.positions.set(k, r.pos);
  if (ownDeficit) socialise(book.pool, ownDeficit.socialised);
  const delta = pos.size > 0n ? e.size : -e.size; // the liquidator takes the position's side
  return applyOneLeg(book, params, e, { account: e.liquidator, delta, price: e.mark, bonusMinusFee: e.reward });
}
