import { expect } from "chai";
import { balances, positionOf } from "../../sdk/account.js";
import { type Deployment, deploymentToJson, parseDeployment } from "../../sdk/deployment.js";
import { addMargin, deposit, removeMargin } from "../../sdk/funds.js";
import { seriesStatus } from "../../sdk/series.js";
import { claim, closeOut, describeSettlement, liquidate, readSettlement, recordSettlementFixing, settle, updateMark } from "../../sdk/settlement.js";
import { fillOrder, placeOrder } from "../../sdk/trade.js";
import { INDEX, USDC, WAD, deployFixture } from "./fixture.js";
import { rejects } from "./rejects.js";

describe("sdk: liquidation, settlement, claims", () => {
  it("liquidates an account made unhealthy by an index move", async () => {
    const f = await deployFixture();
    const [a, b, c] = [await f.connect(f.alice), await f.connect(f.bob), await f.connect(f.carol)];
    await deposit(a, 2_000n * USDC);
    await deposit(b, 5_000n * USDC);
    await deposit(c, 5_000n * USDC);
    const o = await placeOrder(a, { series: f.series, side: "buy", size: 5n, price: INDEX });
    await fillOrder(b, f.series, o);
    // -0.3 x 5 x 1,000 = -1,500 USDC for Alice; the index gets there in three fixings within the price limit (4 %).
    for (const value of [336n, 325n, 320n]) {
      await f.networkHelpers.time.increase(1);
      await f.setIndex(value * 10n ** 16n);
      expect((await updateMark(c, f.series)).mark).to.equal(value * 10n ** 16n);
    }
    const before = await positionOf(c, f.series, f.alice.account.address);
    expect(before.healthy).to.equal(false);
    const liq = await liquidate(c, f.series, f.alice.account.address);
    expect(liq.size > 0n, "some contracts liquidated").to.equal(true);
    expect((await positionOf(c, f.series, f.carol.account.address)).size).to.equal(liq.size);
  });

  it("walks a series from trading to claimable; claims before they open are refused", async () => {
    const f = await deployFixture();
    const [a, b] = [await f.connect(f.alice), await f.connect(f.bob)];
    await deposit(a, 5_000n * USDC);
    await deposit(b, 5_000n * USDC);
    const o = await placeOrder(a, { series: f.series, side: "buy", size: 2n, price: INDEX });
    await fillOrder(b, f.series, o);
    expect((await seriesStatus(a, f.series)).phase).to.equal("trading");
    await rejects(claim(a, f.series), "NOT_SETTLED");

    const expiry = f.params.expiry;
    await f.networkHelpers.time.increaseTo(expiry + 10n);
    expect((await seriesStatus(a, f.series)).phase).to.equal("awaiting-settlement");
    // From expiry on margin stays until the settlement releases it: refused before sending.
    await addMargin(b, f.series, 1_000n * USDC);
    const sent = await f.txCount(f.bob.account.address);
    await rejects(removeMargin(b, f.series, 1n), "SERIES_EXPIRED");
    expect(await f.txCount(f.bob.account.address), "no transaction was sent").to.equal(sent);
    // A signed round stamped in the window counts without being posted to the oracle.
    await recordSettlementFixing(a, f.series, await f.round(4n * WAD, expiry + 5n));
    await f.networkHelpers.time.increaseTo(expiry + BigInt(f.params.settlementWindow) + 1n);
    // One settle: the window average 4.0 clamped to the last mark 3.5 + 4 % (the price limit).
    const final = 364n * 10n ** 16n;
    const { settlement } = await settle(a, f.series);
    expect(settlement).to.deep.include({ kind: "window", finalPrice: final, referencePrice: 4n * WAD, fixingCount: 1 });
    expect(await readSettlement(a, f.series)).to.deep.equal(settlement);
    expect(describeSettlement(settlement)).to.equal("final price 3.64 (window average 4 of 1 round, clamped to the price limit of the last mark)");
    expect((await seriesStatus(a, f.series)).phase).to.equal("closing-out");
    const pos = await positionOf(a, f.series, f.alice.account.address);
    const bobEquity = (await positionOf(a, f.series, f.bob.account.address)).equity;
    // Claims open once every account is resolved: bob's position still is not.
    await rejects(claim(a, f.series), "CLAIMS_NOT_OPEN");
    await closeOut(a, f.series, f.bob.account.address);
    const status = await seriesStatus(a, f.series);
    expect(status.phase).to.equal("claimable");
    expect(pos.settled).to.equal(true);
    expect(pos.unrealizedPnl).to.equal(280n * USDC); // 2 x 0.14 x 1,000
    const freeBefore = (await balances(a, f.alice.account.address)).free;
    const c = await claim(a, f.series);
    // Bob met maintenance at 3.5, so his loss at one price limit away (280) is within his margin (700 + 1): both
    // are owed their equity, and alice is paid hers in full.
    expect(bobEquity > 0n).to.equal(true);
    expect(status.owedTotal).to.equal(pos.equity + bobEquity);
    expect(status.payableTotal).to.equal(status.owedTotal);
    expect(c.payout).to.equal(pos.equity);
    expect((await balances(a, f.alice.account.address)).free).to.equal(freeBefore + c.payout);
    await rejects(claim(a, f.series), "NO_POSITION");
  });
});

