/**
 * Racing posters (issue 14): the operator whose turn comes after the round's leader does not send once the leader's
 * post is on chain; a post of ours still unmined when another's is mined is dropped before it can revert; two posts
 * mined in the same block (the one race no check can see) revert as a lost race, never counted as an error or a post.
 */
import { expect } from "chai";
import { type Address, type Hex, type LocalAccount, decodeFunctionData, encodeFunctionData, parseGwei, toHex } from "viem";
import { Journal } from "../../keeper/chain/journal.js";
import { validateConfig } from "../../keeper/config/schema.js";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { createLogger, silentLogger } from "../../keeper/observability/log.js";
import { type Handler, startServer } from "../../keeper/observability/server.js";
import { FixingLoop, type RoundOutcome } from "../../keeper/oracle/fixingLoop.js";
import { observationsRoute } from "../../keeper/oracle/peers.js";
import { replaySource } from "../../keeper/sources/replay.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { indexIdFromName } from "../../sdk/oracle.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, deploySink, fixingSink, fundedAccount } from "./helpers/chain.js";
import { deployOracle } from "./helpers/deploy.js";
import { START } from "./helpers/e2e.js";
import { journalPath, makeSender, postRound } from "./helpers/sender.js";
import type { FixingLoopOptions } from "../../keeper/oracle/fixingLoop.js";

const DAY = 86_400;
/** The next operator's stagger is shorter than the gathering: a stagger counted from the quorum fired with the leader. */
const GATHER_MS = 600;
const STAGGER_MS = 300;

