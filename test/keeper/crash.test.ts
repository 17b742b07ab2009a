import { expect } from "chai";
import { spawn } from "node:child_process";
import { type Address, encodeFunctionData, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { parseEther } from "viem";
import { clients, fixingSink, fundedAccount } from "./helpers/chain.js";
import { prng } from "./helpers/random.js";
import { journalPath, makeSender, postRound, useSinkChain } from "./helpers/sender.js";

type CrashPoint = "afterPersistNonce" | "afterPersistSigned" | "afterBroadcast";
const POINTS: CrashPoint[] = ["afterPersistNonce", "afterPersistSigned", "afterBroadcast"];

class Crash extends Error {}

describe("K05 crash-restart idempotency of the journal", function () {
  const chain = useSinkChain();

  const chainNonce = (a: Address) => clients(chain.anvil, chain.deployer).publicClient.getTransactionCount({ address: a, blockTag: "latest" });

  for (const point of POINTS) {
    it(`K05 crash ${point}: the restart reconciles before sending; one post, no gap, no double send`, async () => {
      const account = await fundedAccount(chain.anvil);
      const db = journalPath();
      const first = makeSender(chain.anvil, account, db, { hooks: { [point]: () => { throw new Crash(point); } } });
      await first.sender.reconcile();
      const crashed = await first.sender.send(postRound(chain.sink, 7)).catch((e: unknown) => e);
      expect(crashed).to.be.instanceOf(Crash);
      first.journal.close();

      const second = makeSender(chain.anvil, account, db);
      const report = await second.sender.reconcile();
      expect(report.open).to.equal(1);
      expect(report.nextNonce).to.equal(1);
      expect(await second.sender.send(postRound(chain.sink, 7))).to.deep.include({ status: "exists", nonce: 0 });
      expect((await second.sender.waitFinal("post:7", { pollMs: 20 })).state).to.equal("confirmed");
      expect(await chain.read("posts")).to.equal(1n);
      expect(await chainNonce(account.address)).to.equal(1);
      expect(await second.sender.send(postRound(chain.sink, 8))).to.include({ status: "sent", nonce: 1 });
      second.journal.close();
    });
  }

  it("K05 120 seeded crash/restart cycles: every action posted exactly once, nonces contiguous, chain = journal", async () => {
    const rand = prng(0x5eed);
    const account = await fundedAccount(chain.anvil, "100");
    const db = journalPath();
    const keys: number[] = [];
    let round = 0;
    let crashes = 0;
    for (let cycle = 0; cycle < 120; cycle++) {
      const again = keys.length > 0 && rand() < 0.3;
      const r = again ? (keys[Math.floor(rand() * keys.length)] as number) : ++round;
      if (!again) keys.push(r);
      const point = rand() < 0.6 ? POINTS[Math.floor(rand() * POINTS.length)] : undefined;
      const op = makeSender(chain.anvil, account, db, point ? { hooks: { [point]: () => { throw new Crash(point); } } } : {});
      await op.sender.reconcile(); // the restart: settle the journal with the chain first
      const result = await op.sender.send(postRound(chain.sink, r)).catch((e: unknown) => {
        if (!(e instanceof Crash)) throw e;
        crashes++;
        return undefined;
      });
      if (again && result) expect(result.status, `round ${r} sent twice`).to.equal("exists");
      op.journal.close();
    }
    const last = makeSender(chain.anvil, account, db);
    await last.sender.reconcile();
    for (const r of keys) expect((await last.sender.waitFinal(`post:${r}`, { pollMs: 10 })).state).to.equal("confirmed");
    const txs = last.journal.allTxs(account.address);
    expect(txs.map((t) => t.nonce)).to.deep.equal(txs.map((_, i) => i));
    expect(txs).to.have.length(keys.length);
    expect(await chainNonce(account.address)).to.equal(keys.length);
    expect(await chain.read("posts")).to.equal(BigInt(keys.length));
    expect(await chain.read("lastRound")).to.equal(BigInt(round));
    expect(crashes).to.be.greaterThan(40);
    last.journal.close();
  });

  for (const point of POINTS) {
    it(`K05 kill -9 of a real keeper process ${point}: restart, one post, no gap`, async () => {
      const key = generatePrivateKey();
      const account = privateKeyToAccount(key);
      await chain.anvil.rpc("anvil_setBalance", [account.address, toHex(parseEther("1"))]);
      const db = journalPath();
      const data = encodeFunctionData({ abi: fixingSink().abi, functionName: "post", args: [9n] });
      const script = new URL("./fixtures/crash-send.ts", import.meta.url).pathname;
      const child = spawn(process.execPath, ["--import", "tsx", script, chain.anvil.url, String(chain.anvil.chainId), db, key, chain.sink, data, "post:9", point], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
      expect(signal, stderr).to.equal("SIGKILL");

      const op = makeSender(chain.anvil, account, db);
      await op.sender.reconcile();
      expect(await op.sender.send({ ...postRound(chain.sink, 9) })).to.deep.include({ status: "exists", nonce: 0 });
      expect((await op.sender.waitFinal("post:9", { pollMs: 20 })).state).to.equal("confirmed");
      expect(op.journal.attempts("post:9")).to.have.length(1); // the journaled bytes were re-sent, not re-signed
      expect(await chain.read("posts")).to.equal(1n);
      expect(await chainNonce(account.address)).to.equal(1);
      op.journal.close();
    });
  }
});
