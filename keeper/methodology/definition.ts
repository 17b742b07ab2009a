import { DecimalParseError, ZERO, cmp, parseDecimal } from "./decimal.js";
import { METHODOLOGY_VERSIONS, checkCompaniesCover, parseCompanies, parseFamily, parseRobustness, parseSuccessionRule } from "./definitionV2.js";
import type { FamilyPattern, IndexDefinition, Linking, SlotDefinition, SuccessionStep } from "./types.js";

/** Raised for an invalid index definition; the message names the offending JSON path. */
export class IndexDefinitionError extends Error {
  override readonly name = "IndexDefinitionError";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`index definition ${path}: ${detail}`);
  }
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: Json, path: string, pattern?: RegExp, hint?: string): string {
  if (typeof v !== "string" || v.length === 0) throw new IndexDefinitionError(path, "must be a non-empty string");
  if (pattern !== undefined && !pattern.test(v)) throw new IndexDefinitionError(path, `${hint ?? "bad format"}, got ${JSON.stringify(v)}`);
  return v;
}

/** Decimal text checked against the requested bounds (> 0, >= 0, <= 1, >= 1). */
function decimalText(v: Json, path: string, opts: { positive?: boolean; nonNegative?: boolean; atMostOne?: boolean; atLeastOne?: boolean }): string {
  const text = str(v, path);
  let r;
  try {
    r = parseDecimal(text);
  } catch (e) {
    throw new IndexDefinitionError(path, e instanceof DecimalParseError ? e.message : String(e));
  }
  const sign = cmp(r, ZERO);
  if (opts.positive === true && sign <= 0) throw new IndexDefinitionError(path, `must be > 0, got ${text}`);
  if (opts.nonNegative === true && sign < 0) throw new IndexDefinitionError(path, `must be >= 0, got ${text}`);
  if (opts.atMostOne === true && r.num > r.den) throw new IndexDefinitionError(path, `must be <= 1, got ${text}`);
  if (opts.atLeastOne === true && r.num < r.den) throw new IndexDefinitionError(path, `must be >= 1, got ${text}`);
  return text;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?$/;

/** Unix seconds of "YYYY-MM-DD" (00:00 UTC) or "YYYY-MM-DDTHH:MM[:SS]Z". */
export function parseUtcTime(text: string, path: string): number {
  if (!DATE_RE.test(text)) throw new IndexDefinitionError(path, `must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), got ${JSON.stringify(text)}`);
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new IndexDefinitionError(path, `not a valid date: ${JSON.stringify(text)}`);
  return ms / 1000;
}

function identities(v: Json, path: string): Record<string, (readonly [string, string])[]> {
  if (!isObject(v) || Object.keys(v).length === 0) throw new IndexDefinitionError(path, "must be a non-empty object of identity name -> [[provider, model], ...]");
  const out: Record<string, (readonly [string, string])[]> = {};
  for (const [name, pairs] of Object.entries(v)) {
    const p = `${path}.${name}`;
    if (!Array.isArray(pairs) || pairs.length === 0) throw new IndexDefinitionError(p, "must be a non-empty array of [provider, model key] pairs");
    const seen = new Set<string>();
    out[name] = pairs.map((pair: Json, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new IndexDefinitionError(`${p}[${i}]`, "must be a [provider, model key] pair");
      const provider = str(pair[0], `${p}[${i}][0]`);
      const model = str(pair[1], `${p}[${i}][1]`);
      const key = `${provider}\u0000${model}`;
      if (seen.has(key)) throw new IndexDefinitionError(`${p}[${i}]`, `duplicate pair (${provider}, ${model})`);
      seen.add(key);
      return [provider, model] as const;
    });
  }
  return out;
}

function slot(v: Json, path: string, known: Record<string, unknown>): SlotDefinition {
  if (!isObject(v)) throw new IndexDefinitionError(path, "must be an object");
  const id = str(v["id"], `${path}.id`, /^[a-z0-9][a-z0-9.-]{0,47}$/, "lower-case letters, digits, '.', '-' (max 48)");
  const name = str(v["name"], `${path}.name`);
  const weight = decimalText(v["weight"], `${path}.weight`, { positive: true });
  const raw = v["succession"];
  if (!Array.isArray(raw) || raw.length === 0) throw new IndexDefinitionError(`${path}.succession`, "must be a non-empty array of {from, identity}");
  let last = -Infinity;
  const succession: SuccessionStep[] = raw.map((step: Json, i) => {
    const p = `${path}.succession[${i}]`;
    if (!isObject(step)) throw new IndexDefinitionError(p, "must be an object {from, identity}");
    const fromText = str(step["from"], `${p}.from`);
    const from = parseUtcTime(fromText, `${p}.from`);
    if (from <= last) throw new IndexDefinitionError(`${p}.from`, "succession dates must be strictly increasing");
    last = from;
    const identity = str(step["identity"], `${p}.identity`);
    if (!(identity in known)) throw new IndexDefinitionError(`${p}.identity`, `unknown identity ${JSON.stringify(identity)}`);
    return { from, fromText, identity };
  });
  const family = v["family"] === undefined ? undefined : parseFamily(v["family"], `${path}.family`);
  return family === undefined ? { id, name, weight, succession } : { id, name, weight, succession, family };
}

/**
 * Validates the JSON form of an index definition (config/indices/*.json) and returns it typed.
 * Every error names the JSON path, e.g. `index definition slots[2].weight: must be > 0, got 0`.
 */
export function parseIndexDefinition(json: Json): IndexDefinition {
  if (!isObject(json)) throw new IndexDefinitionError("$", "must be a JSON object");
  const name = str(json["name"], "name", /^[\x20-\x7e]{1,31}$/, "1-31 printable ASCII characters");
  const version = json["methodologyVersion"];
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1 || version > 0xffffffff) {
    throw new IndexDefinitionError("methodologyVersion", `must be an integer in [1, 2^32-1], got ${JSON.stringify(version)}`);
  }
  if (!(METHODOLOGY_VERSIONS as readonly number[]).includes(version)) {
    throw new IndexDefinitionError("methodologyVersion", `this engine computes versions ${METHODOLOGY_VERSIONS.join(", ")}, got ${version}`);
  }
  const unit = str(json["unit"], "unit");
  if (json["decimals"] !== 18) throw new IndexDefinitionError("decimals", `must be 18, got ${JSON.stringify(json["decimals"])}`);
  const blendRaw = json["blend"];
  if (!isObject(blendRaw)) throw new IndexDefinitionError("blend", "must be an object {input, output}");
  const blend = {
    input: decimalText(blendRaw["input"], "blend.input", { nonNegative: true }),
    output: decimalText(blendRaw["output"], "blend.output", { nonNegative: true }),
  };
  if (parseDecimal(blend.input).num === 0n && parseDecimal(blend.output).num === 0n) {
    throw new IndexDefinitionError("blend", "at least one of input, output must be > 0");
  }
  const outlierFactor = decimalText(json["outlierFactor"], "outlierFactor", { atLeastOne: true });
  const minPricedWeightShare = decimalText(json["minPricedWeightShare"], "minPricedWeightShare", { positive: true, atMostOne: true });
  const windowRaw = json["window"] ?? {};
  if (!isObject(windowRaw)) throw new IndexDefinitionError("window", "must be an object {minPricedPollShare}");
  const minPricedPollShare = decimalText(windowRaw["minPricedPollShare"] ?? "0.5", "window.minPricedPollShare", { positive: true, atMostOne: true });
  const linking = json["linking"] ?? "tier";
  if (linking !== "tier" && linking !== "chain") throw new IndexDefinitionError("linking", `must be "tier" or "chain", got ${JSON.stringify(linking)}`);
  const ids = identities(json["identities"], "identities");
  const slotsRaw = json["slots"];
  if (!Array.isArray(slotsRaw) || slotsRaw.length === 0) throw new IndexDefinitionError("slots", "must be a non-empty array");
  const slots = slotsRaw.map((s: Json, i) => slot(s, `slots[${i}]`, ids));
  const seen = new Set<string>();
  slots.forEach((s, i) => {
    if (seen.has(s.id)) throw new IndexDefinitionError(`slots[${i}].id`, `duplicate slot id ${JSON.stringify(s.id)}`);
    seen.add(s.id);
  });
  const v2 = version >= 2 ? parseV2(json, ids, slots) : {};
  return {
    ...v2,
    name,
    methodologyVersion: version,
    unit,
    decimals: 18,
    blend,
    outlierFactor,
    minPricedWeightShare,
    minPricedPollShare,
    linking: linking as Linking,
    identities: ids,
    slots,
  };
}

