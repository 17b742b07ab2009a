/**
 * The market maker's loop: every `pollMs` one refresh tick (refresh.ts), so it re-quotes after each new fixing (the
 * fair value moves) and on fills (the open sizes and the inventory change); a failing tick is logged and counted and
 * the loop goes on. GET /metrics (Prometheus text) and GET /health (JSON, 503 when no tick succeeded within
 * staleAfterMs) as the keeper serves them.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { MarketClient } from "../../sdk/client.js";
import type { Series } from "../../sdk/series.js";
import { type QuotesConfig, limitsOf } from "./config.js";
import { refreshQuotes } from "./refresh.js";

export interface MarketMakerMetrics {
  ticks: number;
  tickErrors: number;
  refreshes: number;
  ordersPublished: number;
  gasUsed: bigint;
  openQuotes: number;
  lastTickOkAt: number;
  lastFixingTime: bigint;
  lastError: string | undefined;
}

export interface MarketMaker {
  metrics: MarketMakerMetrics;
  /** Base URL of the metrics/health server, when configured. */
  url: string | undefined;
  /** One tick now (the loop calls this; tests too). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export function metricsText(m: MarketMakerMetrics): string {
  const lines: [string, string, string | number | bigint][] = [
    ["tokenfutures_mm_ticks_total", "counter", m.ticks],
    ["tokenfutures_mm_tick_errors_total", "counter", m.tickErrors],
    ["tokenfutures_mm_refreshes_total", "counter", m.refreshes],
    ["tokenfutures_mm_orders_published_total", "counter", m.ordersPublished],
    ["tokenfutures_mm_gas_used_total", "counter", m.gasUsed],
    ["tokenfutures_mm_open_quotes", "gauge", m.openQuotes],
    ["tokenfutures_mm_last_fixing_timestamp_seconds", "gauge", m.lastFixingTime],
  ];
  return lines.map(([name, type, v]) => `# TYPE ${name} ${type}\n${name} ${v}`).join("\n") + "\n";
}

export async function startMarketMaker(mc: MarketClient, series: readonly Series[], config: QuotesConfig, log: Log, now: () => number = Date.now): Promise<MarketMaker> {
  const limits = limitsOf(config);
  const metrics: MarketMakerMetrics = {
    ticks: 0,
    tickErrors: 0,
    refreshes: 0,
    ordersPublished: 0,
    gasUsed: 0n,
    openQuotes: 0,
    lastTickOkAt: 0,
    lastFixingTime: 0n,
    lastError: undefined,
  };
  let running: Promise<void> | undefined;
  const tick = async () => {
    if (running) return running;
    running = (async () => {
      metrics.ticks += 1;
      try {
        const r = await refreshQuotes(mc, series, limits, BigInt(config.orderLifetimeSeconds));
        metrics.lastFixingTime = r.view.fixingTime;
        metrics.openQuotes = r.wanted.length;
        if (r.refreshed) {
          metrics.refreshes += 1;
          metrics.ordersPublished += r.published;
          metrics.gasUsed += r.gasUsed;
          log("info", "quotes refreshed", { orders: r.published, cancelled: r.cancelled, nonceBase: r.nonceBase.toString(), gasUsed: r.gasUsed.toString(), fixingTime: r.view.fixingTime.toString() });
        }
        metrics.lastTickOkAt = now();
        metrics.lastError = undefined;
      } catch (e) {
        metrics.tickErrors += 1;
        metrics.lastError = e instanceof Error ? e.message : String(e);
        log("warn", "market maker tick failed", { error: metrics.lastError });
      }
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };
  let server: Server | undefined;
  let url: string | undefined;
  if (config.http) {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (path === "/metrics") {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end(metricsText(metrics));
      } else if (path === "/health") {
        const healthy = metrics.lastTickOkAt > 0 && now() - metrics.lastTickOkAt <= config.staleAfterMs;
        res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify({ healthy, lastTickOkAt: metrics.lastTickOkAt, openQuotes: metrics.openQuotes, lastError: metrics.lastError ?? null }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    const srv = server;
    await new Promise<void>((done) => srv.listen(config.http?.port, config.http?.host, () => done()));
    const a = srv.address() as AddressInfo;
    url = `http://${a.address}:${a.port}`;
    log("info", "market maker http server listening", { url });
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    if (stopped) return;
    await tick();
    if (!stopped) timer = setTimeout(() => void loop(), config.pollMs);
  };
  void loop();
  return {
    metrics,
    url,
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
      if (server) {
        const srv = server;
        await new Promise<void>((done) => {
          srv.close(() => done());
          srv.closeAllConnections();
        });
      }
    },
  };
}
