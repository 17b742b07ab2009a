/**
 * C32 end to end: after settlement two real keeper processes (`keeper run` with a liquidator section) resolve
 * every account of the series at the final price, underwater ones included, each account once although both
 * keepers try; then the traders claim, equal positions are paid the same and the money is conserved to the unit.
 */
import { expect } from "chai";
import { type Address, type LocalAccount, parseAbiItem, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { keeperSeriesConfig } from "../../scripts/demo/keeperConfig.js";
import { type Anvil, freePort, startAnvil } from "./helpers/anvil.js";
import { KeeperProcess, tempRoot } from "./helpers/keepers.js";
import { INDEX_ID, type MarketChain, USDC, artifacts, deployMarketChain } from "./helpers/marketChain.js";

const P = (x: string) => BigInt(Math.round(Number(x) * 1e6)) * 10n ** 12n;
const ZERO32 = `0x${"00".repeat(32)}` as const;

describe("C32 keeper processes resolve every account after settlement (real keepers on anvil)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let m: MarketChain;
  const keepers: KeeperProcess[] = [];
  after(async () => {
    await Promise.all(keepers.map((k) => k.stop("SIGTERM")));
    await anvil?.stop();
  });

  it("two keepers close out all four accounts (two underwater) once each; claims pay equal positions equally; book == bank", async () => {
    anvil = await startAnvil();
    m = await deployMarketChain(anvil);
    const [a, b, c, d] = [await m.trader(), await m.trader(), await m.trader(), await m.trader()] as [LocalAccount, LocalAccount, LocalAccount, LocalAccount];
    await m.trade(a, b, { isBuy: true, size: 10n }); // a long 10, b short 10 at 3.5, margin at initial
    await m.trade(c, d, { isBuy: true, size: 10n });
    await m.trader(1_000n * USDC, m.owner);
    await m.write(m.owner, m.market, futuresMarketAbi, "fundInsurance", [m.params, 1_000n * USDC]);
    const state = () => m.publicClient.readContract({ address: m.market, abi: futuresMarketAbi, functionName: "seriesState", args: [m.id] });

    // Two keepers without market balance (they cannot take positions over, so no liquidation): they only resolve.
    const root = tempRoot();
    for (const name of ["keeper-1", "keeper-2"]) {
      const privateKey = generatePrivateKey();
      await anvil.rpc("anvil_setBalance", [privateKeyToAccount(privateKey).address, toHex(10n ** 19n)]);
      const series = keeperSeriesConfig(m.params);
      keepers.push(new KeeperProcess({
        name, privateKey, chainId: anvil.chainId, rpcUrls: [anvil.url], oracle: m.oracle, port: await freePort(), peerUrls: [],
        overrides: { contracts: { market: m.market }, liquidator: { series: [series], maxSize: 100, finalityDepth: 0, startBlock: Number(m.startBlock), pollMs: 200 } },
      }, root));
    }
    await Promise.all(keepers.map((k) => k.start(60_000)));

    // The settlement: one round at expiry, 3.0 (the mock oracle's latest too). The mark steps from 3.5 to 3.0 by the
    // price limit (4 %) per maxFixingAge: 3.36, 3.2256, 3.0966, 3.0; the keepers cannot liquidate (no balance).
    const e = m.params.expiry;
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(e)]);
    await m.write(m.owner, m.oracle, artifacts.oracle().abi, "set", [INDEX_ID, P("3.0"), e]);
    await m.write(m.owner, m.market, futuresMarketAbi, "recordSettlementFixing", [m.params, e, 1, [], [{ value: P("3.0"), inputsHash: ZERO32, r: ZERO32, vs: ZERO32 }]]);
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(e + BigInt(m.params.settlementWindow) + 1n)]);
    await m.write(m.owner, m.market, futuresMarketAbi, "settle", [m.params]);
    let steps = 1;
    while ((await state()).settledAt === 0n) {
      const s = await state();
      expect(steps < 10, "the final step ends").to.equal(true);
      await anvil.rpc("evm_setNextBlockTimestamp", [Number(BigInt(s.markTime) + BigInt(m.params.maxFixingAge))]);
      await m.write(m.owner, m.market, futuresMarketAbi, "settle", [m.params]);
      steps += 1;
    }
    expect(steps).to.equal(4);
    expect((await state()).settledAt).to.not.equal(0n);
    expect((await state()).openPositions).to.equal(4);

    const deadline = Date.now() + 60_000;
    while ((await state()).openPositions !== 0) {
      if (Date.now() > deadline) throw new Error(`accounts not resolved\n${keepers.map((k) => k.tail(8)).join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const closed = await m.publicClient.getLogs({
      address: m.market,
      event: parseAbiItem("event ClosedOut(bytes32 indexed seriesId, address indexed account, int256 equity, uint256 remaining)"),
      fromBlock: 0n,
    });
    expect(closed.map((l) => l.args.account!.toLowerCase()).sort()).to.deep.equal([a, b, c, d].map((x) => x.address.toLowerCase()).sort());
    const senders = new Set(await Promise.all(closed.map(async (l) => (await m.publicClient.getTransaction({ hash: l.transactionHash })).from.toLowerCase())));
    const keeperAddresses = keepers.map((k) => privateKeyToAccount(k.spec.privateKey).address.toLowerCase());
    for (const s of senders) expect(keeperAddresses).to.include(s);
    expect(closed.filter((l) => l.args.equity! < 0n)).to.have.length(2); // the longs are underwater at 3.0

    // Claims: the shorts' equal positions are paid the same; money is conserved to the unit.
    const s = await state();
    expect(s.payableTotal < s.owedTotal).to.equal(true); // the deficits beyond insurance are shared pro rata
    const free = (x: Address) => m.publicClient.readContract({ address: m.market, abi: futuresMarketAbi, functionName: "freeBalance", args: [x] });
    const paid: bigint[] = [];
    for (const x of [b, d]) {
      const before = await free(x.address);
      await m.write(x, m.market, futuresMarketAbi, "claim", [m.params]);
      paid.push((await free(x.address)) - before);
    }
    expect(paid[0]).to.equal(paid[1]);
    const end = await state();
    expect(paid[0]! + paid[1]! + end.marginAssets).to.equal(s.marginAssets);
    const held = await m.publicClient.readContract({ address: m.usdc, abi: artifacts.usdc().abi, functionName: "balanceOf", args: [m.market] }) as bigint;
    let owed = end.marginAssets + end.insurance + BigInt(end.fees);
    for (const x of [a, b, c, d, m.owner]) owed += await free(x.address);
    expect(held).to.equal(owed);
  });
});
