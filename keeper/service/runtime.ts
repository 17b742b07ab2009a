/**
 * The keeper's shared runtime, built from a validated config: logger, metrics, RPC pool + viem client, keys,
 * journal, transaction sender, the HTTP server (/observations, /metrics, /health), a chain watcher that feeds
 * health and metrics (head, gas balance, fixing ages), and graceful shutdown. The fixing and liquidation loops
 * are built on top of it (they get `signal` to stop and `journal`/`sender`/`client` to work with).
 */
import { join } from "node:path";
import type { Address, PublicClient } from "viem";
import { indexIdFromName } from "../../sdk/oracle.js";
import type { LoadedConfig } from "../config/load.js";
import type { KeeperConfig } from "../config/schema.js";
import { Journal } from "../chain/journal.js";
import { type OperatorKeys, exposedKeyFiles, loadOperatorKeys } from "../chain/keys.js";
import { type EndpointStatus, RpcPool, createFailoverClient, rpcLabels } from "../chain/rpc.js";
import { type ReconcileReport, TxSender } from "../chain/sender.js";
import { type HealthReport, type HealthState, evaluateHealth, newHealthState, recordHead } from "../observability/health.js";
import { type Logger, RateLimiter, createLogger, urlLabel } from "../observability/log.js";
import { METRICS_CONTENT_TYPE, type KeeperMetrics, createKeeperMetrics } from "../observability/metrics.js";
import { type Handler, type KeeperServer, json, startServer } from "../observability/server.js";
import { type Shutdown, createShutdown, sleep } from "../observability/shutdown.js";
import { oracleAbi } from "../oracle/contract.js";
import { observationsRoute } from "../oracle/peers.js";

export interface KeeperRuntime {
  config: KeeperConfig;
  log: Logger;
  metrics: KeeperMetrics;
  health: HealthState;
  pool: RpcPool;
  client: PublicClient;
  keys: OperatorKeys;
  journal: Journal;
  sender: TxSender;
  shutdown: Shutdown;
  /** Set once `startServer` ran. */
  server?: KeeperServer;
  /** Adds a function run before each /metrics scrape (gauges computed on demand, e.g. ages). */
  onMetrics(fn: () => void): void;
  /** Reconciles the journal with the chain; call before any loop sends. */
  reconcile(): Promise<ReconcileReport>;
  /** Starts the HTTP server (extra routes may be added, e.g. by the fixing loop). */
  startServer(extraRoutes?: Record<string, Handler>): Promise<KeeperServer>;
  /** One watcher pass: head, gas balance, fixing ages -> health and metrics. Never throws. */
  refresh(): Promise<void>;
  /** Runs the RPC probe, the watcher and the sender's maintenance until shutdown. */
  runBackground(): Promise<void>;
  healthReport(): HealthReport;
  status(): Promise<KeeperStatus>;
}

export interface KeeperStatus {
  chainId: number;
  signer: Address;
  gasPayer: Address;
  dryRun: boolean;
  endpoints: EndpointStatus[];
  head?: string;
  gasBalanceWei?: string;
  fixings: Record<string, string>;
  inFlight: number;
  health: HealthReport;
}

export interface RuntimeOptions {
  log?: Logger;
  /** Signals that trigger shutdown (default SIGINT, SIGTERM). */
  signals?: NodeJS.Signals[];
}

