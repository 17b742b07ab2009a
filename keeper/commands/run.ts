/**
 * `keeper run --config FILE [--env-file FILE] [--dry-run]`: the service. Reconciles the journal with the chain,
 * serves /observations, /metrics and /health, and runs the fixing loop and the background tasks (RPC probe,
 * chain watcher, transaction maintenance) until SIGINT/SIGTERM.
 */
import { startService } from "./serviceArgs.js";
import type { Command } from "./types.js";

async function run(argv: readonly string[]): Promise<number> {
  const started = await startService("run", argv);
  if (typeof started === "number") return started;
  const { runtime, loop } = started;
  await runtime.startServer();
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
  await Promise.all([fixing, runtime.runBackground()]);
  await runtime.shutdown.done;
  return 0;
}

export const runCommand: Command = {
  name: "run",
  summary: "run the keeper service (fixing loop, peers route, metrics, health) from a config file and .env",
  run,
};
