/**
 * A futures market on a real node (anvil) for keeper liquidation tests and the keeper benchmark: deploys
 * MockUSDC, MockIndexOracle and FuturesMarket from the Hardhat build artifacts (run `npx hardhat build` first;
 * `npx hardhat test` does it), lists one series, and opens positions with signed orders.
 */
import {
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  encodeAbiParameters,
  keccak256,
  pad,
  stringToHex,
  toHex,
} from "viem";
import { contractArtifact, readArtifact } from "../../../scripts/lib/deploy.js";
import { futuresMarketAbi } from "../../../sdk/abi/FuturesMarket.js";
import { nextMark } from "../../../sdk/marginMath.js";
import { testSeriesParams } from "../../helpers/series.js";
import { type Order, seriesId, signOrder, toCompactSignature } from "../../../sdk/orders.js";
import type { Anvil } from "./anvil.js";
import { clients, fundedAccount } from "./chain.js";

export const INDEX_ID = stringToHex("ATPI", { size: 32 });
export const USDC = 10n ** 6n;
export const TICK = 10n ** 15n;
/** 3.5 USD per 1M tokens. */
export const INDEX = 35n * 10n ** 17n;

export const artifacts = {
  usdc: () => readArtifact("MockUSDC"),
  oracle: () => contractArtifact("mocks/MockIndexOracle"),
  market: () => readArtifact("FuturesMarket"),
  filler: () => contractArtifact("mocks/BenchFiller"),
};

/** `insurance`: what the series' insurance fund starts with (default large enough for every deficit the tests make). */
export async function deployMarketChain(anvil: Anvil, { insurance = 10_000_000n * USDC }: { insurance?: bigint } = {}) {
  const owner = await fundedAccount(anvil, "1000");
  const { publicClient, walletClient } = clients(anvil, owner);
  const deploy = async (a: { abi: Abi; bytecode: Hex }, args: readonly unknown[] = []) => {
    const hash = await walletClient.deployContract({ abi: a.abi, bytecode: a.bytecode, args });
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (!r.contractAddress) throw new Error("deployment failed");
    return { address: r.contractAddress, block: r.blockNumber };
  };
  const usdc = await deploy(artifacts.usdc());
  const oracle = await deploy(artifacts.oracle());
  const market = await deploy(artifacts.market(), [owner.address, usdc.address, oracle.address]);
  const now = (await publicClient.getBlock()).timestamp;
  const params = testSeriesParams(INDEX_ID, now + 30n * 86_400n);
  const id = seriesId(params);
  const chainId = anvil.chainId;

  const write = async (account: LocalAccount, address: Address, abi: Abi, functionName: string, args: readonly unknown[]) => {
    const w = clients(anvil, account).walletClient;
    const hash = await w.writeContract({ address, abi, functionName, args, chain: w.chain, account } as never);
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== "success") throw new Error(`${functionName} reverted`);
    return r;
  };
  await write(owner, market.address, futuresMarketAbi, "listSeries", [params]);

  /** Sets the index at the chain's current time (a new fixing). */
  let lastFixing = 0n;
  /** A new fixing at the latest block's time, or one second after the previous fixing when blocks came within the
   * same second: timestamps strictly increase, as IndexOracle enforces (the keeper keys liquidations by fixing time). */
  async function setIndex(value: bigint) {
    const blockTime = (await publicClient.getBlock()).timestamp;
    const ts = blockTime > lastFixing ? blockTime : lastFixing + 1n;
    lastFixing = ts;
    return write(owner, oracle.address, artifacts.oracle().abi, "set", [INDEX_ID, value, ts]);
  }
  await setIndex(INDEX);

  /**
   * Moves the series' mark to `value` without a limit move (a fixing beyond the 4 % price limit settles the
   * series): one fixing per price-limit step, each the index clamped to the limit, and an updateMark after each.
   */
  async function moveMark(value: bigint) {
    for (let i = 0; i < 100; i++) {
      const [mark] = await publicClient.readContract({ address: market.address, abi: futuresMarketAbi, functionName: "currentMark", args: [params] });
      if (mark === value) return;
      await setIndex(nextMark(mark, value, params.priceLimitBps));
      await write(owner, market.address, futuresMarketAbi, "updateMark", [params]);
    }
    throw new Error(`moveMark: the mark did not reach ${value}`);
  }

  /** A new account (or `existing`) with ether for gas and `usdc` deposited as free balance. */
  async function trader(usdcAmount = 1_000_000n * USDC, existing?: LocalAccount): Promise<LocalAccount> {
    const a = existing ?? (await fundedAccount(anvil));
    if (existing) await anvil.rpc("anvil_setBalance", [a.address, toHex(10n ** 19n)]);
    await write(a, usdc.address, artifacts.usdc().abi, "mint", [a.address, usdcAmount]);
    await write(a, usdc.address, artifacts.usdc().abi, "approve", [market.address, usdcAmount]);
    await write(a, market.address, futuresMarketAbi, "deposit", [usdcAmount]);
    return a;
  }

  let nonce = 0n;
  function order(maker: Address, o: Partial<Order> = {}): Order {
    return { maker, seriesId: id, isBuy: true, size: 10n, limitPrice: INDEX, expiry: params.expiry, nonce: nonce++, maxFeeBps: 10, ...o };
  }

  /** `maker` signs an order that `taker` fills in full. */
  async function trade(maker: LocalAccount, taker: LocalAccount, o: Partial<Order> = {}) {
    const ord = order(maker.address, o);
    const sig = toCompactSignature(await signOrder(maker, chainId, market.address, ord));
    return write(taker, market.address, futuresMarketAbi, "fillSignedOrder", [params, ord, sig, ord.size]);
  }

  const read = {
    position: (a: Address) => publicClient.readContract({ address: market.address, abi: futuresMarketAbi, functionName: "position", args: [id, a] }),
    health: async (a: Address, mark: bigint) => {
      const [equity, , maintenance] = await publicClient.readContract({ address: market.address, abi: futuresMarketAbi, functionName: "accountHealth", args: [params, a, mark] });
      return { equity, maintenance, liquidatable: equity < maintenance };
    },
  };

  // Beyond the insurance a bankruptcy during trading settles the series.
  if (insurance > 0n) {
    const insurer = await trader(insurance);
    await write(insurer, market.address, futuresMarketAbi, "fundInsurance", [params, insurance]);
  }

  return { owner, publicClient, usdc: usdc.address, oracle: oracle.address, market: market.address, startBlock: usdc.block, params, id, chainId, write, setIndex, moveMark, trader, order, trade, read };
}
export type MarketChain = Awaited<ReturnType<typeof deployMarketChain>>;

