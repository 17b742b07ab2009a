/**
 * Turns any viem error into a typed SdkError: a contract revert gets a code by error name and a sentence in human
 * units (decimal prices, USDC, ISO times); a refused wallet request is REJECTED; a transport failure RPC_ERROR.
 */
import {
  BaseError,
  ChainMismatchError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  HttpRequestError,
  InsufficientFundsError,
  TimeoutError,
  UserRejectedRequestError,
  WebSocketRequestError,
} from "viem";
import { SdkError, type SdkErrorCode } from "./errors.js";
import { formatDecimal, formatPrice, formatTime, formatUsdc } from "./units.js";

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
  FeeAboveMax: "FEE_ABOVE_MAX",
  StaleIndex: "STALE_INDEX",
  NoFixing: "NO_INDEX",
  InsufficientFreeBalance: "INSUFFICIENT_BALANCE",
  BelowInitialMargin: "INSUFFICIENT_MARGIN",
  InsufficientMargin: "INSUFFICIENT_MARGIN",
  NoPosition: "NO_POSITION",
  NotSettled: "NOT_SETTLED",
  AlreadySettled: "ALREADY_SETTLED",
  LimitMove: "LIMIT_MOVE",
  AccountsUnresolved: "CLAIMS_NOT_OPEN",
};

const USDC_ARGS = new Set(["needed", "available", "amount", "equity", "required", "maintenance", "requested", "collateral"]);
const PRICE_ARGS = new Set(["price", "index", "mark", "buyLimit", "sellLimit", "tickSize", "value"]);
const TIME_ARGS = new Set([
  "expiry",
  "blockTimestamp",
  "timestamp",
  "until",
  "windowStart",
  "windowEnd",
  "closedAfter",
  "closesAfter",
  "fallbackAfter",
  "settledAt",
]);

/** One error argument for people, by its ABI name: USDC, a decimal price, an ISO time, bps, or as is. */
export function humanArg(name: string, value: unknown): string {
  if (typeof value === "bigint" || typeof value === "number") {
    const v = BigInt(value);
    if (USDC_ARGS.has(name)) return formatUsdc(v);
    if (PRICE_ARGS.has(name)) return formatPrice(v);
    if (TIME_ARGS.has(name)) return formatTime(v);
    if (name.endsWith("Bps")) return `${v} bps`;
    if (name === "maxAge") return `${v} s`;
  }
  return String(value);
}

type Args = Record<string, string>;
/** Sentences for the errors a trader meets; any other error reads `Name(arg=value, ...)`. */
const SENTENCES: Record<string, (a: Args) => string> = {
  ZeroAmount: () => "the amount is zero",
  InsufficientFreeBalance: (a) => `${a.account} has ${a.available} of free balance, ${a.needed} is needed`,
  SeriesNotListed: (a) => `series ${a.seriesId} is not listed`,
  SeriesExpired: (a) => `the series expired at ${a.expiry} (chain time ${a.blockTimestamp})`,
  SeriesNotExpired: (a) => `the series expires at ${a.expiry} (chain time ${a.blockTimestamp})`,
  WrongSeries: (a) => `the order is for series ${a.orderSeriesId}, not ${a.seriesId}`,
  OrderExpired: (a) => `order ${a.orderHash} expired at ${a.expiry} (chain time ${a.blockTimestamp})`,
  OrderNonceInvalidated: (a) => `order ${a.orderHash} has nonce ${a.nonce}, below its maker's minimum nonce ${a.minNonce} (cancelled)`,
  OrderIsCancelled: (a) => `order ${a.orderHash} is cancelled`,
  Overfill: (a) => `order ${a.orderHash} has ${a.filled} of ${a.orderSize} contracts filled: ${a.size} more do not fit`,
  FillBelowMinSize: (a) => `${a.size} contracts is below the series' minimum of ${a.minSize}`,
  InvalidSignature: (a) => `order ${a.orderHash} is not signed by its maker`,
  NotMaker: (a) => `${a.caller} is not the order's maker ${a.maker}`,
  SelfTrade: (a) => `${a.account} cannot trade with itself`,
  FeeAboveMax: (a) => `the fee of ${a.feeBps} exceeds the maximum ${a.maxFeeBps} that ${a.maker} signed`,
  NotCrossing: (a) => `price ${a.price} is not within the sell limit ${a.sellLimit} and the buy limit ${a.buyLimit}`,
  OffTick: (a) => `price ${a.price} is not a multiple of the tick ${a.tickSize}`,
  OutsidePriceBand: (a) => `price ${a.price} is outside the allowed range of ${a.bandBps} around the mark ${a.index}`,
  StaleIndex: (a) => `the latest fixing (${a.timestamp}) is older than ${a.maxAge} at chain time ${a.blockTimestamp}`,
  SeriesPaused: (a) => `series ${a.seriesId} is paused`,
  DustPosition: (a) => `${a.account} would keep ${a.size} contracts, below the minimum of ${a.minSize}`,
  BelowInitialMargin: (a) => `${a.account} would have equity ${a.equity}, below the initial margin of ${a.required}`,
  InsufficientMargin: (a) => `${a.account} has ${a.available} of margin, ${a.needed} is needed`,
  NoPosition: (a) => `${a.account} has no position in series ${a.seriesId}`,
  MinNonceNotIncreasing: (a) => `the new minimum nonce ${a.requested} must exceed the current ${a.current}`,
  AccountHealthy: (a) => `${a.account} is healthy (equity ${a.equity}, maintenance ${a.maintenance})`,
  NotSettled: (a) => `series ${a.seriesId} is not settled yet`,
  AccountsUnresolved: (a) => `claims open once every account is resolved: ${a.remaining} left in series ${a.seriesId}`,
  NothingToClaim: (a) => `${a.account} has nothing to claim in series ${a.seriesId}`,
  SettlementWindowOpen: (a) => `the settlement window is open until ${a.closesAfter}`,
  AlreadySettled: (a) => `series ${a.seriesId} is settled: trading, margin moves and liquidations have ended; close out and claim`,
  LimitMove: (a) =>
    `the index ${a.index} moved beyond ${a.priceLimit ? `the ${a.priceLimit}` : "the series'"} price limit from the mark ${a.mark}: ` +
    "the series settles at the limit price; call updateMark",
};

