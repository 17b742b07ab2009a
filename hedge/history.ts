/**
 * Monthly price paths from the bundled LLM price history (data/llm-prices): per calendar month the last weekly
 * snapshot of the month, ATPI (methodology v2, computed over every snapshot in order) and a model's price there.
 * A model is an identity of the ATPI definition (its own price: the median of its sellers' 3:1 blends, outliers
 * dropped, as methodology v1 prices an identity) or a slot id (the slot's price: it follows the slot's successions).
 */
import { loadIndexDefinition } from "../keeper/indexConfig.js";
import { computeSeries } from "../keeper/methodology/chainState.js";
import { parseDecimal } from "../keeper/methodology/decimal.js";
import { indexQuotes, priceIdentity } from "../keeper/methodology/slotPrice.js";
import type { IndexDefinition } from "../keeper/methodology/types.js";
import { type PriceHistory, loadHistory } from "../keeper/sources/replay.js";
import type { MonthPrice } from "./calc.js";

/** One month end: the snapshot's date, ATPI there, every slot's price and every identity's own price (null: unpriced). */
export interface MonthEnd {
  month: string;
  date: string;
  index: bigint | null;
  slots: Record<string, bigint | null>;
  identities: Record<string, bigint | null>;
}

export interface MonthlyHistory {
  def: IndexDefinition;
  months: MonthEnd[];
}

/** Reduces a history to its month ends (the last snapshot of each calendar month), pricing the index and models. */
export function monthlyHistory(def: IndexDefinition, history: PriceHistory): MonthlyHistory {
  const steps = history.snapshots.map((s) => ({ at: s.time, polls: [{ time: s.time, quotes: s.quotes }] }));
  const fixings = computeSeries(def, steps);
  const rules = { inputWeight: parseDecimal(def.blend.input), outputWeight: parseDecimal(def.blend.output), outlierFactor: parseDecimal(def.outlierFactor) };
  const lastOfMonth = new Map<string, number>();
  history.snapshots.forEach((s, i) => lastOfMonth.set(s.date.slice(0, 7), i));
  const months: MonthEnd[] = [];
  for (const [month, i] of [...lastOfMonth.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const snap = history.snapshots[i];
    const report = fixings[i]?.report;
    if (!snap || !report) continue;
    const quotes = indexQuotes(snap.quotes);
    const slots: Record<string, bigint | null> = {};
    def.slots.forEach((slot, k) => {
      const p = report.slots[k]?.price ?? null;
      slots[slot.id] = p === null ? null : BigInt(p);
    });
    const identities: Record<string, bigint | null> = {};
    for (const [name, pairs] of Object.entries(def.identities)) identities[name] = priceIdentity(pairs, quotes, rules, 0).price ?? null;
    months.push({ month, date: snap.date, index: report.value === null ? null : BigInt(report.value), slots, identities });
  }
  return { def, months };
}

/** The bundled ATPI history by month (takes a few seconds: every weekly fixing is computed). */
export async function bundledMonthlyHistory(): Promise<MonthlyHistory> {
  const [def, history] = await Promise.all([loadIndexDefinition("ATPI"), loadHistory()]);
  return monthlyHistory(def, history);
}

export class HistoryError extends Error {
  override readonly name = "HistoryError";
}

/** The basket: a plan that spends on every slot in proportion to its weight (what ATPI prices). */
export const BASKET = "basket";

/** "identity", "slot" or "basket" for a model name of the definition; HistoryError otherwise. */
export function modelKind(def: IndexDefinition, model: string): "identity" | "slot" | "basket" {
  if (model === BASKET) return "basket";
  if (def.slots.some((s) => s.id === model)) return "slot";
  if (model in def.identities) return "identity";
  throw new HistoryError(`unknown model ${JSON.stringify(model)}: use a slot id (${def.slots.map((s) => s.id).join(", ")}), "${BASKET}" or an identity of ${def.name}`);
}

/**
 * The path of `model` from month `from` (the entry month, "YYYY-MM"; default the first month) over `planMonths` more
 * months, cut short where the history ends; HistoryError when the model or the index is unpriced in one of them.
 */
export function modelPath(h: MonthlyHistory, model: string, planMonths: number, from?: string): MonthPrice[] {
  const kind = modelKind(h.def, model);
  const start = from === undefined ? 0 : h.months.findIndex((m) => m.month === from);
  if (start < 0) throw new HistoryError(`month ${from} is not in the history (${h.months[0]?.month} .. ${h.months.at(-1)?.month})`);
  return h.months.slice(start, start + planMonths + 1).map((m) => {
    const modelPrice = kind === "basket" ? basketPrice(h.def, m) : kind === "slot" ? m.slots[model] : m.identities[model];
    if (modelPrice === null || modelPrice === undefined || m.index === null) {
      throw new HistoryError(`${model} or ${h.def.name} is unpriced at the end of ${m.month} (${m.date}); start later with --from`);
    }
    return { month: m.month, modelPrice, index: m.index };
  });
}

/** sum(w_i x p_i) / sum(w_i) over every slot, rounded down; null when a slot is unpriced. */
function basketPrice(def: IndexDefinition, m: MonthEnd): bigint | null {
  let sum = 0n;
  let total = 0n;
  for (const slot of def.slots) {
    const p = m.slots[slot.id];
    if (p === null || p === undefined) return null;
    const w = BigInt(slot.weight);
    sum += w * p;
    total += w;
  }
  return sum / total;
}
