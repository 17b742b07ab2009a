import { expect } from "chai";
import fc from "fast-check";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Address, type LocalAccount, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type SignedObservation, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import { Journal } from "../../keeper/chain/journal.js";
import { silentLogger } from "../../keeper/observability/log.js";
import { createKeeperMetrics } from "../../keeper/observability/metrics.js";
import { type KeeperServer, startServer } from "../../keeper/observability/server.js";
import {
  type Round,
  collectRound,
  decideQuorum,
  fetchPeerObservations,
  instanceOf,
  observationsRoute,
  recordProposal,
  parseObservation,
  parseRoundQuery,
  toJson,
} from "../../keeper/oracle/peers.js";
import { prng } from "./helpers/random.js";

const CHAIN_ID = 31337;
const ORACLE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ROUND: Round = { indexId: indexIdFromName("ATPI"), timestamp: 1_740_000_000n, methodologyVersion: 1 };
/** The spread tolerance used below (0.5 %, the default of the oracle and of the keeper's maxPeerDeviationBps). */
const SPREAD = 50;

function keyFrom(seed: number): `0x${string}` {
  return `0x${(seed + 1).toString(16).padStart(64, "0")}`;
}

async function sign(account: LocalAccount, value: bigint, round: Round = ROUND): Promise<SignedObservation> {
  return signObservation(account, CHAIN_ID, ORACLE, { ...round, value, inputsHash: keccak256(toHex(`q${value}`)) });
}

