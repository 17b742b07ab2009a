/**
 * Minimal deployment for keeper end-to-end tests: only the real IndexOracle (artifact read by scripts/lib/deploy.ts;
 * `npx hardhat test` builds), deployed with viem, one index created with its operators.
 */
import { type Address, type Hex, type LocalAccount, parseEther } from "viem";
import { readArtifact } from "../../../scripts/lib/deploy.js";
import { indexIdFromName } from "../../../sdk/oracle.js";
import type { Anvil } from "./anvil.js";
import { clients } from "./chain.js";

export interface DeployedOracle {
  oracle: Address;
  indexId: Hex;
}

/** Deploys IndexOracle owned by `owner` and creates `index` with `operators` (quorum = majority). */
export async function deployOracle(
  anvil: Anvil,
  owner: LocalAccount,
  index: { name: string; operators: Address[]; minValue?: bigint; maxValue?: bigint; maxFutureSkew?: number },
): Promise<DeployedOracle> {
  const { abi, bytecode } = readArtifact("IndexOracle");
  const { publicClient, walletClient } = clients(anvil, owner);
  const deployHash = await walletClient.deployContract({ abi, bytecode, args: [owner.address] });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 50 });
  if (!receipt.contractAddress) throw new Error("IndexOracle deployment failed");
  const oracle = receipt.contractAddress;
  const indexId = indexIdFromName(index.name);
  const hash = await walletClient.writeContract({
    address: oracle,
    abi,
    functionName: "createIndex",
    args: [indexId, index.minValue ?? 1n, index.maxValue ?? parseEther("1000000"), index.maxFutureSkew ?? 60, index.operators],
  });
  const created = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (created.status !== "success") throw new Error("createIndex reverted");
  return { oracle, indexId };
}
