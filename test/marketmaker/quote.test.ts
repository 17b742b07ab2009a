/** The market maker's quoting (keeper/marketmaker/quote.ts): fair value, ticks, spread, band, inventory and margin limits. */
import { expect } from "chai";
import type { Hex } from "viem";
import { parseQuotes } from "../../keeper/marketmaker/config.js";
import { type QuoteLimits, type SeriesView, desiredQuotes, fairValue, sameQuotes } from "../../keeper/marketmaker/quote.js";
import { defaultSeriesParams } from "../../scripts/lib/deploy.js";
import { indexIdFromName } from "../../sdk/oracle.js";

const E15 = 10n ** 15n; // one tick (0.001)
const DAY = 86_400n;
const T0 = 1_800_000_000n;
const I = 3_000n * E15; // index 3.000
const LIMITS: QuoteLimits = { spreadBps: 100, levelStepBps: 50, levels: 1, size: 5n, maxInventory: 20n, maxMargin: 10n ** 12n, carryBpsPerYear: 0 };
const view = (id: string, position = 0n, mark = I, expiry = T0 + 30n * DAY): SeriesView => ({
  id: `0x${id.padStart(64, "0")}` as Hex,
  params: defaultSeriesParams(indexIdFromName("ATPI"), expiry),
  mark,
  position,
});

describe("market maker: quoting", () => {
  it("fair value is the index plus the stated carry over the time from the fixing to expiry", () => {
    expect(fairValue(I, T0, T0 + 365n * DAY, 0)).to.equal(I);
    expect(fairValue(I, T0, T0 + 365n * DAY, 1_000)).to.equal(3_300n * E15); // +10 % a year, one year
    expect(fairValue(I, T0, T0 + 73n * DAY, -1_000)).to.equal(2_940n * E15); // -10 % a year, 0.2 years
    expect(fairValue(I, T0 + DAY, T0, 1_000), "no carry after expiry").to.equal(I);
  });

  it("quotes both sides on the tick, half the spread each way, levels further out", () => {
    const q = desiredQuotes([view("1")], I, T0, { ...LIMITS, levels: 2 });
    // bid 3.000 x (1 - 0.005) = 2.985; ask 3.015; level 2: 1 % each way -> 2.970 / 3.030
    expect(q.map((x) => [x.isBuy, x.price / E15, x.size])).to.deep.equal([
      [true, 2_985n, 5n],
      [true, 2_970n, 5n],
      [false, 3_015n, 5n],
      [false, 3_030n, 5n],
    ]);
  });

  it("never crosses itself: a spread below one tick still leaves bid < ask; prices stay inside the mark's band", () => {
    const tight = desiredQuotes([view("1")], I + 1n, T0, { ...LIMITS, spreadBps: 1 });
    const [bid, ask] = [tight.find((x) => x.isBuy)!, tight.find((x) => !x.isBuy)!];
    expect(bid.price < ask.price).to.equal(true);
    // The mark lags the index by 15 %: the bid is clamped to mark + 10 % band; with the ask clamped too, nothing is left.
    const lagging = desiredQuotes([view("1", 0n, 2_600n * E15)], I, T0, LIMITS);
    expect(lagging.every((x) => x.price <= 2_860n * E15)).to.equal(true);
    expect(lagging).to.deep.equal([]);
  });

  it("inventory: no bid at +maxInventory, a smaller bid just below it, no ask at -maxInventory", () => {
    const full = desiredQuotes([view("1", 20n)], I, T0, LIMITS);
    expect(full.map((x) => [x.isBuy, x.size])).to.deep.equal([[false, 5n]]);
    const near = desiredQuotes([view("1", 18n)], I, T0, LIMITS);
    expect(near.map((x) => [x.isBuy, x.size])).to.deep.equal([[true, 2n], [false, 5n]]);
    expect(desiredQuotes([view("1", -20n)], I, T0, LIMITS).map((x) => x.isBuy)).to.deep.equal([true]);
  });

  it("margin: series beyond the budget get only the side that reduces the position", () => {
    // One series fully quoted from flat needs 10 % x 5 x 3.0 x 1,000 USDC = 1,500 USDC.
    const budget = { ...LIMITS, maxMargin: 1_500_000_000n };
    const q = desiredQuotes([view("1"), view("2", 4n)], I, T0, budget);
    expect(q.filter((x) => x.seriesId === view("1").id)).to.have.length(2);
    expect(q.filter((x) => x.seriesId === view("2").id).map((x) => [x.isBuy, x.size])).to.deep.equal([[false, 4n]]);
    expect(desiredQuotes([view("1")], I, T0, { ...LIMITS, maxMargin: 1_499_999_999n })).to.deep.equal([]);
  });

  it("is deterministic and compares open orders by series, side, price and size", () => {
    const a = desiredQuotes([view("1"), view("2")], I, T0, LIMITS);
    expect(desiredQuotes([view("1"), view("2")], I, T0, LIMITS)).to.deep.equal(a);
    expect(sameQuotes([...a].reverse(), a)).to.equal(true);
    expect(sameQuotes(a.slice(1), a)).to.equal(false);
    expect(sameQuotes(a.map((x, i) => (i === 0 ? { ...x, size: x.size - 1n } : x)), a), "a partial fill differs").to.equal(false);
  });

  it("validates the quotes file", () => {
    expect(parseQuotes({ spreadBps: 100, size: 5, maxInventory: "20", maxMargin: 1000 }).maxInventory).to.equal(20n);
    expect(() => parseQuotes({ spreadBps: 0, size: 5, maxInventory: 20, maxMargin: 1 })).to.throw(/spreadBps/);
    expect(() => parseQuotes({ spreadBps: 10, size: 0, maxInventory: 20, maxMargin: 1 })).to.throw(/size/);
    expect(() => parseQuotes({ spreadBps: 10, size: 1, maxInventory: 20, maxMargin: 1, extra: 1 })).to.throw(/extra/);
  });
});
