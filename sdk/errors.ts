/** What went wrong, in a form a program can branch on. */
export type SdkErrorCode =
  | "INVALID_INPUT"
  | "WRONG_CHAIN"
  | "NO_WALLET"
  | "UNKNOWN_SERIES"
  | "SERIES_EXPIRED"
  | "ORDER_EXPIRED"
  | "ORDER_DEAD"
  | "ORDER_OVERFILL"
  | "NOT_MAKER"
  | "BAD_SIGNATURE"
  | "OFF_TICK"
  | "OUTSIDE_BAND"
  | "NOT_CROSSING"
  | "FEE_ABOVE_MAX"
  | "EXPIRY_AFTER_SERIES"
  | "NO_INDEX"
  | "STALE_INDEX"
  | "INSUFFICIENT_BALANCE"
  | "INSUFFICIENT_MARGIN"
  | "NO_POSITION"
  | "NOT_SETTLED"
  | "ALREADY_SETTLED"
  | "LIMIT_MOVE"
  | "CLAIMS_NOT_OPEN"
  | "REVERTED"
  | "REJECTED"
  | "RPC_ERROR";

/** A failed pre-check or a decoded revert. `details` carries the offending values (bigints as bigints). */
export class SdkError extends Error {
  override readonly name = "SdkError";
  constructor(
    readonly code: SdkErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Throws INVALID_INPUT unless `ok`. */
export function ensure(ok: boolean, message: string, details: Record<string, unknown> = {}): asserts ok {
  if (!ok) throw new SdkError("INVALID_INPUT", message, details);
}
