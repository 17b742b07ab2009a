/**
 * The market maker on the in-process chain: quotes every expiry of a strip, sends nothing while its quotes stand,
 * refreshes with one min-nonce bump on a fill and on a new fixing, recovers from a crash mid-refresh without a
 * duplicate quote, and serves metrics and health.
 */
import { expect } from "chai";
import { parseQuotes } from "../../keeper/marketmaker/config.js";
import { refreshQuotes } from "../../keeper/marketmaker/refresh.js";
import { startMarketMaker } from "../../keeper/marketmaker/service.js";
import { readOrderBook } from "../../sdk/book.js";
import { deposit } from "../../sdk/funds.js";
import { type Series, listSeries } from "../../sdk/series.js";
import { fillOrder, placeOrder } from "../../sdk/trade.js";
import { listStrip, parseStrip } from "../../scripts/lib/strip.js";
import { USDC, deployFixture } from "../sdk/fixture.js";

const QUOTES = parseQuotes({ spreadBps: 100, levels: 1, size: 5, maxInventory: 20, maxMargin: "1000000000000", orderLifetimeSeconds: 86_400, pollMs: 50 });
const LIMITS = { ...QUOTES, carryBpsPerYear: -500 };

describe("market maker: refresh on chain", function () {
  this.timeout(180_000);

  async function setup() {
    const f = await deployFixture();
    const now = BigInt(await f.networkHelpers.time.latest());
    await listStrip({ publicClient: f.publicClient, wallet: f.owner }, f.deployment.market, parseStrip({ index: "ATPI", monthly: 2, quarterly: 0, expiryHourUtc: 0, minDaysToExpiry: 7 }), now);
    const maker = await f.connect(f.alice);
    const taker = await f.connect(f.bob);
    await deposit(maker, 50_000n * USDC);
    await deposit(taker, 50_000n * USDC);
    const series: Series[] = await listSeries(maker);
    return { f, maker, taker, series };
  }

  it("quotes both sides of every expiry, never crossed, and sends nothing while the quotes stand (restart included)", async () => {
    const { maker, series } = await setup();
    const first = await refreshQuotes(maker, series, LIMITS, 86_400n);
    expect([first.refreshed, first.cancelled, first.published]).to.deep.equal([true, false, 6]);
    const book = await readOrderBook(maker, { maker: maker.walletClient!.account.address });
    for (const s of series) {
      const bids = book.bids.filter((e) => e.order.seriesId === s.id);
      const asks = book.asks.filter((e) => e.order.seriesId === s.id);
      expect([bids.length, asks.length]).to.deep.equal([1, 1]);
      expect(bids[0]!.order.limitPrice < asks[0]!.order.limitPrice).to.equal(true);
    }
    // Longer expiries quote lower (carry -5 % a year).
    const asksByExpiry = [...series].sort((a, b) => (a.params.expiry < b.params.expiry ? -1 : 1)).map((s) => book.asks.find((e) => e.order.seriesId === s.id)!.order.limitPrice);
    expect(asksByExpiry[0]! >= asksByExpiry[2]!).to.equal(true);
    // A restarted maker (stateless: it reads the chain) finds its quotes standing and sends nothing.
    const again = await refreshQuotes(maker, series, LIMITS, 86_400n);
    expect([again.refreshed, again.published, again.gasUsed]).to.deep.equal([false, 0, 0n]);
  });

  it("a fill and a new fixing each trigger one min-nonce bump plus new orders; older orders die", async () => {
    const { f, maker, taker, series } = await setup();
    const me = maker.walletClient!.account.address;
    await refreshQuotes(maker, series, LIMITS, 86_400n);
    const ask = (await readOrderBook(maker, { maker: me })).asks[0]!;
    await fillOrder(taker, series.find((s) => s.id === ask.order.seriesId)!, ask, 2n);
    const afterFill = await refreshQuotes(maker, series, LIMITS, 86_400n);
    expect([afterFill.refreshed, afterFill.cancelled, afterFill.published]).to.deep.equal([true, true, 6]);
    const book = await readOrderBook(maker, { maker: me });
    const open = [...book.bids, ...book.asks];
    expect(open).to.have.length(6);
    expect(open.every((e) => e.order.nonce >= afterFill.nonceBase), "only this refresh's nonces are live").to.equal(true);
    // The position is short 2: the series' ask is still 5 (room to -20), the bid 5.
    expect(afterFill.view.series.find((s) => s.id === ask.order.seriesId)!.position).to.equal(-2n);

    await f.networkHelpers.time.increase(3_600);
    await f.setIndex(3_600n * 10n ** 15n);
    const afterFixing = await refreshQuotes(maker, series, LIMITS, 86_400n);
    expect([afterFixing.refreshed, afterFixing.cancelled, afterFixing.published]).to.deep.equal([true, true, 6]);
    expect(afterFixing.nonceBase).to.equal(afterFill.nonceBase + 6n);
  });

  it("C06 restart mid-refresh: a partial set of published orders is replaced whole, never duplicated", async () => {
    const { maker, series } = await setup();
    const me = maker.walletClient!.account.address;
    const first = await refreshQuotes(maker, series, LIMITS, 86_400n);
    // A crash after the bump and two of six new orders: publish two of the wanted quotes by hand at fresh nonces.
    const [a, b] = first.wanted as [(typeof first.wanted)[0], (typeof first.wanted)[0]];
    for (const q of [a, b]) await placeOrder(maker, { series: series.find((s) => s.id === q.seriesId)!, side: q.isBuy ? "buy" : "sell", size: q.size, price: q.price });
    expect((await readOrderBook(maker, { maker: me })).bids.length + (await readOrderBook(maker, { maker: me })).asks.length).to.equal(8);
    const fixed = await refreshQuotes(maker, series, LIMITS, 86_400n);
    expect([fixed.refreshed, fixed.cancelled, fixed.published]).to.deep.equal([true, true, 6]);
    const book = await readOrderBook(maker, { maker: me });
    expect(book.bids.length + book.asks.length).to.equal(6);
  });

  it("the service loop quotes, then serves /metrics and /health", async () => {
    const { maker, series } = await setup();
    const mm = await startMarketMaker(maker, series, { ...QUOTES, http: { host: "127.0.0.1", port: 0 } }, () => {});
    try {
      const deadline = Date.now() + 30_000;
      while (mm.metrics.refreshes < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const health = await fetch(`${mm.url}/health`);
      expect(health.status).to.equal(200);
      const metrics = await (await fetch(`${mm.url}/metrics`)).text();
      expect(metrics).to.match(/tokenfutures_mm_refreshes_total 1\n/);
      expect(metrics).to.match(/tokenfutures_mm_orders_published_total 6\n/);
      expect(mm.metrics.tickErrors).to.equal(0);
    } finally {
      await mm.stop();
    }
  });
});
