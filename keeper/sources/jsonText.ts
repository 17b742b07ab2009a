/** A JSON number kept as its literal source text ("1.1e-07" stays "1.1e-07", no float round trip). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

type ReviverContext = { source?: string };

/**
 * JSON.parse that keeps every number as a JsonNumber holding its exact source text. Relies on the
 * reviver's third argument `context.source` (JSON.parse source text access, Node >= 21 / V8 11.4),
 * and fails loudly if the runtime does not provide it.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, function reviver(this: unknown, _key: string, value: unknown, context?: ReviverContext) {
    if (typeof value !== "number") return value;
    if (context?.source === undefined) throw new Error("JSON.parse source text access is not supported by this runtime (need Node >= 21)");
    return new JsonNumber(context.source);
  } as (this: unknown, key: string, value: unknown) => unknown);
}

/** The decimal text of a JSON price field: a number's literal text, a string as is, else a marker. */
export function priceText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === "string") return value.trim();
  return `<${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}>`;
}

/** Whether a parseJsonExact value is a JSON object (not an array, not a number). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}
