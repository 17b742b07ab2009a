/**
 * `npm run devchain`: a local development chain for wallets and apps. Starts anvil on 127.0.0.1, deploys and
 * configures everything, funds the test accounts, lists an ATPI series, posts a first fixing (the bundled history's
 * newest ATPI value), prints the RPC URL, addresses and keys, writes deployments/<chainId>.json and keeps running
 * until Ctrl-C. With --keepers, the four index operators run as keeper processes (scripts/lib/keeperProcess.ts): a
 * fixing every day of chain time, settlement after expiry, liquidations.
 *   npm run devchain -- [--port 8545] [--traders 6] [--out deployments] [--keepers]
 * Chain time moves with the wall clock; to jump ahead (the keepers post the rounds they find due):
 *   npm run devchain -- advance --rpc URL --days N
 *   npm run devchain -- advance --rpc URL --deployment FILE --to expiry|settlement
 * `--to expiry` jumps to just after the first series' expiry; `--to settlement` past its settlement grace, when
 * the keepers settle the series (one `settle`) and close every account out so that claims open.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readDeployment } from "../sdk/deployment.js";
import { formatDecimal, formatTime } from "../sdk/units.js";
import { keeperSeriesConfig } from "./demo/keeperConfig.js";
import { freePort, rpcCall, startAnvil } from "./lib/anvil.js";
import { latestBundledAtpi } from "./lib/bundledAtpi.js";
import { writeDeployment } from "./lib/deploy.js";
import { KeeperProcess } from "./lib/keeperProcess.js";
import { type LocalMarket, OPERATOR_ACCOUNTS_ARGS, setupLocalMarket } from "./lib/localMarket.js";

const USAGE = `usage: npm run devchain -- [--port <n>] [--traders <1-6>] [--out <dir>] [--keepers]
       npm run devchain -- advance --rpc <url> (--days <n> | --deployment <file> --to expiry|settlement)`;

function fail(message: string): never {
  console.error(`devchain: ${message}\n${USAGE}`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: "string", default: "8545" },
        traders: { type: "string", default: "6" },
        out: { type: "string" },
        keepers: { type: "boolean", default: false },
        rpc: { type: "string" },
        days: { type: "string" },
        deployment: { type: "string" },
        to: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    fail((e as Error).message);
  }
}

/** Moves the chain's clock forward by `seconds` and mines a block; returns the new chain time. */
export async function advanceChain(url: string, seconds: bigint): Promise<bigint> {
  await rpcCall(url, "evm_increaseTime", [Number(seconds)]);
  await rpcCall(url, "evm_mine", []);
  const block = await rpcCall<{ timestamp: string }>(url, "eth_getBlockByNumber", ["latest", false]);
  return BigInt(block.timestamp);
}

async function advance(values: ReturnType<typeof parse>["values"]): Promise<void> {
  const url = values.rpc ?? process.env.RPC_URL ?? fail("advance needs --rpc <url> (or RPC_URL)");
  const block = await rpcCall<{ timestamp: string }>(url, "eth_getBlockByNumber", ["latest", false]);
  const now = BigInt(block.timestamp);
  let target: bigint;
  if (values.days !== undefined) {
    if (!/^[1-9]\d*$/.test(values.days)) fail(`--days must be a positive whole number, got ${values.days}`);
    target = now + BigInt(values.days) * 86_400n;
  } else {
    if (!values.deployment || (values.to !== "expiry" && values.to !== "settlement")) fail("advance needs --days <n>, or --deployment <file> with --to expiry|settlement");
    const s = readDeployment(values.deployment).series[0];
    if (!s) fail("the deployment lists no series");
    target = values.to === "expiry" ? s.params.expiry + 60n : s.params.expiry + BigInt(s.params.settlementGrace) + 60n;
  }
  if (target <= now) fail(`chain time ${formatTime(now)} is already past ${formatTime(target)}`);
  const at = await advanceChain(url, target - now);
  console.log(`chain time ${formatTime(now)} -> ${formatTime(at)}`);
}