/** What the sentences may say beyond the error's own arguments: the series' price limit (from the call's params). */
export interface RevertContext {
  priceLimitBps?: number;
}

/** The contract error `name` with its ABI-named arguments as a sentence in human units. */
export function revertSentence(name: string, inputs: readonly { name?: string | undefined }[], args: readonly unknown[], context: RevertContext = {}): string {
  const named: Args = {};
  if (context.priceLimitBps !== undefined) named.priceLimit = `${formatDecimal(BigInt(context.priceLimitBps), 2)} %`;
  inputs.forEach((input, i) => {
    const key = input.name || `arg${i}`;
    named[key] = humanArg(key, args[i]);
  });
  const sentence = SENTENCES[name];
  if (sentence) return sentence(named);
  const shown = inputs.map((input, i) => input.name || `arg${i}`).map((k) => `${k}=${named[k]}`);
  return `${name}(${shown.join(", ")})`;
}

/** The series' price limit when the reverted call took series params first (every market call that can revert LimitMove does). */
function callContext(e: BaseError): RevertContext {
  const call = e.walk((x) => x instanceof ContractFunctionExecutionError);
  const params = call instanceof ContractFunctionExecutionError ? call.args?.[0] : undefined;
  const bps = typeof params === "object" && params !== null ? (params as { priceLimitBps?: unknown }).priceLimitBps : undefined;
  return typeof bps === "number" ? { priceLimitBps: bps } : {};
}

/**
 * `e` as an SdkError when it is a viem error: a contract revert (code by error name, else REVERTED) reads
 * "`action` would revert: <sentence>"; a refused wallet request is REJECTED; a wallet on another chain
 * WRONG_CHAIN; no funds for gas INSUFFICIENT_BALANCE; a transport failure or any other viem error RPC_ERROR.
 * Other values are returned unchanged.
 */
export function asSdkError(e: unknown, action: string): unknown {
  if (e instanceof SdkError || !(e instanceof BaseError)) return e;
  const revert = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError) {
    const name = revert.data?.errorName ?? revert.reason ?? "unknown";
    const args = (revert.data?.args ?? []) as readonly unknown[];
    const inputs = (revert.data?.abiItem as { inputs?: readonly { name?: string }[] } | undefined)?.inputs ?? [];
    const sentence = revertSentence(name, inputs, args, callContext(e));
    return new SdkError(CODES[name] ?? "REVERTED", `${action} would revert: ${sentence}`, { error: name, args });
  }
  const is = (cls: abstract new (...a: never[]) => BaseError) => e.walk((x) => x instanceof cls) !== null;
  if (is(UserRejectedRequestError)) return new SdkError("REJECTED", `${action}: the wallet refused the request`);
  if (is(ChainMismatchError)) return new SdkError("WRONG_CHAIN", `${action}: the wallet is on another chain than the market`);
  if (is(InsufficientFundsError)) return new SdkError("INSUFFICIENT_BALANCE", `${action}: the account cannot pay for gas`);
  if (is(HttpRequestError) || is(WebSocketRequestError) || is(TimeoutError)) {
    return new SdkError("RPC_ERROR", `${action}: the RPC node did not answer (${e.shortMessage})`);
  }
  return new SdkError("RPC_ERROR", `${action}: ${e.shortMessage}`);
}
