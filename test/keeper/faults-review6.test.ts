/**
 * Operator faults, review 6, through the real fixing loop on anvil: a price source served over HTTP that answers
 * garbage (a broken body, 5xx, no answer, an endless body, bad entries), peers that answer garbage, and two keepers
 * sharing one operator key. The RPC endpoint answering garbage is in faults-review6-rpc.test.ts.
 */
import { expect } from "chai";
import type { LocalAccount } from "viem";
import { indexIdFromName } from "../../sdk/oracle.js";
import { validateConfig } from "../../keeper/config/schema.js";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { newHealthState } from "../../keeper/observability/health.js";
import { createLogger } from "../../keeper/observability/log.js";
import { FixingLoop, buildFeeds } from "../../keeper/oracle/fixingLoop.js";
import { fixingOfWindow } from "../../keeper/oracle/window.js";
import { parseLiteLlm } from "../../keeper/sources/litellm.js";
import { MAX_INPUT_BYTES } from "../../keeper/sources/readInput.js";
import { replaySource } from "../../keeper/sources/replay.js";
import type { Quote } from "../../keeper/methodology/types.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { fundedAccount } from "./helpers/chain.js";
import { deployOracle } from "./helpers/deploy.js";
import { DAY, dailyRounds } from "./helpers/dailyRounds.js";
import { START } from "./helpers/e2e.js";
import { shiftDecimal } from "./helpers/scaledHistory.js";
import { type Respond, type ScriptedServer, body, endless, hang, stall, startScriptedServer, status } from "./helpers/scriptedServer.js";
import { journalPath, makeSender } from "./helpers/sender.js";

const SOURCE_TIMEOUT_MS = 500;
/** A LiteLLM price list (model key -> entry) of `quotes` (USD per 1M tokens), an entry's raw JSON replaced by `raw`. */
function liteLlmText(quotes: readonly Quote[], raw: ReadonlyMap<string, string> = new Map()): string {
  const perToken = (x: string | undefined) => (x === undefined ? "null" : shiftDecimal(x, -6));
  const entries = quotes.map((q) => {
    const entry = raw.get(q.model) ?? `{"litellm_provider": ${JSON.stringify(q.provider)}, "mode": "chat", "input_cost_per_token": ${perToken(q.input)}, "output_cost_per_token": ${perToken(q.output)}}`;
    return `${JSON.stringify(q.model)}: ${entry}`;
  });
  return `{\n${entries.join(",\n")}\n}`;
}

