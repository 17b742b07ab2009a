/** A local network of operators for keeper end-to-end tests: anvil, the real oracle, one keeper process per running operator. */
import { type Address, type Hex, type PublicClient, parseAbiItem, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadIndexDefinition } from "../../../keeper/indexConfig.js";
import type { ChainState } from "../../../keeper/methodology/types.js";
import { fixingOfWindow, readWindow, windowPollTimes } from "../../../keeper/oracle/window.js";
import type { PriceSource } from "../../../keeper/sources/types.js";
import { type Anvil, freePort, startAnvil } from "./anvil.js";
import { clients, fundedAccount } from "./chain.js";
import { deployOracle } from "./deploy.js";
import { KeeperProcess, tempRoot } from "./keepers.js";

export const DAY = 86_400;
/** 2025-06-02T00:00:00Z: inside the bundled price history. */
export const START = 1_748_822_400;

export const fixingPosted = parseAbiItem(
  "event FixingPosted(bytes32 indexed indexId, uint64 indexed timestamp, uint256 value, uint32 methodologyVersion, bytes32 inputsHash, uint256 signers, address poster)",
);

export interface Network {
  anvil: Anvil;
  client: PublicClient;
  oracle: Address;
  indexId: Hex;
  operators: Address[];
  /** The operators' private keys, in the order of `operators`. */
  keys: Hex[];
  keepers: KeeperProcess[];
  stop(): Promise<void>;
}

export interface NetworkOptions {
  rpcUrls?: (anvil: Anvil) => Promise<string[]>;
  overrides?: Record<string, unknown>;
  perKeeper?: (i: number) => Record<string, unknown>;
  /** Registered operators (default 3). */
  operators?: number;
  /** How many of them run a keeper process (the first ones; default all). The others' keys are in `keys`. */
  keepers?: number;
  /** Chain start (unix seconds; default START + 100). */
  startAt?: number;
  /** createIndex parameters beyond the operators (see helpers/deploy.ts). */
  index?: Omit<Parameters<typeof deployOracle>[2], "name" | "operators">;
}

/**
 * Starts anvil, deploys the oracle with funded operators (default three, quorum 2) and starts a keeper process for
 * each (or for the first `keepers`); every keeper has the other running keepers as peers.
 */
export async function startNetwork(opts: NetworkOptions = {}): Promise<Network> {
  const anvil = await startAnvil({ args: ["--timestamp", String(opts.startAt ?? START + 100)] });
  const owner = await fundedAccount(anvil);
  const keys = Array.from({ length: opts.operators ?? 3 }, () => generatePrivateKey());
  const operators = keys.map((k) => privateKeyToAccount(k).address);
  for (const a of operators) await anvil.rpc("anvil_setBalance", [a, toHex(parseEther("10"))]);
  const { oracle, indexId } = await deployOracle(anvil, owner, { ...opts.index, name: "ATPI", operators });
  const running = keys.slice(0, opts.keepers ?? keys.length);
  const ports: number[] = [];
  for (const _ of running) ports.push(await freePort());
  const root = tempRoot();
  const rpcUrls = opts.rpcUrls ? await opts.rpcUrls(anvil) : [anvil.url];
  const keepers = running.map(
    (privateKey, i) =>
      new KeeperProcess(
        {
          name: `op${i}`,
          privateKey,
          chainId: anvil.chainId,
          rpcUrls,
          oracle,
          port: ports[i] as number,
          peerUrls: ports.filter((_, j) => j !== i).map((p) => `http://127.0.0.1:${p}`),
          overrides: { ...opts.overrides, ...opts.perKeeper?.(i) },
        },
        root,
      ),
  );
  await Promise.all(keepers.map((k) => k.start()));
  const { publicClient } = clients(anvil, owner);
  return {
    anvil,
    client: publicClient,
    oracle,
    indexId,
    operators,
    keys,
    keepers,
    async stop() {
      await Promise.all(keepers.map((k) => k.stop("SIGTERM")));
      await anvil.stop();
    },
  };
}

