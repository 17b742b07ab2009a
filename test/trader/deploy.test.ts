/**
 * npm run deploy / list-series as child processes against anvil, configured only through the environment: the
 * deployment goes through the Ignition modules (journaled per deployment id, resumable), the settings are checked
 * per variable.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPublicClient, http } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { parseDeployment } from "../../sdk/deployment.js";
import { type Anvil, startAnvil } from "../../scripts/lib/anvil.js";
import { ATPI_INDEX } from "../../scripts/lib/deploy.js";
import { parseDeploySettings } from "../../scripts/lib/deploySettings.js";
import { devAccount } from "../../scripts/lib/localMarket.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(TSX, [join(ROOT, "scripts", script), "--env", "/nonexistent/.env", ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("deploy and list-series commands (anvil)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let other: Anvil;
  const deploymentId = `test-deploy-${process.pid}`;
  const journal = join(ROOT, "ignition", "deployments", deploymentId);
  before(async () => {
    [anvil, other] = await Promise.all([startAnvil(), startAnvil({ chainId: 11_155_111 })]);
  });
  after(async () => {
    await Promise.all([anvil?.stop(), other?.stop()]);
    rmSync(journal, { recursive: true, force: true });
  });

  it("deploys from the environment, writes deployments/<chainId>.json, then lists a second series", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-"));
    const operators = [7, 8, 9].map((i) => devAccount(i, "operator").account.address);
    const env = {
      RPC_URL: anvil.url,
      DEPLOYER_PRIVATE_KEY: devAccount(0, "deployer").privateKey,
      OPERATORS: operators.join(","),
      SERIES_EXPIRY: "2099-01-01T00:00:00Z",
      DEPLOYMENTS_DIR: dir,
      DEPLOYMENT_ID: deploymentId,
      OWNER: devAccount(1, "trader").account.address,
    };
    const r = await run("deploy.ts", [], env);
    expect(r.code, r.stderr).to.equal(0);
    const file = join(dir, "31337.json");
    const d = parseDeployment(readFileSync(file, "utf8"), file);
    const addresses = JSON.parse(readFileSync(join(journal, "deployed_addresses.json"), "utf8")) as Record<string, string>;
    expect(addresses).to.deep.equal({ "MockCollateral#MockUSDC": d.collateral, "Oracle#IndexOracle": d.oracle, "Market#FuturesMarket": d.market });
    const client = createPublicClient({ transport: http(anvil.url) });
    expect(d.deployBlock).to.equal((await client.getTransactionReceipt({ hash: (await client.getBlock({ blockNumber: d.deployBlock, includeTransactions: true })).transactions[0]!.hash })).blockNumber);

    expect(d.pendingOwner).to.equal(env.OWNER);
    for (const address of [d.market, d.oracle]) expect(await client.readContract({ address, abi: futuresMarketAbi, functionName: "pendingOwner" })).to.equal(env.OWNER);

    // resumable: the same command again finds every step done, sends nothing and writes the same record
    const nonce = await client.getTransactionCount({ address: devAccount(0, "deployer").account.address });
    const again = await run("deploy.ts", [], env);
    expect(again.code, again.stderr).to.equal(0);
    expect(await client.getTransactionCount({ address: devAccount(0, "deployer").account.address })).to.equal(nonce);
    expect(parseDeployment(readFileSync(file, "utf8"), file)).to.deep.equal(d);
    expect(d.operators).to.deep.equal(operators);
    expect(d.series.map((s) => s.params.expiry)).to.deep.equal([4_070_908_800n]);
    const state = await client.readContract({ address: d.market, abi: futuresMarketAbi, functionName: "seriesState", args: [d.series[0]!.id] });
    expect(state.listed).to.equal(true);

    const l = await run("list-series.ts", ["--expiry", "4102444800", "--deployment", file], env);
    expect(l.code, l.stderr).to.equal(0);
    const d2 = parseDeployment(readFileSync(file, "utf8"), file);
    expect(d2.series.map((s) => s.params.expiry)).to.deep.equal([4_070_908_800n, 4_102_444_800n]);
  });

  it("refuses a plain private key on a non-local chain, bad settings (each variable named) and a journal of another chain", async () => {
    const operators = [7, 8, 9].map((i) => devAccount(i, "operator").account.address);
    const base = { DEPLOYER_PRIVATE_KEY: devAccount(0, "deployer").privateKey, DEPLOYMENTS_DIR: mkdtempSync(join(tmpdir(), "deploy-")), DEPLOYMENT_ID: deploymentId };
    const fresh = await startAnvil(); // same chain id as `anvil`, none of its contracts
    try {
      const [remote, noOps, bad, stale] = await Promise.all([
        run("deploy.ts", [], { ...base, RPC_URL: other.url, OPERATORS: operators.join(",") }),
        run("deploy.ts", [], { ...base, RPC_URL: anvil.url }),
        run("deploy.ts", [], { ...base, RPC_URL: anvil.url, OPERATORS: `${operators[0]},0x12`, INDEX_BREAKER_BPS: "ten", SERIES_EXPIRY: "soon" }),
        run("deploy.ts", [], { ...base, RPC_URL: fresh.url, OPERATORS: operators.join(",") }),
      ]);
      expect(remote.code).to.equal(1);
      expect(remote.stderr).to.contain("plain private keys are accepted only on local chains");
      expect(remote.stderr).to.contain("11155111");
      expect(noOps.code).to.equal(1);
      expect(noOps.stderr).to.contain("OPERATORS is not set");
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.contain('OPERATORS[1] is not an address: "0x12"');
      expect(bad.stderr).to.contain('INDEX_BREAKER_BPS must be a non-negative integer, got "ten"');
      expect(bad.stderr).to.contain('SERIES_EXPIRY must be unix seconds or an ISO-8601 UTC time like 2026-12-31T08:00:00Z, got "soon"');
      expect(stale.code).to.equal(1);
      expect(stale.stderr).to.match(/records MockCollateral#MockUSDC at 0x[0-9a-fA-F]{40}, which has no code on this chain/);
    } finally {
      await fresh.stop();
    }
  });
});

describe("deploy settings (scripts/lib/deploySettings.ts)", () => {
  const operators = [7, 8, 9].map((i) => devAccount(i, "operator").account.address);

  it("fills the ATPI defaults, parses times and values, and checks the operator count against f", () => {
    const s = parseDeploySettings({ RPC_URL: " http://x ", OPERATORS: operators.join(", "), SERIES_EXPIRY: "2099-01-01", INDEX_MIN: "0.5", COLLATERAL: "" });
    expect(s).to.deep.include({ url: "http://x", operators, collateral: undefined, seriesExpiry: 4_070_908_800n });
    expect(s.index).to.deep.equal({ ...ATPI_INDEX, minValue: 5n * 10n ** 17n });
    expect(() => parseDeploySettings({ RPC_URL: "http://x", OPERATORS: operators.join(","), INDEX_FAULT_TOLERANCE: "2" })).to.throw(
      "OPERATORS has 3 addresses; INDEX_FAULT_TOLERANCE=2 needs at least 5 (2f + 1)",
    );
    expect(() => parseDeploySettings({ OPERATORS: operators.join(","), SERIES_EXPIRY: "2099-13-45", DEPLOYMENT_ID: "../x" })).to.throw(
      ['RPC_URL is not set (see .env.example)', 'SERIES_EXPIRY must be unix seconds or an ISO-8601 UTC time like 2026-12-31T08:00:00Z, got "2099-13-45"', "DEPLOYMENT_ID must be letters, digits, - and _"].join("\n"),
    );
  });
});
