/**
 * Series parameters as the deploy settings and strip files give them: overrides of `defaultSeriesParams`, every
 * value an integer in the contract's units (contractSize in the collateral's smallest unit, tickSize in 1e-18 of
 * index), as a JSON number or a decimal-digit string. The fields other than the two sizes are the keeper config's
 * (keeper/config/seriesSchema.ts `seriesIntegerFields`), so both files accept the same values.
 */
import { z } from "zod";
import { seriesIntegerFields } from "../../keeper/config/seriesSchema.js";
import { object, parseConfigPart } from "../../keeper/config/validate.js";
import type { SeriesParams } from "../../sdk/orders.js";

const digits = /^\d+$/;

/** A whole number in base units: a JSON integer or a string of digits (for values above 2^53). */
const baseUnits = z
  .unknown()
  .refine((v) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) || (typeof v === "string" && digits.test(v)), {
    error: (iss) => `must be a non-negative integer (a number or a string of digits), got ${JSON.stringify(iss.input)}`,
  })
  .transform((v) => BigInt(v as number | string));

/** `field` that also takes its integer written as a string of digits. */
const orDigits = <T extends z.ZodType>(field: T) => z.preprocess((v) => (typeof v === "string" && digits.test(v) ? Number(v) : v), field).optional();

const integerFields = Object.fromEntries(Object.entries(seriesIntegerFields).map(([k, f]) => [k, orDigits(f)])) as {
  [K in keyof typeof seriesIntegerFields]: ReturnType<typeof orDigits<(typeof seriesIntegerFields)[K]>>;
};

const overrideShape = { contractSize: baseUnits.optional(), tickSize: baseUnits.optional(), ...integerFields };

const toParams = ({ minSize, ...rest }: { minSize?: number | undefined; [k: string]: unknown }): Partial<SeriesParams> =>
  Object.fromEntries(Object.entries({ ...rest, ...(minSize === undefined ? {} : { minSize: BigInt(minSize) }) }).filter(([, v]) => v !== undefined)) as Partial<SeriesParams>;

/** Overrides a strip file may set (not the index or the expiry: the strip decides those); unknown keys are errors. */
export const stripSeriesOverrides = object(overrideShape).transform(toParams);

/** Overrides of `npm run deploy`'s SERIES_PARAMS and `list-series --params`, which may set the expiry too. */
export const seriesOverrides = object({ ...overrideShape, expiry: baseUnits.optional() }).transform(toParams);

/** `seriesOverrides` from a parsed JSON file; ConfigError naming `file` and each bad key. */
export function parseSeriesOverrides(raw: unknown, file: string): Partial<SeriesParams> {
  return parseConfigPart(seriesOverrides, raw, `series parameters ${file}`);
}
