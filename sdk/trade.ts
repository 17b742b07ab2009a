/** Orders and trades: build, sign, publish, fill, match, cancel, cancel-all. Each pre-checks before sending. */
import { type Hex, parseEventLogs, verifyTypedData } from "viem";
import { futuresMarketAbi } from "./abi/FuturesMarket.js";
import { nextNonce } from "./book.js";
import { checkBand, checkFillSize, checkLiveOrder, checkMargin, checkNewOrder, checkTick, checkTradable, orderFieldProblem } from "./checks.js";
import { type MarketClient, type Sent, chainTime, marketContract, senderOf, sendTx, signerOf } from "./client.js";
import { SdkError, ensure } from "./errors.js";
import { type Order, hashOrder, marketDomain, orderTypes, toCompactSignature } from "./orders.js";
import { type Series, freshMark, getSeries } from "./series.js";
import { formatPrice, roundToTick } from "./units.js";

export interface OrderRequest {
  series: Series;
  side: "buy" | "sell";
  /** Contracts. */
  size: bigint;
  /** Limit price, 18 decimals. */
  price: bigint;
  /** Unix seconds (exclusive); default: one day from chain time, capped at the series' expiry. */
  expiry?: bigint | undefined;
  /** Default: the maker's next unused nonce. */
  nonce?: bigint | undefined;
  /** Default: the series' larger fee rate, so the order can fill as maker or be matched. */
  maxFeeBps?: number | undefined;
}

export interface SignedOrder {
  order: Order;
  signature: Hex;
  hash: Hex;
}

/**
 * Builds an order for the connected signer and runs every pre-check of `checkNewOrder` on it (fields, band at the
 * mark, min nonce, the maker's free balance backs it), so a wallet is never asked to sign an order that cannot fill.
 */
export async function buildOrder(mc: MarketClient, req: OrderRequest): Promise<Order> {
  const maker = signerOf(mc).address;
  const { series } = req;
  ensure(req.size > 0n, `order size must be a positive number of contracts, got ${req.size}`, { size: req.size });
  const now = await chainTime(mc);
  checkTradable(series, now);
  const expiry = req.expiry ?? (now + 86_400n < series.params.expiry ? now + 86_400n : series.params.expiry);
  const order: Order = {
    maker,
    seriesId: series.id,
    isBuy: req.side === "buy",
    size: req.size,
    limitPrice: req.price,
    expiry,
    nonce: req.nonce ?? 0n,
    maxFeeBps: req.maxFeeBps ?? Math.max(series.params.makerFeeBps, series.params.takerFeeBps),
  };
  const problem = orderFieldProblem(series, order, now);
  if (problem) throw problem;
  if (req.nonce === undefined) order.nonce = await nextNonce(mc, maker);
  const mark = await freshMark(mc, series, now);
  await checkNewOrder(mc, series, order, now, mark.value);
  return order;
}

/**
 * The market's EIP-712 domain as the contract reports it (ERC-5267 `eip712Domain()`); BAD_SIGNATURE when it is not
 * the domain the SDK hashes orders with (another contract, chain or version: a signature would not verify).
 */
export async function readMarketDomain(mc: MarketClient): Promise<ReturnType<typeof marketDomain>> {
  const [, name, version, chainId, verifyingContract] = await mc.publicClient.readContract({ ...marketContract(mc), functionName: "eip712Domain" });
  const expected = marketDomain(mc.chainId, mc.market);
  if (name !== expected.name || version !== expected.version || chainId !== expected.chainId || verifyingContract.toLowerCase() !== mc.market.toLowerCase()) {
    throw new SdkError("BAD_SIGNATURE", `the market reports the EIP-712 domain ${name} v${version} on chain ${chainId} at ${verifyingContract}, not ${expected.name} v${expected.version} on chain ${expected.chainId} at ${mc.market}`);
  }
  return expected;
}

/** Signs an order with the connected signer (which must be its maker), in the domain read from the contract. */
export async function signOrderWith(mc: MarketClient, order: Order): Promise<SignedOrder> {
  const signer = signerOf(mc);
  if (signer.address.toLowerCase() !== order.maker.toLowerCase()) {
    throw new SdkError("NOT_MAKER", `signer ${signer.address} is not the order's maker ${order.maker}`, { maker: order.maker });
  }
  const signature = await signer.signTypedData({
    domain: await readMarketDomain(mc),
    types: orderTypes,
    primaryType: "Order",
    message: { ...order },
  });
  return { order, signature, hash: hashOrder(mc.chainId, mc.market, order) };
}

