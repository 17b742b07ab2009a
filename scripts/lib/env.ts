/** Reading the deploy and list-series settings from `.env` (see .env.example), with clear errors. */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "dotenv";
import { type Address, type LocalAccount, getAddress, isAddress } from "viem";
import { loadKeystore, plainKeyAccount, readPassword } from "../../sdk/keys.js";
import type { SeriesParams } from "../../sdk/orders.js";
import { parseDecimal } from "../../sdk/units.js";
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

export function address(text: string, what: string): Address {
  if (!isAddress(text, { strict: false })) throw new EnvError(`${what}: not an address: ${JSON.stringify(text)}`);
  return getAddress(text);
}

/** The deployer: DEPLOYER_KEYSTORE with DEPLOYER_PASSWORD_FILE or DEPLOYER_PASSWORD_ENV; DEPLOYER_PRIVATE_KEY on local chains only. */
export async function deployerAccount(env: Env, chainId: number): Promise<LocalAccount> {
  const keystore = env.DEPLOYER_KEYSTORE?.trim();
  if (keystore) {
    const password = readPassword({ file: env.DEPLOYER_PASSWORD_FILE?.trim(), env: env.DEPLOYER_PASSWORD_ENV?.trim() }, env as NodeJS.ProcessEnv);
    return loadKeystore(keystore, password);
  }
  const key = env.DEPLOYER_PRIVATE_KEY?.trim();
  if (key) return plainKeyAccount(key, chainId, "DEPLOYER_PRIVATE_KEY");
  throw new EnvError("set DEPLOYER_KEYSTORE (+ DEPLOYER_PASSWORD_FILE or DEPLOYER_PASSWORD_ENV), or DEPLOYER_PRIVATE_KEY on a local chain");
}

/** Unix seconds from "1798000000" or an ISO-8601 UTC time such as "2026-12-31T08:00:00Z". */
export function parseTime(text: string, what: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?$/.test(text)) {
    throw new EnvError(`${what}: expected unix seconds or an ISO-8601 UTC time like 2026-12-31T08:00:00Z, got ${JSON.stringify(text)}`);
  }
  return BigInt(Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) / 1000);
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

/** An 18-decimal value from a decimal string variable. */
export function wadVar(env: Env, name: string, fallback: bigint): bigint {
  const v = env[name]?.trim();
  return v ? parseDecimal(v, 18, name) : fallback;
}

/** A non-negative integer variable (e.g. seconds or bps), or `fallback` when unset. */
export function intVar(env: Env, name: string, fallback: number): number {
  const v = env[name]?.trim();
  if (!v) return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}
