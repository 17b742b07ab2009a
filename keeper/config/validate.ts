/**
 * Config validation on zod: the field types the keeper's config parts share (each builds messages that name the
 * problem and the offending value), and the conversion of zod's issues into `key: problem` lines with dotted keys
 * (`rpc.urls[1]`), every problem at once, unknown keys included.
 */
import { type Address, getAddress, isAddress, parseUnits } from "viem";
import { z } from "zod";

export interface ConfigIssue {
  key: string;
  problem: string;
}

/** Every problem found in a config, each with the dotted key it concerns; `source` names the file. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly issues: ConfigIssue[],
    source = "config",
  ) {
    super(`invalid ${source}:\n${issues.map((i) => `  ${i.key}: ${i.problem}`).join("\n")}`);
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** "rpc.urls[1]" from a zod path. */
function keyOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((k, p) => (typeof p === "number" ? `${k}[${p}]` : k ? `${k}.${String(p)}` : String(p)), "");
}

/** zod's issues as config issues: one per unknown key, "is required" for a missing one, else the message. */
export function configIssues(error: z.ZodError, shapeKeys: (path: readonly PropertyKey[]) => string[] = () => []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      const expected = shapeKeys(issue.path);
      for (const k of issue.keys) {
        out.push({ key: keyOf([...issue.path, k]), problem: `unknown key${expected.length ? ` (expected one of: ${expected.join(", ")})` : ""}` });
      }
    } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
      out.push({ key: keyOf(issue.path), problem: issue.message });
    } else {
      out.push({ key: keyOf(issue.path), problem: issue.message });
    }
  }
  return out;
}

/** Parses with `schema`; throws ConfigError (naming `source`) with every issue. */
export function parseConfigPart<S extends z.ZodType>(schema: S, raw: unknown, source = "config"): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new ConfigError(configIssues(r.error, (path) => keysAt(schema, path)), source);
}

/** The keys an object schema expects at `path` (for the "unknown key" message). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let cur: unknown = schema;
  for (const p of [...path, undefined]) {
    // unwrap defaults, pipes and arrays down to the object at this level
    for (let i = 0; i < 10; i++) {
      const def = (cur as { def?: { type?: string; innerType?: unknown; in?: unknown; element?: unknown } }).def;
      if (!def) return [];
      if (def.type === "default" || def.type === "prefault" || def.type === "optional") cur = def.innerType;
      else if (def.type === "pipe") cur = def.in;
      else if (def.type === "array" && typeof p === "number") break;
      else break;
    }
    if (p === undefined) break;
    const def = (cur as { def: { type: string; shape?: Record<string, unknown>; element?: unknown } }).def;
    if (def.type === "object" && typeof p === "string") cur = def.shape?.[p];
    else if (def.type === "array" && typeof p === "number") cur = def.element;
    else return [];
  }
  const shape = (cur as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return shape?.type === "object" && shape.shape ? Object.keys(shape.shape) : [];
}

/** Rules across fields run only once every field parsed (they read the parsed values). */
export const afterFields = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 } as const;

const required = (iss: { input?: unknown }) => (iss.input === undefined ? "is required" : undefined);

/** A string; non-empty unless told; optionally matching `pattern` (described by `hint`). */
export function str(opts: { nonEmpty?: boolean; pattern?: RegExp; patternHint?: string } = {}) {
  let s = z.string({ error: (iss) => required(iss) ?? `must be a string, got ${show(iss.input)}` });
  if (opts.nonEmpty ?? true) s = s.min(1, { error: "must not be empty" });
  if (opts.pattern) {
    const { pattern, patternHint } = opts;
    s = s.refine((v) => pattern.test(v), { error: (iss) => `must be ${patternHint ?? pattern.source}, got ${show(iss.input)}` });
  }
  return s;
}

/** The longest wait a loop's period may ask for (a day): Node runs a timer above 2^31 - 1 ms after 1 ms instead. */
export const MAX_WAIT_MS = 86_400_000;

/** A safe integer within [min, max]. */
export function int(opts: { min?: number; max?: number } = {}) {
  const base = z.unknown().superRefine((v, ctx) => {
    if (v === undefined) return void ctx.addIssue({ code: "custom", message: "is required" });
    if (typeof v !== "number" || !Number.isSafeInteger(v)) return void ctx.addIssue({ code: "custom", message: `must be an integer, got ${show(v)}` });
    if (opts.min !== undefined && v < opts.min) ctx.addIssue({ code: "custom", message: `must be >= ${opts.min}, got ${v}` });
    if (opts.max !== undefined && v > opts.max) ctx.addIssue({ code: "custom", message: `must be <= ${opts.max}, got ${v}` });
  });
  return base.transform((v) => v as number);
}

