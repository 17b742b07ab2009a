/**
 * Exact bigint mirror of the futures market's margin math (contracts/libraries/MarginMath.sol and the share
 * conversions, legs and liquidation of MarketCore/MarketRisk). Every function rounds exactly as the contract
 * does, so a replica of positions and the pool computes the same equity and requirements as `accountHealth()`.
 */
import type { SeriesParams } from "./orders.js";

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
const VIRTUAL_SHARES = 1n;
const VIRTUAL_ASSETS = 1n;

/** A position as stored on chain: signed size (contracts), signed cost (collateral units), pool shares. */
export interface PositionState {
  size: bigint;
  cost: bigint;
  shares: bigint;
}

/** A series' margin pool. */
export interface Pool {
  marginAssets: bigint;
  marginShares: bigint;
}

export const EMPTY_POSITION: Readonly<PositionState> = Object.freeze({ size: 0n, cost: 0n, shares: 0n });

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** a * b / d rounded down (a, b, d >= 0). */
export function mulDivDown(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("mulDiv: division by zero");
  return (a * b) / d;
}

/** a * b / d rounded up (a, b, d >= 0). */
export function mulDivUp(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("mulDiv: division by zero");
  const p = a * b;
  return p === 0n ? 0n : (p - 1n) / d + 1n;
}

/** size * price * contractSize / 1e18 (size >= 0), rounded as asked. */
export function notional(size: bigint, price: bigint, contractSize: bigint, up: boolean): bigint {
  return up ? mulDivUp(size * price, contractSize, WAD) : mulDivDown(size * price, contractSize, WAD);
}

/** Signed value of `size` contracts at `price`, rounded toward minus infinity. */
export function valueDown(size: bigint, price: bigint, contractSize: bigint): bigint {
  return size >= 0n ? notional(size, price, contractSize, false) : -notional(-size, price, contractSize, true);
}

/** Signed value of `size` contracts at `price`, rounded toward plus infinity. */
export function valueUp(size: bigint, price: bigint, contractSize: bigint): bigint {
  return size >= 0n ? notional(size, price, contractSize, true) : -notional(-size, price, contractSize, false);
}

/** A fee of `bps` on `amount`, rounded up. */
export const feeUp = (amount: bigint, bps: number | bigint): bigint => mulDivUp(amount, BigInt(bps), BPS);

/** |size| * price * contractSize * bps / 1e22, rounded up. */
export function requirementUp(size: bigint, price: bigint, contractSize: bigint, bps: number | bigint): bigint {
  return mulDivUp(abs(size) * price, contractSize * BigInt(bps), WAD * BPS);
}

/** `cost * part / whole` rounded toward plus infinity. */
export function proRataUp(cost: bigint, part: bigint, whole: bigint): bigint {
  return cost >= 0n ? mulDivUp(cost, part, whole) : -mulDivDown(-cost, part, whole);
}

/** New cost and realized PnL of a fill of `delta` contracts at `price` (MarginMath.applyFill). */
export function applyFill(size: bigint, cost: bigint, delta: bigint, price: bigint, contractSize: bigint): { newCost: bigint; realized: bigint } {
  if (size === 0n || (size > 0n) === (delta > 0n)) return { newCost: cost + valueUp(delta, price, contractSize), realized: 0n };
  const absSize = abs(size);
  const absDelta = abs(delta);
  const closed = absDelta < absSize ? absDelta : absSize;
  const closedCost = closed === absSize ? cost : proRataUp(cost, closed, absSize);
  const closedSize = size > 0n ? closed : -closed;
  const realized = valueDown(closedSize, price, contractSize) - closedCost;
  let newCost = cost - closedCost;
  if (absDelta > closed) newCost += valueUp(delta + closedSize, price, contractSize);
  return { newCost, realized };
}

export const toSharesDown = (assets: bigint, p: Pool): bigint => mulDivDown(assets, p.marginShares + VIRTUAL_SHARES, p.marginAssets + VIRTUAL_ASSETS);
export const toSharesUp = (assets: bigint, p: Pool): bigint => mulDivUp(assets, p.marginShares + VIRTUAL_SHARES, p.marginAssets + VIRTUAL_ASSETS);
export const toAssetsDown = (shares: bigint, p: Pool): bigint => mulDivDown(shares, p.marginAssets + VIRTUAL_ASSETS, p.marginShares + VIRTUAL_SHARES);

/** The margin of a position (its shares' assets, rounded down): `marginOf()`. */
export const marginOf = (pos: PositionState, pool: Pool): bigint => toAssetsDown(pos.shares, pool);

/** Equity at `mark`, rounded down: margin + valueDown(size) - cost. */
export function equity(pos: PositionState, pool: Pool, mark: bigint, contractSize: bigint): bigint {
  return marginOf(pos, pool) + valueDown(pos.size, mark, contractSize) - pos.cost;
}

