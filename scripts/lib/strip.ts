/**
 * A strip of series for one index: the expiry calendar (monthly, then quarterly expiries), the validated strip file
 * (config/strips/*.json) and listing it through the market's `listSeries`. Used by `npm run list-strip` and the demo.
 */
import { readFileSync } from "node:fs";
import type { Abi, Address, Hex, PublicClient } from "viem";
import { z } from "zod";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { type SeriesParams, seriesId } from "../../sdk/orders.js";
import { configIssues } from "../../keeper/config/validate.js";
import { type Wallet, defaultSeriesParams } from "./deploy.js";
import { stripSeriesOverrides } from "./seriesParams.js";

export const stripSchema = z
  .object({
    /** Index name (ASCII, as created on the oracle), e.g. "ATPI". */
    index: z.string().regex(/^[A-Z0-9-]{1,31}$/, "an upper-case index name"),
    /** Number of consecutive monthly expiries (the 1st of each month). */
    monthly: z.number().int().min(0).max(24),
    /** Number of quarterly expiries (1 Jan/Apr/Jul/Oct) after the last monthly one. */
    quarterly: z.number().int().min(0).max(12),
    /** Hour (UTC) of the expiry; it must be a fixing round time of the index (ATPI: daily rounds at 00:00). */
    expiryHourUtc: z.number().int().min(0).max(23),
    /** An expiry closer than this many days to the listing time is skipped (the strip starts one month later). */
    minDaysToExpiry: z.number().int().min(0).max(60),
    /** Overrides of the project's default series parameters (scripts/lib/deploy.ts defaultSeriesParams). */
    params: stripSeriesOverrides.default({}),
  })
  .strict()
  .refine((s) => s.monthly + s.quarterly > 0, { message: "a strip needs at least one expiry (monthly + quarterly > 0)" });

export type StripSpec = z.infer<typeof stripSchema>;

export class StripError extends Error {
  override readonly name = "StripError";
}

/** Parses and validates a strip file's JSON value; every problem is reported with its path. */
export function parseStrip(value: unknown, where = "strip"): StripSpec {
  const r = stripSchema.safeParse(value);
  if (!r.success) throw new StripError(`${where}: ${configIssues(r.error).map((i) => `${i.key || "(root)"}: ${i.problem}`).join("; ")}`);
  return r.data;
}

export function readStrip(path: string): StripSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new StripError(`${path}: ${(e as Error).message}`);
  }
  return parseStrip(raw, path);
}

const monthStart = (year: number, month: number, hour: number) => BigInt(Date.UTC(year, month, 1, hour) / 1000);

/**
 * The strip's expiries after `now` (unix seconds), ascending: `monthly` firsts-of-month at `expiryHourUtc`, the first
 * at least `minDaysToExpiry` days after `now`, then `quarterly` quarter starts after the last monthly one.
 */
export function stripExpiries(spec: Pick<StripSpec, "monthly" | "quarterly" | "expiryHourUtc" | "minDaysToExpiry">, now: bigint): bigint[] {
  const earliest = now + BigInt(spec.minDaysToExpiry) * 86_400n;
  const d = new Date(Number(now) * 1000);
  let year = d.getUTCFullYear();
  let month = d.getUTCMonth(); // 0-based; the loop below starts at the first month start after `earliest`
  const next = () => {
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
  };
  const out: bigint[] = [];
  while (monthStart(year, month, spec.expiryHourUtc) <= earliest) next();
  for (let i = 0; i < spec.monthly; i++) {
    out.push(monthStart(year, month, spec.expiryHourUtc));
    next();
  }
  while (out.length < spec.monthly + spec.quarterly) {
    if (month % 3 === 0) out.push(monthStart(year, month, spec.expiryHourUtc));
    next();
  }
  return out;
}

/**
 * The contract's listing rules (docs/contracts.md section 2, `InvalidSeriesParams(rule)`) checked before anything is
 * sent, so a strip is refused whole rather than listed in part. Returns the broken rule's number and text, or null.
 */
export function listingRuleBroken(p: SeriesParams, now: bigint): { rule: number; text: string } | null {
  const WAD = 10n ** 18n;
  const rules: [boolean, string][] = [
    [/^0x0{64}$/.test(p.indexId), "index set"],
    [p.expiry <= now, "expiry in the future"],
    [p.contractSize === 0n || p.contractSize >= 2n ** 96n || p.tickSize === 0n, "0 < contract size < 2^96 and tick > 0"],
    [(p.tickSize * p.contractSize) % WAD !== 0n, "exact notionals: tickSize * contractSize % 1e18 == 0"],
    [p.minSize === 0n, "minSize > 0"],
    [
      !(p.liquidationPenaltyBps > 0 && p.liquidationPenaltyBps < p.maintenanceMarginBps && p.maintenanceMarginBps < p.initialMarginBps && p.initialMarginBps <= 10_000),
      "0 < liquidation penalty < maintenance < initial <= 100 %",
    ],
    [p.makerFeeBps > 1_000 || p.takerFeeBps > 1_000, "fees <= 10 %"],
    [p.priceBandBps === 0 || p.priceBandBps > 10_000, "0 < band <= 100 %"],
    [p.maxFixingAge === 0, "maxFixingAge > 0"],
    [!(p.settlementWindow > 0 && p.settlementWindow <= p.settlementGrace), "0 < settlementWindow <= settlementGrace"],
    [!(p.priceLimitBps > 0 && p.priceLimitBps < p.maintenanceMarginBps), "0 < priceLimitBps < maintenanceMarginBps"],
  ];
  const i = rules.findIndex(([broken]) => broken);
  return i < 0 ? null : { rule: i + 1, text: (rules[i] as [boolean, string])[1] };
}

/** The series parameters of every expiry of the strip at `now`; StripError when one breaks a listing rule. */
export function stripSeries(spec: StripSpec, now: bigint): SeriesParams[] {
  const indexId = indexIdFromName(spec.index);
  return stripExpiries(spec, now).map((expiry) => {
    const params = defaultSeriesParams(indexId, expiry, spec.params);
    const broken = listingRuleBroken(params, now);
    if (broken) throw new StripError(`series expiring ${new Date(Number(expiry) * 1000).toISOString()} breaks listing rule ${broken.rule} (${broken.text})`);
    return params;
  });
}

export interface ListStripResult {
  /** Every series of the strip, in expiry order. */
  series: { id: Hex; params: SeriesParams; listedNow: boolean }[];
}

/**
 * Lists every series of the strip that the market does not list yet (the wallet must own the market); a series
 * already listed (same parameters, same id) is skipped, so running the command twice lists nothing twice.
 */
export async function listStrip(c: { publicClient: PublicClient; wallet: Wallet }, market: Address, spec: StripSpec, now: bigint): Promise<ListStripResult> {
  const all = stripSeries(spec, now);
  const out: ListStripResult["series"] = [];
  for (const params of all) {
    const id = seriesId(params);
    const state = await c.publicClient.readContract({ address: market, abi: futuresMarketAbi, functionName: "seriesState", args: [id] });
    if (state.listed) {
      out.push({ id, params, listedNow: false });
      continue;
    }
    const { request } = await c.publicClient.simulateContract({
      address: market,
      abi: futuresMarketAbi as Abi,
      functionName: "listSeries",
      args: [params],
      account: c.wallet.account,
    });
    const hash = await c.wallet.writeContract({ ...(request as object), chain: c.wallet.chain ?? null } as never);
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new StripError(`listSeries reverted for expiry ${params.expiry} (${hash})`);
    out.push({ id, params, listedNow: true });
  }
  return { series: out };
}
