import { expect } from "chai";
import { RateLimiter, createLogger, REDACTED, rootCause } from "../../keeper/observability/log.js";
import { createKeeperMetrics } from "../../keeper/observability/metrics.js";
import { KEEPER_VERSION } from "../../keeper/projectRoot.js";
import { FEE_CAP_WINDOW_MS, evaluateHealth, newHealthState, recordHead } from "../../keeper/observability/health.js";
import { json, startServer } from "../../keeper/observability/server.js";
import { createShutdown, sleep } from "../../keeper/observability/shutdown.js";

describe("keeper observability", () => {
  it("logs one JSON object per line with child fields, bigints as strings and secrets redacted", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (l) => lines.push(l), now: () => 0 }).child({ component: "sender" });
    log.debug("hidden");
    log.info("sent", { nonce: 7n, password: "hunter2", nested: { privateKey: "0xabc", apiKey: "k" }, err: new Error("boom") });
    expect(lines).to.have.length(1);
    const rec = JSON.parse(lines[0] ?? "{}");
    expect(rec).to.deep.equal({
      time: "1970-01-01T00:00:00.000Z",
      level: "info",
      msg: "sent",
      component: "sender",
      nonce: "7",
      password: REDACTED,
      nested: { privateKey: REDACTED, apiKey: REDACTED },
      err: { name: "Error", message: "boom" },
    });
    expect(lines[0]).to.not.include("hunter2");
  });

  it("pino logs keep the cause chain to the root cause; a repeated warning is folded per interval with counts and its recovery logged", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now: () => 0 });
    const root = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    log.error("post failed", { error: new Error("An unknown RPC error occurred.", { cause: new Error("fetch failed", { cause: root }) }) });
    expect(JSON.parse(lines[0] ?? "{}").error).to.deep.equal({
      name: "Error",
      message: "An unknown RPC error occurred.",
      cause: { name: "Error", message: "fetch failed", cause: { name: "Error", message: "connect ECONNREFUSED 127.0.0.1:1", code: "ECONNREFUSED" } },
    });
    expect(rootCause(new Error("a", { cause: new Error("b", { cause: root }) }))).to.equal("connect ECONNREFUSED 127.0.0.1:1");

    lines.length = 0;
    let t = 0;
    const limiter = new RateLimiter(1_000, () => t);
    for (; t < 2_500; t += 100) limiter.warn(log, "peer:a", "peer down", { peer: "a" }); // 25 warnings over 2.5 s
    limiter.recovered(log, "peer:a", "peer answers again", { peer: "a" });
    limiter.recovered(log, "peer:a", "peer answers again", { peer: "a" }); // once only
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => [r.level, r.msg, r.repeated, r.total, r.failures])).to.deep.equal([
      ["warn", "peer down", undefined, undefined, undefined],
      ["warn", "peer down", 10, 11, undefined],
      ["warn", "peer down", 10, 21, undefined],
      ["info", "peer answers again", undefined, undefined, 25],
    ]);
  });

  it("metrics (prom-client): Node/process defaults, build_info, histograms, every counter present at 0 from the start", async () => {
    const m = createKeeperMetrics({ indexes: ["ATPI"], rpcUrls: ["http://a:1"], peers: ["http://p:2"], sources: [{ index: "ATPI", kind: "csv" }] });
    const text = await m.registry.metrics();
    for (const line of [
      'keeper_fixings_posted_total{index="ATPI"} 0',
      'keeper_fixings_signed_total{index="ATPI"} 0',
      'keeper_fixing_failures_total{index="ATPI",reason="source"} 0',
      'keeper_source_failures_total{index="ATPI",source="csv"} 0',
      'keeper_signatures_refused_total{index="ATPI",reason="peers"} 0',
      'keeper_rpc_errors_total{url="http://a:1",kind="timeout"} 0',
      'keeper_peer_errors_total{peer="http://p:2"} 0',
      'keeper_tx_confirmed_total{kind="post",status="reverted"} 0',
      'keeper_gas_spent_wei_total{kind="post"} 0',
      'keeper_liquidations_total{result="failed"} 0',
      `keeper_build_info{version="${KEEPER_VERSION}",node="${process.version}"} 1`,
    ]) expect(text, line).to.include(line);
    expect(KEEPER_VERSION).to.match(/^\d+\.\d+\.\d+/);
    for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"]) {
      expect(text).to.include(`# TYPE ${name}`);
    }
    for (const name of ["keeper_rpc_request_duration_seconds", "keeper_tx_confirm_seconds", "keeper_round_latency_seconds"]) {
      expect(text).to.include(`# TYPE ${name} histogram`);
    }
    m.fixingsSigned.inc({ index: "ATPI" });
    m.fixingsSigned.inc({ index: "ATPI" });
    m.gasBalance.set({ account: "0x01" }, 123456789n);
    m.roundLatency.observe({ index: "ATPI" }, 42);
    const after = await m.registry.metrics();
    expect(after).to.include('keeper_fixings_signed_total{index="ATPI"} 2');
    expect(after).to.include('keeper_gas_balance_wei{account="0x01"} 123456789');
    expect(after).to.include('keeper_round_latency_seconds_bucket{le="60",index="ATPI"} 1');
    expect(await m.fixingsSigned.get({ index: "ATPI" })).to.equal(2);
    expect(() => m.fixingsSigned.inc({}, -1)).to.throw(/only increase/);
  });

  it("health fails with reasons on a stale head, a stale fixing or a low gas balance", () => {
    const limits = { headStaleSeconds: 60, fixingStaleSeconds: 3600, minGasBalance: 10n ** 17n, sourceFailedPolls: 3, noQuorumRounds: 1 };
    const s = newHealthState();
    s.fixings.set("ATPI", 0n);
    expect(evaluateHealth(s, limits, 0).reasons).to.deep.equal([
      "chain head: not seen yet",
      "fixing ATPI: none on chain yet",
      "gas balance: not read yet",
    ]);
    recordHead(s, 100n, 10_000n, 1_000);
    s.fixings.set("ATPI", 9_000n);
    s.gasBalance = 10n ** 18n;
    expect(evaluateHealth(s, limits, 30_000)).to.deep.equal({ ok: true, reasons: [] });
    recordHead(s, 100n, 10_000n, 50_000); // same head later: does not count as advancing
    s.fixings.set("ATPI", 6_000n);
    s.gasBalance = 1n;
    expect(evaluateHealth(s, limits, 70_000).reasons).to.deep.equal([
      "chain head: block 100 has not advanced for 69s (limit 60s)",
      "fixing ATPI: latest is 4000s old (limit 3600s)",
      `gas balance: 1 wei below minimum ${10n ** 17n} wei`,
    ]);
  });

  it("health fails with a reason while blind, unregistered, a source failing N polls, K rounds without quorum, the fee cap deferring; healthy again on recovery", () => {
    const limits = { headStaleSeconds: 60, fixingStaleSeconds: 3600, minGasBalance: 1n, sourceFailedPolls: 3, noQuorumRounds: 2 };
    const s = newHealthState();
    recordHead(s, 100n, 10_000n, 1_000);
    s.fixings.set("ATPI", 9_000n);
    s.gasBalance = 10n;
    expect(evaluateHealth(s, limits, 2_000)).to.deep.equal({ ok: true, reasons: [] });
    s.blind = ["127.0.0.1:1: cooling down after 3 failures"];
    s.notOperator.add("ATPI");
    s.sourceFailures.set("ATPI", { count: 2, error: "connection refused" }); // below N: not yet
    s.noQuorum.set("ATPI", new Set([86_400n])); // below K: not yet
    s.feeCapped.set("post:ATPI:86400", { reason: "base fee 90 + priority 1 > cap 50", atMs: 2_000 });
    expect(evaluateHealth(s, limits, 2_000).reasons).to.deep.equal([
      "rpc: no usable endpoint (127.0.0.1:1: cooling down after 3 failures)",
      "signer ATPI: not a registered operator of the index (register it with the oracle's owner)",
      "fee cap: post:ATPI:86400 deferred: base fee 90 + priority 1 > cap 50",
    ]);
    s.sourceFailures.set("ATPI", { count: 3, error: "connection refused" });
    s.noQuorum.get("ATPI")?.add(172_800n);
    expect(evaluateHealth(s, limits, 2_000).reasons.slice(2, 4)).to.deep.equal([
      "source ATPI: 3 polls failed in a row (limit 3): connection refused",
      "quorum ATPI: 2 round(s) without quorum (86400, 172800; limit 2)",
    ]);
    // Recovery: each report clears its reason; a fee-cap deferral not seen again for 30 s no longer counts.
    delete s.blind;
    s.notOperator.delete("ATPI");
    s.sourceFailures.delete("ATPI");
    s.noQuorum.get("ATPI")?.clear();
    expect(evaluateHealth(s, limits, 2_000 + FEE_CAP_WINDOW_MS + 1)).to.deep.equal({ ok: true, reasons: [] });
  });

  it("serves routes over HTTP: 200, 404, 405, 500 without crashing", async () => {
    const server = await startServer("127.0.0.1", 0, {
      "/health": () => json(503, { ok: false, reasons: ["x"] }),
      "/boom": () => {
        throw new Error("handler bug");
      },
    }, createLogger({ write: () => {} }));
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).to.equal(503);
      expect(await health.json()).to.deep.equal({ ok: false, reasons: ["x"] });
      expect((await fetch(`${server.url}/nope`)).status).to.equal(404);
      expect((await fetch(`${server.url}/health`, { method: "POST" })).status).to.equal(405);
      expect((await fetch(`${server.url}/boom`)).status).to.equal(500);
      expect((await fetch(`${server.url}/health`)).status).to.equal(503);
    } finally {
      await server.close();
    }
  });

  it("graceful shutdown: a signal (SIGINT/SIGTERM by default, SIGUSR2 here) aborts loops and runs hooks once, in reverse order", async () => {
    const order: string[] = [];
    const sd = createShutdown(createLogger({ write: () => {} }), { signals: ["SIGUSR2"] });
    sd.onShutdown(() => void order.push("close server"));
    sd.onShutdown(async () => {
      await sleep(5);
      order.push("flush journal");
    });
    let iterations = 0;
    const loop = (async () => {
      while (!sd.signal.aborted) {
        iterations++;
        await sleep(10_000, sd.signal);
      }
    })();
    process.kill(process.pid, "SIGUSR2");
    process.kill(process.pid, "SIGUSR2"); // a second signal during shutdown is absorbed
    await sd.done;
    expect(process.listenerCount("SIGUSR2")).to.equal(0);
    await loop;
    await sd.shutdown("again");
    expect(iterations).to.equal(1);
    expect(order).to.deep.equal(["flush journal", "close server"]);
  });
});

describe("the Grafana dashboard (deploy/grafana/keeper-dashboard.json)", () => {
  it("queries only metrics the keeper exports", async () => {
    const { readFileSync } = await import("node:fs");
    const dashboard = JSON.parse(readFileSync(new URL("../../deploy/grafana/keeper-dashboard.json", import.meta.url), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = await createKeeperMetrics({ indexes: ["ATPI"] }).registry.metrics();
    const names = new Set([...exported.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap((m) => (m[2] === "histogram" ? [`${m[1]}_bucket`] : [m[1] as string])));
    expect(dashboard.panels.length).to.be.greaterThan(10);
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        for (const [name] of t.expr.matchAll(/\b(keeper|process|nodejs)_[a-z0-9_]+/g)) expect(names.has(name), `${p.title}: ${name}`).to.equal(true);
      }
    }
  });
});
