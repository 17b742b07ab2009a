/** Loads the keeper config: `.env` (dotenv), then the JSON file with `${VAR}` substitution, then validation. */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { type KeeperConfig, validateConfig } from "./schema.js";
import { ConfigError, type ConfigIssue } from "./validate.js";
import { isUrlInput } from "../sources/readInput.js";

export interface LoadOptions {
  /** Path of a .env file; default: `.env` beside the config file (missing file = no variables). */
  envFile?: string;
  /** Base environment (default process.env); .env values do not override variables already set. */
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides, e.g. `--dry-run`. */
  overrides?: { dryRun?: boolean };
}

export interface LoadedConfig {
  config: KeeperConfig;
  /** The environment after .env was merged (for password and private-key variables). */
  env: NodeJS.ProcessEnv;
  /** Absolute path of the config file. */
  path: string;
}

/** Reads a .env file without touching process.env; a missing file yields no variables. */
export function readEnvFile(path: string): Record<string, string> {
  try {
    return parseDotenv(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError([{ key: path, problem: `cannot read .env file: ${(e as Error).message}` }], ".env");
  }
}

/** Replaces `${NAME}` in every string value with the variable's value; unset variables are errors naming the key. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, key = "", issues: ConfigIssue[] = []): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) {
        issues.push({ key: key || "(root)", problem: `refers to environment variable ${name}, which is not set` });
        return "";
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${key}[${i}]`, issues));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, key ? `${key}.${k}` : k, issues)]),
    );
  }
  return value;
}

/** Reads, substitutes and validates a config file; throws ConfigError listing every problem. */
export function loadConfig(configPath: string, options: LoadOptions = {}): LoadedConfig {
  const path = resolve(configPath);
  const base = dirname(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8").replace(/^\uFEFF/, ""); // a byte order mark (Windows editors) is not JSON
  } catch (e) {
    throw new ConfigError([{ key: "(file)", problem: `cannot read ${path}: ${(e as Error).message}` }], path);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([{ key: "(file)", problem: `is not valid JSON: ${(e as Error).message}` }], path);
  }
  const env = { ...readEnvFile(options.envFile ?? resolve(base, ".env")), ...(options.env ?? process.env) };
  const issues: ConfigIssue[] = [];
  const substituted = substituteEnv(parsed, env, "", issues);
  if (issues.length) throw new ConfigError(issues, path);
  const config = validateConfig(substituted, path);

  // Paths in the file are relative to the file, so the keeper behaves the same from any working directory.
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  config.dataDir = abs(config.dataDir);
  if (config.keys.passwordFile) config.keys.passwordFile = abs(config.keys.passwordFile);
  for (const src of [config.keys.signer, config.keys.gasPayer]) if (src && "keystore" in src) src.keystore = abs(src.keystore);
  for (const src of config.sources) if (src.input !== undefined && !isUrlInput(src.input)) src.input = abs(src.input);
  if (options.overrides?.dryRun) config.dryRun = true;
  if (env.KEEPER_DRY_RUN === "true" || env.KEEPER_DRY_RUN === "1") config.dryRun = true;
  return { config, env, path };
}