describe("racing posters: the next operator's turn comes after the leader's post (two operator loops, real oracle)", function () {
  this.timeout(60_000);
  let anvil: Anvil;

  before(async () => {
    anvil = await startAnvil({ args: ["--timestamp", String(START + 100)] });
  });
  after(async () => {
    await anvil.stop();
  });

  it("with the third operator down both gather for gatherMs; the leader posts, the next one sends nothing and nothing reverts", async () => {
    const owner = await fundedAccount(anvil);
    const ops = [await fundedAccount(anvil), await fundedAccount(anvil), await fundedAccount(anvil)];
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: ops.map((o) => o.address) });
    const def = await loadIndexDefinition("ATPI");
    // Operators 0 and 1 run a loop each and serve their journal to the other; operator 2 never answers.
    const routes: Handler[] = [];
    const servers = await Promise.all([0, 1].map((i) => startServer("127.0.0.1", 0, { "/observations": (q) => (routes[i] as Handler)(q) }, silentLogger)));
    const keepers = [0, 1].map((i) => {
      const op = ops[i] as LocalAccount;
      const { sender, journal, client, metrics } = makeSender(anvil, op, journalPath());
      routes[i] = observationsRoute(journal, op.address);
      const config = validateConfig({
        chainId: 31337,
        rpc: { urls: ["http://127.0.0.1:1"] },
        contracts: { oracle },
        indexes: ["ATPI"],
        schedule: { intervalSeconds: DAY, windowPolls: 4, maxFutureSkewSeconds: 60, pollMs: 100, catchUpRounds: 1, postStaggerMs: STAGGER_MS },
        peers: { urls: [(servers[1 - i] as { url: string }).url], timeoutMs: 1_000, gatherMs: GATHER_MS },
        sources: [{ index: "ATPI", kind: "replay" }],
        keys: { signer: { privateKeyEnv: "X" } },
        gas: { maxFeePerGasGwei: "50" },
      });
      const feeds = [{ name: "ATPI", indexId: indexIdFromName("ATPI"), def, source: replaySource() }];
      return { op, sender, journal, metrics, loop: new FixingLoop({ config, client, signer: op, journal, sender, log: silentLogger, metrics, feeds }) };
    });
    try {
      for (const k of keepers) await k.sender.reconcile();
      const round = BigInt(START); // the chain starts at START + 100: the first round
      const ranks = keepers.map((k) => k.loop.postRank(ops.map((o) => o.address), round));
      expect([...ranks].sort()).to.deep.equal([0, 1]); // one leader, one next operator; operator 2 is last
      const [leader, next] = ranks[0] === 0 ? [keepers[0]!, keepers[1]!] : [keepers[1]!, keepers[0]!];

      // Both tick together, as two keepers polling the same chain, until 1.5 s after the first quorum.
      const events: { who: "leader" | "next"; ms: number; outcome: RoundOutcome }[] = [];
      let quorumAt: number | undefined;
      while (quorumAt === undefined || Date.now() - quorumAt < 1_500) {
        const passes = await Promise.all([leader.loop.tick(), next.loop.tick(), leader.sender.tick(), next.sender.tick()]);
        const at = Date.now();
        passes.slice(0, 2).forEach((outcomes, i) => {
          for (const outcome of outcomes ?? []) events.push({ who: i === 0 ? "leader" : "next", ms: at, outcome });
        });
        if (quorumAt === undefined && events.some((e) => e.outcome.quorum.have >= 2)) quorumAt = at;
        await new Promise((r) => setTimeout(r, 50));
      }
      const posts = events.filter((e) => e.outcome.post !== undefined);
      expect(posts.map((e) => [e.who, e.outcome.post?.status])).to.deep.equal([["leader", "sent"]]);
      expect((posts[0] as { ms: number }).ms - (quorumAt as number)).to.be.at.least(GATHER_MS - 100); // after the gathering
      // The next operator's turn (gathering + stagger) came after the leader's post was mined: the round was no longer due.
      expect(events.filter((e) => e.who === "next" && e.ms > (posts[0] as { ms: number }).ms)).to.have.length(0);
      expect(next.journal.openTxs(next.op.address)).to.have.length(0);
      expect(next.journal.getTx(`post:ATPI:${round}`)).to.equal(undefined);

      // On chain: one postFixing, successful, from the leader.
      const { publicClient } = clients(anvil, owner);
      const head = await publicClient.getBlockNumber();
      const postTxs: { from: Address; status: string }[] = [];
      for (let b = 0n; b <= head; b++) {
        for (const tx of (await publicClient.getBlock({ blockNumber: b, includeTransactions: true })).transactions) {
          if (tx.to?.toLowerCase() !== oracle.toLowerCase() || decodeFunctionData({ abi: indexOracleAbi, data: tx.input as Hex }).functionName !== "postFixing") continue;
          postTxs.push({ from: tx.from.toLowerCase() as Address, status: (await publicClient.getTransactionReceipt({ hash: tx.hash })).status });
        }
      }
      expect(postTxs).to.deep.equal([{ from: leader.op.address.toLowerCase(), status: "success" }]);
      await leader.loop.tick(); // follows the confirmed post
      expect(await leader.metrics.fixingsPosted.get({ index: "ATPI" })).to.equal(1);
      for (const outcome of ["skipped", "deferred", "cancelled", "reverted"]) expect(await next.metrics.postRacesLost.get({ index: "ATPI", outcome })).to.equal(0);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe("racing posters: the sender's last checks and the lost race it cannot see (anvil --no-mining)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let deployer: LocalAccount;
  let sink: Address;

  before(async () => {
    anvil = await startAnvil({ args: ["--no-mining"] });
    deployer = await fundedAccount(anvil);
  });
  beforeEach(async () => {
    sink = await deploySink(anvil, deployer, { mine: true });
  });
  after(async () => {
    await anvil.stop();
  });

  const mine = () => anvil.rpc("evm_mine");
  /** The other operator's post of `round`, sent straight to the node with the given fees. */
  async function rivalPost(round: number, fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) {
    const rival = await fundedAccount(anvil);
    const { walletClient } = clients(anvil, rival);
    const data = encodeFunctionData({ abi: fixingSink().abi, functionName: "post", args: [BigInt(round)] });
    return walletClient.sendTransaction({ to: sink, data, gas: 100_000n, ...fees });
  }
  const read = async (fn: "posts" | "lastRound") =>
    (await clients(anvil, deployer).publicClient.readContract({ address: sink, abi: fixingSink().abi, functionName: fn })) as bigint;

  it("a post still in the pool when another post of the round is mined is dropped at once: a self-transfer fills its nonce, nothing reverts", async () => {
    const me = await fundedAccount(anvil);
    const { sender, journal } = makeSender(anvil, me, journalPath());
    await sender.reconcile();
    const sent = await sender.send(postRound(sink, 400));
    expect(sent.status).to.equal("sent");
    expect(await sender.dropIfDone("post:400")).to.equal(false); // still needed: never dropped
    const [mine1] = journal.attempts("post:400");
    // The next block's base fee is above what our attempt pays: only the rival's post gets in.
    await anvil.rpc("anvil_setNextBlockBaseFeePerGas", [toHex((mine1?.maxFeePerGas ?? 0n) + parseGwei("1"))]);
    await rivalPost(400, { maxFeePerGas: parseGwei("40"), maxPriorityFeePerGas: parseGwei("2") });
    await mine();
    expect(await read("lastRound")).to.equal(400n);
    expect(journal.getTx("post:400")?.state).to.equal("broadcast"); // ours still waits in the pool

    expect(await sender.dropIfDone("post:400")).to.equal(true);
    const [, filler] = journal.attempts("post:400");
    expect(filler?.isCancel).to.equal(true);
    await mine();
    const tx = await sender.waitFinal("post:400", { pollMs: 20 });
    expect(tx.state).to.equal("cancelled");
    expect((await clients(anvil, me).publicClient.getTransactionReceipt({ hash: tx.minedHash as Hex })).status).to.equal("success");
    expect(await read("posts")).to.equal(1n);
  });

  it("two posts in the same block: the loser reverts as a lost race (status lost_race, journal note), not as a revert", async () => {
    const me = await fundedAccount(anvil);
    const { sender, metrics } = makeSender(anvil, me, journalPath());
    await sender.reconcile();
    expect((await sender.send(postRound(sink, 500))).status).to.equal("sent");
    // The rival's post arrives after ours was checked and pays a higher tip: first in the same block.
    await rivalPost(500, { maxFeePerGas: parseGwei("40"), maxPriorityFeePerGas: parseGwei("5") });
    await mine();
    const tx = await sender.waitFinal("post:500", { pollMs: 20 });
    expect(tx.state).to.equal("reverted");
    expect(tx.note).to.match(/^lost race: /);
    expect(await metrics.txConfirmed.get({ kind: "post", status: "lost_race" })).to.equal(1);
    expect(await metrics.txConfirmed.get({ kind: "post", status: "reverted" })).to.equal(0);
    expect(await read("posts")).to.equal(1n);
  });
});

describe("racing posters: a stagger shorter than one pass is reported at start", () => {
  it("warns when postStaggerMs < pollMs + peers.timeoutMs with peers configured, and not otherwise", () => {
    const warnings = (postStaggerMs: number, urls: string[]) => {
      const lines: string[] = [];
      const config = validateConfig({
        chainId: 31337, rpc: { urls: ["http://127.0.0.1:1"] }, contracts: { oracle: "0x0000000000000000000000000000000000000001" }, indexes: ["ATPI"],
        schedule: { intervalSeconds: DAY, pollMs: 200, postStaggerMs }, peers: { urls, timeoutMs: 1_000 },
        sources: [{ index: "ATPI", kind: "replay" }], keys: { signer: { privateKeyEnv: "X" } }, gas: { maxFeePerGasGwei: "50" },
      });
      const log = createLogger({ level: "info", write: (l) => lines.push(l) });
      new FixingLoop({ config, log, feeds: [], journal: new Journal(":memory:") } as unknown as FixingLoopOptions); // the journal: settlement loads its gathered rounds
      return lines.map((l) => JSON.parse(l) as { level: string; msg: string; recommendedAtLeast?: number }).filter((l) => l.level === "warn");
    };
    const peer = ["http://127.0.0.1:2"];
    expect(warnings(500, peer).map((w) => w.recommendedAtLeast)).to.deep.equal([1_200]);
    expect(warnings(1_200, peer)).to.deep.equal([]);
    expect(warnings(0, [])).to.deep.equal([]); // a single operator has no one to race
  });
});
