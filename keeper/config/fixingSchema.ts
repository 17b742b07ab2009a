/** Config keys of the fixing loop: where each index's prices come from (settled series: seriesSchema.ts). */
import { SOURCE_KINDS, type SourceKind } from "../sources/types.js";
import { object, oneOf, optional, str } from "./validate.js";

const indexName = str({ pattern: /^[\x20-\x7e]{1,31}$/, patternHint: "1-31 printable ASCII characters" });

/** One index's price source: `kind` as in `keeper fixing --source`, `input` a file, .gz or URL (replay: optional dir). */
export const sourceEntry = object({
  index: indexName,
  kind: oneOf<SourceKind>(SOURCE_KINDS),
  input: optional(str()),
});

export type SourceEntry = ReturnType<typeof sourceEntry>;
