/**
 * The market maker against the chain: read what it needs (index, marks, positions, its open orders), and refresh
 * its quotes with one cancel-all-by-nonce (`cancelAllBelow`, the min-nonce bump) plus one published order each.
 *
 * Restart safety without a journal: the open book is read from chain logs, and a refresh always numbers its orders
 * from the maker's next unused nonce (above its min nonce and everything it ever published) and first raises the
 * min nonce to that base, which kills every older order. So whatever a crash left behind (a partial refresh, a
 * cancel without orders), the next tick either finds exactly the wanted quotes on the book and sends nothing, or
 * replaces everything: an order of an older refresh is never live beside the new ones.
 */
import type { Address } from "viem";
import { nextNonce, readOrderBook } from "../../sdk/book.js";
import { type MarketClient, marketContract, senderOf } from "../../sdk/client.js";
import { type Series, currentMarkOf, latestIndex, seriesStatus } from "../../sdk/series.js";
import { cancelAll, placeOrder } from "../../sdk/trade.js";
import { type Quote, type QuoteLimits, type SeriesView, desiredQuotes, sameQuotes } from "./quote.js";

export interface MarketView {
  index: bigint;
  fixingTime: bigint;
  series: SeriesView[];
  /** The maker's open orders (remaining sizes). */
  open: Quote[];
}

/** Reads the index of the series' index, each trading series' mark and the maker's position, and its open orders. */
export async function readView(mc: MarketClient, series: readonly Series[], maker: Address): Promise<MarketView> {
  const first = series[0];
  if (!first) throw new Error("market maker: no series to quote");
  const index = await latestIndex(mc, first.params.indexId);
  const views: SeriesView[] = [];
  for (const s of series) {
    const status = await seriesStatus(mc, s);
    if (status.phase !== "trading" || status.paused) continue;
    const [mark, position] = await Promise.all([
      currentMarkOf(mc, s),
      mc.publicClient.readContract({ ...marketContract(mc), functionName: "position", args: [s.id, maker] }),
    ]);
    views.push({ id: s.id, params: s.params, mark: mark.value, position: position.size });
  }
  const book = await readOrderBook(mc, { maker });
  const open = [...book.bids, ...book.asks].map((e) => ({ seriesId: e.order.seriesId, isBuy: e.order.isBuy, price: e.order.limitPrice, size: e.remaining }));
  return { index: index.value, fixingTime: index.timestamp, series: views, open };
}

export interface RefreshResult {
  /** False when the book already held exactly the wanted quotes (nothing sent). */
  refreshed: boolean;
  cancelled: boolean;
  published: number;
  gasUsed: bigint;
  /** The first nonce of this refresh's orders. */
  nonceBase: bigint;
}

/**
 * One tick: the wanted quotes for the current view; when they differ from the open orders, raise the min nonce to
 * the next unused nonce (one transaction) and publish each wanted order numbered from there. Orders live until
 * the fixing's time + `orderLifetime` (capped at the series' expiry).
 */
export async function refreshQuotes(mc: MarketClient, series: readonly Series[], limits: QuoteLimits, orderLifetime: bigint): Promise<RefreshResult & { view: MarketView; wanted: Quote[] }> {
  const maker = senderOf(mc);
  const view = await readView(mc, series, maker);
  const wanted = desiredQuotes(view.series, view.index, view.fixingTime, limits);
  const base = await nextNonce(mc, maker);
  if (sameQuotes(view.open, wanted)) return { refreshed: false, cancelled: false, published: 0, gasUsed: 0n, nonceBase: base, view, wanted };
  let gasUsed = 0n;
  const min = await mc.publicClient.readContract({ ...marketContract(mc), functionName: "minNonce", args: [maker] });
  const cancelled = base > min;
  if (cancelled) gasUsed += (await cancelAll(mc, base)).receipt.gasUsed;
  const byId = new Map<string, Series>(series.map((s) => [s.id.toLowerCase(), s]));
  let nonce = base;
  for (const q of wanted) {
    const s = byId.get(q.seriesId.toLowerCase()) as Series;
    const until = view.fixingTime + orderLifetime;
    const sent = await placeOrder(mc, {
      series: s,
      side: q.isBuy ? "buy" : "sell",
      size: q.size,
      price: q.price,
      nonce,
      expiry: until < s.params.expiry ? until : s.params.expiry,
    });
    gasUsed += sent.receipt.gasUsed;
    nonce += 1n;
  }
  return { refreshed: true, cancelled, published: wanted.length, gasUsed, nonceBase: base, view, wanted };
}

