/**
 * `npm start`: the whole market on a local chain with real AI price history, no network, no configuration.
 * anvil starts at 2025-02-24; four keeper processes replay the bundled LiteLLM history and post daily ATPI
 * fixings with a quorum of 3 of 4 (fault tolerance 1); traders deposit and trade by signed orders (fills and a
 * match); the March 2025 repricing (-18 % in the source prices) moves the index in methodology v2's bounded steps
 * and the series' mark at most 4 % per fixing (the price limit) until one trader falls below maintenance and the
 * liquidating keeper takes the position over while she is still solvent; the series expires on 2025-04-07, the
 * keepers record the settlement round and settle, keeper-1 resolves every account at the final price, everyone
 * claims and withdraws. Beside it a strip lists the May and June 2025 expiries: the reference market maker
 * (keeper/marketmaker) quotes all three around the index every day, a hedger buys forward cover for a consumption
 * plan (hedge/calc.ts), a speculator trades the later expiries against the quotes, and the forward curve is recorded
 * each day (sdk/curve.ts). The later series are still open at the end; the money in them is accounted per series.
 * Writes out/summary.json and out/report.html. Usage: npm start [-- --out DIR] [-- --keep-chain]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, formatUnits, parseUnits } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { mockUSDCAbi } from "../../sdk/abi/MockUSDC.js";
import { type MarketClient, connectMarket } from "../../sdk/client.js";
import { positionOf } from "../../sdk/account.js";
import { addMargin, deposit, fundInsurance, withdraw } from "../../sdk/funds.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { currentMarkOf, getSeries, type Series } from "../../sdk/series.js";
import { claim, updateMark } from "../../sdk/settlement.js";
import { fillOrder, matchOrders, placeOrder } from "../../sdk/trade.js";
import { roundToTick } from "../../sdk/units.js";
import { readOrderBook } from "../../sdk/book.js";
import { forwardCurve } from "../../sdk/curve.js";
import { hedgeContracts } from "../../hedge/calc.js";
import { parseQuotes, limitsOf } from "../../keeper/marketmaker/config.js";
import { refreshQuotes } from "../../keeper/marketmaker/refresh.js";
import { listStrip, parseStrip } from "../lib/strip.js";
import { type Anvil, freePort, startAnvil } from "../lib/anvil.js";
import { defaultSeriesParams, deployAll } from "../lib/deploy.js";
import { KeeperProcess } from "../lib/keeperProcess.js";
import { type DevAccount, OPERATOR_ACCOUNTS, OPERATOR_ACCOUNTS_ARGS, devAccount, localClients } from "../lib/localMarket.js";
import { readResult } from "./chainRecord.js";
import { keeperSeriesConfig } from "./keeperConfig.js";
import { type CurveSnapshot, renderReport, summarize } from "./report.js";

const DAY = 86_400n;
const USDC = 10n ** 6n;
const START = BigInt(Date.UTC(2025, 1, 24) / 1000); // 2025-02-24, inside the bundled history
const EXPIRY = BigInt(Date.UTC(2025, 3, 7) / 1000); // 2025-04-07: after the March 2025 repricing
const REPRICING = BigInt(Date.UTC(2025, 2, 24) / 1000); // the first round with the -18 % repricing
const price = (s: string) => parseUnits(s, 18); // literal prices, exact (all on the 0.001 tick)
/** The strip beside ATPI-APR25: the 1 May and 1 June 2025 expiries, with the demo's 3-day fixing age. */
const STRIP = parseStrip({ index: "ATPI", monthly: 2, quarterly: 0, expiryHourUtc: 0, minDaysToExpiry: 40, params: { maxFixingAge: 3 * 86_400 } });
/** The reference market maker's quotes: 1 % wide, 5 contracts a side, flat term model. */
const MM_QUOTES = parseQuotes({ spreadBps: 100, levels: 1, size: 5, maxInventory: 60, maxMargin: "150000000000", carryBpsPerYear: 0, orderLifetimeSeconds: 3 * 86_400 });
/** How long a keeper holding a quorum waits for the other operators' observations before posting without them. */
const GATHER_MS = 30_000;
/** The hedger's plan: 5 billion tokens a month of the ATPI basket in May and June 2025. */
const HEDGE_TOKENS = 5_000_000_000n;

