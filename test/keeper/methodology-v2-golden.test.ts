import { expect } from "chai";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { computeSeries } from "../../keeper/methodology/chainState.js";
import type { FixingReport } from "../../keeper/methodology/types.js";
import { loadHistory } from "../../keeper/sources/replay.js";

/**
 * Golden ATPI v2 values: the series of one fixing per bundled weekly snapshot (at its commit time), each
 * fixing using the state of the one before as its reference (the first has none). Checked by hand from the
 * company votes the report lists (blend = (3 x input + output) / 4; one vote per company = median of its
 * listings; slot = median of votes, bounded as docs/methodology.md "Methodology v2" states; ATPI = sum(w x
 * slot) / 100 with weights 20/10/20/10/10/10/10/10 in definition order). Where no rule binds, the v2 slot
 * price is the plain median of company votes; the comments show the slots where v2 differs from v1.
 */
describe("ATPI golden values, methodology v2 (K07)", function () {
  this.timeout(60_000);
  const reports = new Map<string, FixingReport>();
  before(async () => {
    const [def, history] = await Promise.all([loadIndexDefinition("ATPI"), loadHistory()]);
    const results = computeSeries(def, history.snapshots.map((s) => ({ at: s.time, polls: [{ time: s.time, quotes: s.quotes }] })));
    history.snapshots.forEach((s, i) => reports.set(s.date, (results[i] as { report: FixingReport }).report));
  });
  const at = (date: string) => {
    const r = reports.get(date);
    if (r === undefined) throw new Error(`no snapshot ${date}`);
    expect(r.methodologyVersion).to.equal(2);
    return r;
  };
  const prices = (r: FixingReport) => r.slots.map((s) => s.priceDecimal);

  it("every weekly snapshot gives a fixing", () => {
    expect([...reports.values()].filter((r) => r.value === null).map((r) => r.timestamp)).to.deep.equal([]);
  });

  it("2025-02-08: first fixing, no reference: medians of company votes equal v1 here (3.4405625)", () => {
    // gpt-4o votes Microsoft 7.5, OpenAI 4.375, OpenRouter 7.5 -> 7.5; 4o-mini Microsoft 0.28875, OpenAI 0.2625 -> 0.275625
    // gemini-1.5-pro: Google's two listings (gemini 5.25, vertex 2.1875) are one vote, their median 3.71875
    const r = at("2025-02-08");
    expect(r.referenceTime).to.equal(null);
    expect(r.value).to.equal("3440562500000000000");
    expect(prices(r)).to.deep.equal(["7.5", "0.275625", "6", "2", "3.71875", "0.21875", "0.715", "0.4775"]);
  });

  it("2025-03-14: DeepSeek's median of 4 votes moves within its band (3.4421875)", () => {
    // deepseek votes 0.175, 0.4775, 0.9, 1.995 -> (0.4775 + 0.9) / 2 = 0.68875; reference 0.4775, band
    // min(0.0125 x 3.4210625 x 100 / 10, 0.5 x 0.4775) = 0.23875 >= 0.21125: not clamped.
    // google-fast: 2 votes (Google 0.21875, OpenRouter 0.175) -> held at 0.21875, nearest the reference
    // 150 + 2.75625 + 120 + 18 + 37.1875 + 2.1875 + 7.2 + 6.8875 = 344.21875
    const r = at("2025-03-14");
    expect(r.valueDecimal).to.equal("3.4421875");
    expect(r.slots[5]?.decisions?.[0]).to.match(/2 votes, price held at 0\.21875/);
  });

  it("2025-03-23: Azure relists gpt-4o at 2.5/10: the flagship moves by its slot budget only (3.39916015625)", () => {
    // votes 4.375, 4.375, 7.5 -> 4.375; reference 7.5; band = 0.0125 x 3.4421875 x 100 / 20 = 0.21513671875
    // -> 7.5 - 0.21513671875 = 7.28486328125; anthropic-mid rolls to claude-3.7-sonnet (6, priced ahead)
    // 145.697265625 + 2.75625 + 120 + 18 + 37.1875 + 2.1875 + 7.2 + 6.8875 = 339.916015625
    const r = at("2025-03-23");
    expect(r.value).to.equal("3399160156250000000");
    expect(r.slots[0]?.priceDecimal).to.equal("7.28486328125");
    expect(r.slots[2]?.model).to.equal("claude-3.7-sonnet");
  });

  it("2025-05-04: still converging toward 4.375 one budget per fixing (3.152058385052403583)", () => {
    expect(at("2025-05-04").value).to.equal("3152058385052403583");
    expect(at("2025-05-04").slots[0]?.priceDecimal).to.equal("6.049354425262017919");
  });

  it("2025-05-10: GPT-4.1 and 4.1-mini enter with the references priced ahead (2.684125)", () => {
    // gpt-4.1 Microsoft 3.5, OpenAI 3.5 -> 3.5; 4.1-mini 0.7, 0.7; llama votes 0.2 0.64 0.71 | 0.72 0.88 0.9375
    // -> (0.71 + 0.72) / 2 = 0.715 (cerebras' two keys are one vote)
    // 70 + 7 + 120 + 18 + 37.1875 + 2.1875 + 7.15 + 6.8875 = 268.4125
    const r = at("2025-05-10");
    expect(r.valueDecimal).to.equal("2.684125");
    expect(prices(r)).to.deep.equal(["3.5", "0.7", "6", "1.8", "3.71875", "0.21875", "0.715", "0.68875"]);
  });

  it("2025-07-11: Gemini 2.5 enters; equals v1 (2.719625)", () => {
    expect(at("2025-07-11").valueDecimal).to.equal("2.719625");
  });

  it("2025-12-19: DeepSeek V3.2 enters at its priced-ahead 0.465 and moves by at most half of it (2.833)", () => {
    // votes 0.31, 0.31, 0.84, 0.855, 1.2 -> 0.84; reference 0.465; band min(0.0125 x 2.85325 x 100 / 10,
    // 0.5 x 0.465) = 0.2325 -> 0.6975. 68.75 + 6.875 + 120 + 20 + 45 + 8.5 + 7.2 + 6.975 = 283.3
    const r = at("2025-12-19");
    expect(r.valueDecimal).to.equal("2.833");
    expect(r.slots[7]?.priceDecimal).to.equal("0.6975");
  });

  it("2026-01-16: GPT-5.2, Gemini 3 Flash, DeepSeek at 0.575 (3.12325)", () => {
    // deepseek votes 0.30175 0.31 0.31 | 0.84 0.84 0.855 -> 0.575, within the band 0.39 of 0.84
    // llama: 14 votes, the 7th and 8th are 0.72 -> 0.72 (v1: 0.72 as well here)
    // 96.25 + 6.875 + 120 + 20 + 45 + 11.25 + 7.2 + 5.75 = 312.325
    const r = at("2026-01-16");
    expect(r.valueDecimal).to.equal("3.12325");
    expect(prices(r)).to.deep.equal(["4.8125", "0.6875", "6", "2", "4.5", "1.125", "0.72", "0.575"]);
  });

  it("2026-03-29: last snapshot; Llama's 15 company votes give 0.72 where v1's 16 listings gave 0.715 (3.12325)", () => {
    // llama votes 0.165 0.1975 0.2 0.20125 0.2725 0.64 0.71 [0.72] 0.72 0.72 0.75 0.88 0.9 0.9375 71000 -> 0.72
    // gpt-5.4 (OpenAI, Microsoft) is announced as a candidate but has 2 of the 3 companies the rule needs
    const r = at("2026-03-29");
    expect(r.value).to.equal("3123250000000000000");
    expect(r.slots[6]?.priceDecimal).to.equal("0.72");
    expect(r.successions?.find((n) => n.identity === "openai-flagship@5.4")).to.deep.include({ companies: 2, listedSince: null });
  });
});

