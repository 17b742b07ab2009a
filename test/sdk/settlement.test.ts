import { expect } from "chai";
import { balances, positionOf } from "../../sdk/account.js";
import { type Deployment, deploymentToJson, parseDeployment } from "../../sdk/deployment.js";
import { deposit } from "../../sdk/funds.js";
import { seriesStatus } from "../../sdk/series.js";
import { claim, closeOut, liquidate, recordSettlementFixing, settle, updateMark } from "../../sdk/settlement.js";
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
    // -0.3 x 5 x 1,000 = -1,500 USDC for Alice; the mark follows in two fixings (the price limit is 4 %).
    for (let i = 0; i < 2; i++) {
      await f.networkHelpers.time.increase(1);
      await f.setIndex(32n * 10n ** 17n);
      await updateMark(c, f.series);
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
    // A signed round stamped in the window counts without being posted to the oracle.
    await recordSettlementFixing(a, f.series, await f.round(4n * WAD, expiry + 5n));
    await f.networkHelpers.time.increaseTo(expiry + BigInt(f.params.settlementWindow) + 1n);
    const s = await settle(a, f.series);
    expect(s.finalPrice).to.equal(4n * WAD);
    // The final step: the mark goes from 3.5 toward 4.0 by at most the price limit (4 %) per maxFixingAge.
    let steps = 1;
    while ((await seriesStatus(a, f.series)).phase === "final-step") {
      await f.networkHelpers.time.increase(Number(f.params.maxFixingAge));
      await settle(a, f.series);
      steps += 1;
    }
    expect(steps).to.equal(4); // 3.5 -> 3.64 -> 3.7856 -> 3.937 -> 4.0
    expect((await seriesStatus(a, f.series)).phase).to.equal("closing-out");
    const pos = await positionOf(a, f.series, f.alice.account.address);
    // Claims open once every account is resolved: bob's position still is not.
    await rejects(claim(a, f.series), "CLAIMS_NOT_OPEN");
    await closeOut(a, f.series, f.bob.account.address);
    const status = await seriesStatus(a, f.series);
    expect(status.phase).to.equal("claimable");
    expect(pos.settled).to.equal(true);
    expect(pos.unrealizedPnl).to.equal(1_000n * USDC); // 2 x 0.5 x 1,000
    const freeBefore = (await balances(a, f.alice.account.address)).free;
    const c = await claim(a, f.series);
    // Bob's loss (1,000) exceeds his margin (700 + 1) and there is no insurance: alice, the only winner, is paid
    // what the series holds (payableTotal), not her full equity; the series never pays out more than it holds.
    expect(status.owedTotal).to.equal(pos.equity);
    expect(c.payout).to.equal(status.payableTotal);
    expect(status.payableTotal < pos.equity).to.equal(true);
    expect((await balances(a, f.alice.account.address)).free).to.equal(freeBefore + c.payout);
    await rejects(claim(a, f.series), "NO_POSITION");
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
