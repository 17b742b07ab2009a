/**
 * The zod pieces the source schemas share: a JSON object as parseJsonExact gives it (numbers are JsonNumber, so
 * zod's own object check would take a number for an object), a price field as decimal text, and the parse of one
 * entry whose failure is its first problem (a bad entry is rejected with a reason, never a crash).
 */
import { z } from "zod";
import { JsonNumber, isJsonObject, parseJsonExact, priceText } from "./jsonText.js";
import { SourceError } from "./types.js";

/** A value as a message shows it: a JSON number as its literal text. */
export function shown(v: unknown): string {
  return v instanceof JsonNumber ? v.text : (JSON.stringify(v) ?? String(v));
}

/** A JSON object (not an array, not a number) with these fields, other keys kept; `problem` when it is not one. */
export function jsonObject<S extends z.ZodRawShape>(shape: S, problem: string) {
  return z.custom<Record<string, unknown>>(isJsonObject, { error: problem, abort: true }).pipe(z.looseObject(shape));
}

/** A non-empty string; `problem` otherwise. */
export function nonEmptyText(problem: string) {
  return z.string({ error: problem }).min(1, { error: problem });
}

/** A price field: a JSON number's literal text, a string trimmed, absent as undefined, anything else a marker. */
export const priceField = z.unknown().optional().transform(priceText);

/** One entry parsed by `schema`, or the first problem with the top-level key it concerns. */
export function parseEntry<S extends z.ZodType>(schema: S, value: unknown): { ok: true; data: z.output<S> } | { ok: false; reason: string; key: PropertyKey | undefined } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0];
  return { ok: false, reason: issue?.message ?? "invalid", key: issue?.path[0] };
}

/** A whole JSON source checked by `schema`: SourceError naming `origin` when it is not JSON or not that shape. */
export function parseJsonSource<S extends z.ZodType>(schema: S, text: string, origin: string): z.output<S> {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (e) {
    throw new SourceError(origin, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new SourceError(origin, r.error.issues[0]?.message ?? "unexpected shape");
  return r.data;
}
