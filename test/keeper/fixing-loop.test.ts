import { expect } from "chai";
import { spawn } from "node:child_process";
import { type Address, type LocalAccount, decodeFunctionData, parseAbiItem, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { buildPostFixingArgs, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import { validateConfig } from "../../keeper/config/schema.js";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { withMethodologyVersion } from "../../keeper/methodology/definition.js";
import { chainStateFromJson, chainStateToJson } from "../../keeper/methodology/chainState.js";
import type { ChainState } from "../../keeper/methodology/types.js";
import { Journal } from "../../keeper/chain/journal.js";
import { startServer } from "../../keeper/observability/server.js";
import { type OracleIndexView, postFixingKey } from "../../keeper/oracle/contract.js";
import { FixingLoop, type IndexFeed } from "../../keeper/oracle/fixingLoop.js";
import { GatheredRounds } from "../../keeper/oracle/gatheredRounds.js";
import { observationsRoute } from "../../keeper/oracle/peers.js";
import { roundsToRecord, settleDue } from "../../keeper/oracle/settlement.js";
import { LiveSampler, fixingOfWindow, readWindow, windowPollTimes } from "../../keeper/oracle/window.js";
import { replaySource } from "../../keeper/sources/replay.js";
import { type PriceSource, SourceError } from "../../keeper/sources/types.js";
import { evaluateHealth, newHealthState } from "../../keeper/observability/health.js";
import { createLogger, silentLogger } from "../../keeper/observability/log.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, fundedAccount } from "./helpers/chain.js";
import { readArtifact } from "../../scripts/lib/deploy.js";
import { deployOracle } from "./helpers/deploy.js";
import { journalPath, makeSender } from "./helpers/sender.js";
import { shiftDecimal } from "./helpers/scaledHistory.js";

const DAY = 86_400;
const START = 1_748_822_400; // 2025-06-02T00:00:00Z, inside the bundled history
const fixingPosted = parseAbiItem(
  "event FixingPosted(bytes32 indexed indexId, uint64 indexed timestamp, uint256 value, uint32 methodologyVersion, bytes32 inputsHash, uint256 signers, address poster)",
);

/** The keeper config input (JSON) of these tests; `config` validates it. */
function rawConfig(oracle: Address, extra: Record<string, unknown> = {}) {
  return {
    chainId: 31337,
    rpc: { urls: ["http://127.0.0.1:1"] },
    contracts: { oracle },
    indexes: ["ATPI"],
    schedule: { intervalSeconds: DAY, windowPolls: 4, maxFutureSkewSeconds: 60, pollMs: 100, catchUpRounds: 3, postStaggerMs: 0 },
    sources: [{ index: "ATPI", kind: "replay" }],
    keys: { signer: { privateKeyEnv: "X" } },
    gas: { maxFeePerGasGwei: "50" },
    ...extra,
  };
}

function config(oracle: Address, extra: Record<string, unknown> = {}) {
  return validateConfig(rawConfig(oracle, extra));
}

describe("keeper fixing loop (one operator, quorum 1, real anvil)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let owner: LocalAccount;
  const replay = replaySource();

  before(async () => {
    anvil = await startAnvil({ args: ["--timestamp", String(START + 100)] });
    owner = await fundedAccount(anvil);
  });
  after(async () => {
    await anvil.stop();
  });

  async function setup(source: PriceSource = replay, dbPath = journalPath(), operator?: LocalAccount, oracle?: Address, quorumWaitMs = 0, extra: Record<string, unknown> = {}, methodologyVersion?: number) {
    const op = operator ?? (await fundedAccount(anvil));
    const address = oracle ?? (await deployOracle(anvil, owner, { name: "ATPI", operators: [op.address] })).oracle;
    const { sender, journal, client, metrics } = makeSender(anvil, op, dbPath);
    await sender.reconcile();
    const loaded = await loadIndexDefinition("ATPI");
    const def = methodologyVersion === undefined ? loaded : withMethodologyVersion(loaded, methodologyVersion);
    const feeds: IndexFeed[] = [{ name: "ATPI", indexId: indexIdFromName("ATPI"), def, source }];
    const health = newHealthState();
    const loop = new FixingLoop({ config: config(address, extra), client, signer: op, journal, sender, log: silentLogger, metrics, health, feeds, quorumWaitMs });
    return { loop, oracle: address, journal, metrics, health, op, dbPath, sender };
  }

  const limits = { headStaleSeconds: 60, fixingStaleSeconds: 10 * DAY, minGasBalance: 0n, sourceFailedPolls: 3, noQuorumRounds: 1 };

  async function posted(oracle: Address) {
    const { publicClient } = clients(anvil, owner);
    const logs = await publicClient.getLogs({ address: oracle, event: fixingPosted, fromBlock: 0n });
    return logs.map((l) => ({ timestamp: l.args.timestamp as bigint, value: l.args.value as bigint }));
  }

  async function now(): Promise<bigint> {
    const { publicClient } = clients(anvil, owner);
    return (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
  }

  async function advance(seconds: number) {
    await anvil.rpc("evm_increaseTime", [seconds]);
    await anvil.rpc("evm_mine");
  }

  it("posts each due round once, in order, with the methodology's value over the window from the replay history", async () => {
    const { loop, oracle } = await setup();
    const t0 = await now();
    const outcomes = await loop.tick();
    // A fresh oracle: the last catchUpRounds (3) rounds are due, oldest first.
    const current = t0 - (t0 % BigInt(DAY));
    expect(outcomes.map((o) => o.round)).to.deep.equal([current - 2n * BigInt(DAY), current - BigInt(DAY), current]);
    expect(outcomes.map((o) => o.post?.status)).to.deep.equal(["sent", "sent", "sent"]);
    expect(await loop.tick()).to.deep.equal([]); // up to date: nothing due, nothing sent
    await advance(DAY);
    expect((await loop.tick()).map((o) => o.post?.status)).to.deep.equal(["sent"]);

    const def = await loadIndexDefinition("ATPI");
    const onChain = await posted(oracle);
    expect(onChain.map((p) => p.timestamp)).to.deep.equal([current - 2n * BigInt(DAY), current - BigInt(DAY), current, current + BigInt(DAY)]);
    for (const p of onChain) {
      const polls = await readWindow(replay, windowPollTimes(p.timestamp, DAY, 4));
      const expected = fixingOfWindow(def, polls, p.timestamp);
      expect(expected.ok).to.equal(true);
      if (expected.ok) expect(p.value).to.equal(expected.fixing.value);
    }
  });

  it("K07: a source outage or garbage data never crashes the loop: no signature, a metric, and a later pass recovers", async () => {
    let mode: "down" | "garbage" | "ok" = "down";
    const flaky: PriceSource = {
      kind: "csv",
      async read(at) {
        if (mode === "down") throw new SourceError("flaky", "connection refused");
        if (mode === "garbage") return { origin: "flaky", quotes: [{ provider: "openai", model: "gpt-4.1", input: "NaN", output: "-1" }], rejected: [] };
        return replay.read(at);
      },
    };
    const { loop, oracle, journal, metrics, health } = await setup(flaky);
    const sourceReasons = () => evaluateHealth(health, limits, Date.now()).reasons.filter((r) => r.startsWith("source "));
    const first = await loop.tick();
    expect(first.map((o) => o.own)).to.deep.equal(first.map(() => ({ none: "source: source flaky: connection refused" })));
    expect(await metrics.fixingFailures.get({ index: "ATPI", reason: "source" })).to.equal(3);
    expect(sourceReasons()).to.deep.equal(["source ATPI: 3 polls failed in a row (limit 3): source flaky: connection refused"]);
    mode = "garbage";
    const second = await loop.tick();
    expect(sourceReasons()).to.deep.equal([]); // the source answers again (its data is refused by the methodology)
    expect(second.every((o) => "none" in o.own && o.own.none === "INSUFFICIENT_PRICED_WEIGHT")).to.equal(true);
    expect(await metrics.fixingFailures.get({ index: "ATPI", reason: "no_fixing" })).to.equal(3);
    for (const o of second) expect(journal.observations(indexIdFromName("ATPI"), o.round)).to.deep.equal([]);
    expect(await posted(oracle)).to.deep.equal([]);
    mode = "ok";
    await advance(DAY); // the next round is computed afresh and posted; the unobservable ones do not hold it back
    const third = await loop.tick();
    expect(third.map((o) => o.post?.status)).to.deep.equal([undefined, undefined, "sent"]);
  });

  /** The replay history with every price times 10^exponent (set `exponent` between ticks). */
  function scaledReplay() {
    const state = { exponent: 0 };
    const source: PriceSource = {
      kind: "replay",
      async read(at) {
        const snap = await replay.read(at);
        const scale = (x: string | undefined) => (x === undefined ? x : shiftDecimal(x, state.exponent));
        return { ...snap, quotes: snap.quotes.map((q) => ({ ...q, input: scale(q.input), output: scale(q.output) })) };
      },
    };
    return { state, source };
  }
  // Two layers refuse a whole source x1000 / x0.001: methodology v2 (ATPI's) refuses the data itself
  // (SOURCE_SCALE_SUSPECT against the previous fixing's state); under a definition whose methodology passes it
  // (v1) the keeper's deviation check against the last on-chain fixing refuses the value. Both alert alike.
  for (const [version, refusal, healthReason] of [
    [2, "SOURCE_SCALE_SUSPECT", /^signing ATPI: refused round \d+: SOURCE_SCALE_SUSPECT: the source's prices are (1000|0\.001) x the reference \(weighted median of slot ratios\), beyond the factor 10: a unit error is suspected$/],
    [1, "last_fixing", /^signing ATPI: refused round \d+: value \d+ deviates \d+ bps from the last on-chain fixing \d+ \(limit 5000 bps\)$/],
  ] as const) {
    it(`K07 (methodology v${version}): a source turned x1000 or x0.001 is not signed (${refusal}: log numbers, metric, /health reason); the next round from a fixed source signs and health recovers`, async () => {
      const scaled = scaledReplay();
      const { loop, oracle, journal, metrics, health } = await setup(scaled.source, journalPath(), undefined, undefined, 0, {}, version);
      await loop.tick(); // three catch-up rounds, honest
      const honest = await posted(oracle);
      expect(honest).to.have.length(3);
      const reasonsOf = () => evaluateHealth(health, limits, Date.now()).reasons.filter((r) => r.startsWith("signing ATPI"));
      expect(reasonsOf()).to.deep.equal([]);

      for (const e of [3, -3]) {
        scaled.state.exponent = e;
        await advance(DAY);
        const [out] = await loop.tick();
        expect(out?.own).to.deep.equal({ none: version === 2 ? refusal : `refused: ${refusal}` });
        expect(journal.observations(indexIdFromName("ATPI"), out!.round)).to.deep.equal([]); // never a signature
        expect(reasonsOf()).to.have.length(1);
        expect(reasonsOf()[0]).to.match(healthReason);
        if (version === 1) expect(Number(await metrics.lastDeviation.get({ index: "ATPI", reference: "last_fixing" }))).to.be.greaterThan(9_000_000);
        await loop.tick(); // the same round again: counted once
      }
      expect(await metrics.signaturesRefused.get({ index: "ATPI", reason: refusal })).to.equal(2);
      expect(await posted(oracle)).to.deep.equal(honest); // the index did not move

      scaled.state.exponent = 0;
      await advance(DAY);
      const outs = await loop.tick();
      expect(outs.at(-1)?.post?.status).to.equal("sent");
      expect(reasonsOf()).to.deep.equal([]); // healthy again
      expect(Number(await metrics.lastDeviation.get({ index: "ATPI", reference: "last_fixing" }))).to.be.lessThan(5_000);
    });
  }

  it("K07 (methodology v2, no state): a fresh operator fed x1000 refuses IMPLAUSIBLE_VALUE with the numbers in /health", async () => {
    const scaled = scaledReplay();
    scaled.state.exponent = 3;
    const { loop, journal, metrics, health } = await setup(scaled.source);
    const outs = await loop.tick();
    expect(outs.map((o) => o.own)).to.deep.equal(outs.map(() => ({ none: "IMPLAUSIBLE_VALUE" })));
    for (const o of outs) expect(journal.observations(indexIdFromName("ATPI"), o.round)).to.deep.equal([]);
    expect(await metrics.signaturesRefused.get({ index: "ATPI", reason: "IMPLAUSIBLE_VALUE" })).to.equal(outs.length);
    const reasons = evaluateHealth(health, limits, Date.now()).reasons.filter((r) => r.startsWith("signing ATPI"));
    expect(reasons).to.have.length(1);
    expect(reasons[0]).to.match(/^signing ATPI: refused round \d+: IMPLAUSIBLE_VALUE: value \d+(\.\d+)? is outside the plausible range \[0\.03, 300\]$/);
  });

  it("v2 reference state: the state of the latest on-chain fixing is used; one behind it (missed fixings) or with another value is not, until the operator signs again", async () => {
    const { loop, journal, sender } = await setup();
    const def = await loadIndexDefinition("ATPI");
    const key = "chainState:ATPI";
    const hashOf = async (round: bigint, previous?: ChainState) => {
      const r = fixingOfWindow(def, await readWindow(replay, windowPollTimes(round, DAY, 4)), round, previous);
      if (!r.ok) throw new Error("no fixing");
      return r.fixing.inputsHash; // binds the reference prices and time: tells which state was used
    };
    const signedHash = (round: bigint) => journal.observations(indexIdFromName("ATPI"), round)[0]?.inputsHash;
    const state = () => chainStateFromJson(JSON.parse(journal.get(key) as string));
    const next = async () => {
      for (let i = 0; i < 3; i++) await sender.tick(); // receipts free in-flight slots
      await advance(DAY);
      const out = await loop.tick();
      expect(out.map((o) => o.post?.status)).to.deep.equal(["sent"]);
      return out[0]!.round;
    };
    await loop.tick(); // catch-up rounds, posted
    const latest = state(); // of the latest on-chain fixing, with its value (one operator: its value is the stored one)
    let round = await next();
    expect(signedHash(round)).to.equal(await hashOf(round, latest));
    expect(signedHash(round)).to.not.equal(await hashOf(round));

    journal.set(key, JSON.stringify(chainStateToJson(latest))); // behind the latest on-chain fixing (as after a restart)
    round = await next();
    expect(signedHash(round)).to.equal(await hashOf(round)); // without a reference
    const resynced = state();
    round = await next();
    expect(signedHash(round)).to.equal(await hashOf(round, resynced)); // signed again: its state is used again

    journal.set(key, JSON.stringify(chainStateToJson({ ...state(), level: state().level + 1n }))); // another value than stored
    round = await next();
    expect(signedHash(round)).to.equal(await hashOf(round));
  });

  it("K05: after a restart the journaled signature is reused, never a second value for the same round", async () => {
    const operator = await fundedAccount(anvil);
    const dbPath = journalPath();
    const t = await now();
    const round = t - (t % BigInt(DAY));
    const { oracle, journal } = await setup(replay, dbPath, operator);
    // Before the "crash" the operator signed round `round` with a value 1 wei off what it computes now (say, from
    // a source that changed since), and nothing was posted. (Within the oracle's breaker of the previous rounds.)
    const computed = fixingOfWindow(await loadIndexDefinition("ATPI"), await readWindow(replay, windowPollTimes(round, DAY, 4)), round);
    if (!computed.ok) throw new Error("no fixing");
    const reused = computed.fixing.value + 1n;
    const signed = await signObservation(operator, 31337, oracle, {
      // methodologyVersion: ATPI's (config/indices/atpi.json), as the loop signs it
      indexId: indexIdFromName("ATPI"), timestamp: round, methodologyVersion: 2, value: reused, inputsHash: `0x${"ab".repeat(32)}`,
    });
    journal.recordObservation(signed, 0);
    journal.close();
    const restarted = await setup(replay, dbPath, operator, oracle);
    const outcomes = await restarted.loop.tick();
    const same = outcomes.find((o) => o.round === round);
    expect(same?.own).to.deep.equal({ value: reused });
    expect(restarted.journal.observations(indexIdFromName("ATPI"), round)).to.have.length(1);
    expect((await posted(oracle)).find((p) => p.timestamp === round)?.value).to.equal(reused);
  });

  it("a round without quorum holds back later rounds for quorumWaitMs, so rounds are posted in order", async () => {
    const t = await now();
    const oldest = t - (t % BigInt(DAY)) - 2n * BigInt(DAY);
    let oldestDown = true; // only the oldest due round's window cannot be read
    const source: PriceSource = {
      kind: "csv",
      read: (at) => (oldestDown && BigInt(at) <= oldest ? Promise.reject(new SourceError("s", "down")) : replay.read(at)),
    };
    const op = await fundedAccount(anvil);
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [op.address] });
    const { loop } = await setup(source, journalPath(), op, oracle, 60_000);
    const first = await loop.tick();
    expect(first.map((o) => "value" in o.own)).to.deep.equal([false, true, true]);
    expect(first.map((o) => o.post)).to.deep.equal([undefined, undefined, undefined]); // the later two wait
    oldestDown = false;
    const second = await loop.tick();
    expect(second.map((o) => o.post?.status)).to.deep.equal(["sent", "sent", "sent"]);
    expect((await posted(oracle)).map((p) => p.timestamp)).to.deep.equal(second.map((o) => o.round));
  });

  it("a journal that cannot be written (disk full) fails each pass's observation: counted each time, logged once, on /health; all clear once space is back", async () => {
    const { journal, metrics, health, oracle, op, sender } = await setup(); // its loop is not used: this one logs
    const lines: { level: string; msg: string; repeated?: number }[] = [];
    const log = createLogger({ write: (l) => lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const loaded = await loadIndexDefinition("ATPI");
    const feeds: IndexFeed[] = [{ name: "ATPI", indexId: indexIdFromName("ATPI"), def: loaded, source: replay }];
    const loop = new FixingLoop({ config: config(oracle), client: sender.client, signer: op, journal, sender, log, metrics, health, feeds, quorumWaitMs: 0 });
    const record = journal.recordObservation.bind(journal);
    let full = true;
    journal.recordObservation = (...args: Parameters<typeof record>) => {
      if (full) throw new Error("database or disk is full");
      return record(...args);
    };
    let failures = 0;
    for (let i = 0; i < 4; i++) {
      const outcomes = await loop.tick(); // every due round of the catch-up fails alike
      expect(outcomes.map((o) => o.own)).to.deep.equal(outcomes.map(() => ({ none: "error: database or disk is full" })));
      failures += outcomes.length;
    }
    expect(await metrics.fixingFailures.get({ index: "ATPI", reason: "error" })).to.equal(failures);
    expect(lines.filter((l) => l.msg === "observation failed")).to.have.length(1); // not one per round and pass
    const signing = evaluateHealth(health, limits, Date.now()).reasons.filter((r) => r.startsWith("signing ATPI"));
    expect(signing).to.have.length(1);
    expect(signing[0]).to.match(/^signing ATPI: observation of round \d+ failed: database or disk is full$/);
    full = false;
    const outcomes = await loop.tick();
    expect(outcomes[0]?.own).to.not.have.property("none");
    expect(lines.map((l) => l.msg)).to.include("observations succeed again");
    expect(evaluateHealth(health, limits, Date.now()).reasons.filter((r) => r.startsWith("signing ATPI"))).to.deep.equal([]);
  });

  it("an observation that throws (malformed source answer) is counted and does not stop the later rounds", async () => {
    const t = await now();
    const oldest = t - (t % BigInt(DAY)) - 2n * BigInt(DAY);
    const broken: PriceSource = {
      kind: "csv",
      read: async (at) => (BigInt(at) <= oldest ? ({ origin: "broken", quotes: null, rejected: [] } as unknown as Awaited<ReturnType<PriceSource["read"]>>) : replay.read(at)),
    };
    const { loop, metrics } = await setup(broken);
    const outcomes = await loop.tick();
    expect(outcomes[0]?.own).to.have.property("none").that.matches(/^error: /);
    expect(outcomes.slice(1).map((o) => o.post?.status)).to.deep.equal(["sent", "sent"]);
    expect(await metrics.fixingFailures.get({ index: "ATPI", reason: "error" })).to.equal(1);
  });

  it("K06: a host clock off by +-5 min (or a year) changes nothing: rounds and signatures follow chain time", async () => {
    const realNow = Date.now;
    const signedRounds: bigint[][] = [];
    for (const skewMs of [-300_000, 300_000]) {
      const { loop, journal } = await setup();
      Date.now = () => realNow() + skewMs;
      try {
        const chain = await now();
        const outcomes = await loop.tick();
        const current = chain - (chain % BigInt(DAY));
        expect(outcomes.at(-1)?.round).to.equal(current);
        for (const o of outcomes) {
          expect(o.round <= chain).to.equal(true); // never ahead of chain time
          expect(journal.observations(indexIdFromName("ATPI"), o.round)).to.have.length(1);
        }
        signedRounds.push(outcomes.map((o) => o.round));
      } finally {
        Date.now = realNow;
      }
    }
    expect(signedRounds[0]).to.deep.equal(signedRounds[1]);
    // The host clock here is far from the chain's (the chain replays 2025): rounds never came from the host.
    expect(Math.abs(realNow() / 1000 - Number(await now())) > 3_600).to.equal(true);
  });

  it("does not observe when its signer is not a registered operator", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const { oracle } = await setup();
    const { loop, health } = await setup(replay, journalPath(), stranger, oracle);
    const outcomes = await loop.tick();
    expect(outcomes.length).to.be.greaterThan(0);
    expect(outcomes.every((o) => "none" in o.own && o.own.none === "not an operator")).to.equal(true);
    const reasons = evaluateHealth(health, limits, Date.now()).reasons;
    expect(reasons).to.include("signer ATPI: not a registered operator of the index (register it with the oracle's owner)");
    // Alone it has no quorum: each due round that stayed without one past the wait (0 here) is a reason too.
    expect(reasons.filter((r) => r.startsWith("quorum ATPI: 3 round(s) without quorum"))).to.have.length(1);
  });

  it("C11: the poster gathers every operator's observation before posting: at once when all are in, else after peers.gatherMs; all of them posted", async () => {
    const [a, b, c] = [await fundedAccount(anvil), await fundedAccount(anvil), await fundedAccount(anvil)];
    const def = await loadIndexDefinition("ATPI");
    const { publicClient } = clients(anvil, owner);
    /** A fresh oracle with operators a, b, c; b and c serve what they signed; a's loop gathers for `gatherMs`. */
    const network = async (gatherMs: number) => {
      const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [a.address, b.address, c.address] });
      const peers = [b, c].map((account) => ({ account, journal: new Journal(":memory:") }));
      const servers = await Promise.all(peers.map((p) => startServer("127.0.0.1", 0, { "/observations": observationsRoute(p.journal, p.account.address) }, silentLogger)));
      const { loop } = await setup(replay, journalPath(), a, oracle, 0, { peers: { urls: servers.map((x) => x.url), timeoutMs: 1_000, gatherMs } });
      const rounds = loop.pendingRounds(await now(), 0n);
      const sign = async (peer: number) => {
        for (const t of rounds) {
          const r = fixingOfWindow(def, await readWindow(replay, windowPollTimes(t, DAY, 4)), t);
          if (!r.ok) throw new Error("no fixing");
          const { account, journal } = peers[peer]!;
          journal.recordObservation(await signObservation(account, 31337, oracle, { indexId: indexIdFromName("ATPI"), timestamp: t, methodologyVersion: def.methodologyVersion, value: r.fixing.value, inputsHash: r.fixing.inputsHash }), 0);
        }
      };
      const signers = async () => (await publicClient.getLogs({ address: oracle, event: fixingPosted, fromBlock: 0n })).map((l) => l.args.signers);
      return { loop, rounds, sign, signers, close: () => Promise.all(servers.map((x) => x.close())) };
    };

    // Long gathering: with a and b (the bar, 2 of 3) nothing is posted; once c's observation is in, at once.
    const long = await network(600_000);
    try {
      await long.sign(0);
      const waiting = await long.loop.tick();
      expect(waiting.map((o) => [o.quorum, o.post])).to.deep.equal(long.rounds.map(() => [{ have: 2, need: 2 }, undefined]));
      await long.sign(1);
      expect((await long.loop.tick()).map((o) => o.post?.status)).to.deep.equal(long.rounds.map(() => "sent"));
      expect(await long.signers()).to.deep.equal(long.rounds.map(() => 3n)); // every operator's observation
    } finally {
      await long.close();
    }
    // Bounded: c never answers; once gatherMs passed, the two in hand are posted.
    const short = await network(300);
    try {
      await short.sign(0);
      const waiting = await short.loop.tick();
      expect(waiting.map((o) => [o.quorum, o.post])).to.deep.equal(short.rounds.map(() => [{ have: 2, need: 2 }, undefined]));
      await new Promise((r) => setTimeout(r, 350));
      expect((await short.loop.tick()).map((o) => o.post?.status)).to.deep.equal(short.rounds.map(() => "sent"));
      expect(await short.signers()).to.deep.equal(short.rounds.map(() => 2n));
    } finally {
      await short.close();
    }
  });

  it("v2 catch-up: while the first due round waits for a peer value, later rounds wait too, then each links to the state of the round before", async () => {
    const [a, b, c] = [await fundedAccount(anvil), await fundedAccount(anvil), await fundedAccount(anvil)];
    const def = await loadIndexDefinition("ATPI");
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [a.address, b.address, c.address] });
    const peers = [b, c].map((account) => ({ account, journal: new Journal(":memory:") }));
    const servers = await Promise.all(peers.map((p) => startServer("127.0.0.1", 0, { "/observations": observationsRoute(p.journal, p.account.address) }, silentLogger)));
    try {
      const { loop, journal } = await setup(replay, journalPath(), a, oracle, 0, { peers: { urls: servers.map((x) => x.url), timeoutMs: 1_000, gatherMs: 0 } });
      const rounds = loop.pendingRounds(await now(), 0n);
      // The peers have nothing yet: the first round waits for a reference, and the later ones are not computed
      // (computed now, they would link to no state and keep that value once the first round is signed).
      const first = await loop.tick();
      expect(first.map((o) => o.own)).to.deep.equal([{ none: "no_reference" }, ...rounds.slice(1).map(() => ({ none: "waiting: an earlier round is not signed yet" }))]);
      // The peers sign the chain-linked path (each round from the state of the one before); a follows it.
      const path: { round: bigint; inputsHash: string }[] = [];
      let state: ChainState | undefined;
      for (const t of rounds) {
        const r = fixingOfWindow(def, await readWindow(replay, windowPollTimes(t, DAY, 4)), t, state);
        if (!r.ok) throw new Error("no fixing");
        for (const { account, journal: pj } of peers) {
          pj.recordObservation(await signObservation(account, 31337, oracle, { indexId: indexIdFromName("ATPI"), timestamp: t, methodologyVersion: def.methodologyVersion, value: r.fixing.value, inputsHash: r.fixing.inputsHash }), 0);
        }
        path.push({ round: t, inputsHash: r.fixing.inputsHash });
        state = r.chainState;
      }
      for (let i = 0; i < 5 && journal.observations(indexIdFromName("ATPI"), rounds.at(-1) as bigint).length === 0; i++) await loop.tick();
      const signed = rounds.map((t) => ({ round: t, inputsHash: journal.observations(indexIdFromName("ATPI"), t)[0]?.inputsHash }));
      expect(signed).to.deep.equal(path); // the inputs hash binds the reference state: the same links as the peers'
    } finally {
      await Promise.all(servers.map((x) => x.close()));
    }
  });

  it("K07: while the breaker holds a round, only rounds that can confirm it are due; the hold is counted once", async () => {
    const { loop, metrics } = await setup();
    const H = 100n * BigInt(DAY); // a held scheduled round
    const base = { latest: { value: 10n, timestamp: H - BigInt(DAY), methodologyVersion: 1 } } as OracleIndexView;
    const held = (timestamp: bigint, confirmableFrom: bigint) => ({ ...base, held: { value: 8n, timestamp, confirmableFrom } });
    expect(loop.dueRounds("ATPI", H + 60n, base)).to.deep.equal([H]); // no hold: the pending rounds
    expect(loop.dueRounds("ATPI", H + 3_599n, held(H, H + 3_600n))).to.deep.equal([]); // before confirmableFrom: nothing
    expect(loop.dueRounds("ATPI", H + 3_600n, held(H, H + 3_600n))).to.deep.equal([H + 3_600n]); // the confirmation round
    expect(loop.dueRounds("ATPI", H + BigInt(DAY) + 5n, held(H, H + 3_600n))).to.deep.equal([H + BigInt(DAY)]); // or the next scheduled one
    expect(loop.dueRounds("ATPI", H + 3_700n, held(H + 3_650n, H + 3_600n))).to.deep.equal([]); // held again after it: wait for the next
    expect(await metrics.fixingsHeld.get({ index: "ATPI" })).to.equal(2); // two held rounds, each counted once
  });

  it("operators take turns as the round's first poster (post stagger rank)", async () => {
    const ops = [await fundedAccount(anvil), await fundedAccount(anvil), await fundedAccount(anvil)];
    const addresses = ops.map((o) => o.address);
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: addresses });
    const ranks: number[][] = [];
    for (const op of ops) {
      const { loop } = await setup(replay, journalPath(), op, oracle);
      ranks.push([0n, 1n, 2n, 3n].map((k) => loop.postRank(addresses, k * BigInt(DAY))));
    }
    expect(ranks).to.deep.equal([[0, 2, 1, 0], [1, 0, 2, 1], [2, 1, 0, 2]]);
  });
});

