/**
 * Minimal deployment for keeper end-to-end tests: the real IndexOracle from Hardhat's build artifacts (run
 * `npx hardhat build` first; `npx hardhat test` builds), deployed with viem, one index created with its operators.
 */
import { readFileSync } from "node:fs";
import { type Abi, type Address, type Hex, type LocalAccount, parseEther } from "viem";
import { indexIdFromName } from "../../../sdk/oracle.js";
import type { Anvil } from "./anvil.js";
import { clients } from "./chain.js";

/** ABI and creation bytecode of a compiled contract (artifacts/contracts/<dir>/<Name>.sol/<Name>.json). */
export function artifact(dir: string, name: string): { abi: Abi; bytecode: Hex } {
  const url = new URL(`../../../artifacts/contracts/${dir}/${name}.sol/${name}.json`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, "utf8");
  } catch {
    throw new Error(`no build artifact ${url.pathname}: run \`npx hardhat build\``);
  }
  const json = JSON.parse(text) as { abi: Abi; bytecode: Hex };
  return { abi: json.abi, bytecode: json.bytecode };
}

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
  const { abi, bytecode } = artifact("oracle", "IndexOracle");
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
