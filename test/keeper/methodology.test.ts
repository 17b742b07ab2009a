import { expect } from "chai";
import { encodeAbiParameters, keccak256, parseAbiParameters } from "viem";
import { indexIdFromName } from "../../sdk/oracle.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import type { FixingResult, Poll, Quote } from "../../keeper/methodology/types.js";
import { T, q, testDefinition } from "./methodologyFixtures.js";

const def = testDefinition();
/** Quotes whose blend (3 in + out) / 4 is exactly `blend`: input = output = blend. */
const flat = (provider: string, model: string, blend: string): Quote => q(provider, model, blend, blend);
const one = (quotes: Quote[], time = T): Poll[] => [{ time, quotes }];
const slot = (r: FixingResult, id: string) => {
  const s = r.report.slots.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no slot ${id}`);
  return s;
};
const base = [flat("p1", "b", "4"), flat("p1", "c2", "1")];

describe("methodology: slot prices, weights, contingency", () => {
  it("blends 3:1 exactly from per-token text (scale 6)", () => {
    const r = computeFixing(def, one([q("p1", "a", "2.5e-06", "1e-05", 6), ...base]), T);
    // (3 x 2.5 + 10) / 4 = 4.375
    expect(slot(r, "a").quotes[0]).to.deep.include({ input: "2.5", output: "10", blend: "4.375" });
    expect(slot(r, "a").price).to.equal("4375000000000000000");
  });

  it("keeps a quote at exactly 5x or 1/5 of the median, drops strictly beyond", () => {
    // median of 1, 1, 5 is 1: 5 = 5 x 1 is not strictly greater => kept, slot = 1
    let r = computeFixing(def, one([flat("p1", "a", "1"), flat("p2", "a", "1"), flat("p3", "a", "5"), ...base]), T);
    expect(slot(r, "a").quotes).to.have.length(3);
    r = computeFixing(def, one([flat("p1", "a", "1"), flat("p2", "a", "1"), flat("p3", "a", "5.000000000000000000001"), ...base]), T);
    expect(slot(r, "a").excluded.map((e) => e.reason)).to.deep.equal(["outlier: blend 5.000000000000000000001 > 5 x median 1"]);
    r = computeFixing(def, one([flat("p1", "a", "1"), flat("p2", "a", "1"), flat("p3", "a", "0.2"), ...base]), T);
    expect(slot(r, "a").excluded).to.deep.equal([]);
    r = computeFixing(def, one([flat("p1", "a", "1"), flat("p2", "a", "1"), flat("p3", "a", "0.19999"), ...base]), T);
    expect(slot(r, "a").excluded[0]?.reason).to.equal("outlier: blend 0.19999 < median 1 / 5");
  });

  it("takes the median of the remaining quotes (even count: mean of the middle two)", () => {
    // blends 1, 2, 3, 1000: median (2 + 3) / 2 = 2.5; 1000 > 12.5 dropped; median of 1, 2, 3 = 2
    const r = computeFixing(def, one([flat("p1", "a", "1"), flat("p2", "a", "2"), flat("p3", "a", "3"), flat("p4", "a", "1000"), ...base]), T);
    expect(slot(r, "a").priceDecimal).to.equal("2");
    // blends 1, 2 => 1.5
    const r2 = computeFixing(def, one([flat("p1", "a", "1"), flat("p2", "a", "2"), ...base]), T);
    expect(slot(r2, "a").priceDecimal).to.equal("1.5");
  });

  it("excludes quotes without both prices present, numeric and > 0, with the reason", () => {
    const bad = [
      q("p1", "a", undefined, "1"),
      q("p2", "a", "1", undefined),
      q("p3", "a", "0", "1"),
      q("p4", "a", "-1", "1"),
      q("p5", "a", "<null>", "1"),
    ];
    const r = computeFixing(def, one([...bad, ...base]), T);
    expect(slot(r, "a").price).to.equal(null);
    expect(slot(r, "a").excluded.map((e) => `${e.provider}: ${e.reason}`)).to.deep.equal([
      "p1: missing input price",
      "p2: missing output price",
      "p3: input price is not strictly positive: 0",
      "p4: input price is not strictly positive: -1",
      'p5: input price is not a usable decimal (not a decimal number: "<null>")',
    ]);
  });

  it("ignores quotes of other models and counts identical duplicates once; conflicting duplicates are all excluded", () => {
    const r = computeFixing(def, one([flat("p1", "a", "2"), flat("p1", "a", "2"), flat("p9", "a", "100"), flat("p1", "zz", "9"), ...base]), T);
    expect(slot(r, "a").quotes).to.have.length(1);
    const r2 = computeFixing(def, one([flat("p1", "a", "2"), flat("p1", "a", "3"), flat("p2", "a", "5"), ...base]), T);
    expect(slot(r2, "a").priceDecimal).to.equal("5");
    expect(slot(r2, "a").excluded.map((e) => e.reason)).to.deep.equal([
      "conflicting duplicate quotes for (p1, a)",
      "conflicting duplicate quotes for (p1, a)",
    ]);
  });

  it("follows the succession: the active identity is the last step effective at or before t", () => {
    const quotes = [flat("p1", "a", "2"), flat("p1", "b", "4"), flat("p1", "c", "1"), flat("p1", "c2", "3")];
    expect(slot(computeFixing(def, one(quotes, T - 1), T - 1), "c").model).to.equal("C");
    expect(slot(computeFixing(def, one(quotes), T), "c").model).to.equal("C2");
    const before = computeFixing(def, one(quotes, 1_700_000_000), 1_700_000_000); // 2023: no step yet
    expect(before.ok).to.equal(false);
    expect(slot(before, "a").model).to.equal(null);
  });

  it("renormalises weights over priced slots and rounds the index toward zero once", () => {
    // c unpriced: (50 x 2 + 30 x 4) / 80 = 2.75
    const r = computeFixing(def, one([flat("p1", "a", "2"), flat("p1", "b", "4")]), T);
    expect(r.ok).to.equal(true);
    expect(r.report.valueDecimal).to.equal("2.75");
    expect(r.report.pricedWeight).to.equal("80");
    // all priced: (50 x 1 + 30 x 1 + 20 x 2) / 100 = 1.2; with weights 1/1/1: 4 / 3 = 1.333...3 (18 digits)
    const third = testDefinition({
      slots: def.slots.map((s) => ({ id: s.id, name: s.name, weight: "1", succession: s.succession.map((x) => ({ from: x.fromText, identity: x.identity })) })),
    });
    const r3 = computeFixing(third, one([flat("p1", "a", "1"), flat("p1", "b", "1"), flat("p1", "c2", "2")]), T);
    expect(r3.report.value).to.equal("1333333333333333333");
  });

  it("fixes at exactly 60 % of the weight and not below", () => {
    const sixty = testDefinition({
      slots: [
        { id: "a", name: "a", weight: "60", succession: [{ from: "2025-01-01", identity: "A" }] },
        { id: "b", name: "b", weight: "40", succession: [{ from: "2025-01-01", identity: "B" }] },
      ],
    });
    expect(computeFixing(sixty, one([flat("p1", "a", "2")]), T).ok).to.equal(true);
    const r = computeFixing(sixty, one([flat("p1", "b", "2")]), T);
    expect(r.ok).to.equal(false);
    if (r.ok) return;
    expect(r.reason).to.deep.equal({
      code: "INSUFFICIENT_PRICED_WEIGHT",
      message: "priced weight 40 of 100 is below the required share 0.6",
      pricedWeight: "40",
      totalWeight: "100",
      requiredShare: "0.6",
    });
    expect(r.report.value).to.equal(null);
    expect(r.report.noFixingReason?.code).to.equal("INSUFFICIENT_PRICED_WEIGHT");
  });

  it("gives typed reasons for an empty window and for polls after the fixing time", () => {
    const empty = computeFixing(def, [], T);
    expect(empty.ok).to.equal(false);
    expect(empty.report.noFixingReason?.code).to.equal("NO_POLLS");
    const late = computeFixing(def, one([flat("p1", "a", "2"), ...base], T + 1), T);
    expect(late.report.noFixingReason).to.deep.include({ code: "POLL_AFTER_FIXING_TIME", pollTime: T + 1 });
  });
});

describe("methodology: multi-poll windows", () => {
  it("per slot takes the mean of per-poll prices; a slot priced in fewer than half the polls is unpriced", () => {
    const polls: Poll[] = [
      { time: T - 600, quotes: [flat("p1", "a", "1"), flat("p1", "b", "4"), flat("p1", "c2", "1")] },
      { time: T - 300, quotes: [flat("p1", "a", "2"), flat("p1", "c2", "1")] },
      { time: T, quotes: [flat("p1", "a", "4")] },
    ];
    const r = computeFixing(def, polls, T);
    // a: (1 + 2 + 4) / 3 = 2.333...3 (toward zero); b: 1 of 3 polls < 0.5 => unpriced; c: 2 of 3 => 1
    expect(slot(r, "a").price).to.equal("2333333333333333333");
    expect(slot(r, "a").pollPrices).to.deep.equal(["1000000000000000000", "2000000000000000000", "4000000000000000000"]);
    expect(slot(r, "b").price).to.equal(null);
    expect(slot(r, "c").priceDecimal).to.equal("1");
    // (50 x 2.333333333333333333 + 20 x 1) / 70 = 1.952380952380952380 (toward zero)
    expect(r.report.value).to.equal("1952380952380952380");
    expect(r.report.polls).to.deep.equal([T - 600, T - 300, T]);
  });

  it("a single bad poll cannot set the price: it weighs 1/n in the mean, and an unpriced poll is ignored", () => {
    const good = [flat("p1", "a", "2"), flat("p2", "a", "2"), ...base];
    const polls: Poll[] = [0, 1, 2, 3, 4].map((i) => ({ time: T - 60 * i, quotes: good }));
    polls.push({ time: T - 300, quotes: [flat("p1", "a", "2000"), flat("p2", "a", "2000")] });
    const r = computeFixing(def, polls, T);
    // mean over 6 polls of 2, 2, 2, 2, 2, 2000 = 335: the x1000 poll weighs 1/6, it does not set the price ...
    expect(slot(r, "a").priceDecimal).to.equal("335");
    // ... and a poll whose quotes are garbage prices nothing and is ignored by the mean
    polls[5] = { time: T - 300, quotes: [q("p1", "a", "0", "0"), q("p2", "a", "x", "y")] };
    expect(slot(computeFixing(def, polls, T), "a").priceDecimal).to.equal("2");
  });
});

describe("methodology: inputsHash", () => {
  const quotes = [flat("p2", "a", "2"), flat("p1", "a", "3"), flat("p1", "b", "4"), flat("p1", "c2", "1"), flat("p3", "a", "999")];

  it("is keccak256 of the documented ABI encoding of the quotes used (reproduced independently)", () => {
    const r = computeFixing(def, one(quotes), T);
    const expected = keccak256(
      encodeAbiParameters(parseAbiParameters("bytes32, uint32, (string, string, (uint64, (string, string, string, string)[])[])[]"), [
        indexIdFromName("TEST"),
        1,
        [
          ["a", "A", [[BigInt(T), [["p1", "a", "3", "3"], ["p2", "a", "2", "2"]]]]], // p3 (999) is an outlier, not hashed
          ["b", "B", [[BigInt(T), [["p1", "b", "4", "4"]]]]],
          ["c", "C2", [[BigInt(T), [["p1", "c2", "1", "1"]]]]],
        ],
      ]),
    );
    expect(r.report.inputsHash).to.equal(expected);
    expect(r.ok && r.fixing.inputsHash).to.equal(expected);
  });

  it("does not depend on quote order or on excluded quotes, and changes with any used price", () => {
    const h = computeFixing(def, one(quotes), T).report.inputsHash;
    expect(computeFixing(def, one([...quotes].reverse()), T).report.inputsHash).to.equal(h);
    const otherOutlier = quotes.map((x) => (x.provider === "p3" ? flat("p3", "a", "5000") : x));
    expect(computeFixing(def, one(otherOutlier), T).report.inputsHash).to.equal(h);
    const moved = quotes.map((x) => (x.provider === "p2" ? q("p2", "a", "2", "2.000001") : x));
    expect(computeFixing(def, one(moved), T).report.inputsHash).to.not.equal(h);
    // the same price written differently ("2e0", "2.000") is the same input
    const rewritten = quotes.map((x) => (x.provider === "p2" ? q("p2", "a", "2e0", "2.000") : x));
    expect(computeFixing(def, one(rewritten), T).report.inputsHash).to.equal(h);
  });
});

describe("methodology: chain-linked variant", () => {
  const chain = testDefinition({ linking: "chain" });
  const day = 86_400;

  it("starts at the tier value, then moves by weighted matched-model relatives; a succession switch does not jump", () => {
    // t0 (before the c switch): a 2, b 4, C 1 => tier = (100 + 120 + 20) / 100 = 2.4
    const t0 = T - day;
    const r0 = computeFixing(chain, one([flat("p1", "a", "2"), flat("p1", "b", "4"), flat("p1", "c", "1")], t0), t0);
    expect(r0.ok && r0.report.valueDecimal).to.equal("2.4");
    if (!r0.ok || r0.chainState === undefined) throw new Error("no chain state");
    // t1: c switches to C2 (3, dearer); old C still quoted at 1 => all relatives 1 => level stays 2.4
    const r1 = computeFixing(chain, one([flat("p1", "a", "2"), flat("p1", "b", "4"), flat("p1", "c", "1"), flat("p1", "c2", "3")]), T, { previous: r0.chainState });
    expect(r1.report.valueDecimal).to.equal("2.4");
    expect(slot(r1, "c").link).to.deep.equal({ baseModel: "C", basePrice: "1000000000000000000", currentPrice: "1000000000000000000", relative: "1" });
    if (!r1.ok || r1.chainState === undefined) throw new Error("no chain state");
    expect(r1.chainState.bases["c"]).to.deep.equal({ model: "C2", price: 3_000_000_000_000_000_000n });
    // t2: C2 halves to 1.5 => level = 2.4 x (50 + 30 + 20 x 0.5) / 100 = 2.16
    const r2 = computeFixing(chain, one([flat("p1", "a", "2"), flat("p1", "b", "4"), flat("p1", "c2", "1.5")], T + day), T + day, { previous: r1.chainState });
    expect(r2.report.valueDecimal).to.equal("2.16");
  });

  it("has no fixing when the linked weight is below 60 %", () => {
    const t0 = T - day;
    const r0 = computeFixing(chain, one([flat("p1", "a", "2"), flat("p1", "b", "4"), flat("p1", "c", "1")], t0), t0);
    if (!r0.ok || r0.chainState === undefined) throw new Error("no chain state");
    // at T only b (30) and the new C2 are quoted: a and the old C are not => linked weight 30 < 60
    const r = computeFixing(chain, one([flat("p1", "b", "4"), flat("p1", "c2", "3")]), T, { previous: r0.chainState });
    expect(r.ok).to.equal(false);
    expect(r.report.noFixingReason?.code).to.equal("INSUFFICIENT_PRICED_WEIGHT");
  });
});
