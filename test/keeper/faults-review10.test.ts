/**
 * Operator faults, review 10, against the compiled bin where it matters: `liquidate` beside a running keeper
 * (the data directory's lock), `liquidate` meeting a damaged journal or a wrong market address, waits longer than
 * Node's timers can hold, a data directory that is a file, and the RPC probe loop's abort listeners.
 */
import { expect } from "chai";
import { getEventListeners } from "node:events";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { RpcPool } from "../../keeper/chain/rpc.js";
import { loadConfig } from "../../keeper/config/load.js";
import { validateConfig } from "../../keeper/config/schema.js";
import { ConfigError } from "../../keeper/config/validate.js";
import { parseQuotes } from "../../keeper/marketmaker/config.js";
import { parseCsvPrices } from "../../keeper/sources/csv.js";
import { liteLlmSource } from "../../keeper/sources/litellm.js";
import { MAX_INPUT_BYTES, readTextInput } from "../../keeper/sources/readInput.js";
import { SourceError } from "../../keeper/sources/types.js";
import { startFaultProxy } from "./helpers/faultProxy.js";
import { runKeeperCli, useSignerChain, writeKeeperConfig } from "./helpers/keeperBin.js";

/** A liquidator section that passes validation (the series need not exist: these runs stop before any scan). */
const LIQUIDATOR = {
  maxSize: 10,
  series: [{
    index: "ATPI", expiry: 1_900_000_000, contractSize: "1000", tickSize: "0.001", minSize: 1, initialMarginBps: 1_000,
    maintenanceMarginBps: 500, makerFeeBps: 0, takerFeeBps: 0, priceBandBps: 1_000, priceLimitBps: 400,
    liquidationPenaltyBps: 100, maxFixingAge: 7_200, settlementWindow: 86_400, settlementGrace: 86_400,
  }],
};

/** Polls `done` every 50 ms (at most 20 s). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
}

/** The output has no stack trace (neither printed nor as a JSON log field) and no crash line. */
function expectNoCrash(out: string, what: string): void {
  expect(out, what).to.not.match(/\n\s+at /);
  expect(out, what).to.not.include('"stack"');
  expect(out, what).to.not.include("uncaught exception");
}

