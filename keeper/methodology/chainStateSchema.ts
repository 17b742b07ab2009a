/**
 * The JSON form of a ChainState (CLI `--previous`, the keeper's journal) as a zod schema: bigints as positive
 * integer strings, times as integer unix seconds; the v2 parts (reference prices, listed candidates, rule rolls)
 * optional.
 */
import { z } from "zod";

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

const seconds = z.custom<number>((v) => typeof v === "number" && Number.isSafeInteger(v), { error: "must be integer unix seconds" });
const positiveInteger = z
  .custom<string>((v) => typeof v === "string" && /^[1-9]\d*$/.test(v), { error: (iss) => `must be a positive integer string, got ${show(iss.input)}` })
  .transform(BigInt);
const text = z.string({ error: "must be a string" });
const map = <T extends z.ZodType>(value: T) => z.record(z.string(), value, { error: "must be an object" });
const fields = <S extends z.ZodRawShape>(shape: S, problem = "must be an object") => z.object(shape, { error: (iss) => (iss.code === "invalid_type" ? problem : undefined) });

export const chainStateSchema = fields(
  {
    timestamp: seconds,
    level: positiveInteger,
    bases: map(fields({ model: text, price: positiveInteger })),
    prices: map(positiveInteger).optional(),
    listed: map(seconds).optional(),
    rolls: map(fields({ identity: text, from: seconds })).optional(),
  },
  "must be an object {timestamp, level, bases}",
);

export type ChainStateJson = z.input<typeof chainStateSchema>;
