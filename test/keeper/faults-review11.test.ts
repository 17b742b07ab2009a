/**
 * Operator faults, review 11: a peer serving a validly signed value the oracle refuses (outside its bounds), a
 * settlement log scan through an RPC endpoint that refuses long eth_getLogs ranges, and a keeper listed in its own
 * peers.urls.
 */
import { expect } from "chai";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, type LocalAccount, encodeFunctionData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type SignedObservation, buildPostFixingArgs, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import type { SendRequest, SendResult, TxSender } from "../../keeper/chain/sender.js";
import { KeyError, exposedKeyFiles, loadOperatorKeys } from "../../keeper/chain/keys.js";
import { readSplitting } from "../../keeper/chain/splitRange.js";
import { validateConfig } from "../../keeper/config/schema.js";
import { Journal } from "../../keeper/chain/journal.js";
import { createLogger, silentLogger, urlLabel } from "../../keeper/observability/log.js";
import { createKeeperMetrics } from "../../keeper/observability/metrics.js";
import { startServer } from "../../keeper/observability/server.js";
import { type CollectParams, type Round, collectRound, decideQuorum, instanceOf, observationsRoute, recordProposal, toJson } from "../../keeper/oracle/peers.js";
import { SettlementTracker } from "../../keeper/oracle/settlement.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, fundedAccount } from "./helpers/chain.js";
import { deployOracle } from "./helpers/deploy.js";
import { type ScriptedServer, body, startScriptedServer } from "./helpers/scriptedServer.js";

const ATPI = indexIdFromName("ATPI");
describe("keeper operator faults (review 11): a peer serving a value the oracle refuses (real oracle on anvil)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let owner: LocalAccount;
  const servers: ScriptedServer[] = [];
  before(async () => {
    anvil = await startAnvil();
    owner = await fundedAccount(anvil);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await anvil?.stop();
  });

  /** An oracle of a, b and c (quorum 2 of 3: fault tolerance 0); b and c serve what `serve` makes of their observations of a round. */
  async function setUp(values: [bigint, bigint, bigint], serve: (b: SignedObservation, c: SignedObservation) => SignedObservation[], maxValue?: bigint) {
    const ops = [await fundedAccount(anvil), await fundedAccount(anvil), await fundedAccount(anvil)];
    const operators = ops.map((o) => o.address);
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators, ...(maxValue ? { maxValue } : {}) });
    const { publicClient } = clients(anvil, owner);
    const round: Round = { indexId: ATPI, timestamp: (await publicClient.getBlock()).timestamp, methodologyVersion: 2 };
    const [a, b, c] = await Promise.all(ops.map((op, i) => signObservation(op, anvil.chainId, oracle, { ...round, value: values[i]!, inputsHash: `0x${"ab".repeat(32)}` })));
    const peer = await startScriptedServer(body(JSON.stringify({ observations: serve(b!, c!).map(toJson) })));
    servers.push(peer);
    const lines: { msg: string; peer?: string; reason?: string }[] = [];
    const params: CollectParams = {
      round, own: [a!], peerUrls: [peer.url], timeoutMs: 2_000, chainId: anvil.chainId, oracle, operators,
      log: createLogger({ write: (l) => lines.push(JSON.parse(l) as (typeof lines)[number]) }),
    };
    /** Whether the oracle accepts a post of these observations (a simulation at the latest block). */
    const accepts = async (observations: SignedObservation[]): Promise<true | string> => {
      try {
        await publicClient.simulateContract({ account: owner, address: oracle, abi: indexOracleAbi, functionName: "postFixing", args: buildPostFixingArgs(operators, observations) });
        return true;
      } catch (e) {
        return (e as Error).message;
      }
    };
    return { round, a: a!, b: b!, c: c!, operators, params, lines, peer: urlLabel(peer.url), accepts };
  }

  it("a peer serving a validly signed value above the oracle's maxValue (within the spread): dropped and named; the post of the others passes", async () => {
    const max = 2_500n * 10n ** 18n;
    const { round, a, b, c, operators, params, lines, peer, accepts } = await setUp([max, max, max + 1n], (b, c) => [b, c], max);
    expect(await accepts([a, b, c])).to.match(/ValueOutOfBounds/);
    const got = await collectRound({ ...params, bounds: { min: 1n, max } });
    expect(got.observations).to.deep.equal([a, b]);
    expect(got.peerValues).to.deep.equal([max]); // b's value; c's is no value to compare with either
    const rejected = lines.filter((l) => l.msg === "peer observation rejected" && l.peer === peer);
    expect(rejected.map((l) => l.reason)).to.deep.equal([`value ${max + 1n} outside the oracle's bounds [1, ${max}]`]);
    const decision = decideQuorum(round, got.observations, operators, 2, 10_000);
    expect(decision.reached && decision.args[4].length).to.equal(2);
    expect(await accepts(got.observations)).to.equal(true);
  });
});

