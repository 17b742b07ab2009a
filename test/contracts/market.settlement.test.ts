import { expect } from "chai";
import type { Address } from "viem";
import { INDEX, TICK, USDC, WAD, deployMarket } from "./helpers/market.js";

describe("FuturesMarket settlement", () => {
  /** alice long 10 vs bob short 10 at 3.5 (margin at initial), then the clock at expiry. */
  async function atExpiry(extra: Address[] = []) {
    const f = await deployMarket();
    const [a, b, c, d] = [f.alice, f.bob, f.carol, f.dave].map((w) => w.account.address) as [Address, Address, Address, Address];
    for (const w of [a, b, c, d, ...extra]) await f.fund(w, 100_000n * USDC);
    await f.fillOrder(f.order(a, { size: 10n }), b);
    const e = f.params.expiry;
    const at = async (t: bigint) => f.networkHelpers.time.setNextBlockTimestamp(Number(t));
    const fixing = async (value: bigint, ts: bigint) => {
      await at(ts);
      await f.setIndex(value, ts);
    };
    return { ...f, a, b, c, d, e, at, fixing };
  }
  const payoutOf = async (f: Awaited<ReturnType<typeof deployMarket>>, x: Address) => {
    const before = await f.market.read.freeBalance([x]);
    await f.market.write.claim([f.params], { account: x });
    return (await f.market.read.freeBalance([x])) - before;
  };

  it("window average: fixings in [expiry, expiry + window] are averaged once, rounded down to the tick; claims pay equity", async () => {
    const f = await atExpiry();
    await f.fixing(36n * 10n ** 17n, f.e);
    await f.market.write.recordSettlementFixing([f.params]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.recordSettlementFixing([f.params]), f.market, "FixingNotNewer", [f.e, f.e]);
    await f.fixing(3_700_000_000_000_000_001n, f.e + 1_800n); // off-tick value
    await f.market.write.recordSettlementFixing([f.params]);
    await f.fixing(5n * WAD, f.e + 3_601n); // after the window: ignored
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.recordSettlementFixing([f.params]), f.market, "FixingOutsideWindow", [f.e + 3_601n, f.e, f.e + 3_600n]);
    const final = 3_650n * 10n ** 15n; // (3.6 + 3.700...001) / 2 rounded down to 0.001
    await f.viem.assertions.emitWithArgs(f.market.write.settle([f.params]), f.market, "SeriesSettled", [f.id, final, 2, false]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.settle([f.params]), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomError(f.market.write.claim([f.params], { account: f.a }), f.market, "ClaimsNotOpen");
    await f.networkHelpers.time.increase(3_600);
    const pnl = (10n * (final - INDEX) * f.params.contractSize) / WAD; // +1,500 USDC for the long
    const marginA = await f.market.read.marginOf([f.id, f.a]);
    const marginB = await f.market.read.marginOf([f.id, f.b]);
    expect(await payoutOf(f, f.a)).to.equal(marginA + pnl);
    expect(await payoutOf(f, f.b)).to.equal(marginB - pnl);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.claim([f.params], { account: f.a }), f.market, "NoPosition", [f.id, f.a]);
    // Everything that was owed left the pool: only rounding residue (>= 0) stays.
    const s = await f.market.read.seriesState([f.id]);
    expect(s.marginShares).to.equal(0n);
    expect(s.marginAssets >= 0n && s.marginAssets <= 2n).to.equal(true);
    expect(TICK).to.equal(f.params.tickSize);
  });

  it("C24 fallback: with no recorded fixing, settle waits for expiry + grace, then uses the oracle's latest value; a late fixing cannot settle twice", async () => {
    const f = await atExpiry();
    await f.fixing(34n * 10n ** 17n, f.e + 10n);
    await f.at(f.e + 3_601n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.settle([f.params]), f.market, "NoSettlementFixing", [f.e + 86_400n]);
    await f.fixing(33n * 10n ** 17n, f.e + 86_401n);
    await f.viem.assertions.emitWithArgs(f.market.write.settle([f.params]), f.market, "SeriesSettled", [f.id, 33n * 10n ** 17n, 0, true]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.recordSettlementFixing([f.params]), f.market, "AlreadySettled", [f.id]);
    await f.networkHelpers.time.increase(3_600);
    // Every account can claim and withdraw; the payouts sum to the series' margin (zero-sum PnL).
    const pool = (await f.market.read.marginOf([f.id, f.a])) + (await f.market.read.marginOf([f.id, f.b]));
    const paid = (await payoutOf(f, f.a)) + (await payoutOf(f, f.b));
    expect(paid <= pool && pool - paid <= 2n).to.equal(true);
    for (const x of [f.a, f.b]) await f.market.write.withdraw([await f.market.read.freeBalance([x]), x], { account: x });
  });

  it("close-out: an account underwater at the final price is closed before claims; its deficit goes through the waterfall, others claim in full", async () => {
    const f = await atExpiry();
    await f.market.write.fundInsurance([f.params, 500n * USDC], { account: f.c });
    await f.fixing(31n * 10n ** 17n, f.e); // alice: 3,500 - 4,000 < 0
    await f.market.write.recordSettlementFixing([f.params]);
    await f.at(f.e + 3_601n);
    await f.market.write.settle([f.params]);
    await f.viem.assertions.revertWithCustomError(f.market.write.closeOut([f.params, f.b]), f.market, "NotUnderwater");
    await f.viem.assertions.emitWithArgs(f.market.write.closeOut([f.params, f.a], { account: f.d }), f.market, "ClosedOut", [f.id, f.a, 500n * USDC - 1n]);
    const s = await f.market.read.seriesState([f.id]);
    expect(s.insuranceUsed).to.equal(500n * USDC - 1n);
    await f.networkHelpers.time.increase(3_600);
    const marginB = await f.market.read.marginOf([f.id, f.b]);
    expect(await payoutOf(f, f.b)).to.equal(marginB + 4_000n * USDC);
  });

  it("C26 / I12 a paused series still settles, closes out and pays claims; free balances always leave", async () => {
    const f = await atExpiry();
    await f.market.write.setPaused([f.params, true]);
    await f.fixing(35n * 10n ** 17n, f.e);
    await f.market.write.recordSettlementFixing([f.params]);
    await f.at(f.e + 3_601n);
    await f.market.write.settle([f.params]);
    await f.networkHelpers.time.increase(3_600);
    for (const x of [f.a, f.b]) {
      await f.market.write.claim([f.params], { account: x });
      await f.market.write.withdraw([await f.market.read.freeBalance([x]), x], { account: x });
      expect(await f.market.read.freeBalance([x])).to.equal(0n);
    }
  });

  it("C22 O(1) claims: the gas of one claim does not depend on how many accounts hold positions", async () => {
    const gasOfClaim = async (pairs: number) => {
      const f = await deployMarket();
      const ws = f.wallets.slice(1, 1 + 2 * pairs).map((w) => w.account.address);
      for (const w of ws) await f.fund(w, 10_000n * USDC);
      for (let i = 0; i < pairs; i++) await f.fillOrder(f.order(ws[2 * i]!, { size: 1n }), ws[2 * i + 1]!);
      const e = f.params.expiry;
      await f.networkHelpers.time.setNextBlockTimestamp(Number(e));
      await f.setIndex(INDEX, e);
      await f.market.write.recordSettlementFixing([f.params]);
      await f.networkHelpers.time.increaseTo(Number(e + 3_601n));
      await f.market.write.settle([f.params]);
      await f.networkHelpers.time.increase(3_600);
      await f.market.write.claim([f.params], { account: ws[2]! ?? ws[0]! });
      const hash = await f.market.write.claim([f.params], { account: ws[1]! });
      return (await f.publicClient.waitForTransactionReceipt({ hash })).gasUsed;
    };
    const small = await gasOfClaim(2);
    const large = await gasOfClaim(8);
    expect(large).to.equal(small);
    expect(small < 50_000n).to.equal(true); // 45k before the per-series collateral bookkeeping (isolation, C31): +5k
  });
});