export interface Health {
  equity: bigint;
  initialRequired: bigint;
  maintenanceRequired: bigint;
}

/** `accountHealth(params, account, mark)`. */
export function health(params: SeriesParams, pos: PositionState, pool: Pool, mark: bigint): Health {
  return {
    equity: equity(pos, pool, mark, params.contractSize),
    initialRequired: requirementUp(pos.size, mark, params.contractSize, params.initialMarginBps),
    maintenanceRequired: requirementUp(pos.size, mark, params.contractSize, params.maintenanceMarginBps),
  };
}

/** True when `liquidate` would accept the account at `mark` (a position below maintenance). */
export function isLiquidatable(params: SeriesParams, pos: PositionState, pool: Pool, mark: bigint): boolean {
  if (pos.size === 0n) return false;
  const h = health(params, pos, pool, mark);
  return h.equity < h.maintenanceRequired;
}

/* Pool mutations (the pool object is updated in place). */

/** `_removeAllShares`: removes a position's shares, returns their assets (rounded down). */
export function removeAllShares(pool: Pool, shares: bigint): bigint {
  if (shares === 0n) return 0n;
  const assets = toAssetsDown(shares, pool);
  pool.marginAssets -= assets;
  pool.marginShares -= shares;
  return assets;
}

/** Pro-rata haircut of the pool by a socialised loss (`_absorbDeficit`). */
export function socialise(pool: Pool, amount: bigint): void {
  pool.marginAssets -= amount;
}

/**
 * The trade rule's reduce test (`_ratioKept`): a leg that reduced |size| is accepted without reaching initial
 * margin when its margin stays >= 0, its equity afterwards is >= 0 and its margin ratio did not fall:
 * `equityBefore * absAfter <= equityAfter * absBefore` (equityBefore rounded up; `_applyLeg` passes the equity
 * after the leg rounded down, before the share rounding, minus one unit).
 */
export function ratioKept(equityBefore: bigint, absBefore: bigint, equityAfter: bigint, absAfter: bigint): boolean {
  if (equityAfter < 0n) return false;
  if (equityBefore <= 0n) return true;
  return equityBefore * absAfter <= equityAfter * absBefore;
}

/**
 * The price limit (`SeriesMark.nextMark`): `index` clamped to `previous +- previous * limitBps / 10,000` (step
 * rounded down); with no previous mark (0) the index. A fixing beyond the limit (the result differs from `index`)
 * settles the series at this limit price, and the final price is clamped the same way.
 */
export function nextMark(previous: bigint, index: bigint, limitBps: number): bigint {
  if (previous === 0n) return index;
  const step = (previous * BigInt(limitBps)) / BPS;
  if (index > previous + step) return previous + step;
  if (index + step < previous) return previous - step;
  return index;
}

/** What `_applyLeg` would move from the free balance for a non-reducing leg at `index` (shortfall + 1, or 0). */
export function shortfall(params: SeriesParams, pos: PositionState, pool: Pool, pnl: bigint, index: bigint): bigint {
  const required = requirementUp(pos.size, index, params.contractSize, params.initialMarginBps);
  const eq = equity(pos, pool, index, params.contractSize) + pnl;
  return eq < required ? required - eq + 1n : 0n;
}

/** Liquidation penalty on `delta` contracts at `mark`, rounded down. */
export function penalty(params: SeriesParams, delta: bigint, mark: bigint): bigint {
  return mulDivDown(notional(abs(delta), mark, params.contractSize, false), BigInt(params.liquidationPenaltyBps), BPS);
}

/**
 * The reward a liquidation of `size` of `absSize` contracts pays (before the bound of the margin left): the penalty,
 * at most the closed part's share of the equity (rounded down; 0 for a bankrupt account), as `liquidate` pays it.
 */
export function liquidationReward(params: SeriesParams, size: bigint, absSize: bigint, eq: bigint, mark: bigint): bigint {
  const p = penalty(params, size, mark);
  const cap = eq > 0n ? (eq * size) / absSize : 0n;
  return p < cap ? p : cap;
}

/** `_liquidationSize`: contracts a liquidation of at most `maxSize` takes, given equity and maintenance. */
export function liquidationSize(params: SeriesParams, absSize: bigint, eq: bigint, maintenance: bigint, mark: bigint, maxSize: bigint): bigint {
  let size = absSize;
  const relief = mulDivDown(mark, params.contractSize * BigInt(params.maintenanceMarginBps - params.liquidationPenaltyBps), WAD * BPS);
  if (eq > 0n && relief !== 0n) {
    const need = (maintenance - eq + relief - 1n) / relief;
    size = need < absSize ? need : absSize;
  }
  if (maxSize < size) size = maxSize;
  const rest = absSize - size;
  if (rest !== 0n && rest < params.minSize) {
    if (absSize <= maxSize) size = absSize;
    else if (absSize >= params.minSize) size = absSize - params.minSize;
  }
  return size;
}