describe("keeper fixing loop drives settlement of a listed series (real oracle and market on anvil)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let closeServers: () => Promise<unknown> = async () => undefined;
  afterEach(async () => {
    await closeServers();
    await anvil.stop();
  });

  /**
   * A fresh chain with the real oracle and market, one series expiring at the next round with a settlement window
   * of `windowRounds` rounds, and operator a's fixing loop driving its settlement. With `peers`, b and c are
   * operators too (quorum 2 of 3): they serve over HTTP the chain-linked path of signed rounds from a's first due
   * round on (what a computes too), so a gathers all three observations of every round — but the round at expiry
   * if `cSkipsExpiry` (c never signs it). a gathers for `gatherMs`. `restart` starts a's keeper again on the same
   * journal (a new sender and loop, reconciled first); `gatherThenDie` runs a's loop in a child process that is
   * SIGKILLed when it first goes to record a round, its post of the round at expiry disabled.
   */
  async function settlementChain(windowRounds: number, { peers = false, cSkipsExpiry = false, gatherMs = 0 } = {}) {
    anvil = await startAnvil({ args: ["--timestamp", String(START + 100)] });
    const owner = await fundedAccount(anvil);
    const opKey = generatePrivateKey();
    const op = privateKeyToAccount(opKey);
    await anvil.rpc("anvil_setBalance", [op.address, toHex(parseEther("10"))]);
    const others = peers ? [await fundedAccount(anvil), await fundedAccount(anvil)] : [];
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [op.address, ...others.map((o) => o.address)] });
    const peerJournals = others.map((account) => ({ account, journal: new Journal(":memory:") }));
    const servers = await Promise.all(peerJournals.map((p) => startServer("127.0.0.1", 0, { "/observations": observationsRoute(p.journal, p.account.address) }, silentLogger)));
    closeServers = () => Promise.all(servers.map((x) => x.close()));
    const { publicClient, walletClient } = clients(anvil, owner);
    const deploy = async (name: "MockUSDC" | "FuturesMarket", args: unknown[]) => {
      const { abi, bytecode } = readArtifact(name);
      const hash = await walletClient.deployContract({ abi, bytecode, args });
      return { abi, address: (await publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address };
    };
    const usdc = await deploy("MockUSDC", []);
    const market = await deploy("FuturesMarket", [owner.address, usdc.address, oracle]);
    const t0 = (await publicClient.getBlock()).timestamp;
    const expiry = t0 - (t0 % BigInt(DAY)) + BigInt(DAY);
    const series = {
      index: "ATPI", expiry: Number(expiry), contractSize: "1000", tickSize: "0.001", minSize: 1, initialMarginBps: 1_000,
      maintenanceMarginBps: 500, makerFeeBps: 2, takerFeeBps: 5, priceBandBps: 500, priceLimitBps: 400, liquidationPenaltyBps: 200, maxFixingAge: 3_600,
      settlementWindow: windowRounds * DAY, settlementGrace: 7 * DAY,
    };
    const peerConfig = { peers: { urls: servers.map((x) => x.url), timeoutMs: 1_000, gatherMs } };
    const extra = { contracts: { oracle, market: market.address }, settlement: [series], ...(peers ? peerConfig : {}) };
    const cfg = config(oracle, extra);
    const params = cfg.settlement[0]!;
    expect(params.indexId).to.equal(indexIdFromName("ATPI"));
    expect([params.contractSize, params.tickSize, params.minSize]).to.deep.equal([1_000_000_000n, 10n ** 15n, 1n]);
    const listed = await walletClient.writeContract({ address: market.address, abi: market.abi, functionName: "listSeries", args: [params] });
    expect((await publicClient.waitForTransactionReceipt({ hash: listed })).status).to.equal("success");

    const def = await loadIndexDefinition("ATPI");
    const feeds: IndexFeed[] = [{ name: "ATPI", indexId: indexIdFromName("ATPI"), def, source: replaySource() }];
    const dbPath = journalPath();
    const start = async () => {
      const { sender, journal, client, metrics } = makeSender(anvil, op, dbPath);
      await sender.reconcile();
      return { sender, journal, metrics, loop: new FixingLoop({ config: cfg, client, signer: op, journal, sender, log: silentLogger, metrics, feeds, quorumWaitMs: 0 }) };
    };
    let keeper = await start();
    const { sender, journal, metrics, loop } = keeper;
    const restart = async () => (keeper = await start());
    const gatherThenDie = () => {
      const script = new URL("./fixtures/gather-then-die.ts", import.meta.url).pathname;
      const child = spawn(process.execPath, ["--import", "tsx", script, anvil.url, String(anvil.chainId), dbPath, opKey, JSON.stringify(rawConfig(oracle, extra))], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      return new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on("exit", (_code, signal) => resolve({ signal, stderr })));
    };
    let state: ChainState | undefined;
    for (let t = loop.pendingRounds(t0, 0n)[0]!; peers && t <= expiry + BigInt(windowRounds * DAY); t += BigInt(DAY)) {
      const r = fixingOfWindow(def, await readWindow(replaySource(), windowPollTimes(t, DAY, 4)), t, state);
      if (!r.ok) throw new Error(`no fixing at ${t}`);
      const observation = { indexId: params.indexId, timestamp: t, methodologyVersion: def.methodologyVersion, value: r.fixing.value, inputsHash: r.fixing.inputsHash };
      for (const [i, p] of peerJournals.entries()) {
        if (!(cSkipsExpiry && i === 1 && t === expiry)) p.journal.recordObservation(await signObservation(p.account, 31337, oracle, observation), 0);
      }
      state = r.chainState;
    }
    const drain = async () => {
      for (let i = 0; i < 3; i++) await keeper.sender.tick(); // (the service's background task) receipts free in-flight slots
    };
    const step = async () => {
      await anvil.rpc("evm_increaseTime", [DAY]);
      await anvil.rpc("evm_mine");
      await keeper.loop.tick(); // posts the round
      await drain();
      await keeper.loop.tick(); // sees it on-chain: records it, or settles after the window
      await drain();
    };
    const events = async (name: "SettlementFixingRecorded" | "SeriesSettled") =>
      publicClient.getContractEvents({ address: market.address, abi: market.abi, eventName: name, fromBlock: 0n });
    const recorded = async () => ((await events("SettlementFixingRecorded")) as unknown as { args: { timestamp: bigint; value: bigint } }[]).map((e) => e.args);
    const settled = async () => ((await events("SeriesSettled")) as unknown as { args: { finalPrice: bigint; referencePrice: bigint; fixingCount: number; kind: number } }[]).map((e) => e.args);
    const postedRounds = async () => (await publicClient.getLogs({ address: oracle, event: fixingPosted, fromBlock: 0n })).map((l) => l.args.timestamp as bigint);
    /** The observations the market was given for the round at `t` (decoded from the recording transaction). */
    const recordedObservations = async (t: bigint) => {
      const log = (await events("SettlementFixingRecorded")).find((e) => (e as unknown as { args: { timestamp: bigint } }).args.timestamp === t)!;
      const call = decodeFunctionData({ abi: market.abi, data: (await publicClient.getTransaction({ hash: log.transactionHash })).input });
      return (call.args as unknown as [unknown, bigint, number, Address[], { value: bigint }[]])[4];
    };
    const postedSigners = async () => (await publicClient.getLogs({ address: oracle, event: fixingPosted, fromBlock: 0n })).map((l) => l.args.signers as bigint);
    /** Another poster (the owner) posts the round at `t` with the peers' signed observations (b and c: a quorum). */
    const peersPost = async (t: bigint) => {
      const observations = peerJournals.flatMap((p) => p.journal.observations(params.indexId, t));
      const args = buildPostFixingArgs([op.address, ...others.map((o) => o.address)], observations);
      const hash = await walletClient.writeContract({ address: oracle, abi: indexOracleAbi, functionName: "postFixing", args });
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).to.equal("success");
    };
    return { expiry, loop, sender, journal, metrics, drain, step, recorded, settled, postedRounds, postedSigners, recordedObservations, peersPost, restart, gatherThenDie };
  }

  const tick = 10n ** 15n;

  it("C32 records each round of the settlement window from the oracle's logs, then settles once the window closed; nothing twice", async () => {
    const { expiry, loop, metrics, drain, step, recorded, settled } = await settlementChain(1);
    await loop.tick();
    await drain();
    await loop.tick();
    expect(await metrics.settlementActions.get({ action: "record" })).to.equal(0); // before expiry: nothing
    await step(); // fixing at expiry: recorded
    await step(); // fixing at expiry + window, posted after the window closed: too late (C32: no last look)
    await step(); // window closed: settled
    await loop.tick();
    const rounds = await recorded();
    expect(rounds.map((r) => r.timestamp)).to.deep.equal([expiry]);
    const done = await settled();
    expect(done).to.have.length(1);
    const average = (rounds[0]!.value / tick) * tick;
    // No trade, so no mark to clamp to: the final price is the window average (SettlementKind.Window = 0).
    expect(done[0]).to.deep.include({ finalPrice: average, referencePrice: average, fixingCount: 1, kind: 0 });
    expect(await metrics.settlementActions.get({ action: "record" })).to.equal(1);
    expect(await metrics.settlementActions.get({ action: "settle" })).to.equal(1); // one settle settles the series
  });

  it("C32 a window round the loop gathered a quorum for (own and peers' signatures) but that was never posted (superseded by the next round) is recorded and counts in the final price", async () => {
    const { expiry, loop, sender, journal, metrics, drain, step, recorded, settled, postedRounds, postedSigners, recordedObservations } = await settlementChain(2, { peers: true });
    // Posting of the round at expiry is disabled: its post is skipped as if another operator's post had won.
    const unposted = postFixingKey("ATPI", expiry);
    const send = sender.send.bind(sender);
    sender.send = async (req) => (req.key === unposted ? { status: "skipped", key: req.key, reason: "test: posting disabled for this round" } : send(req));
    await loop.tick();
    await drain();
    await step(); // chain time expiry + 100: the round at expiry is signed and gathered (3 of 3), not posted
    await step(); // expiry + 1 day: the next round is posted, the one at expiry can never be any more
    const onChain = await postedRounds();
    expect(onChain).to.include(expiry + BigInt(DAY));
    expect(onChain).to.not.include(expiry);
    expect(new Set(await postedSigners())).to.deep.equal(new Set([3n])); // every post held all three operators
    await step(); // expiry + 2 days + 100: the window closed, settled
    await loop.tick();
    const rounds = await recorded();
    expect(rounds.map((r) => r.timestamp)).to.deep.equal([expiry, expiry + BigInt(DAY)]);
    expect(rounds[0]!.value).to.equal(journal.observations(indexIdFromName("ATPI"), expiry)[0]!.value); // a's signed value (= the peers')
    expect(await recordedObservations(expiry)).to.have.length(3); // the gathered set: a's and both peers' observations
    const done = await settled();
    expect(done).to.have.length(1);
    const average = ((rounds[0]!.value + rounds[1]!.value) / 2n / tick) * tick;
    expect(done[0]).to.deep.include({ finalPrice: average, referencePrice: average, fixingCount: 2, kind: 0 });
    expect(await metrics.settlementActions.get({ action: "record" })).to.equal(2);
  });

  it("C32 a window round superseded while the loop still gathered it (a newer round posted first by others) is recorded with the quorum in hand", async () => {
    const { expiry, loop, journal, drain, step, recorded, settled, postedRounds, recordedObservations, peersPost } =
      await settlementChain(2, { peers: true, cSkipsExpiry: true, gatherMs: 600_000 });
    await loop.tick();
    await drain();
    await step(); // chain time expiry + 100: the round at expiry has a quorum (a and b), gathering for c
    expect(await postedRounds()).to.not.include(expiry);
    await anvil.rpc("evm_increaseTime", [DAY]);
    await anvil.rpc("evm_mine");
    await peersPost(expiry + BigInt(DAY)); // b and c post the next round first: the round at expiry can never be posted
    await loop.tick(); // the oracle is past the round at expiry: a hands its quorum to settlement, which records both
    await drain();
    expect(await postedRounds()).to.not.include(expiry);
    const rounds = await recorded();
    expect(rounds.map((r) => r.timestamp)).to.deep.equal([expiry, expiry + BigInt(DAY)]);
    expect(rounds[0]!.value).to.equal(journal.observations(indexIdFromName("ATPI"), expiry)[0]!.value);
    expect(await recordedObservations(expiry)).to.have.length(2); // a's and b's: the quorum a held
    expect(await recordedObservations(expiry + BigInt(DAY))).to.have.length(2); // the posted set (b's and c's)
    await step(); // expiry + 2 days + 100: the window closed, settled
    const done = await settled();
    expect(done).to.have.length(1);
    const average = ((rounds[0]!.value + rounds[1]!.value) / 2n / tick) * tick;
    expect(done[0]).to.deep.include({ finalPrice: average, referencePrice: average, fixingCount: 2, kind: 0 });
  });
  it("C32 a window round the keeper gathered but never posted, then SIGKILLed before recording it, is recorded after the restart (journaled) and counts in the final price", async () => {
    const { expiry, loop, journal, drain, step, recorded, settled, postedRounds, recordedObservations, peersPost, restart, gatherThenDie } =
      await settlementChain(2, { peers: true });
    await loop.tick();
    await drain();
    await loop.tick();
    await drain();
    await anvil.rpc("evm_increaseTime", [DAY]);
    await anvil.rpc("evm_mine");
    // Chain time expiry + 100: a's keeper (a child process) signs and gathers the round at expiry (3 of 3), does not
    // post it, and is killed with SIGKILL as it goes to record it.
    const child = await gatherThenDie();
    expect(child.signal, child.stderr).to.equal("SIGKILL");
    const journaled = new GatheredRounds(journal, silentLogger).load();
    expect(journaled.map((r) => [r.args[1], r.args[4].length])).to.deep.equal([[expiry, 3]]);
    expect(await recorded()).to.deep.equal([]);
    // While a is down, b and c post the next round: the round at expiry can never be posted, nor gathered again.
    await anvil.rpc("evm_increaseTime", [DAY]);
    await anvil.rpc("evm_mine");
    await peersPost(expiry + BigInt(DAY));
    const keeper = await restart();
    await keeper.loop.tick(); // the journaled round at expiry and the posted one at expiry + 1 day are recorded
    await drain();
    expect(await postedRounds()).to.not.include(expiry);
    const rounds = await recorded();
    expect(rounds.map((r) => r.timestamp)).to.deep.equal([expiry, expiry + BigInt(DAY)]);
    expect(rounds[0]!.value).to.equal(journal.observations(indexIdFromName("ATPI"), expiry)[0]!.value);
    expect(await recordedObservations(expiry)).to.deep.equal(journaled[0]!.args[4]); // exactly the gathered set
    await step(); // expiry + 2 days + 100: the window closed, settled
    const done = await settled();
    expect(done).to.have.length(1);
    const average = ((rounds[0]!.value + rounds[1]!.value) / 2n / tick) * tick;
    expect(done[0]).to.deep.include({ finalPrice: average, referencePrice: average, fixingCount: 2, kind: 0 });
    expect(keeper.journal.gatheredRounds()).to.deep.equal([]); // its window closed: dropped from the journal
  });
});

