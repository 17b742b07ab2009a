/**
 * End to end with faults: three keeper processes whose first RPC URL is a fault proxy in front of anvil.
 * K01: the proxy stops answering and the keepers fail over to the second URL; rounds keep being posted.
 * K02: the node holds a post back (auto-mining off) and drops it from its pool: the keeper replaces it with the
 * same nonce and a higher fee, the round is posted once and no nonce gap is left.
 * K07: the third operator's price source is down for the whole run: it keeps running, counts the failures and
 * signs nothing; the two others carry the quorum.
 */
import { expect } from "chai";
import { type FaultProxy, startFaultProxy } from "./helpers/faultProxy.js";
import { DAY, type Network, advance, chainNow, nonces, pendingTxs, postedFixings, roundOf, startNetwork, until, waitForRound } from "./helpers/e2e.js";

describe("keeper e2e: RPC failover and a held-back transaction", function () {
  this.timeout(90_000);
  let net: Network;
  let proxy: FaultProxy | undefined;

  before(async () => {
    net = await startNetwork({
      rpcUrls: async (anvil) => {
        proxy = await startFaultProxy(anvil.url);
        return [proxy.url, anvil.url];
      },
      // Only the round's leader posts within the first 5 s: the held-back post is the leader's alone.
      overrides: { schedule: { postStaggerMs: 5_000 } },
      perKeeper: (i) => (i === 2 ? { sources: [{ index: "ATPI", kind: "csv", input: "/nonexistent/prices.csv" }] } : {}),
    });
    await waitForRound(net, roundOf(await chainNow(net)));
  });
  after(async () => {
    await net?.stop();
    await proxy?.close();
  });

  it("K01: the first RPC URL stops answering; the keepers fail over and keep posting every round", async () => {
    if (!proxy) throw new Error("no proxy");
    expect(proxy.log.some((l) => l.mode === "pass" && l.method !== "eth_chainId")).to.equal(true); // it was in use
    proxy.setMode("drop");
    const before = (await postedFixings(net)).length;
    for (let k = 0; k < 2; k++) {
      await advance(net, DAY);
      await waitForRound(net, roundOf(await chainNow(net)));
    }
    expect((await postedFixings(net)).length).to.equal(before + 2);
    for (const k of net.keepers) {
      const metrics = await (await fetch(`${k.url}/metrics`)).text();
      const errors = metrics.split("\n").filter((l) => l.startsWith("keeper_rpc_errors_total{") && !l.endsWith(" 0"));
      expect(errors.length, `${k.spec.name} counted no RPC error:\n${metrics}`).to.be.greaterThan(0);
    }
    expect(proxy.log.some((l) => l.mode === "drop")).to.equal(true); // and was tried while down
    proxy.setMode("pass");
  });

  it("K07: an operator whose source is down keeps running and signs nothing; the two others carry the quorum", async () => {
    const down = net.keepers[2];
    if (!down) throw new Error("no keeper");
    const posted = await postedFixings(net);
    expect(posted.length).to.be.greaterThan(2);
    for (const p of posted) {
      const res = await fetch(`${down.url}/observations?index=ATPI&timestamp=${p.timestamp}`);
      expect(((await res.json()) as { observations: unknown[] }).observations).to.deep.equal([]);
    }
    expect(down.exitCode).to.equal(null);
    const metrics = await (await fetch(`${down.url}/metrics`)).text();
    const failures = metrics.split("\n").find((l) => l.startsWith("keeper_fixing_failures_total{") && l.includes('reason="source"'));
    expect(Number(failures?.split(" ").at(-1))).to.be.greaterThan(0);
    expect((await (await fetch(`${down.url}/health`)).status)).to.be.oneOf([200, 503]); // still serving
  });

  it("K02: a post held back and dropped by the node is replaced with the same nonce and a higher fee", async () => {
    await net.anvil.rpc("evm_setAutomine", [false]);
    try {
      await advance(net, DAY); // evm_mine still mines a block: chain time moves to the next round
      const round = roundOf(await chainNow(net));
      const held = await until("the leader's post in the node's pool", async () => (await pendingTxs(net)).find((t) => t.to?.toLowerCase() === net.oracle.toLowerCase()));
      await net.anvil.rpc("anvil_dropTransaction", [held.hash]);
      expect(await pendingTxs(net)).to.deep.equal([]);
      const replacement = await until("a replacement", async () =>
        (await pendingTxs(net)).find((t) => t.from.toLowerCase() === held.from.toLowerCase() && t.nonce === held.nonce && t.hash !== held.hash),
      );
      expect(BigInt(replacement.maxFeePerGas) > BigInt(held.maxFeePerGas)).to.equal(true);
      await net.anvil.rpc("evm_mine");
      const receipt = await net.client.getTransactionReceipt({ hash: replacement.hash });
      expect(receipt.status).to.equal("success");
      const posted = (await postedFixings(net)).filter((p) => p.timestamp === round);
      expect(posted).to.have.length(1);
      expect(posted[0]?.poster.toLowerCase()).to.equal(held.from.toLowerCase());
    } finally {
      await net.anvil.rpc("evm_setAutomine", [true]);
    }
    await advance(net, DAY);
    await waitForRound(net, roundOf(await chainNow(net)));
    const rounds = (await postedFixings(net)).map((p) => p.timestamp);
    expect(new Set(rounds).size).to.equal(rounds.length);
    await until("every keeper's transactions mined", async () => {
      const n = await nonces(net);
      return n.every((x) => x.pending === x.latest) ? n : undefined;
    });
  });
});
