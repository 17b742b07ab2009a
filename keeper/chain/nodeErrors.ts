/** Reading node and EVM errors: what a broadcast answer means, and whether a simulation failure is a revert. */
import { type Abi, type Hex, BaseError, decodeErrorResult } from "viem";

/** What a node's error message says about a broadcast (classes as in Chainlink's txmgr). */
export type BroadcastOutcome = "ok" | "known" | "nonce-used" | "underpriced" | "fee-too-low" | "funds" | "retry" | "fatal";

export function classifySendError(message: string): BroadcastOutcome {
  const m = message.toLowerCase();
  if (/already known|known transaction|already imported|already exists|already in (the )?(tx)?pool/.test(m)) return "known";
  if (/nonce too low|nonce is too low|nonce too small|nonce has already been used|oldnonce/.test(m)) return "nonce-used";
  if (/replacement (transaction )?underpriced|replacement fee too low|underpriced/.test(m)) return "underpriced";
  if (/less than (the )?block base fee|max fee per gas less than|fee cap less than|feecap/.test(m)) return "fee-too-low";
  if (/insufficient funds|insufficient balance/.test(m)) return "funds";
  if (/timeout|timed out|no usable rpc|econnrefused|network|http \d|fetch failed|socket/.test(m)) return "retry";
  return "fatal";
}

/** The most useful text of an error (viem's short message and details). */
export const errorText = (e: unknown): string =>
  e instanceof BaseError ? `${e.shortMessage} ${e.details ?? ""}`.trim() : e instanceof Error ? e.message : String(e);

/** "ErrorName(arg, ...)" when the revert data decodes with `abi`, else the error's text. */
export function revertReason(e: unknown, abi?: Abi): string {
  if (abi && e instanceof BaseError) {
    const withData = e.walk((x) => typeof (x as { data?: unknown }).data === "string") as { data?: unknown } | null;
    const data = withData?.data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) {
      try {
        const d = decodeErrorResult({ abi, data: data as Hex });
        return `${d.errorName}(${(d.args ?? []).map((a) => String(a)).join(", ")})`;
      } catch {
        // not an error of this ABI: fall through to the text
      }
    }
  }
  return errorText(e);
}

/** Whether an error of eth_call / eth_estimateGas is the EVM reverting (as opposed to the RPC failing). */
export function isRevert(e: unknown): boolean {
  if (e instanceof BaseError) {
    const found = e.walk((x) => {
      const err = x as { code?: unknown; data?: unknown; name?: unknown; message?: unknown };
      return (
        err.code === 3 ||
        err.name === "ExecutionRevertedError" ||
        err.name === "ContractFunctionRevertedError" ||
        (typeof err.data === "string" && err.data.startsWith("0x") && err.data.length >= 10) ||
        (typeof err.message === "string" && /revert/i.test(err.message))
      );
    });
    return found !== null;
  }
  return e instanceof Error && /revert/i.test(e.message);
}
