/** Posts a fixing signed by operator accounts (local chains, tests and the demo; real operators run the keeper). */
import type { Address, Hex, LocalAccount, PublicClient } from "viem";
import { keccak256, stringToHex } from "viem";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { buildPostFixingArgs, signObservation } from "../../sdk/oracle.js";
import type { Wallet } from "./deploy.js";

export interface PostFixingOptions {
  publicClient: PublicClient;
  wallet: Wallet;
  oracle: Address;
  indexId: Hex;
  /** Fixing time (unix seconds). */
  timestamp: bigint;
  /** 18 decimals. */
  value: bigint;
  /** Operator accounts that sign (a quorum of the registered ones). */
  signers: readonly LocalAccount[];
  methodologyVersion?: number | undefined;
  inputsHash?: Hex | undefined;
}

/** Every signer signs the same value; the fixing is posted by `wallet`. Returns the transaction hash. */
export async function postFixing(o: PostFixingOptions): Promise<Hex> {
  const args = await signRound(o);
  const { request } = await o.publicClient.simulateContract({
    address: o.oracle,
    abi: indexOracleAbi,
    functionName: "postFixing",
    args: [args[0], args[1], args[2], args[3], args[4]],
    account: o.wallet.account,
  });
  const hash = await o.wallet.writeContract({ ...request, chain: o.wallet.chain ?? null } as never);
  const receipt = await o.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`postFixing reverted (${hash})`);
  return hash;
}

/** The round every signer signs (same value), as `postFixing` and the market's `recordSettlementFixing` take it. */
export async function signRound(o: Omit<PostFixingOptions, "wallet">) {
  const chainId = await o.publicClient.getChainId();
  const operators = await o.publicClient.readContract({ address: o.oracle, abi: indexOracleAbi, functionName: "operators", args: [o.indexId] });
  const observation = {
    indexId: o.indexId,
    timestamp: o.timestamp,
    methodologyVersion: o.methodologyVersion ?? 1,
    value: o.value,
    inputsHash: o.inputsHash ?? keccak256(stringToHex(`fixing ${o.timestamp} ${o.value}`)),
  };
  const signed = await Promise.all(o.signers.map((s) => signObservation(s, chainId, o.oracle, observation)));
  return buildPostFixingArgs(operators, signed);
}
