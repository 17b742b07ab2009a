import { expect } from "chai";
import fc from "fast-check";
import { chainStateFromJson, chainStateToJson } from "../../keeper/methodology/chainState.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { withMethodologyVersion } from "../../keeper/methodology/definition.js";
import type { ChainState, FixingResult, Quote } from "../../keeper/methodology/types.js";
import { T, q, testDefinitionV2 } from "./methodologyFixtures.js";

const def = testDefinitionV2();
const E18 = 10n ** 18n;
const DAY = 86_400;

/** Input = output = price, so blend = price. */
const flat = (provider: string, model: string, price: string): Quote => q(provider, model, price, price);

/** A market: slot a (A: a-1) at 2 by p1, p3, p4; b at 1 by p3, p4, p5; c (C until T, then C2) at 4 by p4, p5, p6. */
function market(extra: Quote[] = [], drop: (x: Quote) => boolean = () => false): Quote[] {
  const base = [
    flat("p1", "a-1", "2"),
    flat("p3", "a-1", "2"),
    flat("p4", "a-1", "2"),
    flat("p3", "b", "1"),
    flat("p4", "b", "1"),
    flat("p5", "b", "1"),
    flat("p4", "c2", "4"),
    flat("p5", "c2", "4"),
    flat("p6", "c2", "4"),
    flat("p4", "c", "4"),
    flat("p5", "c", "4"),
    flat("p6", "c", "4"),
  ];
  return [...base.filter((x) => !drop(x)), ...extra];
}

function fix(quotes: Quote[], at = T, previous?: ChainState): FixingResult {
  return computeFixing(def, [{ time: at, quotes }], at, { previous });
}

function stateOf(r: FixingResult): ChainState {
  if (!r.ok || r.chainState === undefined) throw new Error(`no state: ${r.ok ? "" : r.reason.message}`);
  return r.chainState;
}

const slot = (r: FixingResult, id: string) => r.report.slots.find((s) => s.id === id);

