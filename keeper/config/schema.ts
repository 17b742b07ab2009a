/** The keeper's configuration: every key, its type, default and limits (documented in docs/operator.md). */
import { LOCAL_CHAIN_IDS } from "../../sdk/keys.js";
import { indexNameFromId } from "../../sdk/oracle.js";
import { isLogLevel, type LogLevel } from "../observability/log.js";
import {
  type Check,
  ConfigError,
  type ObjectOf,
  address,
  array,
  bool,
  decimalUnits,
  int,
  object,
  optional,
  str,
  url,
} from "./validate.js";
import { sourceEntry } from "./fixingSchema.js";
import { listedSeries } from "./seriesSchema.js";
import { liquidatorConfig } from "./liquidatorSchema.js";


const envName = str({ pattern: /^[A-Z_][A-Z0-9_]*$/, patternHint: "an environment variable name like KEEPER_PASSWORD" });

const logLevel: Check<LogLevel> = (v, key) => {
  if (!isLogLevel(v)) throw new ConfigError([{ key, problem: `must be one of debug, info, warn, error, got ${JSON.stringify(v)}` }]);
  return v;
};

/** Where an account's key comes from: an encrypted keystore file, or (local chains only) a private key in an env var. */
export type KeySource = { keystore: string } | { privateKeyEnv: string };

const keySource: Check<KeySource> = (v, key) => {
  const o = object({ keystore: optional(str()), privateKeyEnv: optional(envName) })(v, key);
  if ((o.keystore === undefined) === (o.privateKeyEnv === undefined)) {
    throw new ConfigError([{ key, problem: 'needs exactly one of "keystore" (file path) or "privateKeyEnv" (env var name)' }]);
  }
  return o.keystore !== undefined ? { keystore: o.keystore } : { privateKeyEnv: o.privateKeyEnv as string };
};

const indexName = str({ pattern: /^[\x20-\x7e]{1,31}$/, patternHint: "1-31 printable ASCII characters" });

export const configShape = {
  chainId: int({ min: 1 }),
  rpc: object({
    urls: array(url(), { min: 1, unique: true }),
    timeoutMs: optional(int({ min: 100, max: 120_000 }), 5_000),
    maxHeadLagBlocks: optional(int({ min: 0, max: 10_000 }), 3),
    frozenHeadSeconds: optional(int({ min: 0 }), 0),
    probeIntervalMs: optional(int({ min: 100 }), 5_000),
    failuresBeforeCooldown: optional(int({ min: 1, max: 100 }), 3),
    cooldownMs: optional(int({ min: 0 }), 30_000),
  }),
  contracts: object({ oracle: address, market: optional(address) }),
  indexes: array(indexName, { min: 1, unique: true }),
  schedule: optional(
    object({
      intervalSeconds: optional(int({ min: 1 }), 3_600),
      windowPolls: optional(int({ min: 1, max: 1_000 }), 12),
      maxFutureSkewSeconds: optional(int({ min: 0, max: 3_600 }), 60),
      pollMs: optional(int({ min: 100 }), 5_000),
      catchUpRounds: optional(int({ min: 1, max: 100 }), 3),
      postStaggerMs: optional(int({ min: 0, max: 600_000 }), 2_000),
    }),
    { intervalSeconds: 3_600, windowPolls: 12, maxFutureSkewSeconds: 60, pollMs: 5_000, catchUpRounds: 3, postStaggerMs: 2_000 },
  ),
  sources: optional(array(sourceEntry), []),
  settlement: optional(array(listedSeries), []),
  peers: optional(
    object({
      urls: optional(array(url(), { unique: true }), []),
      timeoutMs: optional(int({ min: 100, max: 60_000 }), 3_000),
      gatherMs: optional(int({ min: 0, max: 600_000 }), 3_000),
    }),
    { urls: [], timeoutMs: 3_000, gatherMs: 3_000 },
  ),
  integrity: optional(
    object({
      maxMoveVsLastBps: optional(int({ min: 1, max: 1_000_000 }), 5_000),
      maxPeerDeviationBps: optional(int({ min: 1, max: 1_000_000 }), 50),
    }),
    { maxMoveVsLastBps: 5_000, maxPeerDeviationBps: 50 },
  ),
  server: optional(
    object({ host: optional(str(), "127.0.0.1"), port: optional(int({ min: 0, max: 65_535 }), 9_464) }),
    { host: "127.0.0.1", port: 9_464 },
  ),
  keys: object({
    signer: keySource,
    gasPayer: optional(keySource),
    passwordFile: optional(str()),
    passwordEnv: optional(envName, "KEEPER_KEYSTORE_PASSWORD"),
  }),
  gas: object({
    maxFeePerGasGwei: decimalUnits(9, { unit: "gwei", min: 1n }),
    priorityFeeGwei: optional(decimalUnits(9, { unit: "gwei" }), 1_000_000_000n),
    bumpPercent: optional(int({ min: 10, max: 1_000 }), 20),
    stuckAfterSeconds: optional(int({ min: 1 }), 60),
    maxInFlight: optional(int({ min: 1, max: 64 }), 4),
    confirmations: optional(int({ min: 1, max: 1_000 }), 1),
  }),
  health: optional(
    object({
      headStaleSeconds: optional(int({ min: 1 }), 120),
      fixingStaleSeconds: optional(int({ min: 1 }), 7_200),
      minGasBalanceEth: optional(decimalUnits(18, { unit: "ether" }), 50_000_000_000_000_000n),
      sourceFailedPolls: optional(int({ min: 1, max: 1_000 }), 3),
      noQuorumRounds: optional(int({ min: 1, max: 100 }), 1),
    }),
    { headStaleSeconds: 120, fixingStaleSeconds: 7_200, minGasBalanceEth: 50_000_000_000_000_000n, sourceFailedPolls: 3, noQuorumRounds: 1 },
  ),
  liquidator: optional(liquidatorConfig),
  dataDir: optional(str(), "./keeper-data"),
  dryRun: optional(bool, false),
  logLevel: optional(logLevel, "info"),
};

