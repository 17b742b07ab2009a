/** The app's liquidation price estimate (app/src/data.ts) and its display: never past the true level, on the tick. */
import { expect } from "chai";
import fc from "fast-check";
import { liquidationPrice } from "../../app/src/data.js";
import { liqPrice } from "../../app/src/format.js";
import type { Series } from "../../sdk/series.js";
import { BPS, WAD } from "../../sdk/units.js";

// 1,000 USDC per 1.0 of index, 5 % maintenance, tick 0.001.
const series = { params: { contractSize: 1_000_000_000n, maintenanceMarginBps: 500, tickSize: 10n ** 15n } } as unknown as Series;
const usdc = (n: bigint) => n * 1_000_000n;

describe("app liquidation price", () => {
  it("a long 2 @ 3.499 with 698 USDC of margin: 3.31578947… rounded up, shown as 3.316", () => {
    const m = liquidationPrice({ size: 2n, cost: usdc(6_998n), margin: usdc(698n) }, series);
    expect(m).to.equal(3_315_789_473_684_210_527n); // 6,300 / 1,900 = 3.315789473684210526315…, up
    expect(liqPrice(m, series, 2n)).to.equal("3.316");
  });

  it("a short 2 @ 3.499 with 700 USDC of margin: 3.66571428… rounded down, shown as 3.665", () => {
    const m = liquidationPrice({ size: -2n, cost: -usdc(6_998n), margin: usdc(700n) }, series);
    expect(m).to.equal(3_665_714_285_714_285_714n); // 7,698 / 2,100 = 3.665714285714285714285…, down
    expect(liqPrice(m, series, -2n)).to.equal("3.665");
  });

  it("none when flat or unknown; 0 for a long that no positive mark liquidates", () => {
    expect(liquidationPrice({ size: 0n, cost: 0n, margin: usdc(5n) }, series)).to.equal(undefined);
    expect(liqPrice(undefined, series, 2n)).to.equal("–");
    expect(liqPrice(3n * WAD, series, 0n)).to.equal("–");
    const m = liquidationPrice({ size: 1n, cost: usdc(3_000n), margin: usdc(3_000n) }, series);
    expect(m).to.equal(0n);
    expect(liqPrice(m, series, 1n)).to.equal("0");
  });

  it("a long's is the least price at or above the exact level, a short's the greatest at or below", () => {
    const mm = BigInt(series.params.maintenanceMarginBps);
    const cs = series.params.contractSize;
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.boolean(), fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 15n }), (abs, long, entry, margin) => {
      const size = long ? abs : -abs;
      const cost = (size * entry * cs) / WAD;
      const m = liquidationPrice({ size, cost, margin }, series);
      if (m === undefined || m === 0n) return;
      // Exact level x: size * x * cs * k = (cost - margin) * WAD * BPS, with k = BPS -+ mm.
      const lhs = (x: bigint) => size * x * cs * (long ? BPS - mm : BPS + mm);
      const rhs = (cost - margin) * WAD * BPS;
      if (long) expect(lhs(m) >= rhs && lhs(m - 1n) < rhs).to.equal(true);
      else expect(lhs(m) >= rhs && lhs(m + 1n) < rhs).to.equal(true);
    }), { numRuns: 500, seed: 11 });
  });
});
