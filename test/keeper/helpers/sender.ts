/** Builds a TxSender over a real node for tests, with a controllable clock and an on-disk journal. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, type LocalAccount, encodeFunctionData, parseGwei, parseTransaction } from "viem";
import { Journal } from "../../../keeper/chain/journal.js";
import { RpcPool, createFailoverClient } from "../../../keeper/chain/rpc.js";
import { type FeePolicy, type SenderOptions, TxSender } from "../../../keeper/chain/sender.js";
import { createKeeperMetrics } from "../../../keeper/observability/metrics.js";
import { type Anvil, startAnvil } from "./anvil.js";
import { clients, deploySink, fixingSink, fundedAccount } from "./chain.js";

export interface Clock {
  now: number;
}

export function journalPath(): string {
  return join(mkdtempSync(join(tmpdir(), "keeper-journal-")), "journal.sqlite");
}

export function makeSender(
  anvil: Anvil,
  account: LocalAccount,
  dbPath: string,
  opts: { clock?: Clock; fees?: Partial<FeePolicy>; maxInFlight?: number; confirmations?: number; dryRun?: boolean; hooks?: SenderOptions["hooks"]; feeCapped?: SenderOptions["feeCapped"] } = {},
) {
  const metrics = createKeeperMetrics();
  const pool = new RpcPool({ urls: [anvil.url], chainId: anvil.chainId, timeoutMs: 2_000 });
  const client = createFailoverClient(pool, anvil.chainId);
  const journal = new Journal(dbPath);
  const clock = opts.clock ?? { now: 1_000_000 };
  const sender = new TxSender({
    client,
    account,
    journal,
    chainId: anvil.chainId,
    fees: { maxFeePerGas: parseGwei("50"), priorityFee: parseGwei("1"), bumpPercent: 20, stuckAfterSeconds: 30, ...opts.fees },
    maxInFlight: opts.maxInFlight ?? 4,
    confirmations: opts.confirmations ?? 1,
    dryRun: opts.dryRun ?? false,
    metrics,
    now: () => clock.now,
    ...(opts.hooks ? { hooks: opts.hooks } : {}),
    ...(opts.feeCapped ? { feeCapped: opts.feeCapped } : {}),
  });
  return { sender, journal, client, metrics, clock };
}

/** The send request that posts `round` to a FixingSink. */
export function postRound(sink: Address, round: number, key = `post:${round}`) {
  return { key, kind: "post", to: sink, abi: fixingSink().abi, data: encodeFunctionData({ abi: fixingSink().abi, functionName: "post", args: [BigInt(round)] }) };
}

/** Fees as signed in a raw attempt (decoded from the bytes, not from the journal's columns). */
export function signedFees(raw: Hex): { nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; to: Address | null | undefined } {
  const tx = parseTransaction(raw);
  return { nonce: tx.nonce ?? -1, maxFeePerGas: tx.maxFeePerGas ?? 0n, maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? 0n, to: tx.to };
}

/** The chain of a sender test suite: one anvil per suite, a funded deployer, a fresh FixingSink per test. */
export interface SinkChain {
  anvil: Anvil;
  deployer: LocalAccount;
  sink: Address;
  /** Reads a counter of the current sink. */
  read(fn: "posts" | "lastRound"): Promise<bigint>;
}

/** Call inside a `describe`: registers the hooks that start anvil, fund the deployer and deploy a sink per test. */
export function useSinkChain(): SinkChain {
  const chain = {
    read: async (fn: "posts" | "lastRound") =>
      (await clients(chain.anvil, chain.deployer).publicClient.readContract({ address: chain.sink, abi: fixingSink().abi, functionName: fn })) as bigint,
  } as SinkChain;
  before(async () => {
    chain.anvil = await startAnvil();
    chain.deployer = await fundedAccount(chain.anvil);
  });
  after(async () => {
    await chain.anvil.stop();
  });
  beforeEach(async () => {
    chain.sink = await deploySink(chain.anvil, chain.deployer);
  });
  return chain;
}
