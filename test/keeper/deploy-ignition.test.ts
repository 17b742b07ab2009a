/**
 * Deployment with Hardhat Ignition (ignition/modules): on the in-process chain (ignition.deploy) and on anvil (the
 * `hardhat ignition deploy` command): the oracle with its index and operators, the market over it, the first
 * series listed; deploying again resumes (nothing redeployed, same addresses); the deployment is recorded per
 * chain id (ignition/deployments/<id>/deployed_addresses.json).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import { type Address, decodeFunctionResult, encodeFunctionData, getAddress } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import MockCollateralModule from "../../ignition/modules/MockCollateral.js";
import SeriesModule from "../../ignition/modules/Series.js";
import { seriesId } from "../../sdk/orders.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { defaultSeriesParams } from "../../scripts/lib/deploy.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ATPI = indexIdFromName("ATPI");
const operators = Array.from({ length: 3 }, () => privateKeyToAccount(generatePrivateKey()).address);

describe("deployment with Hardhat Ignition", function () {
  this.timeout(180_000);

  it("in-process chain: oracle + index, market over it, first series listed", async () => {
    const { ignition, viem } = await network.create();
    const { collateral } = (await ignition.deploy(MockCollateralModule)) as unknown as { collateral: { address: Address } };
    const series = defaultSeriesParams(ATPI, 2_000_000_000n);
    const parameters = { Oracle: { operators }, Market: { collateral: collateral.address }, Series: { series: { ...series } } };
    const deployed = (await ignition.deploy(SeriesModule, { parameters })) as unknown as { market: { address: Address }; oracle: { address: Address } };
    const client = await viem.getPublicClient();
    const { market, oracle } = deployed;
    const onChainOperators = await client.readContract({ address: oracle.address, abi: indexOracleAbi, functionName: "operators", args: [ATPI] });
    expect(onChainOperators.map((a) => getAddress(a))).to.deep.equal(operators);
    expect(getAddress(await client.readContract({ address: market.address, abi: futuresMarketAbi, functionName: "oracle" }))).to.equal(getAddress(oracle.address));
    const state = await client.readContract({ address: market.address, abi: futuresMarketAbi, functionName: "seriesState", args: [seriesId(series)] });
    expect(state.listedAt > 0n).to.equal(true);
    expect(client.chain.id).to.equal(31337);
  });

  describe("on anvil, with the hardhat ignition deploy command", () => {
    let anvil: Anvil;
    const deploymentId = `test-anvil-${process.pid}`;
    const dir = join(ROOT, "ignition", "deployments", deploymentId);
    before(async () => {
      anvil = await startAnvil();
    });
    after(async () => {
      await anvil.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const deploy = (module: string, paramsFile: string) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js"), "ignition", "deploy", module, "--network", "localhost", "--parameters", paramsFile, "--deployment-id", deploymentId, "--build-profile", "default"],
          { cwd: ROOT, env: { ...process.env, LOCAL_RPC_URL: anvil.url, HARDHAT_DISABLE_TELEMETRY: "true", CI: "true" } },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
        );
      });

    it("deploys step by step and resumes: each later module reuses what the earlier ones deployed", async () => {
      const params = join(mkdtempSync(join(tmpdir(), "ignition-")), "params.json");
      const series = defaultSeriesParams(ATPI, 2_000_000_000n);
      const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));
      const addresses = () => JSON.parse(readFileSync(join(dir, "deployed_addresses.json"), "utf8")) as Record<string, string>;
      writeFileSync(params, json({}));
      const mock = await deploy("ignition/modules/MockCollateral.ts", params);
      expect(mock.code, mock.out).to.equal(0);
      const collateral = addresses()["MockCollateral#MockUSDC"];
      writeFileSync(params, json({ Oracle: { operators }, Market: { collateral }, Series: { series } }));
      const first = await deploy("ignition/modules/Market.ts", params);
      expect(first.code, first.out).to.equal(0);
      const afterMarket = addresses();
      expect(Object.keys(afterMarket).sort()).to.deep.equal(["Market#FuturesMarket", "MockCollateral#MockUSDC", "Oracle#IndexOracle"]);
      const second = await deploy("ignition/modules/Series.ts", params);
      expect(second.code, second.out).to.equal(0);
      expect(addresses()).to.deep.equal(afterMarket); // nothing redeployed: the listing was the only new step
      expect(existsSync(join(dir, "journal.jsonl"))).to.equal(true);
      const listed = await anvil.rpc<string>("eth_call", [{ to: afterMarket["Market#FuturesMarket"], data: encodeFunctionData({ abi: futuresMarketAbi, functionName: "seriesState", args: [seriesId(series)] }) }, "latest"]);
      const state = decodeFunctionResult({ abi: futuresMarketAbi, functionName: "seriesState", data: listed as `0x${string}` });
      expect(state.listedAt > 0n).to.equal(true);
      const again = await deploy("ignition/modules/Series.ts", params); // resumable: a re-run has nothing left to do
      expect(again.code, again.out).to.equal(0);
      expect(addresses()).to.deep.equal(afterMarket);
    });
  });
});