/** Every FixingPosted of the oracle, oldest first. */
export async function postedFixings(net: Network) {
  const logs = await net.client.getLogs({ address: net.oracle, event: fixingPosted, fromBlock: 0n });
  return logs.map((l) => ({ timestamp: l.args.timestamp as bigint, value: l.args.value as bigint, signers: l.args.signers as bigint, poster: l.args.poster as Address }));
}

export async function chainNow(net: Network): Promise<bigint> {
  return (await net.client.getBlock({ blockTag: "latest" })).timestamp;
}

export function roundOf(t: bigint): bigint {
  return t - (t % BigInt(DAY));
}

/** Moves chain time by `seconds` and mines a block. */
export async function advance(net: Network, seconds: number): Promise<void> {
  await net.anvil.rpc("evm_increaseTime", [seconds]);
  await net.anvil.rpc("evm_mine");
}

/** Waits until the oracle's latest fixing is at `round` (or later). */
export async function waitForRound(net: Network, round: bigint, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const posted = await postedFixings(net);
    if (posted.some((p) => p.timestamp >= round)) return;
    if (Date.now() > deadline) {
      throw new Error(`round ${round} not posted within ${timeoutMs} ms; posted: ${posted.map((p) => p.timestamp).join(", ")}\n${net.keepers.map((k) => `${k.spec.name}:\n${k.tail(8)}`).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The methodology's value of a round: the window of polls read from the replay history, computed independently,
 * without a previous state (a v2 index's first fixing) unless `previous` is given.
 */
export async function methodologyValue(source: PriceSource, round: bigint, previous?: ChainState): Promise<bigint> {
  return (await methodologyFixing(source, round, previous)).value;
}

/** The methodology's value of a round and the state it hands the next fixing. */
export async function methodologyFixing(source: PriceSource, round: bigint, previous?: ChainState): Promise<{ value: bigint; state?: ChainState }> {
  const def = await loadIndexDefinition("ATPI");
  const result = fixingOfWindow(def, await readWindow(source, windowPollTimes(round, DAY, 4)), round, previous);
  if (!result.ok) throw new Error(`no fixing at ${round}: ${result.reason.code}`);
  return { value: result.fixing.value, ...(result.chainState ? { state: result.chainState } : {}) };
}

/** The values of consecutive rounds as the keepers compute them: each with the previous round's state (v2). */
export async function methodologySeries(source: PriceSource, rounds: readonly bigint[]): Promise<bigint[]> {
  const values: bigint[] = [];
  let state: ChainState | undefined;
  for (const round of rounds) {
    const f = await methodologyFixing(source, round, state);
    values.push(f.value);
    state = f.state;
  }
  return values;
}

/** An operator's observation for a round, from its /observations route. */
export async function servedObservation(keeper: KeeperProcess, round: bigint): Promise<{ value: string; r: string; vs: string; signer: string } | undefined> {
  const res = await fetch(`${keeper.url}/observations?index=ATPI&timestamp=${round}`);
  const body = (await res.json()) as { observations: { value: string; r: string; vs: string; signer: string }[] };
  return body.observations[0];
}

/** Nonce of each operator at "latest" and "pending": equal means nothing stuck and no gap. */
export async function nonces(net: Network): Promise<{ latest: number; pending: number }[]> {
  return Promise.all(
    net.operators.map(async (address) => ({
      latest: await net.client.getTransactionCount({ address, blockTag: "latest" }),
      pending: await net.client.getTransactionCount({ address, blockTag: "pending" }),
    })),
  );
}

/** A transaction in anvil's pool (txpool_content: quantities as hex strings). */
export interface PoolTx {
  hash: Hex;
  from: Address;
  to: Address | null;
  nonce: string;
  maxFeePerGas: string;
}

/** The node's pending transactions (auto-mining off). */
export async function pendingTxs(net: Network): Promise<PoolTx[]> {
  const content = await net.anvil.rpc<{ pending: Record<string, Record<string, PoolTx>> }>("txpool_content");
  return Object.values(content.pending).flatMap((byNonce) => Object.values(byNonce));
}

/** Polls `fn` every 100 ms until it gives a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