describe("sdk: early settlement on a fixing beyond the price limit", () => {
  it("a trade is refused with LIMIT_MOVE in words; updateMark settles the series at the limit price; then ALREADY_SETTLED", async () => {
    const f = await deployFixture();
    const [a, b, c] = [await f.connect(f.alice), await f.connect(f.bob), await f.connect(f.carol)];
    await deposit(a, 5_000n * USDC);
    await deposit(b, 5_000n * USDC);
    await fillOrder(b, f.series, await placeOrder(a, { series: f.series, side: "buy", size: 2n, price: INDEX }));
    await f.networkHelpers.time.increase(1);
    await f.setIndex(3n * WAD); // -14 % from the mark 3.5
    const o = await placeOrder(a, { series: f.series, side: "buy", size: 1n, price: 336n * 10n ** 16n, nonce: 1n });
    const refused = await rejects(fillOrder(b, f.series, o), "LIMIT_MOVE");
    expect(refused.message).to.contain("the index 3 moved beyond the 4 % price limit from the mark 3.5: the series settles at the limit price; call updateMark");
    expect((await seriesStatus(c, f.series)).phase).to.equal("trading");
    const up = await updateMark(c, f.series);
    expect(up.mark).to.equal(336n * 10n ** 16n);
    expect(up.settlement).to.deep.include({ kind: "limit-move", finalPrice: 336n * 10n ** 16n, referencePrice: 3n * WAD, fixingCount: 0 });
    expect(describeSettlement(up.settlement!)).to.equal("final price 3.36 (settled early: the index 3 moved beyond the price limit, settled at the limit price)");
    const status = await seriesStatus(c, f.series);
    expect([status.phase, status.finalPrice]).to.deep.equal(["closing-out", 336n * 10n ** 16n]);
    const settled = await rejects(updateMark(c, f.series), "ALREADY_SETTLED");
    expect(settled.message).to.contain("is settled: trading, margin moves and liquidations have ended; close out and claim");
    // Claims open like after any settlement: resolve both accounts, then alice collects 2 x 0.14 x 1,000 on top of her margin.
    const pos = await positionOf(a, f.series, f.alice.account.address);
    await closeOut(c, f.series, f.bob.account.address);
    expect((await claim(a, f.series)).payout).to.equal(pos.equity);
    expect(pos.unrealizedPnl).to.equal(-280n * USDC);
  });
});

describe("sdk: deployment file", () => {
  it("round-trips through JSON and rejects a tampered or incomplete file", async () => {
    const f = await deployFixture();
    const d: Deployment = f.deployment;
    const text = deploymentToJson(d);
    expect(parseDeployment(text)).to.deep.equal(d);
    const raw = JSON.parse(text) as { series: { params: { expiry: string } }[] };
    raw.series[0]!.params.expiry = "1";
    expect(() => parseDeployment(JSON.stringify(raw), "x.json")).to.throw(/x.json: series\[0\]\.id: .* does not match/);
    const noMarket = JSON.parse(text) as { market?: string };
    delete noMarket.market;
    expect(() => parseDeployment(JSON.stringify(noMarket), "x.json")).to.throw("x.json: market: missing");
    expect(() => parseDeployment("{", "x.json")).to.throw(/x.json: not JSON/);
  });
});
