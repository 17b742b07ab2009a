/** Prices on the series' tick (sdk/units.ts): exact bigint rounding, and liquidation prices rounded toward the position. */
import { expect } from "chai";
import fc from "fast-check";
import { formatLiquidationPrice, formatTickPrice, roundToTick } from "../../sdk/units.js";

const TICK = 10n ** 15n; // 0.001
const P = 3_316n * TICK; // 3.316, on the tick

describe("sdk/units prices on the tick", () => {
  it("a price on the tick is unchanged in every rounding", () => {
    for (const r of ["down", "up", "nearest"] as const) {
      expect(roundToTick(P, TICK, r)).to.equal(P);
      expect(formatTickPrice(P, TICK, r)).to.equal("3.316");
    }
  });

  it("one wei above or below the tick goes to the neighbour ticks; nearest keeps halves up", () => {
    expect(formatTickPrice(P + 1n, TICK, "down")).to.equal("3.316");
    expect(formatTickPrice(P + 1n, TICK, "up")).to.equal("3.317");
    expect(formatTickPrice(P + 1n, TICK)).to.equal("3.316");
    expect(formatTickPrice(P - 1n, TICK, "down")).to.equal("3.315");
    expect(formatTickPrice(P - 1n, TICK, "up")).to.equal("3.316");
    expect(formatTickPrice(P - 1n, TICK)).to.equal("3.316");
    expect(formatTickPrice(P + TICK / 2n, TICK)).to.equal("3.317");
    expect(formatTickPrice(P + TICK / 2n - 1n, TICK)).to.equal("3.316");
  });

  it("a liquidation price rounds up for a long and down for a short, and stays when on the tick", () => {
    expect(formatLiquidationPrice(P + 1n, TICK, 2n)).to.equal("3.317");
    expect(formatLiquidationPrice(P + 1n, TICK, -2n)).to.equal("3.316");
    expect(formatLiquidationPrice(P - 1n, TICK, 2n)).to.equal("3.316");
    expect(formatLiquidationPrice(P - 1n, TICK, -2n)).to.equal("3.315");
    expect(formatLiquidationPrice(P, TICK, 1n)).to.equal("3.316");
    expect(formatLiquidationPrice(P, TICK, -1n)).to.equal("3.316");
  });

  it("a one-wei tick shows every digit; large values stay exact (no JS numbers)", () => {
    expect(formatTickPrice(P + 1n, 1n, "up")).to.equal("3.316000000000000001");
    expect(formatLiquidationPrice(P + 1n, 1n, -1n)).to.equal("3.316000000000000001");
    const big = 2n ** 128n - 1n; // 340282366920938463463.374607431768211455
    expect(formatTickPrice(big, TICK, "up")).to.equal("340282366920938463463.375");
    expect(formatTickPrice(big, TICK, "down")).to.equal("340282366920938463463.374");
    expect(formatLiquidationPrice(big, TICK, 1n)).to.equal("340282366920938463463.375");
  });

  it("zero stays zero; a flat position has no liquidation price; a tick must be positive", () => {
    for (const r of ["down", "up", "nearest"] as const) expect(formatTickPrice(0n, TICK, r)).to.equal("0");
    expect(formatLiquidationPrice(0n, TICK, 1n)).to.equal("0");
    expect(() => formatLiquidationPrice(P, TICK, 0n)).to.throw(RangeError, "flat");
    expect(() => roundToTick(P, 0n, "down")).to.throw(RangeError, "tick must be positive, got 0");
    expect(() => roundToTick(P, -TICK, "up")).to.throw(RangeError);
  });

  it("below zero, down and up still go toward minus and plus infinity", () => {
    expect(roundToTick(-1n, TICK, "down")).to.equal(-TICK);
    expect(roundToTick(-1n, TICK, "up")).to.equal(0n);
    expect(roundToTick(-TICK / 2n, TICK, "nearest")).to.equal(0n);
  });

  it("every rounding lands on the tick next to the price, in its direction", () => {
    const price = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });
    const tick = fc.bigInt({ min: 1n, max: 10n ** 19n });
    fc.assert(fc.property(price, tick, (p, t) => {
      const down = roundToTick(p, t, "down");
      const up = roundToTick(p, t, "up");
      const near = roundToTick(p, t, "nearest");
      for (const x of [down, up, near]) expect(x % t).to.equal(0n);
      expect(down <= p && p <= up && up - down <= t).to.equal(true);
      expect(up - down === 0n).to.equal(p % t === 0n);
      expect(2n * (near > p ? near - p : p - near) <= t).to.equal(true);
    }), { numRuns: 500, seed: 7 });
  });
});
