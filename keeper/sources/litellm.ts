import type { Quote } from "../methodology/types.js";
import { parseEntry, parseJsonSource } from "./entrySchema.js";
import { liteLlmEntry, liteLlmFile } from "./litellmSchema.js";
import { type ReadOptions, inputLabel, readTextInput } from "./readInput.js";
import type { PriceSource, RejectedEntry, SourceSnapshot } from "./types.js";

/** LiteLLM modes whose base token prices are chat prices (absent mode: some size-tier entries). */
const PRICED_MODES = new Set(["chat", "completion", "responses"]);

/**
 * Parses LiteLLM's model_prices_and_context_window.json: one quote per entry with a chat-like mode,
 * provider `litellm_provider`, model = the JSON key, prices `input_cost_per_token` /
 * `output_cost_per_token` in USD per token (scale 6 -> USD per 1M tokens), kept as literal text.
 * Non-chat modes are skipped (counted); entries failing `liteLlmEntry` are rejected with its first problem; only a
 * non-JSON or non-object file throws.
 */
export function parseLiteLlm(text: string, origin: string): SourceSnapshot {
  const list = parseJsonSource(liteLlmFile, text, origin);
  const quotes: Quote[] = [];
  const rejected: RejectedEntry[] = [];
  let skipped = 0;
  for (const [key, value] of Object.entries(list)) {
    if (key === "sample_spec") continue;
    const entry = parseEntry(liteLlmEntry, value);
    if (!entry.ok) {
      rejected.push({ entry: key, reason: entry.reason });
      continue;
    }
    const e = entry.data;
    if (e.mode !== undefined && !PRICED_MODES.has(e.mode)) {
      skipped++;
      continue;
    }
    quotes.push({ provider: e.litellm_provider, model: key, input: e.input_cost_per_token, output: e.output_cost_per_token, scale: 6 });
  }
  return { origin, quotes, rejected, skipped };
}

/** A LiteLLM price list read from a file, a .json.gz file or an http(s) URL at each `read`. */
export function liteLlmSource(input: string, options: ReadOptions = {}): PriceSource {
  return {
    kind: "litellm-json",
    async read() {
      return parseLiteLlm(await readTextInput(input, options), inputLabel(input));
    },
  };
}
