/** A deployed market on the in-process Hardhat chain, with operators, one ATPI series, a fixing and funded traders. */
import { network } from "hardhat";
import { type Address, type PublicClient, getContract } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { mockUSDCAbi } from "../../sdk/abi/MockUSDC.js";
import { type MarketClient, connectMarket } from "../../sdk/client.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { getSeries } from "../../sdk/series.js";
import { type Wallet, defaultSeriesParams, deployAll } from "../../scripts/lib/deploy.js";
import { postFixing, signRound } from "../../scripts/lib/fixing.js";

export const MNEMONIC = "test test test test test test test test test test test junk";
export const USDC = 10n ** 6n;
export const WAD = 10n ** 18n;
/** 3.5 USD per 1M tokens. */
export const INDEX = 35n * 10n ** 17n;
export const ATPI = indexIdFromName("ATPI");

export async function deployFixture() {
  const { viem, networkHelpers } = await network.create();
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const wallets = (await viem.getWalletClients()) as unknown as Wallet[];
  const [owner, alice, bob, carol] = wallets as [Wallet, Wallet, Wallet, Wallet];
  // The default deployment: 4 operators, fault tolerance 1 (quorum 3); all four sign, so moves beyond the breaker post at once.
  const operators = [10, 11, 12, 13].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
  const now = BigInt(await networkHelpers.time.latest());
  const params = defaultSeriesParams(ATPI, now + 30n * 86_400n);
  const deployment = await deployAll({ publicClient, wallet: owner, operators: operators.map((a) => a.address), series: [params] });

  async function setIndex(value: bigint, timestamp?: bigint) {
    const ts = timestamp ?? BigInt(await networkHelpers.time.latest());
    await postFixing({ publicClient, wallet: owner, oracle: deployment.oracle, indexId: ATPI, timestamp: ts, value, signers: operators });
  }
  /** A signed round (not posted) of `value` stamped `timestamp`, for `recordSettlementFixing`. */
  async function round(value: bigint, timestamp: bigint) {
    return signRound({ publicClient, oracle: deployment.oracle, indexId: ATPI, timestamp, value, signers: operators });
  }
  await setIndex(INDEX);

  const usdc = getContract({ address: deployment.collateral, abi: mockUSDCAbi, client: { public: publicClient, wallet: owner } });
  for (const w of [alice, bob, carol]) await usdc.write.mint([w.account.address, 100_000n * USDC], { account: owner.account, chain: owner.chain });

  const connect = (wallet?: Wallet): Promise<MarketClient> =>
    connectMarket({ publicClient, walletClient: wallet, market: deployment.market, fromBlock: deployment.deployBlock });
  const ownerMc = await connect(owner);
  const series = await getSeries(ownerMc, deployment.series[0]!.id);
  const txCount = (a: Address) => publicClient.getTransactionCount({ address: a });

  return { viem, networkHelpers, publicClient, owner, alice, bob, carol, operators, deployment, params, series, setIndex, round, usdc, connect, txCount };
}
export type Fixture = Awaited<ReturnType<typeof deployFixture>>;
