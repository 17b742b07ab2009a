/**
 * Round timing from CHAIN time, never from the host clock (K06): the round timestamp is derived from the latest
 * block's timestamp, and no observation is ever signed for a timestamp beyond chain time + the allowed skew.
 * Each signed observation is journaled first; the same round is never signed twice with different values.
 */
import type { Address, LocalAccount, PublicClient } from "viem";
import { type ObservationData, type SignedObservation, signObservation } from "../../sdk/oracle.js";
import type { Journal } from "../chain/journal.js";
import type { KeeperMetrics } from "../observability/metrics.js";

/** The signer was asked to sign a timestamp too far ahead of chain time. */
export class FutureTimestampError extends Error {
  override readonly name = "FutureTimestampError";
  constructor(
    readonly timestamp: bigint,
    readonly chainTime: bigint,
    readonly maxFutureSkew: number,
  ) {
    super(`refusing to sign timestamp ${timestamp}: chain time is ${chainTime}, allowed skew ${maxFutureSkew}s`);
  }
}

/** Timestamp of the latest block. */
export async function chainTime(client: PublicClient): Promise<bigint> {
  const block = await client.getBlock({ blockTag: "latest" });
  return block.timestamp;
}

/** The start of the round containing `time`: rounds are aligned to multiples of `intervalSeconds` since epoch. */
export function roundTimestamp(time: bigint, intervalSeconds: number): bigint {
  if (!Number.isSafeInteger(intervalSeconds) || intervalSeconds <= 0) throw new Error(`interval must be a positive integer, got ${intervalSeconds}`);
  const i = BigInt(intervalSeconds);
  return (time / i) * i;
}

export function assertSignable(timestamp: bigint, now: bigint, maxFutureSkew: number): void {
  if (timestamp > now + BigInt(maxFutureSkew)) throw new FutureTimestampError(timestamp, now, maxFutureSkew);
}

export interface GuardedSignParams {
  account: LocalAccount;
  chainId: number;
  oracle: Address;
  observation: ObservationData;
  /** Chain time (latest block timestamp) read just before signing. */
  chainTime: bigint;
  maxFutureSkew: number;
  journal: Journal;
  metrics?: KeeperMetrics;
  /** Index name for metrics labels. */
  index?: string;
  now?: () => number;
}

/**
 * Signs an observation unless its timestamp is ahead of chain time + skew; if this signer already signed the
 * round (e.g. before a crash), returns the journaled observation instead of signing a second one.
 */
export async function signGuarded(p: GuardedSignParams): Promise<SignedObservation> {
  assertSignable(p.observation.timestamp, p.chainTime, p.maxFutureSkew);
  const signer = p.account.address.toLowerCase();
  const previous = p.journal.observations(p.observation.indexId, p.observation.timestamp).find((o) => o.signer.toLowerCase() === signer);
  if (previous) return previous;
  const signed = await signObservation(p.account, p.chainId, p.oracle, p.observation);
  p.journal.recordObservation(signed, (p.now ?? Date.now)());
  p.metrics?.fixingsSigned.inc({ index: p.index ?? p.observation.indexId });
  return signed;
}
