import { expect } from "chai";
import { type Address, type LocalAccount, parseGwei, toHex } from "viem";
import { bump } from "../../keeper/chain/sender.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, deploySink, fixingSink, fundedAccount } from "./helpers/chain.js";
import { journalPath, makeSender, postRound, signedFees } from "./helpers/sender.js";

/** Transactions stay in the mempool until the test mines: stuck, dropped and replaced on purpose. */
describe("K02 stuck nonce and replacement (anvil --no-mining)", function () {
  let anvil: Anvil;
  let deployer: LocalAccount;
  let sink: Address;

  before(async () => {
    anvil = await startAnvil({ args: ["--no-mining"] });
    deployer = await fundedAccount(anvil);
    sink = await deploySink(anvil, deployer, { mine: true });
  });
  after(async () => {
    await anvil.stop();
  });

  const mine = () => anvil.rpc("evm_mine");
  const chainNonce = (a: Address) => clients(anvil, deployer).publicClient.getTransactionCount({ address: a, blockTag: "latest" });

  it("K02 dropped transaction: replaced with the same nonce and fees +>= bumpPercent, no gap", async () => {
    const account = await fundedAccount(anvil);
    const { sender, journal, clock, metrics } = makeSender(anvil, account, journalPath(), { fees: { stuckAfterSeconds: 30, bumpPercent: 20 } });
    await sender.reconcile();
    const first = await sender.send(postRound(sink, 101));
    expect(first.status).to.equal("sent");
    await anvil.rpc("anvil_dropTransaction", [first.status === "sent" ? first.hash : "0x"]);

    await sender.tick(); // not stuck yet: nothing new
    expect(journal.attempts("post:101")).to.have.length(1);
    clock.now += 31_000;
    await sender.tick();
    const attempts = journal.attempts("post:101");
    expect(attempts).to.have.length(2);
    const [a0, a1] = attempts.map((a) => signedFees(a.raw));
    expect(a1?.nonce).to.equal(a0?.nonce);
    expect(a1!.maxFeePerGas >= bump(a0!.maxFeePerGas, 20)).to.equal(true);
    expect(a1!.maxPriorityFeePerGas >= bump(a0!.maxPriorityFeePerGas, 20)).to.equal(true);
    expect(await metrics.txReplaced.get({ kind: "post" })).to.equal(1);

    await mine();
    const tx = await sender.waitFinal("post:101", { pollMs: 20 });
    expect(tx.state).to.equal("confirmed");
    expect(tx.minedHash).to.equal(attempts[1]?.hash);
    expect(await chainNonce(account.address)).to.equal(1);
  });

  it("K02 stuck (not dropped) transaction: the node accepts the bumped replacement, exactly one is mined", async () => {
    const account = await fundedAccount(anvil);
    const { sender, journal, clock } = makeSender(anvil, account, journalPath());
    await sender.reconcile();
    await sender.send(postRound(sink, 102));
    clock.now += 31_000;
    await sender.tick();
    const [old, replacement] = journal.attempts("post:102");
    await mine();
    const tx = await sender.waitFinal("post:102", { pollMs: 20 });
    expect(tx.minedHash).to.equal(replacement?.hash);
    const { publicClient } = clients(anvil, account);
    expect(await publicClient.getTransactionReceipt({ hash: old!.hash }).catch(() => null)).to.equal(null);
    expect(await chainNonce(account.address)).to.equal(1);
  });

  it("K02 several in flight, some dropped: every nonce is mined once, no gap, in-flight never above max", async () => {
    const account = await fundedAccount(anvil);
    const { sender, journal, clock } = makeSender(anvil, account, journalPath(), { maxInFlight: 3 });
    await sender.reconcile();
    const results = [];
    for (const r of [201, 202, 203, 204]) results.push(await sender.send(postRound(sink, r)));
    // normal priority leaves the last slot to high priority (fixing posts)
    expect(results.map((r) => r.status)).to.deep.equal(["sent", "sent", "deferred", "deferred"]);
    expect(await sender.send({ ...postRound(sink, 300, "post:high"), priority: "high" })).to.include({ status: "sent", nonce: 2 });
    expect(await sender.send({ ...postRound(sink, 301, "post:high2"), priority: "high" })).to.include({ status: "deferred" });
    expect(sender.inFlight()).to.equal(3);

    // the middle nonce disappears from the mempool: nonce 2 cannot be mined until nonce 1 is replaced
    await anvil.rpc("anvil_dropTransaction", [journal.attempts("post:202")[0]?.hash]);
    await mine();
    clock.now += 31_000;
    await sender.tick();
    await mine();
    for (const k of ["post:201", "post:202", "post:high"]) expect((await sender.waitFinal(k, { pollMs: 20 })).state).to.equal("confirmed");
    expect(await chainNonce(account.address)).to.equal(3);
    expect(journal.allTxs(account.address).map((t) => t.nonce)).to.deep.equal([0, 1, 2]);
    expect(sender.inFlight()).to.equal(0);
  });

  it("K02 lost race while stuck: the nonce is filled with a self-transfer, nothing reverts on chain", async () => {
    const [a, b] = [await fundedAccount(anvil), await fundedAccount(anvil)];
    const opA = makeSender(anvil, a, journalPath());
    const opB = makeSender(anvil, b, journalPath());
    await opA.sender.reconcile();
    await opB.sender.reconcile();
    const bSent = await opB.sender.send(postRound(sink, 400));
    await anvil.rpc("anvil_dropTransaction", [bSent.status === "sent" ? bSent.hash : "0x"]);
    await opA.sender.send(postRound(sink, 400));
    await mine();
    expect((await opA.sender.waitFinal("post:400", { pollMs: 20 })).state).to.equal("confirmed");

    opB.clock.now += 31_000;
    await opB.sender.tick();
    const [, filler] = opB.journal.attempts("post:400");
    expect(filler?.isCancel).to.equal(true);
    expect(signedFees(filler!.raw).to?.toLowerCase()).to.equal(b.address.toLowerCase());
    await mine();
    const tx = await opB.sender.waitFinal("post:400", { pollMs: 20 });
    expect(tx.state).to.equal("cancelled");
    const receipt = await clients(anvil, b).publicClient.getTransactionReceipt({ hash: tx.minedHash! });
    expect(receipt.status).to.equal("success");
    expect(await chainNonce(b.address)).to.equal(1);
    const { publicClient } = clients(anvil, deployer);
    expect(await publicClient.readContract({ address: sink, abi: fixingSink().abi, functionName: "lastRound" })).to.equal(400n);
  });

  it("K03 stuck during a gas spike: bumps climb to the cap and stop there with an alert, never above", async () => {
    const account = await fundedAccount(anvil);
    const cap = parseGwei("10");
    const { sender, journal, clock, metrics } = makeSender(anvil, account, journalPath(), { fees: { maxFeePerGas: cap } });
    await sender.reconcile();
    await sender.send(postRound(sink, 500));
    await anvil.rpc("anvil_setNextBlockBaseFeePerGas", [toHex(parseGwei("40"))]); // x20 and more
    await mine(); // the spike block: our fee is too low to be included (anvil even evicts it)
    for (let i = 0; i < 4; i++) {
      clock.now += 31_000;
      await sender.tick();
    }
    const fees = journal.attempts("post:500").map((a) => signedFees(a.raw));
    expect(fees.length).to.be.greaterThan(1);
    for (const f of fees) expect(f.maxFeePerGas <= cap, `signed ${f.maxFeePerGas} > cap`).to.equal(true);
    expect(fees.at(-1)?.maxFeePerGas).to.equal(cap);
    expect(await metrics.feeCapHits.get({ kind: "post" })).to.be.greaterThan(0);
    expect(new Set(fees.map((f) => f.nonce)).size).to.equal(1);

    // The spike ends: the capped transaction is mined, nothing else is needed.
    await anvil.rpc("anvil_setNextBlockBaseFeePerGas", [toHex(parseGwei("1"))]);
    await mine();
    await sender.tick(); // the capped attempt the node refused during the spike is sent again, and now accepted
    await mine();
    expect((await sender.waitFinal("post:500", { pollMs: 20, timeoutMs: 5_000 })).state).to.equal("confirmed");
    expect(journal.attempts("post:500").every((a) => signedFees(a.raw).maxFeePerGas <= cap)).to.equal(true);
  });

  it("K03 no room under the cap for a valid replacement (+10 %): the attempt is kept and re-broadcast, not replaced", async () => {
    const account = await fundedAccount(anvil);
    const base = (await clients(anvil, account).publicClient.getBlock()).baseFeePerGas ?? 0n;
    const first = 2n * base + parseGwei("1");
    const cap = first + first / 20n; // 5 % above the first fee: less than the node's 10 % replacement minimum
    const { sender, journal, clock, metrics } = makeSender(anvil, account, journalPath(), { fees: { maxFeePerGas: cap } });
    await sender.reconcile();
    await sender.send(postRound(sink, 600));
    clock.now += 31_000;
    await sender.tick();
    expect(journal.attempts("post:600")).to.have.length(1);
    expect(await metrics.feeCapHits.get({ kind: "post" })).to.equal(1);
    await mine();
    expect((await sender.waitFinal("post:600", { pollMs: 20, timeoutMs: 5_000 })).state).to.equal("confirmed");
  });
});
