import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INDEX_CONFIG_DIR, loadIndexDefinition } from "../../keeper/indexConfig.js";
import { IndexDefinitionError, parseIndexDefinition } from "../../keeper/methodology/definition.js";
import { loadHistory } from "../../keeper/sources/replay.js";

async function atpiJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(INDEX_CONFIG_DIR, "atpi.json"), "utf8")) as Record<string, unknown>;
}

describe("methodology/definition: index definitions are validated data", () => {
  it("accepts the shipped ATPI (8 slots, weights summing to 100) and GPUH definitions", async () => {
    const atpi = await loadIndexDefinition("ATPI");
    expect(atpi.slots).to.have.length.within(6, 10);
    expect(atpi.slots.reduce((a, s) => a + Number(s.weight), 0)).to.equal(100);
    expect(atpi.blend).to.deep.equal({ input: "3", output: "1" });
    expect([atpi.outlierFactor, atpi.minPricedWeightShare, atpi.linking]).to.deep.equal(["5", "0.6", "tier"]);
    const gpuh = await loadIndexDefinition("gpuh");
    expect(gpuh.linking).to.equal("chain");
    expect(gpuh.blend.output).to.equal("0");
  });

  it("names the JSON path of every error", async () => {
    const good = await atpiJson();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, name: "" }, /^index definition name: must be a non-empty string$/],
      [{ ...good, name: "X".repeat(32) }, /^index definition name: 1-31 printable ASCII/],
      [{ ...good, methodologyVersion: 0 }, /methodologyVersion: must be an integer in \[1, 2\^32-1\]/],
      [{ ...good, decimals: 6 }, /decimals: must be 18, got 6/],
      [{ ...good, blend: { input: "0", output: "0" } }, /blend: at least one of input, output must be > 0/],
      [{ ...good, blend: { input: "three", output: "1" } }, /blend.input: not a decimal number: "three"/],
      [{ ...good, minPricedWeightShare: "1.5" }, /minPricedWeightShare: must be <= 1, got 1.5/],
      [{ ...good, outlierFactor: "0.5" }, /outlierFactor: must be >= 1, got 0.5/],
      [{ ...good, linking: "magic" }, /linking: must be "tier" or "chain"/],
      [{ ...good, identities: { x: [["openai"]] } }, /identities.x\[0\]: must be a \[provider, model key\] pair/],
      [{ ...good, identities: { x: [["a", "b"], ["a", "b"]] } }, /identities.x\[1\]: duplicate pair \(a, b\)/],
      [{ ...good, slots: [] }, /slots: must be a non-empty array/],
    ];
    for (const [json, message] of cases) expect(() => parseIndexDefinition(json), String(message)).to.throw(IndexDefinitionError, message);
    const slots = good["slots"] as Record<string, unknown>[];
    const withSlot = (i: number, patch: Record<string, unknown>) => ({ ...good, slots: slots.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
    expect(() => parseIndexDefinition(withSlot(2, { weight: "0" }))).to.throw(/slots\[2\].weight: must be > 0, got 0/);
    expect(() => parseIndexDefinition(withSlot(1, { id: "openai-flagship" }))).to.throw(/slots\[1\].id: duplicate slot id "openai-flagship"/);
    expect(() => parseIndexDefinition(withSlot(0, { succession: [{ from: "2025-02-01", identity: "nope" }] }))).to.throw(/slots\[0\].succession\[0\].identity: unknown identity "nope"/);
    expect(() => parseIndexDefinition(withSlot(0, { succession: [{ from: "1 Feb 2025", identity: "gpt-4o" }] }))).to.throw(/slots\[0\].succession\[0\].from: must be YYYY-MM-DD/);
    expect(() =>
      parseIndexDefinition(withSlot(0, { succession: [{ from: "2025-03-01", identity: "gpt-4o" }, { from: "2025-02-01", identity: "gpt-4.1" }] })),
    ).to.throw(/slots\[0\].succession\[1\].from: succession dates must be strictly increasing/);
    await loadIndexDefinition("NOPE").then(
      () => expect.fail("should throw"),
      (e: unknown) => expect(String(e)).to.match(/index "NOPE": no definition file at .*nope\.json/),
    );
  });

  it("methodology v2 sections: validated with the JSON path (companies, robustness, successionRule, family)", async () => {
    const good = await atpiJson();
    const rob = good["robustness"] as Record<string, unknown>;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, methodologyVersion: 3 }, /methodologyVersion: this engine computes versions 1, 2, got 3/],
      [{ ...good, companies: undefined }, /companies: must be a non-empty object of company name -> \[provider key, \.\.\.\]/],
      [{ ...good, companies: { ...(good["companies"] as object), Other: ["openai"] } }, /companies.Other\[0\]: provider "openai" is already owned by "OpenAI"/],
      [{ ...good, companies: { OpenAI: ["openai"] } }, /identities.gpt-4o\[1\]\[0\]: provider "azure" has no company in companies/],
      [{ ...good, robustness: { ...rob, slotBudget: "1" } }, /robustness.slotBudget: must be < 1, got 1/],
      [{ ...good, robustness: { ...rob, sourceScaleFactor: "1" } }, /robustness.sourceScaleFactor: must be > 1, got 1/],
      [{ ...good, robustness: { ...rob, plausibleRange: ["3", "1"] } }, /robustness.plausibleRange: min must be < max, got \[3, 1\]/],
      [{ ...good, successionRule: { minCompanies: 0, minListedDays: 28 } }, /successionRule.minCompanies: must be an integer in \[1, 100\], got 0/],
      [{ ...good, linking: "chain" }, /linking: methodology v2 computes tier-linked indices only/],
    ];
    for (const [json, message] of cases) expect(() => parseIndexDefinition(json), String(message)).to.throw(IndexDefinitionError, message);
    const slots = good["slots"] as Record<string, unknown>[];
    const withFamily = (family: unknown) => ({ ...good, slots: slots.map((x, j) => (j === 0 ? { ...x, family } : x)) });
    expect(() => parseIndexDefinition(withFamily([["openai", "gpt-(?<v>\\d+)"]]))).to.throw(/slots\[0\].family\[0\]\[1\]: must be anchored with \^ and \$/);
    expect(() => parseIndexDefinition(withFamily([["openai", "^gpt-(\\d+)$"]]))).to.throw(/slots\[0\].family\[0\]\[1\]: must have a named group \(\?<v>\.\.\.\)/);
    expect(() => parseIndexDefinition(withFamily([["openai", "^gpt-(?<v>[$"]]))).to.throw(/slots\[0\].family\[0\]\[1\]: not a valid regular expression/);
    expect(() => parseIndexDefinition(withFamily([["nobody", "^x-(?<v>\\d+)$"]]))).to.throw(/slots\[0\].family\[0\]\[0\]: provider "nobody" has no company in companies/);
    // the file's own name appears in loader errors
    const atpi = await loadIndexDefinition("ATPI");
    expect(atpi.methodologyVersion).to.equal(2);
    expect(Object.keys(atpi.companies ?? {})).to.include.members(["openai", "azure", "azure_ai", "gemini", "vertex_ai-language-models"]);
    expect([atpi.companies?.["gemini"], atpi.companies?.["vertex_ai-language-models"], atpi.companies?.["azure_ai"]]).to.deep.equal(["Google", "Google", "Microsoft"]);
  });

  it("reports every problem at once, each line naming the file and the JSON path", async () => {
    const good = await atpiJson();
    const bad = { ...good, unit: "", outlierFactor: "0.5", minPricedWeightShare: "2" };
    expect(() => parseIndexDefinition(bad)).to.throw(
      IndexDefinitionError,
      /^index definition unit: must be a non-empty string\nindex definition outlierFactor: must be >= 1, got 0.5\nindex definition minPricedWeightShare: must be <= 1, got 2$/,
    );
    expect(() => parseIndexDefinition([])).to.throw(IndexDefinitionError, /^index definition \$: must be a JSON object$/);
    const dir = await mkdtemp(join(tmpdir(), "tf-index-"));
    try {
      const file = join(dir, "bad.json");
      await writeFile(file, JSON.stringify(bad));
      await loadIndexDefinition(file).then(
        () => expect.fail("should throw"),
        (e: unknown) => {
          const lines = (e as Error).message.split("\n");
          expect(lines).to.have.length(3);
          for (const line of lines) expect(line.startsWith(`${file}: index definition `), line).to.equal(true);
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("ATPI: every (provider, model) pair exists in the bundled history, and every succession step is quoted when it takes effect", async () => {
    const atpi = await loadIndexDefinition("ATPI");
    const history = await loadHistory();
    const seen = new Set(history.snapshots.flatMap((s) => s.quotes.map((q) => `${q.provider}|${q.model}`)));
    for (const [name, pairs] of Object.entries(atpi.identities)) {
      for (const [p, m] of pairs) expect(seen.has(`${p}|${m}`), `${name}: (${p}, ${m})`).to.equal(true);
    }
    for (const slot of atpi.slots) {
      for (const step of slot.succession) {
        const snap = history.snapshots.find((s) => s.time >= step.from) ?? history.snapshots[0];
        const keys = new Set(atpi.identities[step.identity]?.map(([p, m]) => `${p}|${m}`));
        const quoted = snap?.quotes.filter((q) => keys.has(`${q.provider}|${q.model}`)) ?? [];
        expect(quoted.length, `${slot.id} -> ${step.identity} from ${step.fromText}`).to.be.at.least(2);
      }
    }
  });
});
