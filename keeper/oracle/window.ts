/**
 * The poll window of a fixing round (DESIGN.md "Windows"): a round at timestamp T aggregates `polls` polls
 * evenly spaced over (T - interval, T], the last one at T. All times are chain time (unix seconds).
 *
 * A replay source can be read at any past time, so the whole window is read at round close and every operator
 * gets the same polls. A live source only tells the present: `LiveSampler` reads it when a scheduled poll
 * time comes due and keeps what it read; polls missed (keeper down, source down) are simply absent and the
 * methodology's minPricedPollShare decides whether the rest is enough.
 */
import { computeFixing } from "../methodology/computeFixing.js";
import type { ChainState, FixingResult, IndexDefinition, Poll } from "../methodology/types.js";
import type { PriceSource, SourceSnapshot } from "../sources/types.js";

/** The scheduled poll times of the round at `round`: `polls` times, evenly spaced, the last at `round`. */
export function windowPollTimes(round: bigint, intervalSeconds: number, polls: number): number[] {
  if (!Number.isSafeInteger(polls) || polls < 1) throw new Error(`window polls must be a positive integer, got ${polls}`);
  const t = Number(round);
  const step = Math.floor(intervalSeconds / polls);
  if (step < 1) throw new Error(`window of ${polls} polls does not fit in an interval of ${intervalSeconds}s`);
  return Array.from({ length: polls }, (_, k) => t - (polls - 1 - k) * step);
}

/** Reads a source at each time of a window (replay: the snapshot in force at that time). */
export async function readWindow(source: PriceSource, times: readonly number[]): Promise<Poll[]> {
  const polls: Poll[] = [];
  for (const time of times) {
    const snap = await source.read(time);
    polls.push({ time, quotes: snap.quotes });
  }
  return polls;
}

/** Keeps the polls of a live source, keyed by their scheduled time; old ones are dropped. */
export class LiveSampler {
  private readonly polls = new Map<number, Poll>();

  constructor(
    private readonly source: PriceSource,
    private readonly intervalSeconds: number,
    private readonly pollsPerWindow: number,
  ) {}

  /** Reads the source if the latest scheduled poll time at or before `now` has not been read yet; returns what it read. */
  async sample(now: bigint): Promise<SourceSnapshot | undefined> {
    const i = BigInt(this.intervalSeconds);
    const current = (now / i) * i;
    const candidates = [current, current + i].flatMap((r) => windowPollTimes(r, this.intervalSeconds, this.pollsPerWindow));
    const due = Math.max(...candidates.filter((t) => t <= Number(now)));
    if (!Number.isFinite(due) || this.polls.has(due)) return undefined;
    const snap = await this.source.read(due);
    this.polls.set(due, { time: due, quotes: snap.quotes });
    for (const t of this.polls.keys()) if (t < due - 2 * this.intervalSeconds) this.polls.delete(t);
    return snap;
  }

  /**
   * The polls read for the round at `round`: those in (round - interval, round], oldest first. For a scheduled
   * round these are its window's polls; for a confirmation round stamped between two scheduled rounds
   * (fixingLoop.ts), the latest polls of one interval.
   */
  window(round: bigint): Poll[] {
    const from = Number(round) - this.intervalSeconds;
    return [...this.polls.values()].filter((p) => p.time > from && p.time <= Number(round)).sort((a, b) => a.time - b.time);
  }
}

/** The methodology's fixing of a round from its window's polls (pure). */
export function fixingOfWindow(def: IndexDefinition, polls: readonly Poll[], round: bigint, previous?: ChainState): FixingResult {
  return computeFixing(def, polls, Number(round), { previous });
}
