/**
 * End to end, index integrity (THREATS.md K07, C11, C28): anvil, the real IndexOracle with the default fault model
 * (4 operators, f = 1, bar 3, spread 0.5 %, breaker 10 % / 1 h), real keeper processes replaying the bundled history.
 * K07: one keeper's whole source is x1000: it signs nothing, the index follows the honest three, and its /health
 * and /metrics say why. K07: the real -18 % repricing of 2025-03-24 is held by the breaker and posted by the
 * confirmation round one breakerDelay later. C28: one operator's key signing a malicious value straight against the
 * contract, with honest observations fetched from the peers' /observations: nothing posts, or the stored value is
 * the honest one.
 */
import { expect } from "chai";
import { type Address, type Hex, parseAbiItem } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type SignedObservation, buildPostFixingArgs, signObservation } from "../../sdk/oracle.js";
import { readArtifact } from "../../scripts/lib/deploy.js";
import { parseObservation } from "../../keeper/oracle/peers.js";
import { replaySource } from "../../keeper/sources/replay.js";
import { clients } from "./helpers/chain.js";
import { DAY, type Network, advance, chainNow, methodologyValue, postedFixings, roundOf, startNetwork, waitForRound } from "./helpers/e2e.js";
import type { KeeperProcess } from "./helpers/keepers.js";
import { scaledHistoryDir } from "./helpers/scaledHistory.js";

/** The default ATPI fault model (scripts/lib/deploy.ts ATPI_INDEX) on the e2e oracle. */
const FAULT_MODEL = { faultTolerance: 1, maxSpreadBps: 50, breakerBps: 1_000, breakerDelay: 3_600 };
const fixingHeld = parseAbiItem(
  "event FixingHeld(bytes32 indexed indexId, uint64 indexed timestamp, uint256 value, uint256 previousValue, uint64 confirmableFrom, address poster)",
);
const MARCH_21 = Date.UTC(2025, 2, 21) / 1000;
const MARCH_24 = BigInt(Date.UTC(2025, 2, 24) / 1000); // the round of the -18 % repricing

