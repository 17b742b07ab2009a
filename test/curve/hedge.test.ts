/**
 * The hedge calculator (hedge/calc.ts) against hand-checked cases, exact in bigint; the backtest on a small fixed
 * path whose answer is worked out in the comments; the path builder's errors; `npm run hedge --json` on the bundled
 * history (the figures docs/hedging.md quotes).
 */
import { expect } from "chai";
import { backtest, costUp, hedgeContracts, isqrt, marginNeeded, oneMinusRatio, payoffDown, scaledVariance, stdDown } from "../../hedge/calc.js";
import { main } from "../../hedge/cli.js";
import { HistoryError, type MonthlyHistory, modelPath } from "../../hedge/history.js";
import type { IndexDefinition } from "../../keeper/methodology/types.js";

const E18 = 10n ** 18n;
const E9 = 10n ** 9n;
const p = (tenths: bigint) => (tenths * E18) / 10n; // price in tenths of a USD per 1M tokens
const TERMS = { tokensPerMonth: 2n * E9, contractSize: E9, initialMarginBps: 1_000 };

describe("hedge: calculator arithmetic (hand-checked)", () => {
  it("contracts are the value-matched ratio N x p0 / (I0 x contractSize), rounded half up", () => {
    expect(hedgeContracts(TERMS, p(40n), p(20n))).to.equal(4n); // 2e9 x 4 / (2 x 1e9)
    expect(hedgeContracts({ ...TERMS, tokensPerMonth: 1_250_000_000n }, p(30n), p(30n))).to.equal(1n); // 1.25
    expect(hedgeContracts({ ...TERMS, tokensPerMonth: 1_500_000_000n }, p(30n), p(30n))).to.equal(2n); // 1.5 -> 2
    expect(hedgeContracts({ ...TERMS, tokensPerMonth: 400_000_000n }, p(30n), p(30n))).to.equal(0n); // 0.4: too small to hedge
  });

  it("costs round up, futures payoffs toward minus infinity, margin up per series", () => {
    expect(costUp(2n * E9, p(50n))).to.equal(10_000_000_000n); // 2,000 M tokens x 5 USD = 10,000 USDC
    expect(costUp(3n, 1n)).to.equal(1n); // 3e-18 base units -> 1
    expect(payoffDown(4n, E9, p(20n), p(25n))).to.equal(2_000_000_000n); // 4 x 1,000 USDC x 0.5
    expect(payoffDown(1n, 1n, 2n, 1n)).to.equal(-1n); // -1e-18 -> -1
    expect(marginNeeded(TERMS, 4n, p(20n), 3)).to.equal(2_400_000_000n); // 3 x 10 % x 4 x 2.0 x 1,000 USDC
  });

  it("variance, square root and the reduction ratio are exact", () => {
    expect(scaledVariance([1n, 2n, 3n])).to.equal(6n); // 3 x 14 - 36
    expect(stdDown([1n, 2n, 3n])).to.equal(0n); // floor(sqrt(6) / 3)
    expect(stdDown([10n, 20n])).to.equal(5n);
    expect([isqrt(0n), isqrt(1n), isqrt(15n), isqrt(16n), isqrt(10n ** 40n + 1n)]).to.deep.equal([0n, 1n, 3n, 4n, 10n ** 20n]);
    expect(oneMinusRatio(1n, 4n)).to.equal("0.7500");
    expect(oneMinusRatio(3n, 2n), "a hedge that adds risk").to.equal("-0.5000");
    expect(oneMinusRatio(2n, 3n)).to.equal("0.3333");
    expect(oneMinusRatio(1n, 0n), "nothing to reduce").to.equal(null);
  });
});

