import { z } from "zod";
import { afterFields } from "../config/validate.js";
import { parseDecimal } from "./decimal.js";
import { IndexDefinitionError, decimalText, intIn, list, namedMap, orDefault, pair, parseDefinitionPart, record, text } from "./definitionFields.js";
import { METHODOLOGY_VERSIONS, checkCompaniesCover, familySchema, v2SectionsSchema } from "./definitionV2.js";
import type { IndexDefinition, SlotDefinition, SuccessionStep } from "./types.js";

export { IndexDefinitionError } from "./definitionFields.js";

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?$/;

/** Unix seconds of "YYYY-MM-DD" (00:00 UTC) or "YYYY-MM-DDTHH:MM[:SS]Z" (NaN when not a date). */
function utcSeconds(t: string): number {
  return Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t) / 1000;
}

const utcTime = text().superRefine((t, ctx) => {
  if (!DATE_RE.test(t)) return void ctx.addIssue({ code: "custom", message: `must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC), got ${JSON.stringify(t)}` });
  if (Number.isNaN(utcSeconds(t))) ctx.addIssue({ code: "custom", message: `not a valid date: ${JSON.stringify(t)}` });
});

const versions = METHODOLOGY_VERSIONS as readonly number[];
const engineComputes = (v: number) => `this engine computes versions ${METHODOLOGY_VERSIONS.join(", ")}, got ${v}`;

const methodologyVersion = intIn(1, 0xffffffff, "2^32-1").pipe(
  z.number().refine((v) => versions.includes(v), { error: (iss) => engineComputes(iss.input as number) }),
);

const identities = namedMap(
  list(pair(text(), text(), "must be a [provider, model key] pair"), "must be a non-empty array of [provider, model key] pairs").superRefine((pairs, ctx) => {
    const seen = new Set<string>();
    pairs.forEach(([provider, model], i) => {
      const key = `${provider}\u0000${model}`;
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate pair (${provider}, ${model})` });
      seen.add(key);
    });
  }, afterFields),
  "must be a non-empty object of identity name -> [[provider, model], ...]",
);

const succession = list(
  record({ from: utcTime, identity: text() }, "must be an object {from, identity}").transform((s): SuccessionStep => ({ from: utcSeconds(s.from), fromText: s.from, identity: s.identity })),
  "must be a non-empty array of {from, identity}",
).superRefine((steps, ctx) => {
  steps.forEach((s, i) => {
    const prior = steps[i - 1];
    if (prior !== undefined && s.from <= prior.from) ctx.addIssue({ code: "custom", path: [i, "from"], message: "succession dates must be strictly increasing" });
  });
}, afterFields);

const slot = record(
  {
    id: text(/^[a-z0-9][a-z0-9.-]{0,47}$/, "lower-case letters, digits, '.', '-' (max 48)"),
    name: text(),
    weight: decimalText({ positive: true }),
    succession,
    family: familySchema.optional(),
  },
  "must be an object",
).transform(({ id, name, weight, succession, family }): SlotDefinition => (family === undefined ? { id, name, weight, succession } : { id, name, weight, succession, family }));

const blend = record({ input: decimalText({ nonNegative: true }), output: decimalText({ nonNegative: true }) }, "must be an object {input, output}").superRefine((b, ctx) => {
  if (parseDecimal(b.input).num === 0n && parseDecimal(b.output).num === 0n) ctx.addIssue({ code: "custom", message: "at least one of input, output must be > 0" });
}, afterFields);

/** The JSON form of an index definition; the v2 sections are checked from methodology version 2 (v1 ignores them). */
const definitionSchema = record(
  {
    name: text(/^[\x20-\x7e]{1,31}$/, "1-31 printable ASCII characters"),
    methodologyVersion,
    unit: text(),
    decimals: z.literal(18, { error: (iss) => `must be 18, got ${JSON.stringify(iss.input)}` }),
    blend,
    outlierFactor: decimalText({ atLeastOne: true }),
    minPricedWeightShare: decimalText({ positive: true, atMostOne: true }),
    window: orDefault(record({ minPricedPollShare: orDefault(decimalText({ positive: true, atMostOne: true }), "0.5") }, "must be an object {minPricedPollShare}"), {}),
    linking: orDefault(z.enum(["tier", "chain"], { error: (iss) => `must be "tier" or "chain", got ${JSON.stringify(iss.input)}` }), "tier"),
    identities,
    slots: list(slot, "must be a non-empty array"),
    companies: z.unknown().optional(),
    robustness: z.unknown().optional(),
    successionRule: z.unknown().optional(),
  },
  "must be a JSON object",
)
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.slots.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: ["slots", i, "id"], message: `duplicate slot id ${JSON.stringify(s.id)}` });
      seen.add(s.id);
      s.succession.forEach((step, j) => {
        if (!Object.hasOwn(d.identities, step.identity)) ctx.addIssue({ code: "custom", path: ["slots", i, "succession", j, "identity"], message: `unknown identity ${JSON.stringify(step.identity)}` });
      });
    });
    if (d.methodologyVersion < 2) return;
    if (d.linking !== "tier") ctx.addIssue({ code: "custom", path: ["linking"], message: "methodology v2 computes tier-linked indices only" });
    const v2 = v2SectionsSchema.safeParse(d);
    if (!v2.success) {
      for (const issue of v2.error.issues) ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
      return;
    }
    const families = d.slots.flatMap((s, i) => (s.family === undefined ? [] : [{ path: ["slots", i, "family"], family: s.family }]));
    checkCompaniesCover(v2.data.companies, d.identities, families, ctx);
  }, afterFields)
  .transform(
    (d): IndexDefinition => ({
      ...(d.methodologyVersion >= 2 ? v2SectionsSchema.parse(d) : {}),
      name: d.name,
      methodologyVersion: d.methodologyVersion,
      unit: d.unit,
      decimals: 18,
      blend: { input: d.blend.input, output: d.blend.output },
      outlierFactor: d.outlierFactor,
      minPricedWeightShare: d.minPricedWeightShare,
      minPricedPollShare: d.window.minPricedPollShare,
      linking: d.linking,
      identities: d.identities,
      slots: d.slots,
    }),
  );

/**
 * Validates the JSON form of an index definition (config/indices/*.json) and returns it typed.
 * Every problem is reported with its JSON path, e.g. `index definition slots[2].weight: must be > 0, got 0`.
 */
export function parseIndexDefinition(json: unknown): IndexDefinition {
  return parseDefinitionPart(definitionSchema, json);
}

/** A copy of `def` computed under another methodology version (v1 stays selectable; v2 needs its sections). */
export function withMethodologyVersion(def: IndexDefinition, version: number): IndexDefinition {
  if (!versions.includes(version)) throw new IndexDefinitionError([{ key: "methodologyVersion", problem: engineComputes(version) }]);
  if (version >= 2 && (def.companies === undefined || def.robustness === undefined || def.successionRule === undefined)) {
    throw new IndexDefinitionError([{ key: "methodologyVersion", problem: `version ${version} needs the companies, robustness and successionRule sections` }]);
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
