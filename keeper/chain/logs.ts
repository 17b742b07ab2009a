/**
 * Event log scanning with a persisted cursor (K08): only blocks at least `finalityDepth` below the head are read,
 * in ranges of at most `maxRange` blocks; each range's new logs are handed to a SYNCHRONOUS handler inside one
 * journal transaction together with the cursor update, so a crash never leaves the effects of a range without its
 * cursor or the reverse. Logs are deduplicated by (transaction hash, log index): replaying a range is a no-op.
 */
import type { AbiEvent, Address, Log, PublicClient } from "viem";
import type { Journal } from "./journal.js";

export interface LogScanOptions {
  client: PublicClient;
  journal: Journal;
  /** Name of the cursor in the journal, e.g. "logs:market". */
  cursor: string;
  address: Address | Address[];
  /** Events to fetch (all logs of `address` when omitted). */
  events?: readonly AbiEvent[];
  /** First block to read when the cursor does not exist yet (e.g. the contract's deployment block). */
  startBlock: bigint;
  /** Blocks below the head that are considered final; 0 processes the head itself. */
  finalityDepth: number;
  /** Most blocks per eth_getLogs request. */
  maxRange?: bigint;
}

export interface LogScanResult {
  /** Last block processed (the cursor), or undefined when nothing is final yet. */
  cursor: bigint | undefined;
  /** Logs handed to the handler in this call. */
  delivered: number;
  /** eth_getLogs requests made. */
  requests: number;
}

/** The block the cursor points at (last fully processed), if any. */
export function readCursor(journal: Journal, name: string): bigint | undefined {
  const v = journal.get(name);
  return v === undefined ? undefined : BigInt(v);
}

/** Reads final logs after the cursor up to the current final block; returns when caught up. */
export async function scanLogs(opts: LogScanOptions, handle: (logs: Log[]) => void): Promise<LogScanResult> {
  const maxRange = opts.maxRange ?? 2_000n;
  if (maxRange < 1n) throw new Error(`maxRange must be >= 1, got ${maxRange}`);
  const head = await opts.client.getBlockNumber({ cacheTime: 0 });
  const final = head - BigInt(opts.finalityDepth);
  let cursor = readCursor(opts.journal, opts.cursor);
  let delivered = 0;
  let requests = 0;
  for (;;) {
    const from = cursor === undefined ? opts.startBlock : cursor + 1n;
    if (from > final) break;
    const to = from + maxRange - 1n < final ? from + maxRange - 1n : final;
    const logs = await opts.client.getLogs({
      address: opts.address,
      ...(opts.events ? { events: opts.events } : {}),
      fromBlock: from,
      toBlock: to,
    } as Parameters<PublicClient["getLogs"]>[0]);
    requests++;
    const fresh = opts.journal.transaction(() => {
      const out = logs.filter((l) => l.transactionHash !== null && l.logIndex !== null && l.blockNumber !== null)
        .filter((l) => opts.journal.markLogSeen(l.transactionHash as `0x${string}`, l.logIndex as number, l.blockNumber as bigint));
      if (out.length > 0) handle(out);
      opts.journal.set(opts.cursor, to.toString());
      return out;
    });
    delivered += fresh.length;
    cursor = to;
  }
  return { cursor, delivered, requests };
}
