/** `keeper liquidate`: config validation, a dry run that sends nothing, one real scan, and a second scan with nothing left. */
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { run } from "../../keeper/commands/liquidate.js";
import { loadConfig } from "../../keeper/config/load.js";
import { runLiquidators } from "../../keeper/liquidator/service.js";
import { createLogger } from "../../keeper/observability/log.js";
import { createRuntime } from "../../keeper/service/runtime.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { type MarketChain, USDC, deployMarketChain } from "./helpers/marketChain.js";

describe("keeper liquidate (one scan, then exit)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let m: MarketChain;
  let dir: string;
  let thin: LocalAccount[];
  const keeperKey = generatePrivateKey();
  const keeper = privateKeyToAccount(keeperKey);
  const DROP = 329n * 10n ** 16n;
  let setupNonce = 0; // the keeper's own mint/approve/deposit

  function baseLiquidator() {
    const p = m.params;
    return {
      series: [{
        index: "ATPI", expiry: Number(p.expiry), contractSize: "1000", tickSize: "0.001", minSize: 1,
        initialMarginBps: p.initialMarginBps, maintenanceMarginBps: p.maintenanceMarginBps, makerFeeBps: p.makerFeeBps,
        takerFeeBps: p.takerFeeBps, priceBandBps: p.priceBandBps, priceLimitBps: p.priceLimitBps, liquidationPenaltyBps: p.liquidationPenaltyBps,
        maxFixingAge: p.maxFixingAge, settlementWindow: p.settlementWindow, settlementGrace: p.settlementGrace,
      }],
      maxSize: 100,
      finalityDepth: 0,
      startBlock: Number(m.startBlock),
    };
  }

  function writeConfig(overrides: Record<string, unknown> = {}): string {
    const config = {
      chainId: 31337,
      rpc: { urls: [anvil.url] },
      contracts: { oracle: m.oracle, market: m.market },
      indexes: ["ATPI"],
      keys: { signer: { privateKeyEnv: "KEEPER_KEY" } },
      gas: { maxFeePerGasGwei: "100" },
      dataDir: join(dir, "data"),
      logLevel: "warn",
      liquidator: baseLiquidator(),
      ...overrides,
    };
    const path = join(dir, "keeper.json");
    writeFileSync(path, JSON.stringify(config));
    return path;
  }

  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args, { out: (t) => out.push(t), err: (t) => err.push(t), env: { KEEPER_KEY: keeperKey } });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  before(async () => {
    anvil = await startAnvil();
    m = await deployMarketChain(anvil);
    dir = mkdtempSync(join(tmpdir(), "keeper-liquidate-"));
    const counterparty = await m.trader(10_000_000n * USDC);
    thin = [await m.trader(), await m.trader()];
    for (const a of thin) await m.trade(a, counterparty, { isBuy: true, size: 10n });
    await m.trader(1_000_000n * USDC, keeper);
    setupNonce = await m.publicClient.getTransactionCount({ address: keeper.address });
    await m.moveMark(DROP); // two fixings: the mark moves at most 4 % per fixing
  });
  after(async () => anvil?.stop());

  it("a liquidator section without contracts.market stops with a message naming the key", async () => {
    const path = writeConfig({ contracts: { oracle: m.oracle } });
    const r = await cli(["--config", path]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("contracts.market");
  });

  it("--dry-run reports the unhealthy accounts and sends nothing", async () => {
    const r = await cli(["--config", writeConfig(), "--dry-run"]);
    expect(r.code, r.err).to.equal(0);
    const report = JSON.parse(r.out) as { dryRun: boolean; series: { unhealthy: { account: string }[]; sent: string[] }[] };
    expect(report.dryRun).to.equal(true);
    expect(report.series[0]?.unhealthy.map((c) => c.account).sort()).to.deep.equal(thin.map((a) => a.address.toLowerCase()).sort());
    expect(await m.publicClient.getTransactionCount({ address: keeper.address })).to.equal(setupNonce);
  });

  it("a real scan liquidates both and exits 0; a second scan finds nothing and sends nothing", async () => {
    const r = await cli(["--config", writeConfig()]);
    expect(r.code, r.err).to.equal(0);
    expect((JSON.parse(r.out) as { series: { sent: string[] }[] }).series[0]?.sent).to.have.length(2);
    for (const a of thin) expect((await m.read.health(a.address, DROP)).liquidatable).to.equal(false);
    const nonce = await m.publicClient.getTransactionCount({ address: keeper.address });
    expect(nonce).to.equal(setupNonce + 2);
    const again = await cli(["--config", writeConfig()]);
    expect(again.code, again.err).to.equal(0);
    expect((JSON.parse(again.out) as { series: { unhealthy: unknown[] }[] }).series[0]?.unhealthy).to.deep.equal([]);
    expect(await m.publicClient.getTransactionCount({ address: keeper.address })).to.equal(nonce);
  });

  it("the service loop (run) liquidates after a new fixing without being asked, and stops on shutdown", async () => {
    const counterparty = await m.trader(10_000_000n * USDC);
    const more = [await m.trader(), await m.trader()];
    for (const a of more) await m.trade(a, counterparty, { isBuy: true, size: 10n, limitPrice: DROP });
    const runtime = await createRuntime(loadConfig(writeConfig({ liquidator: { ...baseLiquidator(), pollMs: 100 } }), { env: { KEEPER_KEY: keeperKey } }), { log: createLogger({ level: "info", write: (l) => logs.push(l) }), signals: [] });
    const logs: string[] = [];
    await runtime.reconcile();
    const loop = runLiquidators(runtime);
    const background = runtime.runBackground();
    const lower = 309n * 10n ** 16n; // -6 % again, in two fixings within the 4 % price limit (one beyond it would settle)
    // The loop sees the first fixing and stores it as the mark (updateMark); the second one makes both liquidatable.
    const { id } = m;
    const stored = async () => (await m.publicClient.readContract({ address: m.market, abi: futuresMarketAbi, functionName: "seriesState", args: [id] })).markTime;
    const first = await stored();
    await m.setIndex(317n * 10n ** 16n);
    const deadline = Date.now() + 30_000;
    try {
    while ((await stored()) === first) {
      if (Date.now() > deadline) throw new Error(`no updateMark within 30 s: ${logs.join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await m.setIndex(lower);
    const liquidated = async () => (await Promise.all(more.map((a) => m.read.health(a.address, lower)))).every((h) => !h.liquidatable);
    while (!(await liquidated())) {
      if (Date.now() > deadline) throw new Error(`not liquidated within 30 s: ${logs.join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const a of more) expect((await m.read.position(a.address)).size < 10n).to.equal(true);
    } finally {
      await runtime.shutdown.shutdown("test end");
      await Promise.all([loop, background]);
    }
  });

  it("as a real process: `keeper liquidate` over JSON-RPC liquidates the account a new fixing made unhealthy", async () => {
    const counterparty = await m.trader(10_000_000n * USDC);
    const victim = await m.trader();
    const at = 309n * 10n ** 16n;
    await m.trade(victim, counterparty, { isBuy: true, size: 10n, limitPrice: at });
    const lower = 290n * 10n ** 16n;
    await m.moveMark(lower);
    const cli = fileURLToPath(new URL("../../keeper/cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "liquidate", "--config", writeConfig()], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, KEEPER_KEY: keeperKey },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code, err + out).to.equal(0);
    const report = JSON.parse(out) as { series: { sent: string[] }[] };
    expect(report.series[0]?.sent).to.include(victim.address.toLowerCase());
    expect((await m.read.health(victim.address, lower)).liquidatable).to.equal(false);
    // Every account but the keeper itself (it cannot liquidate itself) is back above maintenance.
    for (const a of [...thin, victim]) expect((await m.read.health(a.address, lower)).liquidatable, a.address).to.equal(false);
  });
});
