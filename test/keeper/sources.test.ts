import { expect } from "chai";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { csvSource, parseCsvPrices } from "../../keeper/sources/csv.js";
import { parseCsv } from "../../keeper/sources/csvParse.js";
import { createSource } from "../../keeper/sources/index.js";
import { openRouterSource, parseOpenRouter } from "../../keeper/sources/openrouter.js";
import { type PriceHistory, loadHistory, parseHistory, replaySource, snapshotAt } from "../../keeper/sources/replay.js";
import { SourceError } from "../../keeper/sources/types.js";
import { inputLabel } from "../../keeper/sources/readInput.js";
import { body, startScriptedServer, status } from "./helpers/scriptedServer.js";
import { readFile } from "node:fs/promises";

describe("sources/openrouter: OpenRouter models API JSON", () => {
  it("reads data[].id and pricing.prompt/completion as exact USD-per-token text", async () => {
    const snap = await openRouterSource("test/keeper/fixtures/openrouter-models.json").read(0);
    expect(snap.quotes).to.have.length(19);
    expect(snap.rejected).to.deep.equal([]);
    expect(snap.quotes.find((q) => q.model === "openrouter/deepseek/deepseek-chat")).to.deep.equal({
      provider: "openrouter",
      model: "openrouter/deepseek/deepseek-chat",
      input: "0.00000014",
      output: "0.00000028",
      scale: 6,
    });
  });

  it("prices an ATPI slot from OpenRouter quotes (they match the LiteLLM openrouter identities)", async () => {
    const def = await loadIndexDefinition("ATPI");
    const snap = await openRouterSource("test/keeper/fixtures/openrouter-models.json").read(0);
    const at = Date.parse("2025-03-01T00:00:00Z") / 1000;
    const r = computeFixing(def, [{ time: at, quotes: snap.quotes }], at);
    // two slots priced: deepseek-chat (openrouter 0.14/0.28 -> 0.175) and google-fast (gemini-2.0-flash-001
    // 0.1/0.4 -> 0.175), 20 of 100 weight => no fixing (20 % < 60 %)
    expect(r.report.slots.find((s) => s.id === "deepseek-chat")?.priceDecimal).to.equal("0.175");
    expect(r.report.slots.find((s) => s.id === "google-fast")?.priceDecimal).to.equal("0.175");
    expect(r.report.pricedWeight).to.equal("20");
    expect(r.ok).to.equal(false);
    expect(r.report.noFixingReason?.code).to.equal("INSUFFICIENT_PRICED_WEIGHT");
  });

  it("rejects bad entries with a reason and fails the whole file only when it is not the API shape", () => {
    const snap = parseOpenRouter(
      JSON.stringify({
        data: [
          { id: "ok/model", pricing: { prompt: "0.000001", completion: "0.000002" } },
          "not an object",
          { pricing: { prompt: "1", completion: "1" } },
          { id: "no/pricing" },
          { id: "num/pricing", pricing: { prompt: 1e-6, completion: "-0.000001" } },
          { id: "obj/pricing", pricing: { prompt: { usd: 1 }, completion: "0.000001" } },
        ],
      }),
      "api.json",
    );
    expect(snap.rejected).to.deep.equal([
      { entry: "data[1]", reason: "entry is not an object" },
      { entry: "data[2]", reason: "id missing or not a string" },
      { entry: "data[3] (no/pricing)", reason: "pricing missing or not an object" },
    ]);
    expect(snap.quotes.map((q) => [q.model, q.input, q.output])).to.deep.equal([
      ["openrouter/ok/model", "0.000001", "0.000002"],
      ["openrouter/num/pricing", "0.000001", "-0.000001"],
      ["openrouter/obj/pricing", "<object>", "0.000001"],
    ]);
    expect(() => parseOpenRouter('{"data": [', "cut.json")).to.throw(SourceError, /source cut.json: not valid JSON/);
    expect(() => parseOpenRouter('{"models": []}', "x.json")).to.throw(SourceError, /must be an object with a "data" array/);
    expect(() => parseOpenRouter("[]", "x.json")).to.throw(SourceError, /"data" array/);
  });
});

