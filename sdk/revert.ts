/** Turns a reverted simulation into an SdkError with a code and the error's arguments. */
import { BaseError, ContractFunctionRevertedError } from "viem";
import { SdkError, type SdkErrorCode } from "./errors.js";

const CODES: Record<string, SdkErrorCode> = {
  SeriesNotListed: "UNKNOWN_SERIES",
  SeriesExpired: "SERIES_EXPIRED",
  OrderExpired: "ORDER_EXPIRED",
  OrderNonceInvalidated: "ORDER_DEAD",
  OrderIsCancelled: "ORDER_DEAD",
  Overfill: "ORDER_OVERFILL",
  InvalidSignature: "BAD_SIGNATURE",
  NotMaker: "NOT_MAKER",
  OffTick: "OFF_TICK",
  OutsidePriceBand: "OUTSIDE_BAND",
  NotCrossing: "NOT_CROSSING",
  StaleIndex: "STALE_INDEX",
  NoFixing: "NO_INDEX",
  InsufficientFreeBalance: "INSUFFICIENT_BALANCE",
  BelowInitialMargin: "INSUFFICIENT_MARGIN",
  InsufficientMargin: "INSUFFICIENT_MARGIN",
  NoPosition: "NO_POSITION",
  NotSettled: "NOT_SETTLED",
  AccountsUnresolved: "CLAIMS_NOT_OPEN",
};

/** Rethrows `e` as an SdkError when it is a contract revert (code by error name, else REVERTED). */
export function asSdkError(e: unknown, action: string): unknown {
  if (!(e instanceof BaseError)) return e;
  const revert = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return e;
  const name = revert.data?.errorName ?? revert.reason ?? "unknown";
  const args = (revert.data?.args ?? []) as readonly unknown[];
  const shown = args.map((a) => String(a)).join(", ");
  return new SdkError(CODES[name] ?? "REVERTED", `${action} would revert: ${name}(${shown})`, { error: name, args });
}