async function metric(keeper: KeeperProcess, name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`${keeper.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("keeper e2e: a x1000 source and the March 2025 repricing (4 operators, f = 1)", function () {
  this.timeout(90_000);
  let net: Network;
  let bad: KeeperProcess;
  const replay = replaySource();

  before(async () => {
    const x1000 = scaledHistoryDir(3);
    net = await startNetwork({
      operators: 4,
      startAt: MARCH_21 + 100,
      index: FAULT_MODEL,
      perKeeper: (i) => (i === 3 ? { sources: [{ index: "ATPI", kind: "replay", input: x1000 }] } : {}),
    });
    bad = net.keepers[3] as KeeperProcess;
    await waitForRound(net, roundOf(await chainNow(net)));
  });
  after(async () => {
    await net?.stop();
  });

  it("K07: the keeper fed x1000 signs nothing; the index follows the honest three; its /health and /metrics show the refusal", async () => {
    const from = bad.logs.length;
    await advance(net, DAY);
    const round = roundOf(await chainNow(net));
    await waitForRound(net, round);
    const posted = await postedFixings(net);
    expect(posted.length).to.be.greaterThan(1);
    for (const p of posted) {
      expect(p.value).to.equal(await methodologyValue(replay, p.timestamp)); // the index did not move
      expect(p.signers).to.equal(3n); // the honest three, all of them
      const res = await fetch(`${bad.url}/observations?index=ATPI&timestamp=${p.timestamp}`);
      expect(((await res.json()) as { observations: unknown[] }).observations).to.deep.equal([]); // never a signature
    }
    const refusal = await bad.waitLog((l) => l.msg === "observation not signed: value deviates from its reference beyond the limit" && l.round === round.toString(), 10_000, from);
    expect(refusal).to.include({ level: "error", index: "ATPI", reason: "last_fixing", limitBps: 5_000 });
    const honest = await methodologyValue(replay, round - BigInt(DAY));
    expect(refusal.reference).to.equal(honest.toString()); // the last on-chain fixing
    expect(BigInt(refusal.own as string) / honest).to.equal(1000n); // its own value, x1000
    expect(BigInt(refusal.deviationBps as string) > 5_000n).to.equal(true);

    expect(await metric(bad, "keeper_signatures_refused_total", 'reason="last_fixing"')).to.be.greaterThan(0);
    expect(await metric(bad, "keeper_fixing_deviation_bps", 'reference="last_fixing"')).to.be.greaterThan(9_000_000);
    const health = await fetch(`${bad.url}/health`);
    expect(health.status).to.equal(503);
    const reasons = ((await health.json()) as { reasons: string[] }).reasons;
    expect(reasons.some((r) => /^signing ATPI: refused round \d+: value \d+ deviates \d+ bps from the last on-chain fixing \d+ \(limit 5000 bps\)$/.test(r)), reasons.join("\n")).to.equal(true);
    for (const k of net.keepers.slice(0, 3)) {
      expect(await metric(k, "keeper_signatures_refused_total", "ATPI"), k.spec.name).to.equal(undefined); // honest ones never refuse
      expect(k.errors(), k.spec.name).to.deep.equal([]);
    }
  });

  it("K07: the -18 % repricing of 2025-03-24 is held by the breaker, then posted by the confirmation round breakerDelay later", async () => {
    while (roundOf(await chainNow(net)) < MARCH_24 - BigInt(DAY)) {
      await advance(net, DAY);
      await waitForRound(net, roundOf(await chainNow(net)));
    }
    const before = (await postedFixings(net)).at(-1);
    expect(before?.timestamp).to.equal(MARCH_24 - BigInt(DAY));
    await advance(net, DAY);
    expect(roundOf(await chainNow(net))).to.equal(MARCH_24);
    const expected = await methodologyValue(replay, MARCH_24);
    expect((expected * 10_000n) / (before?.value ?? 1n)).to.equal(8_181n); // -18.2 %

    const held = await until("FixingHeld of 2025-03-24", async () => {
      const logs = await net.client.getLogs({ address: net.oracle, event: fixingHeld, fromBlock: 0n });
      return logs.find((l) => l.args.timestamp === MARCH_24)?.args;
    });
    expect(held).to.include({ value: expected, previousValue: before?.value, confirmableFrom: MARCH_24 + 3_600n });
    expect((await postedFixings(net)).at(-1)?.timestamp).to.equal(MARCH_24 - BigInt(DAY)); // not stored yet
    await net.keepers[0]!.waitLog((l) => l.msg === "fixing held by the oracle's circuit breaker: confirmation round scheduled" && l.round === MARCH_24.toString());

    await advance(net, 3_600);
    const confirmation = MARCH_24 + 3_600n;
    await waitForRound(net, confirmation);
    const stored = (await postedFixings(net)).at(-1);
    expect(stored?.timestamp).to.equal(confirmation);
    expect(stored?.value).to.equal(await methodologyValue(replay, confirmation));
    expect(((stored?.value ?? 0n) * 10_000n) / (before?.value ?? 1n)).to.equal(8_181n); // the repricing is in
    let confirmations = 0;
    for (const k of net.keepers) confirmations += (await metric(k, "keeper_breaker_confirmations_total", "ATPI")) ?? 0;
    expect(confirmations).to.equal(1);
    expect(net.keepers.some((k) => k.logs.some((l) => l.msg === "breaker confirmation round posted" && l.round === confirmation.toString()))).to.equal(true);

    await advance(net, DAY); // and the daily rounds go on
    await waitForRound(net, MARCH_24 + BigInt(DAY));
    expect((await postedFixings(net)).at(-1)?.value).to.equal(await methodologyValue(replay, MARCH_24 + BigInt(DAY)));
  });
});

describe("keeper e2e: one operator's key signs a malicious value straight against the contract (4 operators, f = 1)", function () {
  this.timeout(90_000);
  let net: Network;
  let oracleAbi: ReturnType<typeof readArtifact>["abi"];
  const replay = replaySource();

  before(async () => {
    // Operators 0-2 run keepers; operator 3 is the attacker (its key only). The keepers gather for 8 s once they
    // hold a bar (there is never a fourth signature): the attacker acts inside that window.
    net = await startNetwork({ operators: 4, keepers: 3, index: FAULT_MODEL, overrides: { peers: { gatherMs: 8_000 } } });
    oracleAbi = readArtifact("IndexOracle").abi;
    await waitForRound(net, roundOf(await chainNow(net)), 30_000);
  });
  after(async () => {
    await net?.stop();
  });

  async function honestObservations(round: bigint): Promise<SignedObservation[]> {
    await Promise.all(net.keepers.map((k) => k.waitLog((l) => l.msg === "observation signed" && l.round === round.toString())));
    return Promise.all(
      net.keepers.map(async (k) => {
        const body = (await (await fetch(`${k.url}/observations?index=ATPI&timestamp=${round}`)).json()) as { observations: unknown[] };
        return parseObservation(body.observations[0]);
      }),
    );
  }

  it("C28: every subset with a malicious value reverts or stores the honest value; the attacker's own post stores the honest value", async () => {
    await advance(net, DAY);
    const round = roundOf(await chainNow(net));
    const honest = await honestObservations(round);
    const h = await methodologyValue(replay, round);
    expect(honest.map((o) => o.value)).to.deep.equal([h, h, h]);

    const attacker = privateKeyToAccount(net.keys[3] as Hex);
    const { publicClient, walletClient } = clients(net.anvil, attacker);
    const sign = (value: bigint) =>
      signObservation(attacker, net.anvil.chainId, net.oracle, { indexId: net.indexId, timestamp: round, methodologyVersion: 1, value, inputsHash: honest[0]!.inputsHash });
    const malicious = [1n, h / 1000n, (h * 9_951n) / 10_000n, (h * 10_050n) / 10_000n, h * 1000n, 10n ** 24n + 1n]; // 1e24: the bound
    const honestSubsets = [[0], [0, 1], [1, 2], [0, 1, 2]].map((ix) => ix.map((i) => honest[i]!));
    const outcomes: string[] = [];
    for (const m of malicious) {
      const bad = await sign(m);
      for (const subset of honestSubsets) {
        const args = buildPostFixingArgs(net.operators as Address[], [bad, ...subset]);
        try {
          const value = await publicClient.readContract({ address: net.oracle, abi: oracleAbi, functionName: "verifyFixing", args });
          expect(value, `m=${m} with ${subset.length} honest`).to.equal(h); // within the honest range: here, the honest value
          outcomes.push("honest");
        } catch (e) {
          const name = (e as { cause?: { data?: { errorName?: string } } }).cause?.data?.errorName;
          expect(name, String(e)).to.be.oneOf(["TooFewSignatures", "ObservationsDisagree", "ValueOutOfBounds"]);
          outcomes.push(name as string);
        }
      }
    }
    expect(outcomes.filter((o) => o === "honest")).to.have.length(6); // -0.49 % and +0.5 %, each with 2 or 3 honest
    expect(outcomes).to.include.members(["TooFewSignatures", "ObservationsDisagree", "ValueOutOfBounds"]);

    // The attacker posts the best it can (+0.5 % with two honest) before the keepers do: the honest value is stored.
    const best = buildPostFixingArgs(net.operators as Address[], [await sign((h * 10_050n) / 10_000n), honest[0]!, honest[1]!]);
    const hash = await walletClient.writeContract({ address: net.oracle, abi: oracleAbi, functionName: "postFixing", args: best });
    expect((await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status).to.equal("success");
    const stored = (await postedFixings(net)).at(-1);
    expect(stored).to.include({ timestamp: round, value: h, poster: attacker.address });

    await advance(net, DAY); // the keepers skip the taken round and go on
    const next = roundOf(await chainNow(net));
    await waitForRound(net, next, 30_000);
    const rounds = (await postedFixings(net)).map((p) => p.timestamp);
    expect(new Set(rounds).size).to.equal(rounds.length);
    expect((await postedFixings(net)).at(-1)?.value).to.equal(await methodologyValue(replay, next));
    for (const k of net.keepers) expect(k.errors(), k.spec.name).to.deep.equal([]);
  });
});
