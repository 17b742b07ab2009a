/**
 * `npm run bench:app`: prints how long the app takes until the ladder and the portfolio render against a dev chain
 * holding 1,000 published orders and 100 open positions (target < 2 s each), and the production bundle size (gzip).
 * Orders are published straight to the market (pre-signed, as fast as anvil mines); makers back them. The app is
 * the production build (served by Vite's preview server), in Debian's chromium.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { type Hex, createWalletClient, erc20Abi, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { build } from "vite";
import { futuresMarketAbi } from "../sdk/abi/FuturesMarket.js";
import { readOrderBook } from "../sdk/book.js";
import { connectMarket } from "../sdk/client.js";
import { readTrades } from "../sdk/history.js";
import { mockUSDCAbi } from "../sdk/abi/MockUSDC.js";
import { type Order, signOrder, toCompactSignature } from "../sdk/orders.js";
import { startAnvil } from "../scripts/lib/anvil.js";
import { DEV_MNEMONIC, localClients, setupLocalMarket } from "../scripts/lib/localMarket.js";
import { serveApp } from "./server.js";
import { installTestWallet } from "./test/testWallet.js";

const ORDERS = 1_000;
const POSITIONS = 100;
const MAKERS = 10;
const USDC = 10n ** 6n;
const WAD = 10n ** 18n;

const dist = fileURLToPath(new URL("../out/app/dist", import.meta.url));
await build({ configFile: fileURLToPath(new URL("./vite.config.ts", import.meta.url)), logLevel: "warn" });
let raw = 0;
let gz = 0;
for (const f of readdirSync(join(dist, "assets"))) {
  const bytes = readFileSync(join(dist, "assets", f));
  raw += bytes.length;
  gz += gzipSync(bytes).length;
}

// Dev accounts 11.. trade here (anvil funds 130; 7-10 stay the index operators).
const anvil = await startAnvil({ args: ["--accounts", String(11 + MAKERS + POSITIONS + 5)] });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const market = await setupLocalMarket({ url: anvil.url, traders: 1, firstFixing: { value: 35n * WAD / 10n } });
  const d = market.deployment;
  const series = d.series[0]!;
  const { publicClient, chain } = await localClients(anvil.url, market.deployer.account);
  const fund = async (index: number, amount: bigint) => {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
    const w = createWalletClient({ account, chain, transport: http(anvil.url) });
    await w.writeContract({ address: d.collateral, abi: mockUSDCAbi, functionName: "mint", args: [account.address, amount] });
    await w.writeContract({ address: d.collateral, abi: erc20Abi, functionName: "approve", args: [d.market, amount] });
    const h = await w.writeContract({ address: d.market, abi: futuresMarketAbi, functionName: "deposit", args: [amount] });
    await publicClient.waitForTransactionReceipt({ hash: h });
    return { account, w };
  };
  const now = (await publicClient.getBlock()).timestamp;
  const order = (maker: Hex, isBuy: boolean, size: bigint, limitPrice: bigint, nonce: bigint): Order => ({
    maker,
    seriesId: series.id,
    isBuy,
    size,
    limitPrice,
    expiry: now + 86_400n,
    nonce,
    maxFeeBps: 5,
  });
  const makers = [];
  for (let i = 0; i < MAKERS; i++) makers.push(await fund(11 + i, 1_000_000n * USDC));
  let last: Hex = "0x";
  for (let n = 0; n < ORDERS; n++) {
    const m = makers[n % MAKERS]!;
    const isBuy = n % 2 === 0;
    const step = BigInt(1 + (n % 50)) * 10n ** 15n; // 0.001 .. 0.05 away from 3.5
    const o = order(m.account.address, isBuy, 1n + BigInt(n % 5), isBuy ? 35n * WAD / 10n - step : 35n * WAD / 10n + step, BigInt(Math.floor(n / MAKERS)));
    const sig = await signOrder(m.account, d.chainId, d.market, o);
    last = await m.w.writeContract({ address: d.market, abi: futuresMarketAbi, functionName: "publishOrder", args: [o, toCompactSignature(sig)] });
  }
  await publicClient.waitForTransactionReceipt({ hash: last });
  // 100 positions: 50 pairs, each a maker's signed buy taken by its partner.
  for (let p = 0; p < POSITIONS / 2; p++) {
    const buyer = await fund(11 + MAKERS + 2 * p, 10_000n * USDC);
    const seller = await fund(11 + MAKERS + 2 * p + 1, 10_000n * USDC);
    const o = order(buyer.account.address, true, 2n, 35n * WAD / 10n, 0n);
    const sig = await signOrder(buyer.account, d.chainId, d.market, o);
    last = await seller.w.writeContract({ address: d.market, abi: futuresMarketAbi, functionName: "fillSignedOrder", args: [series.params, o, toCompactSignature(sig), 2n] });
  }
  await publicClient.waitForTransactionReceipt({ hash: last });

  const mc = await connectMarket({ publicClient, market: d.market, fromBlock: d.deployBlock });
  let t = performance.now();
  await readOrderBook(mc);
  const bookMs = performance.now() - t;
  t = performance.now();
  await readTrades(mc);
  const tradesMs = performance.now() - t;
  const server = await serveApp({ rpcUrl: anvil.url, deployment: d, port: 0, built: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const viewer = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 11 + MAKERS });
    await installTestWallet(context, { privateKey: `0x${Buffer.from(viewer.getHdKey().privateKey!).toString("hex")}`, rpcUrl: anvil.url, chainId: anvil.chainId });
    const page = await context.newPage();
    // Warm-up: first load and wallet connection.
    await page.goto(`${server.url}#/markets`);
    await page.getByTestId("markets").waitFor({ timeout: 120_000 });
    await page.getByTestId("connect-Test Wallet").click();
    await page.getByTestId("address").waitFor();
    const timed = async (hash: string, ready: () => Promise<unknown>) => {
      await page.goto("about:blank");
      const t0 = performance.now();
      await page.goto(`${server.url}${hash}`);
      await ready();
      return performance.now() - t0;
    };
    const ladderMs = await timed("#/trade/0", () => page.getByTestId("ladder").getByTestId("bid").nth(99).waitFor({ timeout: 60_000 }));
    const rows = await page.getByTestId("ladder").locator("tbody tr").count();
    const portfolioMs = await timed("#/portfolio", () => page.getByTestId("holding-0").getByTestId("size").filter({ hasText: "long 2" }).waitFor({ timeout: 60_000 }));
    console.log(`app bench: ${ORDERS} published orders (${rows - 1} in the ladder), ${POSITIONS} open positions, ${MAKERS} makers`);
    console.log(`  in Node: readOrderBook ${bookMs.toFixed(0)} ms, readTrades ${tradesMs.toFixed(0)} ms`);
    console.log(`  ladder rendered in    ${ladderMs.toFixed(0)} ms (page load to the 100th bid row; target < 2000)`);
    console.log(`  portfolio rendered in ${portfolioMs.toFixed(0)} ms (page load to the position row; target < 2000)`);
  } finally {
    await server.close();
  }
  console.log(`  bundle: ${(raw / 1024).toFixed(0)} KiB, ${(gz / 1024).toFixed(0)} KiB gzip (out/app/dist/assets)`);
} finally {
  await browser.close();
  await anvil.stop();
}
