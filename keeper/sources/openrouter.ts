import type { Quote } from "../methodology/types.js";
import { parseEntry, parseJsonSource } from "./entrySchema.js";
import { isJsonObject } from "./jsonText.js";
import { openRouterModel, openRouterResponse } from "./openrouterSchema.js";
import { type ReadOptions, inputLabel, readTextInput } from "./readInput.js";
import type { PriceSource, RejectedEntry, SourceSnapshot } from "./types.js";

/** Provider name given to OpenRouter quotes (matches LiteLLM's `litellm_provider` for OpenRouter). */
export const OPENROUTER_PROVIDER = "openrouter";

/**
 * Parses the OpenRouter models API response (`GET /api/v1/models`): `{"data": [{"id", "pricing":
 * {"prompt", "completion"}}]}`, prices in USD per token as decimal strings. Each model becomes a quote
 * (provider "openrouter", model "openrouter/<id>" as LiteLLM names it, scale 6). Entries failing `openRouterModel`
 * are rejected with its first problem; only a non-JSON file or a missing `data` array throws.
 */
export function parseOpenRouter(text: string, origin: string): SourceSnapshot {
  const response = parseJsonSource(openRouterResponse, text, origin);
  const quotes: Quote[] = [];
  const rejected: RejectedEntry[] = [];
  response.data.forEach((item, i) => {
    const where = `data[${i}]`;
    const model = parseEntry(openRouterModel, item);
    if (!model.ok) {
      // a model with an id but no usable pricing is named by its id too
      const id = model.key === "pricing" && isJsonObject(item) ? item["id"] : undefined;
      rejected.push({ entry: typeof id === "string" ? `${where} (${id})` : where, reason: model.reason });
      return;
    }
    const { id, pricing } = model.data;
    quotes.push({ provider: OPENROUTER_PROVIDER, model: `openrouter/${id}`, input: pricing.prompt, output: pricing.completion, scale: 6 });
  });
  return { origin, quotes, rejected };
}

/** The OpenRouter models API JSON read from a file, .gz file or URL (e.g. https://openrouter.ai/api/v1/models). */
export function openRouterSource(input: string, options: ReadOptions = {}): PriceSource {
  return {
    kind: "openrouter-json",
    async read() {
      return parseOpenRouter(await readTextInput(input, options), inputLabel(input));
    },
  };
}
