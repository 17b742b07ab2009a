import { expect } from "chai";
import { DatabaseSync } from "node:sqlite";
import type { Address, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { buildPostFixingArgs, indexIdFromName, signObservation } from "../../sdk/oracle.js";
import { Journal } from "../../keeper/chain/journal.js";
import type { TxSender } from "../../keeper/chain/sender.js";
import { validateConfig } from "../../keeper/config/schema.js";
import { createLogger, silentLogger } from "../../keeper/observability/log.js";
import { createKeeperMetrics } from "../../keeper/observability/metrics.js";
import { GatheredRounds, type RoundArgs, roundArgsToJson } from "../../keeper/oracle/gatheredRounds.js";
import { SettlementTracker } from "../../keeper/oracle/settlement.js";
import { journalPath } from "./helpers/sender.js";

const ORACLE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ATPI = indexIdFromName("ATPI");
const OTHER = indexIdFromName("ATPI-X");

describe("keeper journal of gathered settlement-window rounds", () => {
  const ops: LocalAccount[] = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
  const operators = ops.map((o) => o.address);
  /** The postFixing arguments of a round signed by the first `signers` operators (values near 2^200: beyond 2^53). */
  const round = async (timestamp: bigint, signers: number, indexId = ATPI): Promise<RoundArgs> => {
    const observations = await Promise.all(ops.slice(0, signers).map((op, i) =>
      signObservation(op, 31337, ORACLE, { indexId, timestamp, methodologyVersion: 2, value: 2n ** 200n + BigInt(i), inputsHash: `0x${"ab".repeat(32)}` })));
    return buildPostFixingArgs(operators, observations);
  };
  const open = () => {
    const path = journalPath();
    const lines: { level: string; msg: string; index?: string; timestamp?: string; error?: { message: string } }[] = [];
    const log = createLogger({ write: (l) => lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const journal = new Journal(path);
    return { path, journal, lines, store: new GatheredRounds(journal, log) };
  };

  it("a stored round loads back exactly (bigints, addresses and signatures as gathered) after the journal is reopened", async () => {
    const { path, journal, store } = open();
    const args = await round(1_000n, 3);
    expect(store.save(args)).to.equal(true);
    journal.close(); // the restart
    const reopened = new Journal(path);
    const loaded = new GatheredRounds(reopened, createLogger({ write: () => {} })).load();
    expect(loaded).to.deep.equal([{ indexId: ATPI, args }]);
    expect(loaded[0]!.args[4][0]!.value).to.equal(2n ** 200n);
    reopened.close();
  });

  it("a round is replaced only by a set with more signatures", async () => {
    const { journal, store } = open();
    const two = await round(1_000n, 2);
    const three = await round(1_000n, 3);
    expect(store.save(two)).to.equal(true);
    expect(store.save(three)).to.equal(true); // grew: replaced
    expect(store.save(two)).to.equal(false); // fewer: the larger set stays
    expect(store.save(three)).to.equal(false); // as many: unchanged
    expect(store.load().map((r) => r.args)).to.deep.equal([three]);
    journal.close();
  });

  it("prune drops the rounds the predicate rejects and keeps the others", async () => {
    const { journal, store } = open();
    for (const args of [await round(1_000n, 2), await round(2_000n, 2), await round(1_000n, 2, OTHER)]) store.save(args);
    expect(store.prune((indexId, t) => indexId === ATPI && t >= 2_000n)).to.equal(2);
    expect(store.load().map((r) => [r.indexId, r.args[1]])).to.deep.equal([[ATPI, 2_000n]]);
    expect(store.prune(() => true)).to.equal(0);
    journal.close();
  });

  it("a damaged row (not JSON, a bad field, another round's arguments) is logged and skipped; the others load", async () => {
    const { path, journal, lines, store } = open();
    const good = await round(1_000n, 2);
    store.save(good);
    const raw = new DatabaseSync(path); // another writer: a damaged or hand-edited journal
    const insert = raw.prepare("INSERT INTO gathered_rounds (index_id, timestamp, signatures, args, updated_ms) VALUES (?, ?, 2, ?, 0)");
    const json = JSON.parse(roundArgsToJson(await round(3_000n, 2))) as { observations: { value: string }[] };
    json.observations[0]!.value = "-1";
    insert.run(ATPI, "2000", "{not json");
    insert.run(ATPI, "3000", JSON.stringify(json));
    insert.run(ATPI, "4000", roundArgsToJson(await round(5_000n, 2)));
    insert.run(ATPI, "not a number", roundArgsToJson(good));
    raw.close();
    expect(store.load().map((r) => r.args)).to.deep.equal([good]);
    const damaged = lines.filter((l) => l.level === "error");
    expect(damaged.map((l) => l.timestamp)).to.deep.equal(["2000", "3000", "4000", "not a number"]);
    expect(damaged[1]!.error!.message).to.equal("field observations.0.value is missing or malformed");
    expect(damaged[2]!.error!.message).to.match(/another round/);
    expect(store.prune(() => false)).to.equal(4); // a row whose key parses is pruned like any other; the one that does not stays
    expect(journal.gatheredRounds().map((r) => r.timestamp)).to.deep.equal(["not a number"]);
    journal.close();
  });

  it("the settlement tracker journals a gathered round only if it lies in a listed series' window, and nothing in a dry run", async () => {
    const expiry = 1_800_000_000n;
    const tracker = (journal: Journal, dryRun = false) => new SettlementTracker({
      config: validateConfig({
        chainId: 31337, rpc: { urls: ["http://127.0.0.1:1"] }, contracts: { oracle: ORACLE, market: ORACLE }, indexes: ["ATPI"],
        sources: [{ index: "ATPI", kind: "replay" }], keys: { signer: { privateKeyEnv: "X" } }, gas: { maxFeePerGasGwei: "50" }, dryRun,
        settlement: [{
          index: "ATPI", expiry: Number(expiry), contractSize: "1", tickSize: "0.01", minSize: 1, initialMarginBps: 1000, maintenanceMarginBps: 500,
          makerFeeBps: 2, takerFeeBps: 5, priceBandBps: 500, priceLimitBps: 400, liquidationPenaltyBps: 100, maxFixingAge: 7200,
          settlementWindow: 86_400, settlementGrace: 604_800,
        }],
      }),
      sender: {} as TxSender, // addRound sends nothing
      journal, log: silentLogger, metrics: createKeeperMetrics(),
    });
    const { journal } = open();
    const live = tracker(journal);
    for (const t of [expiry - 1n, expiry, expiry + 86_400n, expiry + 86_401n]) live.addRound(ATPI, await round(t, 2));
    live.addRound(OTHER, await round(expiry, 2)); // no series of that index
    expect(journal.gatheredRounds().map((r) => [r.indexId, r.timestamp])).to.deep.equal([[ATPI, String(expiry)], [ATPI, String(expiry + 86_400n)]]);
    const dry = open();
    tracker(dry.journal, true).addRound(ATPI, await round(expiry, 3));
    expect(dry.journal.gatheredRounds()).to.deep.equal([]);
    journal.close();
    dry.journal.close();
  });
});
