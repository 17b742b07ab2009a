/**
 * `keeper run --config FILE [--env-file FILE] [--dry-run]`: the service. Reconciles the journal with the chain,
 * serves /observations, /metrics and /health, and runs the fixing loop, the liquidation loop (with a
 * `liquidator` section) and the background tasks (RPC probe,
 * chain watcher, transaction maintenance) until SIGINT/SIGTERM.
 */
import { runLiquidators } from "../liquidator/service.js";
import { serviceUsage, startService } from "./serviceArgs.js";
import type { Command } from "./types.js";

async function run(argv: readonly string[]): Promise<number> {
  const started = await startService("run", argv);
  if (typeof started === "number") return started;
  const { runtime, loop } = started;
  try {
    await runtime.startServer();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const { host, port } = runtime.config.server;
    runtime.log.error(
      code === "EADDRINUSE" ? `http server: ${host}:${port} is already in use (another keeper?): set server.port or stop the other process`
        : code === "EADDRNOTAVAIL" ? `http server: ${host} is not an address of this machine (server.host)`
        : "http server cannot start",
      { host, port, error: e },
    );
    await runtime.shutdown.shutdown("http server cannot start");
    return 1;
  }
  runtime.log.info("keeper running", {
    signer: runtime.keys.signer.address,
    gasPayer: runtime.keys.gasPayer.address,
    indexes: runtime.config.indexes,
    dryRun: runtime.config.dryRun,
    url: runtime.server?.url,
  });
  const { signal } = runtime.shutdown;
  const fixing = loop.run(signal);
  runtime.shutdown.onShutdown(async () => void (await fixing));
  await Promise.all([fixing, runLiquidators(runtime), runtime.runBackground()]);
  await runtime.shutdown.done;
  return 0;
}

export const runCommand: Command = {
  name: "run",
  usage: serviceUsage("run"),
  summary: "run the keeper service (fixing loop, peers route, metrics, health) from a config file and .env",
  run,
};
