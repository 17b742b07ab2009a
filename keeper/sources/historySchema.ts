/**
 * The bundled weekly history's two CSV files as zod row schemas (their keys are the columns the header must name)
 * and the reader that checks a file's header and each row, naming the file and the line.
 */
import { z } from "zod";
import type { CsvRecord } from "./csvParse.js";
import { SourceError } from "./types.js";

/** snapshots.csv: one LiteLLM commit per date; `commit_time_utc` becomes unix seconds. */
export const snapshotRow = z.object({
  date: z.string(),
  commit: z.string(),
  commit_time_utc: z
    .string()
    .transform((t) => Date.parse(t) / 1000)
    .refine((t) => !Number.isNaN(t), { error: "bad commit_time_utc" }),
});

/** prices_weekly.csv: one model's prices (USD per 1M tokens) on a snapshot date; empty prices are absent. */
export const weeklyPriceRow = z.object({
  date: z.string(),
  provider: z.string(),
  model: z.string(),
  input_usd_per_mtok: z.string().transform((v) => v || undefined),
  output_usd_per_mtok: z.string().transform((v) => v || undefined),
});

/** The data rows of `file` (its records, header first) parsed by `row`; SourceError naming the file and line. */
export function historyRows<S extends z.ZodObject>(records: readonly CsvRecord[], row: S, file: string, origin: string): { line: number; row: z.output<S> }[] {
  const header = records[0]?.fields ?? [];
  const columns = Object.keys(row.shape);
  if (columns.some((c) => !header.includes(c))) throw new SourceError(origin, `${file} needs ${columns.join(", ")} columns`);
  return records.slice(1).map((r) => {
    const parsed = row.safeParse(Object.fromEntries(columns.map((c) => [c, r.fields[header.indexOf(c)] ?? ""])));
    if (!parsed.success) throw new SourceError(origin, `${file} line ${r.line}: ${parsed.error.issues[0]?.message ?? "bad row"}`);
    return { line: r.line, row: parsed.data };
  });
}