describe("sources/csv: plain CSV prices", () => {
  it("reads the GPU-hour sample feed (price alias) and fixes GPUH", async () => {
    const snap = await csvSource("data/gpu-hours/sample.csv").read(0);
    expect(snap.quotes).to.have.length(15);
    expect(snap.quotes[0]).to.deep.equal({ provider: "lambda", model: "a100-sxm4-80gb", input: "1.29", output: undefined, scale: 0 });
    const def = await loadIndexDefinition("GPUH");
    const at = Date.parse("2025-06-01T00:00:00Z") / 1000;
    const r = computeFixing(def, [{ time: at, quotes: snap.quotes }], at);
    // a100: 0.95 1.19 1.29 2.21 -> 1.24; h100: 1.87 2.49 2.69 4.76 -> 2.59; h200: 3.29 3.59 6.31 -> 3.59
    // (25 x 1.24 + 50 x 2.59 + 25 x 3.59) / 100 = (31 + 129.5 + 89.75) / 100 = 2.5025
    expect(r.report.valueDecimal).to.equal("2.5025");
  });

  it("handles quotes, comments, CRLF, scale, and rejects bad rows with their line number", () => {
    const text = [
      "# comment",
      "provider,model,input,output,scale",
      '"openai","gpt-4o","2.5","10",',
      "openai,gpt-4o-mini,1.5e-07,6e-07,6\r",
      'vendor,"model, with comma",1,2,0',
      "short,row",
      "x,y,1,2,abc",
      ",nomodel,1,2,0",
      "",
      '"never closed,1,2,0',
    ].join("\n");
    const snap = parseCsvPrices(text, "t.csv");
    expect(snap.quotes.map((q) => [q.provider, q.model, q.input, q.output, q.scale])).to.deep.equal([
      ["openai", "gpt-4o", "2.5", "10", 0],
      ["openai", "gpt-4o-mini", "1.5e-07", "6e-07", 6],
      ["vendor", "model, with comma", "1", "2", 0],
    ]);
    expect(snap.rejected.map((r) => r.reason)).to.deep.equal([
      "line 10: unterminated quoted field",
      "expected 5 fields, got 2",
      'scale must be a small integer, got "abc"',
      "empty provider or model",
      "expected 5 fields, got 1",
    ]);
    expect(() => parseCsvPrices("", "e.csv")).to.throw(SourceError, /CSV is empty/);
    expect(() => parseCsvPrices("name,cost\na,1", "h.csv")).to.throw(SourceError, /header must name provider, model and input/);
  });

  it("parses RFC 4180 escaped quotes and multi-line fields", () => {
    const { records, errors } = parseCsv('a,"b ""q"" c","multi\nline"\nd,e,f\n');
    expect(errors).to.deep.equal([]);
    expect(records).to.deep.equal([
      { line: 1, fields: ["a", 'b "q" c', "multi\nline"] },
      { line: 3, fields: ["d", "e", "f"] },
    ]);
  });
});

