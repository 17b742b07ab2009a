/**
 * The open order book, rebuilt from chain data: OrderPublished logs minus fills, cancels, min-nonce and expiry, and
 * without the orders that fail the pre-checks (`checkNewOrder`: fields, band, the maker's margin backs them).
 */
import { type Address, type Hex, compactSignatureToSignature, serializeSignature, zeroAddress } from "viem";
import { checkBand, checkTradable, marginTopUp, orderFeeBps, orderFieldProblem, readMarginState } from "./checks.js";
import { type MarketClient, type MarketLog, chainTime, marketContract, readMarketLogs, scanLogs } from "./client.js";
import { SdkError } from "./errors.js";
import { abs } from "./marginMath.js";
import { type Order, type SeriesParams, hashOrder } from "./orders.js";
import { type Series, currentMarkOf } from "./series.js";
import { formatPrice, formatUsdc } from "./units.js";

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
  /**
   * Orders still open on chain that the book does not show because a pre-check fails now (`reason`): off the tick,
   * max fee below the series' fee, expiry after the series', outside the band around the mark, or not backed by
   * the maker's free balance at the mark. Their makers may still cancel them; some may come back (band, margin).
   */
  hidden: HiddenEntry[];
}

export interface HiddenEntry extends BookEntry {
  reason: SdkError;
}

export interface BookFilter {
  seriesId?: Hex | undefined;
  maker?: Address | undefined;
}

/**
 * Reads every market log once and folds it into the open book (expired orders dropped at the latest block time;
 * orders failing a pre-check go to `hidden`); `logs` from `readMarketLogs` saves the scan when the caller has them.
 * An OrderPublished log only counts when its order hashes to its `orderHash` for this market and chain (never maker
 * 0): a log from an older market version shows nothing; the market itself verified the signature (`validlyPosted`).
 */
