import type { Quote } from "../methodology/types.js";
import { parseCsv } from "./csvParse.js";
import { readTextInput } from "./readInput.js";
import { type PriceSource, type RejectedEntry, SourceError, type SourceSnapshot } from "./types.js";

/**
 * The plain CSV price format (docs/methodology.md, "Sources"). A header row names the columns:
 * - `provider` (required), `model` (required): the pair matched against the index's identities;
 * - `input` (or its alias `price` for single-price indices such as GPU-hours), `output` (optional):
 *   decimal text in the index unit (USD per 1M tokens for ATPI);
 * - `scale` (optional): power of ten converting the prices to the index unit (6 for USD per token).
 * Lines starting with '#' and blank lines are ignored. A bad row is rejected with its line number.
 */
export function parseCsvPrices(text: string, origin: string): SourceSnapshot {
  const { records, errors } = parseCsv(text);
  const header = records[0];
  if (header === undefined) throw new SourceError(origin, "CSV is empty (a header row is required)");
  const cols = header.fields.map((f) => f.trim().toLowerCase());
  const col = (name: string) => {
    const i = cols.indexOf(name);
    return i < 0 ? undefined : i;
  };
  const provider = col("provider");
  const model = col("model");
  const input = col("input") ?? col("price");
  const output = col("output");
  const scale = col("scale");
  if (provider === undefined || model === undefined || input === undefined) {
    throw new SourceError(origin, `CSV header must name provider, model and input (or price); got ${JSON.stringify(header.fields)}`);
  }
  const rejected: RejectedEntry[] = errors.map((e) => ({ entry: e.split(":")[0] ?? "?", reason: e }));
  const quotes: Quote[] = [];
  for (const rec of records.slice(1)) {
    const where = `line ${rec.line}`;
    if (rec.fields.length !== cols.length) {
      rejected.push({ entry: where, reason: `expected ${cols.length} fields, got ${rec.fields.length}` });
      continue;
    }
    const get = (i: number | undefined) => (i === undefined ? undefined : (rec.fields[i] as string).trim());
    const p = get(provider) as string;
    const m = get(model) as string;
    if (p === "" || m === "") {
      rejected.push({ entry: where, reason: "empty provider or model" });
      continue;
    }
    const scaleText = get(scale);
    let scaleValue = 0;
    if (scaleText !== undefined && scaleText !== "") {
      if (!/^-?\d{1,2}$/.test(scaleText)) {
        rejected.push({ entry: where, reason: `scale must be a small integer, got ${JSON.stringify(scaleText)}` });
        continue;
      }
      scaleValue = Number.parseInt(scaleText, 10);
    }
    const out = get(output);
    quotes.push({ provider: p, model: m, input: get(input) || undefined, output: out === "" ? undefined : out, scale: scaleValue });
  }
  return { origin, quotes, rejected };
}

/** A CSV price file (plain or .gz) or URL, read at each `read`. */
export function csvSource(input: string): PriceSource {
  return {
    kind: "csv",
    async read() {
      return parseCsvPrices(await readTextInput(input), input);
    },
  };
}
