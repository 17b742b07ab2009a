/**
 * The zod field types an index definition (config/indices/*.json) is built from, and its error: every problem
 * with the JSON path it concerns (`slots[2].weight`), all found at once. No I/O: the loader names the file.
 */
import { z } from "zod";
import { type ConfigIssue, configIssues } from "../config/validate.js";
import { DecimalParseError, ZERO, cmp, parseDecimal } from "./decimal.js";

/** Raised for an invalid index definition; each line names the offending JSON path (`$` for the whole). */
export class IndexDefinitionError extends Error {
  override readonly name = "IndexDefinitionError";
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `index definition ${i.key}: ${i.problem}`).join("\n"));
  }

  /** The JSON path of the first problem. */
  get path(): string {
    return this.issues[0]?.key ?? "$";
  }
}

/** Parses with `schema`; throws IndexDefinitionError with every issue. */
export function parseDefinitionPart<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new IndexDefinitionError(configIssues(r.error).map((i) => ({ key: i.key === "" ? "$" : i.key, problem: i.problem })));
}

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** A non-empty string; with `pattern`, matching it (`hint` describes it). */
export function text(pattern?: RegExp, hint?: string) {
  const s = z.string({ error: "must be a non-empty string" }).min(1, { error: "must be a non-empty string", abort: true });
  return pattern === undefined ? s : s.refine((v) => pattern.test(v), { error: (iss) => `${hint ?? "bad format"}, got ${show(iss.input)}`, abort: true });
}

/** Decimal text (kept as text) within the requested bounds. */
export function decimalText(bounds: { positive?: boolean; nonNegative?: boolean; atMostOne?: boolean; atLeastOne?: boolean; belowOne?: boolean; aboveOne?: boolean }) {
  return text().superRefine((t, ctx) => {
    let r;
    try {
      r = parseDecimal(t);
    } catch (e) {
      return void ctx.addIssue({ code: "custom", message: e instanceof DecimalParseError ? e.message : String(e) });
    }
    const sign = cmp(r, ZERO);
    const fail = (message: string) => ctx.addIssue({ code: "custom", message: `${message}, got ${t}` });
    if (bounds.positive === true && sign <= 0) return void fail("must be > 0");
    if (bounds.nonNegative === true && sign < 0) return void fail("must be >= 0");
    if (bounds.atMostOne === true && r.num > r.den) fail("must be <= 1");
    if (bounds.atLeastOne === true && r.num < r.den) fail("must be >= 1");
    if (bounds.belowOne === true && r.num >= r.den) fail("must be < 1");
    if (bounds.aboveOne === true && r.num <= r.den) fail("must be > 1");
  });
}

/** An integer in [min, max]. */
export function intIn(min: number, max: number, maxText = String(max)) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) ctx.addIssue({ code: "custom", message: `must be an integer in [${min}, ${maxText}], got ${show(v)}` });
    })
    .transform((v) => v as number);
}

/** A JSON object with these fields (other keys are ignored); `problem` when it is not an object. */
export function record<S extends z.ZodRawShape>(shape: S, problem: string) {
  return z.object(shape, { error: (iss) => (iss.code === "invalid_type" ? problem : undefined) });
}

/** A non-empty object of name -> `value`. */
export function namedMap<T extends z.ZodType>(value: T, problem: string) {
  return z.record(z.string(), value, { error: (iss) => (iss.code === "invalid_type" ? problem : undefined) }).refine((o) => Object.keys(o).length > 0, { error: problem });
}

/** A non-empty array of `item`. */
export function list<T extends z.ZodType>(item: T, problem: string) {
  return z.array(item, { error: problem }).min(1, { error: problem });
}

/** A two-item array [a, b]. */
export function pair<A extends z.ZodType, B extends z.ZodType>(a: A, b: B, problem: string) {
  return z
    .unknown()
    .refine((v) => Array.isArray(v) && v.length === 2, { error: problem, abort: true })
    .pipe(z.tuple([a, b]));
}

/** `schema` where an absent (undefined or null) value means `fallback`. */
export function orDefault<T extends z.ZodType>(schema: T, fallback: unknown) {
  return z.preprocess((v) => v ?? fallback, schema);
}