const args = process.argv.slice(2);
const outDir = args.includes("--out") ? (args[args.indexOf("--out") + 1] ?? "out") : "out";
const t0 = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const date = (t: bigint) => new Date(Number(t) * 1000).toISOString().slice(0, 10);

interface Trader {
  name: string;
  dev: DevAccount;
  mc: MarketClient;
}

async function main(): Promise<void> {
  const work = join(outDir, "demo");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  say("starting a local chain (anvil) at 2025-02-24");
  // Accounts 0-10 as in every local market (OPERATOR_ACCOUNTS_ARGS funds 11), plus 11-13: market maker, hedger, speculator.
  if (OPERATOR_ACCOUNTS_ARGS[1] !== "11") throw new Error("the demo's extra accounts follow the operators");
  const anvil = await startAnvil({ args: ["--accounts", "14", "--timestamp", String(START - 3_600n)] });
  const keepers: KeeperProcess[] = [];
  try {
    await run(anvil, keepers, work);
  } finally {
    await Promise.all(keepers.map((k) => k.stop("SIGTERM")));
    if (!args.includes("--keep-chain")) await anvil.stop();
  }
}

async function run(anvil: Anvil, keepers: KeeperProcess[], work: string): Promise<void> {
  const deployer = devAccount(0, "deployer");
  const operators = OPERATOR_ACCOUNTS.map((i) => devAccount(i, "operator"));
  const { publicClient, wallet } = await localClients(anvil.url, deployer.account);
  const indexId = indexIdFromName("ATPI");
  const params = defaultSeriesParams(indexId, EXPIRY, { maxFixingAge: 3 * 86_400 });
  const deployment = await deployAll({ publicClient, wallet, operators: operators.map((o) => o.account.address), series: [params] });
  say(`deployed: market ${deployment.market}, oracle ${deployment.oracle}, collateral ${deployment.collateral}`);
  say(`listed ATPI-APR25: expiry ${date(EXPIRY)}, 1 contract = 1,000 USDC per index point, initial margin 10 %, maintenance 5 %`);
  const strip = await listStrip({ publicClient, wallet }, deployment.market, STRIP, START - 3_600n);
  say(`listed a strip: ${strip.series.map((s) => `ATPI-${date(s.params.expiry)}`).join(", ")} (config as in config/strips/)`);

  // Four operators, each a keeper process; the first also liquidates. Fault tolerance 1, quorum 3 of 4.
  const ports: number[] = [];
  for (const _ of operators) ports.push(await freePort());
  const seriesCfg = keeperSeriesConfig(params);
  operators.forEach((op, i) => {
    const overrides: Record<string, unknown> = {
      contracts: { market: deployment.market },
      // Every post waits for all four observations (at once when all are in): the keepers start a few seconds
      // apart, and a keeper that missed the index's first round would compute every later v2 fixing without a
      // reference (keeper/oracle/fixingLoop.ts chainState), so who was up first would shape the index's path.
      peers: { gatherMs: GATHER_MS },
      settlement: [seriesCfg],
      ...(i === 0 ? { liquidator: { series: [seriesCfg], maxSize: 1_000, finalityDepth: 0, startBlock: Number(deployment.deployBlock), pollMs: 200 } } : {}),
    };
    keepers.push(
      new KeeperProcess(
        {
          name: `keeper-${i + 1}`,
          privateKey: op.privateKey,
          chainId: anvil.chainId,
          rpcUrls: [anvil.url],
          oracle: deployment.oracle,
          port: ports[i] as number,
          peerUrls: ports.filter((_, j) => j !== i).map((p) => `http://127.0.0.1:${p}`),
          overrides,
        },
        join(work, "keepers"),
      ),
    );
  });
  await Promise.all(keepers.map((k) => k.start(60_000)));
  say("four keepers running (fixings from the bundled LiteLLM history; keeper-1 also liquidates)");

  // Collateral for everyone who will use the market.
  const usdc = { address: deployment.collateral, abi: mockUSDCAbi } as const;
  const connect = async (dev: DevAccount): Promise<MarketClient> => {
    const c = await localClients(anvil.url, dev.account);
    return connectMarket({ publicClient: c.publicClient, walletClient: c.wallet, market: deployment.market, chainId: anvil.chainId });
  };
  const names = ["alice", "bob", "carol", "dave", "erin"];
  const traders: Trader[] = [];
  for (const [i, name] of names.entries()) {
    const dev = devAccount(i + 1, "trader");
    traders.push({ name, dev, mc: await connect(dev) });
  }
  const matcher: Trader = { name: "matcher", dev: devAccount(6, "trader"), mc: await connect(devAccount(6, "trader")) };
  const [mm, hedger, speculator] = await Promise.all(
    (["market-maker", "hedger", "speculator"] as const).map(async (name, i): Promise<Trader> => ({ name, dev: devAccount(11 + i, "trader"), mc: await connect(devAccount(11 + i, "trader")) })),
  ) as [Trader, Trader, Trader];
  const liquidator: Trader = { name: "keeper-1", dev: operators[0] as DevAccount, mc: await connect(operators[0] as DevAccount) };
  const treasury: Trader = { name: "treasury", dev: deployer, mc: await connect(deployer) };
  const by = (n: string) => traders.find((t) => t.name === n) as Trader;
  for (const t of [...traders, liquidator, treasury, mm, hedger, speculator]) {
    const hash = await wallet.writeContract({ ...usdc, functionName: "mint", args: [t.dev.account.address, 200_000n * USDC], chain: wallet.chain });
    await publicClient.waitForTransactionReceipt({ hash });
  }

  const setTime = async (t: bigint) => {
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(t)]);
    await anvil.rpc("evm_mine", []);
  };
  // The round's fixing. The circuit breaker never holds one here: v2 moves the index at most a few % per fixing,
  // and a move beyond 10 % signed by all four operators would be stored. A hold means an operator did not sign
  // (its confirmation round would follow the wall clock): the run stops rather than take another path.
  const waitFixing = async (round: bigint): Promise<bigint> => {
    const deadline = Date.now() + 60_000;
    const at = { address: deployment.oracle, abi: indexOracleAbi, args: [indexId] } as const;
    for (;;) {
      const f = await publicClient.readContract({ ...at, functionName: "latestFixing" });
      if (BigInt(f.timestamp) >= round) return BigInt(f.value);
      const [heldValue, heldTimestamp] = await publicClient.readContract({ ...at, functionName: "heldFixing" });
      if (heldTimestamp >= round) throw new Error(`the oracle's circuit breaker held ${formatUnits(heldValue, 18)} for ${date(round)}: an operator did not sign\n${keepers.map((k) => `${k.spec.name}:\n${k.tail(6)}`).join("\n")}`);
      if (Date.now() > deadline) throw new Error(`no fixing for ${date(round)} within 60 s\n${keepers.map((k) => `${k.spec.name}:\n${k.tail(6)}`).join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const waitEvent = async (eventName: "Liquidated" | "SettlementFixingRecorded", what: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const logs = await publicClient.getContractEvents({ address: deployment.market, abi: futuresMarketAbi, eventName, fromBlock: deployment.deployBlock });
      if (logs.length > 0) return;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within 60 s\n${keepers.map((k) => `${k.spec.name}:\n${k.tail(6)}`).join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  // Everyone keeper-1 may liquidate in ATPI-APR25 (all but keeper-1 itself).
  const liquidatable = [...traders, matcher, mm, hedger, speculator];
  const allHealthy = async (s: Series, day: bigint) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const views = await Promise.all(liquidatable.map((t) => positionOf(treasury.mc, s, t.dev.account.address)));
      if (views.every((v) => v.healthy)) return;
      if (Date.now() > deadline) throw new Error(`a liquidation due on ${date(day)} did not happen within 60 s\n${keepers[0]?.tail(10) ?? ""}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  let series: Series | undefined;
  let all: Series[] = [];
  const curveHistory: CurveSnapshot[] = [];
  let lastIndex = 0n;
  const quoteAndRecord = async (day: bigint) => {
    const r = await refreshQuotes(mm.mc, all, limitsOf(MM_QUOTES), BigInt(MM_QUOTES.orderLifetimeSeconds));
    const points = await forwardCurve(mm.mc);
    curveHistory.push({ timestamp: Number(day), index: r.view.index, points: points.map((p) => ({ expiry: Number(p.expiry), mid: p.mid ?? null })) });
    return r;
  };
  /** The speculator takes the market maker's quote in a later expiry: buys after the index rose, sells after it fell. */
  const speculate = async (day: bigint, index: bigint) => {
    const later = all.filter((s) => s.params.expiry > EXPIRY);
    const target = later[Number((day - START) / DAY) % later.length] as Series;
    const book = await readOrderBook(mm.mc, { maker: mm.dev.account.address, seriesId: target.id });
    const buy = index >= lastIndex;
    const quote = (buy ? book.asks : book.bids)[0];
    if (!quote) return;
    await fillOrder(speculator.mc, target, quote, 2n);
  };
  let awaitingLiquidation = false;
  const liquidatedYet = async () =>
    (await publicClient.getContractEvents({ address: deployment.market, abi: futuresMarketAbi, eventName: "Liquidated", fromBlock: deployment.deployBlock })).length > 0;
  // The keepers' start-up catch-up: on a fresh oracle the last catchUpRounds (3) daily rounds are due, 2025-02-21
  // to 2025-02-23 (the chain starts at 02-23 23:00). Posted oldest first, the first without a reference, each
  // later one bounded against the one before. The clock moves on only once all are posted: a jump to 02-24
  // would drop 02-21 from the due rounds while it gathers, and the path would start wherever the keepers were.
  await waitFixing(START - DAY);
  for (let day = START; day <= EXPIRY; day += DAY) {
    await setTime(day + 120n);
    const value = await waitFixing(day);
    const line = `${date(day)}  ATPI ${formatUnits(value, 18)}`;
    const n = Number((day - START) / DAY);
    if (n % 7 === 0 || day === EXPIRY) say(`${line}  (fixing posted by quorum)`);
    series ??= await getSeries(treasury.mc, deployment.series[0]!.id);
    if (all.length === 0) all = [series, ...(await Promise.all(strip.series.map((s) => getSeries(treasury.mc, s.id))))];
    if (day === EXPIRY) {
      // Trading has stopped, liquidation has not: whoever the expiry round's fixing made due is liquidated first.
      // Then the stored mark stands for that fixing (a no-op when keeper-1's updateMark or a liquidation came
      // first): settlement starts from the stored mark, so it must not depend on whether keeper-1 got to it.
      await allHealthy(series, day);
      await updateMark(treasury.mc, series);
      break;
    }

    if (n === 0) {
      for (const [t, amount] of [["alice", 22_000n], ["bob", 40_000n], ["carol", 30_000n], ["dave", 120_000n], ["erin", 30_000n]] as const) {
        await deposit(by(t).mc, amount * USDC);
      }
      await deposit(liquidator.mc, 60_000n * USDC);
      await deposit(treasury.mc, 2_000n * USDC);
      await deposit(mm.mc, 150_000n * USDC);
      await deposit(hedger.mc, 20_000n * USDC);
      await deposit(speculator.mc, 20_000n * USDC);
      await fundInsurance(treasury.mc, series, 2_000n * USDC);
      say("deposits: alice 22,000, bob 40,000, carol 30,000, dave 120,000, erin 30,000, keeper-1 60,000 USDC; insurance fund 2,000");
      say("market maker 150,000, hedger 20,000, speculator 20,000 USDC");
    }
    const quoted = await quoteAndRecord(day);
    if (n % 7 === 0) {
      const mids = (curveHistory.at(-1)?.points ?? []).map((p) => `${date(BigInt(p.expiry)).slice(5)} ${p.mid === null ? "-" : formatUnits(p.mid, 18)}`);
      say(`  forward curve (market maker's mid): ${mids.join(", ")}`);
    }
    if (n === 0) say(`the market maker quotes ${quoted.published} orders: both sides of every expiry, 1 % wide around the index (one cancel-all-by-nonce plus new orders per refresh)`);
    if (n === 3) {
      // Forward cover: the value-matched number of contracts at today's index for the basket (model price = index).
      const contracts = hedgeContracts({ tokensPerMonth: HEDGE_TOKENS, contractSize: params.contractSize, initialMarginBps: params.initialMarginBps }, value, value);
      for (const s of all.filter((x) => x.params.expiry > EXPIRY)) {
        const ask = (await readOrderBook(mm.mc, { maker: mm.dev.account.address, seriesId: s.id })).asks[0];
        if (ask) await fillOrder(hedger.mc, s, ask, contracts);
      }
      say(`the hedger buys forward cover for 5 billion tokens a month in May and June: ${contracts} contracts in each expiry from the market maker's asks`);
      await quoteAndRecord(day);
    }
    if (n >= 4 && n % 2 === 0) await speculate(day, value);
    // Determinism: keeper-1 liquidates on its own clock, so the day only ends once no trader of ATPI-APR25 is below
    // maintenance at the series' mark (each liquidation happens on the day it became due, however loaded the machine).
    await allHealthy(series, day);
    lastIndex = value;
    if (n === 1) {
      const offer = await placeOrder(by("dave").mc, { series, side: "sell", size: 50n, price: price("3.440") });
      say(`dave publishes a signed sell order: 50 contracts at 3.440 (${offer.hash.slice(0, 10)}…)`);
      await fillOrder(by("alice").mc, series, offer, 30n);
      await addMargin(by("alice").mc, series, 10_000n * USDC);
      say("alice buys 30 from dave's order (fill) and adds 10,000 USDC of margin: long ~5x");
      await fillOrder(by("bob").mc, series, offer, 20n);
      await addMargin(by("bob").mc, series, 15_000n * USDC);
      say("bob buys the other 20 and adds 15,000 USDC: long ~2x");
    }
    if (n === 2) {
      const sell = await placeOrder(by("carol").mc, { series, side: "sell", size: 25n, price: price("3.436") });
      const buy = await placeOrder(by("erin").mc, { series, side: "buy", size: 25n, price: price("3.438") });
      const m = await matchOrders(matcher.mc, series, buy, sell);
      await addMargin(by("erin").mc, series, 12_000n * USDC);
      say(`carol's sell and erin's buy, both signed and published, matched by a third party: 25 at ${formatUnits(m.price, 18)}`);
    }
    if (day === REPRICING) {
      say(`${line}: new flagship models repriced (-18 % in the source prices); the index follows in methodology v2's bounded steps, the series' mark at most 4 % per fixing`);
      awaitingLiquidation = true;
    } else if (awaitingLiquidation && (await liquidatedYet())) {
      awaitingLiquidation = false;
      say(`${line}: keeper-1 liquidated alice below maintenance, still solvent: it took her position over at the mark and earned the bounded penalty`);
    }
    if (n === 30) {
      // At the series' mark (the price limit lets it lag the index), rounded down to the tick.
      const { value: mark } = await currentMarkOf(by("dave").mc, series);
      const at = roundToTick(mark, series.params.tickSize, "down");
      const offer = await placeOrder(by("dave").mc, { series, side: "sell", size: 15n, price: at });
      await fillOrder(by("carol").mc, series, offer, 15n);
      say(`carol takes profit: buys back 15 of her short from dave's new order at ${formatUnits(at, 18)} (the mark)`);
    }
  }
  if (!series) throw new Error("no series");
  if (awaitingLiquidation) {
    await waitEvent("Liquidated", "the liquidation of alice");
    say("keeper-1 liquidated alice below maintenance, still solvent: it took her position over at the mark and earned the bounded penalty");
  }

  // Settlement: the keepers record the round stamped at expiry (the window is [expiry, expiry + 1 h]: recording
  // closes at its end, so the rounds are fixed before anyone settles); after the window one settle sets the final
  // price: the window average on the tick, clamped to one price limit of the last mark.
  await waitEvent("SettlementFixingRecorded", "recording the settlement round");
  say("the keepers recorded the signed round stamped at expiry as a settlement fixing");
  const seriesState = () => publicClient.readContract({ address: deployment.market, abi: futuresMarketAbi, functionName: "seriesState", args: [series.id] });
  const until = async (what: string, done: (s: Awaited<ReturnType<typeof seriesState>>) => boolean) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = await seriesState();
      if (done(s)) return s;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within 60 s\n${keepers.map((k) => `${k.spec.name}:\n${k.tail(6)}`).join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // Each clock jump makes rounds due (the fixing count): the step waits for them too, so the count is the same on every run.
  const advanceTo = async (t: bigint) => {
    await setTime(t);
    await waitFixing(t - (t % DAY));
  };
  // Settle just after the window, before the next round (2025-04-08) comes due (fixings stamped after expiry never
  // become the mark, so the settlement starts from the expiry round's mark whatever comes next).
  const clock = EXPIRY + BigInt(params.settlementWindow) + 120n;
  await advanceTo(clock);
  let state = await until("settling the series", (s) => s.settledAt !== 0n);
  say(`series settled by the keepers at ${formatUnits(state.finalPrice, 18)} (window average, rounded down to the tick, within the price limit of the last mark)`);

  // keeper-1 resolves every account at the final price (winners owed, deficits recorded); then claims open.
  state = await until("resolving every account", (s) => s.openPositions === 0);
  const haircut = state.payableTotal === state.owedTotal ? "paid in full" : `paid ${formatUnits(state.payableTotal, 6)} of ${formatUnits(state.owedTotal, 6)}`;
  say(`keeper-1 resolved every account at the final price: ${formatUnits(state.owedTotal, 6)} USDC owed, ${haircut}`);
  const everyone = [...traders, liquidator, treasury, matcher];
  // The market maker, hedger and speculator keep their positions in the open expiries; their free balance is paid out.
  for (const t of [mm, hedger, speculator]) {
    const free = await publicClient.readContract({ address: deployment.market, abi: futuresMarketAbi, functionName: "freeBalance", args: [t.dev.account.address] });
    if (free > 0n) await withdraw(t.mc, free);
  }
  for (const t of everyone) {
    const owed = await publicClient.readContract({ address: deployment.market, abi: futuresMarketAbi, functionName: "owedOf", args: [series.id, t.dev.account.address] });
    if (owed > 0n) {
      const c = await claim(t.mc, series);
      say(`${t.name} claims ${formatUnits(c.payout, 6)} USDC`);
    }
    const free = await publicClient.readContract({ address: deployment.market, abi: futuresMarketAbi, functionName: "freeBalance", args: [t.dev.account.address] });
    if (free > 0n) await withdraw(t.mc, free);
  }

  const result = await readResult({
    publicClient,
    deployment,
    series,
    allSeries: all,
    curveHistory,
    accounts: [...everyone, mm, hedger, speculator].map((t) => ({ name: t.name, address: t.dev.account.address as Address })),
    labels: operators.slice(1).map((o, i) => ({ name: `keeper-${i + 2}`, address: o.account.address as Address })),
    seriesLabel: "ATPI-APR25 (ATPI futures, expiry 2025-04-07)",
  });
  const summary = summarize(result);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  writeFileSync(join(outDir, "report.html"), renderReport(result));

  console.log("");
  console.log(`fixings posted     ${summary.fixings}`);
  console.log(`series listed      ${summary.series}`);
  console.log(`trades             ${summary.trades} (fills and matches, all expiries)`);
  for (const [expiry, mid] of Object.entries(summary.curve)) console.log(`  curve ${expiry}  last mid ${formatUnits(BigInt(mid), 18)}`);
  console.log(`liquidations       ${summary.liquidations}`);
  console.log(`settlement price   ${formatUnits(BigInt(summary.settlementPrice), 18)} USD per 1M tokens`);
  for (const a of summary.accounts) {
    console.log(`  ${a.name.padEnd(12)} deposited ${formatUnits(BigInt(a.deposited), 6).padStart(10)}  withdrew ${formatUnits(BigInt(a.withdrawn), 6).padStart(12)}  P&L ${formatUnits(BigInt(a.pnl), 6)}`);
  }
  for (const b of summary.seriesBooks) console.log(`  series ${b.expiry} holds ${formatUnits(BigInt(b.collateral), 6)} USDC, its logs moved in net ${formatUnits(BigInt(b.netInflows), 6)}${b.settled ? " (settled)" : " (open)"}`);
  console.log("  (market maker, hedger and speculator: withdrew their free balance; their margin stays in the open May and June expiries)");
  console.log(`deposits ${formatUnits(BigInt(summary.totalDeposits), 6)} = payouts ${formatUnits(BigInt(summary.totalPayouts), 6)} + held by the series ${formatUnits(BigInt(summary.heldBySeries), 6)} (first series: insurance ${formatUnits(BigInt(summary.insuranceBalance), 6)} + fees ${formatUnits(BigInt(summary.protocolFees), 6)} + rounding residue ${formatUnits(BigInt(summary.marginPoolResidue), 6)}): ${summary.conservation ? "conserved" : "NOT CONSERVED"}`);
  console.log(`wrote ${join(outDir, "summary.json")} and ${join(outDir, "report.html")} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (!summary.conservation || !summary.settled || summary.liquidations < 1 || summary.trades < 20) process.exitCode = 1;
}

await main();
