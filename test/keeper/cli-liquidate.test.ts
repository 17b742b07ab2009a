/** `keeper liquidate`: config validation, a dry run that sends nothing, one real scan, and a second scan with nothing left. */
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { run } from "../../keeper/commands/liquidate.js";
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

  function writeConfig(overrides: Record<string, unknown> = {}): string {
    const p = m.params;
    const config = {
      chainId: 31337,
      rpc: { urls: [anvil.url] },
      contracts: { oracle: m.oracle, market: m.market },
      indexes: ["ATPI"],
      keys: { signer: { privateKeyEnv: "KEEPER_KEY" } },
      gas: { maxFeePerGasGwei: "100" },
      dataDir: join(dir, "data"),
      logLevel: "warn",
      liquidator: {
        series: [{
          index: "ATPI", expiry: Number(p.expiry), contractSize: "1000", tickSize: "0.001", minSize: 1,
          initialMarginBps: p.initialMarginBps, maintenanceMarginBps: p.maintenanceMarginBps, makerFeeBps: p.makerFeeBps,
          takerFeeBps: p.takerFeeBps, priceBandBps: p.priceBandBps, liquidationPenaltyBps: p.liquidationPenaltyBps,
          maxFixingAge: p.maxFixingAge, settlementWindow: p.settlementWindow, settlementGrace: p.settlementGrace,
        }],
        maxSize: 100,
        finalityDepth: 0,
        startBlock: Number(m.startBlock),
      },
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
    await m.setIndex(DROP);
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
});
