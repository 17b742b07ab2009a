import { network } from "hardhat";
import { type Address, getContract, stringToHex } from "viem";
import { futuresMarketAbi } from "../../../sdk/abi/FuturesMarket.js";
import { mockUSDCAbi as mockUsdcAbi } from "../../../sdk/abi/MockUSDC.js";
import { blacklistTokenAbi, hookTokenAbi, mockIndexOracleAbi } from "./mockAbis.js";
import { mnemonicToAccount } from "viem/accounts";
import { testSeriesParams } from "../../helpers/series.js";
import { nextMark } from "../../../sdk/marginMath.js";
import { type CompactSignature, type Order, type SeriesParams, hashOrder, seriesId, signOrder, toCompactSignature } from "../../../sdk/orders.js";

/** Hardhat's default accounts as local signers (same keys as the wallet clients). */
export const MNEMONIC = "test test test test test test test test test test test junk";
export const signer = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });

export const INDEX_ID = stringToHex("ATPI", { size: 32 });
/** An all-zero compact signature: recovers no one. */
export const NO_SIGNATURE: CompactSignature = { r: `0x${"00".repeat(32)}`, vs: `0x${"00".repeat(32)}` };
export const WAD = 10n ** 18n;
const ZERO32 = `0x${"00".repeat(32)}` as const;
export const USDC = 10n ** 6n;
/** ATPI = 3.5 USD per 1M tokens. */
export const INDEX = 35n * 10n ** 17n;
/** One contract = 1,000 x the index in USD (1e9 base units per 1.0). */
export const CONTRACT_SIZE = 1_000n * USDC;
export const TICK = 10n ** 15n;

/** notional = size * price * contractSize / 1e18 (exact at tick prices). */
export const notional = (size: bigint, price: bigint, cs = CONTRACT_SIZE) => (size * price * cs) / WAD;
export const feeUp = (amount: bigint, bps: number) => (amount * BigInt(bps) + 9_999n) / 10_000n;

export async function deployMarket(tokenName: "MockUSDC" | "FeeOnTransferToken" | "BlacklistToken" | "HookToken" = "MockUSDC") {
  const conn = await network.create();
  const { viem, networkHelpers } = conn;
  const wallets = await viem.getWalletClients();
  const [owner, alice, bob, carol, dave] = wallets as [typeof wallets[0], typeof wallets[0], typeof wallets[0], typeof wallets[0], typeof wallets[0]];
  const publicClient = await viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  const client = { public: publicClient, wallet: owner };
  const tokenAddress = (
    tokenName === "FeeOnTransferToken"
      ? await viem.deployContract("FeeOnTransferToken", [100n])
      : await viem.deployContract(tokenName)
  ).address;
  const token = getContract({ address: tokenAddress, abi: mockUsdcAbi, client });
  const blacklist = getContract({ address: tokenAddress, abi: blacklistTokenAbi, client });
  const hook = getContract({ address: tokenAddress, abi: hookTokenAbi, client });
  const oracleAddress = (await viem.deployContract("MockIndexOracle")).address;
  const oracle = getContract({ address: oracleAddress, abi: mockIndexOracleAbi, client });
  const marketAddress = (
    await viem.deployContract("FuturesMarket", [owner.account.address, token.address, oracle.address])
  ).address;
  const market = getContract({ address: marketAddress, abi: futuresMarketAbi, client });
  const now = BigInt(await networkHelpers.time.latest());
  const params = testSeriesParams(INDEX_ID, now + 30n * 86_400n);
  await market.write.listSeries([params]);
  const id = seriesId(params);

  async function setIndex(value: bigint, ts?: bigint) {
    const t = ts ?? BigInt(await networkHelpers.time.latest());
    await oracle.write.set([INDEX_ID, value, t]);
  }
  await setIndex(INDEX);

  /**
   * Moves the series' mark to `value` without a limit move: a fixing beyond priceLimitBps of the mark would settle
   * the series, so this posts one fixing per price-limit step (1 s apart, each the index clamped to the limit) and
   * calls updateMark after each, with nothing else happening in between.
   */
  async function moveMark(value: bigint, p: SeriesParams = params) {
    for (let i = 0; i < 100; i++) {
      const [mark] = await market.read.currentMark([p]);
      if (mark === value) return;
      await networkHelpers.time.increase(1);
      await setIndex(nextMark(mark, value, p.priceLimitBps));
      await market.write.updateMark([p]);
    }
    throw new Error(`moveMark: the mark did not reach ${value}`);
  }

  async function fund(who: Address, amount: bigint) {
    await token.write.mint([who, amount]);
    await token.write.approve([market.address, amount], { account: who });
    await market.write.deposit([amount], { account: who });
  }

  function order(maker: Address, o: Partial<Order> = {}): Order {
    return {
      maker,
      seriesId: id,
      isBuy: true,
      size: 10n,
      limitPrice: INDEX,
      expiry: params.expiry,
      nonce: 0n,
      maxFeeBps: 10,
      ...o,
    };
  }

  /** `o` signed by account `index`, in the compact form the market takes. */
  async function sign(o: Order, index: number): Promise<CompactSignature> {
    return toCompactSignature(await signOrder(signer(index), chainId, market.address, o));
  }

  const accountIndex = (a: Address) => wallets.findIndex((w) => w.account.address.toLowerCase() === a.toLowerCase());

  /** Signs `o` with its maker's key and fills `size` of it as `taker`. */
  async function fillOrder(o: Order, taker: Address, size = o.size, p: SeriesParams = params) {
    const sig = await sign(o, accountIndex(o.maker));
    return market.write.fillSignedOrder([p, o, sig, size], { account: taker });
  }

  /** One observation for the mock oracle's `verifyFixing` (it checks no signature; the value is the round's). */
  const round = (value: bigint) => [{ value, inputsHash: ZERO32, r: ZERO32, vs: ZERO32 }];
  /** Records a settlement round of `value` stamped `ts` (in the block that `setNextBlockTimestamp` set, if any). */
  async function record(value: bigint, ts: bigint, p: SeriesParams = params, from?: Address) {
    return market.write.recordSettlementFixing([p, ts, 1, [], round(value)], from ? { account: from } : {});
  }

  return {
    conn, viem, networkHelpers, publicClient, chainId, token, blacklist, hook, oracle, market, params, id, round, record,
    owner, alice, bob, carol, dave, wallets,
    setIndex, moveMark, fund, order, sign, fillOrder, accountIndex,
    hash: (o: Order) => hashOrder(chainId, market.address, o),
  };
}
export type MarketFixture = Awaited<ReturnType<typeof deployMarket>>;
