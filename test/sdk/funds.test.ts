import { expect } from "chai";
import { balances } from "../../sdk/account.js";
import { connectMarket } from "../../sdk/client.js";
import { addMargin, deposit, removeMargin, withdraw } from "../../sdk/funds.js";
import { USDC, deployFixture } from "./fixture.js";
import { rejects } from "./rejects.js";

describe("sdk: funds", () => {
  it("deposit approves when needed, then deposits; withdraw returns to the wallet", async () => {
    const f = await deployFixture();
    const mc = await f.connect(f.alice);
    const me = f.alice.account.address;
    const first = await deposit(mc, 1_000n * USDC);
    expect(first.approve, "first deposit approves").to.not.equal(undefined);
    expect(await balances(mc, me)).to.deep.equal({ wallet: 99_000n * USDC, free: 1_000n * USDC });
    await withdraw(mc, 400n * USDC);
    expect(await balances(mc, me)).to.deep.equal({ wallet: 99_400n * USDC, free: 600n * USDC });
    await withdraw(mc, 100n * USDC, f.bob.account.address);
    expect((await balances(mc, f.bob.account.address)).wallet).to.equal(100_100n * USDC);
  });

  it("tells onTransaction each step of each transaction (wallet, sent, mined), none for a refused one", async () => {
    const f = await deployFixture();
    const events: string[] = [];
    const mc = await connectMarket({
      publicClient: f.publicClient,
      walletClient: f.alice,
      market: f.deployment.market,
      onTransaction: (e) => events.push(`${e.action}:${e.phase}${e.hash ? ":hash" : ""}`),
    });
    await deposit(mc, 10n * USDC);
    await rejects(withdraw(mc, 11n * USDC), "INSUFFICIENT_BALANCE");
    expect(events).to.deep.equal(["approve:wallet", "approve:sent:hash", "approve:mined:hash", "deposit:wallet", "deposit:sent:hash", "deposit:mined:hash"]);
  });

  it("refuses before sending: over-deposit, over-withdraw, zero, margin without a position", async () => {
    const f = await deployFixture();
    const mc = await f.connect(f.alice);
    const me = f.alice.account.address;
    await deposit(mc, 10n * USDC);
    const sent = await f.txCount(me);
    const e = await rejects(deposit(mc, 200_000n * USDC), "INSUFFICIENT_BALANCE");
    expect(e.details).to.deep.include({ needed: 200_000n * USDC, available: 99_990n * USDC });
    await rejects(withdraw(mc, 11n * USDC), "INSUFFICIENT_BALANCE");
    await rejects(withdraw(mc, 0n), "INVALID_INPUT");
    await rejects(addMargin(mc, f.series, 1n), "NO_POSITION");
    await rejects(removeMargin(mc, f.series, 1n), "INSUFFICIENT_MARGIN");
    expect(await f.txCount(me), "no transaction was sent").to.equal(sent);
  });

  it("a read-only client cannot send", async () => {
    const f = await deployFixture();
    const mc = await f.connect();
    await rejects(deposit(mc, 1n), "NO_WALLET");
  });
});