describe("keeper operator faults (review 6): a price source answering garbage (live HTTP source, real loop and oracle)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let owner: LocalAccount;
  let days: ReturnType<typeof dailyRounds>;
  let source: ScriptedServer;

  before(async () => {
    anvil = await startAnvil({ args: ["--timestamp", String(START + 100)] });
    owner = await fundedAccount(anvil);
    days = dailyRounds(anvil, owner);
    source = await startScriptedServer(status(503));
  });
  after(async () => {
    await source?.close();
    await anvil?.stop();
  });


  /** A one-operator oracle and the loop of its keeper, reading ATPI from the scripted source (litellm-json). */
  async function setup() {
    const op = await fundedAccount(anvil);
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [op.address] });
    const config = validateConfig({
      chainId: 31337,
      rpc: { urls: [anvil.url] },
      contracts: { oracle },
      indexes: ["ATPI"],
      schedule: { intervalSeconds: DAY, windowPolls: 1, maxFutureSkewSeconds: 60, pollMs: 100, catchUpRounds: 1, postStaggerMs: 0 },
      sources: [{ index: "ATPI", kind: "litellm-json", input: `${source.url}/prices.json`, timeoutMs: SOURCE_TIMEOUT_MS }],
      keys: { signer: { privateKeyEnv: "X" } },
      gas: { maxFeePerGasGwei: "50" },
    });
    const { sender, journal, client, metrics } = makeSender(anvil, op, journalPath());
    await sender.reconcile();
    const lines: string[] = [];
    const health = newHealthState();
    const loop = new FixingLoop({ config, client, signer: op, journal, sender, log: createLogger({ write: (l) => lines.push(l) }), metrics, health, feeds: await buildFeeds(config) });
    const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown> & { msg: string });
    return { oracle, journal, metrics, health, loop, logged };
  }

  /** The methodology's value of a LiteLLM list read at `round` (no reference state: the oracle's first fixing). */
  async function fixingOf(text: string, round: bigint): Promise<bigint> {
    const result = fixingOfWindow(await loadIndexDefinition("ATPI"), [{ time: Number(round), quotes: parseLiteLlm(text, "list").quotes }], round);
    if (!result.ok) throw new Error(`no fixing of the list: ${result.reason.code}`);
    return result.fixing.value;
  }

  it("a broken answer (5xx, empty, HTML, truncated JSON, not an object, no answer, a stalled or endless body) fails that poll, named; the loop goes on and signs the next round from a good answer", async () => {
    const { oracle, journal, metrics, health, loop, logged } = await setup();
    const clean = (await replaySource().read(START)).quotes;
    const good = liteLlmText(clean);

    const broken: [string, Respond, RegExp][] = [
      ["HTTP 503", status(503), /HTTP 503/],
      ["HTTP 500", status(500), /HTTP 500/],
      ["an empty body", body(""), /not valid JSON/],
      ["an HTML error page", body("<html><body>502 Bad Gateway</body></html>", "text/html"), /not valid JSON/],
      ["truncated JSON", body(good.slice(0, good.length / 2)), /not valid JSON/],
      ["JSON that is not an object", body("[1, 2, 3]"), /LiteLLM price list must be a JSON object/],
      ["no answer", hang, new RegExp(`no answer within ${SOURCE_TIMEOUT_MS} ms`)],
      ["headers, then nothing", stall, new RegExp(`no answer within ${SOURCE_TIMEOUT_MS} ms`)],
      ["an endless body", endless, new RegExp(`answer larger than ${MAX_INPUT_BYTES} bytes`)],
    ];
    for (const [i, [what, respond, reason]] of broken.entries()) {
      source.respond = respond;
      const started = Date.now();
      const outcomes = await loop.tick();
      expect(Date.now() - started, `${what}: the pass waited for the source`).to.be.lessThan(SOURCE_TIMEOUT_MS + 4_000);
      expect(outcomes.map((o) => o.post), what).to.deep.equal([undefined]);
      const failure = health.sourceFailures.get("ATPI");
      expect(failure?.count, what).to.equal(i + 1);
      expect(failure?.error, what).to.match(new RegExp(`^source ${source.url}/prices.json: `)).and.to.match(reason);
    }
    expect(await metrics.sourceFailures.get({ index: "ATPI", source: "litellm-json" })).to.equal(broken.length);
    const warned = logged().filter((l) => l.msg === "source poll failed");
    expect((warned[0]?.error as { message?: string } | undefined)?.message).to.equal(`source ${source.url}/prices.json: HTTP 503 Service Unavailable`);
    expect(journal.observations(indexIdFromName("ATPI"), BigInt(START))).to.deep.equal([]);
    expect(await days.posted(oracle)).to.deep.equal([]);

    // The source answers again: the next round is read, signed and posted with the methodology's value of the list.
    source.respond = body(good);
    const round = await days.nextRound();
    const outcomes = await loop.tick();
    expect(outcomes.map((o) => [o.round, o.post?.status])).to.deep.equal([[round, "sent"]]);
    expect(health.sourceFailures.has("ATPI")).to.equal(false);
    expect((await days.posted(oracle)).map(({ timestamp, value }) => ({ timestamp, value }))).to.deep.equal([{ timestamp: round, value: await fixingOf(good, round) }]);
  });
  it("bad entries (NaN, Infinity, negative, zero, 1e308, 400 digits, wrong types, not an object) are left out and named with their field; the value is that of the list without them; exponent notation is read exactly", async () => {
    const { oracle, loop, logged } = await setup();
    const round = await days.nextRound();
    const clean = (await replaySource().read(Number(round))).quotes;
    const report = fixingOfWindow(await loadIndexDefinition("ATPI"), [{ time: Number(round), quotes: clean }], round).report;
    // One used quote from each slot in turn (a slot keeps at least one), so every bad entry is one the fixing reads.
    const pool = report.slots.map((sl) => sl.quotes.slice(0, -1).map((q) => clean.find((c) => c.provider === q.provider && c.model === q.model) as Quote));
    const victims: Quote[] = [];
    for (let k = 0; victims.length < 11 && k < 10; k++) for (const p of pool) if (p[k] && victims.length < 11) victims.push(p[k] as Quote);
    expect(victims).to.have.length(11);
    const entry = (q: Quote, input: string, output = shiftDecimal(q.output as string, -6)) =>
      `{"litellm_provider": ${JSON.stringify(q.provider)}, "mode": "chat", "input_cost_per_token": ${input}, "output_cost_per_token": ${output}}`;
    const v = victims as [Quote, Quote, Quote, Quote, Quote, Quote, Quote, Quote, Quote, Quote, Quote];
    const bad: [Quote, string, RegExp][] = [
      [v[0], entry(v[0], '"NaN"'), /^input price is not a usable decimal \(not a decimal number: "NaN"\)$/],
      [v[1], entry(v[1], shiftDecimal(v[1].input as string, -6), '"Infinity"'), /^output price is not a usable decimal \(not a decimal number: "Infinity"\)$/],
      [v[2], entry(v[2], "-0.000001"), /^input price is not strictly positive: -1$/],
      [v[3], entry(v[3], shiftDecimal(v[3].input as string, -6), "0"), /^output price is not strictly positive: 0$/],
      [v[4], entry(v[4], "1e308"), /^input price is not a usable decimal \(exponent out of range/],
      [v[5], entry(v[5], "9".repeat(400)), /^input price is not a usable decimal \(decimal text longer than 80 characters\)$/],
      [v[6], entry(v[6], "true"), /^input price is not a usable decimal \(not a decimal number: "<boolean>"\)$/],
      [v[7], entry(v[7], '"abc"'), /^input price is not a usable decimal \(not a decimal number: "abc"\)$/],
    ];
    const rejected: [Quote, string, string][] = [
      [v[8], '"a string, not an entry"', "entry is not an object"],
      [v[9], `{"litellm_provider": 42, "mode": "chat", "input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}`, "litellm_provider missing or not a string"],
    ];
    // A price in exponent notation is not garbage: read exactly, it leaves the value as it is.
    const exponent = entry(v[10], `${v[10].input}E-6`, `${v[10].output}e-06`);
    const raw = new Map([...bad, ...rejected].map(([q, text]) => [q.model, text]));
    raw.set(v[10].model, exponent);
    source.respond = body(liteLlmText(clean, raw));

    const outcomes = await loop.tick();
    expect(outcomes.map((o) => [o.round, o.post?.status])).to.deep.equal([[round, "sent"]]);
    const left = new Set([...bad, ...rejected].map(([q]) => q.model));
    const expected = await fixingOf(liteLlmText(clean.filter((q) => !left.has(q.model))), round);
    expect((await days.posted(oracle)).map(({ timestamp, value }) => ({ timestamp, value }))).to.deep.equal([{ timestamp: round, value: expected }]);
    expect(expected).to.not.equal(await fixingOf(liteLlmText(clean), round)); // the bad entries were ones that count

    const excludedLine = logged().find((l) => l.msg === "quotes excluded from the fixing: invalid or outlying prices left out");
    expect(excludedLine, "no log of the excluded quotes").to.not.equal(undefined);
    expect(excludedLine).to.include({ index: "ATPI", round: String(round), source: "litellm-json", count: bad.length });
    const quotes = excludedLine?.quotes as { provider: string; model: string; reason: string }[];
    for (const [q, , reason] of bad) {
      const named = quotes.find((x) => x.provider === q.provider && x.model === q.model);
      expect(named?.reason, `${q.provider} ${q.model}`).to.match(reason);
    }
    const rejectedLine = logged().find((l) => l.msg === "source entries rejected: left out of the fixing");
    expect(rejectedLine).to.deep.include({ index: "ATPI", source: "litellm-json", count: 2, entries: rejected.map(([q, , reason]) => `${q.model}: ${reason}`) });
  });
});
