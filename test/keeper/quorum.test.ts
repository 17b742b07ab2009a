import { expect } from "chai";
import { type AbiItem, type Address, type LocalAccount, keccak256, toHex } from "viem";
import { formatAbiItem } from "viem/utils";
import { readArtifact } from "../../scripts/lib/deploy.js";
import { privateKeyToAccount } from "viem/accounts";
import { type SignedObservation, indexIdFromName } from "../../sdk/oracle.js";
import { Journal } from "../../keeper/chain/journal.js";
import { silentLogger } from "../../keeper/observability/log.js";
import { type KeeperServer, startServer } from "../../keeper/observability/server.js";
import { oracleAbi, postFixingRequest, readOracleIndex } from "../../keeper/oracle/contract.js";
import { collectRound, decideQuorum, observationsRoute } from "../../keeper/oracle/peers.js";
import { chainTime, roundTimestamp, signGuarded } from "../../keeper/oracle/rounds.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";
import { clients, deployFixture, fundedAccount } from "./helpers/chain.js";
import { journalPath, makeSender } from "./helpers/sender.js";

const ATPI = indexIdFromName("ATPI");

describe("keeper oracle ABI", () => {
  it("every function, event and error the keeper uses exists in the IndexOracle artifact with the same signature", () => {
    const artifact = readArtifact("IndexOracle").abi as readonly AbiItem[];
    const signatures = new Set(artifact.filter((i) => i.type !== "constructor").map((i) => `${i.type} ${formatAbiItem(i)}`));
    const used = (oracleAbi as readonly AbiItem[]).filter((i) => i.type === "function" || i.type === "event" || i.type === "error");
    expect(used.length).to.be.greaterThan(15);
    for (const item of used) expect(signatures.has(`${item.type} ${formatAbiItem(item)}`), `${item.type} ${formatAbiItem(item)}`).to.equal(true);
  });
});

/** Three operators (2-of-3) exchange signed observations over HTTP and post to an oracle double on anvil. */
describe("quorum round over HTTP, posted on chain (oracle double with IIndexOracle's ABI)", function () {
  let anvil: Anvil;
  let oracle: Address;
  const signers = [11, 12, 13].map((i) => privateKeyToAccount(`0x${i.toString(16).padStart(64, "0")}`));
  const journals = signers.map(() => new Journal(":memory:"));
  const servers: KeeperServer[] = [];
  let payers: LocalAccount[];

  before(async () => {
    anvil = await startAnvil();
    const deployer = await fundedAccount(anvil);
    oracle = await deployFixture(anvil, deployer, "OracleStub", [signers.map((s) => s.address), 60]);
    payers = [await fundedAccount(anvil), await fundedAccount(anvil)];
    for (const [i, s] of signers.entries()) {
      servers.push(await startServer("127.0.0.1", 0, { "/observations": observationsRoute(journals[i]!, s.address) }, silentLogger));
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    await anvil.stop();
  });

  it("reads the index's operators, quorum and skew from the oracle", async () => {
    const view = await readOracleIndex(clients(anvil, payers[0]!).publicClient, oracle, ATPI);
    expect(view.operators).to.deep.equal(signers.map((s) => s.address));
    expect(view.quorum).to.equal(2);
    expect(view.maxFutureSkew).to.equal(60);
    expect(view.latest.timestamp).to.equal(0n);
  });

  it("operators sign independently, two reach the quorum; the first post lands, the second is skipped; never twice", async () => {
    const { publicClient } = clients(anvil, payers[0]!);
    const view = await readOracleIndex(publicClient, oracle, ATPI);
    const now = await chainTime(publicClient);
    const round = { indexId: ATPI, timestamp: roundTimestamp(now, 60), methodologyVersion: 1 };
    const values = [2_500_000_000_000_000_001n, 2_500_000_000_000_000_000n, 2_500_000_000_000_000_003n];
    // operator 2 is down this round: it signs nothing
    const own: SignedObservation[] = [];
    for (const i of [0, 1]) {
      own.push(await signGuarded({
        account: signers[i]!, chainId: anvil.chainId, oracle, chainTime: now, maxFutureSkew: view.maxFutureSkew, journal: journals[i]!,
        observation: { ...round, value: values[i]!, inputsHash: keccak256(toHex(`op${i}`)) },
      }));
    }
    const peerUrls = servers.map((s) => s.url);
    const decisions = [];
    for (const i of [0, 1]) {
      const got = await collectRound({
        round, own: [own[i]!], peerUrls: peerUrls.filter((_, j) => j !== i), timeoutMs: 2_000, chainId: anvil.chainId, oracle, operators: view.operators,
      });
      decisions.push(decideQuorum(round, got.observations, view.operators, view.quorum, 100));
    }
    expect(decisions.map((d) => d.reached)).to.deep.equal([true, true]);

    const ops = payers.map((p) => makeSender(anvil, p, journalPath()));
    for (const o of ops) await o.sender.reconcile();
    const [d0, d1] = decisions;
    if (!d0?.reached || !d1?.reached) throw new Error("no quorum");
    const first = await ops[0]!.sender.send(postFixingRequest(oracle, "ATPI", d0.args));
    expect(first).to.include({ status: "sent", key: `post:ATPI:${round.timestamp}` });
    expect((await ops[0]!.sender.waitFinal(first.key, { pollMs: 20 })).state).to.equal("confirmed");
    expect(await ops[0]!.sender.send(postFixingRequest(oracle, "ATPI", d0.args))).to.include({ status: "exists" });

    const second = await ops[1]!.sender.send(postFixingRequest(oracle, "ATPI", d1.args));
    expect(second).to.deep.equal({
      status: "skipped", key: first.key, reason: `TimestampNotNewer(${ATPI}, ${round.timestamp}, ${round.timestamp})`,
    });
    const latest = await publicClient.readContract({ address: oracle, abi: oracleAbi, functionName: "latestFixing", args: [ATPI] });
    expect(latest).to.deep.equal({ value: (values[0]! + values[1]!) / 2n, timestamp: round.timestamp, methodologyVersion: 1 });
    expect(await ops[1]!.sender.inFlight()).to.equal(0);
  });
});