/**
 * Puts a signed order on chain (OrderPublished) so that anyone reading the book sees it, after the pre-checks of
 * `checkNewOrder` and a check of the signature: nothing is sent that the book would hide.
 */
export async function publishOrder(mc: MarketClient, signed: SignedOrder, series?: Series): Promise<Sent> {
  senderOf(mc);
  const s = series ?? (await getSeries(mc, signed.order.seriesId));
  const now = await chainTime(mc);
  const problem = orderFieldProblem(s, signed.order, now);
  if (problem) throw problem;
  const valid = await verifyTypedData({
    address: signed.order.maker,
    domain: marketDomain(mc.chainId, mc.market),
    types: orderTypes,
    primaryType: "Order",
    message: signed.order,
    signature: signed.signature,
  }).catch(() => false);
  if (!valid) throw new SdkError("BAD_SIGNATURE", `order ${signed.hash} is not signed by its maker ${signed.order.maker}`, { hash: signed.hash });
  const mark = await freshMark(mc, s, now);
  await checkNewOrder(mc, s, signed.order, now, mark.value);
  return sendTx(mc, { ...marketContract(mc), functionName: "publishOrder", args: [signed.order, toCompactSignature(signed.signature)] }, "publishOrder");
}

/** Build, sign and publish in one step. */
export async function placeOrder(mc: MarketClient, req: OrderRequest): Promise<SignedOrder & Sent> {
  const signed = await signOrderWith(mc, await buildOrder(mc, req));
  return { ...signed, ...(await publishOrder(mc, signed, req.series)) };
}

export interface FillResult extends Sent {
  size: bigint;
  price: bigint;
  takerFee: bigint;
}

/** Takes `size` (default: all that remains) of a signed order at its limit price. */
export async function fillOrder(mc: MarketClient, series: Series, signed: Omit<SignedOrder, "hash">, size?: bigint): Promise<FillResult> {
  const taker = senderOf(mc);
  const { order, signature } = signed;
  if (taker.toLowerCase() === order.maker.toLowerCase()) {
    throw new SdkError("INVALID_INPUT", `fill: ${taker} cannot take its own order`, { account: taker });
  }
  const now = await chainTime(mc);
  checkTradable(series, now);
  const remaining = await checkLiveOrder(mc, series, order, signature, now);
  const amount = size ?? remaining;
  checkFillSize(series, amount, remaining);
  if (series.params.makerFeeBps > order.maxFeeBps) {
    throw new SdkError("FEE_ABOVE_MAX", `fill: the maker fee of ${series.params.makerFeeBps} bps exceeds the order's max fee of ${order.maxFeeBps} bps`, {
      feeBps: series.params.makerFeeBps,
      maxFeeBps: order.maxFeeBps,
    });
  }
  checkTick(series, order.limitPrice);
  const index = await freshMark(mc, series, now);
  checkBand(series, order.limitPrice, index.value);
  const takerDelta = order.isBuy ? -amount : amount;
  await Promise.all([
    checkMargin(mc, series, taker, takerDelta, order.limitPrice, series.params.takerFeeBps, index.value),
    checkMargin(mc, series, order.maker, -takerDelta, order.limitPrice, series.params.makerFeeBps, index.value),
  ]);
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "fillSignedOrder", args: [series.params, order, toCompactSignature(signature), amount] }, "fillSignedOrder");
  const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: sent.receipt.logs, eventName: "OrderFilled" });
  return { ...sent, size: amount, price: order.limitPrice, takerFee: ev?.args.takerFee ?? 0n };
}

export interface MatchResult extends Sent {
  size: bigint;
  price: bigint;
}

/**
 * Matches a signed buy with a signed sell for `size` (default: the smaller remainder) at `price` (default: the
 * index clamped into [sell limit, buy limit], rounded to the tick inside that range).
 */
