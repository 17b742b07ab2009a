/** Reads what happened from chain data alone (logs and state), so the report shows the chain, not the script's intentions. */
import { type Address, type Hex, type PublicClient, erc20Abi } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import type { Deployment } from "../../sdk/deployment.js";
import { abs } from "../../sdk/marginMath.js";
import type { Series } from "../../sdk/series.js";
import type { CurveSnapshot, DemoResult, LiquidationRecord, SeriesBook, TradeRecord } from "./report.js";

export interface ReadOptions {
  publicClient: PublicClient;
  deployment: Deployment;
  series: Series;
  /** Every listed series (the first one included), for trades, the curve and the per-series books. */
  allSeries: Series[];
  curveHistory: CurveSnapshot[];
  accounts: { name: string; address: Address }[];
  labels: { name: string; address: Address }[];
  seriesLabel: string;
}

export async function readResult(o: ReadOptions): Promise<DemoResult> {
  const { publicClient: client, deployment: d, series } = o;
  const market = { address: d.market, abi: futuresMarketAbi, fromBlock: d.deployBlock, strict: true } as const;
  const blockTimes = new Map<bigint, number>();
  const timeOf = async (block: bigint) => {
    let t = blockTimes.get(block);
    if (t === undefined) {
      t = Number((await client.getBlock({ blockNumber: block })).timestamp);
      blockTimes.set(block, t);
    }
    return t;
  };

  const fixingLogs = await client.getContractEvents({ address: d.oracle, abi: indexOracleAbi, eventName: "FixingPosted", fromBlock: d.deployBlock, strict: true });
  const fixings = fixingLogs.map((l) => ({ timestamp: Number(l.args.timestamp), value: l.args.value, poster: l.args.poster }));

  const makers = new Map<Hex, Address>();
  for (const l of await client.getContractEvents({ ...market, eventName: "OrderPublished" })) makers.set(l.args.orderHash, l.args.maker);

  const trades: TradeRecord[] = [];
  for (const l of await client.getContractEvents({ ...market, eventName: "OrderFilled" })) {
    const a = l.args;
    trades.push({
      seriesId: a.seriesId,
      timestamp: await timeOf(l.blockNumber),
      kind: "fill",
      buyer: a.makerDelta > 0n ? a.maker : a.taker,
      seller: a.makerDelta > 0n ? a.taker : a.maker,
      size: abs(a.makerDelta),
      price: a.price,
      fees: a.makerFee + a.takerFee,
      txHash: l.transactionHash,
    });
  }
  for (const l of await client.getContractEvents({ ...market, eventName: "OrdersMatched" })) {
    const a = l.args;
    trades.push({
      seriesId: a.seriesId,
      timestamp: await timeOf(l.blockNumber),
      kind: "match",
      buyer: makers.get(a.buyHash) ?? a.buyHash,
      seller: makers.get(a.sellHash) ?? a.sellHash,
      size: a.size,
      price: a.price,
      fees: 2n * a.fee, // each maker paid `fee`
      txHash: l.transactionHash,
    });
  }
  trades.sort((x, y) => x.timestamp - y.timestamp);

  const liquidations: LiquidationRecord[] = [];
  for (const l of await client.getContractEvents({ ...market, eventName: "Liquidated" })) {
    const a = l.args;
    liquidations.push({ timestamp: await timeOf(l.blockNumber), account: a.account, liquidator: a.liquidator, size: a.size, mark: a.mark, reward: a.reward, deficit: a.deficit, txHash: l.transactionHash });
  }

  const deposited = new Map<string, bigint>();
  const withdrawn = new Map<string, bigint>();
  const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k.toLowerCase(), (m.get(k.toLowerCase()) ?? 0n) + v);
  for (const l of await client.getContractEvents({ ...market, eventName: "Deposited" })) add(deposited, l.args.account, l.args.amount);
  for (const l of await client.getContractEvents({ ...market, eventName: "Withdrawn" })) add(withdrawn, l.args.account, l.args.amount);

  const state = await client.readContract({ address: d.market, abi: futuresMarketAbi, functionName: "seriesState", args: [series.id] });
  const books: SeriesBook[] = [];
  for (const s of o.allSeries) books.push(await seriesBook(client, d, s));
  let freeLeft = 0n;
  for (const a of o.accounts) freeLeft += await client.readContract({ address: d.market, abi: futuresMarketAbi, functionName: "freeBalance", args: [a.address] });
  const marketBalance = await client.readContract({ address: d.collateral, abi: erc20Abi, functionName: "balanceOf", args: [d.market] });
  return {
    chainId: d.chainId,
    seriesLabel: o.seriesLabel,
    expiry: Number(series.params.expiry),
    fixings,
    trades,
    liquidations,
    settlementPrice: state.settledAt > 0n ? state.finalPrice : null,
    accounts: o.accounts.map((a) => ({
      name: a.name,
      address: a.address,
      deposited: deposited.get(a.address.toLowerCase()) ?? 0n,
      withdrawn: withdrawn.get(a.address.toLowerCase()) ?? 0n,
    })),
    labels: o.labels,
    insuranceBalance: state.insurance,
    protocolFees: BigInt(state.fees),
    // What the series still holds beyond insurance and fees once every claim is paid: the rounding of each
    // account's equity (always down, in favour of the series), owned by no one.
    marginPoolResidue: BigInt(state.collateral) - BigInt(state.fees), // insurance is held apart from the collateral
    marketBalance,
    books,
    freeLeft,
    curveHistory: o.curveHistory,
  };
}

/**
 * One series' money from its logs: every unit moved in (margin top-ups of trades, liquidations and addMargin,
 * insurance funded) minus every unit moved out (margin released, insurance withdrawn, fees collected, claims paid),
 * next to what the series' state says it holds (`collateral`).
 */
async function seriesBook(client: PublicClient, d: Deployment, s: Series): Promise<SeriesBook> {
  const market = { address: d.market, abi: futuresMarketAbi, fromBlock: d.deployBlock, strict: true, args: { seriesId: s.id } } as const;
  let flows = 0n;
  for (const l of await client.getContractEvents({ ...market, eventName: "OrderFilled" })) flows += l.args.makerMargin.moved + l.args.takerMargin.moved;
  for (const l of await client.getContractEvents({ ...market, eventName: "OrdersMatched" })) flows += l.args.buyMargin.moved + l.args.sellMargin.moved;
  for (const l of await client.getContractEvents({ ...market, eventName: "Liquidated" })) flows += l.args.accountMargin.moved + l.args.liquidatorMargin.moved;
  for (const l of await client.getContractEvents({ ...market, eventName: "MarginMoved" })) flows += l.args.amount;
  for (const l of await client.getContractEvents({ ...market, eventName: "InsuranceFunded" })) flows += l.args.amount;
  for (const l of await client.getContractEvents({ ...market, eventName: "InsuranceWithdrawn" })) flows -= l.args.amount;
  for (const l of await client.getContractEvents({ ...market, eventName: "FeesCollected" })) flows -= l.args.amount;
  for (const l of await client.getContractEvents({ ...market, eventName: "Claimed" })) flows -= l.args.payout;
  const st = await client.readContract({ address: d.market, abi: futuresMarketAbi, functionName: "seriesState", args: [s.id] });
  return { seriesId: s.id, expiry: Number(s.params.expiry), settled: st.settledAt > 0n, collateral: BigInt(st.collateral) + st.insurance, netInflows: flows, insurance: st.insurance, fees: BigInt(st.fees) };
}