describe("keeper operator faults (review 11): a settlement log scan through an RPC endpoint that refuses long ranges", () => {
  const ORACLE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const expiry = 1_800_000_000n;
  const config = validateConfig({
    chainId: 31337, rpc: { urls: ["http://127.0.0.1:1"] }, contracts: { oracle: ORACLE, market: ORACLE }, indexes: ["ATPI"],
    sources: [{ index: "ATPI", kind: "replay" }], keys: { signer: { privateKeyEnv: "X" } }, gas: { maxFeePerGasGwei: "50" },
    settlement: [{
      index: "ATPI", expiry: Number(expiry), contractSize: "1", tickSize: "0.01", minSize: 1, initialMarginBps: 1000, maintenanceMarginBps: 500,
      makerFeeBps: 2, takerFeeBps: 5, priceBandBps: 500, priceLimitBps: 400, liquidationPenaltyBps: 100, maxFixingAge: 7200,
      settlementWindow: 86_400, settlementGrace: 604_800,
    }],
  });

  it("C32 a node that refuses eth_getLogs over more than 500 blocks: the range is split, the posted round at expiry is still found and recorded once", async () => {
    const op = privateKeyToAccount(generatePrivateKey());
    const observation = await signObservation(op, 31337, ORACLE, { indexId: ATPI, timestamp: expiry, methodologyVersion: 2, value: 10n ** 18n, inputsHash: `0x${"ab".repeat(32)}` });
    const posted = buildPostFixingArgs([op.address], [observation]);
    const POSTED_AT = 17_321n;
    const ranges: [bigint, bigint][] = [];
    const client = {
      readContract: async () => ({ settledAt: 0n }),
      getBlockNumber: async () => 20_000n,
      getLogs: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
        ranges.push([fromBlock, toBlock]);
        if (toBlock - fromBlock + 1n > 500n) throw new Error("query exceeds max block range 500");
        return fromBlock <= POSTED_AT && POSTED_AT <= toBlock ? [{ args: { timestamp: expiry }, transactionHash: "0x01" }] : [];
      },
      getTransaction: async () => ({ input: encodeFunctionData({ abi: indexOracleAbi, functionName: "postFixing", args: posted }) }),
    };
    const sent: string[] = [];
    const sender = {
      client,
      send: async (req: SendRequest): Promise<SendResult> => (sent.push(req.key), { status: "sent", key: req.key, nonce: 0, hash: "0x02" as Hex }),
    } as unknown as TxSender;
    const tracker = new SettlementTracker({ config, sender, journal: new Journal(":memory:"), log: silentLogger, metrics: createKeeperMetrics() });
    await tracker.check({ name: "ATPI", indexId: ATPI }, expiry + 100n);
    await tracker.check({ name: "ATPI", indexId: ATPI }, expiry + 200n);
    expect(sent.filter((k) => k.startsWith("record:"))).to.have.length(1);
    expect(sent[0]).to.match(new RegExp(`^record:ATPI:${expiry}:[0-9a-f]{12}:${expiry}$`));
    // Every block of the look-back was read once in a range the node accepted: none left out.
    const accepted = ranges.filter(([a, b]) => b - a + 1n <= 500n).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    expect(accepted[0]![0]).to.equal(20_000n - 10_000n);
    for (let i = 1; i < accepted.length; i++) expect(accepted[i]![0]).to.equal(accepted[i - 1]![1] + 1n);
    expect(accepted.at(-1)![1]).to.equal(20_000n);
  });
});

