/** npm run deploy / list-series as child processes against anvil, configured only through the environment. */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createPublicClient, http } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { parseDeployment } from "../../sdk/deployment.js";
import { type Anvil, startAnvil } from "../../scripts/lib/anvil.js";
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
  before(async () => {
    [anvil, other] = await Promise.all([startAnvil(), startAnvil({ chainId: 11_155_111 })]);
  });
  after(async () => {
    await Promise.all([anvil?.stop(), other?.stop()]);
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
    };
    const r = await run("deploy.ts", [], env);
    expect(r.code, r.stderr).to.equal(0);
    const file = join(dir, "31337.json");
    const d = parseDeployment(readFileSync(file, "utf8"), file);
    expect(d.operators).to.deep.equal(operators);
    expect(d.series.map((s) => s.params.expiry)).to.deep.equal([4_070_908_800n]);
    const client = createPublicClient({ transport: http(anvil.url) });
    const state = await client.readContract({ address: d.market, abi: futuresMarketAbi, functionName: "seriesState", args: [d.series[0]!.id] });
    expect(state.listed).to.equal(true);

    const l = await run("list-series.ts", ["--expiry", "4102444800", "--deployment", file], env);
    expect(l.code, l.stderr).to.equal(0);
    const d2 = parseDeployment(readFileSync(file, "utf8"), file);
    expect(d2.series.map((s) => s.params.expiry)).to.deep.equal([4_070_908_800n, 4_102_444_800n]);
  });

  it("refuses a plain private key on a non-local chain and a missing operator list", async () => {
    const base = { DEPLOYER_PRIVATE_KEY: devAccount(0, "deployer").privateKey, DEPLOYMENTS_DIR: mkdtempSync(join(tmpdir(), "deploy-")) };
    const [remote, noOps] = await Promise.all([
      run("deploy.ts", [], { ...base, RPC_URL: other.url, OPERATORS: devAccount(7, "operator").account.address }),
      run("deploy.ts", [], { ...base, RPC_URL: anvil.url }),
    ]);
    expect(remote.code).to.equal(1);
    expect(remote.stderr).to.contain("plain private keys are accepted only on local chains");
    expect(remote.stderr).to.contain("11155111");
    expect(noOps.code).to.equal(1);
    expect(noOps.stderr).to.contain("OPERATORS is not set");
  });
});
