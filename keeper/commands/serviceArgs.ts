/** Shared start of the `run` and `post` subcommands: arguments, config (+ .env), runtime, feeds, reconcile. */
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../config/validate.js";
import { RateLimiter, createLogger } from "../observability/log.js";
import { sleep } from "../observability/shutdown.js";
import { FixingLoop, buildFeeds } from "../oracle/fixingLoop.js";
import { lockDataDir } from "../service/dataDirLock.js";
import { type KeeperRuntime, createRuntime } from "../service/runtime.js";

export interface Started {
  runtime: KeeperRuntime;
  loop: FixingLoop;
}

export function serviceUsage(name: string): string {
  return `usage: tokenfutures-keeper ${name} --config FILE [--env-file FILE] [--dry-run]`;
}

/** Parses `--config FILE [--env-file FILE] [--dry-run]`, then builds and reconciles; an exit code on failure. */
export async function startService(name: string, argv: readonly string[]): Promise<Started | number> {
  const usage = serviceUsage(name);
  let values: { config?: string | undefined; "env-file"?: string | undefined; "dry-run"?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: "string" }, "env-file": { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (e) {
    console.error(`${name}: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.config) {
    console.error(`${name}: --config FILE is required\n${usage}`);
    return 2;
  }
  let runtime: KeeperRuntime;
  let loop: FixingLoop;
  let unlock: (() => void) | undefined;
  try {
    const loaded = loadConfig(values.config, {
      ...(values["env-file"] ? { envFile: values["env-file"] } : {}),
      overrides: { dryRun: values["dry-run"] === true },
    });
    const feeds = await buildFeeds(loaded.config);
    unlock = lockDataDir(loaded.config.dataDir);
    // One-shot commands keep stdout for their result: logs go to stderr.
    runtime = await createRuntime(
      loaded,
      name === "run" ? {} : { signals: [], log: createLogger({ level: loaded.config.logLevel, write: (l) => process.stderr.write(`${l}\n`) }) },
    );
    loop = new FixingLoop({
      config: runtime.config,
      client: runtime.client,
      signer: runtime.keys.signer,
      journal: runtime.journal,
      sender: runtime.sender,
      log: runtime.log.child({ component: "fixing" }),
      metrics: runtime.metrics,
      health: runtime.health,
      feeds,
    });
    const fixingLoop = loop;
    runtime.onMetrics(() => {
      for (const [index, ms] of fixingLoop.lastOwnPostMs) runtime.metrics.lastOwnPostAge.set({ index }, Math.floor((Date.now() - ms) / 1000));
    });
  } catch (e) {
    unlock?.();
    console.error(`${name}: ${(e as Error).message}`);
    return e instanceof ConfigError ? 2 : 1;
  }
  const release = unlock;
  runtime.shutdown.onShutdown(() => release()); // runs after the loops and the server stopped (hooks run in reverse)
  // `run` waits out an RPC outage at start (retrying every probe interval until shutdown); `post` fails at once.
  const limiter = new RateLimiter(60_000);
  for (;;) {
    try {
      await runtime.reconcile();
      break;
    } catch (e) {
      // Every endpoint answering for another chain is a configuration error, not an outage: no use waiting.
      const chains = runtime.pool.status().map((st) => st.chainId);
      const wrongChain = chains.every((c) => c !== undefined && c !== runtime.config.chainId);
      if (name !== "run" || wrongChain) {
        if (wrongChain) {
          runtime.log.error(`every rpc.urls endpoint serves another chain (${[...new Set(chains)].join(", ")}), not chainId ${runtime.config.chainId}: check chainId and rpc.urls`);
        }
        runtime.log.error("cannot reconcile the journal with the chain: nothing is sent before it succeeds", { error: e });
        await runtime.shutdown.shutdown("reconcile failed");
        return 1;
      }
      limiter.warn(runtime.log, "reconcile", "cannot reconcile the journal with the chain: nothing is sent before it succeeds; retrying", { error: e, retryMs: runtime.config.rpc.probeIntervalMs });
      await sleep(runtime.config.rpc.probeIntervalMs, runtime.shutdown.signal);
      if (runtime.shutdown.signal.aborted) {
        await runtime.shutdown.done;
        return 0;
      }
    }
  }
  return { runtime, loop };
}