describe("keeper operator faults (review 11): a keeper listed in its own peers.urls", () => {
  it("its own answers (its proposal, then its signed observation) are ignored: neither a peer value nor a second keeper sharing its key; named as its own URL. Another keeper with its key still is one", async () => {
    const ORACLE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const me = privateKeyToAccount(generatePrivateKey());
    const round: Round = { indexId: ATPI, timestamp: 1_800_000_000n, methodologyVersion: 2 };
    const sign = (value: bigint) => signObservation(me, 31337, ORACLE, { ...round, value, inputsHash: `0x${"ab".repeat(32)}` });
    const [journal, twinJournal] = [new Journal(":memory:"), new Journal(":memory:")];
    const [server, twinServer] = await Promise.all([journal, twinJournal].map((j) => startServer("127.0.0.1", 0, { "/observations": observationsRoute(j, me.address) }, silentLogger)));
    const lines: { msg: string; peer?: string }[] = [];
    const log = createLogger({ write: (l) => lines.push(JSON.parse(l) as (typeof lines)[number]) });
    try {
      const params: CollectParams = {
        round, own: [], peerUrls: [server!.url], timeoutMs: 2_000, chainId: 31337, oracle: ORACLE, operators: [me.address], self: me.address, selfInstance: instanceOf(journal), log,
      };
      recordProposal(journal, ATPI, round.timestamp, 10n ** 18n); // computed, not signed yet: its answer holds the proposal
      const proposing = await collectRound(params);
      expect(proposing.peerValues).to.deep.equal([]); // its own value is no peer's (it would pass the peer comparison by itself)
      const mine = await sign(10n ** 18n);
      journal.recordObservation(mine, 0);
      const signed = await collectRound({ ...params, own: [mine] });
      expect([signed.sharedKey, signed.observations, signed.peerValues]).to.deep.equal([[], [mine], []]);
      const named = lines.filter((l) => l.msg === "a peer URL answers as this keeper itself: peers.urls lists this keeper's own URL (its answers are ignored)");
      expect(named.map((l) => l.peer)).to.deep.equal([urlLabel(server!.url), urlLabel(server!.url)]);
      // Another keeper (another journal) signing with this key is still a second keeper sharing it.
      const theirs = await sign(10n ** 18n + 1n);
      twinJournal.recordObservation(theirs, 0);
      const twin = await collectRound({ ...params, own: [mine], peerUrls: [twinServer!.url] });
      expect(twin.sharedKey.map((x) => x.observation)).to.deep.equal([theirs]);
    } finally {
      await Promise.all([server!.close(), twinServer!.close()]);
      journal.close();
      twinJournal.close();
    }
  });
});

describe("keeper operator faults (review 11): a plain private key outside the curve's range", () => {
  it("zero or not below the curve order is a KeyError naming the config key and variable, the value not echoed", async () => {
    const order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
    for (const bad of [`0x${"0".repeat(64)}`, `0x${order}`, `0x${"f".repeat(64)}`]) {
      for (const [keys, name] of [[{ signer: { privateKeyEnv: "BAD" } }, "keys.signer"], [{ signer: { privateKeyEnv: "OK" }, gasPayer: { privateKeyEnv: "BAD" } }, "keys.gasPayer"]] as const) {
        const err = await loadOperatorKeys(keys, 31337, { BAD: bad, OK: generatePrivateKey() }).then(() => undefined, (e: Error) => e);
        expect(err, bad).to.be.instanceOf(KeyError);
        expect(err!.message, bad).to.equal(`${name} (BAD): not a valid secp256k1 private key (zero, or not below the curve order)`);
      }
    }
  });
});

describe("keeper operator faults (review 11): an operator that signs two values of one round (equivocation)", () => {
  it("the first value seen is kept; the second is named with the signer, both values and where each came from", async () => {
    const ORACLE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const [a, b, c] = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
    const round: Round = { indexId: ATPI, timestamp: 1_800_000_000n, methodologyVersion: 2 };
    const sign = (op: LocalAccount, value: bigint) => signObservation(op, 31337, ORACLE, { ...round, value, inputsHash: `0x${"ab".repeat(32)}` });
    const [mine, bs, c1, c2] = [await sign(a!, 100n), await sign(b!, 100n), await sign(c!, 101n), await sign(c!, 150n)];
    // Peer b relays c's first value; peer c serves its other one (it signed both).
    const peerB = await startScriptedServer(body(JSON.stringify({ observations: [bs, c1].map(toJson) })));
    const peerC = await startScriptedServer(body(JSON.stringify({ observations: [c2].map(toJson) })));
    const lines: Record<string, unknown>[] = [];
    try {
      const got = await collectRound({
        round, own: [mine], peerUrls: [peerB.url, peerC.url], timeoutMs: 2_000, chainId: 31337, oracle: ORACLE, operators: [a!.address, b!.address, c!.address],
        log: createLogger({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }),
      });
      expect(got.observations).to.deep.equal([mine, bs, c1]);
      const named = lines.filter((l) => l.msg === "an operator signed two values of one round (equivocation): the first seen is kept");
      expect(named).to.have.length(1);
      expect(named[0]).to.include({ signer: c!.address, round: "1800000000", kept: "101", keptFrom: urlLabel(peerB.url), dropped: "150", droppedFrom: urlLabel(peerC.url) });
    } finally {
      await peerB.close();
      await peerC.close();
    }
  });
});

