/**
 * Operator faults, review 11: SIGTERM while a fixing post is in flight (signed, broadcast, not yet mined), and the
 * node then losing it: the restarted keeper sends the journaled post again, once, with the same nonce.
 */
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { DAY, type Network, advance, chainNow, pendingTxs, postedFixings, roundOf, startNetwork, until, waitForRound } from "./helpers/e2e.js";

describe("keeper operator faults (review 11): SIGTERM during a post in flight", function () {
  this.timeout(90_000);
  let net: Network | undefined;
  after(async () => {
    await net?.anvil.rpc("evm_setAutomine", [true]).catch(() => undefined);
    await net?.stop();
  });

  it("K05 the keeper stops cleanly with its post in the node's pool; the node drops it; after restart the same nonce posts the round once", async () => {
    net = await startNetwork({ operators: 1 });
    const keeper = net.keepers[0]!;
    const me = privateKeyToAccount(net.keys[0]!).address;
    await waitForRound(net, roundOf(await chainNow(net)));
    await net.anvil.rpc("evm_setAutomine", [false]);
    await advance(net, DAY);
    const round = roundOf(await chainNow(net));
    const held = await until("the post in the pool", async () => (await pendingTxs(net!)).find((t) => t.to?.toLowerCase() === net!.oracle.toLowerCase()));
    await keeper.stop("SIGTERM");
    expect(keeper.exitCode).to.equal(0);
    expect(keeper.logs.some((l) => l.msg === "shutdown complete")).to.equal(true);
    await net.anvil.rpc("anvil_dropTransaction", [held.hash]); // the node lost it while the keeper was down
    expect(await pendingTxs(net)).to.deep.equal([]);
    await keeper.start();
    const again = await until("the post sent again", async () => (await pendingTxs(net!)).find((t) => t.from.toLowerCase() === me.toLowerCase()));
    expect(again.nonce).to.equal(held.nonce);
    await net.anvil.rpc("evm_mine");
    await net.anvil.rpc("evm_setAutomine", [true]);
    await waitForRound(net, round);
    expect((await postedFixings(net)).filter((p) => p.timestamp === round)).to.have.length(1);
    // Nothing else was sent for it: the account's next nonce is the held one + 1, and the pool is empty.
    await new Promise((r) => setTimeout(r, 1_500)); // a few passes of the restarted loop (pollMs 200)
    expect(await net.client.getTransactionCount({ address: me })).to.equal(Number(held.nonce) + 1);
    expect(await pendingTxs(net)).to.deep.equal([]);
    expect(keeper.errors()).to.deep.equal([]);
  });
});
