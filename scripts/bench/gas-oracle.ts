import type { HardhatViemHelpers } from "@nomicfoundation/hardhat-viem/types";
import { type Hex, getContract, keccak256, parseUnits, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { buildPostFixingArgs, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import { ATPI_INDEX, indexParams } from "../lib/deploy.js";

/** Fixed round times (2025-06-15), so signatures and hence calldata gas are the same on every run. */
const FIRST_ROUND = 1_750_000_000n;

/** Deterministic operator keys for benchmarks (never use outside a local chain). */
function benchOperator(i: number) {
  return privateKeyToAccount(keccak256(stringToHex(`tokenfutures-bench-operator-${i}`)));
}

/**
 * Gas of IndexOracle.postFixing with 3, 5, 9 and 15 registered operators, all signing, measured on the second
 * fixing of the index (storage already non-zero), whole transaction (21k base and calldata included). Each index
 * has the ATPI defaults (fault tolerance 1, spread 50 bps, breaker 10 %); the values are 0.06 % apart at most.
 */
export async function measureOracleGas(viem: HardhatViemHelpers): Promise<Record<string, bigint>> {
  const publicClient = await viem.getPublicClient();
  const [owner] = await viem.getWalletClients();
  if (!owner) throw new Error("measureOracleGas: no wallet client available");
  const { address } = await viem.deployContract("IndexOracle", [owner.account.address]);
  const oracle = getContract({ address, abi: indexOracleAbi, client: { public: publicClient, wallet: owner } });
  const chainId = await publicClient.getChainId();
  const result: Record<string, bigint> = {};

  for (const n of [3, 5, 9, 15]) {
    const indexId = indexIdFromName(`BENCH-${n}`);
    const accounts = Array.from({ length: n }, (_, i) => benchOperator(i));
    const operators = accounts.map((a) => a.address);
    await publicClient.waitForTransactionReceipt({
      hash: await oracle.write.createIndex([
        indexId,
        { ...indexParams(ATPI_INDEX), minValue: 1n, maxValue: parseUnits("1000000", 18) },
        operators,
      ]),
    });

    const post = async (timestamp: bigint, round: number) => {
      const signed = await Promise.all(
        accounts.map((account, i) =>
          signObservation(account, chainId, oracle.address, {
            indexId,
            timestamp,
            methodologyVersion: 1,
            // ~2.5 USD per 1M tokens, each operator a little apart, as real independent computations are.
            value: parseUnits("2.5", 18) + BigInt(i * 100 + round) * 10n ** 12n,
            inputsHash: keccak256(stringToHex(`inputs-${n}-${round}-${i}`)) as Hex,
          }),
        ),
      );
      const hash = await oracle.write.postFixing(buildPostFixingArgs(operators, signed));
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`postFixing with ${n} operators failed`);
      return receipt.gasUsed;
    };

    await post(FIRST_ROUND, 1); // first fixing: makes the index's fixing slot non-zero
    result[`post_fixing_${n}`] = await post(FIRST_ROUND + 60n, 2);
  }
  return result;
}
