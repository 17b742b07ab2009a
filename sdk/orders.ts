import {
  type Address,
  type Hex,
  type LocalAccount,
  encodeAbiParameters,
  hashTypedData,
  keccak256,
  parseCompactSignature,
  parseSignature,
  signatureToCompactSignature,
  size as hexSize,
} from "viem";

/** Immutable parameters of a series (FuturesMarket `SeriesParams`); the series id is their hash. */
export interface SeriesParams {
  indexId: Hex;
  expiry: bigint;
  contractSize: bigint;
  tickSize: bigint;
  minSize: bigint;
  initialMarginBps: number;
  maintenanceMarginBps: number;
  makerFeeBps: number;
  takerFeeBps: number;
  priceBandBps: number;
  /** Per new fixing the series' mark moves at most this far (bps of the previous mark) toward the index. */
  priceLimitBps: number;
  liquidationPenaltyBps: number;
  maxFixingAge: number;
  settlementWindow: number;
  settlementGrace: number;
}

/** A maker's order as signed (EIP-712 `Order`). `expiry` is exclusive: valid while block.timestamp < expiry. */
export interface Order {
  maker: Address;
  seriesId: Hex;
  isBuy: boolean;
  size: bigint;
  limitPrice: bigint;
  expiry: bigint;
  nonce: bigint;
  maxFeeBps: number;
}

/** ABI type of `SeriesParams`, in field order (used for the series id). */
export const seriesParamsAbi = {
  type: "tuple",
  components: [
    { name: "indexId", type: "bytes32" },
    { name: "expiry", type: "uint64" },
    { name: "contractSize", type: "uint128" },
    { name: "tickSize", type: "uint128" },
    { name: "minSize", type: "uint64" },
    { name: "initialMarginBps", type: "uint16" },
    { name: "maintenanceMarginBps", type: "uint16" },
    { name: "makerFeeBps", type: "uint16" },
    { name: "takerFeeBps", type: "uint16" },
    { name: "priceBandBps", type: "uint16" },
    { name: "priceLimitBps", type: "uint16" },
    { name: "liquidationPenaltyBps", type: "uint16" },
    { name: "maxFixingAge", type: "uint32" },
    { name: "settlementWindow", type: "uint32" },
    { name: "settlementGrace", type: "uint32" },
  ],
} as const;

/** EIP-712 types of an order. */
export const orderTypes = {
  Order: [
    { name: "maker", type: "address" },
    { name: "seriesId", type: "bytes32" },
    { name: "isBuy", type: "bool" },
    { name: "size", type: "uint64" },
    { name: "limitPrice", type: "uint128" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint64" },
    { name: "maxFeeBps", type: "uint16" },
  ],
} as const;

/** The canonical EIP-712 type string (its keccak256 is the contract's ORDER_TYPEHASH). */
export const ORDER_TYPE_STRING =
  "Order(address maker,bytes32 seriesId,bool isBuy,uint64 size,uint128 limitPrice,uint64 expiry,uint64 nonce,uint16 maxFeeBps)";

/** EIP-712 domain of a FuturesMarket deployment. */
export function marketDomain(chainId: number | bigint, market: Address) {
  return { name: "tokenfutures", version: "1", chainId: BigInt(chainId), verifyingContract: market } as const;
}

/** `keccak256(abi.encode(params))`, the on-chain series id. */
export function seriesId(params: SeriesParams): Hex {
  return keccak256(encodeAbiParameters([seriesParamsAbi], [params]));
}

/** The EIP-712 digest of an order: the key of `filled`, cancels and events on chain. */
export function hashOrder(chainId: number | bigint, market: Address, order: Order): Hex {
  return hashTypedData({ domain: marketDomain(chainId, market), types: orderTypes, primaryType: "Order", message: order });
}

/** An order signature as the market takes it (`Signature`): EIP-2098 compact, `vs` = y parity bit || s. */
export interface CompactSignature {
  r: Hex;
  vs: Hex;
}

/** The compact form of a 65-byte (r, s, v) or 64-byte (EIP-2098) signature, as the market's calls take it. */
export function toCompactSignature(signature: Hex): CompactSignature {
  const bytes = hexSize(signature);
  if (bytes === 64) {
    const { r, yParityAndS } = parseCompactSignature(signature);
    return { r, vs: yParityAndS };
  }
  if (bytes !== 65) throw new Error(`order signature must be 65 or 64 bytes, got ${bytes}`);
  const { r, yParityAndS } = signatureToCompactSignature(parseSignature(signature));
  return { r, vs: yParityAndS };
}

/** Signs an order with a local account (the account must be the order's maker); 65-byte (r, s, v) form. */
export async function signOrder(account: LocalAccount, chainId: number | bigint, market: Address, order: Order): Promise<Hex> {
  if (account.address.toLowerCase() !== order.maker.toLowerCase()) {
    throw new Error(`signOrder: account ${account.address} is not the order's maker ${order.maker}`);
  }
  return account.signTypedData({
    domain: marketDomain(chainId, market),
    types: orderTypes,
    primaryType: "Order",
    message: order,
  });
}
