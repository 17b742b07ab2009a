import { expect } from "chai";
import type { Address } from "viem";
import { INDEX, USDC, WAD, deployMarket } from "./helpers/market.js";
import { prng } from "../keeper/helpers/random.js";

const P = (x: string) => BigInt(Math.round(Number(x) * 1e6)) * 10n ** 12n;
/** IFuturesMarket.SettlementKind, as SeriesSettled reports it. */
const KIND = { Window: 0, Fallback: 1, LimitMove: 2, UnbackedLoss: 3 } as const;

describe("FuturesMarket settlement", () => {
  /** alice long 10 vs bob short 10 at 3.5 (margin at initial; `extra` pairs trade too). */
  async function traded(pairs: [number, number][] = []) {
    const f = await deployMarket();
    const [a, b, c, d] = [f.alice, f.bob, f.carol, f.dave].map((w) => w.account.address) as [Address, Address, Address, Address];
    for (const w of [a, b, c, d]) await f.fund(w, 100_000n * USDC);
    await f.fillOrder(f.order(a, { size: 10n }), b);
    for (const [long, short] of pairs) {
      const [l, s] = [f.wallets[long]!.account.address, f.wallets[short]!.account.address];
      await f.fillOrder(f.order(l, { size: 10n, nonce: 1n }), s);
    }
    const e = f.params.expiry;
    const windowEnd = e + BigInt(f.params.settlementWindow);
    const at = async (t: bigint) => f.networkHelpers.time.setNextBlockTimestamp(Number(t));
    /** Records a round stamped `ts` in a block at `blockTime` (default: ts). */
    const recordAt = async (value: bigint, ts: bigint, blockTime = ts) => {
      await at(blockTime);
      return f.record(value, ts);
    };
    const settleAt = async (t: bigint) => {
      await at(t);
      return f.market.write.settle([f.params]);
    };
    return { ...f, a, b, c, d, e, windowEnd, at, recordAt, settleAt };
  }
  type Fx = Awaited<ReturnType<typeof traded>>;
  const state = (f: Fx) => f.market.read.seriesState([f.id]);
  const payoutOf = async (f: Fx, x: Address) => {
    const before = await f.market.read.freeBalance([x]);
    await f.market.write.claim([f.params], { account: x });
    return (await f.market.read.freeBalance([x])) - before;
  };

  it("C32 window average: each round in [expiry, now] counts once whatever the order it is recorded in; rounded down to the tick; one settle", async () => {
    const f = await traded();
    await f.recordAt(P("3.45"), f.e);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.record(P("3.9"), f.e), f.market, "FixingAlreadyRecorded", [f.id, f.e]);
    await f.recordAt(3_550_000_000_000_000_001n, f.e + 1_800n); // off-tick value
    // An earlier round recorded after a later one still counts (no "newer than the last" rule).
    await f.viem.assertions.emitWithArgs(f.recordAt(P("3.6"), f.e + 900n, f.e + 2_000n), f.market, "SettlementFixingRecorded", [f.id, P("3.6"), f.e + 900n, 3]);
    expect(await f.market.read.settlementRoundRecorded([f.id, f.e + 900n])).to.equal(true);
    const final = 3_533n * 10n ** 15n; // (3.45 + 3.550...001 + 3.6) / 3 rounded down to 0.001, within 4 % of the mark 3.5
    await f.viem.assertions.emitWithArgs(f.settleAt(f.windowEnd + 1n), f.market, "SeriesSettled", [f.id, final, final, 3, KIND.Window]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.settle([f.params]), f.market, "AlreadySettled", [f.id]);
    const s = await state(f);
    expect([s.finalPrice, s.mark, s.fixingCount, s.openPositions, s.closed, s.settledAt]).to.deep.equal([final, final, 3, 2, true, f.windowEnd + 1n]);
    expect(await f.market.read.currentMark([f.params])).to.deep.equal([final, BigInt(s.markTime)]); // the final price, whatever the oracle says
  });

  it("C23 / C32 table at expiry-1, expiry, expiry+1 and window end -1, 0, +1: a round stamped expiry posted early never counts", async () => {
    const f = await traded();
    const { e, windowEnd: w } = f;
    // expiry - 1 (trading is still open): a round stamped before expiry is outside the window; one stamped at
    // expiry posted early (the oracle's future skew allows 300 s) is not yet due.
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.recordAt(INDEX, e - 1n), f.market, "FixingOutsideWindow", [e - 1n, e, w]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.recordAt(INDEX, e, e - 300n), f.market, "FixingNotYetDue", [e, e - 300n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.recordAt(INDEX, e, e - 1n), f.market, "FixingNotYetDue", [e, e - 1n]);
    await f.recordAt(P("3.1"), e); // expiry: counts
    await f.recordAt(P("3.2"), e + 1n); // expiry + 1: counts
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.recordAt(INDEX, w, w - 1n), f.market, "FixingNotYetDue", [w, w - 1n]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.settleAt(w), f.market, "SettlementWindowOpen", [w]);
    await f.recordAt(P("3.3"), w); // window end: the last round, recorded in its own second
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.recordAt(P("3.4"), w - 1n, w + 1n), f.market, "SettlementWindowClosed", [w]);
    // The average 3.2 lies beyond the price limit of the last mark (3.5 - 4 % = 3.36): the final price is clamped there.
    await f.viem.assertions.emitWithArgs(f.settleAt(w + 1n), f.market, "SeriesSettled", [f.id, P("3.36"), P("3.2"), 3, KIND.Window]);
  });

  it("C32 two rounds posted in one block both count, recorded by different callers; after the window no caller can add one", async () => {
    const f = await traded();
    await f.at(f.e + 600n);
    await f.publicClient.request({ method: "evm_setAutomine" as never, params: [false] as never });
    const h1 = await f.record(P("3.0"), f.e + 300n, f.params, f.c);
    const h2 = await f.record(P("4.0"), f.e + 600n, f.params, f.d);
    await f.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    await f.publicClient.request({ method: "evm_setAutomine" as never, params: [true] as never });
    const [r1, r2] = await Promise.all([h1, h2].map((hash) => f.publicClient.waitForTransactionReceipt({ hash })));
    expect(r1!.blockNumber).to.equal(r2!.blockNumber);
    expect([r1!.status, r2!.status]).to.deep.equal(["success", "success"]);
    // A round of the window nobody recorded in time cannot be added after it closed, by anyone.
    await f.viem.assertions.revertWithCustomError(f.recordAt(P("4.0"), f.e + 900n, f.windowEnd + 1n), f.market, "SettlementWindowClosed");
    await f.market.write.settle([f.params], { account: f.b });
    expect((await state(f)).finalPrice).to.equal(P("3.5"));
  });

  /**
   * Four accounts: alice and carol long 10, bob and dave short 10 at 3.5 (margin at initial, 3,500 + 1 each), the
   * final price 3.0: the longs lose 5,000 (a deficit of about 1,500 each), the shorts are owed about 8,500 each.
   */
  async function underwater(insurance: bigint) {
    const f = await traded([[3, 4]]); // carol (3) long vs dave (4) short
    await f.fund(f.owner.account.address, 10_000n * USDC);
    await f.market.write.fundInsurance([f.params, insurance]);
    // Before expiry the mark follows the index to 3.0 within the price limit (3.36, 3.2256, 3.0966, 3.0) and nobody
    // liquidates the longs; the window average 3.0 is then within the limit of the last mark.
    await f.moveMark(P("3.0"));
    await f.recordAt(P("3.0"), f.e);
    await f.viem.assertions.emitWithArgs(f.settleAt(f.windowEnd + 1n), f.market, "SeriesSettled", [f.id, P("3.0"), P("3.0"), 1, KIND.Window]);
    return f;
  }

  /** Runs the close-outs, claims and insurance withdrawal in `order`; an action refused for now is retried later. */
  async function runInOrder(f: Fx, order: string[]) {
    const paid: Record<string, bigint> = {};
    const owner = f.owner.account.address;
    const act = async (x: string) => {
      const [kind, who] = x.split(":") as [string, Address];
      if (kind === "close") await f.market.write.closeOut([f.params, who], { account: f.c });
      else if (kind === "claim") paid[who] = await payoutOf(f, who);
      else {
        const left = (await state(f)).insurance;
        const before = await f.market.read.freeBalance([owner]);
        await f.market.write.withdrawInsurance([f.params, left, owner]);
        paid.insurance = (await f.market.read.freeBalance([owner])) - before;
      }
    };
    let queue = order;
    while (queue.length > 0) {
      const retry: string[] = [];
      for (const x of queue) {
        try {
          await act(x);
        } catch (e) {
          const msg = (e as Error).message;
          if (!/AccountsUnresolved|InsuranceLocked/.test(msg)) throw e;
          retry.push(x);
        }
      }
      queue = retry;
    }
    return paid;
  }

  for (const [insurance, label] of [[1_000n * USDC, "insurance short: pro-rata haircut"], [5_000n * USDC, "insurance covers: paid in full, the rest withdrawable"]] as const) {
    it(`C32 / C16 fair settlement (${label}): every order of close-outs, claims and insurance withdrawal pays the same`, async () => {
      const f = await underwater(insurance);
      const { a, b, c, d } = f;
      const s0 = await state(f);
      expect(s0.openPositions).to.equal(4);
      const owed = (await f.market.read.marginOf([f.id, b])) + 5_000n * USDC;
      const lost = 10_000n * USDC - (await f.market.read.marginOf([f.id, a])) - (await f.market.read.marginOf([f.id, c]));
      expect((await f.market.read.marginOf([f.id, d])) + 5_000n * USDC).to.equal(owed);
      // Before every account is resolved nothing leaves: no claim (not even with no close-out at all), no insurance.
      await f.market.write.closeOut([f.params, b]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.claim([f.params], { account: b }), f.market, "AccountsUnresolved", [f.id, 3n]);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.market.write.withdrawInsurance([f.params, 1n, f.owner.account.address]), f.market, "InsuranceLocked", [f.id, s0.settledAt, 3n]);
      const snapshot = await f.networkHelpers.takeSnapshot();
      const actions = [`close:${a}`, `close:${c}`, `close:${d}`, `claim:${b}`, `claim:${d}`, "insurance"];
      const rand = prng(0x5e771e);
      const results: string[] = [];
      for (let run = 0; run < 8; run++) {
        const order = [...actions];
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        if (run === 0) order.sort((x, y) => Number(x.startsWith("close")) - Number(y.startsWith("close"))); // claims asked first
        const paid = await runInOrder(f, order);
        results.push(JSON.stringify(Object.fromEntries(Object.entries(paid).sort().map(([k, v]) => [k, v.toString()]))));
        const s = await state(f);
        // Book == bank: the payouts, the insurance used and withdrawn and the residue account for the series' money.
        expect(paid[b]! + paid[d]! + paid.insurance! + s.marginAssets).to.equal(s0.marginAssets + s0.insurance);
        expect(s.marginAssets <= 2n).to.equal(true);
        await snapshot.restore();
      }
      expect(new Set(results).size, results.join("\n")).to.equal(1);
      const paid = JSON.parse(results[0]!) as Record<string, string>;
      // The longs' deficit at 3.0 (about 3,000) is what the shorts are owed beyond what the series holds: the
      // insurance covers it or a haircut shares it.
      const shortfall = 2n * owed - s0.marginAssets;
      expect(shortfall > 2_999n * USDC && shortfall < 3_001n * USDC).to.equal(true);
      expect(lost).to.equal(shortfall);
      if (insurance >= shortfall) {
        expect(BigInt(paid[b]!)).to.equal(owed);
        expect(BigInt(paid.insurance!)).to.equal(insurance - shortfall);
      } else {
        expect(BigInt(paid[b]!)).to.equal((owed * (2n * owed - shortfall + insurance)) / (2n * owed));
        expect(BigInt(paid.insurance!)).to.equal(0n);
      }
      expect(paid[d]).to.equal(paid[b]);
    });
  }

  it("C16 deficits are recorded when the last account is resolved: insurance first, then the haircut (book == bank)", async () => {
    const f = await underwater(1_000n * USDC);
    const s0 = await state(f);
    const margin = async (x: Address) => f.market.read.marginOf([f.id, x]);
    const lost = 10_000n * USDC - (await margin(f.a)) - (await margin(f.c));
    const owedB = (await margin(f.b)) + 5_000n * USDC;
    for (const x of [f.a, f.b, f.c]) await f.market.write.closeOut([f.params, x]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.closeOut([f.params, f.a]), f.market, "NoPosition", [f.id, f.a]);
    await f.viem.assertions.emit(f.market.write.closeOut([f.params, f.d]), f.market, "SettlementFinalised");
    const s = await state(f);
    expect(s.settlementDeficit).to.equal(lost);
    expect([s.insuranceUsed, s.socialisedLoss, s.totalDeficit]).to.deep.equal([1_000n * USDC, lost - 1_000n * USDC, lost]);
    expect(s.payableTotal).to.equal(s.owedTotal - (lost - 1_000n * USDC));
    expect(s.payableTotal).to.equal(s0.marginAssets + 1_000n * USDC); // what the series holds: margins + insurance
    expect(s.resolvedMargin).to.equal(s0.marginAssets);
    expect(s.insurance).to.equal(0n);
    expect(await f.market.read.owedOf([f.id, f.b])).to.equal(owedB);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.claim([f.params], { account: f.a }), f.market, "NothingToClaim", [f.id, f.a]);
  });

  it("C32 / C16 losses realised before settlement (a reduce trade) still back the winners: paid in full, book == bank", async () => {
    const f = await traded();
    await f.moveMark(P("3.3"));
    // alice sells 5 of her 10 to carol at 3.3: she realises -1,000 into her margin; bob's +1,000 is unrealised.
    await f.fillOrder(f.order(f.c, { size: 5n, limitPrice: P("3.3"), nonce: 7n }), f.a);
    await f.recordAt(P("3.3"), f.e);
    await f.settleAt(f.windowEnd + 1n);
    for (const x of [f.a, f.b, f.c]) await f.market.write.closeOut([f.params, x]);
    const s = await state(f);
    expect(s.settlementDeficit).to.equal(0n);
    expect(s.payableTotal).to.equal(s.owedTotal); // no haircut: nobody is underwater
    for (const x of [f.a, f.b, f.c]) await f.market.write.claim([f.params], { account: x });
    const end = await state(f);
    let owed = end.marginAssets + end.insurance + BigInt(end.fees);
    for (const x of [f.a, f.b, f.c, f.d]) owed += await f.market.read.freeBalance([x]);
    expect(await f.token.read.balanceOf([f.market.address])).to.equal(owed);
    expect(end.marginAssets <= 2n).to.equal(true);
  });

  it("C30 clamped final price: settle takes the window average to one price limit of the last mark; every account met maintenance there is solvent", async () => {
    const f = await traded();
    await f.recordAt(P("3.0"), f.e);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.closeOut([f.params, f.a]), f.market, "NotSettled", [f.id]);
    const limitPrice = INDEX - (INDEX * BigInt(f.params.priceLimitBps)) / 10_000n; // 3.36
    await f.viem.assertions.emitWithArgs(f.settleAt(f.windowEnd + 1n), f.market, "SeriesSettled", [f.id, limitPrice, P("3.0"), 1, KIND.Window]);
    // alice (long 10 at 3.5, margin at initial) loses 1,400 of her 3,501 at 3.36: no deficit, bob is paid in full.
    const [equityA] = await f.market.read.accountHealth([f.params, f.a, limitPrice]);
    expect(equityA > 0n).to.equal(true);
    // Settled: nothing trades, moves margin or liquidates any more.
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.liquidate([f.params, f.a, 100n], { account: f.c }), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.addMargin([f.params, 1n], { account: f.a }), f.market, "AlreadySettled", [f.id]);
    for (const x of [f.a, f.b]) await f.market.write.closeOut([f.params, x]);
    const s = await state(f);
    expect([s.settlementDeficit, s.payableTotal]).to.deep.equal([0n, s.owedTotal]);
    const owedB = await f.market.read.owedOf([f.id, f.b]);
    expect(owedB > 1_400n * USDC).to.equal(true); // margin + 10 x 0.14 x 1,000
    expect(await payoutOf(f, f.b)).to.equal(owedB);
  });

  it("C30 a fixing beyond the price limit: trades, removeMargin and liquidate revert LimitMove; updateMark settles the series at the limit price", async () => {
    const f = await traded();
    const limitPrice = INDEX - (INDEX * BigInt(f.params.priceLimitBps)) / 10_000n; // 3.36
    await f.networkHelpers.time.increase(1);
    await f.setIndex(P("3.0")); // -14 % from the mark 3.5
    const [, fixingTime] = await f.market.read.currentMark([f.params]);
    expect(await f.market.read.currentMark([f.params])).to.deep.equal([limitPrice, fixingTime]); // the limit price it settles at
    await f.viem.assertions.revertWithCustomErrorWithArgs(
      f.fillOrder(f.order(f.c, { size: 1n, limitPrice: limitPrice, nonce: 3n }), f.d), f.market, "LimitMove", [f.id, INDEX, P("3.0")]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.removeMargin([f.params, 1n], { account: f.b }), f.market, "LimitMove", [f.id, INDEX, P("3.0")]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.liquidate([f.params, f.a, 100n], { account: f.c }), f.market, "LimitMove", [f.id, INDEX, P("3.0")]);
    // Anyone: the series settles at 3.36 now, long before expiry.
    await f.viem.assertions.emitWithArgs(f.market.write.updateMark([f.params], { account: f.d }), f.market, "SeriesSettled", [f.id, limitPrice, P("3.0"), 0, KIND.LimitMove]);
    const s = await state(f);
    expect([s.finalPrice, s.mark, s.closed, s.settledAt !== 0n, s.openPositions]).to.deep.equal([limitPrice, limitPrice, true, true, 2]);
    expect(s.settledAt < f.e).to.equal(true);
    // Nothing trades, moves margin, liquidates, re-marks, records or settles any more: close out and claim.
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.fillOrder(f.order(f.c, { size: 1n, limitPrice, nonce: 4n }), f.d), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.addMargin([f.params, 1n], { account: f.a }), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.removeMargin([f.params, 1n], { account: f.b }), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.liquidate([f.params, f.a, 100n], { account: f.c }), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.updateMark([f.params]), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.recordAt(P("3.0"), f.e), f.market, "AlreadySettled", [f.id]);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.settleAt(f.windowEnd + 1n), f.market, "AlreadySettled", [f.id]);
    expect((await f.market.read.currentMark([f.params]))[0]).to.equal(limitPrice);
    // alice met maintenance at 3.5: solvent at 3.36 (no deficit); the claims pay what the series holds, to the unit.
    const pool = s.marginAssets;
    for (const x of [f.a, f.b]) await f.market.write.closeOut([f.params, x]);
    expect((await state(f)).settlementDeficit).to.equal(0n);
    const paid = (await payoutOf(f, f.a)) + (await payoutOf(f, f.b));
    expect(paid <= pool && pool - paid <= 2n).to.equal(true);
  });

  it("C30 / C32 a fixing stamped after expiry never becomes the mark (updateMark keeps the last mark, nothing settles); settle clamps the final price to it", async () => {
    const f = await traded();
    await f.at(f.e + 10n);
    await f.setIndex(P("3.0"), f.e + 10n);
    await f.market.write.updateMark([f.params]);
    expect((await state(f)).mark).to.equal(INDEX);
    expect((await f.market.read.currentMark([f.params]))[0]).to.equal(INDEX);
    expect((await state(f)).settledAt).to.equal(0n);
    await f.recordAt(P("3.0"), f.e + 10n, f.e + 20n);
    await f.viem.assertions.emitWithArgs(f.settleAt(f.windowEnd + 1n), f.market, "SeriesSettled", [f.id, P("3.36"), P("3.0"), 1, KIND.Window]);
  });

  it("C24 / C32 fallback: with no recorded round, settle waits for expiry + grace, then settles at the last mark (not the oracle's value at the call); funds leave; no second settlement", async () => {
    const f = await traded();
    await f.at(f.e + 10n);
    await f.setIndex(P("3.4"), f.e + 10n);
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.settleAt(f.windowEnd + 1n), f.market, "NoSettlementFixing", [f.e + 86_400n]);
    await f.setIndex(P("3.45"), f.e + 86_000n); // whatever the oracle says when the first caller settles
    expect((await state(f)).mark).to.equal(INDEX);
    await f.viem.assertions.emitWithArgs(f.settleAt(f.e + 86_401n), f.market, "SeriesSettled", [f.id, INDEX, INDEX, 0, KIND.Fallback]);
    await f.viem.assertions.revertWithCustomError(f.recordAt(P("3.0"), f.e + 100n, f.e + 86_402n), f.market, "SettlementWindowClosed");
    await f.viem.assertions.revertWithCustomErrorWithArgs(f.market.write.settle([f.params]), f.market, "AlreadySettled", [f.id]);
    const pool = (await state(f)).marginAssets;
    for (const x of [f.a, f.b]) await f.market.write.closeOut([f.params, x]);
    const paid = (await payoutOf(f, f.a)) + (await payoutOf(f, f.b));
    expect(paid <= pool && pool - paid <= 2n).to.equal(true);
    for (const x of [f.a, f.b]) await f.market.write.withdraw([await f.market.read.freeBalance([x]), x], { account: x });
  });

  it("C26 / I12 a paused series still settles, resolves and pays claims; free balances always leave", async () => {
    const f = await traded();
    await f.market.write.setPaused([f.params, true]);
    await f.recordAt(INDEX, f.e);
    await f.settleAt(f.windowEnd + 1n);
    for (const x of [f.a, f.b]) await f.market.write.closeOut([f.params, x]);
    for (const x of [f.a, f.b]) {
      await f.market.write.claim([f.params], { account: x });
      await f.market.write.withdraw([await f.market.read.freeBalance([x]), x], { account: x });
      expect(await f.market.read.freeBalance([x])).to.equal(0n);
    }
  });

  it("C22 O(1) claims and close-outs: the gas of one does not depend on how many accounts hold positions", async () => {
    const gasOf = async (pairs: number) => {
      const f = await deployMarket();
      const ws = f.wallets.slice(1, 1 + 2 * pairs).map((w) => w.account.address);
      for (const w of ws) await f.fund(w, 10_000n * USDC);
      for (let i = 0; i < pairs; i++) await f.fillOrder(f.order(ws[2 * i]!, { size: 1n }), ws[2 * i + 1]!);
      const e = f.params.expiry;
      await f.networkHelpers.time.setNextBlockTimestamp(Number(e));
      await f.record(INDEX + 10n ** 16n, e);
      await f.networkHelpers.time.increaseTo(Number(e + 3_601n));
      await f.market.write.settle([f.params]);
      const receipt = async (hash: `0x${string}`) => (await f.publicClient.waitForTransactionReceipt({ hash })).gasUsed;
      const close = await receipt(await f.market.write.closeOut([f.params, ws[0]!]));
      for (const w of ws.slice(1)) await f.market.write.closeOut([f.params, w]);
      await f.market.write.claim([f.params], { account: ws[2]! });
      return [close, await receipt(await f.market.write.claim([f.params], { account: ws[0]! }))];
    };
    expect(await gasOf(8)).to.deep.equal(await gasOf(2));
  });

  it("open positions are counted as positions open and close (trades and liquidations)", async () => {
    const f = await traded([[3, 4]]);
    expect((await state(f)).openPositions).to.equal(4);
    await f.fillOrder(f.order(f.b, { size: 10n, nonce: 5n }), f.a); // alice sells her 10 to bob: both flat
    expect((await state(f)).openPositions).to.equal(2);
    await f.moveMark(P("3.25")); // two fixings within the price limit, 3.36 then 3.25: carol below maintenance, solvent
    await f.market.write.liquidate([f.params, f.c, 100n], { account: f.b }); // carol partly liquidated, bob opens
    expect((await f.market.read.position([f.id, f.c])).size).to.not.equal(0n);
    expect((await state(f)).openPositions).to.equal(3);
    expect(WAD).to.equal(10n ** 18n);
  });
});
