/**
 * Liquidations stop at expiry, with trading (the market reverts `SeriesExpired`: every account is then resolved at
 * the final price by settle and closeOut). The liquidator on a real anvil: an account below maintenance one block
 * before expiry is found; from expiry on, identify blocks liquidations and a liquidation of an earlier scan ends
 * the pass without a transaction.
 */
import { expect } from "chai";
import type { LocalAccount } from "viem";
import { AccountBook } from "../../keeper/liquidator/book.js";
import { type LiquidatorOptions, identify, liquidateFound } from "../../keeper/liquidator/loop.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { type MarketChain, USDC, deployMarketChain } from "./helpers/marketChain.js";
import { journalPath, makeSender } from "./helpers/sender.js";

describe("liquidator at expiry (C32)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let m: MarketChain;
  let thin: LocalAccount;
  let s: ReturnType<typeof makeSender>;
  let opts: LiquidatorOptions;

  before(async () => {
    anvil = await startAnvil();
    m = await deployMarketChain(anvil);
    const counterparty = await m.trader(10_000_000n * USDC);
    thin = await m.trader();
    const keeper = await m.trader();
    await m.trade(thin, counterparty, { isBuy: true, size: 10n });
    s = makeSender(anvil, keeper, journalPath());
    await s.sender.reconcile();
    const book = new AccountBook({ client: s.client, journal: s.journal, market: m.market, params: m.params, finalityDepth: 2, startBlock: m.startBlock });
    opts = { client: s.client, sender: s.sender, book, market: m.market, oracle: m.oracle, params: m.params, maxSize: 1_000n, minReward: 0n };
  });

  after(async () => {
    s?.journal.close();
    await anvil?.stop();
  });

  it("finds the account below maintenance before expiry; from expiry on, liquidations are blocked and a late one sends nothing", async () => {
    // -6 % in two fixings within the price limit, the last one minute before expiry (fresh at expiry).
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(m.params.expiry - 120n)]);
    await m.moveMark(336n * 10n ** 16n);
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(m.params.expiry - 60n)]);
    await m.moveMark(329n * 10n ** 16n);
    const before = await identify(opts);
    expect(before.blocked).to.equal(undefined);
    expect(before.unhealthy.map((c) => c.account)).to.deep.equal([thin.address.toLowerCase()]);

    await anvil.rpc("evm_setNextBlockTimestamp", [Number(m.params.expiry)]);
    await anvil.rpc("evm_mine", []);
    const after = await identify(opts);
    expect([after.blocked, after.unhealthy, after.settled]).to.deep.equal([
      "series expired: accounts are resolved at the final price (settle, closeOut)",
      [],
      false,
    ]);
    // The earlier scan's liquidation meets SeriesExpired in simulation: the pass ends, nothing is sent or retried.
    const nonce = await s.client.getTransactionCount({ address: s.sender.address });
    const report = await liquidateFound(opts, { ...after, blocked: undefined, unhealthy: before.unhealthy });
    expect([report.settling, report.sent, report.skipped, report.deferred]).to.deep.equal([true, [], [], []]);
    expect(await s.client.getTransactionCount({ address: s.sender.address })).to.equal(nonce);
    const position = await m.read.position(thin.address);
    expect(position.size).to.equal(10n);
  });
});
