import { computeFixing } from "./computeFixing.js";
import { configIssues } from "../config/validate.js";
import { type ChainStateJson, chainStateSchema } from "./chainStateSchema.js";
import type { ChainState, FixingResult, IndexDefinition, Poll } from "./types.js";


/** The JSON form of a state (the inverse of chainStateFromJson). */
export function chainStateToJson(s: ChainState): ChainStateJson {
  const bases: ChainStateJson["bases"] = {};
  for (const [id, b] of Object.entries(s.bases)) bases[id] = { model: b.model, price: b.price.toString() };
  const out: ChainStateJson = { timestamp: s.timestamp, level: s.level.toString(), bases };
  if (s.prices !== undefined) out.prices = Object.fromEntries(Object.entries(s.prices).map(([k, v]) => [k, v.toString()]));
  if (s.listed !== undefined) out.listed = { ...s.listed };
  if (s.rolls !== undefined) out.rolls = Object.fromEntries(Object.entries(s.rolls).map(([k, r]) => [k, { ...r }]));
  return out;
}

/**
 * A ChainState from its JSON form (`chainStateSchema`); an Error naming every bad path, e.g.
 * `chain state bases.A.price: must be a positive integer string, got "0"`.
 */
export function chainStateFromJson(json: unknown): ChainState {
  const r = chainStateSchema.safeParse(json);
  if (r.success) return r.data;
  throw new Error(configIssues(r.error).map((i) => `chain state${i.key ? ` ${i.key}` : ""}: ${i.problem}`).join("\n"));
}

/**
 * Computes a sequence of fixings, one per window (`windows[i]` polls fixed at `times[i]`), carrying the
 * chain state for chain-linked definitions (a no-fixing keeps the previous state, as the contingency rule).
 */
export function computeSeries(def: IndexDefinition, steps: readonly { at: number; polls: readonly Poll[] }[], start?: ChainState): FixingResult[] {
  let state = start;
  return steps.map(({ at, polls }) => {
    const result = computeFixing(def, polls, at, { previous: state });
    if (result.ok && result.chainState !== undefined) state = result.chainState;
    return result;
  });
}
