/**
 * The reference market maker's quoting, pure and exact: the fair value of each expiry (the index plus a stated term
 * model) and the orders it wants on the book given its inventory and limits. No I/O; refresh.ts puts them on chain.
 *
 * Fair value: F = I x (1 + carryBpsPerYear x tau / (10,000 x 365 days)), tau = expiry - the fixing's time (not the
 * clock, so the quotes change only with a new fixing or the inventory). carryBpsPerYear may be negative
 * (backwardation: token prices have fallen over the bundled history). Rounded down to 1e-18.
 *
 * Per series and level l (0-based): bid = floor_tick(F x (1 - (spread/2 + l x levelStep))), ask = ceil_tick of the
 * same above F; then clamped inside the band around the series' mark; a side whose bid would reach its ask is not
 * quoted, so the maker never crosses itself.
 */
import type { Hex } from "viem";
import { mulDivDown, mulDivUp, requirementUp } from "../../sdk/marginMath.js";
import type { SeriesParams } from "../../sdk/orders.js";
import { roundToTick } from "../../sdk/units.js";

const BPS = 10_000n;
const YEAR = 365n * 86_400n;

export interface QuoteLimits {
  /** Full spread around fair value, bps (bid at -half, ask at +half). */
  spreadBps: number;
  /** Extra distance per further level, bps. */
  levelStepBps: number;
  /** Levels per side. */
  levels: number;
  /** Contracts per order. */
  size: bigint;
  /** Largest |position| per series; a side that would pass it is cut down or not quoted. */
  maxInventory: bigint;
  /** Largest initial margin (collateral base units) of all series if every order on the risk-adding side filled. */
  maxMargin: bigint;
  /** Term model, bps per year of time to expiry (may be negative). */
  carryBpsPerYear: number;
}

export interface SeriesView {
  id: Hex;
  params: SeriesParams;
  /** The series' mark now (currentMark): quotes must lie within its band. */
  mark: bigint;
  /** The maker's position, contracts (long > 0). */
  position: bigint;
}

export interface Quote {
  seriesId: Hex;
  isBuy: boolean;
  price: bigint;
  size: bigint;
}

/** F = I x (1 + carry x tau / year), tau = max(0, expiry - fixingTime), rounded toward minus infinity. */
export function fairValue(index: bigint, fixingTime: bigint, expiry: bigint, carryBpsPerYear: number): bigint {
  const tau = expiry > fixingTime ? expiry - fixingTime : 0n;
  const num = index * (BPS * YEAR + BigInt(carryBpsPerYear) * tau);
  const den = BPS * YEAR;
  return num >= 0n ? num / den : -((-num + den - 1n) / den);
}

/**
 * The orders the maker wants, in a fixed order (series as given, then bids best first, then asks best first), so a
 * restart computes the same list. Inventory: bids stop at +maxInventory, asks at -maxInventory. Margin: series are
 * taken in order and a series' risk-adding exposure (|position| plus the larger side's total size) is quoted only
 * while the initial margin of everything quoted so far stays within maxMargin; otherwise only the side that
 * reduces the position is quoted.
 */
export function desiredQuotes(series: readonly SeriesView[], index: bigint, fixingTime: bigint, limits: QuoteLimits): Quote[] {
  const out: Quote[] = [];
  let margin = 0n;
  for (const s of series) {
    const { tickSize, priceBandBps, contractSize, initialMarginBps } = s.params;
    const fair = fairValue(index, fixingTime, s.params.expiry, limits.carryBpsPerYear);
    // The band the market checks: |price - mark| <= floor(mark x band / 10,000), on the tick.
    const band = mulDivDown(s.mark, BigInt(priceBandBps), BPS);
    const lowBand = roundToTick(s.mark - band, tickSize, "up");
    const highBand = roundToTick(s.mark + band, tickSize, "down");
    const bids: Quote[] = [];
    const asks: Quote[] = [];
    let roomLong = limits.maxInventory - s.position;
    let roomShort = limits.maxInventory + s.position;
    for (let l = 0; l < limits.levels; l++) {
      const off = BigInt(limits.spreadBps) + 2n * BigInt(l * limits.levelStepBps); // in half-bps
      let bid = roundToTick(mulDivDown(fair, 2n * BPS - off, 2n * BPS), tickSize, "down");
      let ask = roundToTick(mulDivUp(fair, 2n * BPS + off, 2n * BPS), tickSize, "up");
      if (bid < lowBand) bid = lowBand;
      if (ask > highBand) ask = highBand;
      if (bid >= ask || bid <= 0n) continue; // never cross itself; nothing left inside the band
      const bidSize = roomLong < limits.size ? roomLong : limits.size;
      const askSize = roomShort < limits.size ? roomShort : limits.size;
      if (bidSize > 0n && bidSize >= s.params.minSize) {
        bids.push({ seriesId: s.id, isBuy: true, price: bid, size: bidSize });
        roomLong -= bidSize;
      }
      if (askSize > 0n && askSize >= s.params.minSize) {
        asks.push({ seriesId: s.id, isBuy: false, price: ask, size: askSize });
        roomShort -= askSize;
      }
    }
    const sum = (qs: Quote[]) => qs.reduce((a, q) => a + q.size, 0n);
    const worstLong = s.position + sum(bids);
    const worstShort = s.position - sum(asks);
    const worst = worstLong > -worstShort ? worstLong : -worstShort;
    const need = requirementUp(worst, fair, contractSize, initialMarginBps);
    if (margin + need <= limits.maxMargin) {
      margin += need;
      out.push(...bids, ...asks);
    } else {
      // Over budget: keep only the side that brings the position back toward flat.
      margin += requirementUp(s.position, fair, contractSize, initialMarginBps);
      if (s.position > 0n) out.push(...asks.map((q) => ({ ...q, size: q.size <= s.position ? q.size : s.position })).slice(0, 1));
      if (s.position < 0n) out.push(...bids.map((q) => ({ ...q, size: q.size <= -s.position ? q.size : -s.position })).slice(0, 1));
    }
  }
  return out;
}

/** True when the open orders are exactly the wanted quotes (same series, side, price and remaining size, any order). */
export function sameQuotes(open: readonly Quote[], wanted: readonly Quote[]): boolean {
  const key = (q: Quote) => `${q.seriesId.toLowerCase()}|${q.isBuy}|${q.price}|${q.size}`;
  const a = open.map(key).sort();
  const b = wanted.map(key).sort();
  return a.length === b.length && a.every((k, i) => k === b[i]);
}
