/**
 * `keeper status --config FILE [--env-file FILE]`: loads and validates the config, reads the chain once and
 * prints a JSON summary (endpoints, head, gas balance, latest fixings, transactions in flight, health).
 * Exit code 0 when healthy, 1 when not (reasons printed), 2 on a bad config or bad arguments.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../config/validate.js";
import { createLogger } from "../observability/log.js";
import { createRuntime } from "../service/runtime.js";

export interface StatusIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function run(argv: readonly string[], io: StatusIo = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
  let values: { config?: string | undefined; "env-file"?: string | undefined };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { config: { type: "string" }, "env-file": { type: "string" } }, strict: true }));
  } catch (e) {
    io.err(`status: ${(e as Error).message}\nusage: status --config FILE [--env-file FILE]`);
    return 2;
  }
  if (!values.config) {
    io.err("status: --config FILE is required\nusage: status --config FILE [--env-file FILE]");
    return 2;
  }
  let loaded;
  try {
    loaded = loadConfig(values.config, { ...(values["env-file"] ? { envFile: values["env-file"] } : {}), ...(io.env ? { env: io.env } : {}) });
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      return 2;
    }
    throw e;
  }
  // Logs go to stderr so stdout is only the JSON summary.
  const runtime = await createRuntime(loaded, { log: createLogger({ level: "warn", write: (l) => io.err(l) }), signals: [] });
  try {
    const status = await runtime.status();
    io.out(JSON.stringify(status, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    return status.health.ok ? 0 : 1;
  } finally {
    await runtime.shutdown.shutdown("status done");
  }
}

export const statusCommand = {
  name: "status",
  summary: "check config, RPC endpoints, keys, gas balance, latest fixings and health; print a JSON summary",
  run: (argv: readonly string[]) => run(argv),
} as const;
