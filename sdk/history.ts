/** Trades read from chain logs (fills and matches), and what they mean for one account: realized PnL and fees paid. */
import type { Address, Hex } from "viem";
import { type MarketClient, type MarketLog, readMarketLogs } from "./client.js";
import { abs, applyFill } from "./marginMath.js";
import type { Series } from "./series.js";

export interface Trade {
  seriesId: Hex;
  buyer: Address;
  seller: Address;
  size: bigint;
  price: bigint;
  buyerFee: bigint;
  sellerFee: bigint;
  blockNumber: bigint;
  logIndex: number;
}

/** Every fill and match of the market in chain order (optionally of one series); `logs` from `readMarketLogs` saves the scan. */
export async function readTrades(mc: MarketClient, seriesId?: Hex, logs?: readonly MarketLog[]): Promise<Trade[]> {
  const all = logs ?? (await readMarketLogs(mc));
  return tradesFrom(all, seriesId);
}

function tradesFrom(logs: readonly MarketLog[], seriesId: Hex | undefined): Trade[] {
  const trades: Trade[] = [];
  for (const log of logs) {
    const at = { blockNumber: log.blockNumber ?? 0n, logIndex: log.logIndex ?? 0 };
    if (log.eventName === "OrderFilled") {
      const a = log.args;
      const makerBuys = a.makerDelta > 0n;
      trades.push({
        seriesId: a.seriesId,
        buyer: makerBuys ? a.maker : a.taker,
        seller: makerBuys ? a.taker : a.maker,
        size: abs(a.makerDelta),
        price: a.price,
        buyerFee: makerBuys ? a.makerFee : a.takerFee,
        sellerFee: makerBuys ? a.takerFee : a.makerFee,
        ...at,
      });
    } else if (log.eventName === "OrdersMatched") {
      const a = log.args;
      trades.push({ seriesId: a.seriesId, buyer: a.buyMaker, seller: a.sellMaker, size: a.size, price: a.price, buyerFee: a.fee, sellerFee: a.fee, ...at });
    }
  }
  return seriesId ? trades.filter((t) => t.seriesId.toLowerCase() === seriesId.toLowerCase()) : trades;
}

export interface AccountTrading {
  /** Sum of trading fees paid (collateral units). */
  fees: bigint;
  /** PnL realized by reducing trades, before fees (the contract's cost accounting). */
  realizedPnl: bigint;
  trades: number;
}

/** Fees and realized PnL of `account` in `series` from its trades (liquidations and close-outs not included). */
export function accountTrading(trades: readonly Trade[], series: Series, account: Address): AccountTrading {
  const me = account.toLowerCase();
  let size = 0n;
  let cost = 0n;
  const out: AccountTrading = { fees: 0n, realizedPnl: 0n, trades: 0 };
  for (const t of trades) {
    if (t.seriesId.toLowerCase() !== series.id.toLowerCase()) continue;
    const buys = t.buyer.toLowerCase() === me;
    const sells = t.seller.toLowerCase() === me;
    if (!buys && !sells) continue;
    const delta = buys ? t.size : -t.size;
    const { newCost, realized } = applyFill(size, cost, delta, t.price, series.params.contractSize);
    size += delta;
    cost = newCost;
    out.realizedPnl += realized;
    out.fees += buys ? t.buyerFee : t.sellerFee;
    out.trades++;
  }
  return out;
}

/** Open interest: the contracts held long, from the trades (every long has a short). */
export function openInterest(trades: readonly Trade[], seriesId: Hex): bigint {
  const net = new Map<string, bigint>();
  for (const t of trades) {
    if (t.seriesId.toLowerCase() !== seriesId.toLowerCase()) continue;
    net.set(t.buyer.toLowerCase(), (net.get(t.buyer.toLowerCase()) ?? 0n) + t.size);
    net.set(t.seller.toLowerCase(), (net.get(t.seller.toLowerCase()) ?? 0n) - t.size);
  }
  let oi = 0n;
  for (const n of net.values()) if (n > 0n) oi += n;
  return oi;
}
