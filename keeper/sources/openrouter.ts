import type { Quote } from "../methodology/types.js";
import { isJsonObject, parseJsonExact, priceText } from "./jsonText.js";
import { readTextInput } from "./readInput.js";
import { type PriceSource, type RejectedEntry, SourceError, type SourceSnapshot } from "./types.js";

/** Provider name given to OpenRouter quotes (matches LiteLLM's `litellm_provider` for OpenRouter). */
export const OPENROUTER_PROVIDER = "openrouter";

/**
 * Parses the OpenRouter models API response (`GET /api/v1/models`): `{"data": [{"id", "pricing":
 * {"prompt", "completion"}}]}`, prices in USD per token as decimal strings. Each model becomes a quote
 * (provider "openrouter", model "openrouter/<id>" as LiteLLM names it, scale 6). Bad entries are
 * rejected with a reason; only a non-JSON file or a missing `data` array throws.
 */
export function parseOpenRouter(text: string, origin: string): SourceSnapshot {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (e) {
    throw new SourceError(origin, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const data = isJsonObject(json) ? json["data"] : undefined;
  if (!Array.isArray(data)) throw new SourceError(origin, 'OpenRouter models response must be an object with a "data" array');
  const quotes: Quote[] = [];
  const rejected: RejectedEntry[] = [];
  data.forEach((item: unknown, i) => {
    const where = `data[${i}]`;
    if (!isJsonObject(item)) {
      rejected.push({ entry: where, reason: "entry is not an object" });
      return;
    }
    const m = item;
    const id = m["id"];
    if (typeof id !== "string" || id.length === 0) {
      rejected.push({ entry: where, reason: "id missing or not a string" });
      return;
    }
    const pricing = m["pricing"];
    if (!isJsonObject(pricing)) {
      rejected.push({ entry: `${where} (${id})`, reason: "pricing missing or not an object" });
      return;
    }
    const p = pricing;
    quotes.push({
      provider: OPENROUTER_PROVIDER,
      model: `openrouter/${id}`,
      input: priceText(p["prompt"]),
      output: priceText(p["completion"]),
      scale: 6,
    });
  });
  return { origin, quotes, rejected };
}

/** The OpenRouter models API JSON read from a file, .gz file or URL (e.g. https://openrouter.ai/api/v1/models). */
export function openRouterSource(input: string): PriceSource {
  return {
    kind: "openrouter-json",
    async read() {
      return parseOpenRouter(await readTextInput(input), input);
    },
  };
}