/** A peer that answers whatever `respond` writes. */
async function rawPeer(respond: (res: import("node:http").ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => respond(res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("keeper peers: exchange of signed observations and quorum", function () {
  const ops = [0, 1, 2].map((i) => privateKeyToAccount(keyFrom(i)));
  const operators = ops.map((a) => a.address);
  const servers: KeeperServer[] = [];
  const raw: Server[] = [];
  const peerUrls: string[] = [];
  const own: SignedObservation[] = [];

  before(async () => {
    // Three operators that disagree slightly; each serves what it signed from its own journal.
    const values = [2_501_000_000_000_000_000n, 2_500_000_000_000_000_000n, 2_502_000_000_000_000_000n];
    for (const [i, op] of ops.entries()) {
      const journal = new Journal(":memory:");
      const o = await sign(op, values[i] as bigint);
      journal.recordObservation(o, 0);
      own.push(o);
      const s = await startServer("127.0.0.1", 0, { "/observations": observationsRoute(journal, op.address) }, silentLogger);
      servers.push(s);
      peerUrls.push(s.url);
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const s of raw) (s.closeAllConnections(), s.close());
  });

  it("serves own observations over HTTP by index name or id, 400 on a bad query", async () => {
    const byName = await fetch(`${peerUrls[0]}/observations?index=ATPI&timestamp=${ROUND.timestamp}`);
    const answer = (await byName.json()) as { instance: string };
    expect(answer).to.deep.equal({ instance: answer.instance, observations: [toJson(own[0]!)] });
    expect(answer.instance).to.match(/^[0-9a-f]{16}$/); // the serving keeper's id (a keeper finds its own URL among its peers by it)
    const byId = await fetchPeerObservations(peerUrls[0]!, ROUND, { timeoutMs: 1_000 });
    expect(byId.observations).to.deep.equal([own[0]]);
    expect((await fetch(`${peerUrls[0]}/observations?index=ATPI&timestamp=-1`)).status).to.equal(400);
    expect((await fetch(`${peerUrls[0]}/observations?timestamp=1`)).status).to.equal(400);
    const otherRound = await fetchPeerObservations(peerUrls[0]!, { ...ROUND, timestamp: 1n }, { timeoutMs: 1_000 });
    expect(otherRound).to.deep.equal({ peer: peerUrls[0], observations: [], instance: answer.instance });
  });

  it("operator 0 collects peers' signatures and reaches a 2-of-3 quorum; args sorted by value for the median", async () => {
    const got = await collectRound({ round: ROUND, own: [own[0]!], peerUrls: peerUrls.slice(1), timeoutMs: 1_000, chainId: CHAIN_ID, oracle: ORACLE, operators });
    expect(got.observations).to.have.length(3);
    expect(got.peerValues).to.deep.equal([2_500_000_000_000_000_000n, 2_502_000_000_000_000_000n]);
    const d = decideQuorum(ROUND, got.observations, operators, 2, SPREAD);
    expect(d.reached).to.equal(true);
    if (!d.reached) return;
    const [indexId, timestamp, version, opList, observations] = d.args;
    expect([indexId, timestamp, version]).to.deep.equal([ROUND.indexId, ROUND.timestamp, 1]);
    expect(opList).to.deep.equal(operators);
    expect(observations.map((o) => o.value)).to.deep.equal([2_500_000_000_000_000_000n, 2_501_000_000_000_000_000n, 2_502_000_000_000_000_000n]);
  });

  it("a peer serving garbage never crashes the loop: bad JSON, wrong shapes, forged or foreign signatures, 500, timeout, huge body", async () => {
    const outsider = privateKeyToAccount(generatePrivateKey());
    const forged = { ...toJson(own[1]!), value: "1" }; // signature no longer matches
    const foreign = toJson(await sign(outsider, 5n)); // valid signature, not a registered operator
    const impostor = { ...toJson(await sign(outsider, 6n)), signer: operators[2] }; // claims to be operator 2
    const otherRound = toJson(await sign(ops[1]!, 7n, { ...ROUND, methodologyVersion: 2 }));
    const bodies: Array<(res: import("node:http").ServerResponse) => void> = [
      (res) => res.end("not json {"),
      (res) => res.end(JSON.stringify({ observations: "nope" })),
      (res) => res.end(JSON.stringify({ observations: [null, 1, { indexId: "0x12" }, { ...toJson(own[1]!), value: "-5" }] })),
      (res) => res.end(JSON.stringify({ observations: [forged, foreign, impostor, otherRound] })),
      (res) => (res.writeHead(500), res.end("oops")),
      () => {}, // never answers
      (res) => res.end(JSON.stringify({ observations: [], pad: "x".repeat(200_000) })),
    ];
    const urls: string[] = [];
    for (const b of bodies) {
      const p = await rawPeer(b);
      raw.push(p.server);
      urls.push(p.url);
    }
    const metrics = createKeeperMetrics();
    const got = await collectRound({
      round: ROUND, own: [own[0]!], peerUrls: [...urls, peerUrls[2]!], timeoutMs: 1_000, chainId: CHAIN_ID, oracle: ORACLE, operators, metrics,
    });
    expect(got.observations.map((o) => o.signer)).to.deep.equal([operators[0], operators[2]]);
    expect(got.peerValues).to.deep.equal([2_502_000_000_000_000_000n]); // garbage peers give no value
    for (const u of urls) expect(await metrics.peerErrors.get({ peer: u }), u).to.be.greaterThan(0);
    const d = decideQuorum(ROUND, got.observations, operators, 2, SPREAD);
    expect(d.reached).to.equal(true);
  });

  it("decideQuorum (pure): below quorum, duplicates, unregistered signers and other rounds do not count", async () => {
    const outsider = privateKeyToAccount(generatePrivateKey());
    const dup = await sign(ops[0]!, 1n);
    const stranger = await sign(outsider, 3n);
    const v2 = await sign(ops[1]!, 4n, { ...ROUND, methodologyVersion: 2 });
    const d = decideQuorum(ROUND, [own[0]!, dup, stranger, v2], operators, 2, SPREAD);
    expect(d).to.deep.equal({ reached: false, have: 1, need: 2, complete: false, signers: [operators[0]] });
    expect(decideQuorum(ROUND, [], operators, 2, SPREAD).reached).to.equal(false);
    const all = decideQuorum(ROUND, own, operators, 3, SPREAD);
    expect([all.reached, all.complete]).to.deep.equal([true, true]);
  });

  it("C11: a peer that signed nothing yet serves its computed value as an unsigned proposal; once signed, only the signature", async () => {
    const op = ops[1]!;
    const journal = new Journal(":memory:");
    recordProposal(journal, ROUND.indexId, ROUND.timestamp, 2_500_000_000_000_000_000n);
    const s = await startServer("127.0.0.1", 0, { "/observations": observationsRoute(journal, op.address) }, silentLogger);
    try {
      const before = await fetchPeerObservations(s.url, ROUND, { timeoutMs: 1_000 });
      expect(before).to.deep.equal({ peer: s.url, observations: [], proposal: 2_500_000_000_000_000_000n, instance: instanceOf(journal) });
      const got = await collectRound({ round: ROUND, own: [], peerUrls: [s.url], timeoutMs: 1_000, chainId: CHAIN_ID, oracle: ORACLE, operators });
      expect(got).to.deep.equal({ observations: [], peerValues: [2_500_000_000_000_000_000n], sharedKey: [] });
      journal.recordObservation(own[1]!, 0);
      const after = await fetchPeerObservations(s.url, ROUND, { timeoutMs: 1_000 });
      expect(after).to.deep.equal({ peer: s.url, observations: [own[1]], instance: instanceOf(journal) });
    } finally {
      await s.close();
    }
  });

  it("C11: decideQuorum submits every agreeing observation, drops an outlier that would break the spread, whatever the arrival order", async () => {
    const four = [0, 1, 2, 3].map((i) => privateKeyToAccount(keyFrom(10 + i)));
    const ops4 = four.map((a) => a.address);
    const honest = [2_500_000_000_000_000_000n, 2_500_000_000_000_000_000n, 2_501_000_000_000_000_000n];
    const obs = [...(await Promise.all(honest.map((v, i) => sign(four[i]!, v)))), await sign(four[3]!, 2_500_000_000_000_000_000_000n)];
    const permutations = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 3, 0, 1], [1, 3, 2, 0]];
    const args = permutations.map((p) => {
      const d = decideQuorum(ROUND, p.map((i) => obs[i]!), ops4, 3, SPREAD);
      if (!d.reached) throw new Error("no quorum");
      expect(d.complete).to.equal(true); // all four answered: the poster need not wait
      return d.args;
    });
    for (const a of args) expect(a).to.deep.equal(args[0]);
    expect(args[0]![4].map((o) => o.value)).to.deep.equal(honest); // ascending, the x1000 value left out
    // Two honest + the outlier: the outlier is still dropped, and two are below the bar of 3.
    const short = decideQuorum(ROUND, [obs[0]!, obs[3]!, obs[1]!], ops4, 3, SPREAD);
    expect([short.reached, short.have, short.complete]).to.deep.equal([false, 2, false]);
  });

  it("parseObservation: JSON round trip holds, and arbitrary input only ever throws a plain Error (seeded fuzz)", async () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (value, ts) => {
        const o = { ...own[0]!, value, timestamp: ts };
        expect(parseObservation(JSON.parse(JSON.stringify(toJson(o))))).to.deep.equal({ ...o, indexId: o.indexId.toLowerCase() });
      }),
      { seed: 42, numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        try {
          parseObservation(x);
          return false;
        } catch (e) {
          return e instanceof Error && /observation/.test(e.message);
        }
      }),
      { seed: 42, numRuns: 500 },
    );
    const rand = prng(7);
    const good = toJson(own[0]!) as unknown as Record<string, unknown>;
    for (let i = 0; i < 200; i++) {
      const k = Object.keys(good)[Math.floor(rand() * 8)] as string;
      const mutated = { ...good, [k]: [null, 1.5, "0x", "", -1, {}, "9".repeat(90)][Math.floor(rand() * 7)] };
      expect(() => parseObservation(mutated)).to.throw(Error, new RegExp(`field ${k}`));
    }
    for (const x of [null, [], 7, "x"]) expect(() => parseObservation(x)).to.throw("observation is not an object");
  });

  it("parseRoundQuery: the index by name or id, the timestamp in seconds, each missing part named", () => {
    const q = (s: string) => parseRoundQuery(new URLSearchParams(s));
    expect(q("index=ATPI&timestamp=1740000000")).to.deep.equal({ indexId: indexIdFromName("ATPI"), timestamp: 1_740_000_000n });
    expect(q(`index=${indexIdFromName("ATPI").toUpperCase().replace("0X", "0x")}&timestamp=0`).indexId).to.equal(indexIdFromName("ATPI"));
    expect(() => q("timestamp=1")).to.throw("query parameter index is required");
    expect(() => q("index=ATPI&timestamp=-1")).to.throw("query parameter timestamp must be a unix time in seconds");
    expect(() => q("index=ATPI")).to.throw("query parameter timestamp must be a unix time in seconds");
  });
});
