/**
 * Operator faults, review 6: peers answering garbage, and two keepers run with the same operator key, through the real
 * fixing loops of several operators on anvil (each serves its journal at /observations as the keeper does).
 */
import { expect } from "chai";
import { type Address, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type SignedObservation, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import { validateConfig } from "../../keeper/config/schema.js";
import type { Journal } from "../../keeper/chain/journal.js";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { newHealthState } from "../../keeper/observability/health.js";
import { createLogger, urlLabel } from "../../keeper/observability/log.js";
import { type Handler, type KeeperServer, startServer } from "../../keeper/observability/server.js";
import { FixingLoop, type IndexFeed } from "../../keeper/oracle/fixingLoop.js";
import { observationsRoute, toJson } from "../../keeper/oracle/peers.js";
import { replaySource } from "../../keeper/sources/replay.js";
import type { PriceSource } from "../../keeper/sources/types.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, fundedAccount } from "./helpers/chain.js";
import { deployOracle } from "./helpers/deploy.js";
import { DAY, dailyRounds } from "./helpers/dailyRounds.js";
import { START } from "./helpers/e2e.js";
import { type Respond, type ScriptedServer, body, endless, hang, startScriptedServer, status } from "./helpers/scriptedServer.js";
import { journalPath, makeSender } from "./helpers/sender.js";

const ATPI = indexIdFromName("ATPI");
const PEER_TIMEOUT_MS = 500;
interface Keeper {
  name: string;
  op: LocalAccount;
  url: string;
  journal: Journal;
  loop: FixingLoop;
  health: ReturnType<typeof newHealthState>;
  metrics: ReturnType<typeof makeSender>["metrics"];
  sender: ReturnType<typeof makeSender>["sender"];
}

describe("keeper operator faults (review 6): peers answering garbage, a shared operator key (real loops and oracle)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let owner: LocalAccount;
  let days: ReturnType<typeof dailyRounds>;
  const servers: (KeeperServer | ScriptedServer)[] = [];
  /** Every keeper's log lines, with the keeper's name. */
  const lines: (Record<string, unknown> & { msg: string; keeper: string })[] = [];

  before(async () => {
    anvil = await startAnvil({ args: ["--timestamp", String(START + 100)] });
    owner = await fundedAccount(anvil);
    days = dailyRounds(anvil, owner);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await anvil?.stop();
  });

  /** Keepers signing with `ops[i]` (the same account twice: two keepers with one key), each serving its journal; each peers with the others and `extraPeers`. */
  async function keepers(oracle: Address, ops: LocalAccount[], extraPeers: string[], sources: PriceSource[] = []): Promise<Keeper[]> {
    const def = await loadIndexDefinition("ATPI");
    const routes: Handler[] = [];
    const own = await Promise.all(ops.map((_, i) => startServer("127.0.0.1", 0, { "/observations": (q) => (routes[i] as Handler)(q) }, createLogger({ write: () => {} }))));
    servers.push(...own);
    const ks = ops.map((op, i) => {
      const { sender, journal, client, metrics } = makeSender(anvil, op, journalPath());
      routes[i] = observationsRoute(journal, op.address);
      const config = validateConfig({
        chainId: 31337,
        rpc: { urls: [anvil.url] },
        contracts: { oracle },
        indexes: ["ATPI"],
        schedule: { intervalSeconds: DAY, windowPolls: 4, maxFutureSkewSeconds: 60, pollMs: 100, catchUpRounds: 1, postStaggerMs: 0 },
        peers: { urls: [...own.filter((_, j) => j !== i).map((s) => s.url), ...extraPeers], timeoutMs: PEER_TIMEOUT_MS, gatherMs: 0 },
        sources: [{ index: "ATPI", kind: "replay" }],
        keys: { signer: { privateKeyEnv: "X" } },
        gas: { maxFeePerGasGwei: "50" },
      });
      const name = `keeper-${i}`;
      const log = createLogger({ level: "debug", write: (l) => lines.push({ ...(JSON.parse(l) as { msg: string }), keeper: name }) });
      const feeds: IndexFeed[] = [{ name: "ATPI", indexId: ATPI, def, source: sources[i] ?? replaySource() }];
      const health = newHealthState();
      const loop = new FixingLoop({ config, client, signer: op, journal, sender, log, metrics, health, feeds });
      return { name, op, url: own[i]!.url, journal, loop, health, metrics, sender };
    });
    for (const k of ks) await k.sender.reconcile();
    return ks;
  }

  /** Ticks the keepers in turn until `round` is on chain (at most 20 passes each). */
  async function untilPosted(oracle: Address, ks: Keeper[], round: bigint): Promise<void> {
    for (let pass = 0; pass < 20; pass++) {
      for (const k of ks) await k.loop.tick();
      for (const k of ks) await k.sender.tick();
      if ((await days.posted(oracle)).some((p) => p.timestamp === round)) return;
    }
    throw new Error(`round ${round} not posted`);
  }

  it("a peer answering garbage (invalid JSON, 5xx, no answer, an endless body, a wrong key, a signature over another value or timestamp, another round, a far value) is ignored and named; the two honest operators post every round", async () => {
    const c = privateKeyToAccount(generatePrivateKey());
    let oracle: Address = "0x";
    let answer: (round: bigint, honest: SignedObservation) => Promise<Respond> = async () => body(JSON.stringify({ observations: [] }));
    let ks: Keeper[] = [];
    // Operator c's keeper: what it answers is built from the round asked and an honest operator's observation of it.
    const garbage = await startScriptedServer((res, req) => {
      const round = BigInt(new URL(req.url ?? "/", "http://x").searchParams.get("timestamp") ?? "0");
      const honest = ks.flatMap((k) => k.journal.observations(ATPI, round))[0];
      if (!honest) return void body(JSON.stringify({ observations: [] }))(res, req);
      void answer(round, honest).then((respond) => respond(res, req));
    });
    servers.push(garbage);
    const peerC = urlLabel(garbage.url);
    const outsider = privateKeyToAccount(generatePrivateKey());
    const signC = (o: SignedObservation, change: Partial<SignedObservation>, by: LocalAccount = c) => signObservation(by, 31337, oracle, { ...o, ...change });
    const obsBody = (...obs: SignedObservation[]) => body(JSON.stringify({ observations: obs.map(toJson) }));

    const faults: [string, typeof answer, RegExp | undefined][] = [
      ["invalid JSON", async () => body('{"observations": [{"indexId": '), /JSON/],
      ["HTTP 500", async () => status(500), /^HTTP 500$/],
      ["no answer", async () => hang, new RegExp(`^no answer within ${PEER_TIMEOUT_MS} ms$`)],
      ["an endless body", async () => endless, /^answer larger than 65536 bytes$/],
      ["a signature by a key that is not c's", async (_, h) => obsBody({ ...(await signC(h, {}, outsider)), signer: c.address }), /^signature recovers to 0x[0-9a-fA-F]{40}, not 0x/],
      ["a signature over another value", async (_, h) => obsBody({ ...(await signC(h, { value: h.value + 1n })), value: h.value }), /^signature recovers to/],
      ["a signature over another timestamp", async (r, h) => obsBody({ ...(await signC(h, { timestamp: r - BigInt(DAY) })), timestamp: r }), /^signature recovers to/],
      ["c's observation of another round", async (r, h) => obsBody(await signC(h, { timestamp: r - BigInt(DAY) })), /^observation of another round \(index 0x[0-9a-f]{64}, timestamp \d+, methodology v2; asked for index 0x[0-9a-f]{64}, timestamp \d+, methodology v2\)$/],
      ["a validly signed value x1000", async (_, h) => obsBody(await signC(h, { value: h.value * 1000n })), undefined],
    ];
    for (const [what, fault, reason] of faults) {
      // Fresh operators a and b for each fault (an oracle of a, b and c: quorum 2 of 3), so no warning is folded into an earlier one.
      const [a, b] = [await fundedAccount(anvil), await fundedAccount(anvil)];
      ({ oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [a.address, b.address, c.address] }));
      ks = await keepers(oracle, [a, b], [garbage.url]);
      answer = fault;
      const from = lines.length;
      const round = await days.nextRound();
      await untilPosted(oracle, ks, round);
      const stored = (await days.posted(oracle)).find((p) => p.timestamp === round);
      const honest = ks.map((k) => k.journal.observations(ATPI, round).find((o) => o.signer === k.op.address)?.value);
      expect(honest[0], what).to.equal(honest[1]);
      expect(stored, what).to.deep.equal({ timestamp: round, value: honest[0], signers: 2n }); // a and b only, the honest value
      // A validly signed far value is no garbage to reject: the post leaves it out (spread tolerance), as checked above.
      if (reason !== undefined) {
        const named = lines.slice(from).filter((l) => l.peer === peerC && /^peer (answer|observation) rejected/.test(l.msg));
        expect(named.map((l) => String(l.error ?? l.reason)), what).to.satisfy((rs: string[]) => rs.some((r) => reason.test(r)));
        const errors = await Promise.all(ks.map((k) => k.metrics.peerErrors.get({ peer: peerC })));
        expect(errors.reduce((x, y) => x + y, 0), what).to.be.greaterThan(0);
      }
      for (const k of ks) {
        expect(await k.metrics.txConfirmed.get({ kind: "post", status: "reverted" }), `${what}: ${k.name}`).to.equal(0);
        expect(k.journal.openTxs(k.op.address), `${what}: ${k.name}`).to.deep.equal([]);
      }
    }
  });
  it("two keepers with the same operator key: the one that sees the other's signature signs nothing for the round (never two values under one key), logs an error naming it and fails /health; every round posted once, no nonce left open", async () => {
    const [a, b, d] = [await fundedAccount(anvil), await fundedAccount(anvil), privateKeyToAccount(generatePrivateKey())];
    const { oracle } = await deployOracle(anvil, owner, { name: "ATPI", operators: [a.address, b.address, d.address] }); // quorum 2 of 3
    // The copy reads its prices without one basket listing: same key, a different observation (inputs hash) of each round.
    const replay = replaySource();
    const copy: PriceSource = { kind: "replay", read: async (at) => {
      const snap = await replay.read(at);
      return { ...snap, quotes: snap.quotes.filter((q) => !(q.provider === "openai" && q.model === "gpt-4.1")) };
    } };
    const from = lines.length;
    const ks = await keepers(oracle, [a, a, b], [], [replay, copy, replay]);
    const twins = ks.slice(0, 2);
    const rounds: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      rounds.push(await days.nextRound());
      await untilPosted(oracle, ks, rounds.at(-1) as bigint);
    }
    expect((await days.posted(oracle)).map((p) => [p.timestamp, p.signers])).to.deep.equal(rounds.map((r) => [r, 2n]));
    for (const r of rounds) {
      const signedWithA = twins.flatMap((k) => k.journal.observations(ATPI, r)).filter((o) => o.signer === a.address);
      expect(signedWithA, `round ${r}: observations signed with the shared key`).to.have.length(1);
    }
    const alerts = lines.slice(from).filter((l) => l.msg.startsWith("another keeper signs with this keeper's operator key"));
    expect(alerts.length).to.be.greaterThan(0);
    for (const l of alerts) {
      const other = l.keeper === twins[0]!.name ? twins[1]! : twins[0]!;
      expect(l).to.include({ level: "error", index: "ATPI", peer: urlLabel(other.url), signer: a.address });
    }
    const reasons = twins.flatMap((k) => [...k.health.refusals.values()]);
    expect(reasons.some((r) => new RegExp(`^round \\d+: the signing key ${a.address} also signs at http://127\\.0\\.0\\.1:\\d+: two keepers share one operator key \\(stop one of them\\)$`).test(r)), reasons.join("; ")).to.equal(true);
    const refused = await Promise.all(twins.map((k) => k.metrics.signaturesRefused.get({ index: "ATPI", reason: "shared_key" })));
    expect(refused.reduce((x, y) => x + y, 0)).to.equal(alerts.length);
    // The shared gas key: every nonce mined, none pending or open in either journal, nothing reverted.
    const { publicClient } = clients(anvil, owner);
    expect(await publicClient.getTransactionCount({ address: a.address, blockTag: "pending" })).to.equal(await publicClient.getTransactionCount({ address: a.address }));
    for (const k of ks) {
      expect(k.journal.openTxs(k.op.address), k.name).to.deep.equal([]);
      expect(await k.metrics.txConfirmed.get({ kind: "post", status: "reverted" }), k.name).to.equal(0);
    }
  });
});
