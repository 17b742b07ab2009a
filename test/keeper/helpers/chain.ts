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

const compiled = new Map<string, { abi: Abi; bytecode: Hex }>();

/** Compiles a contract of test/keeper/fixtures/<name>.sol with the wasm solc, once per process (~1 s). */
export function fixture(name: string): { abi: Abi; bytecode: Hex } {
  const cached = compiled.get(name);
  if (cached) return cached;
  const solc = require("solc") as { compile(input: string): string };
  const file = `${name}.sol`;
  const content = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), "utf8");
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { [file]: { content } },
        settings: { evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
      }),
    ),
  ) as { contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>; errors?: { severity: string; message: string }[] };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
  const c = out.contracts[file]?.[name];
  if (!c) throw new Error(`${name} not compiled`);
  const result = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` as Hex };
  compiled.set(name, result);
  return result;
}

/** FixingSink: a round is accepted once, only if newer. */
export const fixingSink = () => fixture("FixingSink");

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
export function deploySink(anvil: Anvil, account: LocalAccount, opts: { mine?: boolean } = {}): Promise<Address> {
  return deployFixture(anvil, account, "FixingSink", [], opts);
}

/** Deploys a fixture contract with constructor arguments. */
export async function deployFixture(
  anvil: Anvil,
  account: LocalAccount,
  name: string,
  args: readonly unknown[],
  opts: { mine?: boolean } = {},
): Promise<Address> {
  const { abi, bytecode } = fixture(name);
  const { publicClient, walletClient } = clients(anvil, account);
  const hash = await walletClient.deployContract({ abi, bytecode, args });
  if (opts.mine) await anvil.rpc("evm_mine");
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (!receipt.contractAddress) throw new Error("deployment failed");
  return receipt.contractAddress;
}
