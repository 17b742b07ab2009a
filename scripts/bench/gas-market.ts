import type { HardhatViemHelpers } from "@nomicfoundation/hardhat-viem/types";
import { type Address, type Hash, type Hex, getContract, keccak256, parseUnits, stringToHex } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { buildPostFixingArgs, signObservation } from "../../sdk/oracle.js";
import { type Order, type SeriesParams, seriesId, signOrder, toCompactSignature } from "../../sdk/orders.js";
import { ATPI_INDEX, indexParams } from "../lib/deploy.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const USDC = 10n ** 6n;
const INDEX = 35n * 10n ** 17n; // 3.5 USD per 1M tokens
const TICK = 10n ** 15n;
const ERC20_ABI = [
  { type: "function", name: "mint", stateMutability: "nonpayable", inputs: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }], outputs: [] },
  { type: "function", name: "approve", stateMutability: "nonpayable", inputs: [{ name: "spender", type: "address" }, { name: "amount", type: "uint256" }], outputs: [{ type: "bool" }] },
] as const;
/**
 * The bench's clock: the chain starts at BENCH_GENESIS (pass `{ override: { initialDate: BENCH_GENESIS } }` to
 * `network.create`), the bench warps to BENCH_START, and every time that enters calldata or a hash (series expiry,
 * fixing timestamps) derives from the warps, not from the wall clock. Calldata costs 4 gas per zero byte and 16 per
 * other byte, so a series id or signature that changed with the run's start time would move the figures by tens of gas.
 */
export const BENCH_GENESIS = "2026-01-01T00:00:00Z";
const BENCH_START = BigInt(Date.parse(BENCH_GENESIS) / 1000) + 86_400n;
/** Three deterministic index operators (bench only, never outside a local chain). */
const OPERATORS = [0, 1, 2].map((i) => privateKeyToAccount(keccak256(stringToHex(`tokenfutures-bench-market-operator-${i}`))));

/**
 * Gas (whole transaction, 21k base and calldata included) of each FuturesMarket operation in a realistic state:
 * warm token balances, accounts that already traded, a USDC-like 6-decimal token and the real
 * IndexOracle fed with quorum-signed fixings (3 operators), so the market's oracle read costs what it costs live.
 * `fill` is the first fill of a new order where maker and taker already hold positions in the series and both
 * top up margin from their free balance; `fill_open` opens both positions. `onMeasured` receives each measured
 * transaction hash (scripts/bench/trace-gas-market.ts uses it to break the gas down by opcode).
 */
