/** Local pre-checks shared by the trading actions: they mirror the contract's rules and fail with typed errors in human units. */
import { type Address, type Hex, verifyTypedData } from "viem";
import { type MarketClient, marketContract } from "./client.js";
import { SdkError } from "./errors.js";
import { type Order, hashOrder, marketDomain, orderTypes } from "./orders.js";
import type { Series } from "./series.js";
import { type Pool, type PositionState, abs, applyFill, feeUp, notional, shortfall } from "./marginMath.js";
import { BPS, formatPrice, formatTime, formatUsdc } from "./units.js";

const CANCELLED = 2n ** 64n - 1n;
const MAX_U64 = 2n ** 64n - 1n;
const MAX_U128 = 2n ** 128n - 1n;

/** Price on the series' tick (OFF_TICK). */
export function checkTick(series: Series, price: bigint): void {
  if (price <= 0n || price % series.params.tickSize !== 0n) {
    throw new SdkError("OFF_TICK", `price ${formatPrice(price)} is not a positive multiple of the tick ${formatPrice(series.params.tickSize)}`, {
      price,
      tickSize: series.params.tickSize,
    });
  }
}

/** Price within mark +- priceBandBps (OUTSIDE_BAND); `index` is the series mark (freshMark). */
export function checkBand(series: Series, price: bigint, index: bigint): void {
  const band = (index * BigInt(series.params.priceBandBps)) / BPS;
  if (price + band < index || price > index + band) {
    throw new SdkError("OUTSIDE_BAND", `price ${formatPrice(price)} is outside the allowed range ${formatPrice(index - band)} to ${formatPrice(index + band)} (mark ${formatPrice(index)} +- ${series.params.priceBandBps} bps)`, {
      price,
      index,
      bandBps: series.params.priceBandBps,
    });
  }
}

/** The series still trades at `now` (SERIES_EXPIRED). */
export function checkTradable(series: Series, now: bigint): void {
  if (now >= series.params.expiry) {
    throw new SdkError("SERIES_EXPIRED", `series ${series.id} expired at ${formatTime(series.params.expiry)} (chain time ${formatTime(now)})`, {
      expiry: series.params.expiry,
      now,
    });
  }
}

/** How much of a signed order can still fill, after checking it is for `series`, alive and validly signed. */
export async function checkLiveOrder(mc: MarketClient, series: Series, order: Order, signature: Hex, now: bigint): Promise<bigint> {
  const hash = hashOrder(mc.chainId, mc.market, order);
  if (order.seriesId.toLowerCase() !== series.id.toLowerCase()) {
    throw new SdkError("UNKNOWN_SERIES", `order ${hash} is for series ${order.seriesId}, not ${series.id}`, { orderSeriesId: order.seriesId });
  }
  if (now >= order.expiry) {
    throw new SdkError("ORDER_EXPIRED", `order ${hash} expired at ${formatTime(order.expiry)} (chain time ${formatTime(now)})`, { expiry: order.expiry, now });
  }
  const valid = await verifyTypedData({
    address: order.maker,
    domain: marketDomain(mc.chainId, mc.market),
    types: orderTypes,
    primaryType: "Order",
    message: order,
    signature,
  }).catch(() => false);
  if (!valid) throw new SdkError("BAD_SIGNATURE", `order ${hash} is not signed by its maker ${order.maker}`, { hash });
  const [filled, minNonce] = await Promise.all([
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "filled", args: [hash] }),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "minNonce", args: [order.maker] }),
  ]);
  if (filled === CANCELLED) throw new SdkError("ORDER_DEAD", `order ${hash} is cancelled`, { hash });
  if (order.nonce < minNonce) {
    throw new SdkError("ORDER_DEAD", `order ${hash} has nonce ${order.nonce} below the maker's minimum ${minNonce}`, { hash });
  }
  return order.size - filled;
}

/** Size at least the series' minimum and at most what remains (INVALID_INPUT, ORDER_OVERFILL). */
export function checkFillSize(series: Series, size: bigint, remaining: bigint): void {
  if (size < series.params.minSize) {
    throw new SdkError("INVALID_INPUT", `size ${size} contracts is below the series' minimum of ${series.params.minSize}`, {
      size,
      minSize: series.params.minSize,
    });
  }
  if (size > remaining) {
    throw new SdkError("ORDER_OVERFILL", `size ${size} contracts exceeds the ${remaining} the order has left`, { size, remaining });
  }
}

/**
 * What `_applyLeg` moves from the free balance when a position `pos` trades `delta` contracts at `price` paying
 * `feeBps`, to reach initial margin at `index` (sdk/marginMath.ts, exact rounding); 0 for strictly reducing trades
 * (those need no top-up and are left to the contract).
 */
export function marginTopUp(series: Series, pos: PositionState, pool: Pool, delta: bigint, price: bigint, feeBps: number, index: bigint): bigint {
  const reduces = pos.size !== 0n && pos.size > 0n !== delta > 0n && abs(delta) <= abs(pos.size);
  if (reduces) return 0n;
  const cs = series.params.contractSize;
  const fee = feeUp(notional(abs(delta), price, cs, false), feeBps);
  const { newCost, realized } = applyFill(pos.size, pos.cost, delta, price, cs);
  return shortfall(series.params, { size: pos.size + delta, cost: newCost, shares: pos.shares }, pool, realized - fee, index);
}

/** The on-chain position and margin pool `marginTopUp` works on, and the account's free balance. */
export async function readMarginState(mc: MarketClient, series: Series, account: Address): Promise<{ pos: PositionState; pool: Pool; free: bigint }> {
  const [pos, state, free] = await Promise.all([
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "position", args: [series.id, account] }),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "seriesState", args: [series.id] }),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "freeBalance", args: [account] }),
  ]);
  return {
    pos: { size: BigInt(pos.size), cost: BigInt(pos.cost), shares: BigInt(pos.shares) },
    pool: { marginAssets: BigInt(state.marginAssets), marginShares: BigInt(state.marginShares) },
    free,
  };
}

