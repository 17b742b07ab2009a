import { expect } from "chai";
import { parseGwei, toHex } from "viem";
import { classifySendError } from "../../keeper/chain/nodeErrors.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, deploySink, fixingSink, fundedAccount } from "./helpers/chain.js";
import { startFaultProxy } from "./helpers/faultProxy.js";
import { journalPath, makeSender, postRound, signedFees, useSinkChain } from "./helpers/sender.js";

describe("keeper transaction sender (auto-mining anvil)", function () {
  const chain = useSinkChain();


  it("simulates, journals the nonce and the signed bytes, sends, and tracks the receipt to confirmation", async () => {
    const account = await fundedAccount(chain.anvil);
    const { sender, journal, metrics } = makeSender(chain.anvil, account, journalPath());
    expect((await sender.reconcile()).nextNonce).to.equal(0);
    const sent = await sender.send(postRound(chain.sink, 1));
    expect(sent).to.include({ status: "sent", nonce: 0 });
    const tx = await sender.waitFinal("post:1", { pollMs: 20 });
    expect(tx.state).to.equal("confirmed");
    expect(tx.minedHash).to.equal(sent.status === "sent" ? sent.hash : "");
    expect(journal.attempts("post:1")).to.have.length(1);
    expect(await chain.read("posts")).to.equal(1n);
    expect(await metrics.txConfirmed.get({ kind: "post", status: "confirmed" })).to.equal(1);
  });

  it("the same idempotency key is never sent twice", async () => {
    const account = await fundedAccount(chain.anvil);
    const { sender } = makeSender(chain.anvil, account, journalPath());
    await sender.reconcile();
    await sender.send(postRound(chain.sink, 1));
    expect(await sender.send(postRound(chain.sink, 1))).to.deep.include({ status: "exists", nonce: 0 });
    await sender.waitFinal("post:1", { pollMs: 20 });
    expect(await sender.send(postRound(chain.sink, 1))).to.deep.include({ status: "exists", state: "confirmed" });
    expect(await chain.read("posts")).to.equal(1n);
  });

  it("a failing simulation skips the action: nothing journaled, no nonce used (a post that lost the race)", async () => {
    const [a, b] = [await fundedAccount(chain.anvil), await fundedAccount(chain.anvil)];
    const opA = makeSender(chain.anvil, a, journalPath());
    const opB = makeSender(chain.anvil, b, journalPath());
    await opA.sender.reconcile();
    await opB.sender.reconcile();
    await opA.sender.send(postRound(chain.sink, 5));
    await opA.sender.waitFinal("post:5", { pollMs: 20 });
    const lost = await opB.sender.send(postRound(chain.sink, 5));
    expect(lost.status).to.equal("skipped");
    expect(lost.status === "skipped" ? lost.reason : "").to.equal("RoundNotNewer(5, 5)");
    expect(opB.journal.allTxs(b.address)).to.deep.equal([]);
    expect(await opB.sender.send(postRound(chain.sink, 6))).to.include({ status: "sent", nonce: 0 });
  });

  it("dry run: simulates and prices, but signs, journals and sends nothing", async () => {
    const account = await fundedAccount(chain.anvil);
    const { sender, journal } = makeSender(chain.anvil, account, journalPath(), { dryRun: true });
    await sender.reconcile();
    const r = await sender.send(postRound(chain.sink, 1));
    expect(r.status).to.equal("dry-run");
    expect(journal.allTxs(account.address)).to.deep.equal([]);
    expect(await chain.read("posts")).to.equal(0n);
  });

  it("an RPC failure during simulation defers the action (never skipped, never cancelled); it goes through later", async () => {
    const proxy = await startFaultProxy(chain.anvil.url);
    try {
      const account = await fundedAccount(chain.anvil);
      const db = journalPath();
      const crashed = makeSender({ ...chain.anvil, url: proxy.url }, account, db, { hooks: { afterPersistNonce: () => { throw new Error("crash"); } } });
      await crashed.sender.reconcile();
      await crashed.sender.send(postRound(chain.sink, 3)).catch(() => undefined);
      crashed.journal.close();

      const op = makeSender({ ...chain.anvil, url: proxy.url }, account, db);
      proxy.failMethods.add("eth_call");
      const restart = await op.sender.reconcile().catch((e: Error) => e);
      expect(String((restart as Error).message)).to.match(/cannot simulate post:3/);
      expect(op.journal.attempts("post:3")).to.deep.equal([]); // not cancelled on a transport failure

      proxy.failMethods.clear();
      await op.sender.reconcile();
      expect(op.journal.attempts("post:3").map((a) => a.isCancel)).to.deep.equal([false]);

      proxy.failMethods.add("eth_call");
      const r = await op.sender.send(postRound(chain.sink, 4));
      expect(r.status).to.equal("deferred");
      expect(r.status === "deferred" ? r.reason : "").to.match(/^simulation failed: /);
      proxy.failMethods.clear();
      expect(await op.sender.send(postRound(chain.sink, 4))).to.include({ status: "sent", nonce: 1 });
      expect((await op.sender.waitFinal("post:4", { pollMs: 20 })).state).to.equal("confirmed");
      expect(await chain.read("posts")).to.equal(2n);
      op.journal.close();
    } finally {
      await proxy.close();
    }
  });

  it("a nonce taken by a transaction sent outside the keeper: the action is marked lost after the grace period, no gap", async () => {
    const account = await fundedAccount(chain.anvil);
    const db = journalPath();
    const crashed = makeSender(chain.anvil, account, db, { hooks: { afterPersistNonce: () => { throw new Error("crash"); } } });
    await crashed.sender.reconcile();
    await crashed.sender.send(postRound(chain.sink, 21)).catch(() => undefined);
    crashed.journal.close();
    await clients(chain.anvil, account).walletClient.sendTransaction({ to: account.address, value: 0n, nonce: 0 }); // by hand

    const op = makeSender(chain.anvil, account, db);
    expect((await op.sender.reconcile()).nextNonce).to.equal(1);
    expect(op.journal.getTx("post:21")?.state).to.equal("queued"); // receipt may lag on another node: wait
    op.clock.now += 31_000;
    await op.sender.tick();
    expect(op.journal.getTx("post:21")).to.include({ state: "lost", note: "nonce used by a transaction not in the journal" });
    expect(await op.sender.send(postRound(chain.sink, 21, "post:21:retry"))).to.include({ status: "sent", nonce: 1 });
    expect((await op.sender.waitFinal("post:21:retry", { pollMs: 20 })).state).to.equal("confirmed");
    op.journal.close();
  });

  it("send before reconcile is refused", async () => {
    const { sender } = makeSender(chain.anvil, await fundedAccount(chain.anvil), journalPath());
    const e = await sender.send(postRound(chain.sink, 1)).catch((x: Error) => x);
    expect((e as Error).message).to.equal("TxSender.send before reconcile()");
  });

  it("K03 base fee x20 above the cap: no fee above the cap is signed, new actions are deferred with an alert and a /health reason until sent", async () => {
    const account = await fundedAccount(chain.anvil);
    const cap = parseGwei("5");
    const feeCapped = new Map<string, { reason: string; atMs: number }>();
    const { sender, journal, metrics } = makeSender(chain.anvil, account, journalPath(), { fees: { maxFeePerGas: cap }, feeCapped });
    await sender.reconcile();
    const base = (await clients(chain.anvil, account).publicClient.getBlock()).baseFeePerGas ?? 0n;
    await chain.anvil.rpc("anvil_setNextBlockBaseFeePerGas", [toHex(parseGwei("20"))]);
    await chain.anvil.rpc("evm_mine");
    const r = await sender.send(postRound(chain.sink, 1));
    expect(r.status).to.equal("deferred");
    expect(r.status === "deferred" ? r.reason : "").to.match(/base fee 20000000000 \+ priority 1000000000 > cap 5000000000/);
    expect(journal.allTxs(account.address)).to.deep.equal([]);
    expect(await metrics.feeCapHits.get({ kind: "post" })).to.equal(1);
    expect([...feeCapped.keys()]).to.deep.equal(["post:1"]);

    // Once the base fee is back, the action goes through, with a fee within the cap.
    await chain.anvil.rpc("anvil_setNextBlockBaseFeePerGas", [toHex(base > 0n ? base : 1n)]);
    await chain.anvil.rpc("evm_mine");
    const ok = await sender.send(postRound(chain.sink, 1));
    expect(ok.status).to.equal("sent");
    expect(feeCapped.size).to.equal(0);
    await sender.waitFinal("post:1", { pollMs: 20 });
    for (const a of journal.attempts("post:1")) expect(signedFees(a.raw).maxFeePerGas <= cap).to.equal(true);
  });

  it("classifies the real node's answers: already known, nonce too low, replacement underpriced", async () => {
    const account = await fundedAccount(chain.anvil);
    const { publicClient } = clients(chain.anvil, account);
    const sign = (nonce: number, fee: bigint) =>
      account.signTransaction({ chainId: chain.anvil.chainId, type: "eip1559", nonce, to: account.address, gas: 21_000n, maxFeePerGas: fee, maxPriorityFeePerGas: fee / 2n });
    const raw = await sign(0, parseGwei("10"));
    await publicClient.sendRawTransaction({ serializedTransaction: raw });
    const tooLow = await publicClient.sendRawTransaction({ serializedTransaction: await sign(0, parseGwei("11")) }).catch((e: Error) => e.message);
    expect(classifySendError(String(tooLow))).to.equal("nonce-used");
    await chain.anvil.rpc("evm_setAutomine", [false]);
    try {
      const pending = await sign(1, parseGwei("10"));
      await publicClient.sendRawTransaction({ serializedTransaction: pending });
      const known = await publicClient.sendRawTransaction({ serializedTransaction: pending }).catch((e: Error) => e.message);
      expect(classifySendError(String(known))).to.equal("known");
      const under = await publicClient.sendRawTransaction({ serializedTransaction: await sign(1, parseGwei("9")) }).catch((e: Error) => e.message);
      expect(classifySendError(String(under))).to.equal("underpriced");
    } finally {
      await chain.anvil.rpc("evm_setAutomine", [true]);
    }
    expect(classifySendError("insufficient funds for gas * price + value")).to.equal("funds");
    expect(classifySendError("max fee per gas less than block base fee")).to.equal("fee-too-low");
    expect(classifySendError("something else entirely")).to.equal("fatal");
  });
});

