/**
 * The checks an operator runs on its own value before signing it (THREATS.md K07, C28): a value far from the
 * last on-chain fixing or from what its peers computed for the same round is not signed. Pure functions; the
 * fixing loop logs, counts and reports the verdict.
 *
 * Deviation is measured like the oracle's spread tolerance: |a - b| / min(a, b), in basis points, rounded up.
 * So a x1000 and a x0.001 error both read as 99,900 %, and the real -18 % move of March 2025 reads as 22.2 %.
 */

/** Where a reference value came from. */
export type ReferenceKind = "last_fixing" | "peers";

export interface IntegrityLimits {
  /** Largest deviation (bps) from the latest on-chain fixing that is still signed. */
  maxMoveVsLastBps: number;
  /** Largest deviation (bps) from the peers' reference value that is still signed. */
  maxPeerDeviationBps: number;
}

/** One comparison of the own value with a reference. */
export interface DeviationCheck {
  reference: ReferenceKind;
  own: bigint;
  referenceValue: bigint;
  deviationBps: bigint;
  limitBps: number;
}

export type IntegrityVerdict =
  /** Sign: every check that had a reference passed (`checks` may be empty only without configured peers). */
  | { sign: true; checks: DeviationCheck[] }
  /** Do not sign: the first failing check, with all checks run. */
  | { sign: false; refused: DeviationCheck; checks: DeviationCheck[] }
  /** Do not sign yet: no on-chain fixing and no peer value to compare with (the round stays due). */
  | { sign: false; waiting: "no_reference"; checks: DeviationCheck[] };

/** |a - b| * 10_000 / min(a, b), rounded up; both must be > 0. */
export function deviationBps(a: bigint, b: bigint): bigint {
  if (a <= 0n || b <= 0n) throw new Error(`deviation needs positive values, got ${a} and ${b}`);
  const diff = a > b ? a - b : b - a;
  const low = a < b ? a : b;
  return (diff * 10_000n + low - 1n) / low;
}

/**
 * The peers' reference for `own`: the median of the peers' values; for an even count, of the two middle values
 * the one nearer `own` (so one faulty peer among two cannot make an honest operator refuse, and a faulty
 * operator still sees at least half of its peers against it). Undefined without peer values.
 */
export function peerReference(own: bigint, peers: readonly bigint[]): bigint | undefined {
  if (peers.length === 0) return undefined;
  const s = [...peers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hi = s[Math.floor(s.length / 2)] as bigint;
  if (s.length % 2 === 1) return hi;
  const lo = s[s.length / 2 - 1] as bigint;
  const dist = (x: bigint) => (x > own ? x - own : own - x);
  return dist(lo) <= dist(hi) ? lo : hi;
}

/**
 * Decides whether `own` may be signed. `lastFixing` is the latest on-chain value (0n: none yet); `peers` the
 * values the operator's peers computed or signed for the same round (one per peer); `peersConfigured` whether the
 * operator has peers at all (a single-operator index has nobody to compare with).
 */
export function checkBeforeSigning(p: {
  own: bigint;
  lastFixing: bigint;
  peers: readonly bigint[];
  peersConfigured: boolean;
  limits: IntegrityLimits;
}): IntegrityVerdict {
  const checks: DeviationCheck[] = [];
  if (p.lastFixing > 0n) {
    checks.push({ reference: "last_fixing", own: p.own, referenceValue: p.lastFixing, deviationBps: deviationBps(p.own, p.lastFixing), limitBps: p.limits.maxMoveVsLastBps });
  }
  const ref = peerReference(p.own, p.peers);
  if (ref !== undefined) {
    checks.push({ reference: "peers", own: p.own, referenceValue: ref, deviationBps: deviationBps(p.own, ref), limitBps: p.limits.maxPeerDeviationBps });
  }
  const refused = checks.find((c) => c.deviationBps > BigInt(c.limitBps));
  if (refused) return { sign: false, refused, checks };
  if (checks.length === 0 && p.peersConfigured) return { sign: false, waiting: "no_reference", checks };
  return { sign: true, checks };
}

/**
 * The observations a poster submits: the largest run of values (sorted ascending) whose spread stays within
 * `maxSpreadBps` — every valid observation when the operators agree, without the outliers that would make the
 * oracle reject the whole post. Ties go to the run with the lowest values. Depends only on the set, never on the
 * order the observations arrived in.
 */
export function consistentSubset<T extends { value: bigint; signer: string }>(observations: readonly T[], maxSpreadBps: number): T[] {
  const s = [...observations].sort((a, b) =>
    a.value < b.value ? -1 : a.value > b.value ? 1 : a.signer.toLowerCase() < b.signer.toLowerCase() ? -1 : 1,
  );
  let best: [number, number] = [0, 0];
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    if (j < i) j = i;
    while (j + 1 < s.length && withinSpread((s[i] as T).value, (s[j + 1] as T).value, maxSpreadBps)) j++;
    if (j - i + 1 > best[1] - best[0]) best = [i, j + 1];
  }
  return s.slice(best[0], best[1]);
}

function withinSpread(low: bigint, high: bigint, maxSpreadBps: number): boolean {
  return (high - low) * 10_000n <= low * BigInt(maxSpreadBps);
}
