import type { Quote } from "../methodology/types.js";
import { JsonNumber, isJsonObject, parseJsonExact, priceText } from "./jsonText.js";
import { readTextInput } from "./readInput.js";
import { type PriceSource, type RejectedEntry, SourceError, type SourceSnapshot } from "./types.js";

/** LiteLLM modes whose base token prices are chat prices (absent mode: some size-tier entries). */
const PRICED_MODES = new Set(["chat", "completion", "responses"]);

/**
 * Parses LiteLLM's model_prices_and_context_window.json: one quote per entry with a chat-like mode,
 * provider `litellm_provider`, model = the JSON key, prices `input_cost_per_token` /
 * `output_cost_per_token` in USD per token (scale 6 -> USD per 1M tokens), kept as literal text.
 * Non-chat modes are skipped (counted); malformed entries are rejected with a reason; only a non-JSON or non-object file throws.
 */
export function parseLiteLlm(text: string, origin: string): SourceSnapshot {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (e) {
    throw new SourceError(origin, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!isJsonObject(json)) {
    throw new SourceError(origin, "LiteLLM price list must be a JSON object of model key -> entry");
  }
  const quotes: Quote[] = [];
  const rejected: RejectedEntry[] = [];
  let skipped = 0;
  for (const [key, entry] of Object.entries(json)) {
    if (key === "sample_spec") continue;
    if (!isJsonObject(entry)) {
      rejected.push({ entry: key, reason: "entry is not an object" });
      continue;
    }
    const e = entry;
    const provider = e["litellm_provider"];
    if (typeof provider !== "string" || provider.length === 0) {
      rejected.push({ entry: key, reason: "litellm_provider missing or not a string" });
      continue;
    }
    const mode = e["mode"];
    if (typeof mode === "string" && !PRICED_MODES.has(mode)) {
      skipped++;
      continue;
    }
    if (mode !== undefined && typeof mode !== "string") {
      rejected.push({ entry: key, reason: `mode is not a string: ${mode instanceof JsonNumber ? mode.text : JSON.stringify(mode)}` });
      continue;
    }
    quotes.push({
      provider,
      model: key,
      input: priceText(e["input_cost_per_token"]),
      output: priceText(e["output_cost_per_token"]),
      scale: 6,
    });
  }
  return { origin, quotes, rejected, skipped };
}

/** A LiteLLM price list read from a file, a .json.gz file or an http(s) URL at each `read`. */
export function liteLlmSource(input: string): PriceSource {
  return {
    kind: "litellm-json",
    async read() {
      return parseLiteLlm(await readTextInput(input), input);
    },
  };
}