describe("keeper operator faults (review 11): a keystore or password file others can read", () => {
  it("each key file readable or writable by group or others is listed with its config key and mode; owner-only files are not", () => {
    const dir = mkdtempSync(join(tmpdir(), "keeper-perm-"));
    const file = (name: string, mode: number) => {
      const path = join(dir, name);
      writeFileSync(path, "{}");
      chmodSync(path, mode);
      return path;
    };
    const keys = { signer: { keystore: file("signer.json", 0o644) }, gasPayer: { keystore: file("gas.json", 0o600) }, passwordFile: file("password", 0o660) };
    expect(exposedKeyFiles(keys)).to.deep.equal([
      { key: "keys.signer.keystore", path: keys.signer.keystore, mode: "644" },
      { key: "keys.passwordFile", path: keys.passwordFile, mode: "660" },
    ]);
    chmodSync(keys.signer.keystore, 0o400);
    chmodSync(keys.passwordFile, 0o600);
    expect(exposedKeyFiles(keys)).to.deep.equal([]);
    expect(exposedKeyFiles({ signer: { privateKeyEnv: "X" }, passwordFile: join(dir, "missing") })).to.deep.equal([]); // a missing file is the loader's error
  });
});

describe("keeper operator faults (review 11): reading a block range from a node that refuses long ones (chain/splitRange.ts)", () => {
  it("a refused range is halved until accepted: every block read once, results in block order; a refused single block throws the node's error", async () => {
    const read = async (a: bigint, b: bigint) => {
      if (b - a + 1n > 300n) throw new Error("block range too large");
      return Array.from({ length: Number(b - a + 1n) }, (_, i) => a + BigInt(i));
    };
    const splits: [bigint, bigint][] = [];
    const blocks = await readSplitting(1_000n, 3_499n, read, (a, b) => splits.push([a, b]));
    expect(blocks).to.deep.equal(Array.from({ length: 2_500 }, (_, i) => 1_000n + BigInt(i)));
    expect(splits[0]).to.deep.equal([1_000n, 3_499n]);
    const refused = await readSplitting(7n, 9n, async (a, b) => { if (a <= 8n && 8n <= b) throw new Error("header not found"); return [a]; }).then(() => undefined, (e: Error) => e.message);
    expect(refused).to.equal("header not found");
  });
});

describe("keeper operator faults (review 11): one endpoint written two ways in a URL list", () => {
  const base = { chainId: 31337, contracts: { oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }, indexes: ["ATPI"], keys: { signer: { privateKeyEnv: "X" } }, gas: { maxFeePerGasGwei: "50" } };
  it("peers.urls and rpc.urls refuse a URL that differs from an earlier one only by a trailing slash or the host's case (one peer queried twice: its unsigned proposal counted twice in the peer comparison; one node as its own failover)", () => {
    const refused = (raw: Record<string, unknown>) => {
      try {
        validateConfig({ ...base, rpc: { urls: ["http://127.0.0.1:8545"] }, ...raw });
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(refused({ peers: { urls: ["https://keeper.b.example", "https://keeper.b.example/", "https://keeper.c.example"] } })).to.match(/peers\.urls\[1\]: duplicate value "https:\/\/keeper\.b\.example\/"/);
    expect(refused({ rpc: { urls: ["http://Node.example:8545/", "http://node.example:8545"] } })).to.match(/rpc\.urls\[1\]: duplicate value "http:\/\/node\.example:8545"/);
    expect(refused({ peers: { urls: ["https://keeper.b.example/a", "https://keeper.b.example/b"] } })).to.equal(""); // two keepers behind one host
  });
});
