/** A connection to one FuturesMarket deployment: read client, optional wallet, order signer, chain checks. */
import type { Abi, Account, Address, Chain, ContractFunctionArgs, ContractFunctionName, Hash, PublicClient, TransactionReceipt, Transport, WalletClient } from "viem";
import { getAddress } from "viem";
import { futuresMarketAbi } from "./abi/FuturesMarket.js";
import { indexOracleAbi } from "./abi/IndexOracle.js";
import { SdkError } from "./errors.js";
import { asSdkError } from "./revert.js";
import { type TypedDataSigner, fromWalletClient } from "./signer.js";

export interface MarketClient {
  readonly publicClient: PublicClient;
  readonly walletClient: WalletClient<Transport, Chain | undefined, Account> | undefined;
  /** Signs orders; defaults to the wallet client's account. */
  readonly signer: TypedDataSigner | undefined;
  readonly market: Address;
  readonly oracle: Address;
  readonly collateral: Address;
  readonly chainId: number;
  /** First block to scan for logs (the market's deployment block). */
  readonly fromBlock: bigint;
  /** Largest block span of one eth_getLogs call (public RPCs cap it); undefined: one call. */
  readonly logBlockRange: bigint | undefined;
  /** Told about each transaction `sendTx` sends (for a UI's pending state). */
  readonly onTransaction?: ((event: TxEvent) => void) | undefined;
}

/** A transaction's progress: simulated and handed to the wallet, sent (hash known), mined. */
export interface TxEvent {
  action: string;
  phase: "wallet" | "sent" | "mined";
  hash?: Hash | undefined;
}

export interface ConnectOptions {
  publicClient: PublicClient;
  walletClient?: WalletClient | undefined;
  signer?: TypedDataSigner | undefined;
  market: Address;
  /** Refuse to connect unless the RPC serves this chain (WRONG_CHAIN). */
  chainId?: number | undefined;
  fromBlock?: bigint | undefined;
  /** Split log scans into calls of at most this many blocks (e.g. 10_000n for public testnet RPCs). */
  logBlockRange?: bigint | undefined;
  onTransaction?: ((event: TxEvent) => void) | undefined;
}

/** Connects to a market: checks the chain id of the RPC (and of the wallet), that code exists, reads oracle and collateral. */
export async function connectMarket(options: ConnectOptions): Promise<MarketClient> {
  const { publicClient } = options;
  const chainId = await publicClient.getChainId();
  if (options.chainId !== undefined && options.chainId !== chainId) {
    throw new SdkError("WRONG_CHAIN", `the RPC serves chain ${chainId}, the deployment is on chain ${options.chainId}`, {
      expected: options.chainId,
      actual: chainId,
    });
  }
  const wallet = options.walletClient;
  if (wallet) {
    if (!wallet.account) throw new SdkError("NO_WALLET", "wallet client has no account");
    const walletChain = await wallet.getChainId();
    if (walletChain !== chainId) {
      throw new SdkError("WRONG_CHAIN", `the wallet is on chain ${walletChain}, the market on chain ${chainId}`, {
        expected: chainId,
        actual: walletChain,
      });
    }
  }
  const market = getAddress(options.market);
  const code = await publicClient.getCode({ address: market });
  if (!code || code === "0x") {
    throw new SdkError("INVALID_INPUT", `no contract at market address ${market} on chain ${chainId}`, { market });
  }
  const [oracle, collateral] = await Promise.all([
    publicClient.readContract({ address: market, abi: futuresMarketAbi, functionName: "oracle" }),
    publicClient.readContract({ address: market, abi: futuresMarketAbi, functionName: "collateral" }),
  ]);
  return {
    publicClient,
    walletClient: wallet as MarketClient["walletClient"],
    signer: options.signer ?? (wallet ? fromWalletClient(wallet) : undefined),
    market,
    oracle,
    collateral,
    chainId,
    fromBlock: options.fromBlock ?? 0n,
    logBlockRange: options.logBlockRange,
    onTransaction: options.onTransaction,
  };
}

