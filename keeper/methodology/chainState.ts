import { computeFixing } from "./computeFixing.js";
import type { ChainState, FixingResult, IndexDefinition, Poll } from "./types.js";

/** JSON form of a ChainState (bigints as decimal integer strings). */
export interface ChainStateJson {
  timestamp: number;
  level: string;
  bases: Record<string, { model: string; price: string }>;
  prices?: Record<string, string>;
  listed?: Record<string, number>;
  rolls?: Record<string, { identity: string; from: number }>;
}

export function chainStateToJson(s: ChainState): ChainStateJson {
  const bases: ChainStateJson["bases"] = {};
  for (const [id, b] of Object.entries(s.bases)) bases[id] = { model: b.model, price: b.price.toString() };
  const out: ChainStateJson = { timestamp: s.timestamp, level: s.level.toString(), bases };
  if (s.prices !== undefined) out.prices = Object.fromEntries(Object.entries(s.prices).map(([k, v]) => [k, v.toString()]));
  if (s.listed !== undefined) out.listed = { ...s.listed };
  if (s.rolls !== undefined) out.rolls = Object.fromEntries(Object.entries(s.rolls).map(([k, r]) => [k, { ...r }]));
  return out;
}

function integerSeconds(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new Error(`chain state ${path}: must be integer unix seconds`);
  return v;
}

function objectAt(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`chain state ${path}: must be an object`);
  return v as Record<string, unknown>;
}

/** The v2 parts of a state (reference prices, listed candidates, rule rolls), each optional. */
function v2Parts(o: Record<string, unknown>): Pick<ChainState, "prices" | "listed" | "rolls"> {
  const out: { prices?: Record<string, bigint>; listed?: Record<string, number>; rolls?: Record<string, { identity: string; from: number }> } = {};
  if (o["prices"] !== undefined) out.prices = Object.fromEntries(Object.entries(objectAt(o["prices"], "prices")).map(([k, v]) => [k, bigintText(v, `prices.${k}`)]));
  if (o["listed"] !== undefined) out.listed = Object.fromEntries(Object.entries(objectAt(o["listed"], "listed")).map(([k, v]) => [k, integerSeconds(v, `listed.${k}`)]));
  if (o["rolls"] !== undefined) {
    out.rolls = Object.fromEntries(
      Object.entries(objectAt(o["rolls"], "rolls")).map(([k, v]) => {
        const r = objectAt(v, `rolls.${k}`);
        if (typeof r["identity"] !== "string") throw new Error(`chain state rolls.${k}.identity: must be a string`);
        return [k, { identity: r["identity"], from: integerSeconds(r["from"], `rolls.${k}.from`) }];
      }),
    );
  }
  return out;
}

function bigintText(v: unknown, path: string): bigint {
  if (typeof v !== "string" || !/^[1-9]\d*$/.test(v)) throw new Error(`chain state ${path}: must be a positive integer string, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

export function chainStateFromJson(json: unknown): ChainState {
  if (typeof json !== "object" || json === null) throw new Error("chain state: must be an object {timestamp, level, bases}");
  const o = json as Record<string, unknown>;
  if (typeof o["timestamp"] !== "number" || !Number.isInteger(o["timestamp"])) throw new Error("chain state timestamp: must be integer unix seconds");
  const rawBases = o["bases"];
  if (typeof rawBases !== "object" || rawBases === null) throw new Error("chain state bases: must be an object");
  const bases: Record<string, { model: string; price: bigint }> = {};
  for (const [id, b] of Object.entries(rawBases)) {
    const base = b as Record<string, unknown>;
    if (typeof base["model"] !== "string") throw new Error(`chain state bases.${id}.model: must be a string`);
    bases[id] = { model: base["model"], price: bigintText(base["price"], `bases.${id}.price`) };
  }
  return { timestamp: o["timestamp"], level: bigintText(o["level"], "level"), bases, ...v2Parts(o) };
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
