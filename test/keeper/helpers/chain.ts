/** Chain fixtures for keeper tests: compile the test contract with the wasm solc, fund fresh accounts, deploy. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  createPublicClient,
  createWalletClient,
  http,
  parseEther,
  toHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { chainFor } from "../../../keeper/chain/rpc.js";
import type { Anvil } from "./anvil.js";

const require = createRequire(import.meta.url);

let compiled: { abi: Abi; bytecode: Hex } | undefined;

/** FixingSink compiled once per process (about 1 s with the wasm compiler). */
export function fixingSink(): { abi: Abi; bytecode: Hex } {
  if (compiled) return compiled;
  const solc = require("solc") as { compile(input: string): string };
  const content = readFileSync(new URL("../fixtures/FixingSink.sol", import.meta.url), "utf8");
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "FixingSink.sol": { content } },
        settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
      }),
    ),
  ) as { contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>; errors?: { severity: string; message: string }[] };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
  const c = out.contracts["FixingSink.sol"]?.["FixingSink"];
  if (!c) throw new Error("FixingSink not compiled");
  compiled = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  return compiled;
}

/** A new random account with `eth` ether on the node. */
export async function fundedAccount(anvil: Anvil, eth = "10"): Promise<LocalAccount> {
  const account = privateKeyToAccount(generatePrivateKey());
  await anvil.rpc("anvil_setBalance", [account.address, toHex(parseEther(eth))]);
  return account;
}

export function clients(anvil: Anvil, account: LocalAccount) {
  const chain = chainFor(anvil.chainId, anvil.url);
  return {
    publicClient: createPublicClient({ chain, transport: http(anvil.url), cacheTime: 0 }),
    walletClient: createWalletClient({ chain, transport: http(anvil.url), account }),
  };
}

/** Deploys FixingSink from `account` (mining a block when the node does not auto-mine). */
export async function deploySink(anvil: Anvil, account: LocalAccount, opts: { mine?: boolean } = {}): Promise<Address> {
  const { abi, bytecode } = fixingSink();
  const { publicClient, walletClient } = clients(anvil, account);
  const hash = await walletClient.deployContract({ abi, bytecode });
  if (opts.mine) await anvil.rpc("evm_mine");
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (!receipt.contractAddress) throw new Error("deployment failed");
  return receipt.contractAddress;
}
