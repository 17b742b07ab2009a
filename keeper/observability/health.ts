/** Health of a keeper: a pure evaluation of what the loops last reported, served at GET /health. */

export interface HealthLimits {
  /** The chain head must have advanced within this many seconds (local time). */
  headStaleSeconds: number;
  /** Each index's latest on-chain fixing must be at most this old (chain time minus fixing timestamp). */
  fixingStaleSeconds: number;
  /** The gas-paying account must hold at least this many wei. */
  minGasBalance: bigint;
  /** Unhealthy once an index's source failed this many polls (or round reads) in a row. */
  sourceFailedPolls: number;
  /** Unhealthy once this many rounds of an index stayed without quorum past the wait (until a fixing lands). */
  noQuorumRounds: number;
}

/** How long (local ms) a fee-cap deferral counts after it was last seen: the loops retry a needed action every pass. */
export const FEE_CAP_WINDOW_MS = 30_000;

/** What the loops report; fields stay undefined until first observed. */
export interface HealthState {
  /** Local time (ms) when the head last advanced, and its number. */
  head?: { number: bigint; advancedAtMs: number };
  /** Chain time (s) of the latest head, used for fixing ages. */
  chainTime?: bigint;
  /** Latest on-chain fixing timestamp per index name (0n = never fixed). */
  fixings: Map<string, bigint>;
  gasBalance?: bigint;
  /** Per index name: why this operator currently refuses to sign (set on refusal, removed once it signs again). */
  refusals: Map<string, string>;
  /** Why no RPC endpoint is usable (per endpoint), while none is; undefined while at least one is. */
  blind?: string[];
  /** Index names whose registered operators do not include this keeper's signer. */
  notOperator: Set<string>;
  /** Per index name: consecutive failed source polls and the last error. */
  sourceFailures: Map<string, { count: number; error: string }>;
  /** Per index name: rounds that stayed without quorum past the wait, not yet overtaken by an on-chain fixing. */
  noQuorum: Map<string, Set<bigint>>;
  /** Per action key: why the fee cap deferred it, and when (local ms) that was last seen. */
  feeCapped: Map<string, { reason: string; atMs: number }>;
}

export interface HealthReport {
  ok: boolean;
  reasons: string[];
}

export function newHealthState(): HealthState {
  return { fixings: new Map(), refusals: new Map(), notOperator: new Set(), sourceFailures: new Map(), noQuorum: new Map(), feeCapped: new Map() };
}

/**
 * Healthy iff some RPC endpoint is usable, the head is fresh, every index has a fresh fixing, the signer is a
 * registered operator of each index, no source failed `sourceFailedPolls` polls in a row, no `noQuorumRounds`
 * rounds went without quorum, the fee cap defers no needed action, this operator is not refusing to sign its own
 * value (integrity.ts) and the gas balance is above the minimum. Every failing check is one readable reason.
 */
export function evaluateHealth(state: HealthState, limits: HealthLimits, nowMs: number): HealthReport {
  const reasons: string[] = [];
  if (state.blind) reasons.push(`rpc: no usable endpoint (${state.blind.join("; ")})`);
  if (!state.head) reasons.push("chain head: not seen yet");
  else {
    const age = Math.floor((nowMs - state.head.advancedAtMs) / 1000);
    if (age > limits.headStaleSeconds) {
      reasons.push(`chain head: block ${state.head.number} has not advanced for ${age}s (limit ${limits.headStaleSeconds}s)`);
    }
  }
  for (const [index, ts] of state.fixings) {
    if (ts === 0n) reasons.push(`fixing ${index}: none on chain yet`);
    else if (state.chainTime !== undefined) {
      const age = state.chainTime - ts;
      if (age > BigInt(limits.fixingStaleSeconds)) {
        reasons.push(`fixing ${index}: latest is ${age}s old (limit ${limits.fixingStaleSeconds}s)`);
      }
    }
  }
  for (const index of state.notOperator) reasons.push(`signer ${index}: not a registered operator of the index (register it with the oracle's owner)`);
  for (const [index, f] of state.sourceFailures) {
    if (f.count >= limits.sourceFailedPolls) reasons.push(`source ${index}: ${f.count} polls failed in a row (limit ${limits.sourceFailedPolls}): ${f.error}`);
  }
  for (const [index, rounds] of state.noQuorum) {
    if (rounds.size >= limits.noQuorumRounds) {
      reasons.push(`quorum ${index}: ${rounds.size} round(s) without quorum (${[...rounds].join(", ")}; limit ${limits.noQuorumRounds})`);
    }
  }
  for (const [key, d] of state.feeCapped) {
    if (nowMs - d.atMs <= FEE_CAP_WINDOW_MS) reasons.push(`fee cap: ${key} deferred: ${d.reason}`);
  }
  for (const [index, reason] of state.refusals) reasons.push(`signing ${index}: ${reason}`);
  if (state.gasBalance === undefined) reasons.push("gas balance: not read yet");
  else if (state.gasBalance < limits.minGasBalance) {
    reasons.push(`gas balance: ${state.gasBalance} wei below minimum ${limits.minGasBalance} wei`);
  }
  return { ok: reasons.length === 0, reasons };
}

/** Records a new head number; the advance time only moves when the number changes. */
export function recordHead(state: HealthState, number: bigint, chainTime: bigint, nowMs: number): void {
  if (!state.head || number > state.head.number) state.head = { number, advancedAtMs: nowMs };
  if (state.chainTime === undefined || chainTime > state.chainTime) state.chainTime = chainTime;
}
