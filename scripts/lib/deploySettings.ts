/**
 * `npm run deploy`'s settings from `.env` and the environment (every variable is documented in .env.example) as a
 * zod schema: the network, the operators, the collateral and owner, the index, the first series. Errors name each
 * variable: `OPERATORS[1] is not an address: "0x12"`, `INDEX_BREAKER_BPS must be a non-negative integer, got "x"`.
 */
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import { afterFields } from "../../keeper/config/validate.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { parseDecimal } from "../../sdk/units.js";
import { ATPI_INDEX, type IndexSpec } from "./deploy.js";
import { EnvError, type Env, timeFromText } from "./env.js";

/** A variable's trimmed value; empty counts as unset. */
const value = z.string().optional().transform((v) => v?.trim() || undefined);
const required = value.refine((v) => v !== undefined, { error: "is not set (see .env.example)" }).transform((v) => v as string);
const address = (v: string, ctx: z.RefinementCtx, path: PropertyKey[] = []): Address | undefined => {
  if (isAddress(v, { strict: false })) return getAddress(v);
  ctx.addIssue({ code: "custom", path, message: `is not an address: ${JSON.stringify(v)}` });
  return undefined;
};
const optionalAddress = value.transform((v, ctx) => (v === undefined ? undefined : address(v, ctx)));
const integer = (fallback: number) =>
  value
    .refine((v) => v === undefined || /^\d+$/.test(v), { error: (iss) => `must be a non-negative integer, got ${JSON.stringify(iss.input)}` })
    .transform((v) => (v === undefined ? fallback : Number(v)));
const wad = (fallback: bigint) =>
  value.transform((v, ctx) => {
    if (v === undefined) return fallback;
    try {
      return parseDecimal(v, 18, "the value");
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `is not a decimal number of index units (${(e as Error).message})` });
      return z.NEVER;
    }
  });
const time = value
  .refine((v) => v === undefined || timeFromText(v) !== undefined, {
    error: (iss) => `must be unix seconds or an ISO-8601 UTC time like 2026-12-31T08:00:00Z, got ${JSON.stringify(iss.input)}`,
  })
  .transform((v) => (v === undefined ? undefined : (timeFromText(v) as bigint)));

export const deploySettingsSchema = z
  .object({
    RPC_URL: required,
    OPERATORS: required.transform((list, ctx) => list.split(",").map((a, i) => address(a.trim(), ctx, [i]) as Address)),
    COLLATERAL: optionalAddress,
    OWNER: optionalAddress,
    INDEX_NAME: value.refine((v) => v === undefined || /^[\x20-\x7e]{1,31}$/.test(v), { error: "must be 1-31 printable ASCII characters" }),
    INDEX_MIN: wad(ATPI_INDEX.minValue),
    INDEX_MAX: wad(ATPI_INDEX.maxValue),
    INDEX_MAX_FUTURE_SKEW: integer(ATPI_INDEX.maxFutureSkew),
    INDEX_FAULT_TOLERANCE: integer(ATPI_INDEX.faultTolerance),
    INDEX_MAX_SPREAD_BPS: integer(ATPI_INDEX.maxSpreadBps),
    INDEX_BREAKER_BPS: integer(ATPI_INDEX.breakerBps),
    INDEX_BREAKER_DELAY: integer(ATPI_INDEX.breakerDelay),
    SERIES_EXPIRY: time,
    SERIES_PARAMS: value,
    DEPLOYMENTS_DIR: value,
    DEPLOYMENT_ID: value.refine((v) => v === undefined || /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(v), { error: "must be letters, digits, - and _" }),
  })
  .superRefine((e, ctx) => {
    const needed = 2 * e.INDEX_FAULT_TOLERANCE + 1;
    if (e.OPERATORS.length < needed) ctx.addIssue({ code: "custom", path: ["OPERATORS"], message: `has ${e.OPERATORS.length} addresses; INDEX_FAULT_TOLERANCE=${e.INDEX_FAULT_TOLERANCE} needs at least ${needed} (2f + 1)` });
  }, afterFields)
  .transform((e) => {
    const index: IndexSpec = {
      name: e.INDEX_NAME ?? ATPI_INDEX.name,
      minValue: e.INDEX_MIN,
      maxValue: e.INDEX_MAX,
      maxFutureSkew: e.INDEX_MAX_FUTURE_SKEW,
      faultTolerance: e.INDEX_FAULT_TOLERANCE,
      maxSpreadBps: e.INDEX_MAX_SPREAD_BPS,
      breakerBps: e.INDEX_BREAKER_BPS,
      breakerDelay: e.INDEX_BREAKER_DELAY,
    };
    return {
      url: e.RPC_URL,
      operators: e.OPERATORS,
      collateral: e.COLLATERAL,
      owner: e.OWNER,
      index,
      indexId: indexIdFromName(index.name),
      seriesExpiry: e.SERIES_EXPIRY,
      seriesParamsFile: e.SERIES_PARAMS,
      deploymentsDir: e.DEPLOYMENTS_DIR,
      deploymentId: e.DEPLOYMENT_ID,
    };
  });

export type DeploySettings = z.output<typeof deploySettingsSchema>;

/** The settings from `env`; EnvError with one line per bad variable. */
export function parseDeploySettings(env: Env): DeploySettings {
  const r = deploySettingsSchema.safeParse(env);
  if (r.success) return r.data;
  const key = (path: readonly PropertyKey[]) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${String(p)}` : String(p))).join("");
  throw new EnvError(r.error.issues.map((i) => `${key(i.path)} ${i.message}`).join("\n"));
}