describe("K04 reorg of a mined transaction (anvil snapshot/revert)", function () {
  let anvil: Anvil;
  before(async () => {
    anvil = await startAnvil();
  });
  after(async () => {
    await anvil.stop();
  });

  it("K04 a post mined then reorged out is detected before confirmation and re-sent with the same bytes", async () => {
    const deployer = await fundedAccount(anvil);
    const sink = await deploySink(anvil, deployer);
    const account = await fundedAccount(anvil);
    const { sender, journal } = makeSender(anvil, account, journalPath(), { confirmations: 3 });
    await sender.reconcile();
    const snapshot = await anvil.rpc<string>("evm_snapshot");
    const sent = await sender.send(postRound(sink, 11));
    // Anvil mines on send, but under load its receipt can lag the send: wait for it, so the tick sees the post mined.
    if (sent.status === "sent") await clients(anvil, account).publicClient.waitForTransactionReceipt({ hash: sent.hash, pollingInterval: 20 });
    await sender.tick();
    expect(journal.getTx("post:11")?.state).to.equal("mined");

    await anvil.rpc("evm_revert", [snapshot]); // the block holding the post is gone
    await sender.tick();
    expect(journal.getTx("post:11")).to.include({ state: "broadcast", note: "receipt lost in a reorg" });
    await sender.tick(); // re-broadcast of the journaled bytes
    await anvil.rpc("anvil_mine", ["0x3"]);
    const tx = await sender.waitFinal("post:11", { pollMs: 20, timeoutMs: 5_000 });
    expect(tx.state).to.equal("confirmed");
    expect(tx.minedHash).to.equal(sent.status === "sent" ? sent.hash : "");
    expect(journal.attempts("post:11")).to.have.length(1);
    const posts = await clients(anvil, deployer).publicClient.readContract({ address: sink, abi: fixingSink().abi, functionName: "posts" });
    expect(posts).to.equal(1n);
  });
});