describe("methodology v2 (K07: one company, one listing, one source)", () => {
  // honest level: (50 x 2 + 30 x 1 + 20 x 4) / 100 = 2.1
  const honest = fix(market(), T - DAY);
  const reference = stateOf(honest);

  it("binds the version into the fixing, the report and the inputsHash; returns the next reference state", () => {
    expect(honest.ok && honest.fixing).to.include({ value: 2_100_000_000_000_000_000n, methodologyVersion: 2 });
    expect(honest.report.methodologyVersion).to.equal(2);
    expect(honest.report.referenceTime).to.equal(null);
    const v1 = computeFixing(withMethodologyVersion(def, 1), [{ time: T - DAY, quotes: market() }], T - DAY);
    expect(v1.report.value).to.equal(honest.report.value);
    expect(v1.report.inputsHash).to.not.equal(honest.report.inputsHash);
    expect(reference.prices).to.deep.include({ A: 2n * E18, B: E18, C: 4n * E18, C2: 4n * E18 });
    expect(chainStateFromJson(JSON.parse(JSON.stringify(chainStateToJson(reference))))).to.deep.equal(reference);
  });

  it("counts one vote per company: two listings of one owner are one median vote", () => {
    // A lists a-1 twice (p1 at 2, p2 at 100): its vote is their median 51; votes {2, 2, 51} -> median 2
    const r = fix(market([flat("p2", "a-1", "100")]), T - DAY);
    const votes = slot(r, "a")?.votes?.[0]?.votes;
    expect(votes?.map((v) => [v.company, v.vote, v.providers.join("+")])).to.deep.equal([
      ["A", "51", "p1+p2"],
      ["B", "2", "p3"],
      ["C", "2", "p4"],
    ]);
    expect(slot(r, "a")?.priceDecimal).to.equal("2");
  });

  it("a reference bounds a thin slot: 2 votes hold the price nearest the reference, 1 vote moves within the band", () => {
    // slot b with only p3 and p5: p5 lies at 1000 -> without a reference the median of {1, 1000} is 500.5
    const thin = market([flat("p5", "b", "1000")], (x) => x.model === "b" && x.provider !== "p3");
    expect(slot(fix(thin, T - DAY), "b")?.priceDecimal).to.equal("500.5");
    const r = fix(thin, T, reference);
    expect(slot(r, "b")?.priceDecimal).to.equal("1"); // the point of [1, 1000] nearest the reference 1
    expect(slot(r, "b")?.decisions?.[0]).to.match(/2 votes, price held at 1 /);
    // one vote at 1000: band = min(0.0125 x 2.1 x 100 / 30, 0.5 x 1) = 0.0875 -> 1.0875
    const single = fix(market([flat("p5", "b", "1000")], (x) => x.model === "b"), T, reference);
    expect(slot(single, "b")?.priceDecimal).to.equal("1.0875");
    expect(single.ok && single.fixing.value).to.equal(2_126_250_000_000_000_000n); // + 30 x 0.0875 / 100
  });

  it("a heavy slot's move per fixing is capped by the slot budget (1.25 % of the level)", () => {
    // every seller of slot a halves its price: a may move 0.0125 x 2.1 x 100 / 50 = 0.0525 only
    const r = fix(market().map((x) => (x.model === "a-1" ? flat(x.provider, x.model, "1") : x)), T, reference);
    expect(slot(r, "a")?.priceDecimal).to.equal("1.9475");
    expect(slot(r, "a")?.decisions?.[0]).to.match(/move limit: 1 clamped to 1\.9475/);
    expect(r.ok && r.fixing.value).to.equal(2_073_750_000_000_000_000n); // 2.1 - 0.02625
  });

  it("refuses a whole source off by x1000 or x0.001: scale check with a reference, plausible range without", () => {
    const scaled = (k: string) => market().map((x) => flat(x.provider, x.model, `${x.input}e${k}`));
    for (const k of ["3", "-3"]) {
      const withRef = fix(scaled(k), T, reference);
      expect(withRef.ok).to.equal(false);
      expect(withRef.report.noFixingReason).to.deep.include({ code: "SOURCE_SCALE_SUSPECT", factor: "10" });
    }
    const noRef = fix(market().map((x) => flat(x.provider, x.model, `${x.input}e6`)), T);
    expect(noRef.report.noFixingReason).to.deep.include({ code: "IMPLAUSIBLE_VALUE", max: "1000" });
  });

  it("a succession step waits for a reference price: the next step is priced ahead, so it enters on time", () => {
    // c switches from C to C2 on 2025-06-01 (= T). The day before, C2 is the next step and is priced ahead.
    const before = fix(market(), T - DAY);
    expect(slot(before, "c")?.model).to.equal("C");
    const state = stateOf(before);
    expect(state.prices?.["C2"]).to.equal(4n * E18);
    expect(slot(fix(market(), T, state), "c")?.model).to.equal("C2");
    // without the price ahead, the slot keeps C for one fixing and says why
    const { C2: _, ...rest } = state.prices ?? {};
    const late = fix(market(), T, { ...state, prices: rest });
    expect(slot(late, "c")?.model).to.equal("C");
    expect(late.report.decisions?.join(" ")).to.match(/keeps C for this fixing: C2 has no reference price yet/);
    expect(stateOf(late).prices?.["C2"]).to.equal(4n * E18);
  });

  it("the succession rule rolls to a newer family version at the monthly roll once 3 companies listed it for 28 days, announced ahead", () => {
    const newer = (price: string) => ["p1", "p3", "p4"].map((p) => flat(p, "a-2", price));
    const may1 = Date.UTC(2025, 4, 1) / 1000;
    // first seen 2025-04-20 with 3 companies: announced, enters at the first roll 28 days later (2025-06-01)
    const seen = fix([...market(), ...newer("2.5")], may1 - 11 * DAY, reference);
    const notice = seen.report.successions?.find((n) => n.identity === "a@2");
    expect(notice).to.deep.include({ slot: "a", companies: 3, listedSince: may1 - 11 * DAY, entersAt: Date.UTC(2025, 5, 1) / 1000 });
    // 2025-05-01 roll: listed 11 days only -> no roll
    const may = fix([...market(), ...newer("2.5")], may1 + DAY, stateOf(seen));
    expect(slot(may, "a")?.model).to.equal("A");
    // 2025-06-01 roll: listed 42 days -> slot a follows a@2 (with its reference price from the fixings ahead)
    const june = fix([...market(), ...newer("2.5")], Date.UTC(2025, 5, 1) / 1000 + DAY, stateOf(may));
    expect(slot(june, "a")?.model).to.equal("a@2");
    expect(slot(june, "a")?.priceDecimal).to.equal("2.5");
    expect(june.report.decisions?.join(" ")).to.match(/succession rule: a rolls from A to a@2 at 2025-06-01T00:00:00Z/);
    expect(stateOf(june).rolls).to.deep.equal({ a: { identity: "a@2", from: Date.UTC(2025, 5, 1) / 1000 } });
    // only two companies: announced as not eligible, never rolls
    const two = fix([...market(), ...newer("2.5").slice(0, 2)], may1 - 11 * DAY, reference);
    expect(two.report.successions?.find((n) => n.identity === "a@2")).to.deep.include({ companies: 2, listedSince: null, entersAt: null });
  });

  it("the report and the inputsHash bind the reference: another reference, another hash", () => {
    const a = fix(market(), T, reference);
    const b = fix(market(), T, { ...reference, prices: { ...reference.prices, B: 2n * E18 } });
    expect(a.report.referenceTime).to.equal(T - DAY);
    expect(slot(a, "b")?.reference).to.equal("1");
    expect(a.report.inputsHash).to.not.equal(b.report.inputsHash);
  });

  it("quote order changes nothing: report bytes, hash and state (fast-check, fixed seed)", () => {
    const quotes = [...market([flat("p2", "a-1", "100"), flat("p5", "b", "1000")]), ...["p1", "p3", "p4"].map((p) => flat(p, "a-2", "2.5")), flat("p5", "a-2.0", "2.4")];
    const base = fix(quotes, T, reference);
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: quotes.length, maxLength: quotes.length }), (keys) => {
        const shuffled = quotes.map((x, i) => ({ x, k: keys[i] as number })).sort((a, b) => a.k - b.k).map((e) => e.x);
        const r = fix(shuffled, T, reference);
        expect(JSON.stringify(r.report)).to.equal(JSON.stringify(base.report));
        expect(chainStateToJson(stateOf(r))).to.deep.equal(chainStateToJson(stateOf(base)));
      }),
      { seed: 20261201, numRuns: 100 },
    );
  });
});
