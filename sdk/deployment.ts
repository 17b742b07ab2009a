/** The deployments/<chainId>.json file: addresses and listed series of one deployment, JSON-safe (bigints as strings). */
import { readFileSync } from "node:fs";
import { type Address, type Hex, getAddress } from "viem";
import { SdkError } from "./errors.js";
import { type SeriesParams, seriesId } from "./orders.js";

export interface Deployment {
  chainId: number;
  market: Address;
  oracle: Address;
  collateral: Address;
  owner: Address;
  /** Set when ownership was offered to another account (Ownable2Step: it must call acceptOwnership). */
  pendingOwner?: Address | undefined;
  /** Block of the market's deployment (log scans start there). */
  deployBlock: bigint;
  indexId: Hex;
  operators: Address[];
  series: { id: Hex; params: SeriesParams }[];
}

const BIG_FIELDS = ["expiry", "contractSize", "tickSize", "minSize"] as const;

/** JSON text of a deployment (bigints as decimal strings). */
export function deploymentToJson(d: Deployment): string {
  return `${JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}

function field(obj: Record<string, unknown>, key: string, where: string): unknown {
  if (!(key in obj)) throw new SdkError("INVALID_INPUT", `${where}: missing "${key}"`);
  return obj[key];
}

function big(v: unknown, where: string): bigint {
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new SdkError("INVALID_INPUT", `${where}: expected an integer string, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

function addr(v: unknown, where: string): Address {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new SdkError("INVALID_INPUT", `${where}: not an address: ${JSON.stringify(v)}`);
  return getAddress(v);
}

/** Parses and validates deployment JSON; `origin` names the file in errors. Series ids are recomputed and checked. */
export function parseDeployment(text: string, origin = "deployment"): Deployment {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new SdkError("INVALID_INPUT", `${origin}: not JSON (${(e as Error).message})`);
  }
  const chainId = field(raw, "chainId", origin);
  if (typeof chainId !== "number" || !Number.isInteger(chainId) || chainId <= 0) {
    throw new SdkError("INVALID_INPUT", `${origin}: chainId must be a positive integer`);
  }
  const seriesRaw = field(raw, "series", origin);
  if (!Array.isArray(seriesRaw)) throw new SdkError("INVALID_INPUT", `${origin}: series must be an array`);
  const series = seriesRaw.map((s: Record<string, unknown>, i) => {
    const where = `${origin}: series[${i}]`;
    const p = field(s, "params", where) as Record<string, unknown>;
    const params = { ...p } as unknown as SeriesParams;
    for (const k of BIG_FIELDS) (params as unknown as Record<string, bigint>)[k] = big(field(p, k, where), `${where}.params.${k}`);
    const id = seriesId(params);
    if (typeof s.id === "string" && s.id.toLowerCase() !== id.toLowerCase()) {
      throw new SdkError("INVALID_INPUT", `${where}: id ${s.id} does not match its params (${id})`);
    }
    return { id, params };
  });
  const operators = field(raw, "operators", origin);
  return {
    chainId,
    market: addr(field(raw, "market", origin), `${origin}: market`),
    oracle: addr(field(raw, "oracle", origin), `${origin}: oracle`),
    collateral: addr(field(raw, "collateral", origin), `${origin}: collateral`),
    owner: addr(field(raw, "owner", origin), `${origin}: owner`),
    ...(raw.pendingOwner ? { pendingOwner: addr(raw.pendingOwner, `${origin}: pendingOwner`) } : {}),
    deployBlock: big(field(raw, "deployBlock", origin), `${origin}: deployBlock`),
    indexId: field(raw, "indexId", origin) as Hex,
    operators: Array.isArray(operators) ? operators.map((o, i) => addr(o, `${origin}: operators[${i}]`)) : [],
    series,
  };
}

/** Reads a deployments/<chainId>.json file. */
export function readDeployment(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SdkError("INVALID_INPUT", `cannot read deployment file ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return parseDeployment(text, path);
}