export type KeeperConfig = ObjectOf<typeof configShape>;

/** Validates a parsed config object (after env substitution): field checks, then rules across fields. */
export function validateConfig(raw: unknown, source = "config"): KeeperConfig {
  let cfg: KeeperConfig;
  try {
    cfg = object(configShape)(raw, "");
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.issues, source);
    throw e;
  }
  const issues: { key: string; problem: string }[] = [];
  const local = LOCAL_CHAIN_IDS.includes(cfg.chainId);
  for (const [name, src] of [["signer", cfg.keys.signer], ["gasPayer", cfg.keys.gasPayer]] as const) {
    if (src && "privateKeyEnv" in src && !local) {
      issues.push({
        key: `keys.${name}.privateKeyEnv`,
        problem: `a plain private key is accepted only on local chains (${LOCAL_CHAIN_IDS.join(", ")}), chainId is ${cfg.chainId}; use an encrypted keystore`,
      });
    }
  }
  if (cfg.gas.priorityFeeGwei > cfg.gas.maxFeePerGasGwei) {
    issues.push({ key: "gas.priorityFeeGwei", problem: "must not exceed gas.maxFeePerGasGwei" });
  }
  if (cfg.schedule.maxFutureSkewSeconds >= cfg.schedule.intervalSeconds) {
    issues.push({ key: "schedule.maxFutureSkewSeconds", problem: "must be smaller than schedule.intervalSeconds" });
  }
  if (cfg.schedule.windowPolls > cfg.schedule.intervalSeconds) {
    issues.push({ key: "schedule.windowPolls", problem: "must not exceed schedule.intervalSeconds (one poll per second at most)" });
  }
  cfg.sources.forEach((src, i) => {
    if (!cfg.indexes.includes(src.index)) issues.push({ key: `sources[${i}].index`, problem: `${JSON.stringify(src.index)} is not in indexes` });
    if (src.kind !== "replay" && src.input === undefined) issues.push({ key: `sources[${i}].input`, problem: `is required for source kind ${src.kind}` });
    if (cfg.sources.findIndex((o) => o.index === src.index) !== i) issues.push({ key: `sources[${i}].index`, problem: `${src.index} has more than one source` });
  });
  cfg.settlement.forEach((series, i) => {
    const index = indexNameFromId(series.indexId);
    if (!cfg.indexes.includes(index)) issues.push({ key: `settlement[${i}].index`, problem: `${JSON.stringify(index)} is not in indexes` });
  });
  if (cfg.settlement.length > 0 && cfg.contracts.market === undefined) {
    issues.push({ key: "contracts.market", problem: "is required when settlement lists series" });
  }
  if (cfg.liquidator && !cfg.contracts.market) {
    issues.push({ key: "contracts.market", problem: "is required when the liquidator section is set" });
  }
  if (issues.length) throw new ConfigError(issues, source);
  return cfg;
}