/** The account that sends transactions; NO_WALLET without one. */
export function senderOf(mc: MarketClient): Address {
  if (!mc.walletClient) throw new SdkError("NO_WALLET", "this action sends a transaction: connect with a wallet client");
  return mc.walletClient.account.address;
}

/** The account whose orders are signed; NO_WALLET without a signer. */
export function signerOf(mc: MarketClient): TypedDataSigner {
  if (!mc.signer) throw new SdkError("NO_WALLET", "this action signs an order: connect with a signer or a wallet client");
  return mc.signer;
}

/** Result of a sent transaction. */
export interface Sent {
  txHash: Hash;
  receipt: TransactionReceipt;
}

/**
 * Simulates a call from the wallet's account (a revert becomes a typed SdkError, nothing is sent), then sends it
 * and waits for the receipt (a mined revert, a refused wallet request or an RPC failure is an SdkError too).
 */
export async function sendTx<const abi extends Abi, fn extends ContractFunctionName<abi, "nonpayable" | "payable">>(
  mc: MarketClient,
  call: {
    address: Address;
    abi: abi;
    functionName: fn;
    args: ContractFunctionArgs<abi, "nonpayable" | "payable", fn>;
  },
  action: string,
): Promise<Sent> {
  const wallet = mc.walletClient;
  if (!wallet) throw new SdkError("NO_WALLET", `${action}: connect with a wallet client to send transactions`);
  let request: unknown;
  try {
    ({ request } = await mc.publicClient.simulateContract({ ...(call as object), account: wallet.account } as never));
  } catch (e) {
    throw asSdkError(e, action);
  }
  let hash: Hash;
  let receipt: TransactionReceipt;
  try {
    mc.onTransaction?.({ action, phase: "wallet" });
    hash = await wallet.writeContract({ ...(request as object), chain: wallet.chain ?? null } as never);
    mc.onTransaction?.({ action, phase: "sent", hash });
    receipt = await mc.publicClient.waitForTransactionReceipt({ hash });
    mc.onTransaction?.({ action, phase: "mined", hash });
  } catch (e) {
    throw asSdkError(e, action);
  }
  if (receipt.status !== "success") throw new SdkError("REVERTED", `${action}: transaction ${hash} reverted`, { hash });
  return { txHash: hash, receipt };
}

/** Runs `fetch` over [fromBlock, latest] in spans of at most `logBlockRange` blocks and concatenates the results. */
export async function scanLogs<T>(mc: MarketClient, fetch: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>): Promise<T[]> {
  const latest = await mc.publicClient.getBlockNumber({ cacheTime: 0 });
  const step = mc.logBlockRange;
  if (step === undefined || step <= 0n) return fetch(mc.fromBlock, latest);
  const out: T[] = [];
  for (let from = mc.fromBlock; from <= latest; from += step) {
    const to = from + step - 1n < latest ? from + step - 1n : latest;
    out.push(...(await fetch(from, to)));
  }
  return out;
}

/** The latest block's timestamp (what pre-checks compare expiries with). */
export async function chainTime(mc: MarketClient): Promise<bigint> {
  return (await mc.publicClient.getBlock({ blockTag: "latest" })).timestamp;
}

export const marketContract = (mc: MarketClient) => ({ address: mc.market, abi: futuresMarketAbi }) as const;
export const oracleContract = (mc: MarketClient) => ({ address: mc.oracle, abi: indexOracleAbi }) as const;

/** Every log of the market from its first block, decoded (one scan that the book and the trade history can share). */
export async function readMarketLogs(mc: MarketClient) {
  return scanLogs(mc, (fromBlock, toBlock) => mc.publicClient.getContractEvents({ ...marketContract(mc), fromBlock, toBlock, strict: true }));
}
export type MarketLog = Awaited<ReturnType<typeof readMarketLogs>>[number];
