import { expect } from "chai";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { chainStateFromJson, chainStateToJson, computeSeries } from "../../keeper/methodology/chainState.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { withMethodologyVersion } from "../../keeper/methodology/definition.js";
import type { FixingReport, IndexDefinition } from "../../keeper/methodology/types.js";
import { type PriceHistory, loadHistory } from "../../keeper/sources/replay.js";

/**
 * Golden ATPI values on the bundled weekly history (data/llm-prices), one fixing per snapshot at the
 * snapshot's commit time. Each value was checked by hand from the quotes listed in the comment:
 * blend = (3 x input + output) / 4 (USD per 1M tokens); slot = median of blends after dropping those
 * > 5x or < 1/5 of the median; ATPI = sum(weight x slot) / 100 (all 8 slots priced, weights
 * 20/10/20/10/10/10/10/10 for openai-flagship, openai-fast, anthropic-mid, anthropic-fast, google-pro,
 * google-fast, llama-3.3-70b, deepseek-chat).
 */
describe("ATPI golden values on the bundled history (methodology v1)", () => {
  let def: IndexDefinition;
  let history: PriceHistory;
  before(async () => {
    def = withMethodologyVersion(await loadIndexDefinition("ATPI"), 1); // v1 stays reproducible bit for bit
    history = await loadHistory();
  });

  function fixAt(date: string): FixingReport {
    const snap = history.snapshots.find((s) => s.date === date);
    if (snap === undefined) throw new Error(`no snapshot ${date}`);
    const r = computeFixing(def, [{ time: snap.time, quotes: snap.quotes }], snap.time);
    expect(r.ok, `fixing at ${date}`).to.equal(true);
    return r.report;
  }

  function slotPrices(r: FixingReport): Record<string, string | null> {
    return Object.fromEntries(r.slots.map((s) => [s.id, s.priceDecimal]));
  }

  it("2025-02-08: first snapshot, stale 5/15 listings set the gpt-4o median", () => {
    // gpt-4o: azure 5/15 -> 7.5, openai 2.5/10 -> 4.375, openrouter 5/15 -> 7.5 => median 7.5
    // gpt-4o-mini: 0.165/0.66 -> 0.28875, 0.15/0.6 -> 0.2625 => (0.28875 + 0.2625) / 2 = 0.275625
    // sonnet 3.5: four x 3/15 -> 6; haiku 3.5: 2, 1.6, 2, 2 => (2 + 2) / 2 = 2
    // gemini-1.5-pro: 3.5/10.5 -> 5.25, 1.25/5 -> 2.1875 => 3.71875; flash 2.0: 0.175, 0.2625 => 0.21875
    // llama: 0.64, 0.71, 0.72, 0.88 => (0.71 + 0.72) / 2 = 0.715; deepseek: 0.175, 0.4775, 0.9 => 0.4775
    // 20x7.5 + 10x0.275625 + 20x6 + 10x2 + 10x3.71875 + 10x0.21875 + 10x0.715 + 10x0.4775
    //   = 150 + 2.75625 + 120 + 20 + 37.1875 + 2.1875 + 7.15 + 4.775 = 344.05625 => 3.4405625
    const r = fixAt("2025-02-08");
    expect(r.valueDecimal).to.equal("3.4405625");
    expect(r.value).to.equal("3440562500000000000");
    expect(slotPrices(r)).to.deep.equal({
      "openai-flagship": "7.5",
      "openai-fast": "0.275625",
      "anthropic-mid": "6",
      "anthropic-fast": "2",
      "google-pro": "3.71875",
      "google-fast": "0.21875",
      "llama-3.3-70b": "0.715",
      "deepseek-chat": "0.4775",
    });
  });

  it("2025-03-02: Anthropic cuts claude-3-5-haiku to 0.8/4", () => {
    // haiku: anthropic 1.6, bedrock 1.6, openrouter 2, vertex 2 => (1.6 + 2) / 2 = 1.8
    // flash: 0.175, 0.175, 0.2625 => 0.175; llama: 0.64, 0.71, 0.72, 0.88, 0.9375 => 0.72
    // 150 + 2.75625 + 120 + 18 + 37.1875 + 1.75 + 7.2 + 4.775 = 341.66875 => 3.4166875
    expect(fixAt("2025-03-02").valueDecimal).to.equal("3.4166875");
  });

  it("2025-03-23: Azure relists gpt-4o at 2.5/10, the gpt-4o median falls to 4.375", () => {
    // gpt-4o: 4.375, 4.375, 7.5 => 4.375. deepseek-v3: 0.175, 0.4775, 0.9, 1.995 => (0.4775 + 0.9) / 2 = 0.68875
    // sonnet slot now claude-3.7-sonnet (from 2025-03-17): four x 6 => 6
    // 87.5 + 2.75625 + 120 + 18 + 37.1875 + 1.75 + 7.2 + 6.8875 = 281.28125 => 2.8128125
    const r = fixAt("2025-03-23");
    expect(r.valueDecimal).to.equal("2.8128125");
    expect(r.slots.find((s) => s.id === "anthropic-mid")?.model).to.equal("claude-3.7-sonnet");
  });

  it("2025-05-10: gpt-4.1 and gpt-4.1-mini take the OpenAI slots; a x10 Databricks unit error is dropped", () => {
    // gpt-4.1: 2/8 -> 3.5 (x2) => 3.5; gpt-4.1-mini: 0.4/1.6 -> 0.7 => 0.7
    // sonnet 3.7: four x 6 and databricks 2.5/178.57 -> 46.5175 > 5 x 6 = 30 => dropped, slot 6
    // llama: 0.2, 0.64, 0.71, 0.72, 0.88, 0.9375 => (0.71 + 0.72) / 2 = 0.715
    // 70 + 7 + 120 + 18 + 37.1875 + 1.75 + 7.15 + 6.8875 = 267.975 => 2.67975
    const r = fixAt("2025-05-10");
    expect(r.valueDecimal).to.equal("2.67975");
    const mid = r.slots.find((s) => s.id === "anthropic-mid");
    expect(mid?.excluded.map((e) => e.provider)).to.deep.equal(["databricks"]);
    expect(mid?.excluded[0]?.reason).to.match(/^outlier: blend 46.5175 > 5 x median 6$/);
  });

  it("2025-07-11: Gemini 2.5 Pro and Flash enter (from 2025-07-07)", () => {
    // gemini-2.5-pro: 1.25/10 -> 3.4375 (x3); gemini-2.5-flash: 0.3/2.5 -> 0.85 (x3)
    // llama: 0.2, 0.64, 0.71, 0.72, 0.75, 0.88, 0.9375 => 0.72
    // 70 + 7 + 120 + 18 + 34.375 + 8.5 + 7.2 + 6.8875 = 271.9625 => 2.719625
    expect(fixAt("2025-07-11").valueDecimal).to.equal("2.719625");
  });

  it("2025-08-30: a cheap OpenRouter DeepSeek listing falls below median / 5", () => {
    // deepseek-v3: 0.175, 0.4775, 0.9, 0.9, 1.995 => median 0.9; 0.175 < 0.9 / 5 = 0.18 => dropped
    //   remaining 0.4775, 0.9, 0.9, 1.995 => (0.9 + 0.9) / 2 = 0.9
    // haiku: 1.6, 1.6, 1.6, 2, 2 => 1.6
    // 70 + 7 + 120 + 16 + 34.375 + 8.5 + 7.2 + 9 = 272.075 => 2.72075
    const r = fixAt("2025-08-30");
    expect(r.valueDecimal).to.equal("2.72075");
    expect(r.slots.find((s) => s.id === "deepseek-chat")?.excluded[0]?.reason).to.equal("outlier: blend 0.175 < median 0.9 / 5");
  });

  it("2025-09-07: GPT-5 and GPT-5 mini (from 2025-09-01)", () => {
    // gpt-5: 1.25/10 -> 3.4375; gpt-5-mini: 0.25/2 -> 0.6875
    // 68.75 + 6.875 + 120 + 16 + 34.375 + 8.5 + 7.2 + 9 = 270.7 => 2.707
    expect(fixAt("2025-09-07").valueDecimal).to.equal("2.707");
  });

  it("2025-11-09: Claude Haiku 4.5 (1/5) replaces 3.5 Haiku; wandb's x100000 Llama listing is dropped", () => {
    // haiku 4.5: 2, 2 => 2; llama wandb 71000 > 5 x 0.72 => dropped
    // 68.75 + 6.875 + 120 + 20 + 34.375 + 8.5 + 7.2 + 9 = 274.7 => 2.747
    const r = fixAt("2025-11-09");
    expect(r.valueDecimal).to.equal("2.747");
    expect(r.slots.find((s) => s.id === "llama-3.3-70b")?.excluded.map((e) => e.provider)).to.deep.equal(["wandb"]);
  });

  it("2025-12-07: Gemini 3 Pro (2/12); Databricks' 1.24999/9.99999 GPT-5 is kept and the even median is exact", () => {
    // gpt-5: 3.43749, 3.4375, 3.4375, 3.4375 => (3.4375 + 3.4375) / 2 = 3.4375; gemini-3-pro 4.5
    // 68.75 + 6.875 + 120 + 20 + 45 + 8.5 + 7.2 + 9 = 285.325 => 2.85325
    expect(fixAt("2025-12-07").valueDecimal).to.equal("2.85325");
  });

  it("2026-01-09: GPT-5.2 (1.75/14) and DeepSeek V3.2; Novita's x8000 listings are dropped", () => {
    // gpt-5.2: 4.8125 (x3); deepseek-v3.2: 0.31, 0.31, 0.84, 0.84, 0.855 (+ novita 3017.5 dropped) => 0.84
    // 96.25 + 6.875 + 120 + 20 + 45 + 8.5 + 7.2 + 8.4 = 312.225 => 3.12225
    expect(fixAt("2026-01-09").valueDecimal).to.equal("3.12225");
  });

  it("2026-01-16: Novita fixes its units and joins; Gemini 3 Flash (0.5/3)", () => {
    // deepseek-v3.2: 0.30175, 0.31, 0.31, 0.84, 0.84, 0.855 => (0.31 + 0.84) / 2 = 0.575
    // flash 3: 1.125; llama (13 quotes) median 0.72
    // 96.25 + 6.875 + 120 + 20 + 45 + 11.25 + 7.2 + 5.75 = 312.325 => 3.12325
    expect(fixAt("2026-01-16").valueDecimal).to.equal("3.12325");
  });

  it("2026-03-29: last snapshot, Sonnet 4.6 and Gemini 3.1 Pro", () => {
    // llama (14 quotes): 0.165 0.1975 0.2 0.20125 0.2725 0.64 0.71 | 0.72 0.72 0.72 0.75 0.88 0.9 0.9375 => 0.715
    // 96.25 + 6.875 + 120 + 20 + 45 + 11.25 + 7.15 + 5.75 = 312.275 => 3.12275
    const r = fixAt("2026-03-29");
    expect(r.valueDecimal).to.equal("3.12275");
    expect(r.slots.map((s) => s.model)).to.deep.equal([
      "gpt-5.2",
      "gpt-5-mini",
      "claude-sonnet-4.6",
      "claude-haiku-4.5",
      "gemini-3.1-pro",
      "gemini-3-flash",
      "llama-3.3-70b",
      "deepseek-v3.2",
    ]);
  });

  it("every bundled snapshot gives a fixing with all 8 slots priced", () => {
    for (const snap of history.snapshots) {
      const r = computeFixing(def, [{ time: snap.time, quotes: snap.quotes }], snap.time);
      expect(r.ok, snap.date).to.equal(true);
      expect(r.report.slots.filter((s) => s.price === null).map((s) => s.id), snap.date).to.deep.equal([]);
    }
  });

  it("chain-linked variant over the history: a succession step does not jump (2025-05-04 -> 2025-05-10)", () => {
    const chained = { ...def, linking: "chain" as const };
    const steps = history.snapshots.map((s) => ({ at: s.time, polls: [{ time: s.time, quotes: s.quotes }] }));
    const series = computeSeries(chained, steps);
    expect(series.every((r) => r.ok)).to.equal(true);
    const i = history.snapshots.findIndex((s) => s.date === "2025-05-10");
    const before = series[i - 1];
    const after = series[i];
    if (!before?.ok || !after?.ok || before.chainState === undefined) throw new Error("missing fixings");
    // The tier index falls 2.8128125 -> 2.67975 as gpt-4.1 (3.5) and gpt-4.1-mini (0.7) take the OpenAI slots.
    // Chain-linked, both OpenAI slots compare gpt-4o and gpt-4o-mini with themselves (relative 1); the only
    // move is Llama 0.72 -> 0.715 (weight 10): level x (90 + 10 x 715/720) / 100, rounded toward zero.
    const expected = (before.fixing.value * (90n * 720n + 10n * 715n)) / (100n * 720n);
    expect(after.fixing.value).to.equal(expected);
    expect(after.report.slots[0]?.link).to.deep.include({ baseModel: "gpt-4o", relative: "1" });
    expect(after.chainState?.bases["openai-flagship"]).to.deep.equal({ model: "gpt-4.1", price: 3_500_000_000_000_000_000n });
    // the chain state survives its JSON form (CLI --previous)
    expect(chainStateFromJson(JSON.parse(JSON.stringify(chainStateToJson(before.chainState))))).to.deep.equal(before.chainState);
    expect(() => chainStateFromJson({ timestamp: 1, level: "-5", bases: {} })).to.throw(/chain state level: must be a positive integer string/);
    expect(() => chainStateFromJson([])).to.throw(/^chain state: must be an object \{timestamp, level, bases\}$/);
    const bad = { timestamp: 1.5, level: "7", bases: { A: { model: 3, price: "0" } }, rolls: { B: { identity: "x", from: "soon" } } };
    expect(() => chainStateFromJson(bad)).to.throw(
      ["chain state timestamp: must be integer unix seconds", "chain state bases.A.model: must be a string", 'chain state bases.A.price: must be a positive integer string, got "0"', "chain state rolls.B.from: must be integer unix seconds"].join("\n"),
    );
    // over the whole history: 3.4405625 -> 3.155019342513532... (docs/methodology.md)
    expect(series[series.length - 1]?.report.valueDecimal?.slice(0, 8)).to.equal("3.155019");
  });
});