/** Storage slot of `_free[account]` given the mapping's slot. */
export function freeSlot(account: Address, mappingSlot: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [account, mappingSlot]));
}

/** The storage slot of the market's `_free` mapping, found by probing after a real deposit of `account`. */
export async function findFreeMappingSlot(anvil: Anvil, market: Address, account: Address, balance: bigint): Promise<bigint> {
  for (let slot = 0n; slot < 16n; slot++) {
    const v = await anvil.rpc<Hex>("eth_getStorageAt", [market, freeSlot(account, slot), "latest"]);
    if (BigInt(v) === balance) return slot;
  }
  throw new Error("free balance mapping slot not found");
}

/** Sets free balances directly in storage (bench setup), with JSON-RPC batches. */
export async function setFreeBalances(anvil: Anvil, market: Address, mappingSlot: bigint, accounts: readonly Address[], amount: bigint): Promise<void> {
  for (let i = 0; i < accounts.length; i += 1_000) {
    const body = accounts.slice(i, i + 1_000).map((a, k) => ({
      jsonrpc: "2.0",
      id: k,
      method: "anvil_setStorageAt",
      params: [market, freeSlot(a, mappingSlot), pad(toHex(amount), { size: 32 })],
    }));
    const res = await fetch(anvil.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const out = (await res.json()) as { error?: unknown }[];
    const bad = out.find((r) => r.error);
    if (bad) throw new Error(`anvil_setStorageAt: ${JSON.stringify(bad.error)}`);
  }
}
