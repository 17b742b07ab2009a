/** Order ticket with every pre-check before the wallet signs, the ladder from chain data with fill, and the trader's own orders. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { BookEntry, HiddenEntry } from "../../../sdk/book.js";
import { checkBand, checkTradable, marginTopUp, orderFeeBps, orderFieldProblem, readMarginState } from "../../../sdk/checks.js";
import { marketContract } from "../../../sdk/client.js";
import { SdkError } from "../../../sdk/errors.js";
import { applyFill, feeUp, marginOf, notional } from "../../../sdk/marginMath.js";
import type { Order } from "../../../sdk/orders.js";
import type { Series } from "../../../sdk/series.js";
import { buildOrder, cancelAll, cancelOrder, fillOrder, publishOrder, signOrderWith } from "../../../sdk/trade.js";
import { parseDecimal, parseWhole, roundToTick } from "../../../sdk/units.js";
import { type MarketRow, type Markets, type Portfolio, liquidationPrice } from "../data.js";
import { exactPrice, liqPrice, maybePrice, price, short, time, usdc } from "../format.js";
import { useTx, useWallet } from "../market.js";

interface Check {
  name: string;
  ok: boolean;
  message: string;
}

const sentence = (e: unknown) => (e instanceof SdkError ? e.message : e instanceof Error ? e.message : String(e));

function attempt(name: string, okText: string, f: () => void): Check {
  try {
    f();
    return { name, ok: true, message: okText };
  } catch (e) {
    return { name, ok: false, message: sentence(e) };
  }
}

export function TradePage({ row, markets, portfolio }: { row: MarketRow; markets: Markets; portfolio: Portfolio | undefined }) {
  const { writer, address } = useWallet();
  const { run } = useTx();
  const series = row.series;
  const p = series.params;
  const [side, setSide] = useState<"buy" | "sell">("buy");
  const [sizeText, setSize] = useState("1");
  const [priceText, setPrice] = useState(row.mark ? price(row.mark, series) : "");
  const [fillText, setFill] = useState("");

  const parsed = (() => {
    try {
      const size = parseWhole(sizeText, "size", 1n);
      const raw = parseDecimal(priceText, 18, "price");
      // Snap to the tick: down for a buy, up for a sell (never a worse limit than typed).
      return { size, limit: roundToTick(raw, p.tickSize, side === "buy" ? "down" : "up"), error: undefined };
    } catch (e) {
      return { size: 0n, limit: 0n, error: sentence(e) };
    }
  })();

  const state = useQuery({
    queryKey: ["ticket-state", series.id, address],
    enabled: !!writer && !!address,
    queryFn: async () => {
      const [margin, minNonce] = await Promise.all([
        readMarginState(writer!, series, address!),
        writer!.publicClient.readContract({ ...marketContract(writer!), functionName: "minNonce", args: [address!] }),
      ]);
      return { ...margin, minNonce };
    },
  });

  const order: Order | undefined =
    address && !parsed.error
      ? {
          maker: address,
          seriesId: series.id,
          isBuy: side === "buy",
          size: parsed.size,
          limitPrice: parsed.limit,
          expiry: markets.now + 86_400n < p.expiry ? markets.now + 86_400n : p.expiry,
          nonce: state.data?.minNonce ?? 0n,
          maxFeeBps: Math.max(p.makerFeeBps, p.takerFeeBps),
        }
      : undefined;
  const cost = order ? notional(order.size, order.limitPrice, p.contractSize, true) : 0n;
  const fee = order ? feeUp(notional(order.size, order.limitPrice, p.contractSize, false), orderFeeBps(series, order)) : 0n;
  const topUp =
    order && state.data && row.mark !== undefined
      ? marginTopUp(series, state.data.pos, state.data.pool, order.isBuy ? order.size : -order.size, order.limitPrice, orderFeeBps(series, order), row.mark)
      : undefined;
  // After the trade: the new position, its cost, and its margin (what it had plus the top-up, less the fee).
  const after =
    order && state.data && topUp !== undefined
      ? (() => {
          const delta = order.isBuy ? order.size : -order.size;
          const { newCost, realized } = applyFill(state.data.pos.size, state.data.pos.cost, delta, order.limitPrice, p.contractSize);
          const margin = marginOf(state.data.pos, state.data.pool) + topUp + realized - fee;
          const size = state.data.pos.size + delta;
          return { size, liq: liquidationPrice({ size, cost: newCost, margin }, series) };
        })()
      : undefined;
  const checks: Check[] = [];
  if (parsed.error) checks.push({ name: "input", ok: false, message: parsed.error });
  else if (!address) checks.push({ name: "wallet", ok: false, message: "connect a wallet on the market's network to sign" });
  else if (order) {
    checks.push(attempt("series trades", `until ${time(p.expiry)}`, () => checkTradable(series, markets.now)));
    checks.push(
      attempt("size, tick, fee, expiry", `size ${order.size} ≥ ${p.minSize}, price on the ${exactPrice(p.tickSize)} tick, max fee ${order.maxFeeBps} bps, until ${time(order.expiry)}`, () => {
        const problem = orderFieldProblem(series, order, markets.now);
        if (problem) throw problem;
      }),
    );
    checks.push(
      row.mark === undefined
        ? { name: "price range", ok: false, message: "no index fixing yet" }
        : attempt("price range", `inside ${price(row.low ?? 0n, series, "up")} – ${price(row.high ?? 0n, series, "down")}`, () => checkBand(series, order.limitPrice, row.mark as bigint)),
    );
    checks.push({ name: "nonce", ok: true, message: `nonce at or above your minimum ${state.data?.minNonce ?? 0n}` });
    if (topUp !== undefined && state.data) {
      const ok = state.data.free >= topUp;
      checks.push({
        name: "margin",
        ok,
        message: ok
          ? `your free balance ${usdc(state.data.free)} backs the order (takes ${usdc(topUp)} at the mark, fee included)`
          : `you need ${usdc(topUp)} of free balance to back this order at the mark ${price(row.mark as bigint, series)} (fee included), you have ${usdc(state.data.free)}: deposit first`,
      });
    }
  }
  const allOk = checks.length > 0 && checks.every((c) => c.ok) && !!writer && checks.some((c) => c.name === "margin");

  const publish = () =>
    run("Publish order", async () => {
      if (!writer) throw new SdkError("NO_WALLET", "connect a wallet");
      const built = await buildOrder(writer, { series, side, size: parsed.size, price: parsed.limit });
      const signed = await signOrderWith(writer, built);
      await publishOrder(writer, signed, series);
      return `published ${side} ${built.size} @ ${price(built.limitPrice, series)} (order ${short(signed.hash)})`;
    });
  const fill = (e: BookEntry) =>
    run("Fill", async () => {
      if (!writer) throw new SdkError("NO_WALLET", "connect a wallet");
      const size = fillText.trim() === "" ? undefined : parseWhole(fillText, "fill size", 1n);
      const r = await fillOrder(writer, series, e, size);
      return `${e.order.isBuy ? "sold" : "bought"} ${r.size} @ ${price(r.price, series)}, fee ${usdc(r.takerFee)}`;
    });
  const mine = (portfolio?.myOrders ?? []).filter((e) => e.order.seriesId.toLowerCase() === series.id.toLowerCase());
  const asks = markets.book.asks.filter((e) => e.order.seriesId.toLowerCase() === series.id.toLowerCase());
  const bids = markets.book.bids.filter((e) => e.order.seriesId.toLowerCase() === series.id.toLowerCase());
  let depth = 0n;
  const askDepth = asks.map((e) => (depth += e.remaining));
  depth = 0n;
  const bidDepth = bids.map((e) => (depth += e.remaining));

  return (
    <section className="trade">
      <h2>Trade {row.indexName} #{row.number}, expiry {time(p.expiry)}</h2>
      <div className="ticket" data-testid="ticket">
        <h3>Order ticket</h3>
        <label>Side <select value={side} onChange={(e) => setSide(e.target.value as "buy" | "sell")} data-testid="side"><option value="buy">buy (long)</option><option value="sell">sell (short)</option></select></label>
        <label>Size (contracts) <input value={sizeText} onChange={(e) => setSize(e.target.value)} data-testid="size" /></label>
        <label>Limit price <input value={priceText} onChange={(e) => setPrice(e.target.value)} data-testid="price" /></label>
        {!parsed.error ? <p>Snapped to the tick: <b data-testid="snapped">{price(parsed.limit, series)}</b>; notional {usdc(cost)}; fee at most {usdc(fee)}; margin taken from your free balance {topUp === undefined ? "–" : usdc(topUp)}; liquidation price after the trade about <span data-testid="liq-after">{after === undefined ? "–" : liqPrice(after.liq, series, after.size)}</span>.</p> : null}
        <ul className="checks" data-testid="checks">
          {checks.map((c) => (
            <li key={c.name} className={c.ok ? "ok" : "bad"} data-ok={c.ok}>
              {c.ok ? "✓" : "✗"} {c.name}: {c.message}
            </li>
          ))}
        </ul>
        <button disabled={!allOk} onClick={() => void publish()} data-testid="publish">Sign & publish</button>
      </div>
      <div className="ladder" data-testid="ladder">
        <h3>Ladder (live, validly signed, backed orders only)</h3>
        <label>Fill size (blank: all that remains) <input value={fillText} onChange={(e) => setFill(e.target.value)} data-testid="fill-size" /></label>
        <div className="wide">
          <table>
            <thead><tr><th>side</th><th>price</th><th>left</th><th>depth</th><th>maker</th><th>expires</th><th /></tr></thead>
            <tbody>
              {[...asks.map((e, i) => ({ e, d: askDepth[i] }))].reverse().map(({ e, d }) => <LadderRow key={e.hash} e={e} series={series} depth={d ?? 0n} me={address} onFill={fill} />)}
              <tr className="midline"><td colSpan={7}>mark {maybePrice(row.mark, series)}</td></tr>
              {bids.map((e, i) => <LadderRow key={e.hash} e={e} series={series} depth={bidDepth[i] ?? 0n} me={address} onFill={fill} />)}
            </tbody>
          </table>
        </div>
      </div>
      <div className="mine" data-testid="my-orders">
        <h3>My orders</h3>
        {mine.length === 0 ? <p>none open</p> : (
          <div className="wide">
            <table>
              <thead><tr><th>side</th><th>price</th><th>left</th><th>nonce</th><th>shown</th><th /></tr></thead>
              <tbody>
                {mine.map((e) => (
                  <tr key={e.hash}>
                    <td>{e.order.isBuy ? "buy" : "sell"}</td>
                    <td>{price(e.order.limitPrice, series)}</td>
                    <td>{e.remaining.toString()}</td>
                    <td>{e.order.nonce.toString()}</td>
                    <td>{"reason" in e ? `hidden: ${(e as HiddenEntry).reason.message}` : "in the book"}</td>
                    <td><button onClick={() => void run("Cancel", async () => (await cancelOrder(writer!, e.order), `cancelled ${short(e.hash)}`))} disabled={!writer}>Cancel</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <button disabled={!writer || mine.length === 0} onClick={() => void run("Cancel all", async () => `orders below nonce ${(await cancelAll(writer!)).minNonce} are dead`)} data-testid="cancel-all">Cancel all</button>
      </div>
    </section>
  );
}

function LadderRow({ e, series, depth, me, onFill }: { e: BookEntry; series: Series; depth: bigint; me: string | undefined; onFill: (e: BookEntry) => void }) {
  const own = me !== undefined && e.order.maker.toLowerCase() === me.toLowerCase();
  return (
    <tr className={e.order.isBuy ? "bid" : "ask"} data-testid={e.order.isBuy ? "bid" : "ask"}>
      <td>{e.order.isBuy ? "bid" : "ask"}</td>
      <td>{price(e.order.limitPrice, series)}</td>
      <td>{e.remaining.toString()}</td>
      <td>{depth.toString()}</td>
      <td title={e.order.maker}>{short(e.order.maker)}</td>
      <td>{time(e.order.expiry)}</td>
      <td>{own ? "yours" : <button onClick={() => onFill(e)} data-testid="fill">{e.order.isBuy ? "Sell into" : "Buy from"}</button>}</td>
    </tr>
  );
}
