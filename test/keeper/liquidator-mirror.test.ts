/**
 * Differential test of the margin-math mirror (sdk/marginMath.ts) and the event replay (keeper/liquidator/replay.ts)
 * against the contract: seeded random fills, matches, margin moves, index moves and liquidations on the
 * in-process chain; after every step the book rebuilt from events equals position(), marginOf(),
 * accountHealth() and the pool of seriesState() exactly.
 */
import { expect } from "chai";
import type { Address, PublicClient } from "viem";
import { fetchSeriesEvents } from "../../keeper/liquidator/events.js";
import { emptyBook, replay } from "../../keeper/liquidator/replay.js";
import { EMPTY_POSITION, abs, health, isLiquidatable, liquidationSize, marginOf } from "../../sdk/marginMath.js";
import { INDEX, TICK, USDC, deployMarket } from "../contracts/helpers/market.js";
import { prng } from "./helpers/random.js";

describe("liquidator mirror: margin math and event replay equal the contract", () => {
  for (const seed of [1, 2, 5]) {
    it(`seed ${seed}: 60 random steps (>= 1 liquidation), book from events == chain after each`, async function () {
      this.timeout(120_000);
      const f = await deployMarket();
      const rand = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
      const idx = [1, 2, 3, 4, 5, 6];
      const who = (i: number) => (f.wallets[i] as (typeof f.wallets)[0]).account.address;
      for (const i of idx) await f.fund(who(i), 1_000_000n * USDC);
      // Insurance for every deficit of the random walk (beyond it a bankruptcy settles the series at the mark).
      await f.fund(who(6), 5_000_000n * USDC);
      await f.market.write.fundInsurance([f.params, 5_000_000n * USDC], { account: who(6) });
      let mark = INDEX; // the series' mark: the latest fixing (each within the price limit, updateMark after each)
      let nonce = 0n;
      let liquidations = 0;
      let trades = 0;
      const client = f.publicClient as unknown as PublicClient;

      const priceNear = () => mark - (mark % TICK) + BigInt(Math.floor(rand() * 21) - 10) * TICK;
      const attempt = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
          return true;
        } catch {
          return false; // a random step may be refused (margin, band, dust): the chain is unchanged
        }
      };

      for (let step = 0; step < 60; step++) {
        const r = rand();
        const [i, j] = [pick(idx), pick(idx)];
        if (r < 0.35 && i !== j) {
          const o = f.order(who(i), { isBuy: rand() < 0.5, size: BigInt(1 + Math.floor(rand() * 30)), limitPrice: priceNear(), nonce: nonce++ });
          if (await attempt(() => f.fillOrder(o, who(j), BigInt(1 + Math.floor(rand() * Number(o.size)))))) trades++;
        } else if (r < 0.5 && i !== j) {
          const price = priceNear();
          const size = BigInt(1 + Math.floor(rand() * 20));
          const buy = f.order(who(i), { isBuy: true, size, limitPrice: price + TICK, nonce: nonce++ });
          const sell = f.order(who(j), { isBuy: false, size, limitPrice: price - TICK, nonce: nonce++ });
          const [bs, ss] = [await f.sign(buy, i), await f.sign(sell, j)];
          if (await attempt(() => f.market.write.crossOrders([f.params, buy, bs, sell, ss, size, price], { account: who(pick(idx)) }))) trades++;
        } else if (r < 0.6) {
          await attempt(() => f.market.write.addMargin([f.params, BigInt(1 + Math.floor(rand() * 5_000)) * USDC], { account: who(i) }));
        } else if (r < 0.68) {
          await attempt(() => f.market.write.removeMargin([f.params, BigInt(1 + Math.floor(rand() * 3_000)) * USDC], { account: who(i) }));
        } else if (r < 0.85) {
          let index = mark + (mark * BigInt(Math.floor(rand() * 21) - 10)) / 100n;
          index -= index % TICK;
          // Up to 10 %: fixings within the 4 % price limit (one beyond it would settle the series), updateMark after each.
          await f.moveMark(index);
          [mark] = await f.market.read.currentMark([f.params]);
        } else {
          // Liquidate whoever the mirror says is liquidatable; the contract must agree.
          const book = emptyBook();
          replay(book, f.params, await fetchSeriesEvents(client, f.market.address, f.id, 0n, await client.getBlockNumber()));
          const state = await f.market.read.seriesState([f.id]);
          for (const [acct, pos] of book.positions) {
            const liq = who(acct === who(1).toLowerCase() ? 2 : 1);
            const expected = isLiquidatable(f.params, pos, state, mark);
            const h = health(f.params, pos, state, mark);
            const size = liquidationSize(f.params, abs(pos.size), h.equity, h.maintenanceRequired, mark, 7n);
            const ok = await attempt(() => f.market.write.liquidate([f.params, acct as Address, 7n], { account: liq }));
            if (ok) liquidations++;
            expect(ok, `liquidate ${acct} at ${mark}`).to.equal(expected && size > 0n);
          }
        }
        await compare(step);
      }
      expect(trades, "trades").to.be.greaterThan(5);
      expect(liquidations, "liquidations").to.be.greaterThan(0);

      async function compare(step: number) {
        const book = emptyBook();
        replay(book, f.params, await fetchSeriesEvents(client, f.market.address, f.id, 0n, await client.getBlockNumber()));
        expect(book.mismatches, `step ${step}`).to.deep.equal([]);
        const state = await f.market.read.seriesState([f.id]);
        expect({ a: book.pool.marginAssets, s: book.pool.marginShares }, `pool at step ${step}`).to.deep.equal({ a: state.marginAssets, s: state.marginShares });
        for (const k of [...idx, 0]) {
          const a = who(k);
          const pos = book.positions.get(a.toLowerCase()) ?? EMPTY_POSITION;
          const chain = await f.market.read.position([f.id, a]);
          expect({ size: pos.size, cost: pos.cost, shares: pos.shares }, `position of ${k} at step ${step}`).to.deep.equal({ size: chain.size, cost: chain.cost, shares: chain.shares });
          expect(marginOf(pos, book.pool), `margin of ${k} at step ${step}`).to.equal(await f.market.read.marginOf([f.id, a]));
          const mine = health(f.params, pos, book.pool, mark);
          const [equity, initialRequired, maintenanceRequired] = await f.market.read.accountHealth([f.params, a, mark]);
          expect(mine, `health of ${k} at step ${step}`).to.deep.equal({ equity, initialRequired, maintenanceRequired });
        }
      }
    });
  }
});

describe("liquidator replay: K08 duplicates", () => {
  it("K08: the same logs delivered twice (backfill overlap, a failover endpoint) are applied once", async function () {
    this.timeout(60_000);
    const f = await deployMarket();
    const [a, b] = [f.alice.account.address, f.bob.account.address];
    for (const w of [a, b]) await f.fund(w, 100_000n * USDC);
    await f.fillOrder(f.order(a, { size: 10n }), b);
    await f.market.write.addMargin([f.params, 500n * USDC], { account: a });
    const client = f.publicClient as unknown as PublicClient;
    const events = await fetchSeriesEvents(client, f.market.address, f.id, 0n, await client.getBlockNumber());
    const once = emptyBook();
    replay(once, f.params, events);
    const twice = emptyBook();
    replay(twice, f.params, [...events, ...events].sort((x, y) => (x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1)));
    expect(twice).to.deep.equal(once);
    expect(once.positions.get(a.toLowerCase())?.size).to.equal(10n);
  });
});
