import { csvSource } from "./csv.js";
import { liteLlmSource } from "./litellm.js";
import { openRouterSource } from "./openrouter.js";
import type { ReadOptions } from "./readInput.js";
import { replaySource } from "./replay.js";
import { type PriceSource, SOURCE_KINDS, type SourceKind } from "./types.js";

/**
 * Creates a source by kind; file-based kinds need `input` (path, .gz or URL; `options.timeoutMs` bounds a URL's
 * answer), replay takes an optional dir.
 */
export function createSource(kind: string, input: string | undefined, options: ReadOptions = {}): PriceSource {
  if (!(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`unknown source ${JSON.stringify(kind)}; expected one of ${SOURCE_KINDS.join(", ")}`);
  }
  const k = kind as SourceKind;
  if (k === "replay") return input === undefined ? replaySource() : replaySource(input);
  if (input === undefined) throw new Error(`source ${k} needs --input <file, .gz file or URL>`);
  switch (k) {
    case "litellm-json":
      return liteLlmSource(input, options);
    case "openrouter-json":
      return openRouterSource(input, options);
    case "csv":
      return csvSource(input, options);
  }
}
