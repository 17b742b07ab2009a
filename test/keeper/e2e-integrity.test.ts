/**
 * End to end, index integrity (THREATS.md K07, C11, C28): anvil, the real IndexOracle with the default fault model
 * (4 operators, f = 1, bar 3, spread 0.5 %, breaker 10 % / 1 h), real keeper processes replaying the bundled history
 * under ATPI's methodology v2. K07: one keeper's whole source is x1000: its methodology refuses the data
 * (IMPLAUSIBLE_VALUE: it never signed, so it has no previous state), it signs nothing, the index follows the honest
 * three, and its /health and /metrics say why (the keeper's own deviation check behind it is unit-tested in
 * fixing-loop.test.ts with a v1 definition). K07: the real -18 % repricing of 2025-03-24 posts in v2's bounded
 * steps against the previous fixing's state (-1.25 % per daily fixing, within the breaker: nothing held). C28: one
 * operator's key signing a malicious value straight against the contract, with honest observations fetched from
 * the peers' /observations: nothing posts, or the stored value is the honest one.
 */
import { expect } from "chai";
import { type Address, type Hex, parseAbiItem, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type SignedObservation, buildPostFixingArgs, signObservation } from "../../sdk/oracle.js";
import { readArtifact } from "../../scripts/lib/deploy.js";
import { parseObservation } from "../../keeper/oracle/peers.js";
import { replaySource } from "../../keeper/sources/replay.js";
import { clients } from "./helpers/chain.js";
import { DAY, type Network, advance, chainNow, methodologySeries, methodologyValue, postedFixings, roundOf, startNetwork, waitForRound } from "./helpers/e2e.js";
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

  it("K07: the keeper fed x1000 signs nothing (its methodology refuses the data); the index follows the honest three; its /health and /metrics show the refusal", async () => {
    const from = bad.logs.length;
    await advance(net, DAY);
    const round = roundOf(await chainNow(net));
    await waitForRound(net, round);
    const posted = await postedFixings(net);
    expect(posted.length).to.be.greaterThan(1);
    const series = await methodologySeries(replay, posted.map((p) => p.timestamp)); // each with the previous state
    for (const [i, p] of posted.entries()) {
      expect(p.value).to.equal(series[i]); // the index did not move
      expect(p.signers).to.equal(3n); // the honest three, all of them
      const res = await fetch(`${bad.url}/observations?index=ATPI&timestamp=${p.timestamp}`);
      expect(((await res.json()) as { observations: unknown[] }).observations).to.deep.equal([]); // never a signature
    }
    const refusal = await bad.waitLog((l) => l.msg === "observation not signed: the methodology refused the source's data" && l.round === round.toString(), 20_000, from);
    expect(refusal).to.include({ level: "error", index: "ATPI", reason: "IMPLAUSIBLE_VALUE", min: "0.03", max: "300" });
    expect(parseUnits(refusal.value as string, 18) / (await methodologyValue(replay, round))).to.equal(1000n); // its own value, x1000

    expect(await metric(bad, "keeper_signatures_refused_total", 'reason="IMPLAUSIBLE_VALUE"')).to.be.greaterThan(0);
    const health = await fetch(`${bad.url}/health`);
    expect(health.status).to.equal(503);
    const reasons = ((await health.json()) as { reasons: string[] }).reasons;
    expect(reasons.some((r) => /^signing ATPI: refused round \d+: IMPLAUSIBLE_VALUE: value \d+(\.\d+)? is outside the plausible range \[0\.03, 300\]$/.test(r)), reasons.join("\n")).to.equal(true);
    for (const k of net.keepers.slice(0, 3)) {
      for (const reason of ["last_fixing", "peers", "SOURCE_SCALE_SUSPECT", "IMPLAUSIBLE_VALUE"]) {
        // honest ones never refuse (every counter is exported from the start, at 0)
        expect(await metric(k, "keeper_signatures_refused_total", `reason="${reason}"`), `${k.spec.name} ${reason}`).to.equal(0);
      }
      expect(k.errors(), k.spec.name).to.deep.equal([]);
    }
  });

  it("K07: the -18 % repricing of 2025-03-24 posts in v2's bounded steps (-1.25 % per daily fixing against the previous state), within the breaker: nothing held", async () => {
    while (roundOf(await chainNow(net)) < MARCH_24 - BigInt(DAY)) {
      await advance(net, DAY);
      await waitForRound(net, roundOf(await chainNow(net)));
    }
    const before = (await postedFixings(net)).at(-1);
    expect(before?.timestamp).to.equal(MARCH_24 - BigInt(DAY));
    expect((await methodologyValue(replay, MARCH_24)) * 10_000n / (before?.value ?? 1n)).to.equal(8_183n); // the move without a state: -18.2 %
    for (let day = 0n; day < 3n; day++) {
      const round = MARCH_24 + day * BigInt(DAY);
      await advance(net, DAY);
      expect(roundOf(await chainNow(net))).to.equal(round);
      await waitForRound(net, round, 30_000);
      const [prev, stored] = (await postedFixings(net)).slice(-2);
      expect(stored?.timestamp).to.equal(round); // stored at once, in its round
      expect(((stored?.value ?? 0n) * 10_000n) / (prev?.value ?? 1n)).to.equal(9_875n); // -1.25 %: the slot budget
    }
    const posted = await postedFixings(net);
    expect(posted.map((p) => p.value)).to.deep.equal(await methodologySeries(replay, posted.map((p) => p.timestamp)));
    expect(await net.client.getLogs({ address: net.oracle, event: fixingHeld, fromBlock: 0n })).to.deep.equal([]);
    // The whole move passes in bounded daily steps: the documented delay (docs/methodology.md, "What v2 costs").
    const days = Array.from({ length: 20 }, (_, k) => MARCH_24 + BigInt(k) * BigInt(DAY));
    const steps = await methodologySeries(replay, [MARCH_24 - BigInt(DAY), ...days]);
    const target = await methodologyValue(replay, MARCH_24 + 19n * BigInt(DAY));
    expect(steps.findIndex((v) => v === target)).to.equal(16); // the 16th daily fixing from 2025-03-24 (2025-04-08)
    for (const k of net.keepers.slice(0, 3)) expect(k.errors(), k.spec.name).to.deep.equal([]);
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
      signObservation(attacker, net.anvil.chainId, net.oracle, { indexId: net.indexId, timestamp: round, methodologyVersion: honest[0]!.methodologyVersion, value, inputsHash: honest[0]!.inputsHash });
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