export async function readOrderBook(mc: MarketClient, filter: BookFilter = {}, logs?: readonly MarketLog[]): Promise<OrderBook> {
  const [all, at] = await Promise.all([logs ?? readMarketLogs(mc), chainTime(mc)]);
  const caches: Caches = { marks: new Map(), margin: new Map() };
  const published = new Map<string, BookEntry>();
  const filled = new Map<string, bigint>();
  const cancelled = new Set<string>();
  const minNonce = new Map<string, bigint>();
  const seriesById = new Map<string, Series>();
  const add = (hash: Hex, size: bigint) => filled.set(hash.toLowerCase(), (filled.get(hash.toLowerCase()) ?? 0n) + size);
  for (const log of all) {
    switch (log.eventName) {
      case "OrderPublished": {
        const key = log.args.orderHash.toLowerCase();
        if (!published.has(key)) {
          const order = { ...log.args.order } as Order;
          const signature = serializeSignature(compactSignatureToSignature({ r: log.args.signature.r, yParityAndS: log.args.signature.vs }));
          if (!validlyPosted(mc, order, log.args.orderHash)) break;
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
      case "SeriesListed":
        seriesById.set(log.args.seriesId.toLowerCase(), { id: log.args.seriesId, params: { ...(log.args.params as SeriesParams) } });
        break;
      case "MinNonceRaised":
        minNonce.set(log.args.maker.toLowerCase(), log.args.minNonce);
        break;
      default:
        break;
    }
  }
  const open: BookEntry[] = [];
  for (const [key, e] of published) {
    const o = e.order;
    if (filter.seriesId && o.seriesId.toLowerCase() !== filter.seriesId.toLowerCase()) continue;
    if (filter.maker && o.maker.toLowerCase() !== filter.maker.toLowerCase()) continue;
    if (cancelled.has(key) || o.expiry <= at || o.nonce < (minNonce.get(o.maker.toLowerCase()) ?? 0n)) continue;
    const f = filled.get(key) ?? 0n;
    if (f >= o.size) continue;
    open.push({ ...e, filled: f, remaining: o.size - f });
  }
  const reasons = await Promise.all(open.map((e) => hideReason(mc, seriesById, e, at, caches)));
  const bids: BookEntry[] = [];
  const asks: BookEntry[] = [];
  const hidden: HiddenEntry[] = [];
  open.forEach((e, i) => {
    const reason = reasons[i];
    if (reason) hidden.push({ ...e, reason });
    else (e.order.isBuy ? bids : asks).push(e);
  });
  const byAge = (a: BookEntry, b: BookEntry) => (a.publishedAt < b.publishedAt ? -1 : a.publishedAt > b.publishedAt ? 1 : 0);
  bids.sort((a, b) => (a.order.limitPrice > b.order.limitPrice ? -1 : a.order.limitPrice < b.order.limitPrice ? 1 : byAge(a, b)));
  asks.sort((a, b) => (a.order.limitPrice < b.order.limitPrice ? -1 : a.order.limitPrice > b.order.limitPrice ? 1 : byAge(a, b)));
  return { bids, asks, at, hidden };
}

interface Caches {
  marks: Map<string, Promise<bigint | undefined>>;
  margin: Map<string, ReturnType<typeof readMarginState>>;
}

/**
 * Why an open order is not shown, or undefined. Each order is checked alone against its maker's current state
 * (two orders of one maker may each be backed while both together are not: the fill's own check decides).
 * Without any fixing yet, band and backing cannot be judged and are not checked.
 */
async function hideReason(mc: MarketClient, seriesById: Map<string, Series>, e: BookEntry, at: bigint, caches: Caches): Promise<SdkError | undefined> {
  const series = seriesById.get(e.order.seriesId.toLowerCase());
  if (!series) return new SdkError("UNKNOWN_SERIES", `series ${e.order.seriesId} is not listed`);
  try {
    checkTradable(series, at);
    const problem = orderFieldProblem(series, e.order, at);
    if (problem) return problem;
    const sid = series.id.toLowerCase();
    if (!caches.marks.has(sid)) caches.marks.set(sid, currentMarkOf(mc, series).then((m) => m.value, () => undefined));
    const mark = await caches.marks.get(sid);
    if (mark === undefined) return undefined;
    checkBand(series, e.order.limitPrice, mark);
    const mkey = `${sid}:${e.order.maker.toLowerCase()}`;
    if (!caches.margin.has(mkey)) caches.margin.set(mkey, readMarginState(mc, series, e.order.maker));
    const { pos, pool, free } = await (caches.margin.get(mkey) as ReturnType<typeof readMarginState>);
    const delta = e.order.isBuy ? e.remaining : -e.remaining;
    const needed = marginTopUp(series, pos, pool, delta, e.order.limitPrice, orderFeeBps(series, e.order), mark);
    if (free < needed) {
      return new SdkError(
        "INSUFFICIENT_MARGIN",
        `the maker needs ${formatUsdc(needed)} of free balance to back ${e.remaining} @ ${formatPrice(e.order.limitPrice)} at the mark ${formatPrice(mark)}, has ${formatUsdc(free)}`,
        { needed, available: free },
      );
    }
    return undefined;
  } catch (err) {
    if (err instanceof SdkError) return err;
    throw err;
  }
}

/**
 * True when `order` hashes to `hash` on this market and chain and its maker is not 0. The signature itself was
 * verified by the market when it accepted the post (publishOrder reverts InvalidSignature unless it recovers the
 * maker), and only this market's logs are read; a fill checks it again locally (checkLiveOrder) before sending.
 */
function validlyPosted(mc: MarketClient, order: Order, hash: Hex): boolean {
  if (order.maker.toLowerCase() === zeroAddress) return false;
  return hashOrder(mc.chainId, marketContract(mc).address, order).toLowerCase() === hash.toLowerCase();
}

/** One order still open on chain by hash (shown or hidden by the book's pre-checks), or undefined. */
export async function findOpenOrder(mc: MarketClient, hash: Hex): Promise<BookEntry | HiddenEntry | undefined> {
  const book = await readOrderBook(mc);
  return [...book.bids, ...book.asks, ...book.hidden].find((e) => e.hash.toLowerCase() === hash.toLowerCase());
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
