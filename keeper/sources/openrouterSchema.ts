/**
 * The OpenRouter models API response (`GET /api/v1/models`) as zod schemas: the response (`{"data": [...]}`) and one
 * model (its id and the prompt and completion prices, USD per token, kept as decimal text).
 */
import { z } from "zod";
import { jsonObject, nonEmptyText, priceField } from "./entrySchema.js";

const NOT_THE_API_SHAPE = 'OpenRouter models response must be an object with a "data" array';

/** The response; anything else fails the source. */
export const openRouterResponse = jsonObject({ data: z.array(z.unknown(), { error: NOT_THE_API_SHAPE }) }, NOT_THE_API_SHAPE);

/** One model of `data`. */
export const openRouterModel = jsonObject(
  {
    id: nonEmptyText("id missing or not a string"),
    pricing: jsonObject({ prompt: priceField, completion: priceField }, "pricing missing or not an object"),
  },
  "entry is not an object",
);
