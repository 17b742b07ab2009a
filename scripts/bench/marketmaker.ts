/**
 * `npm run bench:mm`: gas of one market-maker refresh of K orders (K = 6: three expiries x one level x two sides;
 * K = 18: three levels), on the in-process Hardhat chain with a fixed clock. A refresh after a new fixing is one
 * `cancelAllBelow` (the min-nonce bump) plus K `publishOrder` transactions; whole transactions (21k base and
 * calldata included). Prints a table and writes bench/marketmaker.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { network } from "hardhat";
import { type PublicClient, getContract } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { parseQuotes } from "../../keeper/marketmaker/config.js";
import { refreshQuotes } from "../../keeper/marketmaker/refresh.js";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { mockUSDCAbi } from "../../sdk/abi/MockUSDC.js";
import { connectMarket } from "../../sdk/client.js";
import { deposit } from "../../sdk/funds.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { listSeries } from "../../sdk/series.js";
import { cancelAll } from "../../sdk/trade.js";
import { type Wallet, defaultSeriesParams, deployAll } from "../lib/deploy.js";
import { postFixing } from "../lib/fixing.js";
import { listStrip, parseStrip } from "../lib/strip.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const GENESIS = "2026-01-05T00:00:00Z";
const USDC = 10n ** 6n;
const ATPI = indexIdFromName("ATPI");

async function measure(levels: number): Promise<{ k: number; first: bigint; refresh: bigint; cancel: bigint }> {
  const { viem, networkHelpers } = await network.create({ override: { initialDate: GENESIS } } as never);
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [owner, maker] = (await viem.getWalletClients()) as unknown as [Wallet, Wallet];
  const operators = [10, 11, 12, 13].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
  const now = BigInt(await networkHelpers.time.latest());
  const deployment = await deployAll({ publicClient, wallet: owner, operators: operators.map((a) => a.address), series: [defaultSeriesParams(ATPI, now + 20n * 86_400n)] });
  await listStrip({ publicClient, wallet: owner }, deployment.market, parseStrip({ index: "ATPI", monthly: 2, quarterly: 0, expiryHourUtc: 0, minDaysToExpiry: 7 }), now);
  const fix = async (value: bigint) =>
    postFixing({ publicClient, wallet: owner, oracle: deployment.oracle, indexId: ATPI, timestamp: BigInt(await networkHelpers.time.latest()), value, signers: operators });
  await fix(3_500n * 10n ** 15n);
  const usdc = getContract({ address: deployment.collateral, abi: mockUSDCAbi, client: { public: publicClient, wallet: owner } });
  await usdc.write.mint([maker.account.address, 1_000_000n * USDC], { account: owner.account, chain: owner.chain });
  const mc = await connectMarket({ publicClient, walletClient: maker, market: deployment.market, fromBlock: deployment.deployBlock });
  await deposit(mc, 500_000n * USDC);
  const series = await listSeries(mc);
  const limits = parseQuotes({ spreadBps: 100, levelStepBps: 50, levels, size: 5, maxInventory: 100, maxMargin: "1000000000000" });
  const first = await refreshQuotes(mc, series, limits, 86_400n);
  await networkHelpers.time.increase(86_400);
  await fix(3_520n * 10n ** 15n);
  const second = await refreshQuotes(mc, series, limits, 86_400n);
  if (!second.cancelled || second.published !== first.published) throw new Error("bench: the second refresh did not cancel and republish");
  const minNonce = await publicClient.readContract({ address: deployment.market, abi: futuresMarketAbi, functionName: "minNonce", args: [maker.account.address] });
  if (minNonce !== second.nonceBase) throw new Error("bench: min nonce not raised to the refresh's base");
  // The bump's own gas, measured alone (per order = (refresh - bump) / K).
  const bare = await cancelAll(mc, second.nonceBase + BigInt(second.published));
  return { k: first.published, first: first.gasUsed, refresh: second.gasUsed, cancel: bare.receipt.gasUsed };
}

const rows = [];
for (const levels of [1, 3]) rows.push(await measure(levels));
console.log("K orders  first quote (K publishes)  refresh (cancelAllBelow + K publishes)  per order  cancelAllBelow alone");
for (const r of rows) {
  console.log(`${String(r.k).padStart(8)}  ${r.first.toLocaleString("en-US").padStart(25)}  ${r.refresh.toLocaleString("en-US").padStart(38)}  ${((r.refresh - r.cancel) / BigInt(r.k)).toLocaleString("en-US").padStart(9)}  ${r.cancel.toLocaleString("en-US").padStart(20)}`);
}
mkdirSync("bench", { recursive: true });
writeFileSync("bench/marketmaker.json", `${JSON.stringify(Object.fromEntries(rows.map((r) => [`K${r.k}`, { firstQuote: r.first.toString(), refresh: r.refresh.toString(), cancelAllBelow: r.cancel.toString() }])), null, 2)}\n`);
console.log("wrote bench/marketmaker.json");
