/** The open order book, rebuilt from chain data: OrderPublished logs minus fills, cancels, min-nonce and expiry. */
import { type Address, type Hex, compactSignatureToSignature, recoverAddress, serializeSignature, zeroAddress } from "viem";
import { type MarketClient, chainTime, marketContract, scanLogs } from "./client.js";
import { abs } from "./marginMath.js";
import { type Order, hashOrder } from "./orders.js";

export interface BookEntry {
  hash: Hex;
  order: Order;
  /** The maker's signature, 65-byte (r, s, v) form (the event carries the compact form). */
  signature: Hex;
  filled: bigint;
  remaining: bigint;
  /** Block of the OrderPublished log. */
  publishedAt: bigint;
}

export interface OrderBook {
  /** Buys, best (highest) price first, then oldest first. */
  bids: BookEntry[];
  /** Sells, best (lowest) price first, then oldest first. */
  asks: BookEntry[];
  /** Chain time the expiries were compared with. */
  at: bigint;
}

export interface BookFilter {
  seriesId?: Hex | undefined;
  maker?: Address | undefined;
}

/**
 * Reads every market log once and folds it into the open book (expired orders dropped at the latest block time).
 * An OrderPublished log only counts when its order hashes to its `orderHash` for this market and chain and the
 * signature recovers the maker (never maker 0): the market rejects such posts, and a log from an older market
 * version or a forged one shows nothing.
 */
export async function readOrderBook(mc: MarketClient, filter: BookFilter = {}): Promise<OrderBook> {
  const [logs, at] = await Promise.all([
    scanLogs(mc, (fromBlock, toBlock) => mc.publicClient.getContractEvents({ ...marketContract(mc), fromBlock, toBlock, strict: true })),
    chainTime(mc),
  ]);
  const published = new Map<string, BookEntry>();
  const filled = new Map<string, bigint>();
  const cancelled = new Set<string>();
  const minNonce = new Map<string, bigint>();
  const add = (hash: Hex, size: bigint) => filled.set(hash.toLowerCase(), (filled.get(hash.toLowerCase()) ?? 0n) + size);
  for (const log of logs) {
    switch (log.eventName) {
      case "OrderPublished": {
        const key = log.args.orderHash.toLowerCase();
        if (!published.has(key)) {
          const order = { ...log.args.order } as Order;
          const signature = serializeSignature(compactSignatureToSignature({ r: log.args.signature.r, yParityAndS: log.args.signature.vs }));
          if (!(await validlySigned(mc, order, log.args.orderHash, signature))) break;
          published.set(key, { hash: log.args.orderHash, order, signature, filled: 0n, remaining: order.size, publishedAt: log.blockNumber ?? 0n });
        }
        break;
      }
      case "OrderFilled":
        add(log.args.orderHash, abs(log.args.makerDelta));
        break;
      case "OrdersMatched":
        add(log.args.buyHash, log.args.size);
        add(log.args.sellHash, log.args.size);
        break;
      case "OrderCancelled":
        cancelled.add(log.args.orderHash.toLowerCase());
        break;
      case "MinNonceRaised":
        minNonce.set(log.args.maker.toLowerCase(), log.args.minNonce);
        break;
      default:
        break;
    }
  }
  const bids: BookEntry[] = [];
  const asks: BookEntry[] = [];
  for (const [key, e] of published) {
    const o = e.order;
    if (filter.seriesId && o.seriesId.toLowerCase() !== filter.seriesId.toLowerCase()) continue;
    if (filter.maker && o.maker.toLowerCase() !== filter.maker.toLowerCase()) continue;
    if (cancelled.has(key) || o.expiry <= at || o.nonce < (minNonce.get(o.maker.toLowerCase()) ?? 0n)) continue;
    const f = filled.get(key) ?? 0n;
    if (f >= o.size) continue;
    (o.isBuy ? bids : asks).push({ ...e, filled: f, remaining: o.size - f });
  }
  const byAge = (a: BookEntry, b: BookEntry) => (a.publishedAt < b.publishedAt ? -1 : a.publishedAt > b.publishedAt ? 1 : 0);
  bids.sort((a, b) => (a.order.limitPrice > b.order.limitPrice ? -1 : a.order.limitPrice < b.order.limitPrice ? 1 : byAge(a, b)));
  asks.sort((a, b) => (a.order.limitPrice < b.order.limitPrice ? -1 : a.order.limitPrice > b.order.limitPrice ? 1 : byAge(a, b)));
  return { bids, asks, at };
}

/** True when `order` hashes to `hash` on this market and `signature` recovers its (non-zero) maker. */
async function validlySigned(mc: MarketClient, order: Order, hash: Hex, signature: Hex): Promise<boolean> {
  if (order.maker.toLowerCase() === zeroAddress) return false;
  const digest = hashOrder(mc.chainId, marketContract(mc).address, order);
  if (digest.toLowerCase() !== hash.toLowerCase()) return false;
  try {
    return (await recoverAddress({ hash: digest, signature })).toLowerCase() === order.maker.toLowerCase();
  } catch {
    return false;
  }
}

/** One open order by hash, or undefined. */
export async function findOpenOrder(mc: MarketClient, hash: Hex): Promise<BookEntry | undefined> {
  const book = await readOrderBook(mc);
  return [...book.bids, ...book.asks].find((e) => e.hash.toLowerCase() === hash.toLowerCase());
}

/** The next unused nonce of a maker: above its min nonce and every nonce it published. */
export async function nextNonce(mc: MarketClient, maker: Address): Promise<bigint> {
  const [logs, min] = await Promise.all([
    scanLogs(mc, (fromBlock, toBlock) =>
      mc.publicClient.getContractEvents({ ...marketContract(mc), eventName: "OrderPublished", args: { maker }, fromBlock, toBlock, strict: true }),
    ),
    mc.publicClient.readContract({ ...marketContract(mc), functionName: "minNonce", args: [maker] }),
  ]);
  return logs.reduce((n, l) => (l.args.order.nonce >= n ? l.args.order.nonce + 1n : n), min);
}
