import { expect } from "chai";
import fc from "fast-check";
import { type Hex, encodeFunctionData, parseEventLogs, keccak256, numberToHex, serializeCompactSignature, size as hexSize, slice, toHex, getContract } from "viem";
import { type CompactSignature, ORDER_TYPE_STRING, type Order, hashOrder, marketDomain, seriesId, signOrder, toCompactSignature } from "../../sdk/orders.js";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { INDEX, NO_SIGNATURE, TICK, USDC, deployMarket, feeUp, notional, signer } from "./helpers/market.js";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const PARITY = 1n << 255n;

/** `sig` with s moved into the upper half of the curve order, (n/2, 2^255): the only high s a compact form holds. */
function highS(sig: CompactSignature): CompactSignature {
  const vs = BigInt(sig.vs);
  return { r: sig.r, vs: numberToHex((vs & PARITY) | (SECP256K1_N / 2n + 1n + (vs & 0xffffn)), { size: 32 }) };
}

describe("FuturesMarket orders", () => {
  async function setup() {
    const f = await deployMarket();
    const { alice, bob, carol } = f;
    for (const w of [alice, bob, carol]) await f.fund(w.account.address, 100_000n * USDC);
    return f;
  }

  it("fill: a taker fills a signed order at its limit price; fees round up; filled is tracked by digest", async () => {
    const f = await setup();
    const a = f.alice.account.address;
    const b = f.bob.account.address;
    const o = f.order(a, { size: 10n });
    const im = notional(4n, INDEX) / 10n;
    // Each side moves exactly initial margin + its fee + 1 unit of rounding buffer from its free balance.
    const makerMoved = im + feeUp(notional(4n, INDEX), 2) + 1n;
    const takerMoved = im + feeUp(notional(4n, INDEX), 5) + 1n;
    // Margin changes: moved from the free balance; shares minted ~1:1 on an empty pool; the pool gains moved - fee.
    const makerChange = { moved: makerMoved, shares: makerMoved - feeUp(notional(4n, INDEX), 2), assets: makerMoved - feeUp(notional(4n, INDEX), 2) };
    const pool0 = (await f.market.read.seriesState([f.id])).marginShares;
    expect(BigInt(pool0)).to.equal(0n);
    const receipt0 = await f.publicClient.waitForTransactionReceipt({ hash: await f.fillOrder(o, b, 4n) });
    const [ev] = parseEventLogs({ abi: futuresMarketAbi, logs: receipt0.logs, eventName: "OrderFilled" });
    expect(ev?.args.maker.toLowerCase()).to.equal(a.toLowerCase());
    expect(ev?.args).to.deep.include({ seriesId: f.id, orderHash: f.hash(o), makerDelta: 4n, price: INDEX, mark: INDEX,
      makerFee: feeUp(notional(4n, INDEX), 2), takerFee: feeUp(notional(4n, INDEX), 5) });
    expect(ev?.args.makerMargin).to.deep.equal(makerChange);
    expect(ev?.args.takerMargin.moved).to.equal(takerMoved);
    expect(ev?.args.takerMargin.assets).to.equal(takerMoved - feeUp(notional(4n, INDEX), 5));
    expect((await f.market.read.position([f.id, b])).shares).to.equal(ev?.args.takerMargin.shares);
    expect(await f.market.read.filled([f.hash(o)])).to.equal(4n);
    const pa = await f.market.read.position([f.id, a]);
    const pb = await f.market.read.position([f.id, b]);
    expect(pa.size).to.equal(4n);
    expect(pb.size).to.equal(-4n);
    expect(pa.cost).to.equal(notional(4n, INDEX));
    expect(pb.cost).to.equal(-notional(4n, INDEX));
    expect(await f.market.read.freeBalance([a])).to.equal(100_000n * USDC - makerMoved);
    expect(await f.market.read.freeBalance([b])).to.equal(100_000n * USDC - takerMoved);
    expect(BigInt((await f.market.read.seriesState([f.id])).fees)).to.equal(feeUp(notional(4n, INDEX), 2) + feeUp(notional(4n, INDEX), 5));
    // A sell order: the event's makerDelta is negative, and the taker's position moves the other way.
    const sell = f.order(f.carol.account.address, { isBuy: false, size: 3n });
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash: await f.fillOrder(sell, b, 3n) });
    const [filled] = parseEventLogs({ abi: futuresMarketAbi, logs: receipt.logs, eventName: "OrderFilled" });
    expect(filled?.args.makerDelta).to.equal(-3n);
    expect((await f.market.read.position([f.id, b])).size).to.equal(-1n);
  });

  it("C01 domain: the ERC-5267 domain binds chain id and contract, and a signature for another chain id is rejected", async () => {
    const f = await setup();
    const [, name, version, chainId, verifyingContract] = await f.market.read.eip712Domain();
    const expected = marketDomain(f.chainId, f.market.address);
    expect({ name, version, chainId, verifyingContract: verifyingContract.toLowerCase() }).to.deep.equal({
      name: expected.name, version: expected.version, chainId: BigInt(expected.chainId), verifyingContract: expected.verifyingContract.toLowerCase(),
    });
    const o = f.order(f.alice.account.address);
    const foreign = await signOrder(signer(1), f.chainId + 1, f.market.address, o);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.fillSignedOrder([f.params, o, toCompactSignature(foreign), 1n], { account: f.bob.account.address }),
      f.market, "InvalidSignature", [f.hash(o)],
    );
  });

  it("non-canonical calldata: a dirty high bit in a series field or an order field never fills (fields are read unvalidated)", async () => {
    const f = await setup();
    const o = f.order(f.alice.account.address);
    const encode = async (order: Order) =>
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "fillSignedOrder", args: [f.params, order, await f.sign(order, 1), 1n] });
    const data = await encode(o);
    /** `data` with byte 0 of argument word `word` set to 0x01 (a uint16, bool or address keeps its low bytes). */
    const dirty = (word: number, data_ = data): Hex => {
      const at = 2 + 2 * (4 + 32 * word);
      return `${data_.slice(0, at)}01${data_.slice(at + 2)}` as Hex;
    };
    const send = (d: Hex) => f.bob.sendTransaction({ to: f.market.address, data: d });
    // Word 7 is params.makerFeeBps: the id is the hash of the raw words, which no order names and no listing has.
    const dirtyParams = dirty(7);
    await f.viem.assertions.revertWithCustomErrorWithArgs(send(dirtyParams), f.market, "WrongSeries", [
      f.id, keccak256(`0x${dirtyParams.slice(2 + 8, 2 + 8 + 15 * 64)}`),
    ]);
    // Even an order signed for that id does not fill: no series with that id was listed.
    const dirtyId = keccak256(`0x${dirtyParams.slice(2 + 8, 2 + 8 + 15 * 64)}`);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      send(dirty(7, await encode({ ...o, seriesId: dirtyId, nonce: 1n }))), f.market, "SeriesNotListed", [dirtyId]);
    // Words 15 and 17 are order.maker and order.isBuy: the digest is the hash of the raw words, which no one signed.
    for (const word of [15, 17]) await f.viem.assertions.revertWithCustomError(send(dirty(word)), f.market, "InvalidSignature");
    await send(data); // the canonical call fills
    expect(await f.market.read.filled([f.hash(o)])).to.equal(1n);
  });

  it("C02 cross-contract and cross-series replay: an order for market A or series A never fills on B", async () => {
    const f = await setup();
    const o = f.order(f.alice.account.address);
    const sig = await f.sign(o, 1);
    // Same parameters, other market: the digest differs (verifyingContract), so the signature does not verify.
    const other = getContract({
      address: (await f.viem.deployContract("FuturesMarket", [f.owner.account.address, f.token.address, f.oracle.address])).address,
      abi: futuresMarketAbi, client: { public: f.publicClient, wallet: f.owner },
    });
    await other.write.listSeries([f.params]);
    await f.token.write.mint([f.bob.account.address, 10_000n * USDC]);
    await f.token.write.approve([other.address, 10_000n * USDC], { account: f.bob.account.address });
    await other.write.deposit([10_000n * USDC], { account: f.bob.account.address });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      other.write.fillSignedOrder([f.params, o, sig, 1n], { account: f.bob.account.address }),
      other, "InvalidSignature", [hashOrder(f.chainId, other.address, o)],
    );
    // Same market, other series: the order's seriesId does not match.
    const paramsB = { ...f.params, expiry: f.params.expiry + 86_400n };
    await f.market.write.listSeries([paramsB]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.fillSignedOrder([paramsB, o, sig, 1n], { account: f.bob.account.address }),
      f.market, "WrongSeries", [f.id, seriesId(paramsB)],
    );
  });

  it("C03 EIP-712 encoding: on-chain order digests equal the SDK's for 150 fuzzed orders; the type string is canonical", async () => {
    const f = await setup();
    expect(keccak256(toHex(ORDER_TYPE_STRING))).to.equal(
      keccak256(toHex("Order(address maker,bytes32 seriesId,bool isBuy,uint64 size,uint128 limitPrice,uint64 expiry,uint64 nonce,uint16 maxFeeBps)")),
    );
    const u = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
    const orderArb = fc.record({
      maker: fc.constantFrom(f.alice.account.address, f.bob.account.address, f.carol.account.address),
      seriesId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b)),
      isBuy: fc.boolean(), size: u(64), limitPrice: u(128), expiry: u(64), nonce: u(64), maxFeeBps: fc.integer({ min: 0, max: 65_535 }),
    });
    const samples = fc.sample(orderArb, { numRuns: 150, seed: 42 });
    for (const o of samples as Order[]) {
      expect(await f.market.read.hashOrder([o])).to.equal(hashOrder(f.chainId, f.market.address, o));
    }
    // The 65-byte (r, s, v) form a wallet returns and its 64-byte EIP-2098 form give the same compact argument,
    // which fills on chain.
    const o = f.order(f.alice.account.address);
    const full = await signOrder(signer(1), f.chainId, f.market.address, o);
    expect(hexSize(full)).to.equal(65);
    const compact = toCompactSignature(full);
    expect(toCompactSignature(serializeCompactSignature({ r: compact.r, yParityAndS: compact.vs }))).to.deep.equal(compact);
    expect(() => toCompactSignature(slice(full, 0, 63))).to.throw("must be 65 or 64 bytes, got 63");
    await f.market.write.fillSignedOrder([f.params, o, compact, 1n], { account: f.bob.account.address });
    expect(await f.market.read.filled([f.hash(o)])).to.equal(1n);
  });

  it("SDK: seriesId names the listed series (one field changed names none); signOrder refuses a key that is not the maker's", async () => {
    const f = await setup();
    expect((await f.market.read.seriesState([seriesId(f.params)])).listed).to.equal(true);
    expect((await f.market.read.seriesState([seriesId({ ...f.params, minSize: 2n })])).listed).to.equal(false);
    const o = f.order(f.alice.account.address);
    let message = "";
    await signOrder(signer(2), f.chainId, f.market.address, o).catch((e: Error) => (message = e.message));
    expect(message).to.contain("is not the order's maker");
  });

  it("C04 malleability: the high-s twin does not fit the compact form; a high s and a flipped parity bit are rejected; cancel state is keyed by digest, not signature", async () => {
    const f = await setup();
    const o = f.order(f.alice.account.address);
    const sig = await f.sign(o, 1);
    // The malleable twin (r, n - s) needs s' = n - s >= 2^255 here, which the compact form cannot carry.
    expect(SECP256K1_N - (BigInt(sig.vs) & (PARITY - 1n)) >= PARITY).to.equal(true);
    const b = f.bob.account.address;
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.fillSignedOrder([f.params, o, highS(sig), 1n], { account: b }), f.market, "InvalidSignature", [f.hash(o)]);
    const flipped = { r: sig.r, vs: numberToHex(BigInt(sig.vs) ^ PARITY, { size: 32 }) };
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.fillSignedOrder([f.params, o, flipped, 1n], { account: b }), f.market, "InvalidSignature", [f.hash(o)]);
    // A zero signature recovers address(0); an order "by" address(0) never fills.
    const zeroMaker = { ...o, maker: "0x0000000000000000000000000000000000000000" as const };
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.fillSignedOrder([f.params, zeroMaker, NO_SIGNATURE, 1n], { account: b }),
      f.market, "InvalidSignature", [f.hash(zeroMaker)]);
    await f.market.write.cancel([o], { account: f.alice.account.address });
    for (const s of [sig, highS(sig), flipped]) {
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.market.write.fillSignedOrder([f.params, o, s, 1n], { account: b }), f.market, "OrderIsCancelled", [f.hash(o)]);
    }
  });

  it("C05 overfill: filled[digest] <= size across taker fills and matches", async () => {
    const f = await setup();
    const a = f.alice.account.address;
    const b = f.bob.account.address;
    const buy = f.order(a, { size: 10n });
    const buySig = await f.sign(buy, 1);
    await f.market.write.fillSignedOrder([f.params, buy, buySig, 6n], { account: b });
    const sell = f.order(b, { isBuy: false, size: 10n });
    const sellSig = await f.sign(sell, 2);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.crossOrders([f.params, buy, buySig, sell, sellSig, 5n, INDEX], { account: f.carol.account.address }),
      f.market, "Overfill", [f.hash(buy), 6n, 5n, 10n]);
    await f.market.write.crossOrders([f.params, buy, buySig, sell, sellSig, 4n, INDEX], { account: f.carol.account.address });
    expect(await f.market.read.filled([f.hash(buy)])).to.equal(10n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.fillSignedOrder([f.params, buy, buySig, 1n], { account: f.carol.account.address }),
      f.market, "Overfill", [f.hash(buy), 10n, 1n, 10n]);
    // Position deltas attributed to the order equal its filled amount: alice +10, bob -6 -4.
    expect((await f.market.read.position([f.id, a])).size).to.equal(10n);
    expect((await f.market.read.position([f.id, b])).size).to.equal(-10n);
  });

  it("C06 cancellation: cancel kills the remainder, cancelAllBelow kills older nonces, order expiry is exclusive", async () => {
    const f = await setup();
    const a = f.alice.account.address;
    const b = f.bob.account.address;
    const o = f.order(a, { size: 10n, nonce: 3n });
    await f.fillOrder(o, b, 4n);
    await f.viem.assertions.emitWithArgs(f.market.write.cancel([o], { account: a }), f.market, "OrderCancelled", [a, f.hash(o)]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.fillOrder(o, b, 1n), f.market, "OrderIsCancelled", [f.hash(o)]);
    expect((await f.market.read.position([f.id, a])).size).to.equal(4n); // the filled part stays
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.cancel([o], { account: b }), f.market, "NotMaker", [b, a]);

    const older = f.order(a, { nonce: 4n });
    const newer = f.order(a, { nonce: 5n });
    await f.market.write.cancelAllBelow([5n], { account: a });
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.fillOrder(older, b, 1n), f.market, "OrderNonceInvalidated", [f.hash(older), 4n, 5n]);
    await f.fillOrder(newer, b, 1n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.cancelAllBelow([5n], { account: a }), f.market, "MinNonceNotIncreasing", [5n, 5n]);

    const now = BigInt(await f.networkHelpers.time.latest());
    await f.setIndex(INDEX, now + 1n);
    const short = f.order(a, { expiry: now + 10n, nonce: 9n });
    await f.networkHelpers.time.setNextBlockTimestamp(Number(now + 9n));
    await f.fillOrder(short, b, 1n); // block.timestamp == expiry - 1: valid
    await f.networkHelpers.time.setNextBlockTimestamp(Number(now + 10n));
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.fillOrder(short, b, 1n), f.market, "OrderExpired", [f.hash(short), now + 10n, now + 10n]);
  });

  it("C27 matcher: price within both limits and the band, on tick; both makers pay the taker fee; the matcher gets nothing; no self-match", async () => {
    const f = await setup();
    const [a, b, c] = [f.alice.account.address, f.bob.account.address, f.carol.account.address];
    const buy = f.order(a, { limitPrice: INDEX + 10n * TICK, size: 5n });
    const sell = f.order(b, { isBuy: false, limitPrice: INDEX - 10n * TICK, size: 5n });
    const [bs, ss] = [await f.sign(buy, 1), await f.sign(sell, 2)];
    const m = (price: bigint, size = 1n) => f.market.write.crossOrders([f.params, buy, bs, sell, ss, size, price], { account: c });
    await f.viem.assertions.revertWithCustomErrorWithArgs(m(INDEX + 11n * TICK), f.market, "NotCrossing", [buy.limitPrice, sell.limitPrice, INDEX + 11n * TICK]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(m(INDEX - 11n * TICK), f.market, "NotCrossing", [buy.limitPrice, sell.limitPrice, INDEX - 11n * TICK]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(m(INDEX + 1n), f.market, "OffTick", [INDEX + 1n, TICK]);
    const freeC = await f.market.read.freeBalance([c]);
    const price = INDEX + 3n * TICK;
    const fee = feeUp(notional(2n, price), 5);
    const im = notional(2n, INDEX) / 10n; // initial margin at the index (the mark), not at the trade price
    const spread = notional(2n, price) - notional(2n, INDEX); // the buyer paid above the mark, the seller gained it
    await f.viem.assertions.emitWithArgs(m(price, 2n), f.market, "OrdersMatched", [
      f.id, f.hash(buy), f.hash(sell), a, b, 2n, price, INDEX, fee,
      (x: { moved: bigint }) => x.moved === im + spread + fee + 1n, (x: { moved: bigint }) => x.moved === im - spread + fee + 1n, c,
    ]);
    expect(await f.market.read.freeBalance([c])).to.equal(freeC);
    expect((await f.market.read.position([f.id, c])).size).to.equal(0n);
    expect(await f.market.read.filled([f.hash(buy)])).to.equal(2n);
    expect(await f.market.read.filled([f.hash(sell)])).to.equal(2n);
    // Self-match and self-fill are rejected.
    const sellA = f.order(a, { isBuy: false, limitPrice: INDEX - 10n * TICK });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.crossOrders([f.params, buy, bs, sellA, await f.sign(sellA, 1), 1n, INDEX], { account: c }),
      f.market, "SelfTrade", [a]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.fillOrder(buy, a, 1n), f.market, "SelfTrade", [a]);
    // A maker fee cap below the taker fee blocks matching that order.
    const capped = f.order(b, { isBuy: false, limitPrice: INDEX, maxFeeBps: 4 });
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.crossOrders([f.params, buy, bs, capped, await f.sign(capped, 2), 1n, INDEX], { account: c }),
      f.market, "FeeAboveMax", [b, 5, 4]);
  });

  it("price band: executions outside index +- band revert", async () => {
    const f = await setup();
    const band = (INDEX * 500n) / 10_000n;
    const o = f.order(f.alice.account.address, { limitPrice: INDEX + band + TICK });
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.fillOrder(o, f.bob.account.address, 1n), f.market, "OutsidePriceBand", [o.limitPrice, INDEX, 500]);
    await f.fillOrder(f.order(f.alice.account.address, { limitPrice: INDEX + band }), f.bob.account.address, 1n);
  });

  it("index range: an oracle value of 2^96 or more (beyond the mark word's field) reverts trades and health reads", async () => {
    const f = await setup();
    const o = f.order(f.alice.account.address);
    await f.setIndex(2n ** 96n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.fillOrder(o, f.bob.account.address, 1n), f.market, "IndexOutOfRange", [f.params.indexId, 2n ** 96n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.read.accountHealth([f.params, f.alice.account.address, 2n ** 96n]), f.market, "IndexOutOfRange", [f.params.indexId, 2n ** 96n]);
    await f.setIndex(2n ** 96n - 1n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.fillOrder(o, f.bob.account.address, 1n), f.market, "OutsidePriceBand", [INDEX, 2n ** 96n - 1n, 500]);
    await f.setIndex(INDEX);
    await f.fillOrder(o, f.bob.account.address, 1n);
  });

  it("publishOrder: the open book is rebuilt from OrderPublished minus fills, cancels and min nonces", async () => {
    const f = await setup();
    const a = f.alice.account.address;
    const orders = [f.order(a, { nonce: 1n, size: 3n }), f.order(a, { nonce: 2n }), f.order(a, { nonce: 3n, size: 5n }), f.order(a, { nonce: 0n })];
    for (const o of orders) await f.market.write.publishOrder([o, await f.sign(o, 1)]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.publishOrder([orders[1]!, await f.sign(orders[0]!, 1)]), f.market, "InvalidSignature", [f.hash(orders[1]!)]);
    await f.fillOrder(orders[0]!, f.bob.account.address, 3n); // fully filled
    await f.market.write.cancel([orders[1]!], { account: a }); // cancelled
    await f.fillOrder(orders[2]!, f.bob.account.address, 2n); // 3 left
    await f.market.write.cancelAllBelow([1n], { account: a }); // kills nonce 0

    const logs = await f.publicClient.getContractEvents({ address: f.market.address, abi: futuresMarketAbi, eventName: "OrderPublished", fromBlock: 0n });
    const book: { hash: Hex; remaining: bigint }[] = [];
    for (const log of logs) {
      const o = log.args.order!;
      const h = log.args.orderHash!;
      const done = await f.market.read.filled([h]);
      const dead = done === 2n ** 64n - 1n || o.nonce < (await f.market.read.minNonce([o.maker]));
      if (!dead && done < o.size) book.push({ hash: h, remaining: o.size - done });
    }
    expect(book).to.deep.equal([{ hash: f.hash(orders[2]!), remaining: 3n }]);
  });
});
