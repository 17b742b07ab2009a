/**
 * The deployments/<chainId>.json file as a zod schema: addresses (checksummed on the way in), bigints as decimal
 * strings, the listed series with their parameters (each id recomputed from them and checked).
 */
import { type Address, type Hex, getAddress, isAddress } from "viem";
import { z } from "zod";
import { type SeriesParams, seriesId } from "./orders.js";

const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const missing = (iss: { input?: unknown }) => (iss.input === undefined ? "missing" : undefined);

const address = z
  .custom<string>((v) => typeof v === "string" && isAddress(v, { strict: false }), { error: (iss) => missing(iss) ?? `not an address: ${show(iss.input)}` })
  .transform((v): Address => getAddress(v));
const integerText = z
  .custom<string>((v) => typeof v === "string" && /^\d+$/.test(v), { error: (iss) => missing(iss) ?? `expected an integer string, got ${show(iss.input)}` })
  .transform(BigInt);
const small = z.custom<number>((v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0, { error: (iss) => missing(iss) ?? `expected a non-negative integer, got ${show(iss.input)}` });
const bytes32 = z.custom<Hex>((v) => typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v), { error: (iss) => missing(iss) ?? `expected 32 bytes of hex, got ${show(iss.input)}` });

const seriesParams = z.object({
  indexId: bytes32,
  expiry: integerText,
  contractSize: integerText,
  tickSize: integerText,
  minSize: integerText,
  initialMarginBps: small,
  maintenanceMarginBps: small,
  makerFeeBps: small,
  takerFeeBps: small,
  priceBandBps: small,
  priceLimitBps: small,
  liquidationPenaltyBps: small,
  maxFixingAge: small,
  settlementWindow: small,
  settlementGrace: small,
}) satisfies z.ZodType<SeriesParams, unknown>;

const listedSeries = z
  .object({ id: z.string().optional(), params: seriesParams })
  .superRefine((s, ctx) => {
    if (s.id !== undefined && s.id.toLowerCase() !== seriesId(s.params).toLowerCase()) ctx.addIssue({ code: "custom", path: ["id"], message: `${s.id} does not match its params (${seriesId(s.params)})` });
  })
  .transform((s) => ({ id: seriesId(s.params), params: s.params }));

export const deploymentSchema = z.object(
  {
    chainId: z.custom<number>((v) => typeof v === "number" && Number.isSafeInteger(v) && v > 0, { error: (iss) => missing(iss) ?? "must be a positive integer" }),
    market: address,
    oracle: address,
    collateral: address,
    owner: address,
    /** Set when ownership was offered to another account (Ownable2Step: it must call acceptOwnership). */
    pendingOwner: address.optional(),
    /** Block of the market's deployment (log scans start there). */
    deployBlock: integerText,
    indexId: bytes32,
    operators: z.array(address, { error: (iss) => missing(iss) ?? "must be an array" }),
    series: z.array(listedSeries, { error: (iss) => missing(iss) ?? "must be an array" }),
  },
  { error: "must be a JSON object" },
);

export type Deployment = z.output<typeof deploymentSchema>;
