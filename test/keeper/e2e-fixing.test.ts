/**
 * End to end: anvil, the real IndexOracle, three keeper PROCESSES (quorum 2 of 3) replaying the bundled price
 * history. Fixings appear on-chain from the history with the methodology's value; a keeper killed with SIGKILL
 * mid-round and restarted causes no double post, no gap in the rounds and no nonce gap (K05).
 */
import { expect } from "chai";
import { replaySource } from "../../keeper/sources/replay.js";
import { DAY, type Network, advance, chainNow, methodologyValue, nonces, postedFixings, roundOf, servedObservation, startNetwork, waitForRound } from "./helpers/e2e.js";

describe("keeper e2e: three operators post fixings from the price history", function () {
  this.timeout(90_000);
  let net: Network;
  const replay = replaySource();

  before(async () => {
    net = await startNetwork();
  });
  after(async () => {
    await net?.stop();
  });

  it("fixings appear on-chain, one per round, each the median of the operators' values = the methodology's value", async () => {
    const first = roundOf(await chainNow(net));
    await waitForRound(net, first);
    for (let k = 0; k < 3; k++) {
      await advance(net, DAY);
      await waitForRound(net, roundOf(await chainNow(net)));
    }
    const posted = await postedFixings(net);
    const rounds = posted.map((p) => p.timestamp);
    // A fresh oracle: the keepers catch up the last 3 rounds, then one per day; every round once, in order.
    expect(rounds).to.deep.equal([0, 1, 2, 3, 4, 5].map((k) => first - 2n * BigInt(DAY) + BigInt(k * DAY)));
    for (const p of posted) {
      expect(p.signers >= 2n).to.equal(true);
      const served = await Promise.all(net.keepers.map((k) => servedObservation(k, p.timestamp)));
      const values = served.map((o) => BigInt(o?.value ?? "0")).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(p.value).to.equal(values[1]); // the median of the three operators' values
      expect(p.value).to.equal(await methodologyValue(replay, p.timestamp));
    }
    expect(await nonces(net)).to.deep.equal((await nonces(net)).map((n) => ({ latest: n.latest, pending: n.latest })));
  });

  it("K05: a keeper killed with SIGKILL mid-round and restarted: no double post, no gap, its signature reused", async () => {
    const victim = net.keepers[0];
    if (!victim) throw new Error("no keeper");
    const from = victim.logs.length;
    await advance(net, DAY);
    const round = roundOf(await chainNow(net));
    // Killed right after it signed this round (before or while it collects and posts).
    await victim.waitLog((l) => l.msg === "observation signed" && l.round === round.toString(), 15_000, from);
    await victim.stop("SIGKILL");
    expect(victim.signalCode).to.equal("SIGKILL");
    await waitForRound(net, round); // the two others hold a quorum
    await advance(net, DAY); // a round while the victim is down
    await waitForRound(net, round + BigInt(DAY));

    await victim.start();
    expect(victim.logs.slice(from).some((l) => l.msg === "journal reconciled with chain")).to.equal(true);
    const served = await servedObservation(victim, round);
    const peer = await servedObservation(net.keepers[1] ?? victim, round);
    expect(served?.value).to.equal(peer?.value); // the journaled signature is served again after the restart
    for (let k = 0; k < 2; k++) {
      await advance(net, DAY);
      await waitForRound(net, roundOf(await chainNow(net)));
    }
    const rounds = (await postedFixings(net)).map((p) => p.timestamp);
    expect(new Set(rounds).size).to.equal(rounds.length); // never twice
    for (let i = 1; i < rounds.length; i++) expect((rounds[i] as bigint) - (rounds[i - 1] as bigint)).to.equal(BigInt(DAY)); // no gap
    // The victim signed each round at most once (same signature before and after the kill), and no nonce is stuck.
    const signedLogs = victim.logs.filter((l) => l.msg === "observation signed" && l.round === round.toString());
    expect(signedLogs).to.have.length(1);
    const n = await nonces(net);
    expect(n.map((x) => x.pending)).to.deep.equal(n.map((x) => x.latest));
    for (const k of net.keepers) expect(k.errors(), k.spec.name).to.deep.equal([]);
  });
});
