/**
 * `npm run deploy`: deploys and configures tokenfutures on the network of RPC_URL with the keys of `.env` (see
 * .env.example), and writes deployments/<chainId>.json.
 *   npm run deploy -- [--env .env] [--dry-run]
 */
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { indexIdFromName } from "../sdk/oracle.js";
import { ATPI_INDEX, type Wallet, defaultSeriesParams, deployAll, writeDeployment } from "./lib/deploy.js";
import { address, deployerAccount, intVar, loadEnv, parseTime, readSeriesOverrides, required, wadVar } from "./lib/env.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { env: { type: "string", default: ".env" }, "dry-run": { type: "boolean", default: false } },
    strict: true,
  });
  const env = loadEnv(values.env);
  const url = required(env, "RPC_URL");
  const operators = required(env, "OPERATORS")
    .split(",")
    .map((s, i) => address(s.trim(), `OPERATORS[${i}]`));
  const collateral = env.COLLATERAL?.trim() ? address(env.COLLATERAL.trim(), "COLLATERAL") : undefined;
  const owner = env.OWNER?.trim() ? address(env.OWNER.trim(), "OWNER") : undefined;
  const index = {
    name: env.INDEX_NAME?.trim() || ATPI_INDEX.name,
    minValue: wadVar(env, "INDEX_MIN", ATPI_INDEX.minValue),
    maxValue: wadVar(env, "INDEX_MAX", ATPI_INDEX.maxValue),
    maxFutureSkew: intVar(env, "INDEX_MAX_FUTURE_SKEW", ATPI_INDEX.maxFutureSkew),
    faultTolerance: intVar(env, "INDEX_FAULT_TOLERANCE", ATPI_INDEX.faultTolerance),
    maxSpreadBps: intVar(env, "INDEX_MAX_SPREAD_BPS", ATPI_INDEX.maxSpreadBps),
    breakerBps: intVar(env, "INDEX_BREAKER_BPS", ATPI_INDEX.breakerBps),
    breakerDelay: intVar(env, "INDEX_BREAKER_DELAY", ATPI_INDEX.breakerDelay),
  };
  const indexId = indexIdFromName(index.name);
  const overrides = env.SERIES_PARAMS?.trim() ? readSeriesOverrides(env.SERIES_PARAMS.trim()) : {};
  const series = env.SERIES_EXPIRY?.trim() ? [defaultSeriesParams(indexId, parseTime(env.SERIES_EXPIRY.trim(), "SERIES_EXPIRY"), overrides)] : [];

  const chainId = await createPublicClient({ transport: http(url) }).getChainId();
  const account = await deployerAccount(env, chainId);
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport: http(url) });
  const wallet = createWalletClient({ chain, transport: http(url), account }) as Wallet;
  console.log(`deploying to chain ${chainId} from ${account.address}: ${collateral ? `collateral ${collateral}` : "MockUSDC"}, index ${index.name}, ${operators.length} operators, ${series.length} series`);
  if (values["dry-run"]) return;
  const deployment = await deployAll({ publicClient: publicClient as never, wallet, collateral, owner, index, operators, series, log: (l) => console.log(`  ${l}`) });
  const path = writeDeployment(deployment, env.DEPLOYMENTS_DIR?.trim() || undefined);
  console.log(`wrote ${path}`);
  if (deployment.pendingOwner) console.log(`ownership offered to ${deployment.pendingOwner}: it must call acceptOwnership() on the market and the oracle`);
}

main().catch((e: Error) => {
  console.error(`deploy: ${e.message}`);
  process.exit(1);
});
