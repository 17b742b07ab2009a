/** Config keys of the fixing loop: where each index's prices come from (settled series: seriesSchema.ts). */
import type { z } from "zod";
import { SOURCE_KINDS } from "../sources/types.js";
import { int, object, oneOf, str } from "./validate.js";

export const indexName = str({ pattern: /^[\x20-\x7e]{1,31}$/, patternHint: "1-31 printable ASCII characters" });

/**
 * One index's price source: `kind` as in `keeper fixing --source`, `input` a file, .gz or URL (replay: optional dir),
 * `timeoutMs` the most a URL may take to answer in full, or a file to be read (default SOURCE_TIMEOUT_MS, 15 s; a
 * hanging source holds up one pass of the loop that long).
 */
export const sourceEntry = object({
  index: indexName,
  kind: oneOf(SOURCE_KINDS),
  input: str().optional(),
  timeoutMs: int({ min: 100, max: 120_000 }).optional(),
});

export type SourceEntry = z.output<typeof sourceEntry>;
