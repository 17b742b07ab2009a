/**
 * `npm run list-series`: lists a new series on an existing deployment and adds it to the deployment file.
 *   npm run list-series -- --expiry 2026-12-31T08:00:00Z [--deployment deployments/<chainId>.json] [--params p.json] [--env .env]
 * The sender (the market's owner) comes from `.env` like for `npm run deploy`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { deploymentToJson, readDeployment } from "../sdk/deployment.js";
import { ROOT, type Wallet, defaultSeriesParams, listNewSeries } from "./lib/deploy.js";
import { EnvError, deployerAccount, loadEnv, parseTime, readSeriesOverrides, required } from "./lib/env.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: "string", default: ".env" },
      deployment: { type: "string" },
      expiry: { type: "string" },
      params: { type: "string" },
    },
    strict: true,
  });
  if (!values.expiry) throw new EnvError("--expiry is required (unix seconds or ISO-8601 UTC)");
  const env = loadEnv(values.env);
  const url = required(env, "RPC_URL");
  const chainId = await createPublicClient({ transport: http(url) }).getChainId();
  const file = values.deployment ?? join(env.DEPLOYMENTS_DIR?.trim() || join(ROOT, "deployments"), `${chainId}.json`);
  const deployment = readDeployment(file);
  if (deployment.chainId !== chainId) throw new EnvError(`${file} is for chain ${deployment.chainId}, RPC_URL serves chain ${chainId}`);
  const params = defaultSeriesParams(deployment.indexId, parseTime(values.expiry, "--expiry"), values.params ? readSeriesOverrides(values.params) : {});
  const account = await deployerAccount(env, chainId);
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport: http(url) });
  const wallet = createWalletClient({ chain, transport: http(url), account }) as Wallet;
  const updated = await listNewSeries({ publicClient: publicClient as never, wallet }, deployment, params);
  const added = updated.series.at(-1);
  writeFileSync(file, deploymentToJson(updated));
  console.log(`listed series ${added?.id} (expiry ${params.expiry}); updated ${file}`);
}

main().catch((e: Error) => {
  console.error(`list-series: ${e.message}`);
  process.exit(1);
});
