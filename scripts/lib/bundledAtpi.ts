/** The ATPI fixing of the newest snapshot of the bundled real price history (data/llm-prices). */
import type { Hex } from "viem";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { loadHistory } from "../../keeper/sources/replay.js";

export interface BundledFixing {
  value: bigint;
  inputsHash: Hex;
  /** The methodology version the value was computed (and is signed) under. */
  methodologyVersion: number;
  /** Snapshot date (YYYY-MM-DD). */
  date: string;
}

export async function latestBundledAtpi(): Promise<BundledFixing> {
  const [def, history] = await Promise.all([loadIndexDefinition("ATPI"), loadHistory()]);
  const snap = history.snapshots.at(-1);
  if (!snap) throw new Error("the bundled history has no snapshot");
  const result = computeFixing(def, [{ time: snap.time, quotes: snap.quotes }], snap.time);
  if (!result.ok) throw new Error(`no ATPI fixing at the bundled snapshot of ${snap.date}: ${result.reason}`);
  return { value: result.fixing.value, inputsHash: result.fixing.inputsHash, methodologyVersion: result.fixing.methodologyVersion, date: snap.date };
}