export async function createRuntime(loaded: LoadedConfig, options: RuntimeOptions = {}): Promise<KeeperRuntime> {
  const { config, env } = loaded;
  const log = options.log ?? createLogger({ level: config.logLevel });
  const metrics = createKeeperMetrics({
    indexes: config.indexes,
    rpcUrls: rpcLabels(config.rpc.urls),
    peers: config.peers.urls.map(urlLabel),
    sources: config.sources.map((s) => ({ index: s.index, kind: s.kind })),
  });
  // Started by an npm script (`npm run keeper -- run`): stop with npm, which exits on SIGHUP without forwarding it.
  const exitWithParent = process.env.npm_lifecycle_event !== undefined;
  const shutdown = createShutdown(log, { exitWithParent, ...(options.signals ? { signals: options.signals } : {}) });
  const keys = await loadOperatorKeys(config.keys, config.chainId, env);
  for (const f of exposedKeyFiles(config.keys)) log.warn("key file open to other users (group or others may read or write it): restrict it to the keeper's user (chmod 600)", f);
  const health = newHealthState();
  for (const name of config.indexes) health.fixings.set(name, 0n);
  const pool = new RpcPool({
    urls: config.rpc.urls,
    chainId: config.chainId,
    timeoutMs: config.rpc.timeoutMs,
    maxHeadLagBlocks: config.rpc.maxHeadLagBlocks,
    frozenHeadSeconds: config.rpc.frozenHeadSeconds,
    failuresBeforeCooldown: config.rpc.failuresBeforeCooldown,
    cooldownMs: config.rpc.cooldownMs,
    log: log.child({ component: "rpc" }),
    metrics,
    onProbe: (status) => {
      if (status.some((s) => s.usable)) delete health.blind;
      else health.blind = status.map((s) => `${s.label}: ${s.reason}`);
    },
  });
  const client = createFailoverClient(pool, config.chainId);
  const journal = new Journal(join(config.dataDir, "journal.sqlite"));
  const sender = new TxSender({
    client,
    account: keys.gasPayer,
    journal,
    chainId: config.chainId,
    fees: {
      maxFeePerGas: config.gas.maxFeePerGasGwei,
      priorityFee: config.gas.priorityFeeGwei,
      bumpPercent: config.gas.bumpPercent,
      stuckAfterSeconds: config.gas.stuckAfterSeconds,
    },
    maxInFlight: config.gas.maxInFlight,
    confirmations: config.gas.confirmations,
    dryRun: config.dryRun,
    log: log.child({ component: "sender" }),
    metrics,
    feeCapped: health.feeCapped,
  });
  const limits = {
    headStaleSeconds: config.health.headStaleSeconds,
    fixingStaleSeconds: config.health.fixingStaleSeconds,
    minGasBalance: config.health.minGasBalanceEth,
    sourceFailedPolls: config.health.sourceFailedPolls,
    noQuorumRounds: config.health.noQuorumRounds,
  };
  const healthReport = () => evaluateHealth(health, limits, Date.now());

  // Ages are computed at scrape time, so they keep growing while the keeper is blind (chain time then runs on from
  // the last head seen, by local time).
  const collectors: Array<() => void> = [() => {
    if (health.head) metrics.chainHeadAge.set({}, Math.floor((Date.now() - health.head.advancedAtMs) / 1000));
    if (health.chainTime === undefined || !health.head) return;
    const estimated = health.chainTime + BigInt(Math.floor((Date.now() - health.head.advancedAtMs) / 1000));
    for (const [name, ts] of health.fixings) if (ts > 0n) metrics.lastFixingAge.set({ index: name }, Number(estimated - ts));
  }];

  shutdown.onShutdown(() => journal.close()); // runs last: loops and server stop first

  const watcherLimiter = new RateLimiter(60_000);
  const runtime: KeeperRuntime = {
    config, log, metrics, health, pool, client, keys, journal, sender, shutdown,
    reconcile: () => sender.reconcile(),
    onMetrics: (fn) => void collectors.push(fn),
    async startServer(extraRoutes = {}) {
      const server = await startServer(config.server.host, config.server.port, {
        "/observations": observationsRoute(journal, keys.signer.address),
        "/metrics": async () => {
          for (const fn of collectors) fn();
          return { status: 200, body: await metrics.registry.metrics(), contentType: METRICS_CONTENT_TYPE };
        },
        "/health": () => {
          const r = healthReport();
          return json(r.ok ? 200 : 503, r);
        },
        ...extraRoutes,
      }, log.child({ component: "http" }));
      runtime.server = server;
      shutdown.onShutdown(() => server.close());
      return server;
    },
    async refresh() {
      try {
        const block = await client.getBlock({ blockTag: "latest" });
        recordHead(health, block.number, block.timestamp, Date.now());
        const balance = await client.getBalance({ address: keys.gasPayer.address });
        health.gasBalance = balance;
        metrics.gasBalance.set({ account: keys.gasPayer.address }, balance);
        for (const name of config.indexes) {
          const fixing = await client.readContract({
            address: config.contracts.oracle, abi: oracleAbi, functionName: "latestFixing", args: [indexIdFromName(name)],
          });
          health.fixings.set(name, fixing.timestamp);
        }
        watcherLimiter.recovered(log, "watcher", "chain watcher reads again");
      } catch (e) {
        watcherLimiter.warn(log, "watcher", "chain watcher pass failed", { error: e });
      }
    },
    async runBackground() {
      const { signal } = shutdown;
      const every = async (ms: number, fn: () => Promise<unknown>) => {
        while (!signal.aborted) {
          await fn().catch((e: unknown) => log.error("background task failed", { error: e }));
          await sleep(ms, signal);
        }
      };
      const all = Promise.all([
        pool.start(config.rpc.probeIntervalMs, signal),
        every(config.rpc.probeIntervalMs, () => runtime.refresh()),
        every(1_000, () => sender.tick()),
      ]);
      shutdown.onShutdown(async () => void (await all)); // the journal closes only after these loops stopped
      await all;
    },
    healthReport,
    async status() {
      await runtime.refresh();
      return {
        chainId: config.chainId,
        signer: keys.signer.address,
        gasPayer: keys.gasPayer.address,
        dryRun: config.dryRun,
        endpoints: pool.status(),
        ...(health.head ? { head: health.head.number.toString() } : {}),
        ...(health.gasBalance !== undefined ? { gasBalanceWei: health.gasBalance.toString() } : {}),
        fixings: Object.fromEntries([...health.fixings].map(([k, v]) => [k, v.toString()])),
        inFlight: sender.inFlight(),
        health: healthReport(),
      };
    },
  };
  return runtime;
}
