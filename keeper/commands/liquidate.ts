/**
 * `keeper liquidate --config FILE [--env-file FILE] [--dry-run]`: one liquidation scan of every configured
 * series, then exit. Reconciles the journal with the chain first, syncs the account book from events, sends a
 * simulated liquidation for every account below maintenance, waits until those are final (scanning again
 * while some were deferred by the in-flight limit) and prints a JSON report. Exit code 0 when every needed liquidation went through (or there was none), 1 when some were
 * deferred or reverted in simulation for another reason than "no longer needed", 2 on bad arguments or config.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../config/validate.js";
import { type ScanReport, UNNEEDED, liquidationKey, scan } from "../liquidator/loop.js";
import { liquidatorsFor } from "../liquidator/service.js";
import { createLogger, errorLine } from "../observability/log.js";
import { lockDataDir } from "../service/dataDirLock.js";
import { type KeeperRuntime, createRuntime } from "../service/runtime.js";
import { type Command, EXIT } from "./types.js";

const USAGE = "usage: liquidate --config FILE [--env-file FILE] [--dry-run] [--wait-ms N]";

export interface LiquidateIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function run(argv: readonly string[], io: LiquidateIo = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
  let values: { config?: string | undefined; "env-file"?: string | undefined; "dry-run"?: boolean | undefined; "wait-ms"?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: "string" }, "env-file": { type: "string" }, "dry-run": { type: "boolean" }, "wait-ms": { type: "string" } },
      strict: true,
    }));
  } catch (e) {
    io.err(`liquidate: ${(e as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  const waitMs = values["wait-ms"] === undefined ? 120_000 : Number(values["wait-ms"]);
  if (!values.config || !Number.isSafeInteger(waitMs) || waitMs < 0) {
    io.err(`liquidate: ${values.config ? "--wait-ms must be a non-negative integer" : "--config FILE is required"}\n${USAGE}`);
    return EXIT.usage;
  }
  let loaded;
  try {
    loaded = loadConfig(values.config, {
      ...(values["env-file"] ? { envFile: values["env-file"] } : {}),
      ...(io.env ? { env: io.env } : {}),
      ...(values["dry-run"] ? { overrides: { dryRun: true } } : {}),
    });
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      return EXIT.usage;
    }
    throw e;
  }
  const { config } = loaded;
  const liq = config.liquidator;
  const market = config.contracts.market;
  if (!liq || !market) {
    io.err("liquidate: the config has no liquidator section (and contracts.market); see docs/operator.md");
    return EXIT.usage;
  }
  const log = createLogger({ level: config.logLevel, write: (l) => io.err(l) });
  // The data directory's lock, as `run` and `post` take it: two senders on one journal hand out the same nonces.
  let unlock: (() => void) | undefined;
  let runtime: KeeperRuntime;
  try {
    unlock = lockDataDir(config.dataDir);
    runtime = await createRuntime(loaded, { log, signals: [] });
  } catch (e) {
    unlock?.();
    io.err(`liquidate: ${errorLine(e)}`);
    return EXIT.failure;
  }
  try {
    await runtime.reconcile();
    const reports: (ScanReport & { seriesId: string })[] = [];
    for (const o of await liquidatorsFor(runtime)) {
      // Sends beyond gas.maxInFlight are deferred: wait for those sent, then scan again (at most 20 rounds).
      const sent: string[] = [];
      let report: ScanReport;
      let round = 0;
      do {
        report = await scan(o);
        sent.push(...report.sent);
        if (!config.dryRun) {
          for (const account of report.sent) {
            await runtime.sender.waitFinal(liquidationKey(o.book.seriesId, account, report.fixingTime), { timeoutMs: waitMs, pollMs: 500 });
          }
        }
      } while (!config.dryRun && report.deferred.length > 0 && ++round < 20);
      reports.push({ ...report, sent: sent as ScanReport["sent"], seriesId: o.book.seriesId });
    }
    io.out(JSON.stringify({ dryRun: config.dryRun, series: reports }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    const failed = reports.some((r) => r.deferred.length > 0 || r.skipped.some((s) => !UNNEEDED.some((n) => s.reason.includes(n))));
    return failed ? EXIT.failure : EXIT.ok;
  } catch (e) {
    io.err(`liquidate: ${errorLine(e)}`);
    return EXIT.failure;
  } finally {
    await runtime.shutdown.shutdown("liquidate done");
    unlock(); // once the journal is closed
  }
}

export const liquidateCommand: Command = {
  name: "liquidate",
  usage: USAGE,
  summary: "one liquidation scan of the configured series (accounts from events, health computed locally), then exit",
  run: (argv) => run(argv),
};
