import { join } from "node:path";
import type { Quote } from "../methodology/types.js";
import { PROJECT_ROOT } from "../projectRoot.js";
import { parseCsv } from "./csvParse.js";
import { historyRows, snapshotRow, weeklyPriceRow } from "./historySchema.js";
import { readTextInput } from "./readInput.js";
import { type PriceSource, SourceError, type SourceSnapshot } from "./types.js";

/** The bundled history directory (data/llm-prices, see its README for provenance). */
export const BUNDLED_HISTORY_DIR = join(PROJECT_ROOT, "data", "llm-prices");

export interface HistorySnapshot {
  readonly date: string;
  readonly commit: string;
  /** Unix seconds of the snapshot's commit (when the list was as shown). */
  readonly time: number;
  readonly quotes: readonly Quote[];
}

/** The weekly LiteLLM history: snapshots in time order, each with its chat quotes (USD per 1M tokens). */
export interface PriceHistory {
  readonly snapshots: readonly HistorySnapshot[];
}

/**
 * Builds the history from prices_weekly.csv (`weeklyPriceRow`: date, provider, model, input_usd_per_mtok,
 * output_usd_per_mtok, other columns ignored) and snapshots.csv (`snapshotRow`: date, commit, commit_time_utc, ...).
 */
export function parseHistory(weeklyCsv: string, snapshotsCsv: string, origin = "history"): PriceHistory {
  const byDate = new Map<string, { commit: string; time: number; quotes: Quote[] }>();
  for (const { row } of historyRows(parseCsv(snapshotsCsv).records, snapshotRow, "snapshots.csv", origin)) {
    byDate.set(row.date, { commit: row.commit, time: row.commit_time_utc, quotes: [] });
  }
  for (const { line, row } of historyRows(parseCsv(weeklyCsv).records, weeklyPriceRow, "prices_weekly.csv", origin)) {
    const snap = byDate.get(row.date);
    if (snap === undefined) throw new SourceError(origin, `prices_weekly.csv line ${line}: date ${row.date} not in snapshots.csv`);
    snap.quotes.push({ provider: row.provider, model: row.model, input: row.input_usd_per_mtok, output: row.output_usd_per_mtok });
  }
  const snapshots = [...byDate.entries()]
    .map(([date, s]) => ({ date, commit: s.commit, time: s.time, quotes: s.quotes }))
    .sort((a, b) => a.time - b.time);
  return { snapshots };
}

/** The snapshot in force at `at`: the last one committed at or before it, or undefined. */
export function snapshotAt(history: PriceHistory, at: number): HistorySnapshot | undefined {
  let found: HistorySnapshot | undefined;
  for (const s of history.snapshots) {
    if (s.time <= at) found = s;
    else break;
  }
  return found;
}

/** Reads and parses the history in `dir` (prices_weekly.csv.gz + snapshots.csv). */
export async function loadHistory(dir: string = BUNDLED_HISTORY_DIR): Promise<PriceHistory> {
  const [weekly, snaps] = await Promise.all([readTextInput(join(dir, "prices_weekly.csv.gz")), readTextInput(join(dir, "snapshots.csv"))]);
  return parseHistory(weekly, snaps, dir);
}

/** Replays the bundled weekly history: `read(at)` gives the quotes as of `at` (unix seconds). */
export function replaySource(dir: string = BUNDLED_HISTORY_DIR): PriceSource {
  let history: Promise<PriceHistory> | undefined;
  return {
    kind: "replay",
    async read(at: number): Promise<SourceSnapshot> {
      history ??= loadHistory(dir);
      const snap = snapshotAt(await history, at);
      if (snap === undefined) throw new SourceError(`replay:${dir}`, `no snapshot at or before ${new Date(at * 1000).toISOString()}`);
      return { origin: `replay@${snap.date} (${snap.commit})`, asOf: snap.time, quotes: snap.quotes, rejected: [] };
    },
  };
}
