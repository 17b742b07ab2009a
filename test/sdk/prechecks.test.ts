/** Every pre-check of a new order before the wallet signs and before it is published; the book hides the orders that fail them. */
import { expect } from "chai";
import { HttpRequestError, UserRejectedRequestError } from "viem";
import { readOrderBook } from "../../sdk/book.js";
import { marketContract, sendTx } from "../../sdk/client.js";
import { connectMarket } from "../../sdk/client.js";
import { SdkError } from "../../sdk/errors.js";
import { deposit } from "../../sdk/funds.js";
import { type Order, signOrder, toCompactSignature } from "../../sdk/orders.js";
import { asSdkError, humanArg, revertSentence } from "../../sdk/revert.js";
import type { TypedDataSigner } from "../../sdk/signer.js";
import { fromLocalAccount } from "../../sdk/signer.js";
import { buildOrder, cancelAll, placeOrder, publishOrder } from "../../sdk/trade.js";
import { INDEX, MNEMONIC, USDC, deployFixture } from "./fixture.js";
import { rejects } from "./rejects.js";
import { mnemonicToAccount } from "viem/accounts";

describe("sdk: order pre-checks (before signing and publishing)", () => {
  it("refuses an order the maker cannot back, a dead nonce, a max fee below the series fee, an expiry after the series, sizes and prices out of range; the wallet is never asked", async () => {
    const f = await deployFixture();
    const alice = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
    let signed = 0;
    const counting: TypedDataSigner = { address: alice.address, signTypedData: (r) => (signed++, fromLocalAccount(alice).signTypedData(r)) };
    const a = await connectMarket({ publicClient: f.publicClient, walletClient: f.alice, signer: counting, market: f.deployment.market });
    await deposit(a, 3_000n * USDC);
    const me = f.alice.account.address;
    const sent = await f.txCount(me);
    const base = { series: f.series, side: "buy" as const, price: INDEX };

    // 1,000 contracts at 3.5 need 350,000 USDC of initial margin; 3,000 USDC back 8 (each needs 350 + fee).
    const poor = await rejects(placeOrder(a, { ...base, size: 1_000n }), "INSUFFICIENT_MARGIN");
    expect(poor.message).to.contain("has 3,000 USDC").and.contain("mark 3.5");
    await rejects(placeOrder(a, { ...base, size: 9n }), "INSUFFICIENT_MARGIN");
    await rejects(placeOrder(a, { ...base, side: "sell", size: 9n }), "INSUFFICIENT_MARGIN");
    const fee = await rejects(placeOrder(a, { ...base, size: 1n, maxFeeBps: 1 }), "FEE_ABOVE_MAX");
    expect(fee.message).to.contain("maker fee of 2 bps");
    const late = await rejects(placeOrder(a, { ...base, size: 1n, expiry: f.params.expiry + 1n }), "EXPIRY_AFTER_SERIES");
    expect(late.message).to.match(/after the series' last trade time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    await rejects(placeOrder(a, { ...base, size: 2n ** 64n }), "INVALID_INPUT");
    await rejects(placeOrder(a, { ...base, size: -3n }), "INVALID_INPUT");
    await rejects(placeOrder(a, { ...base, size: 1n, price: 2n ** 128n }), "INVALID_INPUT");
    await rejects(placeOrder(a, { ...base, size: 1n, nonce: 2n ** 64n }), "INVALID_INPUT");
    await rejects(placeOrder(a, { ...base, size: 1n, maxFeeBps: 70_000 }), "INVALID_INPUT");
    const tick = await rejects(placeOrder(a, { ...base, size: 1n, price: INDEX + 10n ** 14n }), "OFF_TICK");
    expect(tick.message).to.equal("price 3.5001 is not a positive multiple of the tick 0.001");
    const band = await rejects(placeOrder(a, { ...base, size: 1n, price: 4n * 10n ** 18n }), "OUTSIDE_BAND");
    expect(band.message).to.contain("outside the allowed range 3.15 to 3.85");
    // A nonce below the maker's min nonce is dead on arrival.
    await placeOrder(a, { ...base, size: 1n });
    await cancelAll(a);
    const afterCancel = await f.txCount(me);
    await rejects(placeOrder(a, { ...base, size: 1n, nonce: 0n }), "ORDER_DEAD");
    expect(signed, "the wallet signed only the one good order").to.equal(1);
    expect(await f.txCount(me), "nothing sent for the refused orders").to.equal(afterCancel);
    expect(afterCancel - sent, "publish and cancel-all only").to.equal(2);
    // What 3,000 USDC back is accepted.
    const ok = await placeOrder(a, { ...base, size: 8n });
    expect(ok.order.nonce, "the next nonce above the new minimum").to.equal(1n);
  });

  it("publishOrder refuses a pre-signed order that fails a pre-check; the book hides such orders published around the SDK", async () => {
    const f = await deployFixture();
    const a = await f.connect(f.alice);
    const bobMc = await f.connect(f.bob);
    await deposit(a, 3_000n * USDC);
    const alice = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
    const now = BigInt(await f.networkHelpers.time.latest());
    const order = (o: Partial<Order>): Order => ({
      maker: alice.address,
      seriesId: f.series.id,
      isBuy: true,
      size: 1n,
      limitPrice: INDEX,
      expiry: now + 3_600n,
      nonce: 0n,
      maxFeeBps: 5,
      ...o,
    });
    const bad = {
      unbacked: order({ size: 20n, nonce: 1n }),
      lowFee: order({ maxFeeBps: 1, nonce: 2n }),
      late: order({ expiry: f.params.expiry + 10n, nonce: 3n }),
      band: order({ limitPrice: 3n * 10n ** 18n, nonce: 4n }),
    };
    const good = order({ nonce: 5n });
    const sign = async (o: Order) => ({ order: o, signature: await signOrder(alice, f.deployment.chainId, f.deployment.market, o) });
    await rejects(publishOrder(a, { ...(await sign(bad.unbacked)), hash: "0x" }), "INSUFFICIENT_MARGIN");
    await rejects(publishOrder(a, { ...(await sign(bad.lowFee)), hash: "0x" }), "FEE_ABOVE_MAX");
    await rejects(publishOrder(a, { ...(await sign(bad.late)), hash: "0x" }), "EXPIRY_AFTER_SERIES");
    const forged = await sign(good);
    await rejects(publishOrder(a, { ...forged, order: { ...good, size: 2n }, hash: "0x" }), "BAD_SIGNATURE");
    // The contract accepts them all: published directly, the book lists only the good one and says why for the rest.
    for (const o of [...Object.values(bad), good]) {
      const s = await sign(o);
      await sendTx(a, { ...marketContract(a), functionName: "publishOrder", args: [o, toCompactSignature(s.signature)] }, "publishOrder");
    }
    const book = await readOrderBook(bobMc, { seriesId: f.series.id });
    expect(book.bids.map((e) => e.order.nonce)).to.deep.equal([5n]);
    const reasons = Object.fromEntries(book.hidden.map((e) => [String(e.order.nonce), e.reason.code]));
    expect(reasons).to.deep.equal({ "1": "INSUFFICIENT_MARGIN", "2": "FEE_ABOVE_MAX", "3": "EXPIRY_AFTER_SERIES", "4": "OUTSIDE_BAND" });
    // Backing is judged now: once the maker deposits enough, the big order shows.
    await deposit(a, 5_000n * USDC);
    const later = await readOrderBook(bobMc, { seriesId: f.series.id });
    expect(later.bids.map((e) => e.order.nonce)).to.deep.equal([1n, 5n]);
  });

  it("buildOrder checks before the wallet is asked (the order it returns is publishable)", async () => {
    const f = await deployFixture();
    const a = await f.connect(f.alice);
    await rejects(buildOrder(a, { series: f.series, side: "sell", size: 1n, price: INDEX }), "INSUFFICIENT_MARGIN");
  });
});

describe("sdk: errors in human units, viem errors typed", () => {
  it("a contract revert reads as a sentence with USDC, decimal prices and ISO times", async () => {
    const f = await deployFixture();
    const a = await f.connect(f.alice);
    const e = await rejects(
      sendTx(a, { ...marketContract(a), functionName: "withdraw", args: [1_500_000n, f.alice.account.address] }, "withdraw"),
      "INSUFFICIENT_BALANCE",
    );
    expect(e.message.toLowerCase()).to.equal(`withdraw would revert: ${f.alice.account.address} has 0 usdc of free balance, 1.5 usdc is needed`.toLowerCase());
    expect(revertSentence("OffTick", [{ name: "price" }, { name: "tickSize" }], [3_120_500_000_000_000_000n, 10n ** 15n])).to.equal(
      "price 3.1205 is not a multiple of the tick 0.001",
    );
    expect(humanArg("expiry", 1_798_754_501n)).to.equal("2026-12-31T22:01:41Z");
    expect(humanArg("needed", 1_234_500_000n)).to.equal("1,234.5 USDC");
    expect(humanArg("bandBps", 1_000)).to.equal("1000 bps");
    expect(revertSentence("Unlisted", [{ name: "x" }], [7n])).to.equal("Unlisted(x=7)");
    // LimitMove names the series' limit when the call's params are known (here 2.5 %), else the series' own.
    const limitMove = [[{ name: "seriesId" }, { name: "mark" }, { name: "index" }], ["0x01", 35n * 10n ** 17n, 3n * 10n ** 18n]] as const;
    expect(revertSentence("LimitMove", ...limitMove, { priceLimitBps: 250 })).to.equal(
      "the index 3 moved beyond the 2.5 % price limit from the mark 3.5: the series settles at the limit price; call updateMark",
    );
    expect(revertSentence("LimitMove", ...limitMove)).to.contain("moved beyond the series' price limit from the mark 3.5");
  });

  it("a refused wallet request is REJECTED, a transport failure RPC_ERROR; other values pass through", () => {
    const rejected = asSdkError(new UserRejectedRequestError(new Error("User denied")), "deposit");
    expect(rejected).to.be.instanceOf(SdkError);
    expect((rejected as SdkError).code).to.equal("REJECTED");
    const down = asSdkError(new HttpRequestError({ url: "http://127.0.0.1:1", details: "ECONNREFUSED" }), "book");
    expect((down as SdkError).code).to.equal("RPC_ERROR");
    const plain = new Error("not viem");
    expect(asSdkError(plain, "x")).to.equal(plain);
  });
});
