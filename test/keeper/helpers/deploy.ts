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

/**
 * Deploys IndexOracle owned by `owner` and creates `index` with `operators`. Defaults: fault tolerance 0 (quorum =
 * majority, so one- and three-operator set-ups post as before), no spread limit (10,000 bps), breaker at 100 %
 * with no delay; pass the ATPI defaults (scripts/lib/deploy.ts `ATPI_INDEX`) to test the production rules.
 */
export async function deployOracle(
  anvil: Anvil,
  owner: LocalAccount,
  index: {
    name: string;
    operators: Address[];
    minValue?: bigint;
    maxValue?: bigint;
    maxFutureSkew?: number;
    faultTolerance?: number;
    maxSpreadBps?: number;
    breakerBps?: number;
    breakerDelay?: number;
  },
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
    args: [
      indexId,
      {
        minValue: index.minValue ?? 1n,
        maxValue: index.maxValue ?? parseEther("1000000"),
        maxFutureSkew: index.maxFutureSkew ?? 60,
        faultTolerance: index.faultTolerance ?? 0,
        maxSpreadBps: index.maxSpreadBps ?? 10_000,
        breakerBps: index.breakerBps ?? 10_000,
        breakerDelay: index.breakerDelay ?? 0,
      },
      index.operators,
    ],
  });
  const created = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (created.status !== "success") throw new Error("createIndex reverted");
  return { oracle, indexId };
}
