import { expect } from "chai";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { withMethodologyVersion } from "../../keeper/methodology/definition.js";
import { liteLlmSource, parseLiteLlm } from "../../keeper/sources/litellm.js";
import { readTextInput } from "../../keeper/sources/readInput.js";
import { SourceError } from "../../keeper/sources/types.js";
import { parseJsonExact, JsonNumber } from "../../keeper/sources/jsonText.js";
import { T, testDefinition } from "./methodologyFixtures.js";

const RAW = (date: string) => `data/llm-prices/litellm_prices_${date}.json.gz`;

describe("sources/litellm: LiteLLM price-list JSON", () => {
  it("keeps the literal text of JSON numbers (Node 24 JSON.parse source text access)", () => {
    const v = parseJsonExact('{"a": 1.1e-07, "b": 0.30000000000000004, "c": 1.00000000000000000001e-06, "d": [2, "x"]}') as Record<string, unknown>;
    expect(v["a"]).to.deep.equal(new JsonNumber("1.1e-07"));
    expect((v["c"] as JsonNumber).text).to.equal("1.00000000000000000001e-06"); // a float would give 0.000001
    expect(v["d"]).to.deep.equal([new JsonNumber("2"), "x"]);
  });

  for (const [date, chat, skipped] of [
    ["2025-02-06", 668, 108],
    ["2025-07-10", 955, 192],
    ["2025-11-18", 1457, 317],
    ["2026-03-29", 2106, 491],
  ] as const) {
    it(`reads the raw ${date} snapshot (.json.gz): ${chat} chat quotes, non-chat entries skipped`, async () => {
      const snap = await liteLlmSource(RAW(date)).read(0);
      expect(snap.quotes).to.have.length(chat);
      expect(snap.skipped).to.equal(skipped);
      // the only malformed top-level entry in these files is LiteLLM's "last_updated" string (absent in Feb 2025)
      expect(snap.rejected.map((r) => r.entry)).to.deep.equal(date === "2025-02-06" ? [] : ["last_updated"]);
      const gpt4o = snap.quotes.find((q) => q.provider === "openai" && q.model === "gpt-4o");
      expect(gpt4o).to.deep.equal({ provider: "openai", model: "gpt-4o", input: "2.5e-06", output: "1e-05", scale: 6 });
    });
  }

  it("the raw 2026-03-29 snapshot gives the same ATPI as the weekly history (v2 3.12325, v1 3.12275)", async () => {
    const def = await loadIndexDefinition("ATPI");
    const snap = await liteLlmSource(RAW("2026-03-29")).read(0);
    const at = Date.parse("2026-03-29T12:00:00Z") / 1000;
    expect(computeFixing(def, [{ time: at, quotes: snap.quotes }], at).report.valueDecimal).to.equal("3.12325");
    const v1 = computeFixing(withMethodologyVersion(def, 1), [{ time: at, quotes: snap.quotes }], at);
    expect(v1.report.valueDecimal).to.equal("3.12275");
  });

  it("also reads LiteLLM-format OpenRouter entries (openrouter_sample.json)", async () => {
    const snap = await liteLlmSource("data/llm-prices/openrouter_sample.json").read(0);
    expect(snap.quotes).to.have.length(19);
    expect(snap.quotes.find((q) => q.model === "openrouter/deepseek/deepseek-chat")).to.deep.include({ provider: "openrouter", input: "1.4e-07", output: "2.8e-07" });
  });

  it("malformed files fail with a clear SourceError naming the origin", async () => {
    const full = await readTextInput(RAW("2025-02-06"));
    expect(() => parseLiteLlm(full.slice(0, 5000), "cut.json")).to.throw(SourceError, /^source cut.json: not valid JSON: /);
    expect(() => parseLiteLlm("[1, 2]", "arr.json")).to.throw(SourceError, /must be a JSON object/);
    expect(() => parseLiteLlm("", "empty.json")).to.throw(SourceError, /not valid JSON/);
    const dir = await mkdtemp(join(tmpdir(), "tf-src-"));
    await writeFile(join(dir, "bad.json.gz"), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("not gzip")]));
    await liteLlmSource(join(dir, "bad.json.gz")).read(0).then(
      () => expect.fail("should throw"),
      (e: unknown) => expect(String(e)).to.match(/SourceError: source .*bad.json.gz: bad gzip data/),
    );
    await liteLlmSource(join(dir, "missing.json")).read(0).then(
      () => expect.fail("should throw"),
      (e: unknown) => expect(String(e)).to.match(/source .*missing.json: cannot read: ENOENT/),
    );
  });

  it("bad entries (wrong types, negative, zero, huge, not objects) are excluded with reasons, never crash", () => {
    const text = JSON.stringify({
      good: { litellm_provider: "p1", mode: "chat", input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 },
      strType: { litellm_provider: "p2", mode: "chat", input_cost_per_token: "abc", output_cost_per_token: 2e-6 },
      boolType: { litellm_provider: "p3", mode: "chat", input_cost_per_token: true, output_cost_per_token: 2e-6 },
      negative: { litellm_provider: "p4", mode: "chat", input_cost_per_token: -1e-6, output_cost_per_token: 2e-6 },
      nullOut: { litellm_provider: "p5", mode: "chat", input_cost_per_token: 1e-6, output_cost_per_token: null },
      notObject: 42,
      noProvider: { mode: "chat", input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 },
      badMode: { litellm_provider: "p1", mode: 7 },
      embedding: { litellm_provider: "p1", mode: "embedding", input_cost_per_token: 1e-7 },
    }).replace('"input_cost_per_token":-0.000001', '"input_cost_per_token":-1e999');
    const snap = parseLiteLlm(text.replace('"good":{', '"huge":{"litellm_provider":"p6","mode":"chat","input_cost_per_token":1e400,"output_cost_per_token":1},"good":{'), "t.json");
    expect(snap.rejected).to.deep.equal([
      { entry: "notObject", reason: "entry is not an object" },
      { entry: "noProvider", reason: "litellm_provider missing or not a string" },
      { entry: "badMode", reason: "mode is not a string: 7" },
    ]);
    expect(snap.skipped).to.equal(1);
    const def = testDefinition({
      identities: { A: ["huge", "good", "strType", "boolType", "negative", "nullOut"].map((m, i) => [`p${i === 0 ? 6 : i}`, m]), B: [["x", "y"]], C: [["x", "z"]], C2: [["x", "w"]] },
      minPricedWeightShare: "0.5",
    });
    const r = computeFixing(def, [{ time: T, quotes: snap.quotes }], T);
    const a = r.report.slots[0];
    expect(a?.priceDecimal).to.equal("1.25"); // only "good": (3 x 1 + 2) / 4
    expect(a?.excluded.map((e) => `${e.model}: ${e.reason}`).sort()).to.deep.equal([
      'boolType: input price is not a usable decimal (not a decimal number: "<boolean>")',
      'huge: input price is not a usable decimal (exponent out of range (|e| <= 60): "1e400")',
      'negative: input price is not a usable decimal (exponent out of range (|e| <= 60): "-1e999")',
      'nullOut: output price is not a usable decimal (not a decimal number: "<null>")',
      'strType: input price is not a usable decimal (not a decimal number: "abc")',
    ]);
    // a plain negative price is excluded as not strictly positive
    const neg = parseLiteLlm('{"m": {"litellm_provider": "p1", "mode": "chat", "input_cost_per_token": -2e-06, "output_cost_per_token": 1e-06}}', "n.json");
    const defNeg = testDefinition({ identities: { A: [["p1", "m"]], B: [["x", "y"]], C: [["x", "z"]], C2: [["x", "w"]] } });
    expect(computeFixing(defNeg, [{ time: T, quotes: neg.quotes }], T).report.slots[0]?.excluded[0]?.reason).to.equal("input price is not strictly positive: -2");
  });

  it("reads a gzipped file and an http URL", async () => {
    const body = JSON.stringify({ m: { litellm_provider: "p", mode: "chat", input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5 } });
    const dir = await mkdtemp(join(tmpdir(), "tf-src-"));
    await writeFile(join(dir, "l.json.gz"), gzipSync(body));
    // JSON.stringify wrote 3e-6 as 0.000003: the quote keeps exactly what the file says
    expect((await liteLlmSource(join(dir, "l.json.gz")).read(0)).quotes[0]).to.deep.include({ input: "0.000003", output: "0.000015" });
    const server = createServer((req, res) => {
      if (req.url === "/prices.json") res.end(body);
      else {
        res.statusCode = 404;
        res.end("nope");
      }
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await liteLlmSource(`${url}/prices.json`).read(0)).quotes).to.have.length(1);
      await liteLlmSource(`${url}/other`).read(0).then(
        () => expect.fail("should throw"),
        (e: unknown) => expect(String(e)).to.match(/source http:.*\/other: HTTP 404/),
      );
    } finally {
      server.close();
    }
  });
});