export async function matchOrders(
  mc: MarketClient,
  series: Series,
  buy: Omit<SignedOrder, "hash">,
  sell: Omit<SignedOrder, "hash">,
  options: { size?: bigint | undefined; price?: bigint | undefined } = {},
): Promise<MatchResult> {
  senderOf(mc);
  if (!buy.order.isBuy || sell.order.isBuy) throw new SdkError("INVALID_INPUT", "match: the first order must be a buy, the second a sell");
  if (buy.order.maker.toLowerCase() === sell.order.maker.toLowerCase()) {
    throw new SdkError("INVALID_INPUT", `match: both orders are from ${buy.order.maker}`);
  }
  const now = await chainTime(mc);
  checkTradable(series, now);
  const [buyLeft, sellLeft] = await Promise.all([
    checkLiveOrder(mc, series, buy.order, buy.signature, now),
    checkLiveOrder(mc, series, sell.order, sell.signature, now),
  ]);
  const size = options.size ?? (buyLeft < sellLeft ? buyLeft : sellLeft);
  checkFillSize(series, size, buyLeft < sellLeft ? buyLeft : sellLeft);
  if (buy.order.limitPrice < sell.order.limitPrice) {
    throw new SdkError("NOT_CROSSING", `buy limit ${formatPrice(buy.order.limitPrice)} is below sell limit ${formatPrice(sell.order.limitPrice)}`);
  }
  const index = await freshMark(mc, series, now);
  const tick = series.params.tickSize;
  const price =
    options.price ??
    (index.value >= buy.order.limitPrice
      ? buy.order.limitPrice
      : index.value <= sell.order.limitPrice
        ? sell.order.limitPrice
        : roundToTick(index.value, tick, "down"));
  if (price > buy.order.limitPrice || price < sell.order.limitPrice) {
    throw new SdkError("NOT_CROSSING", `match price ${formatPrice(price)} is outside the limits ${formatPrice(sell.order.limitPrice)} to ${formatPrice(buy.order.limitPrice)}`);
  }
  checkTick(series, price);
  checkBand(series, price, index.value);
  const fee = series.params.takerFeeBps;
  for (const o of [buy.order, sell.order]) {
    if (fee > o.maxFeeBps) {
      throw new SdkError("FEE_ABOVE_MAX", `match: the fee of ${fee} bps exceeds the max fee of ${o.maxFeeBps} bps that ${o.maker} signed`, { feeBps: fee, maxFeeBps: o.maxFeeBps });
    }
  }
  await Promise.all([
    checkMargin(mc, series, buy.order.maker, size, price, fee, index.value),
    checkMargin(mc, series, sell.order.maker, -size, price, fee, index.value),
  ]);
  const sent = await sendTx(
    mc,
    { ...marketContract(mc), functionName: "crossOrders", args: [series.params, buy.order, toCompactSignature(buy.signature), sell.order, toCompactSignature(sell.signature), size, price] },
    "crossOrders",
  );
  return { ...sent, size, price };
}

/** Cancels one of the sender's orders. */
export async function cancelOrder(mc: MarketClient, order: Order): Promise<Sent> {
  const me = senderOf(mc);
  if (me.toLowerCase() !== order.maker.toLowerCase()) {
    throw new SdkError("NOT_MAKER", `cancel: ${me} is not the order's maker ${order.maker}`, { maker: order.maker });
  }
  return sendTx(mc, { ...marketContract(mc), functionName: "cancel", args: [order] }, "cancel");
}

/** Kills every order of the sender with nonce < `minNonce` (default: every order it has published). */
export async function cancelAll(mc: MarketClient, minNonce?: bigint): Promise<Sent & { minNonce: bigint }> {
  const me = senderOf(mc);
  const current = await mc.publicClient.readContract({ ...marketContract(mc), functionName: "minNonce", args: [me] });
  const target = minNonce ?? (await nextNonce(mc, me));
  if (target <= current) {
    throw new SdkError("INVALID_INPUT", `cancel-all: new min nonce ${target} must exceed the current ${current}`, { current, requested: target });
  }
  const sent = await sendTx(mc, { ...marketContract(mc), functionName: "cancelAllBelow", args: [target] }, "cancelAllBelow");
  return { ...sent, minNonce: target };
}
