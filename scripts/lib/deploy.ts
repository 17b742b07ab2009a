/**
 * The deployment fixture of the demo, the dev chain, the benchmarks and the tests: MockUSDC, IndexOracle and
 * FuturesMarket in plain transactions on a throwaway chain (Hardhat in-process or anvil), the index created with its
 * operators, series listed. Not a way to deploy to a real network: that is `npm run deploy`, through the Ignition
 * modules (scripts/lib/ignitionDeploy.ts, resumable). Kept beside them because Ignition costs 0.3-1.2 s per
 * deployment where this takes 0.06-0.1 s, and the test suite deploys some 70 times; a throwaway chain has nothing to
 * resume. Also the shared pieces of both: the artifact reader, the ATPI index defaults, `defaultSeriesParams`,
 * listing one more series and writing the deployment file. Reads bytecode from artifacts/ (`npx hardhat build`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { getAddress } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { type Deployment, deploymentToJson } from "../../sdk/deployment.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { type SeriesParams, seriesId } from "../../sdk/orders.js";

export const ROOT = resolve(import.meta.dirname, "..", "..");

const ARTIFACTS = {
  MockUSDC: "mocks/MockUSDC",
  IndexOracle: "oracle/IndexOracle",
  FuturesMarket: "futures/FuturesMarket",
} as const;

/**
 * ABI and creation bytecode of a compiled contract from artifacts/, named by its source path under contracts/
 * without `.sol` (e.g. "mocks/MockIndexOracle"). The one artifact reader of scripts and tests.
 */
export function contractArtifact(source: string): { abi: Abi; bytecode: Hex } {
  const name = source.split("/").at(-1) ?? source;
  const path = join(ROOT, "artifacts", "contracts", `${source}.sol`, `${name}.json`);
  if (!existsSync(path)) throw new Error(`deploy: ${path} is missing; run \`npx hardhat build\` first`);
  const artifact = JSON.parse(readFileSync(path, "utf8")) as { abi: Abi; bytecode: Hex };
  if (!artifact.bytecode || artifact.bytecode === "0x") throw new Error(`deploy: ${path} has no bytecode`);
  return { abi: artifact.abi, bytecode: artifact.bytecode };
}

/** ABI and creation bytecode of one of the deployed contracts, from artifacts/. */
export function readArtifact(name: keyof typeof ARTIFACTS): { abi: Abi; bytecode: Hex } {
  return contractArtifact(ARTIFACTS[name]);
}

export type Wallet = WalletClient<Transport, Chain | undefined, Account>;

export interface IndexSpec {
  /** Short ASCII name, e.g. "ATPI". */
  name: string;
  /** Accepted value range (18 decimals, inclusive). */
  minValue: bigint;
  maxValue: bigint;
  /** Seconds a fixing may be stamped ahead of the block. */
  maxFutureSkew: number;
  /** f: operators that may sign anything; the oracle needs max(2f + 1, n / 2 + 1) signatures and n >= 2f + 1. */
  faultTolerance: number;
  /** A post whose highest value exceeds its lowest by more than this share of the lowest is rejected. */
  maxSpreadBps: number;
  /** A fixing further than this from the stored one is held until a confirmation round (or all operators sign). */
  breakerBps: number;
  /** Seconds of fixing time a held move waits for its confirmation round. */
  breakerDelay: number;
}

/**
 * ATPI defaults (docs/oracle.md): 0.001 to 10,000 USD per 1M tokens, 5 minutes of future skew, f = 1 (with the
 * default 4 operators: quorum 3, one operator may be down), values within 0.5 % of each other, moves beyond 10 %
 * confirmed by a round at least one hour later.
 */
export const ATPI_INDEX: IndexSpec = {
  name: "ATPI",
  minValue: 10n ** 15n,
  maxValue: 10n ** 22n,
  maxFutureSkew: 300,
  faultTolerance: 1,
  maxSpreadBps: 50,
  breakerBps: 1_000,
  breakerDelay: 3_600,
};

/** createIndex's IndexParams from an index spec. */
export function indexParams(index: IndexSpec) {
  return {
    minValue: index.minValue,
    maxValue: index.maxValue,
    maxFutureSkew: index.maxFutureSkew,
    faultTolerance: index.faultTolerance,
    maxSpreadBps: index.maxSpreadBps,
    breakerBps: index.breakerBps,
    breakerDelay: index.breakerDelay,
  };
}