/** The v2 sections (required from methodology version 2; v1 definitions may carry them and ignore them). */
function parseV2(json: Record<string, Json>, ids: Record<string, readonly (readonly [string, string])[]>, slots: readonly SlotDefinition[]) {
  if ((json["linking"] ?? "tier") !== "tier") throw new IndexDefinitionError("linking", "methodology v2 computes tier-linked indices only");
  const companies = parseCompanies(json["companies"]);
  const families = slots.flatMap((s, i) => (s.family === undefined ? [] : [{ path: `slots[${i}].family`, family: s.family as readonly FamilyPattern[] }]));
  checkCompaniesCover(companies, ids, families);
  return { companies, robustness: parseRobustness(json["robustness"]), successionRule: parseSuccessionRule(json["successionRule"]) };
}

/** A copy of `def` computed under another methodology version (v1 stays selectable; v2 needs its sections). */
export function withMethodologyVersion(def: IndexDefinition, version: number): IndexDefinition {
  if (!(METHODOLOGY_VERSIONS as readonly number[]).includes(version)) throw new IndexDefinitionError("methodologyVersion", `this engine computes versions ${METHODOLOGY_VERSIONS.join(", ")}, got ${version}`);
  if (version >= 2 && (def.companies === undefined || def.robustness === undefined || def.successionRule === undefined)) {
    throw new IndexDefinitionError("methodologyVersion", `version ${version} needs the companies, robustness and successionRule sections`);
  }
  return { ...def, methodologyVersion: version };
}

/** The succession step active at `time` (the last one effective at or before it), or undefined. */
export function activeStep(slotDef: SlotDefinition, time: number): SuccessionStep | undefined {
  let active: SuccessionStep | undefined;
  for (const step of slotDef.succession) {
    if (step.from <= time) active = step;
    else break;
  }
  return active;
}