describe("ATPI v2 succession rule on the bundled history (K07: the basket stays current without a config edit)", function () {
  this.timeout(60_000);
  it("without the hand-written gpt-5-mini step, the rule rolls openai-fast to GPT-5 mini at the 2025-10-01 roll", async () => {
    const [def, history] = await Promise.all([loadIndexDefinition("ATPI"), loadHistory()]);
    const slots = def.slots.map((s) => (s.id === "openai-fast" ? { ...s, succession: s.succession.filter((st) => st.identity !== "gpt-5-mini") } : s));
    const results = computeSeries({ ...def, slots }, history.snapshots.map((s) => ({ at: s.time, polls: [{ time: s.time, quotes: s.quotes }] })));
    const at = (date: string) => (results[history.snapshots.findIndex((s) => s.date === date)] as { report: FixingReport }).report;
    // 2025-08-30: GPT-5 mini is listed by OpenAI, Microsoft and OpenRouter (3 companies): announced for the
    // first monthly roll at least 28 days later, 2025-10-01
    expect(at("2025-08-30").successions?.find((n) => n.slot === "openai-fast")).to.deep.include({ identity: "openai-fast@5", companies: 3, entersAt: Date.UTC(2025, 9, 1) / 1000 });
    expect(at("2025-09-27").slots[1]?.model).to.equal("gpt-4.1-mini");
    // the first fixing after the roll: the family's GPT-5 mini keys, at the price priced ahead (0.6875)
    const oct = at("2025-10-04");
    expect(oct.decisions?.join(" ")).to.match(/succession rule: openai-fast rolls from gpt-4\.1-mini to openai-fast@5 at 2025-10-01T00:00:00Z/);
    expect([oct.slots[1]?.model, oct.slots[1]?.priceDecimal, oct.slots[1]?.reference]).to.deep.equal(["openai-fast@5", "0.6875", "0.6875"]);
    expect(at("2026-03-29").slots[1]?.model).to.equal("openai-fast@5");
  });
});
