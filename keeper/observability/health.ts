/** Health of a keeper: a pure evaluation of what the loops last reported, served at GET /health. */

export interface HealthLimits {
  /** The chain head must have advanced within this many seconds (local time). */
  headStaleSeconds: number;
  /** Each index's latest on-chain fixing must be at most this old (chain time minus fixing timestamp). */
  fixingStaleSeconds: number;
  /** The gas-paying account must hold at least this many wei. */
  minGasBalance: bigint;
}

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
}

export interface HealthReport {
  ok: boolean;
  reasons: string[];
}

export function newHealthState(): HealthState {
  return { fixings: new Map(), refusals: new Map() };
}

/**
 * Healthy iff the head is fresh, every index has a fresh fixing, this operator is not refusing to sign its own value
 * (integrity.ts) and the gas balance is above the minimum.
 */
export function evaluateHealth(state: HealthState, limits: HealthLimits, nowMs: number): HealthReport {
  const reasons: string[] = [];
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
