import { z } from "zod";
import { afterFields } from "../config/validate.js";
import { cmp, parseDecimal } from "./decimal.js";
import { decimalText, intIn, list, namedMap, pair, record, text } from "./definitionFields.js";
import type { FamilyPattern, RobustnessRules, SuccessionRule } from "./types.js";

/** The methodology versions this engine computes. */
export const METHODOLOGY_VERSIONS = [1, 2] as const;

/** `companies`: company name -> provider keys it owns; parsed to provider -> company (each provider once). */
export const companiesSchema = namedMap(list(text(), "must be a non-empty array of provider keys"), "must be a non-empty object of company name -> [provider key, ...]")
  .superRefine((companies, ctx) => {
    const owner = new Map<string, string>();
    for (const [company, providers] of Object.entries(companies)) {
      providers.forEach((provider, i) => {
        const prior = owner.get(provider);
        if (prior !== undefined) ctx.addIssue({ code: "custom", path: [company, i], message: `provider ${JSON.stringify(provider)} is already owned by ${JSON.stringify(prior)}` });
        else owner.set(provider, company);
      });
    }
  }, afterFields)
  .transform((companies): Record<string, string> => Object.fromEntries(Object.entries(companies).flatMap(([company, providers]) => providers.map((p) => [p, company]))));

/** `robustness`: {slotBudget, moveLimit, sourceScaleFactor, plausibleRange: [min, max]}. */
export const robustnessSchema = record(
  {
    slotBudget: decimalText({ positive: true, belowOne: true }),
    moveLimit: decimalText({ positive: true, belowOne: true }),
    sourceScaleFactor: decimalText({ positive: true, aboveOne: true }),
    plausibleRange: pair(decimalText({ positive: true }), decimalText({ positive: true }), "must be [min, max] as decimal texts"),
  },
  "must be an object {slotBudget, moveLimit, sourceScaleFactor, plausibleRange}",
)
  .superRefine((r, ctx) => {
    const [min, max] = r.plausibleRange;
    if (cmp(parseDecimal(min), parseDecimal(max)) >= 0) ctx.addIssue({ code: "custom", path: ["plausibleRange"], message: `min must be < max, got [${min}, ${max}]` });
  }, afterFields)
  .transform(
    (r): RobustnessRules => ({ slotBudget: r.slotBudget, moveLimit: r.moveLimit, sourceScaleFactor: r.sourceScaleFactor, plausibleMin: r.plausibleRange[0], plausibleMax: r.plausibleRange[1] }),
  );

/** `successionRule`: {minCompanies, minListedDays}. */
export const successionRuleSchema = record({ minCompanies: intIn(1, 100), minListedDays: intIn(1, 366) }, "must be an object {minCompanies, minListedDays}").transform(
  (r): SuccessionRule => ({ minCompanies: r.minCompanies, minListedDays: r.minListedDays }),
);

/** A model-key pattern: a valid regular expression anchored with ^ and $, with a named group v. */
const familyPattern = text().superRefine((pattern, ctx) => {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    return void ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${e instanceof Error ? e.message : String(e)}` });
  }
  if (!pattern.startsWith("^") || !pattern.endsWith("$")) return void ctx.addIssue({ code: "custom", message: "must be anchored with ^ and $ (a whole model key)" });
  if (!/\(\?<v>/.test(re.source)) ctx.addIssue({ code: "custom", message: "must have a named group (?<v>...) capturing the version" });
});

/** A slot's `family`: [[provider, regular expression with a named group v], ...]. */
export const familySchema = list(
  pair(text(), familyPattern, "must be a [provider, pattern] pair").transform(([provider, pattern]): FamilyPattern => ({ provider, pattern })),
  "must be a non-empty array of [provider, pattern] pairs",
);

/** The v2 sections (required from methodology version 2). */
export const v2SectionsSchema = z.object({ companies: companiesSchema, robustness: robustnessSchema, successionRule: successionRuleSchema });

/** Every provider named in identities and families must have a company (v2: one vote per company). */
export function checkCompaniesCover(
  owner: Record<string, string>,
  identities: Record<string, readonly (readonly [string, string])[]>,
  families: readonly { path: readonly PropertyKey[]; family: readonly FamilyPattern[] }[],
  ctx: z.RefinementCtx,
): void {
  const missing = (provider: string, path: PropertyKey[]) =>
    owner[provider] === undefined && ctx.addIssue({ code: "custom", path, message: `provider ${JSON.stringify(provider)} has no company in companies` });
  for (const [name, pairs] of Object.entries(identities)) pairs.forEach(([provider], i) => missing(provider, ["identities", name, i, 0]));
  for (const { path, family } of families) family.forEach(({ provider }, i) => missing(provider, [...path, i, 0]));
}
