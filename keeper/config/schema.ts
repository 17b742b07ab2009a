/** The keeper's configuration: every key, its type, default and limits (documented in docs/operator.md), on zod. */
import type { z } from "zod";
import { LOCAL_CHAIN_IDS } from "../../sdk/keys.js";
import { indexNameFromId } from "../../sdk/oracle.js";
import { LOG_LEVELS, type LogLevel } from "../observability/log.js";
import { indexName, sourceEntry } from "./fixingSchema.js";
import { liquidatorConfig } from "./liquidatorSchema.js";
import { listedSeries } from "./seriesSchema.js";
import { MAX_WAIT_MS, address, afterFields, array, bool, decimalUnits, int, object, oneOf, parseConfigPart, section, str, url, urlKey } from "./validate.js";

const envName = str({ pattern: /^[A-Z_][A-Z0-9_]*$/, patternHint: "an environment variable name like KEEPER_PASSWORD" });

/** Where an account's key comes from: an encrypted keystore file, or (local chains only) a private key in an env var. */
export type KeySource = { keystore: string } | { privateKeyEnv: string };

const keySource = object({ keystore: str().optional(), privateKeyEnv: envName.optional() })
  .refine((o) => (o.keystore === undefined) !== (o.privateKeyEnv === undefined), {
    error: 'needs exactly one of "keystore" (file path) or "privateKeyEnv" (env var name)',
    ...afterFields,
  })
  .transform((o): KeySource => (o.keystore !== undefined ? { keystore: o.keystore } : { privateKeyEnv: o.privateKeyEnv as string }));

const rpc = object({
  urls: array(url(), { min: 1, unique: urlKey }),
  timeoutMs: int({ min: 100, max: 120_000 }).default(5_000),
  maxHeadLagBlocks: int({ min: 0, max: 10_000 }).default(3),
  frozenHeadSeconds: int({ min: 0 }).default(0),
  probeIntervalMs: int({ min: 100, max: MAX_WAIT_MS }).default(5_000),
  failuresBeforeCooldown: int({ min: 1, max: 100 }).default(3),
  cooldownMs: int({ min: 0 }).default(30_000),
});

const schedule = object({
  intervalSeconds: int({ min: 1 }).default(3_600),
  windowPolls: int({ min: 1, max: 1_000 }).default(12),
  maxFutureSkewSeconds: int({ min: 0, max: 3_600 }).default(60),
  pollMs: int({ min: 100, max: MAX_WAIT_MS }).default(5_000),
  catchUpRounds: int({ min: 1, max: 100 }).default(3),
  postStaggerMs: int({ min: 0, max: 600_000 }).default(10_000), // > pollMs + peers.timeoutMs (one pass): turns stay apart
});

const peers = object({
  urls: array(url(), { unique: urlKey }).default([]),
  timeoutMs: int({ min: 100, max: 60_000 }).default(3_000),
  gatherMs: int({ min: 0, max: 600_000 }).default(3_000),
});

const integrity = object({
  maxMoveVsLastBps: int({ min: 1, max: 1_000_000 }).default(5_000),
  maxPeerDeviationBps: int({ min: 1, max: 1_000_000 }).default(50),
});

const server = object({ host: str().default("127.0.0.1"), port: int({ min: 0, max: 65_535 }).default(9_464) });

const keys = object({
  signer: keySource,
  gasPayer: keySource.optional(),
  passwordFile: str().optional(),
  passwordEnv: envName.default("KEEPER_KEYSTORE_PASSWORD"),
});

const gas = object({
  maxFeePerGasGwei: decimalUnits(9, { unit: "gwei", min: 1n }),
  priorityFeeGwei: decimalUnits(9, { unit: "gwei" }).default(1_000_000_000n),
  bumpPercent: int({ min: 10, max: 1_000 }).default(20),
  stuckAfterSeconds: int({ min: 1 }).default(60),
  maxInFlight: int({ min: 1, max: 64 }).default(4),
  confirmations: int({ min: 1, max: 1_000 }).default(1),
});

const health = object({
  headStaleSeconds: int({ min: 1 }).default(120),
  fixingStaleSeconds: int({ min: 1 }).default(7_200),
  minGasBalanceEth: decimalUnits(18, { unit: "ether" }).default(50_000_000_000_000_000n),
  sourceFailedPolls: int({ min: 1, max: 1_000 }).default(3),
  noQuorumRounds: int({ min: 1, max: 100 }).default(1),
});

/** The whole config: each part's schema, then the rules across parts. */
export const configSchema = object({
  chainId: int({ min: 1 }),
  rpc,
  contracts: object({ oracle: address, market: address.optional() }),
  indexes: array(indexName, { min: 1, unique: true }),
  schedule: section(schedule),
  sources: array(sourceEntry).default([]),
  settlement: array(listedSeries).default([]),
  peers: section(peers),
  integrity: section(integrity),
  server: section(server),
  keys,
  gas,
  health: section(health),
  liquidator: liquidatorConfig.optional(),
  dataDir: str().default("./keeper-data"),
  dryRun: bool.default(false),
  logLevel: oneOf(LOG_LEVELS as readonly [LogLevel, ...LogLevel[]]).default("info"),
}).superRefine((cfg, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  const local = LOCAL_CHAIN_IDS.includes(cfg.chainId);
  for (const [name, src] of [["signer", cfg.keys.signer], ["gasPayer", cfg.keys.gasPayer]] as const) {
    if (src && "privateKeyEnv" in src && !local) {
      issue(["keys", name, "privateKeyEnv"], `a plain private key is accepted only on local chains (${LOCAL_CHAIN_IDS.join(", ")}), chainId is ${cfg.chainId}; use an encrypted keystore`);
    }
  }
  if (cfg.gas.priorityFeeGwei > cfg.gas.maxFeePerGasGwei) issue(["gas", "priorityFeeGwei"], "must not exceed gas.maxFeePerGasGwei");
  if (cfg.schedule.maxFutureSkewSeconds >= cfg.schedule.intervalSeconds) issue(["schedule", "maxFutureSkewSeconds"], "must be smaller than schedule.intervalSeconds");
  if (cfg.schedule.windowPolls > cfg.schedule.intervalSeconds) issue(["schedule", "windowPolls"], "must not exceed schedule.intervalSeconds (one poll per second at most)");
  cfg.sources.forEach((src, i) => {
    if (!cfg.indexes.includes(src.index)) issue(["sources", i, "index"], `${JSON.stringify(src.index)} is not in indexes`);
    if (src.kind !== "replay" && src.input === undefined) issue(["sources", i, "input"], `is required for source kind ${src.kind}`);
    if (cfg.sources.findIndex((o) => o.index === src.index) !== i) issue(["sources", i, "index"], `${src.index} has more than one source`);
  });
  cfg.settlement.forEach((series, i) => {
    const index = indexNameFromId(series.indexId);
    if (!cfg.indexes.includes(index)) issue(["settlement", i, "index"], `${JSON.stringify(index)} is not in indexes`);
  });
  if (cfg.settlement.length > 0 && cfg.contracts.market === undefined) issue(["contracts", "market"], "is required when settlement lists series");
  if (cfg.liquidator && !cfg.contracts.market) issue(["contracts", "market"], "is required when the liquidator section is set");
}, afterFields);

export type KeeperConfig = z.output<typeof configSchema>;

/** Validates a parsed config object (after env substitution); `source` (the file) is named in the error. */
export function validateConfig(raw: unknown, source = "config"): KeeperConfig {
  return parseConfigPart(configSchema, raw, source);
}
