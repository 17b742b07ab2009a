/**
 * The production deployment: the Ignition modules of ignition/modules (MockCollateral when no collateral is given,
 * Oracle + Market, Series for a first series, Ownership when another owner is named) run against any RPC with the
 * deployer's key. Ignition journals every step in ignition/deployments/<deploymentId>/ (default `chain-<chainId>`),
 * so an interrupted deployment resumes where it stopped and a finished one sends nothing. Returns the deployment
 * record the SDK and the CLI read (deployments/<chainId>.json).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HardhatArtifactResolver } from "@nomicfoundation/hardhat-ignition/helpers";
import { listTransactions } from "@nomicfoundation/ignition-core";
import hre from "hardhat";
import { type Address, type Hex, createPublicClient, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import MarketModule from "../../ignition/modules/Market.js";
import MockCollateralModule from "../../ignition/modules/MockCollateral.js";
import OwnershipModule from "../../ignition/modules/Ownership.js";
import SeriesModule from "../../ignition/modules/Series.js";
import type { Deployment } from "../../sdk/deployment.js";
import { type SeriesParams, seriesId } from "../../sdk/orders.js";
import { type IndexSpec, indexParams } from "./deploy.js";

export interface IgnitionDeployOptions {
  url: string;
  deployerKey: Hex;
  operators: readonly Address[];
  index: IndexSpec;
  indexId: Hex;
  /** A 6-decimal token; else the MockCollateral module's MockUSDC. */
  collateral?: Address | undefined;
  /** Offer ownership of oracle and market to this account (Ownership module). */
  owner?: Address | undefined;
  /** A first series to list (Series module). */
  series?: SeriesParams | undefined;
  /** Ignition's deployment id (default `chain-<chainId>`). */
  deploymentId?: string | undefined;
  log?: ((line: string) => void) | undefined;
}

type Deployed = Record<string, { address: Address }>;

/** Refuses a journal whose contracts are not on this chain (a local chain restarted, a testnet reset). */
async function checkJournal(dir: string, getCode: (a: Address) => Promise<Hex | undefined>): Promise<void> {
  const file = join(dir, "deployed_addresses.json");
  if (!existsSync(file)) return;
  for (const [future, address] of Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, Address>)) {
    const code = await getCode(address);
    if (code === undefined || code === "0x") {
      throw new Error(`${dir} records ${future} at ${address}, which has no code on this chain (a restarted or other chain): remove that directory or set DEPLOYMENT_ID`);
    }
  }
}

/** Deploys (or resumes) through the Ignition modules and returns the deployment record. */
export async function deployWithIgnition(o: IgnitionDeployOptions): Promise<Deployment> {
  const deployer = privateKeyToAccount(o.deployerKey).address;
  const client = createPublicClient({ transport: http(o.url) });
  const chainId = await client.getChainId();
  const deploymentId = o.deploymentId ?? `chain-${chainId}`;
  const dir = join(hre.config.paths.ignition, "deployments", deploymentId);
  await checkJournal(dir, (address) => client.getCode({ address }));
  const connection = await hre.network.create({ network: "deploy", override: { url: o.url, accounts: [o.deployerKey] } });
  try {
    const run = async (module: Parameters<typeof connection.ignition.deploy>[0], parameters = {}) =>
      (await connection.ignition.deploy(module, { parameters, deploymentId })) as unknown as Deployed;
    const collateral = o.collateral ?? getAddress((await run(MockCollateralModule)).collateral?.address as Address);
    o.log?.(`collateral ${collateral}${o.collateral ? "" : " (MockUSDC)"}`);
    const parameters = {
      Oracle: { indexId: o.indexId, indexParams: indexParams(o.index), operators: [...o.operators] },
      Market: { collateral },
      ...(o.series ? { Series: { series: { ...o.series } } } : {}),
      ...(o.owner ? { Ownership: { owner: o.owner } } : {}),
    };
    const { market, oracle } = await run(o.series ? SeriesModule : MarketModule, parameters);
    if (!market || !oracle) throw new Error("deploy: the Market module returned no market or oracle");
    o.log?.(`IndexOracle ${oracle.address}, index ${o.index.name} with ${o.operators.length} operators, fault tolerance ${o.index.faultTolerance}`);
    o.log?.(`FuturesMarket ${market.address}${o.series ? `, series ${seriesId(o.series)} (expiry ${o.series.expiry})` : ""}`);
    const pendingOwner = o.owner && getAddress(o.owner) !== deployer ? getAddress(o.owner) : undefined;
    if (pendingOwner) {
      await run(OwnershipModule, parameters);
      o.log?.(`ownership of both offered to ${pendingOwner}`);
    }
    const txs = await listTransactions(dir, new HardhatArtifactResolver(hre.artifacts));
    const marketTx = txs.find((t) => t.address !== undefined && getAddress(t.address) === getAddress(market.address));
    if (!marketTx) throw new Error(`deploy: ${dir} has no transaction deploying the market`);
    const { blockNumber } = await client.getTransactionReceipt({ hash: marketTx.txHash as Hex });
    return {
      chainId,
      market: getAddress(market.address),
      oracle: getAddress(oracle.address),
      collateral,
      owner: deployer,
      ...(pendingOwner ? { pendingOwner } : {}),
      deployBlock: blockNumber,
      indexId: o.indexId,
      operators: o.operators.map((a) => getAddress(a)),
      series: o.series ? [{ id: seriesId(o.series), params: o.series }] : [],
    };
  } finally {
    await connection.provider.close?.();
  }
}
