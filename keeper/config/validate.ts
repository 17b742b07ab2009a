/** A small typed validator: each check turns `unknown` into a typed value or throws naming the key and the problem. */
import { type Address, getAddress, isAddress, parseUnits } from "viem";

export interface ConfigIssue {
  key: string;
  problem: string;
}

/** Every problem found in a config, each with the dotted key it concerns. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly issues: ConfigIssue[],
    source = "config",
  ) {
    super(`invalid ${source}:\n${issues.map((i) => `  ${i.key}: ${i.problem}`).join("\n")}`);
  }
}

export type Check<T> = (value: unknown, key: string) => T;

function fail(key: string, problem: string): never {
  throw new ConfigError([{ key, problem }]);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export const str =
  (opts: { nonEmpty?: boolean; pattern?: RegExp; patternHint?: string } = {}): Check<string> =>
  (v, key) => {
    if (typeof v !== "string") fail(key, `must be a string, got ${show(v)}`);
    if ((opts.nonEmpty ?? true) && v.length === 0) fail(key, "must not be empty");
    if (opts.pattern && !opts.pattern.test(v)) fail(key, `must be ${opts.patternHint ?? opts.pattern.source}, got ${show(v)}`);
    return v;
  };

export const int =
  (opts: { min?: number; max?: number } = {}): Check<number> =>
  (v, key) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(key, `must be an integer, got ${show(v)}`);
    if (opts.min !== undefined && v < opts.min) fail(key, `must be >= ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) fail(key, `must be <= ${opts.max}, got ${v}`);
    return v;
  };

export const bool: Check<boolean> = (v, key) => {
  if (typeof v !== "boolean") fail(key, `must be true or false, got ${show(v)}`);
  return v;
};

export const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v, key) => {
    if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
      fail(key, `must be one of ${values.join(", ")}, got ${show(v)}`);
    }
    return v as T;
  };

export const url =
  (protocols: readonly string[] = ["http:", "https:"]): Check<string> =>
  (v, key) => {
    const s = str()(v, key);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      fail(key, `must be a URL, got ${show(s)}`);
    }
    if (!protocols.includes(u.protocol)) fail(key, `must use ${protocols.join(" or ")}, got ${u.protocol}`);
    return s;
  };

export const address: Check<Address> = (v, key) => {
  const s = str()(v, key);
  if (!isAddress(s, { strict: false })) fail(key, `must be a 20-byte hex address, got ${show(s)}`);
  if (/[A-F]/.test(s.slice(2)) && /[a-f]/.test(s.slice(2)) && !isAddress(s, { strict: true })) {
    fail(key, `has a bad EIP-55 checksum: ${s}`);
  }
  return getAddress(s);
};

/** An exact decimal string (e.g. "1.5") scaled to an integer with `decimals` decimals: gwei -> 9, ether -> 18. */
export const decimalUnits =
  (decimals: number, opts: { unit: string; min?: bigint }): Check<bigint> =>
  (v, key) => {
    if (typeof v !== "string" || !/^\d+(\.\d+)?$/.test(v)) {
      fail(key, `must be a decimal string in ${opts.unit} such as "1.5", got ${show(v)}`);
    }
    const [, frac = ""] = v.split(".");
    if (frac.length > decimals) fail(key, `has more than ${decimals} decimals (${opts.unit}): ${v}`);
    const scaled = parseUnits(v, decimals);
    if (opts.min !== undefined && scaled < opts.min) fail(key, `must be at least ${opts.min} (smallest unit), got ${v} ${opts.unit}`);
    return scaled;
  };

export const array =
  <T>(item: Check<T>, opts: { min?: number; max?: number; unique?: boolean } = {}): Check<T[]> =>
  (v, key) => {
    if (!Array.isArray(v)) fail(key, `must be an array, got ${show(v)}`);
    if (opts.min !== undefined && v.length < opts.min) fail(key, `must have at least ${opts.min} item(s), got ${v.length}`);
    if (opts.max !== undefined && v.length > opts.max) fail(key, `must have at most ${opts.max} item(s), got ${v.length}`);
    const issues: ConfigIssue[] = [];
    const out: T[] = [];
    v.forEach((x, i) => {
      try {
        out.push(item(x, `${key}[${i}]`));
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        issues.push(...e.issues);
      }
    });
    if (issues.length) throw new ConfigError(issues);
    if (opts.unique) {
      const seen = new Set<string>();
      out.forEach((x, i) => {
        const k = String(x).toLowerCase();
        if (seen.has(k)) issues.push({ key: `${key}[${i}]`, problem: `duplicate value ${show(x)}` });
        seen.add(k);
      });
      if (issues.length) throw new ConfigError(issues);
    }
    return out;
  };

/** Marks a field optional: `undefined` gives `fallback` (or undefined when no fallback). */
export interface Optional<T> {
  optional: true;
  check: Check<T>;
  fallback?: T;
}
export function optional<T>(check: Check<T>): Optional<T | undefined>;
export function optional<T>(check: Check<T>, fallback: T): Optional<T>;
export function optional<T>(check: Check<T>, ...fallback: [T?]): Optional<T | undefined> {
  return fallback.length ? { optional: true, check, fallback: fallback[0] } : { optional: true, check };
}

type Field = Check<unknown> | Optional<unknown>;
type FieldValue<F> = F extends Optional<infer T> ? T : F extends Check<infer T> ? T : never;
export type Shape = Record<string, Field>;
export type ObjectOf<S extends Shape> = { [K in keyof S]: FieldValue<S[K]> };

/** An object with exactly these fields: missing required fields and unknown keys are errors (typos stop the start). */
export const object =
  <S extends Shape>(shape: S): Check<ObjectOf<S>> =>
  (v, key) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) fail(key, `must be an object, got ${show(v)}`);
    const input = v as Record<string, unknown>;
    const issues: ConfigIssue[] = [];
    const out: Record<string, unknown> = {};
    const at = (k: string) => (key ? `${key}.${k}` : k);
    for (const k of Object.keys(input)) {
      if (!(k in shape)) issues.push({ key: at(k), problem: `unknown key (expected one of: ${Object.keys(shape).join(", ")})` });
    }
    for (const [k, field] of Object.entries(shape)) {
      const raw = input[k];
      try {
        if (typeof field === "function") {
          if (raw === undefined) issues.push({ key: at(k), problem: "is required" });
          else out[k] = field(raw, at(k));
        } else {
          out[k] = raw === undefined ? field.fallback : field.check(raw, at(k));
        }
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        issues.push(...e.issues);
      }
    }
    if (issues.length) throw new ConfigError(issues);
    return out as ObjectOf<S>;
  };