describe("keeper settlement actions (pure)", () => {
  const series = { expiry: 1_000n, settlementWindow: 100 };
  it("C32 records every round stamped in [expiry, now] while the window is open; settles once after it, unless settled (early) already", () => {
    expect(roundsToRecord(series, 999n, [950n, 1_000n])).to.deep.equal([]); // before expiry: nothing counts yet
    expect(roundsToRecord(series, 1_050n, [950n, 1_000n, 1_050n, 1_100n])).to.deep.equal([1_000n, 1_050n]);
    expect(roundsToRecord(series, 1_100n, [1_000n, 1_050n, 1_100n])).to.deep.equal([1_000n, 1_050n, 1_100n]);
    expect(roundsToRecord(series, 1_101n, [1_000n, 1_100n])).to.deep.equal([]); // recording closed
    expect(settleDue(series, { settledAt: 0n }, 1_100n)).to.equal(false); // the window is still open
    expect(settleDue(series, { settledAt: 0n }, 1_101n)).to.equal(true);
    expect(settleDue(series, { settledAt: 1_101n }, 1_102n)).to.equal(false); // settled: nothing more
    expect(settleDue(series, { settledAt: 500n }, 1_101n)).to.equal(false); // settled early (a limit move before expiry)
  });
});

describe("keeper poll window", () => {
  it("spaces the polls evenly over (round - interval, round], the last at the round", () => {
    expect(windowPollTimes(86_400n, 86_400, 4)).to.deep.equal([21_600, 43_200, 64_800, 86_400]);
    expect(windowPollTimes(3_600n, 3_600, 12)[0]).to.equal(300);
    expect(() => windowPollTimes(10n, 5, 6)).to.throw(/does not fit/);
  });

  it("a live source is sampled once per scheduled poll time as chain time passes; missed polls stay missing", async () => {
    const reads: number[] = [];
    const live: PriceSource = { kind: "csv", read: async (at) => (reads.push(at), { origin: "live", quotes: [], rejected: [] }) };
    const sampler = new LiveSampler(live, 3_600, 4); // polls at :15, :30, :45, :00
    expect(await sampler.sample(3_600n + 100n)).to.deep.include({ origin: "live" }); // due: 3600 (the poll at the round itself)
    expect(await sampler.sample(3_600n + 800n)).to.equal(undefined); // nothing new due before 4500
    expect(await sampler.sample(3_600n + 900n)).to.deep.include({ origin: "live" }); // 4500
    // keeper down from 4500 to 6400: the poll at 5400 is missed; the one at 6300 is read late, with what the source says then
    expect(await sampler.sample(3_600n + 2_800n)).to.deep.include({ origin: "live" });
    expect(await sampler.sample(7_200n)).to.deep.include({ origin: "live" });
    expect(reads).to.deep.equal([3_600, 4_500, 6_300, 7_200]);
    expect(sampler.window(7_200n).map((p) => p.time)).to.deep.equal([4_500, 6_300, 7_200]);
    expect(sampler.window(3_600n).map((p) => p.time)).to.deep.equal([3_600]);
  });
});
