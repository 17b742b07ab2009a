import { expect } from "chai";
import { encodeFunctionData } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { seriesId } from "../../sdk/orders.js";
import { INDEX, NO_SIGNATURE, TICK, USDC, deployMarket, feeUp, notional } from "./helpers/market.js";

describe("FuturesMarket margin and ledger", () => {
  async function withPositions() {
    const f = await deployMarket();
    const [a, b] = [f.alice.account.address, f.bob.account.address];
    for (const w of [a, b, f.carol.account.address]) await f.fund(w, 100_000n * USDC);
    await f.fillOrder(f.order(a, { size: 10n }), b); // alice long 10, bob short 10 at 3.5
    return { ...f, a, b };
  }

  it("deposit credits what was received; withdraw pays the free balance only, to any recipient", async () => {
    const f = await deployMarket();
    const a = f.alice.account.address;
    await f.token.write.mint([a, 1_000n * USDC]);
    await f.token.write.approve([f.market.address, 1_000n * USDC], { account: a });
    await f.viem.assertions.emitWithArgs(f.market.write.deposit([600n * USDC], { account: a }), f.market, "Deposited", [a, 600n * USDC]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.withdraw([601n * USDC, a], { account: a }), f.market, "InsufficientFreeBalance", [a, 601n * USDC, 600n * USDC]);
    await f.market.write.withdraw([100n * USDC, f.carol.account.address], { account: a });
    expect(await f.token.read.balanceOf([f.carol.account.address])).to.equal(100n * USDC);
    expect(await f.market.read.freeBalance([a])).to.equal(500n * USDC);
    await f.viem.assertions.revertWithCustomError(f.market.write.deposit([0n], { account: a }), f.market, "ZeroAmount");
  });

  it("C20 fee-on-transfer: deposit credits balanceAfter - balanceBefore, so internal balances never exceed tokens held", async () => {
    const f = await deployMarket("FeeOnTransferToken"); // 1 % burnt on every transfer
    const a = f.alice.account.address;
    await f.fund(a, 1_000n * USDC);
    expect(await f.market.read.freeBalance([a])).to.equal(990n * USDC);
    expect(await f.token.read.balanceOf([f.market.address])).to.equal(990n * USDC);
    await f.market.write.withdraw([990n * USDC, a], { account: a });
    expect(await f.token.read.balanceOf([f.market.address])).to.equal(0n);
  });

  it("C19 re-entrancy: a hook token re-entering withdraw/deposit/fill from a transfer reverts the whole call", async () => {
    const f = await deployMarket("HookToken");
    const a = f.alice.account.address;
    await f.fund(a, 1_000n * USDC);
    await f.token.write.mint([a, 1_000n * USDC]);
    await f.token.write.approve([f.market.address, 1_000n * USDC], { account: a });
    const reentries = [
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "withdraw", args: [1n, a] }),
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "deposit", args: [1n] }),
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "claim", args: [f.params] }),
      // Trades, margin moves and liquidations do not take the lock (they call nothing that could re-enter) but
      // refuse to run while a token call holds it.
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "fillSignedOrder", args: [f.params, f.order(f.bob.account.address), NO_SIGNATURE, 1n] }),
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "crossOrders", args: [f.params, f.order(f.bob.account.address), NO_SIGNATURE, f.order(f.carol.account.address, { isBuy: false }), NO_SIGNATURE, 1n, 1n] }),
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "addMargin", args: [f.params, 1n] }),
      encodeFunctionData({ abi: futuresMarketAbi, functionName: "liquidate", args: [f.params, f.bob.account.address, 1n] }),
    ];
    for (const data of reentries) {
      await f.hook.write.setHook([f.market.address, data]);
      await f.viem.assertions.revertWithCustomError(f.market.write.withdraw([10n * USDC, a], { account: a }), f.market, "ReentrancyGuardReentrantCall");
      await f.viem.assertions.revertWithCustomError(f.market.write.deposit([0n + 10n], { account: a }), f.market, "ReentrancyGuardReentrantCall");
    }
    await f.hook.write.setHook(["0x0000000000000000000000000000000000000000", "0x"]);
    await f.market.write.withdraw([10n * USDC, a], { account: a });
  });

  it("C18 removeMargin: only while the position stays >= initial margin at a fresh index (boundary +-1 unit)", async () => {
    const f = await withPositions();
    await f.market.write.addMargin([f.params, 1_000n * USDC], { account: f.a });
    const [equity, im] = await f.market.read.accountHealth([f.params, f.a, INDEX]);
    const excess = equity - BigInt(im);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.removeMargin([f.params, BigInt(excess) + 1n], { account: f.a }),
      f.market, "BelowInitialMargin", [f.a, BigInt(im) - 1n, im]);
    await f.market.write.removeMargin([f.params, BigInt(excess)], { account: f.a });
    const [after] = await f.market.read.accountHealth([f.params, f.a, INDEX]);
    expect(after).to.equal(BigInt(im));
    // No position: nothing to remove. Free balance cannot be taken from margin by withdraw.
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.removeMargin([f.params, 1n], { account: f.carol.account.address }), f.market, "NoPosition", [f.id, f.carol.account.address]);
    const free = await f.market.read.freeBalance([f.a]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.withdraw([free + 1n, f.a], { account: f.a }), f.market, "InsufficientFreeBalance", [f.a, free + 1n, free]);
  });

  it("C10 / C11 stale index matrix: risk-increasing calls revert StaleIndex; deposit, withdraw, addMargin and reduce-only still work", async () => {
    const f = await withPositions();
    await f.networkHelpers.time.increase(3_601);
    const ts = (await f.oracle.read.latest([f.params.indexId]))[1];
    const stale = (call: Promise<unknown>) =>
      f.viem.assertions.revertWithCustomError(call as Promise<`0x${string}`>, f.market, "StaleIndex");
    await stale(f.fillOrder(f.order(f.a, { size: 1n, nonce: 7n }), f.b)); // increases both
    await stale(f.market.write.removeMargin([f.params, 1n], { account: f.a }));
    await stale(f.market.write.liquidate([f.params, f.a, 1n], { account: f.carol.account.address }));
    await f.token.write.mint([f.a, 5n * USDC]);
    await f.token.write.approve([f.market.address, 5n * USDC], { account: f.a });
    await f.market.write.deposit([5n * USDC], { account: f.a });
    await f.market.write.withdraw([1n * USDC, f.a], { account: f.a });
    await f.market.write.addMargin([f.params, 1n * USDC], { account: f.a });
    // Reduce-only: alice sells 4 of her 10 to bob (who is short 10 and buys back 4).
    await f.fillOrder(f.order(f.a, { isBuy: false, size: 4n, nonce: 8n }), f.b);
    expect((await f.market.read.position([f.id, f.a])).size).to.equal(6n);
    expect((await f.market.read.position([f.id, f.b])).size).to.equal(-6n);
    expect(BigInt(await f.networkHelpers.time.latest()) - ts > 3_600n).to.equal(true); // the index really was stale
  });

  it("C17 isolation: trades, losses and margin of series A leave series B untouched", async () => {
    const f = await withPositions();
    const paramsB = { ...f.params, expiry: f.params.expiry + 86_400n };
    await f.market.write.listSeries([paramsB]);
    const idB = seriesId(paramsB);
    await f.fillOrder(f.order(f.a, { seriesId: idB, size: 3n }), f.b, 3n, paramsB);
    const snapshot = async () => [
      await f.market.read.seriesState([idB]),
      await f.market.read.position([idB, f.a]),
      await f.market.read.position([idB, f.b]),
      await f.market.read.marginOf([idB, f.a]),
    ];
    const before = await snapshot();
    await f.fillOrder(f.order(f.a, { size: 5n, nonce: 2n }), f.b);
    await f.market.write.addMargin([f.params, 10n * USDC], { account: f.a });
    await f.moveMark(3_200n * 10n ** 15n);
    await f.market.write.liquidate([f.params, f.b, 100n], { account: f.carol.account.address }).then(
      () => expect.fail("bob (short) is healthy after a fall"),
      () => undefined,
    );
    await f.moveMark(3_800n * 10n ** 15n); // bob (short 15 at 3.5) falls below maintenance in series A only
    await f.market.write.liquidate([f.params, f.b, 100n], { account: f.carol.account.address });
    expect(await snapshot()).to.deep.equal(before);
  });

  it("C23 expiry table: trades at expiry-1 pass, at expiry and expiry+1 revert SeriesExpired; withdraw always works", async () => {
    const f = await withPositions();
    const e = f.params.expiry;
    await f.networkHelpers.time.setNextBlockTimestamp(Number(e - 3n));
    await f.setIndex(INDEX, e - 3n);
    for (const [t, ok] of [[e - 1n, true], [e, false], [e + 1n, false]] as const) {
      await f.networkHelpers.time.setNextBlockTimestamp(Number(t));
      const call = f.fillOrder(f.order(f.a, { size: 1n, nonce: 100n + t - e, expiry: e + 10n }), f.b);
      if (ok) await call;
      else await f.viem.assertions.revertWithCustomErrorWithArgs(call, f.market, "SeriesExpired", [f.id, e, t]);
    }
    await f.market.write.withdraw([1n, f.a], { account: f.a });
    // Settlement side of the table (more in market.settlement.test.ts): a round before expiry is outside the
    // window; settle waits for the window.
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.record(INDEX, e - 1n), f.market, "FixingOutsideWindow", [e - 1n, e, e + 3_600n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.settle([f.params]), f.market, "SettlementWindowOpen", [e + 3_600n]);
  });

  it("C07 / C09 fees with 6-decimal collateral: one contract on a one-tick price still pays >= 1 unit; split fills never pay less", async () => {
    const f = await withPositions();
    const amount = notional(1n, INDEX);
    expect(feeUp(amount, 2) > 0n).to.equal(true);
    // Splitting 10 into 10 fills of 1 pays at least the fee of one fill of 10.
    const before = BigInt((await f.market.read.seriesState([f.id])).fees);
    const o = f.order(f.a, { size: 10n, nonce: 50n });
    for (let i = 0; i < 10; i++) await f.fillOrder(o, f.b, 1n);
    const split = BigInt((await f.market.read.seriesState([f.id])).fees) - before;
    expect(split >= feeUp(notional(10n, INDEX), 2) + feeUp(notional(10n, INDEX), 5)).to.equal(true);
    expect(TICK * f.params.contractSize % 10n ** 18n).to.equal(0n);
  });

  it("listing: invalid parameters revert with the rule number; only the owner lists; a series lists once", async () => {
    const f = await deployMarket();
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.listSeries([{ ...f.params, tickSize: 1n }]), f.market, "InvalidSeriesParams", [4n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.listSeries([{ ...f.params, liquidationPenaltyBps: 500 }]), f.market, "InvalidSeriesParams", [6n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.listSeries([{ ...f.params, contractSize: 2n ** 96n, tickSize: 1n }]), f.market, "InvalidSeriesParams", [3n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.listSeries([{ ...f.params, contractSize: 0n }]), f.market, "InvalidSeriesParams", [3n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.listSeries([f.params]), f.market, "SeriesAlreadyListed", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.market.write.listSeries([{ ...f.params, expiry: f.params.expiry + 1n }], { account: f.alice.account.address }),
      f.market, "OwnableUnauthorizedAccount", [f.alice.account.address]);
  });
});