/** INSUFFICIENT_MARGIN when `account`'s free balance cannot pay `marginTopUp` for this trade. */
export async function checkMargin(
  mc: MarketClient,
  series: Series,
  account: Address,
  delta: bigint,
  price: bigint,
  feeBps: number,
  index: bigint,
): Promise<void> {
  const { pos, pool, free } = await readMarginState(mc, series, account);
  const needed = marginTopUp(series, pos, pool, delta, price, feeBps, index);
  if (free < needed) {
    throw new SdkError(
      "INSUFFICIENT_MARGIN",
      `${account} needs ${formatUsdc(needed)} of free balance to reach initial margin at the mark ${formatPrice(index)} after ${delta > 0n ? "buying" : "selling"} ${abs(delta)} @ ${formatPrice(price)} (fee included), has ${formatUsdc(free)}`,
      { account, needed, available: free },
    );
  }
}

/** The fee rate an order pays at most: the taker rate when it may be matched (<= its maxFeeBps), else the maker rate. */
export function orderFeeBps(series: Series, order: Order): number {
  const { makerFeeBps, takerFeeBps } = series.params;
  const worst = Math.max(makerFeeBps, takerFeeBps);
  return worst <= order.maxFeeBps ? worst : makerFeeBps;
}

/**
 * Why a signed `order` can never fill in `series` from its fields alone, or undefined: size below the minimum or
 * beyond uint64, price off the tick or beyond uint128, max fee below the series' maker fee, expiry not after `now`
 * or after the series' last trade time (its expiry), nonce beyond uint64, another series.
 */
export function orderFieldProblem(series: Series, order: Order, now: bigint): SdkError | undefined {
  const p = series.params;
  if (order.seriesId.toLowerCase() !== series.id.toLowerCase()) {
    return new SdkError("UNKNOWN_SERIES", `the order is for series ${order.seriesId}, not ${series.id}`, { orderSeriesId: order.seriesId });
  }
  if (order.size < p.minSize) {
    return new SdkError("INVALID_INPUT", `order size ${order.size} contracts is below the series' minimum of ${p.minSize}`, { size: order.size, minSize: p.minSize });
  }
  if (order.size > MAX_U64) return new SdkError("INVALID_INPUT", `order size ${order.size} contracts is beyond the largest order (2^64 - 1)`, { size: order.size });
  if (order.limitPrice > MAX_U128) return new SdkError("INVALID_INPUT", `price ${formatPrice(order.limitPrice)} is beyond the largest price`, { price: order.limitPrice });
  if (order.limitPrice <= 0n || order.limitPrice % p.tickSize !== 0n) {
    return new SdkError("OFF_TICK", `price ${formatPrice(order.limitPrice)} is not a positive multiple of the tick ${formatPrice(p.tickSize)}`, {
      price: order.limitPrice,
      tickSize: p.tickSize,
    });
  }
  if (order.nonce < 0n || order.nonce > MAX_U64) return new SdkError("INVALID_INPUT", `nonce ${order.nonce} is outside 0 to 2^64 - 1`, { nonce: order.nonce });
  if (!Number.isInteger(order.maxFeeBps) || order.maxFeeBps < 0 || order.maxFeeBps > 65_535) {
    return new SdkError("INVALID_INPUT", `max fee ${order.maxFeeBps} bps is not a whole number 0 to 65535`, { maxFeeBps: order.maxFeeBps });
  }
  if (order.maxFeeBps < p.makerFeeBps) {
    return new SdkError("FEE_ABOVE_MAX", `max fee ${order.maxFeeBps} bps is below the series' maker fee of ${p.makerFeeBps} bps: the order could never fill`, {
      maxFeeBps: order.maxFeeBps,
      feeBps: p.makerFeeBps,
    });
  }
  if (order.expiry <= now) {
    return new SdkError("ORDER_EXPIRED", `order expiry ${formatTime(order.expiry)} is not after chain time ${formatTime(now)}`, { expiry: order.expiry, now });
  }
  if (order.expiry > p.expiry) {
    return new SdkError(
      "EXPIRY_AFTER_SERIES",
      `order expiry ${formatTime(order.expiry)} is after the series' last trade time ${formatTime(p.expiry)}`,
      { expiry: order.expiry, lastTradeTime: p.expiry },
    );
  }
  return undefined;
}

/**
 * Every pre-check of a new order before it is signed or published: its fields (`orderFieldProblem`), the series
 * trades, the price lies in the band around the mark, the nonce is not below the maker's min nonce, and the maker's
 * free balance backs the whole order with its fee at the current mark (INSUFFICIENT_MARGIN).
 */
export async function checkNewOrder(mc: MarketClient, series: Series, order: Order, now: bigint, mark: bigint): Promise<void> {
  checkTradable(series, now);
  const problem = orderFieldProblem(series, order, now);
  if (problem) throw problem;
  checkBand(series, order.limitPrice, mark);
  const minNonce = await mc.publicClient.readContract({ ...marketContract(mc), functionName: "minNonce", args: [order.maker] });
  if (order.nonce < minNonce) {
    throw new SdkError("ORDER_DEAD", `nonce ${order.nonce} is below the maker's minimum nonce ${minNonce}: the order would be dead on arrival`, {
      nonce: order.nonce,
      minNonce,
    });
  }
  await checkMargin(mc, series, order.maker, order.isBuy ? order.size : -order.size, order.limitPrice, orderFeeBps(series, order), mark);
}