export async function measureMarketGas(
  viem: HardhatViemHelpers,
  onMeasured?: (name: string, hash: Hash) => Promise<void>,
): Promise<Record<string, bigint>> {
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const owner = wallets[0];
  if (!owner || wallets.length < 8) throw new Error("measureMarketGas: needs 8 wallet clients");
  const client = { public: publicClient, wallet: owner };
  const chainId = await publicClient.getChainId();
  const token = getContract({ address: (await viem.deployContract("MockUSDC")).address, abi: ERC20_ABI, client });
  const oracle = getContract({ address: (await viem.deployContract("IndexOracle", [owner.account.address])).address, abi: indexOracleAbi, client });
  const market = getContract({
    address: (await viem.deployContract("FuturesMarket", [owner.account.address, token.address, oracle.address])).address,
    abi: futuresMarketAbi,
    client,
  });
  const [, alice, bob, carol, dave, erin, frank, gina] = wallets.map((w) => w.account.address) as Address[] as [
    Address, Address, Address, Address, Address, Address, Address, Address,
  ];
  const keyOf = (a: Address) => mnemonicToAccount(MNEMONIC, { addressIndex: wallets.findIndex((w) => w.account.address === a) });
  const result: Record<string, bigint> = {};
  /** Records the gas of a transaction under `name` (and hands its hash to `onMeasured`, e.g. for a trace). */
  const gas = async (name: string, pending: Promise<Hash>) => {
    const hash = await pending;
    result[name] = (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;
    await onMeasured?.(name, hash);
  };
  const now = async () => (await publicClient.getBlock()).timestamp;
  let clock = 0n; // the last warp
  const warpTo = async (t: bigint) => {
    await publicClient.request({ method: "evm_setNextBlockTimestamp" as never, params: [Number(t)] as never });
    await publicClient.request({ method: "evm_mine" as never, params: [] as never });
    clock = t;
  };
  if ((await now()) >= BENCH_START) {
    throw new Error(`measureMarketGas: the chain is past ${BENCH_START}; create it with { override: { initialDate: BENCH_GENESIS } }`);
  }
  await warpTo(BENCH_START);
  const indexId = stringToHex("ATPI", { size: 32 });
  await oracle.write.createIndex([indexId, { ...indexParams(ATPI_INDEX), minValue: 1n, maxValue: parseUnits("1000000", 18) }, OPERATORS.map((a) => a.address)]);
  let lastFixing = 0n;
  /** Posts a fixing of `value` signed by all three operators (values a little apart; the median is `value`). */
  const setIndex = async (value: bigint) => {
    const timestamp = clock > lastFixing ? clock : lastFixing + 1n;
    lastFixing = timestamp;
    const signed = await Promise.all(
      OPERATORS.map((account, i) =>
        signObservation(account, chainId, oracle.address, {
          indexId, timestamp, methodologyVersion: 1, value: value + BigInt(i - 1) * 10n ** 12n,
          inputsHash: keccak256(stringToHex(`bench-inputs-${timestamp}-${i}`)) as Hex,
        }),
      ),
    );
    const args = buildPostFixingArgs(OPERATORS.map((a) => a.address), signed);
    const hash = await oracle.write.postFixing(args);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`postFixing of ${value} failed`);
    return args;
  };

  const params: SeriesParams = {
    indexId, expiry: BENCH_START + 30n * 86_400n, contractSize: 1_000n * USDC, tickSize: TICK, minSize: 1n,
    initialMarginBps: 1_000, maintenanceMarginBps: 500, makerFeeBps: 2, takerFeeBps: 5, priceBandBps: 500, priceLimitBps: 400,
    liquidationPenaltyBps: 200, maxFixingAge: 3_600, settlementWindow: 3_600, settlementGrace: 86_400,
  };
  await market.write.listSeries([params]);
  const id = seriesId(params);
  await setIndex(INDEX);
  let nonce = 0n;
  const order = (maker: Address, isBuy: boolean, size: bigint, limitPrice = INDEX): Order => ({
    maker, seriesId: id, isBuy, size, limitPrice, expiry: params.expiry, nonce: nonce++, maxFeeBps: 10,
  });
  const sign = async (o: Order) => toCompactSignature(await signOrder(keyOf(o.maker), chainId, market.address, o));
  const fill = async (o: Order, taker: Address, size = o.size) =>
    market.write.fillSignedOrder([params, o, await sign(o), size], { account: taker });

  for (const a of [alice, bob, carol, dave, erin, frank, gina]) {
    await token.write.mint([a, 1_000_000n * USDC]);
    await token.write.approve([market.address, 2n ** 255n], { account: a });
  }
  await gas("deposit_first", market.write.deposit([200_000n * USDC], { account: alice }));
  await gas("deposit", market.write.deposit([100_000n * USDC], { account: alice }));
  for (const a of [bob, carol, dave, erin, frank, gina]) await market.write.deposit([300_000n * USDC], { account: a });
  await gas("withdraw", market.write.withdraw([10_000n * USDC, alice], { account: alice }));

  await gas("fill_open", fill(order(alice, true, 10n), bob));
  // Both already hold positions with margin above initial (they posted extra margin), so no top-up moves.
  await market.write.addMargin([params, 2_000n * USDC], { account: alice });
  await market.write.addMargin([params, 2_000n * USDC], { account: bob });
  await gas("fill", fill(order(alice, true, 5n), bob));
  // Both hold positions at exactly initial margin: each tops up from its free balance.
  await gas("fill_topup", fill(order(alice, true, 5n), bob));
  await fill(order(carol, true, 10n), dave);
  await gas("match", 
    (async () => {
      const buy = order(carol, true, 4n, INDEX + 2n * TICK);
      const sell = order(dave, false, 4n, INDEX - 2n * TICK);
      return market.write.crossOrders([params, buy, await sign(buy), sell, await sign(sell), 4n, INDEX], { account: erin });
    })(),
  );
  await gas("cancel", market.write.cancel([order(alice, true, 3n)], { account: alice }));
  await gas("cancel_all", market.write.cancelAllBelow([nonce], { account: alice }));

  // Liquidations: erin and gina (long 10 at 3.5, margin at initial) fall below maintenance at 3.3: erin is
  // partially liquidated by carol (long, taking over more); at 3.0 gina is bankrupt (deficit 1,500, within the
  // insurance) and fully liquidated by dave.
  await fill(order(erin, true, 10n), frank);
  await fill(order(gina, true, 10n), frank);
  // The insurance pays a bankrupt account's deficit during trading (beyond it the series would settle at the mark).
  await market.write.fundInsurance([params, 2_000n * USDC], { account: bob });
  // Fixings within the 4 % price limit (a move beyond it settles the series at the limit price): 3.4, 3.3, then
  // 3.2, 3.1, 3.0; updateMark after each takes the new mark (anyone may call it; a keeper does).
  const step = async (value: bigint) => {
    await setIndex(value);
    await publicClient.waitForTransactionReceipt({ hash: await market.write.updateMark([params]) });
  };
  for (const tenths of [34n, 33n]) await step(tenths * 10n ** 17n);
  await gas("liquidate", market.write.liquidate([params, erin, 100n], { account: carol }));
  for (const tenths of [32n, 31n, 30n]) await step(tenths * 10n ** 17n);
  await gas("liquidate_full", market.write.liquidate([params, gina, 100n], { account: dave }));

  // Settlement: two signed rounds in the window recorded (3.1, 3.0), settle at their average 3.05 (within the price
  // limit of the last mark 3.0), every account resolved, then a claim.
  const record = async ([, ts, version, ops, obs]: Awaited<ReturnType<typeof setIndex>>) =>
    market.write.recordSettlementFixing([params, ts, version, ops, obs]);
  await warpTo(params.expiry);
  await gas("record_settlement_fixing", record(await setIndex(31n * 10n ** 17n)));
  await warpTo(params.expiry + 1_800n);
  await record(await setIndex(30n * 10n ** 17n)); // final price 3.05: within the price limit of the 3.0 mark
  await warpTo(params.expiry + BigInt(params.settlementWindow) + 1n);
  await gas("settle_series", market.write.settle([params]));
  const open: Address[] = [];
  for (const a of [alice, carol, dave, erin, frank, gina]) if ((await market.read.position([id, a])).size !== 0n) open.push(a);
  // The first resolution of a series also makes its totals non-zero (owedTotal, resolvedMargin): measure the second.
  await market.write.closeOut([params, open[0]!]);
  await gas("close_out", market.write.closeOut([params, open[1]!]));
  for (const a of open.slice(2)) await market.write.closeOut([params, a]);
  await market.write.closeOut([params, bob]); // the last resolution fixes the payout ratio
  await gas("claim", market.write.claim([params], { account: bob }));
  return result;
}