describe("keeper operator faults (review 10)", function () {
  this.timeout(60_000);
  const { key, chain, base } = useSignerChain();
  /** The signer chain's config with a market (the oracle's address: a contract, but no market) and a liquidator. */
  const liquidating = () => ({ ...base(), contracts: { oracle: chain().oracle, market: chain().oracle }, liquidator: LIQUIDATOR });

  it("liquidate refuses a data directory another live keeper holds, as run and post do (two senders on one journal hand out the same nonces)", async () => {
    const cfg = writeKeeperConfig(liquidating());
    const data = join(dirname(cfg), "data");
    mkdirSync(data);
    writeFileSync(join(data, "keeper.lock"), String(process.pid)); // a live process: this test runner
    for (const sub of ["post", "liquidate"]) {
      const r = await runKeeperCli([sub, "--config", cfg], { OP_KEY: key });
      expect(r.code, `${sub}: ${r.stderr}`).to.equal(1);
      expect(r.stderr, sub).to.include(`data directory is in use by another keeper (pid ${process.pid}, lock ${join(data, "keeper.lock")})`);
      expect(r.stderr, sub).to.not.include("journal reconciled with chain"); // nothing read or sent
    }
  });

  it("a lock left by a keeper killed before a reboot, whose pid another process now has, is taken over (after a power loss the keeper starts again by itself)", async () => {
    const cfg = writeKeeperConfig({ ...base(), server: { port: 0 } });
    const lock = join(dirname(cfg), "data", "keeper.lock");
    const started = (r: { stdout: string }) => r.stdout.includes("keeper running");
    const killed = await runKeeperCli(["run", "--config", cfg], { OP_KEY: key }, { onSpawn: (kill, out) => void waitFor(() => started({ stdout: out() })).then(() => kill("SIGKILL")) });
    expect(started(killed), killed.stderr).to.equal(true);
    // After a reboot pids start over: the dead keeper's pid now belongs to another live process (here: this runner).
    const left = readFileSync(lock, "utf8");
    writeFileSync(lock, left.replace(/^\d+/, String(process.pid)));
    const restarted = await runKeeperCli(["run", "--config", cfg], { OP_KEY: key }, { onSpawn: (kill, out) => void waitFor(() => started({ stdout: out() })).then(() => kill("SIGTERM")) });
    expect(restarted.stderr, "refused a lock whose process is gone").to.not.include("data directory is in use");
    expect(started(restarted), restarted.stderr).to.equal(true);
  });

  it("run whose every RPC endpoint serves another chain does not wait (a configuration error): one line naming both chain ids, exit 1", async () => {
    const cfg = writeKeeperConfig({ ...base(), chainId: 1337, rpc: { urls: [chain().anvil.url], probeIntervalMs: 200 }, server: { port: 0 } });
    const r = await runKeeperCli(["run", "--config", cfg], { OP_KEY: key });
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout + r.stderr).to.include(`every rpc.urls endpoint serves another chain (${chain().anvil.chainId}), not chainId 1337: check chainId and rpc.urls`);
  });

  it("run started while its only RPC endpoint is down waits for it (nothing sent before the journal is reconciled), then runs; it no longer exits 1", async () => {
    const proxy = await startFaultProxy(chain().anvil.url);
    try {
      proxy.setMode("http5xx");
      const cfg = writeKeeperConfig({ ...base(), rpc: { urls: [proxy.url], probeIntervalMs: 200 }, server: { port: 0 } });
      const r = await runKeeperCli(["run", "--config", cfg], { OP_KEY: key }, {
        onSpawn: (kill, out) => void (async () => {
          await waitFor(() => out().includes("retrying"));
          proxy.setMode("pass");
          await waitFor(() => out().includes("keeper running"));
          kill("SIGTERM");
        })(),
      });
      expect(r.stdout, r.stderr).to.include("cannot reconcile the journal with the chain: nothing is sent before it succeeds; retrying");
      expect(r.stdout).to.include("journal reconciled with chain");
      expect(r.stdout).to.include("keeper running");
      expect(r.code, r.stdout).to.equal(0);
    } finally {
      await proxy.close();
    }
  });

  it("liquidate: a journal that is not a database, or a market address that holds no market, is one line naming it, exit 1, no crash or stack", async () => {
    const damaged = writeKeeperConfig(liquidating());
    const journal = join(dirname(damaged), "data", "journal.sqlite");
    mkdirSync(dirname(journal));
    writeFileSync(journal, "garbage ".repeat(600));
    const wrongMarket = writeKeeperConfig(liquidating());
    for (const [what, cfg, names] of [["damaged journal", damaged, `cannot open the journal ${journal}`], ["wrong market", wrongMarket, 'The contract function "oracle" reverted']] as const) {
      const r = await runKeeperCli(["liquidate", "--config", cfg], { OP_KEY: key });
      expect(r.code, what).to.equal(1);
      expect(r.stderr, what).to.include(names);
      expectNoCrash(r.stdout + r.stderr, what);
    }
  });

  it("a wait longer than Node's timers hold (schedule.pollMs, rpc.probeIntervalMs, liquidator.pollMs, the market maker's pollMs) is refused with its key; Node would run that loop every 1 ms", () => {
    const huge = 1e12; // ~31 years; setTimeout clamps anything above 2^31 - 1 ms to 1 ms
    let issues: string[] = [];
    try {
      validateConfig({
        ...base(),
        contracts: { oracle: chain().oracle, market: chain().oracle },
        rpc: { urls: [chain().anvil.url], probeIntervalMs: huge },
        schedule: { pollMs: huge },
        liquidator: { ...LIQUIDATOR, pollMs: huge },
      });
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      issues = (e as ConfigError).issues.map((i) => i.key);
    }
    expect(issues).to.have.members(["rpc.probeIntervalMs", "schedule.pollMs", "liquidator.pollMs"]);
    const quotes = { spreadBps: 50, size: 1, maxInventory: 10, maxMargin: 1_000_000 };
    expect(() => parseQuotes({ ...quotes, pollMs: huge })).to.throw(/pollMs/);
    expect(parseQuotes({ ...quotes, pollMs: 86_400_000 }).pollMs).to.equal(86_400_000); // a day still fits
  });

  it("a dataDir that is a file: run and liquidate name dataDir and the path, one line, no stack", async () => {
    const cfg = writeKeeperConfig({ ...liquidating(), dataDir: "./keeper.json" });
    for (const sub of ["run", "liquidate"]) {
      const r = await runKeeperCli([sub, "--config", cfg], { OP_KEY: key });
      expect(r.code, sub).to.equal(1);
      expect(r.stderr, sub).to.include(`dataDir ${cfg}: not a directory`);
      expectNoCrash(r.stdout + r.stderr, sub);
    }
  });

  it("the RPC probe loop adds no abort listener per probe (it kept one per probe for the keeper's whole life)", async () => {
    let probes = 0;
    const pool = new RpcPool({ urls: [chain().anvil.url], chainId: chain().anvil.chainId, onProbe: () => void probes++ });
    const stop = new AbortController();
    const running = pool.start(1, stop.signal);
    while (probes < 30) await new Promise((r) => setTimeout(r, 20));
    const listeners = getEventListeners(stop.signal, "abort").length;
    stop.abort();
    await running;
    expect(listeners, `after ${probes} probes`).to.be.at.most(1);
  });
});

