/**
 * C32 / C30 end to end: after settlement two real keeper processes (`keeper run` with a liquidator section) resolve
 * every account of the series at the final price, underwater ones included, each account once although both
 * keepers try; then the traders claim, equal positions are paid the same and the money is conserved to the unit.
 * A fixing beyond the price limit before expiry: the keepers' own updateMark settles the series at the limit price
 * and they resolve every account the same way, with no error logged.
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
const CLOSED_OUT = parseAbiItem("event ClosedOut(bytes32 indexed seriesId, address indexed account, int256 equity, uint256 remaining)");
const SETTLED = parseAbiItem("event SeriesSettled(bytes32 indexed seriesId, uint256 finalPrice, uint256 referencePrice, uint32 fixingCount, uint8 kind)");

describe("C32 / C30 keeper processes resolve every account after settlement (real keepers on anvil)", function () {
  this.timeout(120_000);
  const anvils: Anvil[] = [];
  const keepers: KeeperProcess[] = [];
  after(async () => {
    await Promise.all(keepers.map((k) => k.stop("SIGTERM")));
    await Promise.all(anvils.map((a) => a.stop()));
  });

  /** A chain with a long 10 vs b short 10 and c long 10 vs d short 10 at 3.5 (margin at initial), 1,000 of insurance. */
  async function market() {
    const anvil = await startAnvil();
    anvils.push(anvil);
    const m = await deployMarketChain(anvil, { insurance: 0n });
    const [a, b, c, d] = [await m.trader(), await m.trader(), await m.trader(), await m.trader()] as [LocalAccount, LocalAccount, LocalAccount, LocalAccount];
    await m.trade(a, b, { isBuy: true, size: 10n });
    await m.trade(c, d, { isBuy: true, size: 10n });
    await m.trader(1_000n * USDC, m.owner);
    await m.write(m.owner, m.market, futuresMarketAbi, "fundInsurance", [m.params, 1_000n * USDC]);
    const state = () => m.publicClient.readContract({ address: m.market, abi: futuresMarketAbi, functionName: "seriesState", args: [m.id] });
    const free = (x: Address) => m.publicClient.readContract({ address: m.market, abi: futuresMarketAbi, functionName: "freeBalance", args: [x] });
    return { anvil, m, a, b, c, d, state, free };
  }

  /** Two keepers without market balance (they cannot take positions over, so no liquidation): they re-mark and resolve. */
  async function startKeepers(anvil: Anvil, m: MarketChain): Promise<KeeperProcess[]> {
    const root = tempRoot();
    const started: KeeperProcess[] = [];
    for (const name of ["keeper-1", "keeper-2"]) {
      const privateKey = generatePrivateKey();
      await anvil.rpc("anvil_setBalance", [privateKeyToAccount(privateKey).address, toHex(10n ** 19n)]);
      const series = keeperSeriesConfig(m.params);
      started.push(new KeeperProcess({
        name, privateKey, chainId: anvil.chainId, rpcUrls: [anvil.url], oracle: m.oracle, port: await freePort(), peerUrls: [],
        overrides: { contracts: { market: m.market }, liquidator: { series: [series], maxSize: 100, finalityDepth: 0, startBlock: Number(m.startBlock), pollMs: 200 } },
      }, root));
    }
    keepers.push(...started);
    await Promise.all(started.map((k) => k.start(60_000)));
    return started;
  }

  /** Waits until every account is resolved; returns the ClosedOut logs, each sent by one of `by`. */
  async function resolvedBy(m: MarketChain, state: () => Promise<{ openPositions: number }>, by: KeeperProcess[]) {
    const deadline = Date.now() + 60_000;
    while ((await state()).openPositions !== 0) {
      if (Date.now() > deadline) throw new Error(`accounts not resolved\n${by.map((k) => k.tail(8)).join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const closed = await m.publicClient.getLogs({ address: m.market, event: CLOSED_OUT, fromBlock: 0n });
    const senders = new Set(await Promise.all(closed.map(async (l) => (await m.publicClient.getTransaction({ hash: l.transactionHash })).from.toLowerCase())));
    const keeperAddresses = by.map((k) => privateKeyToAccount(k.spec.privateKey).address.toLowerCase());
    for (const s of senders) expect(keeperAddresses).to.include(s);
    return closed;
  }

  it("two keepers close out all four accounts (two underwater) once each; claims pay equal positions equally; book == bank", async () => {
    const { anvil, m, a, b, c, d, state, free } = await market();
    // Before expiry the mark follows the index to 3.0 within the price limit (3.36, 3.2256, 3.0966, 3.0); nobody
    // liquidates the longs, so they are underwater there.
    await m.moveMark(P("3.0"));

    // The settlement: one round at expiry, 3.0 (the mock oracle's latest too), one settle after the window.
    const e = m.params.expiry;
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(e)]);
    await m.write(m.owner, m.oracle, artifacts.oracle().abi, "set", [INDEX_ID, P("3.0"), e]);
    await m.write(m.owner, m.market, futuresMarketAbi, "recordSettlementFixing", [m.params, e, 1, [], [{ value: P("3.0"), inputsHash: ZERO32, r: ZERO32, vs: ZERO32 }]]);
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(e + BigInt(m.params.settlementWindow) + 1n)]);
    await m.write(m.owner, m.market, futuresMarketAbi, "settle", [m.params]);
    expect((await state()).settledAt).to.not.equal(0n);
    expect((await state()).finalPrice).to.equal(P("3.0"));
    // The keepers start after settlement: before it, their liquidate on a deficit beyond the insurance would settle
    // the series at the mark (UnbackedLoss) in a race with this test's window settlement.
    const started = await startKeepers(anvil, m);

    const closed = await resolvedBy(m, state, started);
    expect(closed.map((l) => l.args.account!.toLowerCase()).sort()).to.deep.equal([a, b, c, d].map((x) => x.address.toLowerCase()).sort());
    expect(closed.filter((l) => l.args.equity! < 0n)).to.have.length(2); // the longs are underwater at 3.0

    // Claims: the shorts' equal positions are paid the same; money is conserved to the unit.
    const s = await state();
    expect(s.payableTotal < s.owedTotal).to.equal(true); // the deficits beyond insurance are shared pro rata
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
  it("a fixing beyond the price limit before expiry: the keepers' updateMark settles the series at the limit price, then they close out every account", async () => {
    const { anvil, m, a, b, c, d, state, free } = await market();
    const started = await startKeepers(anvil, m);
    await m.setIndex(P("3.0")); // -14 % from the mark 3.5, a month before expiry
    const deadline = Date.now() + 60_000;
    while ((await state()).settledAt === 0n) {
      if (Date.now() > deadline) throw new Error(`not settled\n${started.map((k) => k.tail(8)).join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const [settled, ...more] = await m.publicClient.getLogs({ address: m.market, event: SETTLED, fromBlock: 0n });
    expect(more).to.deep.equal([]);
    expect(settled!.args).to.deep.include({ finalPrice: P("3.36"), referencePrice: P("3.0"), fixingCount: 0, kind: 2 }); // SettlementKind.LimitMove
    const settler = (await m.publicClient.getTransaction({ hash: settled!.transactionHash })).from.toLowerCase();
    expect(started.map((k) => privateKeyToAccount(k.spec.privateKey).address.toLowerCase())).to.include(settler);
    expect((await state()).settledAt < m.params.expiry).to.equal(true);

    const closed = await resolvedBy(m, state, started);
    expect(closed.map((l) => l.args.account!.toLowerCase()).sort()).to.deep.equal([a, b, c, d].map((x) => x.address.toLowerCase()).sort());
    // Everyone met maintenance at 3.5, so everyone is solvent at 3.36: paid in full, no haircut.
    expect(closed.filter((l) => l.args.equity! < 0n)).to.deep.equal([]);
    const s = await state();
    expect([s.settlementDeficit, s.payableTotal]).to.deep.equal([0n, s.owedTotal]);
    const paid: bigint[] = [];
    for (const x of [a, b]) {
      const before = await free(x.address);
      await m.write(x, m.market, futuresMarketAbi, "claim", [m.params]);
      paid.push((await free(x.address)) - before);
    }
    const equityOf = (x: LocalAccount) => closed.find((l) => l.args.account!.toLowerCase() === x.address.toLowerCase())!.args.equity!;
    expect(paid).to.deep.equal([equityOf(a), equityOf(b)]);
    expect(equityOf(b) - equityOf(a) > 2n * 1_399n * USDC).to.equal(true); // b gained 10 x 0.14 x 1,000, a lost as much
    // No error loop on LimitMove (the fixing loop's own errors are the mock oracle's: it has no operator set).
    for (const k of started) expect(k.errors().filter((l) => !String(l.msg).startsWith("fixing loop")), k.spec.name).to.deep.equal([]);
    const reverted = started.flatMap((k) => k.logs).filter((l) => JSON.stringify(l).includes("LimitMove"));
    expect(reverted, "no action was sent into a LimitMove revert").to.deep.equal([]);
  });
});
