import { join } from "node:path";
import type { Quote } from "../methodology/types.js";
import { PROJECT_ROOT } from "../projectRoot.js";
import { parseCsv } from "./csvParse.js";
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
 * Builds the history from prices_weekly.csv (date, commit, provider, model, input_usd_per_mtok,
 * output_usd_per_mtok, ...) and snapshots.csv (date, commit, commit_time_utc, ...).
 */
export function parseHistory(weeklyCsv: string, snapshotsCsv: string, origin = "history"): PriceHistory {
  const snaps = parseCsv(snapshotsCsv).records;
  const head = snaps[0]?.fields ?? [];
  const iDate = head.indexOf("date");
  const iCommit = head.indexOf("commit");
  const iTime = head.indexOf("commit_time_utc");
  if (iDate < 0 || iCommit < 0 || iTime < 0) throw new SourceError(origin, "snapshots.csv needs date, commit, commit_time_utc columns");
  const byDate = new Map<string, { commit: string; time: number; quotes: Quote[] }>();
  for (const r of snaps.slice(1)) {
    const time = Date.parse(r.fields[iTime] ?? "");
    if (Number.isNaN(time)) throw new SourceError(origin, `snapshots.csv line ${r.line}: bad commit_time_utc`);
    byDate.set(r.fields[iDate] as string, { commit: r.fields[iCommit] as string, time: time / 1000, quotes: [] });
  }
  const rows = parseCsv(weeklyCsv).records;
  const h = rows[0]?.fields ?? [];
  const idx = ["date", "provider", "model", "input_usd_per_mtok", "output_usd_per_mtok"].map((c) => h.indexOf(c));
  if (idx.some((i) => i < 0)) throw new SourceError(origin, "prices_weekly.csv needs date, provider, model, input_usd_per_mtok, output_usd_per_mtok");
  const [cDate, cProvider, cModel, cIn, cOut] = idx as [number, number, number, number, number];
  for (const r of rows.slice(1)) {
    const snap = byDate.get(r.fields[cDate] ?? "");
    if (snap === undefined) throw new SourceError(origin, `prices_weekly.csv line ${r.line}: date ${r.fields[cDate]} not in snapshots.csv`);
    snap.quotes.push({
      provider: r.fields[cProvider] ?? "",
      model: r.fields[cModel] ?? "",
      input: r.fields[cIn] || undefined,
      output: r.fields[cOut] || undefined,
    });
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
