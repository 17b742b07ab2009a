/** Local pre-checks shared by the trading actions: they mirror the contract's rules and fail with typed errors. */
import { type Address, type Hex, verifyTypedData } from "viem";
import { type MarketClient, marketContract } from "./client.js";
import { SdkError } from "./errors.js";
import { type Order, hashOrder, marketDomain, orderTypes } from "./orders.js";
import type { Series } from "./series.js";
import { abs, applyFill, feeUp, notional, shortfall } from "./marginMath.js";
import { BPS } from "./units.js";

const CANCELLED = 2n ** 64n - 1n;

/** Price on the series' tick (OFF_TICK). */
export function checkTick(series: Series, price: bigint): void {
  if (price <= 0n || price % series.params.tickSize !== 0n) {
    throw new SdkError("OFF_TICK", `price ${price} is not a positive multiple of the tick ${series.params.tickSize}`, {
      price,
      tickSize: series.params.tickSize,
    });
  }
}

/** Price within mark +- priceBandBps (OUTSIDE_BAND); `index` is the series mark (freshMark). */
export function checkBand(series: Series, price: bigint, index: bigint): void {
  const band = (index * BigInt(series.params.priceBandBps)) / BPS;
  if (price + band < index || price > index + band) {
    throw new SdkError("OUTSIDE_BAND", `price ${price} is outside index ${index} +- ${series.params.priceBandBps} bps`, {
      price,
      index,
      bandBps: series.params.priceBandBps,
    });
  }
}

/** The series still trades at `now` (SERIES_EXPIRED). */
export function checkTradable(series: Series, now: bigint): void {
  if (now >= series.params.expiry) {
    throw new SdkError("SERIES_EXPIRED", `series ${series.id} expired at ${series.params.expiry} (chain time ${now})`, {
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
    throw new SdkError("ORDER_EXPIRED", `order ${hash} expired at ${order.expiry} (chain time ${now})`, { expiry: order.expiry, now });
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
    throw new SdkError("INVALID_INPUT", `size ${size} is below the series' minimum ${series.params.minSize}`, {
      size,
      minSize: series.params.minSize,
    });
  }
  if (size > remaining) {
    throw new SdkError("ORDER_OVERFILL", `size ${size} exceeds the order's remaining ${remaining}`, { size, remaining });
  }
}

/**
 * INSUFFICIENT_MARGIN when `account`'s free balance cannot bring its position, after trading `delta` contracts
 * at `price` and paying `feeBps`, to initial margin at `index`: the contract's own top-up (sdk/marginMath.ts, exact
 * rounding). Strictly reducing trades need no top-up and are left to the contract.
 */
export async function checkMargin(
  mc: MarketClient,
  series: Series,
  account: Address,
  delta: bigint,
  price: bigint,
  feeBps: number,
  index: bigint,
): Promise<void> {
  const [pos, state, free] = await Promise.all([
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "position", args: [series.id, account] }),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "seriesState", args: [series.id] }),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "freeBalance", args: [account] }),
  ]);
  const size = BigInt(pos.size);
  const reduces = size !== 0n && size > 0n !== delta > 0n && abs(delta) <= abs(size);
  if (reduces) return;
  const cs = series.params.contractSize;
  const fee = feeUp(notional(abs(delta), price, cs, false), feeBps);
  const { newCost, realized } = applyFill(size, BigInt(pos.cost), delta, price, cs);
  const after = { size: size + delta, cost: newCost, shares: BigInt(pos.shares) };
  const pool = { marginAssets: BigInt(state.marginAssets), marginShares: BigInt(state.marginShares) };
  const needed = shortfall(series.params, after, pool, realized - fee, index);
  if (free < needed) {
    throw new SdkError(
      "INSUFFICIENT_MARGIN",
      `${account} needs ${needed} collateral units of free balance to reach initial margin after this trade, has ${free}`,
      { account, needed, available: free },
    );
  }
}
