/**
 * Reading a series' market events from the chain: one eth_getLogs per block range (filtered on the market, the
 * event signatures and the series id topic), decoded into replay events (replay.ts). Every event names its
 * accounts and carries its margin changes, so nothing is read from calldata.
 */
import { type Address, type Hex, type PublicClient, decodeEventLog, toEventSelector } from "viem";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import type { MarginChange, MarketEvent } from "./replay.js";

const TRACKED = [
  "OrderFilled",
  "OrdersMatched",
  "MarginMoved",
  "Liquidated",
  "DeficitRecorded",
  "ClosedOut",
  "Claimed",
  "SeriesSettled",
] as const;

const eventItems = futuresMarketAbi.filter((x) => x.type === "event" && (TRACKED as readonly string[]).includes(x.name));
/** topic0 of every tracked event. */
export const TRACKED_TOPICS: Hex[] = eventItems.map((x) => toEventSelector(x as never));

/** Fetches and decodes every tracked event of `seriesId` in [fromBlock, toBlock] (one eth_getLogs). */
export async function fetchSeriesEvents(
  client: PublicClient,
  market: Address,
  seriesId: Hex,
  fromBlock: bigint,
  toBlock: bigint,
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
    const e = decode(log);
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

function decode(log: RawLog): MarketEvent | undefined {
  const d = decodeEventLog({ abi: futuresMarketAbi, topics: log.topics, data: log.data, strict: true }) as unknown as { eventName: string; args: Record<string, unknown> };
  const at = { blockNumber: BigInt(log.blockNumber), logIndex: Number(BigInt(log.logIndex)), txHash: log.transactionHash };
  const a = d.args;
  switch (d.eventName) {
    case "OrderFilled": {
      const delta = a.makerDelta as bigint;
      const price = a.price as bigint;
      return { ...at, kind: "Trade", legs: [
        { account: a.maker as Address, delta, price, margin: a.makerMargin as MarginChange },
        { account: a.taker as Address, delta: -delta, price, margin: a.takerMargin as MarginChange },
      ] };
    }
    case "OrdersMatched": {
      const size = BigInt(a.size as bigint);
      const price = a.price as bigint;
      return { ...at, kind: "Trade", legs: [
        { account: a.buyMaker as Address, delta: size, price, margin: a.buyMargin as MarginChange },
        { account: a.sellMaker as Address, delta: -size, price, margin: a.sellMargin as MarginChange },
      ] };
    }
    case "MarginMoved":
      return { ...at, kind: "MarginMoved", account: a.account as Address, amount: a.amount as bigint, shares: a.shares as bigint };
    case "Liquidated":
      return { ...at, kind: "Liquidated", account: a.account as Address, liquidator: a.liquidator as Address, size: a.size as bigint,
        mark: a.mark as bigint, reward: a.reward as bigint, deficit: a.deficit as bigint,
        accountMargin: a.accountMargin as MarginChange, liquidatorMargin: a.liquidatorMargin as MarginChange };
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
