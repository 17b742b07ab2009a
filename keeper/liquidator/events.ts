/**
 * Reading a series' market events from the chain: one eth_getLogs per block range (filtered on the market, the
 * event signatures and the series id topic), decoded into replay events (replay.ts). OrdersMatched names only
 * the two order hashes: the makers are read from the transaction's calldata (`crossOrders` called directly on
 * the market) or from an OrderPublished event of the same range.
 */
import {
  type Address,
  type Hex,
  type PublicClient,
  decodeEventLog,
  decodeFunctionData,
  toEventSelector,
} from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { type Order, hashOrder } from "../../sdk/orders.js";
import type { MarketEvent } from "./replay.js";

const TRACKED = [
  "OrderFilled",
  "OrdersMatched",
  "MarginMoved",
  "Liquidated",
  "DeficitRecorded",
  "ClosedOut",
  "Claimed",
  "SeriesSettled",
  "OrderPublished",
] as const;

const eventItems = futuresMarketAbi.filter((x) => x.type === "event" && (TRACKED as readonly string[]).includes(x.name));
/** topic0 of every tracked event. */
export const TRACKED_TOPICS: Hex[] = eventItems.map((x) => toEventSelector(x as never));

/** Raised when OrdersMatched cannot be attributed to two makers: the book cannot stay exact. */
export class UnresolvedMatchError extends Error {
  override readonly name = "UnresolvedMatchError";
}

/** Who made an order, by hash, learnt from OrderPublished events and crossOrders calldata. */
export type MakerCache = Map<string, Address>;

/** Fetches and decodes every tracked event of `seriesId` in [fromBlock, toBlock] (one eth_getLogs). */
export async function fetchSeriesEvents(
  client: PublicClient,
  market: Address,
  seriesId: Hex,
  fromBlock: bigint,
  toBlock: bigint,
  makers: MakerCache = new Map(),
): Promise<MarketEvent[]> {
  if (toBlock < fromBlock) return [];
  const logs = (await client.request({
    method: "eth_getLogs",
    params: [{ address: market, fromBlock: `0x${fromBlock.toString(16)}`, toBlock: `0x${toBlock.toString(16)}`, topics: [TRACKED_TOPICS, seriesId] }],
  })) as RawLog[];
  logs.sort((a, b) => (BigInt(a.blockNumber) === BigInt(b.blockNumber) ? Number(BigInt(a.logIndex) - BigInt(b.logIndex)) : BigInt(a.blockNumber) < BigInt(b.blockNumber) ? -1 : 1));
  const out: MarketEvent[] = [];
  const seen = new Set<string>(); // an endpoint may answer a log twice: dedupe by (transaction hash, log index)
  for (const log of logs) {
    const id = `${log.transactionHash}:${log.logIndex}`;
    if (log.removed || seen.has(id)) continue;
    seen.add(id);
    const e = await decode(client, market, log, makers);
    if (e) out.push(e);
  }
  return out;
}

interface RawLog {
  address: Address;
  topics: [Hex, ...Hex[]];
  data: Hex;
  blockNumber: Hex;
  logIndex: Hex;
  transactionHash: Hex;
  removed?: boolean;
}

async function decode(client: PublicClient, market: Address, log: RawLog, makers: MakerCache): Promise<MarketEvent | undefined> {
  const d = decodeEventLog({ abi: futuresMarketAbi, topics: log.topics, data: log.data, strict: true }) as unknown as { eventName: string; args: Record<string, unknown> };
  const at = { blockNumber: BigInt(log.blockNumber), logIndex: Number(BigInt(log.logIndex)), txHash: log.transactionHash };
  const a = d.args;
  switch (d.eventName) {
    case "OrderPublished": {
      const order = a.order as { maker: Address };
      makers.set((a.orderHash as Hex).toLowerCase(), order.maker);
      return undefined;
    }
    case "OrderFilled":
      return { ...at, kind: "OrderFilled", maker: a.maker as Address, taker: a.taker as Address,
        makerDelta: a.makerDelta as bigint, price: a.price as bigint, makerFee: a.makerFee as bigint, takerFee: a.takerFee as bigint,
        makerMargin: a.makerMargin as bigint, takerMargin: a.takerMargin as bigint };
    case "OrdersMatched": {
      const buyHash = (a.buyHash as Hex).toLowerCase();
      const sellHash = (a.sellHash as Hex).toLowerCase();
      if (!makers.has(buyHash) || !makers.has(sellHash)) await learnFromCalldata(client, market, log.transactionHash, makers);
      const buyer = makers.get(buyHash);
      const seller = makers.get(sellHash);
      if (!buyer || !seller) {
        throw new UnresolvedMatchError(`OrdersMatched in ${log.transactionHash} (log ${at.logIndex}): makers of ${buyHash}/${sellHash} unknown (not a direct crossOrders call, no OrderPublished)`);
      }
      return { ...at, kind: "OrdersMatched", buyer, seller, size: a.size as bigint, price: a.price as bigint, buyFee: a.buyFee as bigint, sellFee: a.sellFee as bigint,
        buyMargin: a.buyMargin as bigint, sellMargin: a.sellMargin as bigint };
    }
    case "MarginMoved":
      return { ...at, kind: "MarginMoved", account: a.account as Address, amount: a.amount as bigint };
    case "Liquidated":
      return { ...at, kind: "Liquidated", account: a.account as Address, liquidator: a.liquidator as Address, size: a.size as bigint,
        mark: a.mark as bigint, reward: a.reward as bigint, deficit: a.deficit as bigint };
    case "DeficitRecorded":
      return { ...at, kind: "DeficitRecorded", account: a.account as Address, deficit: a.deficit as bigint, socialised: a.socialised as bigint };
    case "ClosedOut":
      return { ...at, kind: "ClosedOut", account: a.account as Address, equity: a.equity as bigint };
    case "Claimed":
      return { ...at, kind: "Claimed", account: a.account as Address, payout: a.payout as bigint };
    case "SeriesSettled":
      return { ...at, kind: "SeriesSettled", finalPrice: a.finalPrice as bigint };
    default:
      return undefined;
  }
}

/** Reads a transaction's calldata and, for a direct `crossOrders` call, records both makers by order hash. */
async function learnFromCalldata(client: PublicClient, market: Address, hash: Hex, makers: MakerCache): Promise<void> {
  const tx = await client.getTransaction({ hash });
  if (tx.to?.toLowerCase() !== market.toLowerCase()) return;
  let call;
  try {
    call = decodeFunctionData({ abi: futuresMarketAbi, data: tx.input });
  } catch {
    return;
  }
  if (call.functionName !== "crossOrders") return;
  const [, buy, , sell] = call.args as unknown as [unknown, Order, unknown, Order];
  const chainId = await client.getChainId();
  makers.set(hashOrder(chainId, market, buy).toLowerCase(), buy.maker);
  makers.set(hashOrder(chainId, market, sell).toLowerCase(), sell.maker);
}
