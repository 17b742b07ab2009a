/** Config keys of the fixing loop: where each index's prices come from, and the series whose settlement it records. */
import { SOURCE_KINDS, type SourceKind } from "../sources/types.js";
import { type Check, ConfigError, int, object, oneOf, optional, str } from "./validate.js";

const indexName = str({ pattern: /^[\x20-\x7e]{1,31}$/, patternHint: "1-31 printable ASCII characters" });

/** One index's price source: `kind` as in `keeper fixing --source`, `input` a file, .gz or URL (replay: optional dir). */
export const sourceEntry = object({
  index: indexName,
  kind: oneOf<SourceKind>(SOURCE_KINDS),
  input: optional(str()),
});

const uint = (bits: number): Check<bigint> => (v, key) => {
  const s = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof s !== "string" || !/^(0|[1-9][0-9]*)$/.test(s)) throw new ConfigError([{ key, problem: `must be a non-negative integer (decimal string), got ${JSON.stringify(v)}` }]);
  const n = BigInt(s);
  if (n >= 2n ** BigInt(bits)) throw new ConfigError([{ key, problem: `must fit in uint${bits}, got ${s}` }]);
  return n;
};
const bps = int({ min: 0, max: 65_535 });
const u32 = int({ min: 0, max: 2 ** 32 - 1 });

/**
 * A listed series, exactly as FuturesMarket's SeriesParams (the market identifies a series by the hash of all
 * of them): after its expiry the loop records each fixing of the settlement window and then calls settle.
 */
export const seriesEntry = object({
  index: indexName,
  expiry: int({ min: 1 }),
  contractSize: uint(128),
  tickSize: uint(128),
  minSize: uint(64),
  initialMarginBps: bps,
  maintenanceMarginBps: bps,
  makerFeeBps: bps,
  takerFeeBps: bps,
  priceBandBps: bps,
  liquidationPenaltyBps: bps,
  maxFixingAge: u32,
  settlementWindow: u32,
  settlementGrace: u32,
});

export type SourceEntry = ReturnType<typeof sourceEntry>;
export type SeriesEntry = ReturnType<typeof seriesEntry>;