describe("hedge: backtest on a small fixed path", () => {
  // Entry p0 = 4.0, I0 = 2.0: 4 contracts. Months (model, index): (5.0, 2.5), (3.0, 1.5), (4.4, 2.0).
  // Unhedged 10,000 / 6,000 / 8,800 USDC; futures +2,000 / -2,000 / 0; hedged 8,000 / 8,000 / 8,800.
  // In units of 1e8 base: n x sum(x^2) - sum(x)^2 = 3 x 21,344 - 248^2 = 2,528 (unhedged) and 3 x 20,544 - 248^2 = 128
  // (hedged): variance reduction 1 - 128 / 2,528 = 0.94936...; std = floor(sqrt(2,528e16)) / 3 and floor(sqrt(128e16)) / 3.
  const path = [
    { month: "2025-01", modelPrice: p(40n), index: p(20n) },
    { month: "2025-02", modelPrice: p(50n), index: p(25n) },
    { month: "2025-03", modelPrice: p(30n), index: p(15n) },
    { month: "2025-04", modelPrice: p(44n), index: p(20n) },
  ];

  it("gives the worked answer", () => {
    const b = backtest(TERMS, path);
    expect(b.contracts).to.equal(4n);
    expect(b.marginNeeded).to.equal(2_400_000_000n);
    expect(b.months.map((m) => [m.unhedged, m.payoff, m.hedged])).to.deep.equal([
      [10_000_000_000n, 2_000_000_000n, 8_000_000_000n],
      [6_000_000_000n, -2_000_000_000n, 8_000_000_000n],
      [8_800_000_000n, 0n, 8_800_000_000n],
    ]);
    expect(b.months.map((m) => m.basis)).to.deep.equal([0n, 0n, p(4n)]); // 4.4 - 4.0 x 2.0 / 2.0
    expect(b.unhedgedStd).to.equal(1_675_974_011n);
    expect(b.hedgedStd).to.equal(377_123_616n);
    expect(b.varianceReduction).to.equal("0.9493");
    expect(b.worstMonth.month).to.equal("2025-04");
    expect(b.peakVariationLoss, "2,000 USDC per series x the 2 still open at the end of 2025-03").to.equal(4_000_000_000n);
  });

  it("a model moving against the index makes the reduction negative", () => {
    const against = path.map((m, i) => (i === 0 ? m : { ...m, modelPrice: 2n * path[0]!.modelPrice - m.modelPrice }));
    const b = backtest(TERMS, against);
    expect(b.varianceReduction!.startsWith("-")).to.equal(true);
    expect(b.hedgedStd > b.unhedgedStd).to.equal(true);
  });

  it("needs an entry month and a plan month", () => {
    expect(() => backtest(TERMS, path.slice(0, 1))).to.throw(RangeError);
  });
});

describe("hedge: price paths", () => {
  const def = { name: "T", slots: [{ id: "a", weight: "3" }, { id: "b", weight: "1" }], identities: { m: [] } } as unknown as IndexDefinition;
  const month = (m: string, a: bigint | null, idx: bigint | null, model: bigint | null) => ({ month: m, date: `${m}-28`, index: idx, slots: { a, b: p(10n) }, identities: { m: model } });
  const h: MonthlyHistory = { def, months: [month("2025-01", p(20n), p(18n), null), month("2025-02", p(30n), p(25n), p(7n)), month("2025-03", p(30n), p(25n), p(8n))] };

  it("follows a slot, an identity or the weighted basket from --from, cut at the history's end", () => {
    expect(modelPath(h, "a", 5).map((m) => m.modelPrice)).to.deep.equal([p(20n), p(30n), p(30n)]);
    expect(modelPath(h, "m", 1, "2025-02").map((m) => m.modelPrice)).to.deep.equal([p(7n), p(8n)]);
    expect(modelPath(h, "basket", 0).map((m) => m.modelPrice)).to.deep.equal([(3n * p(20n) + p(10n)) / 4n]);
  });

  it("refuses an unknown model, an unknown month and an unpriced month", () => {
    expect(() => modelPath(h, "zz", 1)).to.throw(HistoryError, /unknown model/);
    expect(() => modelPath(h, "a", 1, "2024-12")).to.throw(HistoryError, /not in the history/);
    expect(() => modelPath(h, "m", 1)).to.throw(HistoryError, /unpriced at the end of 2025-01/);
  });
});

describe("hedge: npm run hedge on the bundled history", function () {
  this.timeout(60_000);
  const NOW = "1796083200"; // 2026-12-01

  it("--model prints contracts, margin, both stds and the variance reduction; the basket run covers every slot", async () => {
    const one = (await main(["--model", "openai-flagship", "--tokens-per-month", "10000000000", "--months", "12", "--now", NOW, "--json"])).json as Record<string, unknown>;
    for (const k of ["contracts", "marginNeeded", "unhedgedStd", "hedgedStd", "varianceReduction", "assumptions", "series"]) expect(one).to.have.property(k);
    expect((one.series as unknown[]).length).to.equal(12);
    expect((one.backtest as { contracts: bigint }).contracts).to.equal(22n); // 1e10 x 7.5 / (3.4410625 x 1e9)
    expect(one.varianceReduction).to.equal("0.6241");

    const all = (await main(["--basket", "--tokens-per-month", "10000000000", "--months", "12", "--now", NOW])).json as {
      slots: { model: string; varianceReduction: string | null }[];
      basket: { varianceReduction: string | null };
    };
    expect(all.slots.map((s) => s.model)).to.deep.equal(["openai-flagship", "openai-fast", "anthropic-mid", "anthropic-fast", "google-pro", "google-fast", "llama-3.3-70b", "deepseek-chat"]);
    expect(all.basket.varianceReduction, "ATPI prices the basket itself: only rounding and v2's bounds are left").to.equal("0.9999");
  });
});
