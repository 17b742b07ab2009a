import { expect } from "chai";
import { Wallet as EthersWallet } from "ethers";
import { type Hex, keccak256, stringToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { balances, positionOf } from "../../sdk/account.js";
import { readOrderBook } from "../../sdk/book.js";
import { connectMarket } from "../../sdk/client.js";
import { deposit } from "../../sdk/funds.js";
import { signOrder } from "../../sdk/orders.js";
import { getSeries } from "../../sdk/series.js";
import { fromEthersSigner, fromLocalAccount } from "../../sdk/signer.js";
import { buildOrder, cancelAll, cancelOrder, fillOrder, matchOrders, placeOrder, signOrderWith } from "../../sdk/trade.js";
import { INDEX, MNEMONIC, USDC, WAD, deployFixture } from "./fixture.js";
import { rejects } from "./rejects.js";

const price = (text: string) => BigInt(Math.round(Number(text) * 1000)) * 10n ** 15n;

describe("sdk: orders, book, fills, matches", () => {
  it("places an order, reads it from the book, fills part of it; positions and PnL follow the index", async () => {
    const f = await deployFixture();
    const [a, b] = [await f.connect(f.alice), await f.connect(f.bob)];
    await deposit(a, 5_000n * USDC);
    await deposit(b, 5_000n * USDC);
    const placed = await placeOrder(a, { series: f.series, side: "buy", size: 10n, price: price("3.5") });
    const book = await readOrderBook(b, { seriesId: f.series.id });
    expect(book.asks).to.have.length(0);
    expect(book.bids.map((e) => [e.hash, e.remaining])).to.deep.equal([[placed.hash, 10n]]);

    const fill = await fillOrder(b, f.series, book.bids[0]!, 4n);
    expect(fill.size).to.equal(4n);
    // taker fee: ceil(4 * 3.5 * 1000 USDC * 5 / 10_000) = 7 USDC
    expect(fill.takerFee).to.equal(7n * USDC);
    const after = await readOrderBook(b);
    expect(after.bids[0]!.remaining).to.equal(6n);

    const alice = await positionOf(a, f.series, f.alice.account.address);
    const bob = await positionOf(b, f.series, f.bob.account.address);
    expect([alice.size, bob.size]).to.deep.equal([4n, -4n]);
    expect(alice.entryPrice).to.equal(INDEX);
    expect(alice.unrealizedPnl).to.equal(0n);
    expect(alice.healthy && bob.healthy).to.equal(true);
    // initial margin 10 %: 4 * 3.5 * 1000 * 0.1 = 1,400 USDC
    expect(alice.initialRequired).to.equal(1_400n * USDC);

    // The index jumps to 4.0 (+14 %): the mark follows 4 % per fixing (3.64), PnL is at the mark.
    await f.setIndex(4n * WAD);
    const up = await positionOf(a, f.series, f.alice.account.address);
    expect(up.mark).to.equal((INDEX * 104n) / 100n);
    expect(up.unrealizedPnl).to.equal(560n * USDC); // 4 contracts x 0.14 x 1,000 USDC
    expect((await positionOf(b, f.series, f.bob.account.address)).unrealizedPnl).to.equal(-560n * USDC);
  });

  it("matches a buy and a sell at the index, between the limits; both leave the book", async () => {
    const f = await deployFixture();
    const [a, b, c] = [await f.connect(f.alice), await f.connect(f.bob), await f.connect(f.carol)];
    await deposit(a, 5_000n * USDC);
    await deposit(b, 5_000n * USDC);
    const buy = await placeOrder(a, { series: f.series, side: "buy", size: 3n, price: price("3.6") });
    const sell = await placeOrder(b, { series: f.series, side: "sell", size: 5n, price: price("3.4") });
    const m = await matchOrders(c, f.series, buy, sell);
    expect([m.size, m.price]).to.deep.equal([3n, INDEX]);
    const book = await readOrderBook(c);
    expect(book.bids).to.have.length(0);
    expect(book.asks.map((e) => e.remaining)).to.deep.equal([2n]);
    expect((await positionOf(c, f.series, f.alice.account.address)).size).to.equal(3n);
    await rejects(matchOrders(c, f.series, sell, buy), "INVALID_INPUT");
  });

  it("cancel, cancel-all and expiry remove orders from the book", async () => {
    const f = await deployFixture();
    const a = await f.connect(f.alice);
    await deposit(a, 5_000n * USDC);
    const now = BigInt(await f.networkHelpers.time.latest());
    const one = await placeOrder(a, { series: f.series, side: "buy", size: 1n, price: price("3.4") });
    const two = await placeOrder(a, { series: f.series, side: "sell", size: 1n, price: price("3.6") });
    await placeOrder(a, { series: f.series, side: "sell", size: 1n, price: price("3.7"), expiry: now + 600n });
    expect(two.order.nonce).to.equal(one.order.nonce + 1n);
    expect((await readOrderBook(a)).asks).to.have.length(2);
    const chunked = await connectMarket({ publicClient: f.publicClient, market: f.deployment.market, fromBlock: f.deployment.deployBlock, logBlockRange: 2n });
    expect(await readOrderBook(chunked), "log scans in 2-block spans give the same book").to.deep.equal(await readOrderBook(a));
    await cancelOrder(a, one.order);
    expect((await readOrderBook(a)).bids).to.have.length(0);
    await f.networkHelpers.time.increase(700);
    expect((await readOrderBook(a)).asks.map((e) => e.hash)).to.deep.equal([two.hash]);
    const all = await cancelAll(a);
    expect(all.minNonce, "above every published nonce").to.equal(two.order.nonce + 2n);
    const book = await readOrderBook(a);
    expect(book.bids.length + book.asks.length).to.equal(0);
  });

  it("signs the same bytes with a LocalAccount, a WalletClient and an ethers Wallet", async () => {
    const f = await deployFixture();
    await deposit(await f.connect(f.alice), 1_000n * USDC);
    const local = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
    const pk = `0x${Buffer.from(local.getHdKey().privateKey!).toString("hex")}` as Hex;
    const order = await buildOrder(await f.connect(f.alice), { series: f.series, side: "buy", size: 2n, price: INDEX, nonce: 7n });
    const viaWallet = (await signOrderWith(await f.connect(f.alice), order)).signature;
    const viaLocal = (
      await signOrderWith(await connectMarket({ publicClient: f.publicClient, market: f.deployment.market, signer: fromLocalAccount(local) }), order)
    ).signature;
    const ethersSigner = await fromEthersSigner(new EthersWallet(pk));
    const viaEthers = (await signOrderWith(await connectMarket({ publicClient: f.publicClient, market: f.deployment.market, signer: ethersSigner }), order)).signature;
    const reference = await signOrder(local, f.deployment.chainId, f.deployment.market, order);
    expect([viaWallet, viaLocal, viaEthers]).to.deep.equal([reference, reference, reference]);
  });
});

describe("sdk: wrong inputs fail before anything is sent", () => {
  it("unknown series, wrong chain, off tick, outside band, bad size", async () => {
    const f = await deployFixture();
    const a = await f.connect(f.alice);
    const me = f.alice.account.address;
    await deposit(a, 5_000n * USDC);
    const sent = await f.txCount(me);
    await rejects(getSeries(a, keccak256(stringToHex("nope"))), "UNKNOWN_SERIES");
    await rejects(connectMarket({ publicClient: f.publicClient, market: f.deployment.market, chainId: 1 }), "WRONG_CHAIN");
    await rejects(placeOrder(a, { series: f.series, side: "buy", size: 1n, price: INDEX + 1n }), "OFF_TICK");
    await rejects(placeOrder(a, { series: f.series, side: "buy", size: 1n, price: 5n * WAD }), "OUTSIDE_BAND");
    await rejects(placeOrder(a, { series: f.series, side: "buy", size: 0n, price: INDEX }), "INVALID_INPUT");
    const now = BigInt(await f.networkHelpers.time.latest());
    await rejects(placeOrder(a, { series: f.series, side: "buy", size: 1n, price: INDEX, expiry: now }), "ORDER_EXPIRED");
    expect(await f.txCount(me)).to.equal(sent);
  });

  it("expired order, insufficient margin, overfill, own order, forged signature, cancel by another", async () => {
    const f = await deployFixture();
    const [a, b] = [await f.connect(f.alice), await f.connect(f.bob)];
    await deposit(a, 5_000n * USDC);
    const now = BigInt(await f.networkHelpers.time.latest());
    const o = await placeOrder(a, { series: f.series, side: "sell", size: 5n, price: INDEX, expiry: now + 100n });
    const bob = f.bob.account.address;
    // Bob has deposited nothing: 5 contracts need 1,750 USDC of initial margin.
    const e = await rejects(fillOrder(b, f.series, o, 5n), "INSUFFICIENT_MARGIN");
    expect(e.details).to.include({ available: 0n });
    await deposit(b, 5_000n * USDC);
    const sent = await f.txCount(bob);
    await rejects(fillOrder(b, f.series, o, 6n), "ORDER_OVERFILL");
    await rejects(fillOrder(a, f.series, o, 1n), "INVALID_INPUT");
    const forged = { ...o, order: { ...o.order, size: 50n } };
    await rejects(fillOrder(b, f.series, forged, 1n), "BAD_SIGNATURE");
    await rejects(cancelOrder(b, o.order), "NOT_MAKER");
    await f.networkHelpers.time.increase(200);
    await rejects(fillOrder(b, f.series, o, 1n), "ORDER_EXPIRED");
    expect(await f.txCount(bob), "no transaction was sent").to.equal(sent);
  });

  it("the margin pre-check asks exactly what the contract takes: one unit less is refused, the amount fills", async () => {
    const f = await deployFixture();
    const [a, b] = [await f.connect(f.alice), await f.connect(f.bob)];
    await deposit(a, 5_000n * USDC);
    await deposit(b, 1n);
    const o = await placeOrder(a, { series: f.series, side: "sell", size: 3n, price: INDEX + 10n ** 16n });
    const e = await rejects(fillOrder(b, f.series, o, 3n), "INSUFFICIENT_MARGIN");
    const needed = e.details.needed as bigint;
    await deposit(b, needed - 2n);
    await rejects(fillOrder(b, f.series, o, 3n), "INSUFFICIENT_MARGIN");
    await deposit(b, 1n);
    await fillOrder(b, f.series, o, 3n);
    expect((await positionOf(b, f.series, f.bob.account.address)).size).to.equal(3n);
    expect((await balances(b, f.bob.account.address)).free, "the whole free balance became margin").to.equal(0n);
  });

  it("a revert the pre-checks do not cover comes back typed from the simulation", async () => {
    const f = await deployFixture();
    const a = await f.connect(f.alice);
    await rejects(cancelAll(a, 0n), "INVALID_INPUT");
    // Alice holds no collateral in the market: the simulation of a fill of her own making reverts typed.
    const b = await f.connect(f.bob);
    await deposit(b, 5_000n * USDC);
    const o = await placeOrder(b, { series: f.series, side: "sell", size: 1n, price: INDEX });
    await rejects(fillOrder(a, f.series, o, 1n), "INSUFFICIENT_MARGIN");
  });
});
