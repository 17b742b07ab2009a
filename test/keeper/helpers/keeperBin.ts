/**
 * The compiled keeper bin as an operator runs it: a chain with an ATPI oracle whose operators include a fresh
 * signer, the base config of a keeper signing with it (key in the env as OP_KEY), config files in a temp dir and
 * the bin spawned with its output captured.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { KEEPER_CLI, ensureKeeperBuilt } from "../../../scripts/lib/keeperProcess.js";
import { type Anvil, startAnvil } from "./anvil.js";
import { fundedAccount } from "./chain.js";
import { deployOracle } from "./deploy.js";

export interface SignerChain {
  anvil: Anvil;
  oracle: Address;
  /** A keeper config signing with the key in OP_KEY on this chain (replay source, no market). */
  base: () => Record<string, unknown>;
}

/** Builds the bin if needed, starts anvil and deploys an oracle with `signer` and one other operator for ATPI. */
async function startSignerChain(signer: Address): Promise<SignerChain> {
  ensureKeeperBuilt();
  const anvil = await startAnvil();
  const owner = await fundedAccount(anvil);
  const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [signer, privateKeyToAccount(generatePrivateKey()).address] });
  const base = () => ({
    chainId: anvil.chainId,
    rpc: { urls: [anvil.url], probeIntervalMs: 200 },
    contracts: { oracle },
    indexes: ["ATPI"],
    sources: [{ index: "ATPI", kind: "replay" }],
    keys: { signer: { privateKeyEnv: "OP_KEY" } },
    gas: { maxFeePerGasGwei: "100" },
  });
  return { anvil, oracle, base };
}

/**
 * Mocha hooks of a describe block that runs the bin against a signer chain: a fresh operator key (`key`, passed to
 * the bin as OP_KEY), the chain started before the block's tests and stopped after them.
 */
export function useSignerChain(): { key: Hex; chain: () => SignerChain; base: () => Record<string, unknown> } {
  const key = generatePrivateKey();
  const signer = privateKeyToAccount(key).address;
  let chain: SignerChain | undefined;
  before(async () => {
    chain = await startSignerChain(signer);
  });
  after(async () => {
    await chain?.anvil.stop();
  });
  const started = () => {
    if (!chain) throw new Error("useSignerChain: the chain starts in the block's before hook");
    return chain;
  };
  return { key, chain: started, base: () => started().base() };
}

/** Writes keeper.json (`{ dataDir: "./data", ...config }`) and `files` into a new temp dir; returns keeper.json's path. */
export function writeKeeperConfig(config: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "keeper-bin-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "keeper.json"), JSON.stringify({ dataDir: "./data", ...config }));
  return join(dir, "keeper.json");
}

/** Runs the compiled bin to its exit; `onSpawn` gets a kill function and the stdout so far. */
export function runKeeperCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { cwd?: string; onSpawn?: (kill: (s: NodeJS.Signals) => void, out: () => string) => void } = {},
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KEEPER_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env }, ...(options.cwd ? { cwd: options.cwd } : {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
    options.onSpawn?.((s) => child.kill(s), () => stdout);
  });
}
