import { expect } from "chai";
import type { Address } from "viem";
import { INDEX, USDC, WAD, deployMarket, type MarketFixture } from "./helpers/market.js";

const P = (x: string) => BigInt(Math.round(Number(x) * 1000)) * 10n ** 15n; // decimal index in ticks of 0.001

describe("FuturesMarket liquidation and insurance", () => {
  /** alice long `size` vs bob short at 3.5, both at initial margin; carol and dave funded liquidators. */
  async function opened(size = 10n, token: Parameters<typeof deployMarket>[0] = "MockUSDC") {
    const f = await deployMarket(token);
    const [a, b, c, d] = [f.alice, f.bob, f.carol, f.dave].map((w) => w.account.address) as [Address, Address, Address, Address];
    for (const w of [a, b, c, d]) await f.fund(w, 100_000n * USDC);
    await f.fillOrder(f.order(a, { size }), b);
    return { ...f, a, b, c, d };
  }
  const solvency = async (f: MarketFixture, accounts: Address[]) => {
    // I1: tokens held >= free balances + margins + insurance + fees (+ unrealised PnL, zero-sum at the mark).
    let owed = 0n;
    for (const x of accounts) owed += (await f.market.read.freeBalance([x])) + (await f.market.read.marginOf([f.id, x]));
    const s = await f.market.read.seriesState([f.id]);
    return { held: await f.token.read.balanceOf([f.market.address]), owed: owed + s.insurance + BigInt(s.fees), s };
  };

  it("partial liquidation takes the fewest contracts that restore maintenance margin, bounded reward, never a healthy account", async () => {
    const f = await opened();
    await f.viem.assertions.revertWithCustomError(f.market.write.liquidate([f.params, f.a, 10n], { account: f.c }), f.market, "AccountHealthy");
    await f.moveMark(P("3.3"));
    const reward = (2n * P("3.3") * f.params.contractSize * 200n) / WAD / 10_000n; // 2 contracts x 2 %
    const sharesA = (await f.market.read.position([f.id, f.a])).shares;
    const pool = BigInt((await f.market.read.seriesState([f.id])).marginAssets);
    // The account pays its realized loss and the reward from its margin; the liquidator tops up to initial margin.
    type Change = { moved: bigint; shares: bigint; assets: bigint };
    let changes: Change[] = [];
    const accountMargin = (m: Change) => (changes[0] = m).moved === 0n && m.shares < 0n && m.assets < 0n;
    const liquidatorMargin = (m: Change) => (changes[1] = m).moved > 0n && m.shares > 0n;
    await f.viem.assertions.emitWithArgs(f.market.write.liquidate([f.params, f.a, 10n], { account: f.c }), f.market, "Liquidated", [
      f.id, f.a, f.c, 2n, P("3.3"), reward, 0n, accountMargin, liquidatorMargin,
    ]);
    expect((await f.market.read.position([f.id, f.a])).size).to.equal(8n);
    expect((await f.market.read.position([f.id, f.c])).size).to.equal(2n);
    // The event's deltas are the exact storage changes (an indexer adds them, no share rounding to mirror).
    expect((await f.market.read.position([f.id, f.a])).shares).to.equal(sharesA + changes[0]!.shares);
    expect((await f.market.read.position([f.id, f.c])).shares).to.equal(changes[1]!.shares);
    expect(BigInt((await f.market.read.seriesState([f.id])).marginAssets)).to.equal(pool + changes[0]!.assets + changes[1]!.assets);
    const [eq, , mm] = await f.market.read.accountHealth([f.params, f.a, P("3.3")]);
    expect(eq >= BigInt(mm)).to.equal(true);
    await f.viem.assertions.revertWithCustomError(f.market.write.liquidate([f.params, f.a, 10n], { account: f.d }), f.market, "AccountHealthy");
  });

  it("C13 griefing: a too-small top-up does not block; maxSize larger than the position never reverts; no dust remainder", async () => {
    const f = await opened();
    await f.moveMark(P("3.3"));
    await f.market.write.addMargin([f.params, 1n * USDC], { account: f.a }); // too small to cure
    await f.market.write.liquidate([f.params, f.a, 1_000n], { account: f.c });
    // minSize 5: a position of 6 is liquidated whole rather than leaving 1 (below minSize).
    const g = await deployMarket();
    const p5 = { ...g.params, minSize: 5n, expiry: g.params.expiry + 1n };
    await g.market.write.listSeries([p5]);
    const [a, b, c] = [g.alice, g.bob, g.carol].map((w) => w.account.address) as [Address, Address, Address];
    for (const w of [a, b, c]) await g.fund(w, 100_000n * USDC);
    const { seriesId } = await import("../../sdk/orders.js");
    await g.fillOrder(g.order(a, { seriesId: seriesId(p5), size: 6n }), b, 6n, p5);
    await g.moveMark(P("3.3"), p5);
    await g.market.write.liquidate([p5, a, 1n], { account: c }); // asks 1: 6 - 1 = 5 is fine
    expect((await g.market.read.position([seriesId(p5), a])).size).to.equal(5n);
    await g.moveMark(P("3.2"), p5);
    // 5 - 1 = 4 < minSize and maxSize binds: all but minSize would be 0 contracts, so nothing to liquidate.
    await g.viem.assertions.revertWithCustomErrorWithArgs(
      g.market.write.liquidate([p5, a, 1n], { account: c }), g.market, "NothingToLiquidate", [a]);
    await g.market.write.liquidate([p5, a, 100n], { account: c });
    expect((await g.market.read.position([seriesId(p5), a])).size).to.equal(0n);
  });

  it("C16 / I5 waterfall: a deficit the insurance cannot cover settles the series at the mark; the claims bear the rest pro rata, all recorded", async () => {
    const f = await opened();
    await f.fillOrder(f.order(f.d, { size: 10n, nonce: 1n }), f.c); // dave long 10 too (another margin holder)
    await f.market.write.fundInsurance([f.params, 1_000n * USDC], { account: f.c });
    const { held: held0 } = await solvency(f, [f.a, f.b, f.c, f.d]);
    await f.moveMark(P("3.0")); // alice: equity 3,500 - 5,000 < 0, a deficit of 1,500 beyond the 1,000 of insurance
    const marginBBefore = await f.market.read.marginOf([f.id, f.b]);
    await f.viem.assertions.emitWithArgs(f.market.write.liquidate([f.params, f.a, 100n], { account: f.c }), f.market, "SeriesSettled", [f.id, P("3.0"), P("3.0"), 0, 3]);
    expect((await f.market.read.position([f.id, f.c])).size).to.equal(-10n); // carol took nothing over (still her short 10)
    expect(await f.market.read.marginOf([f.id, f.b])).to.equal(marginBBefore); // no margin cut during trading
    for (const x of [f.a, f.b, f.c, f.d]) if ((await f.market.read.position([f.id, x])).size !== 0n) await f.market.write.closeOut([f.params, x]);
    const s = await f.market.read.seriesState([f.id]);
    // alice's and dave's negative equity at the mark (both long 10 from 3.5; share rounding: 1 unit each)
    expect(s.totalDeficit).to.equal(2n * (1_500n * USDC - 1n));
    expect(s.insuranceUsed).to.equal(1_000n * USDC);
    expect(s.insurance).to.equal(0n);
    expect(s.socialisedLoss).to.equal(2_000n * USDC - 2n); // the winners' claims are cut pro rata
    expect(s.insuranceUsed + s.socialisedLoss + s.unbackedLoss).to.equal(s.totalDeficit);
    expect(s.payableTotal).to.equal(s.owedTotal - s.socialisedLoss);
    const { held } = await solvency(f, [f.a, f.b, f.c, f.d]);
    expect(held).to.equal(held0);
  });

  it("C14 self-liquidation: liquidating one's own second account never pays more than it cost", async () => {
    const f = await opened();
    // The attacker controls alice (long) and carol (the liquidator).
    const start = (await f.market.read.freeBalance([f.a])) + (await f.market.read.marginOf([f.id, f.a])) + (await f.market.read.freeBalance([f.c]));
    for (const px of ["3.35", "3.3", "3.25"]) {
      await f.moveMark(P(px));
      await f.market.write.liquidate([f.params, f.a, 100n], { account: f.c }).catch(() => undefined);
    }
    const mark = P("3.25");
    const value = async (x: Address) => {
      const [eq] = await f.market.read.accountHealth([f.params, x, mark]);
      return (await f.market.read.freeBalance([x])) + BigInt(eq);
    };
    // Combined equity at the mark: at most the start minus the price loss on the long (no profit from the reward).
    const loss = (10n * (INDEX - mark) * f.params.contractSize) / WAD;
    expect((await value(f.a)) + (await value(f.c)) <= start - loss).to.equal(true);
    expect((await f.market.read.position([f.id, f.c])).size > 0n).to.equal(true); // carol did liquidate
  });

  it("C15 insurance drain via self-trade: a gap loss is paid exactly: insurance out == deficit covered", async () => {
    const f = await opened(); // the attacker is alice and bob
    await f.market.write.fundInsurance([f.params, 5_000n * USDC], { account: f.d });
    await f.moveMark(P("3.0")); // a gap larger than alice's margin
    await f.market.write.liquidate([f.params, f.a, 100n], { account: f.c });
    const s = await f.market.read.seriesState([f.id]);
    expect(5_000n * USDC - s.insurance).to.equal(s.insuranceUsed);
    expect(s.insuranceUsed).to.equal(s.totalDeficit);
    expect(s.socialisedLoss + s.unbackedLoss).to.equal(0n);
  });

  it("C12 front-running the post: removing margin to the initial level before a move smaller than the initial margin leaves no deficit", async () => {
    const f = await opened();
    await f.market.write.addMargin([f.params, 2_000n * USDC], { account: f.a });
    const [eq, im] = await f.market.read.accountHealth([f.params, f.a, INDEX]);
    await f.market.write.removeMargin([f.params, eq - BigInt(im)], { account: f.a }); // withdraws ahead of a drop
    await f.moveMark(P("3.2")); // an 8.6 % move: below maintenance, but within the 10 % initial-margin buffer
    await f.market.write.liquidate([f.params, f.a, 100n], { account: f.c });
    expect((await f.market.read.seriesState([f.id])).totalDeficit).to.equal(0n);
  });

  it("C26 pause: liquidations and new risk stop; addMargin, reduce-only and withdraw work; a grace follows the unpause", async () => {
    const f = await opened();
    await f.market.write.setPaused([f.params, true]);
    await f.moveMark(P("3.3"));
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.liquidate([f.params, f.a, 10n], { account: f.c }), f.market, "SeriesPaused", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.fillOrder(f.order(f.c, { size: 1n, limitPrice: P("3.3") }), f.d), f.market, "SeriesPaused", [f.id]);
    await f.market.write.addMargin([f.params, 500n * USDC], { account: f.a });
    await f.fillOrder(f.order(f.a, { isBuy: false, size: 1n, limitPrice: P("3.3"), nonce: 5n }), f.b); // reduce-only both
    await f.market.write.withdraw([1n * USDC, f.a], { account: f.a });
    await f.market.write.setPaused([f.params, false]);
    await f.market.write.addMargin([f.params, 1n], { account: f.a });
    await f.moveMark(P("3.2"));
    await f.viem.assertions.revertWithCustomError(f.market.write.liquidate([f.params, f.a, 10n], { account: f.c }), f.market, "LiquidationGrace");
    await f.networkHelpers.time.increase(3_600);
    await f.moveMark(P("3.1"));
    await f.market.write.liquidate([f.params, f.a, 10n], { account: f.c });
  });

  it("C25 admin: every owner function reverts for others; the owner has no function that moves a trader's balance", async () => {
    const f = await opened();
    const x = { account: f.c };
    const calls = [
      f.market.write.listSeries([{ ...f.params, expiry: f.params.expiry + 7n }], x),
      f.market.write.setPaused([f.params, true], x),
      f.market.write.collectFees([f.params, f.c], x),
      f.market.write.withdrawInsurance([f.params, 1n, f.c], x),
    ];
    for (const call of calls) await f.viem.assertions.revertWithCustomErrorWithArgs(call, f.market, "OwnableUnauthorizedAccount", [f.c]);
    const ownerFns = ["listSeries", "setPaused", "collectFees", "withdrawInsurance", "transferOwnership", "renounceOwnership", "acceptOwnership"];
    const { futuresMarketAbi } = await import("../../sdk/abi/FuturesMarket.js");
    const writes = futuresMarketAbi.filter((i) => i.type === "function" && i.stateMutability === "nonpayable").map((i) => (i as { name: string }).name);
    const traderFns = ["deposit", "withdraw", "addMargin", "removeMargin", "fillSignedOrder", "crossOrders", "cancel", "cancelAllBelow", "publishOrder", "liquidate", "fundInsurance", "recordSettlementFixing", "settle", "closeOut", "claim", "updateMark"];
    expect([...writes].sort()).to.deep.equal([...ownerFns, ...traderFns].sort());
    // Insurance stays locked before settlement; fees go to a free balance (pull), never to a push transfer.
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.withdrawInsurance([f.params, 0n, f.c]), f.market, "InsuranceLocked", [f.id, 0n, 2n]);
    const fees = (await f.market.read.seriesState([f.id])).fees;
    await f.market.write.collectFees([f.params, f.d]);
    expect(await f.market.read.freeBalance([f.d])).to.equal(100_000n * USDC + BigInt(fees));
  });

  it("C21 blacklisted trader, liquidator and fee recipient: liquidation, fees and settlement still work; only their own withdraw fails", async () => {
    const f = await opened(10n, "BlacklistToken");
    for (const x of [f.a, f.c, f.d]) await f.blacklist.write.setBlacklisted([x, true]);
    await f.moveMark(P("3.3"));
    await f.market.write.liquidate([f.params, f.a, 100n], { account: f.c });
    await f.market.write.collectFees([f.params, f.d]);
    await f.viem.assertions.revertWithCustomError(f.market.write.withdraw([1n, f.a], { account: f.a }), f.blacklist, "Blacklisted");
    await f.market.write.withdraw([1n, f.b], { account: f.b });
    // Settle and claim: internal credits only.
    const e = f.params.expiry;
    await f.networkHelpers.time.setNextBlockTimestamp(Number(e));
    await f.record(P("3.4"), e);
    await f.networkHelpers.time.increaseTo(Number(e + 3_601n));
    await f.market.write.settle([f.params]);
    for (const x of [f.a, f.b, f.c]) if ((await f.market.read.position([f.id, x])).size !== 0n) await f.market.write.closeOut([f.params, x]);
    await f.market.write.claim([f.params], { account: f.a });
    await f.market.write.claim([f.params], { account: f.c });
    expect(await f.market.read.freeBalance([f.a]) > 0n).to.equal(true); // credited, not pushed
  });
});
