/**
 * Keeper liquidation benchmark (`npm run bench:keeper`, after `npx hardhat build`): on a fresh anvil, N accounts
 * get a position by signed orders (a BenchFiller contract takes 80 orders per transaction; free balances are
 * written to storage), 1 % of them bought later at a higher index. A fixing then makes exactly those 1 %
 * unhealthy. Measured:
 * - identifyMs: time of `identify` (head, event sync of the new blocks, one seriesState and one oracle read,
 *   health of every account computed locally), median of RUNS runs, each after a new fixing;
 * - identifyRpcRequests: JSON-RPC requests made by one identify (counted on the HTTP transport);
 * - liquidateAllMs: time until every unhealthy account is liquidated (scans through the TxSender, receipts).
 * Writes bench/keeper.json (one object per account count).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type LocalAccount, createPublicClient, encodeFunctionData, http, keccak256, parseGwei, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { Journal } from "../../keeper/chain/journal.js";
import { chainFor } from "../../keeper/chain/rpc.js";
import { TxSender } from "../../keeper/chain/sender.js";
import { AccountBook } from "../../keeper/liquidator/book.js";
import { type LiquidatorOptions, identify, scan } from "../../keeper/liquidator/loop.js";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { type Order, signOrder, toCompactSignature } from "../../sdk/orders.js";
import { startAnvil } from "../../test/keeper/helpers/anvil.js";
import { clients } from "../../test/keeper/helpers/chain.js";
import { INDEX, USDC, artifacts, deployMarketChain, findFreeMappingSlot, setFreeBalances } from "../../test/keeper/helpers/marketChain.js";

const RUNS = 5;
const PER_TX = 80;
const I2 = 36n * 10n ** 17n; // the late 1 % buy at 3.6
const I3 = 34n * 10n ** 17n; // the fixing at 3.4: late longs below maintenance, everyone else above

interface Row {
  accounts: number;
  unhealthy: number;
  identifyMs: number;
  identifyRpcRequests: number;
  liquidateAllMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function bench(accounts: number): Promise<Row> {
  const anvil = await startAnvil({ args: ["--gas-limit", "1000000000"] });
  try {
    const t0 = performance.now();
    const m = await deployMarketChain(anvil);
    const { walletClient } = clients(anvil, m.owner);
    const fillerHash = await walletClient.deployContract({ abi: artifacts.filler().abi, bytecode: artifacts.filler().bytecode, args: [] });
    const filler = (await m.publicClient.waitForTransactionReceipt({ hash: fillerHash })).contractAddress as Address;
    const keeper = privateKeyToAccount(generatePrivateKey());
    await m.trader(1_000_000n * USDC, keeper);
    const slot = await findFreeMappingSlot(anvil, m.market, keeper.address, 1_000_000n * USDC);
    await setFreeBalances(anvil, m.market, slot, [keeper.address], 10n ** 15n);
    await setFreeBalances(anvil, m.market, slot, [filler], 10n ** 18n);

    const makers: LocalAccount[] = Array.from({ length: accounts }, (_, i) => privateKeyToAccount(keccak256(toHex(`bench-keeper-${i}`))));
    await setFreeBalances(anvil, m.market, slot, makers.map((a) => a.address), 10_000n * USDC);
    const late = accounts / 100;
    const early = makers.slice(0, accounts - late);
    const fillAll = async (orders: { account: LocalAccount; order: Order }[]) => {
      for (let i = 0; i < orders.length; i += PER_TX) {
        const chunk = orders.slice(i, i + PER_TX);
        const sigs = await Promise.all(chunk.map(async (o) => toCompactSignature(await signOrder(o.account, m.chainId, m.market, o.order))));
        const hash = await walletClient.writeContract({
          address: filler, abi: artifacts.filler().abi, functionName: "fillAll", gas: 30_000_000n, chain: walletClient.chain, account: m.owner,
          args: [m.market, m.params, chunk.map((o) => o.order), sigs],
        } as never);
        const r = await m.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 });
        if (r.status !== "success") throw new Error(`fillAll reverted at ${i}`);
      }
    };
    await fillAll(early.map((a, i) => ({ account: a, order: m.order(a.address, { isBuy: i % 2 === 0, size: 10n, limitPrice: INDEX }) })));
    await m.setIndex(I2);
    await fillAll(makers.slice(accounts - late).map((a) => ({ account: a, order: m.order(a.address, { isBuy: true, size: 10n, limitPrice: I2 }) })));
    const setupMs = performance.now() - t0;

    let requests = 0;
    const client = createPublicClient({ chain: chainFor(anvil.chainId, anvil.url), transport: http(anvil.url, { onFetchRequest: () => void requests++ }), cacheTime: 0 });
    const dir = mkdtempSync(join(tmpdir(), "bench-keeper-"));
    const journal = new Journal(join(dir, "journal.sqlite"));
    const book = new AccountBook({ client, journal, market: m.market, params: m.params, finalityDepth: 0, startBlock: m.startBlock, maxBlockRange: 100_000 });
    const sender = new TxSender({
      client, account: keeper, journal, chainId: anvil.chainId, maxInFlight: 64,
      fees: { maxFeePerGas: parseGwei("100"), priorityFee: parseGwei("1"), bumpPercent: 20, stuckAfterSeconds: 60 },
    });
    await sender.reconcile();
    const opts: LiquidatorOptions = { client, sender, book, market: m.market, oracle: m.oracle, params: m.params, maxSize: 1_000n, minReward: 0n };
    const t1 = performance.now();
    const first = await identify(opts); // initial sync of the whole history (not measured as identify)
    const initialSyncMs = performance.now() - t1;
    if (first.unhealthy.length !== 0 || first.tracked !== accounts + 1) throw new Error(`setup: ${first.tracked} tracked, ${first.unhealthy.length} unhealthy`);

    const times: number[] = [];
    const counts: number[] = [];
    let unhealthy = 0;
    for (let run = 0; run < RUNS; run++) {
      await m.setIndex(I3); // a new fixing (a new block)
      requests = 0;
      const t = performance.now();
      const found = await identify(opts);
      times.push(performance.now() - t);
      counts.push(requests);
      unhealthy = found.unhealthy.length;
      if (unhealthy !== late) throw new Error(`expected ${late} unhealthy, found ${unhealthy}`);
    }

    // Node-side cost of one liquidation simulation (eth_estimateGas), for reading liquidateAllMs.
    const victim = makers[accounts - 1] as LocalAccount;
    const data = encodeFunctionData({ abi: futuresMarketAbi, functionName: "liquidate", args: [m.params, victim.address, 1_000n] });
    const te = performance.now();
    for (let i = 0; i < 5; i++) await client.estimateGas({ account: keeper.address, to: m.market, data });
    const estimateGasMs = Math.round(((performance.now() - te) / 5) * 10) / 10;
    const tm = performance.now();
    for (let i = 0; i < 5; i++) await anvil.rpc("evm_mine");
    const mineBlockMs = Math.round(((performance.now() - tm) / 5) * 10) / 10; // an automined transaction pays this too

    const t2 = performance.now();
    const rounds: { sent: number; scanMs: number; confirmMs: number }[] = [];
    for (let round = 0; ; round++) {
      const ts = performance.now();
      const r = await scan(opts);
      if (r.unhealthy.length === 0) break;
      if (round > 50) throw new Error("liquidations did not finish");
      const tc = performance.now();
      while (sender.inFlight() > 0) {
        await sender.tick();
        await new Promise((res) => setTimeout(res, 20));
      }
      rounds.push({ sent: r.sent.length, scanMs: Math.round(tc - ts), confirmMs: Math.round(performance.now() - tc) });
    }
    const liquidateAllMs = performance.now() - t2;
    journal.close();
    const row = { accounts, unhealthy, identifyMs: Math.round(median(times) * 10) / 10, identifyRpcRequests: Math.max(...counts), liquidateAllMs: Math.round(liquidateAllMs) };
    console.log(JSON.stringify({ ...row, identifyRuns: times.map((x) => Math.round(x * 10) / 10), requestsPerRun: counts, liquidationRounds: rounds, estimateGasMs, mineBlockMs, setupMs: Math.round(setupMs), initialSyncMs: Math.round(initialSyncMs) }));
    return row;
  } finally {
    await anvil.stop();
  }
}

const sizes = (process.env.BENCH_KEEPER_ACCOUNTS ?? "1000,10000").split(",").map(Number);
const rows: Row[] = [];
for (const n of sizes) {
  if (!Number.isInteger(n) || n < 100 || n % 100 !== 0) throw new Error(`BENCH_KEEPER_ACCOUNTS: ${n} is not a multiple of 100`);
  rows.push(await bench(n));
}
mkdirSync("bench", { recursive: true });
writeFileSync("bench/keeper.json", `${JSON.stringify(rows, null, 2)}\n`);
const ok = rows.every((r) => r.identifyMs < 1_000) && new Set(rows.map((r) => r.identifyRpcRequests)).size === 1;
console.log(`wrote bench/keeper.json; targets (identify < 1 s, same RPC count for every size): ${ok ? "met" : "NOT met"}`);
