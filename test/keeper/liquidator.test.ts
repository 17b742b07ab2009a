/**
 * The liquidation loop on a real anvil: accounts opened by signed orders, an index move makes some unhealthy,
 * the loop finds exactly those (as the contract's accountHealth says) and liquidates them; K08 (a position
 * topped up between scan and send is skipped, not reverted on chain; replays send nothing twice) and K04
 * (a reorg via snapshot/revert leaves the book equal to the chain; a reorged-out liquidation is sent again).
 */
import { expect } from "chai";
import type { Address, Hex, LocalAccount } from "viem";
import { parseEventLogs } from "viem";
import { Journal } from "../../keeper/chain/journal.js";
import { AccountBook } from "../../keeper/liquidator/book.js";
import { type LiquidatorOptions, identify, liquidateFound, liquidationKey, scan } from "../../keeper/liquidator/loop.js";
import type { SeriesBook } from "../../keeper/liquidator/replay.js";
import { futuresMarketAbi } from "../../sdk/abi/FuturesMarket.js";
import { EMPTY_POSITION } from "../../sdk/marginMath.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { INDEX, type MarketChain, USDC, deployMarketChain } from "./helpers/marketChain.js";
import { journalPath, makeSender } from "./helpers/sender.js";

describe("liquidator on anvil (K04, K08)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let m: MarketChain;
  let counterparty: LocalAccount;
  let thin: LocalAccount[];
  let padded: LocalAccount;
  let short: LocalAccount;
  let keeper: LocalAccount;
  let s: ReturnType<typeof makeSender>;
  let book: AccountBook;
  let opts: LiquidatorOptions;
  const DROP = 329n * 10n ** 16n; // 3.50 -> 3.29 (-6 %)

  const everyone = () => [counterparty, ...thin, padded, short, keeper].map((a) => a.address);

  async function expectBookEqualsChain(view: SeriesBook, accounts: readonly Address[]) {
    for (const a of accounts) {
      const chain = await m.read.position(a);
      const mine = view.positions.get(a.toLowerCase()) ?? EMPTY_POSITION;
      expect({ size: mine.size, cost: mine.cost, shares: mine.shares }, a).to.deep.equal({ size: chain.size, cost: chain.cost, shares: chain.shares });
    }
  }

  before(async () => {
    anvil = await startAnvil();
    m = await deployMarketChain(anvil);
    counterparty = await m.trader(10_000_000n * USDC);
    thin = [await m.trader(), await m.trader(), await m.trader()];
    padded = await m.trader();
    short = await m.trader();
    keeper = await m.trader(); // the liquidator: free balance to take positions over
    for (const a of [...thin, padded]) await m.trade(a, counterparty, { isBuy: true, size: 10n });
    await m.trade(short, counterparty, { isBuy: false, size: 10n });
    await m.write(padded, m.market, futuresMarketAbi, "addMargin", [m.params, 5_000n * USDC]);
    s = makeSender(anvil, keeper, journalPath());
    await s.sender.reconcile();
    book = new AccountBook({ client: s.client, journal: s.journal, market: m.market, params: m.params, finalityDepth: 2, startBlock: m.startBlock });
    opts = { client: s.client, sender: s.sender, book, market: m.market, oracle: m.oracle, params: m.params, maxSize: 1_000n, minReward: 0n };
  });

  after(async () => {
    s?.journal.close();
    await anvil?.stop();
  });

  it("tracks every account from events; nobody is unhealthy before the index moves", async () => {
    const found = await identify(opts);
    expect(found.unhealthy).to.deep.equal([]);
    expect(found.tracked).to.equal(6); // 5 makers + the counterparty
    expect(found.poolMismatch).to.equal(false);
    await expectBookEqualsChain(await book.sync(found.head), everyone());
  });

  it("after the index falls 6 % (two fixings within the 4 % price limit), identifies exactly the accounts the contract finds below maintenance", async () => {
    await m.moveMark(DROP);
    const found = await identify(opts);
    const truth: Address[] = [];
    for (const a of everyone()) if ((await m.read.health(a, DROP)).liquidatable) truth.push(a.toLowerCase() as Address);
    expect(found.mark).to.equal(DROP);
    expect(found.unhealthy.map((c) => c.account).sort()).to.deep.equal(truth.sort());
    expect(truth.sort()).to.deep.equal(thin.map((a) => a.address.toLowerCase()).sort());
  });

  it("K08: a position topped up between scan and send is skipped (AccountHealthy), the others are liquidated", async () => {
    const found = await identify(opts);
    const [a, b, rescued] = thin as [LocalAccount, LocalAccount, LocalAccount];
    await m.write(rescued, m.market, futuresMarketAbi, "addMargin", [m.params, 10_000n * USDC]);
    const nonceBefore = await s.client.getTransactionCount({ address: keeper.address });
    const report = await liquidateFound(opts, found);
    expect(report.sent.sort()).to.deep.equal([a.address, b.address].map((x) => x.toLowerCase()).sort());
    expect(report.skipped.map((x) => x.account)).to.deep.equal([rescued.address.toLowerCase()]);
    expect(report.skipped[0]?.reason).to.contain("AccountHealthy");
    for (const acct of report.sent) await s.sender.waitFinal(liquidationKey(m.id, acct, found.fixingTime), { pollMs: 50 });
    // Exactly two transactions left the keeper, and both liquidated their account.
    expect(await s.client.getTransactionCount({ address: keeper.address })).to.equal(nonceBefore + 2);
    const logs = await s.client.getLogs({ address: m.market, fromBlock: found.head, toBlock: "latest" });
    const liquidated = parseEventLogs({ abi: futuresMarketAbi, logs, eventName: "Liquidated" }).map((l) => l.args.account.toLowerCase());
    expect(liquidated.sort()).to.deep.equal(report.sent.sort());
    for (const acct of [a, b]) expect((await m.read.health(acct.address, DROP)).liquidatable, acct.address).to.equal(false);
    expect((await m.read.position(rescued.address)).size).to.equal(10n);
  });

  it("K08: the same scan again, and the same block range replayed, send nothing more", async () => {
    const nonceBefore = await s.client.getTransactionCount({ address: keeper.address });
    const again = await scan(opts);
    expect(again.unhealthy).to.deep.equal([]);
    const head = await s.client.getBlockNumber();
    const v1 = await book.sync(head);
    const v2 = await book.sync(head);
    expect(v2).to.deep.equal(v1);
    // A restarted keeper (new book over the same journal) reads the same state; the keys of the sent
    // liquidations are journaled, so re-sending one is refused.
    const restarted = new AccountBook({ client: s.client, journal: s.journal, market: m.market, params: m.params, finalityDepth: 2, startBlock: m.startBlock });
    expect(await restarted.sync(head)).to.deep.equal(v1);
    await expectBookEqualsChain(v1, everyone());
    const thin0 = (thin[0] as LocalAccount).address;
    const r = await s.sender.send({ key: liquidationKey(m.id, thin0, again.fixingTime), kind: "liquidate", to: m.market, data: "0x" as Hex });
    expect(r.status).to.equal("exists");
    expect(await s.client.getTransactionCount({ address: keeper.address })).to.equal(nonceBefore);
  });

  it("K04: a reorg (anvil snapshot/revert) of a trade inside the finality depth leaves the book equal to the chain", async () => {
    const snap = await anvil.rpc<Hex>("evm_snapshot");
    const late = await m.trader();
    await m.trade(late, counterparty, { isBuy: true, size: 7n, limitPrice: DROP });
    const before = await book.sync(await s.client.getBlockNumber());
    expect(before.positions.get(late.address.toLowerCase())?.size).to.equal(7n);
    await anvil.rpc("evm_revert", [snap]);
    await anvil.rpc("anvil_mine", ["0x3"]); // the other branch is longer than the reverted one
    const after = await book.sync(await s.client.getBlockNumber());
    expect(after.positions.has(late.address.toLowerCase())).to.equal(false);
    await expectBookEqualsChain(after, [...everyone(), late.address]);
  });

  it("K04: a reorg deeper than the finality depth is detected at restart (cursor block hash) and the book is rebuilt", async () => {
    const path = journalPath();
    const j1 = new Journal(path);
    const shallow = { client: s.client, journal: j1, market: m.market, params: m.params, finalityDepth: 0, startBlock: m.startBlock };
    const snap = await anvil.rpc<Hex>("evm_snapshot");
    const late = await m.trader();
    await m.trade(late, counterparty, { isBuy: false, size: 3n, limitPrice: DROP });
    const v = await new AccountBook(shallow).sync(await s.client.getBlockNumber()); // finalizes the trade's block
    expect(v.positions.get(late.address.toLowerCase())?.size).to.equal(-3n);
    await anvil.rpc("evm_revert", [snap]);
    await anvil.rpc("anvil_mine", ["0x20"]);
    const rebuilt = await new AccountBook(shallow).sync(await s.client.getBlockNumber());
    expect(rebuilt.positions.has(late.address.toLowerCase())).to.equal(false);
    await expectBookEqualsChain(rebuilt, [...everyone(), late.address]);
    j1.close();
  });

  it("K04: a liquidation mined then reorged out is detected (receipt gone) and the same signed bytes are sent again", async () => {
    const late = await m.trader();
    await m.trade(late, counterparty, { isBuy: true, size: 10n, limitPrice: DROP });
    const lower = 309n * 10n ** 16n; // -6 % from the drop
    await m.moveMark(lower);
    const s2 = makeSender(anvil, keeper, journalPath(), { confirmations: 3 });
    await s2.sender.reconcile();
    const o2 = { ...opts, sender: s2.sender };
    const snap = await anvil.rpc<Hex>("evm_snapshot");
    const found = await identify(o2);
    expect(found.unhealthy.map((c) => c.account)).to.include(late.address.toLowerCase());
    const report = await liquidateFound(o2, { ...found, unhealthy: found.unhealthy.filter((c) => c.account === late.address.toLowerCase()) });
    expect(report.sent).to.deep.equal([late.address.toLowerCase()]);
    const key = liquidationKey(m.id, late.address, found.fixingTime);
    await s2.sender.tick();
    expect((await m.read.position(late.address)).size < 10n, "liquidated before the reorg").to.equal(true);
    await anvil.rpc("evm_revert", [snap]); // the block with the liquidation is gone
    expect((await m.read.position(late.address)).size).to.equal(10n);
    for (let i = 0; i < 20 && s2.journal.getTx(key)?.state !== "confirmed"; i++) {
      await s2.sender.tick();
      await anvil.rpc("anvil_mine", ["0x1"]); // blocks for the 3 confirmations
    }
    expect(s2.journal.getTx(key)?.state).to.equal("confirmed");
    expect(s2.journal.attempts(key), "one signed attempt, re-broadcast as is").to.have.length(1);
    expect((await m.read.position(late.address)).size < 10n, "liquidated again on the canonical chain").to.equal(true);
    expect((await m.read.health(late.address, lower)).liquidatable).to.equal(false);
    s2.journal.close();
  });

  it("an index back above the drop makes nothing liquidatable; a dry run sends nothing", async () => {
    await m.moveMark(INDEX);
    const dry = makeSender(anvil, keeper, journalPath(), { dryRun: true });
    await dry.sender.reconcile();
    const report = await scan({ ...opts, sender: dry.sender });
    expect(report.unhealthy).to.deep.equal([]);
    dry.journal.close();
  });
  it("C30 a fixing beyond the price limit: identify blocks liquidations; a liquidation meeting LimitMove sends updateMark, which settles the series; the next scan closes out", async () => {
    // A sender of its own (the reorg tests above moved the keeper's nonce under the first one).
    const s3 = makeSender(anvil, keeper, journalPath());
    await s3.sender.reconcile();
    const o3 = { ...opts, sender: s3.sender };
    const before = await identify(o3); // the scan of the last fixing within the limit
    expect([before.limitMove, before.blocked]).to.deep.equal([false, undefined]);
    const limitPrice = INDEX - (INDEX * BigInt(m.params.priceLimitBps)) / 10_000n; // 3.36
    await m.setIndex(3n * 10n ** 18n); // -14 % from the mark 3.5
    const found = await identify(o3);
    expect([found.limitMove, found.markStored, found.mark, found.unhealthy]).to.deep.equal([true, false, limitPrice, []]);
    expect(found.blocked).to.contain("beyond the price limit");
    // The fixing arrived after the earlier scan: its liquidation meets LimitMove and sends the updateMark instead.
    const candidate = { account: short.address.toLowerCase() as Address, size: 1n, equity: 0n, maintenance: 1n, reward: 1n };
    const report = await liquidateFound(o3, { ...before, unhealthy: [candidate] });
    expect([report.settling, report.sent, report.skipped]).to.deep.equal([true, [], []]);
    await s3.sender.tick();
    const state = await m.publicClient.readContract({ address: m.market, abi: futuresMarketAbi, functionName: "seriesState", args: [m.id] });
    expect([state.finalPrice, state.closed]).to.deep.equal([limitPrice, true]);
    const mark = s3.journal.getTx(`mark:${m.id}:${found.fixingTime}`);
    expect(mark?.state).to.equal("confirmed");
    const receipt = await m.publicClient.getTransactionReceipt({ hash: mark!.minedHash! });
    const [settled] = parseEventLogs({ abi: futuresMarketAbi, logs: receipt.logs, eventName: "SeriesSettled" });
    expect(settled?.args).to.deep.include({ finalPrice: limitPrice, referencePrice: 3n * 10n ** 18n, kind: 2 }); // SettlementKind.LimitMove
    // Settled early, resolved like any settlement: the next scans close out every account of the book (a few per
    // scan: the sender keeps at most maxInFlight transactions open).
    const open = async () => (await m.publicClient.readContract({ address: m.market, abi: futuresMarketAbi, functionName: "seriesState", args: [m.id] })).openPositions;
    const held = await open();
    const first = await scan(o3);
    expect([first.settled, first.closeOut?.open]).to.deep.equal([true, held]);
    for (let i = 0; i < 10 && (await open()) !== 0; i++) {
      await s3.sender.tick();
      await scan(o3);
    }
    expect(await open()).to.equal(0);
    s3.journal.close();
  });
});