describe("keeper operator faults (review 10): a CSV price file with a bad header", () => {
  it("names the header's line and shows its fields as written (a semicolon-separated file read as one column)", () => {
    const semicolons = "# prices exported from a spreadsheet\nprovider;model;input\nopenai;gpt-4o;2.5\n";
    expect(() => parseCsvPrices(semicolons, "p.csv")).to.throw(
      SourceError,
      'source p.csv: line 2: CSV header must name provider, model and input (or price); got ["provider;model;input"]',
    );
    expect(() => parseCsvPrices("name,cost\na,1\n", "p.csv")).to.throw(SourceError, 'line 1: CSV header must name provider, model and input (or price); got ["name","cost"]');
  });
});

describe("keeper operator faults (review 10): a byte order mark (a file saved by a Windows editor)", () => {
  it("a config file and a JSON price file that start with a UTF-8 BOM are read as without it (JSON.parse refused an invisible character)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keeper-bom-"));
    const config = { chainId: 31337, rpc: { urls: ["http://127.0.0.1:8545"] }, contracts: { oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }, indexes: ["ATPI"], keys: { signer: { privateKeyEnv: "K" } }, gas: { maxFeePerGasGwei: "1" } };
    writeFileSync(join(dir, "keeper.json"), `\uFEFF${JSON.stringify(config)}`);
    expect(loadConfig(join(dir, "keeper.json"), { env: {} }).config.chainId).to.equal(31337);
    writeFileSync(join(dir, "prices.json"), `\uFEFF{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}}`);
    expect((await liteLlmSource(join(dir, "prices.json")).read(0)).quotes).to.deep.equal([{ provider: "openai", model: "gpt-4o", input: "2.5e-06", output: "1e-05", scale: 6 }]);
  });
});

describe("keeper operator faults (review 10): a file input that is not a regular file", () => {
  it("a FIFO, a directory or a file above 64 MB is refused by name at once, and the FIFO's read never blocks the loop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keeper-input-"));
    const fifo = join(dir, "prices.fifo");
    execFileSync("mkfifo", [fifo]); // no writer: a plain read of it waits forever
    const refusal = (input: string) => readTextInput(input, { timeoutMs: 60_000 }).then(() => "read", (e: unknown) => (e instanceof SourceError ? e.message : String(e)));
    expect(await refusal(fifo)).to.equal(`source ${fifo}: not a regular file (a FIFO)`);
    expect(await refusal(dir)).to.equal(`source ${dir}: not a regular file (a directory)`);
    const big = join(dir, "big.json");
    truncateSync((writeFileSync(big, ""), big), MAX_INPUT_BYTES + 1); // sparse: nothing is written
    expect(await refusal(big)).to.equal(`source ${big}: input larger than ${MAX_INPUT_BYTES} bytes`);
  });
});
