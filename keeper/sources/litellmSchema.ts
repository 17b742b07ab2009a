/**
 * LiteLLM's model_prices_and_context_window.json as zod schemas: the file (an object of model key -> entry) and one
 * entry (its provider, mode and the two per-token prices kept as literal decimal text).
 */
import { z } from "zod";
import { jsonObject, nonEmptyText, priceField, shown } from "./entrySchema.js";

/** The whole list; anything else fails the source. */
export const liteLlmFile = jsonObject({}, "LiteLLM price list must be a JSON object of model key -> entry");

/** One entry; `mode` absent for some size-tier entries. */
export const liteLlmEntry = jsonObject(
  {
    litellm_provider: nonEmptyText("litellm_provider missing or not a string"),
    mode: z.string({ error: (iss) => `mode is not a string: ${shown(iss.input)}` }).optional(),
    input_cost_per_token: priceField,
    output_cost_per_token: priceField,
  },
  "entry is not an object",
);
