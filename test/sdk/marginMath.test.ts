/** Rounding directions of the margin-math mirror (sdk/marginMath.ts), property-tested with a fixed seed. */
import { expect } from "chai";
import fc from "fast-check";
import {
  abs,
  applyFill,
  feeUp,
  liquidationReward,
  liquidationSize,
  mulDivDown,
  mulDivUp,
  toAssetsDown,
  toSharesDown,
  toSharesUp,
  valueDown,
  valueUp,
} from "../../sdk/marginMath.js";
import type { SeriesParams } from "../../sdk/orders.js";

const runs = { numRuns: 300, seed: 42 };
const u = (max: bigint) => fc.bigInt({ min: 0n, max });
const size = fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n });
const price = fc.bigInt({ min: 1n, max: 10n ** 22n });
const contractSize = fc.bigInt({ min: 1n, max: 10n ** 12n });

const params = {
  minSize: 1n, maintenanceMarginBps: 500, liquidationPenaltyBps: 200, contractSize: 1_000_000_000n,
} as unknown as SeriesParams;

describe("sdk/marginMath rounding", () => {
  it("mulDivUp is mulDivDown or one more, and exact when divisible", () => {
    fc.assert(fc.property(u(10n ** 30n), u(10n ** 30n), fc.bigInt({ min: 1n, max: 10n ** 24n }), (a, b, d) => {
      const down = mulDivDown(a, b, d);
      const up = mulDivUp(a, b, d);
      expect(up - down).to.be.oneOf([0n, 1n]);
      expect(up === down).to.equal((a * b) % d === 0n);
    }), runs);
    expect(() => mulDivDown(1n, 1n, 0n)).to.throw(RangeError);
  });

  it("a value rounded down never exceeds the value rounded up, by at most one unit", () => {
    fc.assert(fc.property(size, price, contractSize, (s, p, c) => {
      const d = valueDown(s, p, c);
      const up = valueUp(s, p, c);
      expect(up - d).to.be.oneOf([0n, 1n]);
      expect(d * 10n ** 18n <= s * p * c && s * p * c <= up * 10n ** 18n).to.equal(true);
    }), runs);
  });

  it("fees are charged per fill and never less than one fee on the sum", () => {
    fc.assert(fc.property(u(10n ** 15n), u(10n ** 15n), fc.integer({ min: 0, max: 1_000 }), (a, b, bps) => {
      expect(feeUp(a, bps) + feeUp(b, bps) >= feeUp(a + b, bps)).to.equal(true);
    }), runs);
  });

  it("shares round against the depositor: assets of minted shares <= deposit, burnt shares cover the withdrawal", () => {
    fc.assert(fc.property(u(10n ** 15n), u(10n ** 15n), u(10n ** 15n), (amount, assets, shares) => {
      const pool = { marginAssets: assets, marginShares: shares };
      const minted = toSharesDown(amount, pool);
      const after = { marginAssets: assets + amount, marginShares: shares + minted };
      expect(toAssetsDown(minted, after) <= amount).to.equal(true);
      expect(toSharesUp(amount, pool) >= minted).to.equal(true);
    }), runs);
  });

  it("a round trip at one price realizes at most zero and leaves no cost behind", () => {
    fc.assert(fc.property(size.filter((s) => s !== 0n), price, contractSize, (s, p, c) => {
      const open = applyFill(0n, 0n, s, p, c);
      const close = applyFill(s, open.newCost, -s, p, c);
      expect(close.newCost).to.equal(0n);
      expect(close.realized <= 0n && close.realized >= -1n).to.equal(true);
    }), runs);
  });

  it("liquidation size: at most min(size, maxSize), never a remainder below minSize, all of a bankrupt position", () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 10_000n }), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10_000n }), (absSize, eq, maxSize) => {
      const mark = 35n * 10n ** 17n;
      const maintenance = mulDivUp(absSize * mark, params.contractSize * 500n, 10n ** 22n);
      if (eq >= maintenance) return;
      const n = liquidationSize({ ...params, minSize: 2n }, absSize, eq, maintenance, mark, maxSize);
      expect(n >= 0n && n <= absSize && n <= maxSize).to.equal(true);
      const rest = absSize - n;
      expect(rest === 0n || rest >= 2n).to.equal(true);
      if (maxSize >= absSize && eq <= 0n) expect(n).to.equal(absSize); // bankrupt: all of it
      expect(abs(-n)).to.equal(n);
    }), runs);
  });

  it("liquidation reward: the penalty, at most the closed part's share of the equity (review 3's chunking case), 0 when bankrupt", () => {
    const mark = 3_200_640_000_000_000_000n; // 3.20064: alice long 10 from 3.5 has 506.4 USDC of equity
    const eq = 506_400_000n;
    expect(liquidationReward(params, 1n, 10n, eq, mark)).to.equal(50_640_000n); // penalty 64.0128 > 506.4 x 1 / 10
    expect(liquidationReward(params, 10n, 10n, 10_000_000_000n, mark)).to.equal(640_128_000n); // 2 % of 32,006.4
    expect(liquidationReward(params, 10n, 10n, -1n, mark)).to.equal(0n);
  });
});
