/**
 * `npm run list-series`: lists a new series (or a strip of series) on an existing deployment and adds it to the
 * deployment file.
 *   npm run list-series -- --expiry 2026-12-31T08:00:00Z [--deployment deployments/<chainId>.json] [--params p.json] [--env .env]
 *   npm run list-strip -- config/strips/atpi.json [--deployment ...] [--env .env]   (= list-series --strip <file>)
 * A strip lists every monthly and quarterly expiry of the file (scripts/lib/strip.ts) that is not listed yet.
 * The sender (the market's owner) comes from `.env` like for `npm run deploy`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { deploymentToJson, readDeployment } from "../sdk/deployment.js";
import { indexIdFromName } from "../sdk/oracle.js";
import { ROOT, type Wallet, defaultSeriesParams, listNewSeries } from "./lib/deploy.js";
import { listStrip, readStrip } from "./lib/strip.js";
import { EnvError, deployerAccount, loadEnv, parseTime, readSeriesOverrides, required } from "./lib/env.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      env: { type: "string", default: ".env" },
      deployment: { type: "string" },
      expiry: { type: "string" },
      params: { type: "string" },
      strip: { type: "string" },
    },
    strict: true,
  });
  if (!values.expiry === !values.strip) throw new EnvError("give either --expiry (unix seconds or ISO-8601 UTC) or --strip <file>");
  if (values.strip && values.params) throw new EnvError("--params applies to --expiry; a strip file carries its own params");
  const strip = values.strip ? readStrip(values.strip) : undefined;
  const env = loadEnv(values.env);
  const url = required(env, "RPC_URL");
  const chainId = await createPublicClient({ transport: http(url) }).getChainId();
  const file = values.deployment ?? join(env.DEPLOYMENTS_DIR?.trim() || join(ROOT, "deployments"), `${chainId}.json`);
  const deployment = readDeployment(file);
  if (deployment.chainId !== chainId) throw new EnvError(`${file} is for chain ${deployment.chainId}, RPC_URL serves chain ${chainId}`);
  const account = await deployerAccount(env, chainId);
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport: http(url) });
  const wallet = createWalletClient({ chain, transport: http(url), account }) as Wallet;
  if (strip) {
    if (indexIdFromName(strip.index) !== deployment.indexId) throw new EnvError(`${values.strip}: index ${strip.index} is not the deployment's index`);
    const now = (await publicClient.getBlock()).timestamp;
    const { series } = await listStrip({ publicClient: publicClient as never, wallet }, deployment.market, strip, now);
    const known = new Set(deployment.series.map((s) => s.id.toLowerCase()));
    const added = series.filter((s) => !known.has(s.id.toLowerCase()));
    writeFileSync(file, deploymentToJson({ ...deployment, series: [...deployment.series, ...added.map(({ id, params }) => ({ id, params }))] }));
    for (const s of series) console.log(`${s.listedNow ? "listed" : "already listed"} ${s.id} (expiry ${new Date(Number(s.params.expiry) * 1000).toISOString()})`);
    console.log(`strip of ${series.length} series, ${series.filter((s) => s.listedNow).length} listed now; updated ${file}`);
    return;
  }
  const params = defaultSeriesParams(deployment.indexId, parseTime(values.expiry as string, "--expiry"), values.params ? readSeriesOverrides(values.params) : {});
  const updated = await listNewSeries({ publicClient: publicClient as never, wallet }, deployment, params);
  const added = updated.series.at(-1);
  writeFileSync(file, deploymentToJson(updated));
  console.log(`listed series ${added?.id} (expiry ${params.expiry}); updated ${file}`);
}

main().catch((e: Error) => {
  console.error(`list-series: ${e.message}`);
  process.exit(1);
});