/** The four operators as keeper processes: fixings, settlement of the listed series, the first also liquidates. */
async function startKeepers(url: string, chainId: number, market: LocalMarket): Promise<KeeperProcess[]> {
  const d = market.deployment;
  const work = mkdtempSync(join(tmpdir(), "devchain-keepers-"));
  const ports: number[] = [];
  for (const _ of market.operators) ports.push(await freePort());
  const series = d.series.map((s) => keeperSeriesConfig(s.params));
  const keepers = market.operators.map(
    (op, i) =>
      new KeeperProcess(
        {
          name: `keeper-${i + 1}`,
          privateKey: op.privateKey,
          chainId,
          rpcUrls: [url],
          oracle: d.oracle,
          port: ports[i] as number,
          peerUrls: ports.filter((_, j) => j !== i).map((p) => `http://127.0.0.1:${p}`),
          overrides: {
            contracts: { market: d.market },
            settlement: series,
            ...(i === 0 ? { liquidator: { series, maxSize: 1_000, finalityDepth: 0, startBlock: Number(d.deployBlock), pollMs: 500 } } : {}),
          },
        },
        work,
      ),
  );
  await Promise.all(keepers.map((k) => k.start(60_000)));
  return keepers;
}

async function serve(values: ReturnType<typeof parse>["values"]): Promise<void> {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`--port must be 1..65535, got ${values.port}`);
  const traders = Number(values.traders);
  if (!Number.isInteger(traders) || traders < 1 || traders > 6) fail(`--traders must be 1..6, got ${values.traders}`);
  const anvil = await startAnvil({ port, args: [...OPERATOR_ACCOUNTS_ARGS] }).catch((e: Error) => fail(e.message));
  let keepers: KeeperProcess[] = [];
  const stop = async () => {
    await Promise.all(keepers.map((k) => k.stop("SIGTERM")));
    await anvil.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  try {
    const fixing = await latestBundledAtpi();
    const market = await setupLocalMarket({ url: anvil.url, traders, firstFixing: fixing, log: (line) => console.log(`  ${line}`) });
    const path = writeDeployment(market.deployment, values.out);
    if (values.keepers) keepers = await startKeepers(anvil.url, anvil.chainId, market);
    const d = market.deployment;
    console.log(`
tokenfutures dev chain (anvil, chain id ${anvil.chainId})
  RPC URL      ${anvil.url}
  market       ${d.market}
  oracle       ${d.oracle}
  collateral   ${d.collateral} (mock USDC, 6 decimals; anyone may mint)
  series       ${d.series[0]?.id} (ATPI, expiry ${d.series[0]?.params.expiry})
  ATPI         ${formatDecimal(fixing.value, 18)} USD per 1M tokens (bundled snapshot ${fixing.date})
  keepers      ${keepers.length ? `${keepers.length} running (a fixing per day of chain time, settlement, liquidations)` : "none (--keepers starts them)"}
  deployment   ${path}

accounts (well-known dev keys: never use them on a real network)`);
    for (const a of [market.deployer, ...market.traders, ...market.operators]) {
      console.log(`  ${a.role.padEnd(8)} ${a.account.address}  ${a.privateKey}`);
    }
    console.log(`
try:  npm run trader -- series --rpc ${anvil.url} --deployment ${path}
jump: npm run devchain -- advance --rpc ${anvil.url} --days 1   (or --deployment ${path} --to expiry|settlement)
devchain ready
Ctrl-C stops the chain.`);
  } catch (e) {
    console.error(`devchain: setup failed: ${(e as Error).message}`);
    await Promise.all(keepers.map((k) => k.stop("SIGKILL")));
    await anvil.stop();
    process.exit(1);
  }
}

const { values, positionals } = parse();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals[0] === "advance") await advance(values);
else if (positionals.length > 0) fail(`unknown argument ${JSON.stringify(positionals[0])}`);
else await serve(values);
