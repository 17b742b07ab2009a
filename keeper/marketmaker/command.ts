/**
 * `keeper market-maker --config keeper.json --quotes mm.json [--env-file FILE] [--once]`: the reference market maker.
 * Chain, RPC (the first URL), market and keys come from the keeper config and its .env exactly as for `keeper run`
 * (the maker is `keys.signer`); quoting parameters from the quotes file (config.ts). It quotes every trading series
 * of the config's indexes (or the file's `series`) until SIGINT/SIGTERM; `--once` runs one tick, prints it as JSON
 * and exits. The maker deposits its collateral beforehand (`npm run trader -- deposit`).
 */
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { connectMarket } from "../../sdk/client.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { listSeries } from "../../sdk/series.js";
import { loadOperatorKeys } from "../chain/keys.js";
import { loadConfig } from "../config/load.js";
import { type Command, EXIT } from "../commands/types.js";
import { QuotesConfigError, limitsOf, readQuotes } from "./config.js";
import { refreshQuotes } from "./refresh.js";
import { type Log, startMarketMaker } from "./service.js";

const USAGE = "usage: market-maker --config FILE --quotes FILE [--env-file FILE] [--once]";

const log: Log = (level, msg, fields = {}) => console.log(JSON.stringify({ time: new Date().toISOString(), level, component: "market-maker", msg, ...fields }));

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

async function run(argv: readonly string[]): Promise<number> {
  let values: { config?: string | undefined; quotes?: string | undefined; "env-file"?: string | undefined; once?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: "string" }, quotes: { type: "string" }, "env-file": { type: "string" }, once: { type: "boolean" } },
      strict: true,
    }));
  } catch (e) {
    console.error(`market-maker: ${(e as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (!values.config || !values.quotes) {
    console.error(`market-maker: --config and --quotes are required\n${USAGE}`);
    return EXIT.usage;
  }
  let loaded;
  let quotes;
  try {
    loaded = loadConfig(values.config, values["env-file"] ? { envFile: values["env-file"] } : {});
    quotes = readQuotes(values.quotes);
  } catch (e) {
    console.error(`market-maker: ${(e as Error).message}`);
    return EXIT.usage;
  }
  const { config, env } = loaded;
  if (!config.contracts.market) {
    console.error("market-maker: the keeper config needs contracts.market");
    return EXIT.usage;
  }
  const url = config.rpc.urls[0] as string;
  const { signer } = await loadOperatorKeys(config.keys, config.chainId, env);
  const chain = defineChain({ id: config.chainId, name: `chain ${config.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport: http(url), pollingInterval: 100 });
  const walletClient = createWalletClient({ chain, transport: http(url), account: signer });
  const mc = await connectMarket({ publicClient: publicClient as never, walletClient, market: config.contracts.market, chainId: config.chainId });
  const indexIds = new Set(config.indexes.map((n) => indexIdFromName(n).toLowerCase()));
  const wanted = quotes.series?.map((s) => s.toLowerCase());
  const series = (await listSeries(mc)).filter((s) => (wanted ? wanted.includes(s.id.toLowerCase()) : indexIds.has(s.params.indexId.toLowerCase())));
  if (values.once) {
    const r = await refreshQuotes(mc, series, limitsOf(quotes), BigInt(quotes.orderLifetimeSeconds));
    console.log(toJson({ maker: signer.address, refreshed: r.refreshed, cancelled: r.cancelled, published: r.published, gasUsed: r.gasUsed, nonceBase: r.nonceBase, quotes: r.wanted }));
    return EXIT.ok;
  }
  const mm = await startMarketMaker(mc, series, quotes, log);
  log("info", "market maker running", { maker: signer.address, series: series.length, url: mm.url });
  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await mm.stop();
  log("info", "market maker stopped", { refreshes: mm.metrics.refreshes });
  return EXIT.ok;
}

export const marketMakerCommand: Command = {
  name: "market-maker",
  summary: "the reference market maker: quotes both sides of every expiry around index + term model (keeper config keys)",
  usage: USAGE,
  run: async (argv) => {
    try {
      return await run(argv);
    } catch (e) {
      if (e instanceof QuotesConfigError) {
        console.error(`market-maker: ${e.message}`);
        return EXIT.usage;
      }
      console.error(`market-maker: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT.failure;
    }
  },
};