describe("sources/replay: the bundled weekly history", () => {
  let history: PriceHistory;
  before(async () => {
    history = await loadHistory();
  });

  it("holds the 60 weekly snapshots with the chat entry counts of snapshots.csv", async () => {
    expect(history.snapshots).to.have.length(60);
    const rows = (await readFile("data/llm-prices/snapshots.csv", "utf8")).trim().split("\n").slice(1);
    rows.forEach((row, i) => {
      const [date, , , chat] = row.split(",");
      expect(history.snapshots[i]?.date).to.equal(date);
      expect(history.snapshots[i]?.quotes.length, date).to.equal(Number(chat));
    });
  });

  it("gives the quotes as of a time: the last snapshot committed at or before it", async () => {
    const first = history.snapshots[0];
    const second = history.snapshots[1];
    if (first === undefined || second === undefined) throw new Error("history too short");
    expect(snapshotAt(history, first.time - 1)).to.equal(undefined);
    expect(snapshotAt(history, first.time)?.date).to.equal("2025-02-08");
    expect(snapshotAt(history, second.time - 1)?.date).to.equal("2025-02-08");
    expect(snapshotAt(history, second.time)?.date).to.equal("2025-02-14");
    const source = replaySource();
    const snap = await source.read(Date.parse("2025-06-01T00:00:00Z") / 1000);
    expect(snap.origin).to.match(/^replay@2025-05-31 \(/);
    expect(snap.asOf).to.equal(Date.parse("2025-05-31T22:06:56Z") / 1000);
    await source.read(0).then(
      () => expect.fail("should throw"),
      (e: unknown) => expect(String(e)).to.match(/no snapshot at or before 1970-01-01/),
    );
  });

  it("refuses a history file without its columns, with a bad time or an unknown date, naming the file and line", () => {
    const snaps = "date,commit,commit_time_utc\n2025-02-08,abc,2025-02-08T10:00:00Z\n";
    const weekly = "date,provider,model,input_usd_per_mtok,output_usd_per_mtok\n2025-02-08,openai,gpt-4o,2.5,10\n";
    expect(parseHistory(weekly, snaps).snapshots[0]?.quotes).to.deep.equal([{ provider: "openai", model: "gpt-4o", input: "2.5", output: "10" }]);
    expect(() => parseHistory(weekly, "date,commit\n", "h")).to.throw(SourceError, /^source h: snapshots.csv needs date, commit, commit_time_utc columns$/);
    expect(() => parseHistory(weekly, `${snaps}2025-02-14,def,yesterday\n`, "h")).to.throw(SourceError, /snapshots.csv line 3: bad commit_time_utc/);
    expect(() => parseHistory("date,provider,model\n", snaps, "h")).to.throw(SourceError, /prices_weekly.csv needs date, provider, model, input_usd_per_mtok, output_usd_per_mtok columns/);
    expect(() => parseHistory(`${weekly}2025-03-01,openai,gpt-4o,2,8\n`, snaps, "h")).to.throw(SourceError, /prices_weekly.csv line 3: date 2025-03-01 not in snapshots.csv/);
  });

  it("createSource knows the four kinds and says what is missing", () => {
    expect(createSource("replay", undefined).kind).to.equal("replay");
    expect(createSource("csv", "x.csv").kind).to.equal("csv");
    expect(() => createSource("litellm-json", undefined)).to.throw(/source litellm-json needs --input/);
    expect(() => createSource("bloomberg", "x")).to.throw(/unknown source "bloomberg"; expected one of litellm-json, openrouter-json, csv, replay/);
  });

  it("a URL input is named without its query or user info (API keys) in errors and in the snapshot's origin", async () => {
    const models = await readFile("test/keeper/fixtures/openrouter-models.json", "utf8");
    const server = await startScriptedServer(status(500));
    try {
      const url = `${server.url}/api/v1/models?api_key=SECRET123#frag`;
      expect(inputLabel(url)).to.equal(`${server.url}/api/v1/models?…`);
      // fetch refuses user info in a URL; the refusal names the label, not the password.
      const withUser = await openRouterSource(url.replace("http://", "http://user:SECRET456@")).read(0).then(() => undefined, (e: unknown) => e);
      expect(String(withUser)).to.include(`${server.url}/api/v1/models?…`).and.not.include("SECRET");
      expect(inputLabel("data/prices.csv")).to.equal("data/prices.csv");
      const failed = await openRouterSource(url).read(0).then(() => undefined, (e: unknown) => e);
      expect(failed).to.be.instanceOf(SourceError);
      expect((failed as Error).message).to.equal(`source ${server.url}/api/v1/models?…: HTTP 500 Internal Server Error`);
      server.respond = body(models);
      const snap = await openRouterSource(url).read(0);
      expect(snap.origin).to.equal(`${server.url}/api/v1/models?…`);
      expect(JSON.stringify(snap)).to.not.include("SECRET123");
      server.respond = body("{ not json");
      const bad = await openRouterSource(url).read(0).then(() => undefined, (e: unknown) => e);
      expect(String(bad)).to.include("not valid JSON").and.not.include("SECRET123");
    } finally {
      await server.close();
    }
  });
});
