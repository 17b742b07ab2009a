/**
 * `npm run deploy`: deploys tokenfutures through the Ignition modules (scripts/lib/ignitionDeploy.ts: resumable,
 * journaled in ignition/deployments/chain-<chainId>/) on the network of RPC_URL with the deployer key of `.env`
 * (see .env.example), and writes deployments/<chainId>.json for the SDK, the CLI and the keepers.
 *   npm run deploy -- [--env .env] [--dry-run]
 * Run it again after a failure (RPC down, out of gas): it resumes, and a finished deployment sends nothing.
 */
import { parseArgs } from "node:util";
import { createPublicClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { defaultSeriesParams, writeDeployment } from "./lib/deploy.js";
import { parseDeploySettings } from "./lib/deploySettings.js";
import { deployerKey, loadEnv, readSeriesOverrides } from "./lib/env.js";
import { deployWithIgnition } from "./lib/ignitionDeploy.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { env: { type: "string", default: ".env" }, "dry-run": { type: "boolean", default: false } },
    strict: true,
  });
  const env = loadEnv(values.env);
  const s = parseDeploySettings(env);
  const overrides = s.seriesParamsFile ? readSeriesOverrides(s.seriesParamsFile) : {};
  const series = s.seriesExpiry === undefined ? undefined : defaultSeriesParams(s.indexId, s.seriesExpiry, overrides);
  const chainId = await createPublicClient({ transport: http(s.url) }).getChainId();
  const key = await deployerKey(env, chainId);
  const from = privateKeyToAccount(key).address;
  console.log(`deploying to chain ${chainId} from ${from}: ${s.collateral ? `collateral ${s.collateral}` : "MockUSDC"}, index ${s.index.name}, ${s.operators.length} operators, ${series ? 1 : 0} series`);
  if (values["dry-run"]) return;
  const deployment = await deployWithIgnition({ ...s, deployerKey: key, series, log: (l) => console.log(`  ${l}`) });
  console.log(`wrote ${writeDeployment(deployment, s.deploymentsDir)}`);
  if (deployment.pendingOwner) console.log(`ownership offered to ${deployment.pendingOwner}: it must call acceptOwnership() on the market and the oracle`);
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`deploy: ${e.message}`);
    process.exit(1);
  },
);
