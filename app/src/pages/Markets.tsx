/** Every series: index, mark, expiry with countdown, allowed price range, best bid/ask, last trade, open interest; the forward curve per index. */
import { Chart, type Line } from "../Chart.js";
import { countdown, maybePrice, plotPrice, price, short, time } from "../format.js";
import type { Markets } from "../data.js";
import { describeSettlement } from "../../../sdk/settlement.js";

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea"];

export function MarketsPage({ markets, onTrade }: { markets: Markets; onTrade: (n: number) => void }) {
  const byIndex = new Map<string, Markets["rows"]>();
  for (const r of markets.rows) byIndex.set(r.indexName, [...(byIndex.get(r.indexName) ?? []), r]);
  return (
    <section>
      <h2>Markets</h2>
      <p>Chain time {time(markets.now)}. Prices in USD per 1M tokens; one contract is worth its contract size in USDC per 1.0 of index.</p>
      <div className="wide">
        <table data-testid="markets">
          <thead>
            <tr>
              <th>#</th><th>series</th><th>phase</th><th>index</th><th>mark</th><th>expiry</th><th>expires in</th><th>allowed range</th>
              <th>best bid</th><th>best ask</th><th>last trade</th><th>open interest</th><th>settlement</th><th />
            </tr>
          </thead>
          <tbody>
            {markets.rows.map((r) => (
              <tr key={r.series.id} data-testid={`market-${r.number}`}>
                <td>{r.number}</td>
                <td title={r.series.id}>{r.indexName} {short(r.series.id)}</td>
                <td>{r.status.phase}{r.status.paused ? " (paused)" : ""}</td>
                <td>{r.index ? <>{price(r.index.value, r.series)}<br /><small>{time(r.index.timestamp)}</small></> : "no fixing yet"}</td>
                <td data-testid="mark">{r.status.finalPrice ? `${price(r.status.finalPrice, r.series)} final` : maybePrice(r.mark, r.series)}</td>
                <td>{time(r.series.params.expiry)}</td>
                <td>{countdown(r.series.params.expiry, markets.now)}</td>
                <td>{r.low !== undefined && r.high !== undefined ? `${price(r.low, r.series, "up")} – ${price(r.high, r.series, "down")}` : "–"}</td>
                <td data-testid="best-bid">{maybePrice(r.bestBid, r.series)}</td>
                <td data-testid="best-ask">{maybePrice(r.bestAsk, r.series)}</td>
                <td>{r.lastTrade ? `${r.lastTrade.size} @ ${price(r.lastTrade.price, r.series)}` : "–"}</td>
                <td data-testid="open-interest">{r.openInterest.toString()}</td>
                <td data-testid="settlement">{r.settlement ? describeSettlement(r.settlement) : "–"}</td>
                <td><button onClick={() => onTrade(r.number)}>Trade</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Forward curves</h3>
      <p>Each index's mark (and order-book mid where both sides quote) across its expiries.</p>
      {[...byIndex.entries()].map(([name, rows]) => {
        const sorted = [...rows].sort((a, b) => (a.series.params.expiry < b.series.params.expiry ? -1 : 1));
        const x = sorted.map((r) => Number(r.series.params.expiry));
        const lines: Line[] = [
          { label: `${name} mark`, values: sorted.map((r) => (r.mark === undefined ? null : plotPrice(r.mark))), color: COLORS[0] as string },
          {
            label: `${name} mid`,
            values: sorted.map((r) => (r.bestBid !== undefined && r.bestAsk !== undefined ? plotPrice((r.bestBid + r.bestAsk) / 2n) : null)),
            color: COLORS[1] as string,
          },
        ];
        return <Chart key={name} x={x} lines={lines} title={`${name} forward curve`} testId={`curve-${name}`} />;
      })}
    </section>
  );
}
