import { DecimalParseError, ZERO, cmp, parseDecimal } from "./decimal.js";
import { IndexDefinitionError } from "./definition.js";
import type { FamilyPattern, RobustnessRules, SuccessionRule } from "./types.js";

/** The methodology versions this engine computes. */
export const METHODOLOGY_VERSIONS = [1, 2] as const;

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nonEmpty(v: Json, path: string): string {
  if (typeof v !== "string" || v.length === 0) throw new IndexDefinitionError(path, "must be a non-empty string");
  return v;
}

function positiveDecimal(v: Json, path: string, atLeastOne = false): string {
  const text = nonEmpty(v, path);
  let r;
  try {
    r = parseDecimal(text);
  } catch (e) {
    throw new IndexDefinitionError(path, e instanceof DecimalParseError ? e.message : String(e));
  }
  if (cmp(r, ZERO) <= 0) throw new IndexDefinitionError(path, `must be > 0, got ${text}`);
  if (atLeastOne && r.num <= r.den) throw new IndexDefinitionError(path, `must be > 1, got ${text}`);
  return text;
}

function positiveInt(v: Json, path: string, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) throw new IndexDefinitionError(path, `must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

/** `companies`: company name -> provider keys it owns; returns provider -> company (each provider once). */
export function parseCompanies(v: Json, path = "companies"): Record<string, string> {
  if (!isObject(v) || Object.keys(v).length === 0) throw new IndexDefinitionError(path, "must be a non-empty object of company name -> [provider key, ...]");
  const owner: Record<string, string> = {};
  for (const [company, providers] of Object.entries(v)) {
    const p = `${path}.${company}`;
    if (!Array.isArray(providers) || providers.length === 0) throw new IndexDefinitionError(p, "must be a non-empty array of provider keys");
    providers.forEach((provider: Json, i) => {
      const key = nonEmpty(provider, `${p}[${i}]`);
      const prior = owner[key];
      if (prior !== undefined) throw new IndexDefinitionError(`${p}[${i}]`, `provider ${JSON.stringify(key)} is already owned by ${JSON.stringify(prior)}`);
      owner[key] = company;
    });
  }
  return owner;
}

/** `robustness`: {moveLimit, sourceScaleFactor, plausibleRange: [min, max]}. */
export function parseRobustness(v: Json, path = "robustness"): RobustnessRules {
  if (!isObject(v)) throw new IndexDefinitionError(path, "must be an object {slotBudget, moveLimit, sourceScaleFactor, plausibleRange}");
  const slotBudget = positiveDecimal(v["slotBudget"], `${path}.slotBudget`);
  const budget = parseDecimal(slotBudget);
  if (budget.num >= budget.den) throw new IndexDefinitionError(`${path}.slotBudget`, `must be < 1, got ${slotBudget}`);
  const moveLimit = positiveDecimal(v["moveLimit"], `${path}.moveLimit`);
  const limit = parseDecimal(moveLimit);
  if (limit.num >= limit.den) throw new IndexDefinitionError(`${path}.moveLimit`, `must be < 1, got ${moveLimit}`);
  const sourceScaleFactor = positiveDecimal(v["sourceScaleFactor"], `${path}.sourceScaleFactor`, true);
  const range = v["plausibleRange"];
  if (!Array.isArray(range) || range.length !== 2) throw new IndexDefinitionError(`${path}.plausibleRange`, "must be [min, max] as decimal texts");
  const plausibleMin = positiveDecimal(range[0], `${path}.plausibleRange[0]`);
  const plausibleMax = positiveDecimal(range[1], `${path}.plausibleRange[1]`);
  if (cmp(parseDecimal(plausibleMin), parseDecimal(plausibleMax)) >= 0) throw new IndexDefinitionError(`${path}.plausibleRange`, `min must be < max, got [${plausibleMin}, ${plausibleMax}]`);
  return { slotBudget, moveLimit, sourceScaleFactor, plausibleMin, plausibleMax };
}

/** `successionRule`: {minCompanies, minListedDays}. */
export function parseSuccessionRule(v: Json, path = "successionRule"): SuccessionRule {
  if (!isObject(v)) throw new IndexDefinitionError(path, "must be an object {minCompanies, minListedDays}");
  return { minCompanies: positiveInt(v["minCompanies"], `${path}.minCompanies`, 100), minListedDays: positiveInt(v["minListedDays"], `${path}.minListedDays`, 366) };
}

/** A slot's `family`: [[provider, regular expression with a named group v], ...]. */
export function parseFamily(v: Json, path: string): FamilyPattern[] {
  if (!Array.isArray(v) || v.length === 0) throw new IndexDefinitionError(path, "must be a non-empty array of [provider, pattern] pairs");
  return v.map((pair: Json, i) => {
    const p = `${path}[${i}]`;
    if (!Array.isArray(pair) || pair.length !== 2) throw new IndexDefinitionError(p, "must be a [provider, pattern] pair");
    const provider = nonEmpty(pair[0], `${p}[0]`);
    const pattern = nonEmpty(pair[1], `${p}[1]`);
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (e) {
      throw new IndexDefinitionError(`${p}[1]`, `not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!pattern.startsWith("^") || !pattern.endsWith("$")) throw new IndexDefinitionError(`${p}[1]`, "must be anchored with ^ and $ (a whole model key)");
    if (!/\(\?<v>/.test(re.source)) throw new IndexDefinitionError(`${p}[1]`, "must have a named group (?<v>...) capturing the version");
    return { provider, pattern };
  });
}

/** Every provider named in identities and families must have a company (v2: one vote per company). */
export function checkCompaniesCover(owner: Record<string, string>, identities: Record<string, readonly (readonly [string, string])[]>, families: readonly { path: string; family: readonly FamilyPattern[] }[]): void {
  for (const [name, pairs] of Object.entries(identities)) {
    pairs.forEach(([provider], i) => {
      if (owner[provider] === undefined) throw new IndexDefinitionError(`identities.${name}[${i}][0]`, `provider ${JSON.stringify(provider)} has no company in companies`);
    });
  }
  for (const { path, family } of families) {
    family.forEach(({ provider }, i) => {
      if (owner[provider] === undefined) throw new IndexDefinitionError(`${path}[${i}][0]`, `provider ${JSON.stringify(provider)} has no company in companies`);
    });
  }
}
