/**
 * `npm run devchain`: a local development chain for wallets and apps. Starts anvil on 127.0.0.1, deploys and
 * configures everything, funds the test accounts, lists an ATPI series, posts a first fixing (the bundled history's
 * newest ATPI value), prints the RPC URL, addresses and keys, writes deployments/<chainId>.json and keeps running
 * until Ctrl-C.
 *   npm run devchain -- [--port 8545] [--traders 6] [--out deployments]
 */
import { parseArgs } from "node:util";
import { formatDecimal } from "../sdk/units.js";
import { startAnvil } from "./lib/anvil.js";
import { latestBundledAtpi } from "./lib/bundledAtpi.js";
import { writeDeployment } from "./lib/deploy.js";
import { OPERATOR_ACCOUNTS_ARGS, setupLocalMarket } from "./lib/localMarket.js";

const USAGE = "usage: npm run devchain -- [--port <n>] [--traders <1-6>] [--out <dir>]";

function fail(message: string): never {
  console.error(`devchain: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string", default: "8545" },
      traders: { type: "string", default: "6" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`--port must be 1..65535, got ${values.port}`);
const traders = Number(values.traders);
if (!Number.isInteger(traders) || traders < 1 || traders > 6) fail(`--traders must be 1..6, got ${values.traders}`);

const anvil = await startAnvil({ port, args: [...OPERATOR_ACCOUNTS_ARGS] }).catch((e: Error) => fail(e.message));
const stop = async () => {
  await anvil.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

try {
  const fixing = await latestBundledAtpi();
  const market = await setupLocalMarket({
    url: anvil.url,
    traders,
    firstFixing: fixing,
    log: (line) => console.log(`  ${line}`),
  });
  const path = writeDeployment(market.deployment, values.out);
  const d = market.deployment;
  console.log(`
tokenfutures dev chain (anvil, chain id ${anvil.chainId})
  RPC URL      ${anvil.url}
  market       ${d.market}
  oracle       ${d.oracle}
  collateral   ${d.collateral} (mock USDC, 6 decimals; anyone may mint)
  series       ${d.series[0]?.id} (ATPI, expiry ${d.series[0]?.params.expiry})
  ATPI         ${formatDecimal(fixing.value, 18)} USD per 1M tokens (bundled snapshot ${fixing.date})
  deployment   ${path}

accounts (well-known dev keys: never use them on a real network)`);
  for (const a of [market.deployer, ...market.traders, ...market.operators]) {
    console.log(`  ${a.role.padEnd(8)} ${a.account.address}  ${a.privateKey}`);
  }
  console.log(`
try:  npm run trader -- series --rpc ${anvil.url} --deployment ${path}
Ctrl-C stops the chain.`);
} catch (e) {
  console.error(`devchain: setup failed: ${(e as Error).message}`);
  await anvil.stop();
  process.exit(1);
}
