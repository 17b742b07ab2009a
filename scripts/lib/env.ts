/** Reading the deploy and list-series settings from `.env` (see .env.example), with clear errors. */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "dotenv";
import type { Hex, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decryptKeystore, plainKey, readPassword } from "../../sdk/keys.js";
import type { SeriesParams } from "../../sdk/orders.js";
import { parseSeriesOverrides } from "./seriesParams.js";

export class EnvError extends Error {
  override readonly name = "EnvError";
}

export type Env = Record<string, string | undefined>;

/** Variables from `path` (if it exists), overridden by the process environment. */
export function loadEnv(path: string): Env {
  const fromFile = existsSync(path) ? parse(readFileSync(path)) : {};
  return { ...fromFile, ...process.env };
}

export function required(env: Env, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new EnvError(`${name} is not set (see .env.example)`);
  return v;
}

/** The deployer's key: DEPLOYER_KEYSTORE with DEPLOYER_PASSWORD_FILE or DEPLOYER_PASSWORD_ENV; DEPLOYER_PRIVATE_KEY on local chains only. */
export async function deployerKey(env: Env, chainId: number): Promise<Hex> {
  const keystore = env.DEPLOYER_KEYSTORE?.trim();
  if (keystore) {
    const password = readPassword({ file: env.DEPLOYER_PASSWORD_FILE?.trim(), env: env.DEPLOYER_PASSWORD_ENV?.trim() }, env as NodeJS.ProcessEnv);
    return decryptKeystore(keystore, password);
  }
  const key = env.DEPLOYER_PRIVATE_KEY?.trim();
  if (key) return plainKey(key, chainId, "DEPLOYER_PRIVATE_KEY");
  throw new EnvError("set DEPLOYER_KEYSTORE (+ DEPLOYER_PASSWORD_FILE or DEPLOYER_PASSWORD_ENV), or DEPLOYER_PRIVATE_KEY on a local chain");
}

/** The deployer as an account (see deployerKey). */
export async function deployerAccount(env: Env, chainId: number): Promise<LocalAccount> {
  return privateKeyToAccount(await deployerKey(env, chainId));
}

/** Unix seconds from "1798000000" or an ISO-8601 UTC time such as "2026-12-31T08:00:00Z"; undefined for anything else. */
export function timeFromText(text: string): bigint | undefined {
  if (/^\d+$/.test(text)) return BigInt(text);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?$/.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : BigInt(ms / 1000);
}

/** timeFromText, or EnvError naming `what`. */
export function parseTime(text: string, what: string): bigint {
  const t = timeFromText(text);
  if (t === undefined) throw new EnvError(`${what}: expected unix seconds or an ISO-8601 UTC time like 2026-12-31T08:00:00Z, got ${JSON.stringify(text)}`);
  return t;
}

/** Series parameter overrides from a JSON file (`seriesOverrides`: integers, unknown keys are errors). */
export function readSeriesOverrides(path: string): Partial<SeriesParams> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new EnvError(`series parameters ${path}: ${(e as Error).message}`);
  }
  return parseSeriesOverrides(raw, path);
}
