/**
 * `keeper status --config FILE [--env-file FILE]`: loads and validates the config, decrypts the keys, reads the
 * chain once and checks everything a running keeper needs: every RPC endpoint (chain id, head), that the oracle
 * and market addresses hold contracts, that the signer is a registered operator of each index, that each source
 * is readable and parseable now, and that each peer answers. Prints a JSON summary with `checks` and `health`.
 * Exit code 0 when every check passes and the keeper is healthy, 1 when not (each problem says why), 2 on a bad
 * config or bad arguments. Never a stack trace: every failure is one line naming its cause.
 */
import { parseArgs } from "node:util";
import { indexIdFromName } from "../../sdk/oracle.js";
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../config/validate.js";
import { createLogger, errorLine, urlLabel } from "../observability/log.js";
import { readOracleIndex } from "../oracle/contract.js";
import { roundTimestamp } from "../oracle/rounds.js";
import { type KeeperRuntime, createRuntime } from "../service/runtime.js";
import { createSource } from "../sources/index.js";
import { EXIT, type Command } from "./types.js";

const USAGE = `usage: tokenfutures-keeper status --config FILE [--env-file FILE]
  Checks the config, keys, RPC endpoints, contracts, operator registration, sources and peers; prints JSON.
  Exit codes: 0 all checks pass and healthy, 1 a check fails or unhealthy (see "checks" and "health"), 2 bad config or arguments.`;

export interface StatusIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

/** Runs every check; a check that throws fails with the error's message (and root cause). */
export async function runChecks(runtime: KeeperRuntime): Promise<Check[]> {
  const { config, client, pool, keys } = runtime;
  const checks: Check[] = [];
  const attempt = async (check: string, fn: () => Promise<{ ok: boolean; detail: string }>) => {
    try {
      checks.push({ check, ...(await fn()) });
    } catch (e) {
      checks.push({ check, ok: false, detail: errorLine(e) });
    }
  };
  await pool.probeAll();
  for (const ep of pool.status()) {
    checks.push({
      check: `rpc ${ep.label}`,
      ok: ep.usable,
      detail: ep.usable ? `chain id ${ep.chainId}, head ${ep.head}` : (ep.reason ?? "unusable"),
    });
  }
  await attempt("chain id", async () => {
    const id = await client.getChainId();
    return { ok: id === config.chainId, detail: id === config.chainId ? `${id}` : `RPC answers chain id ${id}, config says ${config.chainId}` };
  });
  for (const [name, address] of [["oracle", config.contracts.oracle], ["market", config.contracts.market]] as const) {
    if (!address) continue;
    await attempt(`contract ${name}`, async () => {
      const code = await client.getCode({ address });
      const ok = code !== undefined && code !== "0x";
      return { ok, detail: ok ? `${address}: ${(code.length - 2) / 2} bytes of code` : `${address} holds no contract on chain ${config.chainId} (wrong address or chain?)` };
    });
  }
  for (const index of config.indexes) {
    await attempt(`operator ${index}`, async () => {
      const view = await readOracleIndex(client, config.contracts.oracle, indexIdFromName(index));
      const ok = view.operators.some((a) => a.toLowerCase() === keys.signer.address.toLowerCase());
      return {
        ok,
        detail: ok
          ? `signer ${keys.signer.address} is one of ${view.operators.length} operators (quorum ${view.quorum})`
          : `signer ${keys.signer.address} is not a registered operator of ${index} (${view.operators.length} operators): ask the oracle's owner to add it`,
      };
    });
  }
  const head = await client.getBlock({ blockTag: "latest" }).catch(() => undefined);
  for (const src of config.sources) {
    await attempt(`source ${src.index}`, async () => {
      const at = head ? Number(roundTimestamp(head.timestamp, config.schedule.intervalSeconds)) : Math.floor(Date.now() / 1000);
      const snap = await createSource(src.kind, src.input, { timeoutMs: src.timeoutMs }).read(at);
      const ok = snap.quotes.length > 0;
      return { ok, detail: `${src.kind} ${snap.origin}: ${snap.quotes.length} quotes, ${snap.rejected.length} rejected` };
    });
  }
  for (const peer of config.peers.urls) {
    await attempt(`peer ${urlLabel(peer)}`, async () => {
      const res = await fetch(new URL("health", peer.endsWith("/") ? peer : `${peer}/`), { signal: AbortSignal.timeout(config.peers.timeoutMs) });
      await res.body?.cancel();
      return { ok: true, detail: `answers (/health ${res.status})` };
    });
  }
  return checks;
}

export async function run(argv: readonly string[], io: StatusIo = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
  let values: { config?: string | undefined; "env-file"?: string | undefined };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { config: { type: "string" }, "env-file": { type: "string" } }, strict: true }));
  } catch (e) {
    io.err(`status: ${(e as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (!values.config) {
    io.err(`status: --config FILE is required\n${USAGE}`);
    return EXIT.usage;
  }
  let runtime: KeeperRuntime;
  try {
    const loaded = loadConfig(values.config, { ...(values["env-file"] ? { envFile: values["env-file"] } : {}), ...(io.env ? { env: io.env } : {}) });
    // Logs go to stderr so stdout is only the JSON summary.
    runtime = await createRuntime(loaded, { log: createLogger({ level: "error", write: (l) => io.err(l) }), signals: [] });
  } catch (e) {
    io.err(e instanceof ConfigError ? e.message : `status: ${errorLine(e)}`);
    return e instanceof ConfigError ? EXIT.usage : EXIT.failure;
  }
  try {
    const checks = await runChecks(runtime);
    const status = await runtime.status();
    const ok = status.health.ok && checks.every((c) => c.ok);
    io.out(JSON.stringify({ ok, ...status, checks }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    return ok ? EXIT.ok : EXIT.failure;
  } catch (e) {
    io.err(`status: ${errorLine(e)}`);
    return EXIT.failure;
  } finally {
    await runtime.shutdown.shutdown("status done");
  }
}

export const statusCommand: Command = {
  name: "status",
  summary: "check config, keys, RPC, contracts, operator registration, sources, peers and health; print a JSON summary",
  usage: USAGE,
  run: (argv: readonly string[]) => run(argv),
};
