/**
 * What the fixing loop tells the operator about a source's bad data: the entries the source's parser rejected
 * (`snapshot.rejected`, logged when that list changes) and the basket quotes the methodology excluded from a round
 * (invalid or non-positive prices, conflicting duplicates, outliers: logged once per computed round), each named by
 * where it is and why. The value is computed from the rest; this only makes the garbage visible.
 */
import type { FixingReport } from "../methodology/types.js";
import type { Logger } from "../observability/log.js";
import type { SourceSnapshot } from "../sources/types.js";

/** Most entries or quotes listed in one log line (the count says how many there were). */
export const LISTED = 20;

/** Logs a live source's rejected entries whenever the list changes (a bad file read every poll is logged once). */
export class RejectedEntries {
  private readonly last = new Map<string, string>();

  report(log: Logger, index: string, source: string, snap: SourceSnapshot): void {
    const list = snap.rejected.map((r) => `${r.entry}: ${r.reason}`);
    const key = list.join("\n");
    if ((this.last.get(index) ?? "") === key) return;
    this.last.set(index, key);
    if (list.length === 0) log.info("source entries no longer rejected", { index, source });
    else log.warn("source entries rejected: left out of the fixing", { index, source, count: list.length, entries: list.slice(0, LISTED) });
  }
}

/** The quotes a round's report excluded, one per (slot, provider, model, reason) with the number of polls it hit. */
export function excludedQuotes(report: FixingReport): { slot: string; provider: string; model: string; reason: string; polls: number }[] {
  const byKey = new Map<string, { slot: string; provider: string; model: string; reason: string; polls: number }>();
  for (const slot of report.slots) {
    for (const e of slot.excluded) {
      const key = [slot.id, e.provider, e.model, e.reason].join("\u0000");
      const seen = byKey.get(key);
      if (seen) seen.polls++;
      else byKey.set(key, { slot: slot.id, provider: e.provider, model: e.model, reason: e.reason, polls: 1 });
    }
  }
  return [...byKey.values()];
}
