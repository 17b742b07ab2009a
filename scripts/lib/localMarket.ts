/**
 * A ready local market on a dev chain (anvil or Hardhat, default mnemonic): deploys everything, registers three
 * operators, lists an ATPI series, posts a first fixing and funds traders with mock USDC. Used by the dev chain
 * command, the CLI tests and the demo.
 */
import { type Chain, type Hex, type LocalAccount, type PublicClient, createPublicClient, createWalletClient, defineChain, getContract, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { mockUSDCAbi } from "../../sdk/abi/MockUSDC.js";
import type { Deployment } from "../../sdk/deployment.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { type Wallet, defaultSeriesParams, deployAll } from "./deploy.js";
import { postFixing } from "./fixing.js";

/** The mnemonic anvil and Hardhat derive their default accounts from. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export interface DevAccount {
  role: "deployer" | "trader" | "operator";
  account: LocalAccount;
  privateKey: Hex;
}

/** Account i of the dev mnemonic with its private key. */
export function devAccount(i: number, role: DevAccount["role"]): DevAccount {
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i });
  const key = account.getHdKey().privateKey;
  if (!key) throw new Error(`dev account ${i} has no private key`);
  return { role, account, privateKey: `0x${Buffer.from(key).toString("hex")}` };
}

/** Dev account indices of the index operators (4: the default deployment, fault tolerance 1). */
export const OPERATOR_ACCOUNTS = [7, 8, 9, 10] as const;

/** anvil arguments that fund dev accounts 0 to 10 (anvil funds ten by default; the fourth operator is the 11th). */
export const OPERATOR_ACCOUNTS_ARGS = ["--accounts", "11"] as const;

/** viem clients for a local RPC URL with one of the dev accounts sending. */
export async function localClients(url: string, sender: LocalAccount): Promise<{ publicClient: PublicClient; wallet: Wallet; chain: Chain }> {
  const probe = createPublicClient({ transport: http(url) });
  const chainId = await probe.getChainId();
  const chain = defineChain({
    id: chainId,
    name: `local ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(url), pollingInterval: 50 }) as PublicClient;
  const wallet = createWalletClient({ chain, transport: http(url), account: sender }) as Wallet;
  return { publicClient, wallet, chain };
}

export interface LocalMarketOptions {
  url: string;
  /** Traders funded with mock USDC (dev accounts 1..traders). Default 6. */
  traders?: number | undefined;
  /** Mock USDC per trader, base units. Default 100,000 USDC. */
  traderUsdc?: bigint | undefined;
  /** Series expiry, seconds after the chain's latest block. Default 30 days. */
  expiresIn?: bigint | undefined;
  /** First fixing (18 decimals) and its inputs hash; stamped at the chain's latest block time. */
  firstFixing: { value: bigint; inputsHash?: Hex | undefined };
  log?: ((line: string) => void) | undefined;
}

export interface LocalMarket {
  deployment: Deployment;
  deployer: DevAccount;
  traders: DevAccount[];
  operators: DevAccount[];
}

/**
 * Dev accounts: 0 deploys, 1..traders trade, 7 to 10 operate the index (4 operators, f = 1, quorum 3; start anvil
 * with `--accounts 11` (OPERATOR_ACCOUNTS_ARGS) so the fourth is funded too). Every operator signs the first fixing.
 */
export async function setupLocalMarket(o: LocalMarketOptions): Promise<LocalMarket> {
  const traderCount = o.traders ?? 6;
  if (traderCount < 1 || traderCount > 6) throw new Error("traders must be 1..6 (dev accounts 1-6; 7-10 are operators)");
  const deployer = devAccount(0, "deployer");
  const traders = Array.from({ length: traderCount }, (_, i) => devAccount(i + 1, "trader"));
  const operators = OPERATOR_ACCOUNTS.map((i) => devAccount(i, "operator"));
  const { publicClient, wallet } = await localClients(o.url, deployer.account);
  const now = (await publicClient.getBlock()).timestamp;
  const indexId = indexIdFromName("ATPI");
  const params = defaultSeriesParams(indexId, now + (o.expiresIn ?? 30n * 86_400n));
  const deployment = await deployAll({
    publicClient,
    wallet,
    operators: operators.map((a) => a.account.address),
    series: [params],
    log: o.log,
  });
  await postFixing({
    publicClient,
    wallet,
    oracle: deployment.oracle,
    indexId,
    timestamp: now,
    value: o.firstFixing.value,
    inputsHash: o.firstFixing.inputsHash,
    signers: operators.map((a) => a.account),
  });
  o.log?.(`first ATPI fixing ${o.firstFixing.value} at ${now}`);
  const usdc = getContract({ address: deployment.collateral, abi: mockUSDCAbi, client: { public: publicClient, wallet } });
  const amount = o.traderUsdc ?? 100_000n * 10n ** 6n;
  for (const t of traders) {
    const hash = await usdc.write.mint([t.account.address, amount], { account: deployer.account, chain: wallet.chain });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  o.log?.(`funded ${traders.length} traders with ${amount / 10n ** 6n} mock USDC each`);
  return { deployment, deployer, traders, operators };
}
