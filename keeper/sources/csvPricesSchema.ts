/**
 * The plain CSV price format as zod schemas: the header (which column holds what; `price` is an alias of `input`)
 * and one row (the named fields, trimmed) checked and turned into a quote.
 */
import { z } from "zod";
import type { Quote } from "../methodology/types.js";

const columnsOf = (fields: readonly string[]) => fields.map((f) => f.trim().toLowerCase());

/** Column positions from the header row; provider, model and input (or price) are required (checked on the fields as written). */
export const csvPricesHeader = z
  .array(z.string())
  .refine((fields) => ["provider", "model"].every((c) => columnsOf(fields).includes(c)) && columnsOf(fields).some((c) => c === "input" || c === "price"), {
    error: (iss) => `CSV header must name provider, model and input (or price); got ${JSON.stringify(iss.input)}`,
  })
  .transform((fields) => {
    const cols = columnsOf(fields);
    const col = (name: string) => (cols.includes(name) ? cols.indexOf(name) : undefined);
    return { width: cols.length, provider: col("provider"), model: col("model"), input: col("input") ?? col("price"), output: col("output"), scale: col("scale") };
  });

export type CsvPricesHeader = z.output<typeof csvPricesHeader>;

const named = z.string({ error: "empty provider or model" }).min(1, { error: "empty provider or model" });
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

/** One data row, as the header's fields (trimmed; a column the header lacks is undefined). */
export const csvPricesRow = z
  .object({
    provider: named,
    model: named,
    input: optionalText,
    output: optionalText,
    scale: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === "" || /^-?\d{1,2}$/.test(v), { error: (iss) => `scale must be a small integer, got ${JSON.stringify(iss.input)}` })
      .transform((v) => (v === undefined || v === "" ? 0 : Number.parseInt(v, 10))),
  })
  .transform((r): Quote => ({ provider: r.provider, model: r.model, input: r.input, output: r.output, scale: r.scale }));