/** A series on `indexId` expiring at `expiry` with the project's default risk parameters (see docs/developers.md). */
export function defaultSeriesParams(indexId: Hex, expiry: bigint, overrides: Partial<SeriesParams> = {}): SeriesParams {
  return {
    indexId,
    expiry,
    contractSize: 1_000_000_000n, // 1,000 USDC per 1.0 of index
    tickSize: 10n ** 15n, // 0.001
    minSize: 1n,
    initialMarginBps: 1_000,
    maintenanceMarginBps: 500,
    makerFeeBps: 2,
    takerFeeBps: 5,
    priceBandBps: 1_000,
    priceLimitBps: 400,
    liquidationPenaltyBps: 200,
    maxFixingAge: 7 * 86_400,
    settlementWindow: 3_600,
    settlementGrace: 86_400,
    ...overrides,
  };
}

export interface DeployOptions {
  publicClient: PublicClient;
  wallet: Wallet;
  index?: IndexSpec | undefined;
  operators: readonly Address[];
  series?: readonly SeriesParams[] | undefined;
  /** Progress lines (default: silent). */
  log?: ((line: string) => void) | undefined;
}

async function deployContract(o: DeployOptions, name: keyof typeof ARTIFACTS, args: readonly unknown[]): Promise<{ address: Address; block: bigint }> {
  const { abi, bytecode } = readArtifact(name);
  const hash = await o.wallet.deployContract({ abi, bytecode, args, chain: o.wallet.chain ?? null } as never);
  const receipt = await o.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploy: ${name} deployment reverted (${hash})`);
  o.log?.(`${name} at ${receipt.contractAddress}`);
  return { address: getAddress(receipt.contractAddress), block: receipt.blockNumber };
}

async function send(o: Pick<DeployOptions, "publicClient" | "wallet">, address: Address, abi: Abi, functionName: string, args: readonly unknown[]): Promise<void> {
  const { request } = await o.publicClient.simulateContract({ address, abi, functionName, args, account: o.wallet.account } as never);
  const hash = await o.wallet.writeContract({ ...(request as object), chain: o.wallet.chain ?? null } as never);
  const receipt = await o.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`deploy: ${functionName} reverted (${hash})`);
}

/** Deploys the fixture (the deployer owns everything); returns the deployment record (not yet written to disk). */
export async function deployAll(o: DeployOptions): Promise<Deployment> {
  const index = o.index ?? ATPI_INDEX;
  if (o.operators.length < 2 * index.faultTolerance + 1) {
    throw new Error(`deploy: fault tolerance ${index.faultTolerance} needs at least ${2 * index.faultTolerance + 1} operators, got ${o.operators.length}`);
  }
  const deployer = o.wallet.account.address;
  const indexId = indexIdFromName(index.name);
  const collateral = (await deployContract(o, "MockUSDC", [])).address;
  // The deployer owns the oracle (it creates the index) and the market (it lists the series).
  const oracle = (await deployContract(o, "IndexOracle", [deployer])).address;
  const market = await deployContract(o, "FuturesMarket", [deployer, collateral, oracle]);
  await send(o, oracle, indexOracleAbi, "createIndex", [indexId, indexParams(index), [...o.operators]]);
  o.log?.(`index ${index.name} with ${o.operators.length} operators, fault tolerance ${index.faultTolerance}`);
  const series: Deployment["series"] = [];
  for (const params of o.series ?? []) {
    await send(o, market.address, futuresMarketAbi, "listSeries", [params]);
    series.push({ id: seriesId(params), params });
    o.log?.(`series ${seriesId(params)} (expiry ${params.expiry})`);
  }
  return {
    chainId: await o.publicClient.getChainId(),
    market: market.address,
    oracle,
    collateral,
    owner: getAddress(deployer),
    deployBlock: market.block,
    indexId,
    operators: [...o.operators].map((a) => getAddress(a)),
    series,
  };
}

/** Lists one more series on a deployment (the wallet must own the market); returns the updated record. */
export async function listNewSeries(
  c: Pick<DeployOptions, "publicClient" | "wallet">,
  deployment: Deployment,
  params: SeriesParams,
): Promise<Deployment> {
  await send(c, deployment.market, futuresMarketAbi, "listSeries", [params]);
  return { ...deployment, series: [...deployment.series, { id: seriesId(params), params }] };
}

/** Writes `<dir>/<chainId>.json` and returns its path. */
export function writeDeployment(d: Deployment, dir = join(ROOT, "deployments")): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${d.chainId}.json`);
  writeFileSync(path, deploymentToJson(d));
  return path;
}