export const bool = z.boolean({ error: (iss) => required(iss) ?? `must be true or false, got ${show(iss.input)}` });

export function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values, { error: (iss) => required(iss) ?? `must be one of ${values.join(", ")}, got ${show(iss.input)}` });
}

/** An http(s) (or other given protocols) URL. */
/** A URL list's uniqueness key: the URL as parsed (host lowercased, "/" for an empty path); unparsable as written. */
export function urlKey(s: string): string {
  try {
    return new URL(s).href;
  } catch {
    return s;
  }
}

export function url(protocols: readonly string[] = ["http:", "https:"]) {
  return str().superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return void ctx.addIssue({ code: "custom", message: `must be a URL, got ${show(s)}` });
    }
    if (!protocols.includes(u.protocol)) ctx.addIssue({ code: "custom", message: `must use ${protocols.join(" or ")}, got ${u.protocol}` });
  });
}

/** A 20-byte address (EIP-55 checked when mixed case), normalised to its checksum form. */
export const address = str()
  .superRefine((s, ctx) => {
    if (!isAddress(s, { strict: false })) return void ctx.addIssue({ code: "custom", message: `must be a 20-byte hex address, got ${show(s)}` });
    if (/[A-F]/.test(s.slice(2)) && /[a-f]/.test(s.slice(2)) && !isAddress(s, { strict: true })) {
      ctx.addIssue({ code: "custom", message: `has a bad EIP-55 checksum: ${s}` });
    }
  })
  .transform((s): Address => getAddress(s));

/** An exact decimal string (e.g. "1.5") scaled to an integer with `decimals` decimals: gwei -> 9, ether -> 18. */
export function decimalUnits(decimals: number, opts: { unit: string; min?: bigint }) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (v === undefined) return void ctx.addIssue({ code: "custom", message: "is required" });
      if (typeof v !== "string" || !/^\d+(\.\d+)?$/.test(v)) {
        return void ctx.addIssue({ code: "custom", message: `must be a decimal string in ${opts.unit} such as "1.5", got ${show(v)}` });
      }
      const [, frac = ""] = v.split(".");
      if (frac.length > decimals) return void ctx.addIssue({ code: "custom", message: `has more than ${decimals} decimals (${opts.unit}): ${v}` });
      if (opts.min !== undefined && parseUnits(v, decimals) < opts.min) {
        ctx.addIssue({ code: "custom", message: `must be at least ${opts.min} (smallest unit), got ${v} ${opts.unit}` });
      }
    })
    .transform((v) => parseUnits(v as string, decimals));
}

/** An array with a length range; `unique` flags repeated items (case-insensitively, or equal by `unique`'s key). */
export function array<T extends z.ZodType>(item: T, opts: { min?: number; max?: number; unique?: boolean | ((x: z.output<T>) => string) } = {}) {
  let a = z.array(item, { error: (iss) => required(iss) ?? `must be an array, got ${show(iss.input)}` });
  if (opts.min !== undefined) a = a.min(opts.min, { error: (iss) => `must have at least ${opts.min} item(s), got ${(iss.input as unknown[]).length}` });
  if (opts.max !== undefined) a = a.max(opts.max, { error: (iss) => `must have at most ${opts.max} item(s), got ${(iss.input as unknown[]).length}` });
  if (!opts.unique) return a;
  const key = typeof opts.unique === "function" ? opts.unique : (x: z.output<T>) => String(x).toLowerCase();
  return a.superRefine((xs, ctx) => {
    const seen = new Set<string>();
    xs.forEach((x, i) => {
      const k = key(x);
      if (seen.has(k)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate value ${show(x)}` });
      seen.add(k);
    });
  });
}

/** An object with exactly these keys: missing required keys and unknown keys are errors (typos stop the start). */
export function object<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: (iss) => (iss.code === "invalid_type" ? (required(iss) ?? `must be an object, got ${show(iss.input)}`) : undefined) });
}

/** An optional section whose absence means all its defaults. */
export function section<T extends z.ZodType>(schema: T) {
  return schema.prefault({} as never);
}
