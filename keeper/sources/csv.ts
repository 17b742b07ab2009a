import type { Quote } from "../methodology/types.js";
import { parseCsv } from "./csvParse.js";
import { csvPricesHeader, csvPricesRow } from "./csvPricesSchema.js";
import { parseEntry } from "./entrySchema.js";
import { type ReadOptions, inputLabel, readTextInput } from "./readInput.js";
import { type PriceSource, type RejectedEntry, SourceError, type SourceSnapshot } from "./types.js";

/**
 * The plain CSV price format (docs/methodology.md, "Sources"). A header row names the columns:
 * - `provider` (required), `model` (required): the pair matched against the index's identities;
 * - `input` (or its alias `price` for single-price indices such as GPU-hours), `output` (optional):
 *   decimal text in the index unit (USD per 1M tokens for ATPI);
 * - `scale` (optional): power of ten converting the prices to the index unit (6 for USD per token).
 * Lines starting with '#' and blank lines are ignored. A row failing `csvPricesRow` is rejected with its line number.
 */
export function parseCsvPrices(text: string, origin: string): SourceSnapshot {
  const { records, errors } = parseCsv(text);
  const header = records[0];
  if (header === undefined) throw new SourceError(origin, "CSV is empty (a header row is required)");
  const columns = csvPricesHeader.safeParse(header.fields);
  if (!columns.success) throw new SourceError(origin, `line ${header.line}: ${columns.error.issues[0]?.message ?? "bad CSV header"}`);
  const h = columns.data;
  const rejected: RejectedEntry[] = errors.map((e) => ({ entry: e.split(":")[0] ?? "?", reason: e }));
  const quotes: Quote[] = [];
  for (const rec of records.slice(1)) {
    const where = `line ${rec.line}`;
    if (rec.fields.length !== h.width) {
      rejected.push({ entry: where, reason: `expected ${h.width} fields, got ${rec.fields.length}` });
      continue;
    }
    const get = (i: number | undefined) => (i === undefined ? undefined : rec.fields[i]?.trim());
    const row = parseEntry(csvPricesRow, { provider: get(h.provider), model: get(h.model), input: get(h.input), output: get(h.output), scale: get(h.scale) });
    if (row.ok) quotes.push(row.data);
    else rejected.push({ entry: where, reason: row.reason });
  }
  return { origin, quotes, rejected };
}

/** A CSV price file (plain or .gz) or URL, read at each `read`. */
export function csvSource(input: string, options: ReadOptions = {}): PriceSource {
  return {
    kind: "csv",
    async read() {
      return parseCsvPrices(await readTextInput(input, options), inputLabel(input));
    },
  };
}
