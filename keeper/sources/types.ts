import type { Quote } from "../methodology/types.js";

/** An entry a source could not turn into a quote, with the reason (never a crash). */
export interface RejectedEntry {
  /** Where in the source: the JSON key, `data[12]`, or `line 7`. */
  readonly entry: string;
  readonly reason: string;
}

/** What one read of a source produced. */
export interface SourceSnapshot {
  /** What was read: a file path, a URL, or `replay@<date>`. */
  readonly origin: string;
  /** Unix seconds the data is as of, when the source knows it (replay: the snapshot's commit time). */
  readonly asOf?: number | undefined;
  readonly quotes: readonly Quote[];
  readonly rejected: readonly RejectedEntry[];
  /** Entries deliberately out of scope (e.g. LiteLLM embedding or image models): counted, not errors. */
  readonly skipped?: number | undefined;
}

/** One price source. `read` throws SourceError when the source as a whole is unusable. */
export interface PriceSource {
  readonly kind: SourceKind;
  read(at: number): Promise<SourceSnapshot>;
}

export type SourceKind = "litellm-json" | "openrouter-json" | "csv" | "replay";

export const SOURCE_KINDS = ["litellm-json", "openrouter-json", "csv", "replay"] as const satisfies readonly SourceKind[];

/** The source as a whole failed (unreadable, not JSON, wrong top-level shape). */
export class SourceError extends Error {
  override readonly name = "SourceError";
  constructor(
    readonly origin: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`source ${origin}: ${detail}`, options);
  }
}
