import { expect } from "chai";
import { type Address, type LocalAccount, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { indexIdFromName } from "../../sdk/oracle.js";
import { Journal } from "../../keeper/chain/journal.js";
import { RpcPool, createFailoverClient } from "../../keeper/chain/rpc.js";
import { createKeeperMetrics } from "../../keeper/observability/metrics.js";
import { FutureTimestampError, chainTime, roundTimestamp, signGuarded } from "../../keeper/oracle/rounds.js";
import { verifyObservation } from "../../keeper/oracle/peers.js";
import { type Anvil, startAnvil } from "./helpers/anvil.js";

const ORACLE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ATPI = indexIdFromName("ATPI");
const SKEW = 60;

/** Runs `fn` with the host clock (Date.now) shifted by `offsetMs`. */
async function withSkewedClock<T>(offsetMs: number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => real() + offsetMs;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

describe("K06 clock skew: rounds from chain time, never signing ahead of it", function () {
  let anvil: Anvil;
  let account: LocalAccount;

  before(async () => {
    anvil = await startAnvil();
    account = privateKeyToAccount(generatePrivateKey());
  });
  after(async () => {
    await anvil.stop();
  });

  const client = () => createFailoverClient(new RpcPool({ urls: [anvil.url], chainId: anvil.chainId }), anvil.chainId);
  const observation = (timestamp: bigint, value = 2_500_000_000_000_000_000n) => ({
    indexId: ATPI, timestamp, methodologyVersion: 1, value, inputsHash: keccak256(toHex(`inputs ${timestamp}`)),
  });

  it("K06 host clock +/-5 min: the round and the signing decision depend on chain time only", async () => {
    const T = 1_900_000_000n + 1_234n;
    await anvil.rpc("evm_setNextBlockTimestamp", [Number(T)]);
    await anvil.rpc("evm_mine");
    const results = [];
    for (const offset of [-300_000, 0, 300_000]) {
      results.push(
        await withSkewedClock(offset, async () => {
          const now = await chainTime(client());
          return { now, round: roundTimestamp(now, 3_600) };
        }),
      );
    }
    expect(results.map((r) => r.now)).to.deep.equal([T, T, T]);
    expect(results.map((r) => r.round)).to.deep.equal([1_900_000_800n, 1_900_000_800n, 1_900_000_800n]);
  });

  it("K06 never signs a timestamp beyond chain time + skew; at the limit it signs, journals and counts", async () => {
    const journal = new Journal(":memory:");
    const metrics = createKeeperMetrics();
    const now = await chainTime(client());
    const base = { account, chainId: anvil.chainId, oracle: ORACLE, chainTime: now, maxFutureSkew: SKEW, journal, metrics, index: "ATPI" };
    const ahead = await signGuarded({ ...base, observation: observation(now + BigInt(SKEW) + 1n) }).catch((e: unknown) => e);
    expect(ahead).to.be.instanceOf(FutureTimestampError);
    expect((ahead as Error).message).to.equal(`refusing to sign timestamp ${now + 61n}: chain time is ${now}, allowed skew 60s`);
    expect(journal.observations(ATPI, now + 61n)).to.deep.equal([]);
    expect(await metrics.fixingsSigned.get({ index: "ATPI" })).to.equal(0);

    const atLimit = await signGuarded({ ...base, observation: observation(now + BigInt(SKEW)) });
    expect(atLimit.signer).to.equal(account.address);
    expect(await verifyObservation(atLimit, { chainId: anvil.chainId, oracle: ORACLE, operators: [account.address] })).to.deep.equal({ ok: true });
    expect(await metrics.fixingsSigned.get({ index: "ATPI" })).to.equal(1);
  });

  it("K06 a host clock 5 min fast would date the round ahead of the chain: such a timestamp is refused", async () => {
    const journal = new Journal(":memory:");
    const now = await chainTime(client());
    const hostNow = now + 300n; // what a host clock 5 min fast reads
    const base = { account, chainId: anvil.chainId, oracle: ORACLE, chainTime: now, maxFutureSkew: SKEW, journal };
    const refused = await signGuarded({ ...base, observation: observation(roundTimestamp(hostNow, 60)) }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(FutureTimestampError);
    const signed = await signGuarded({ ...base, observation: observation(roundTimestamp(now, 60)) });
    expect(signed.timestamp <= now).to.equal(true);
  });

  it("a round already signed (e.g. before a crash) is never signed again with another value", async () => {
    const journal = new Journal(":memory:");
    const now = await chainTime(client());
    const base = { account, chainId: anvil.chainId, oracle: ORACLE, chainTime: now, maxFutureSkew: SKEW, journal };
    const first = await signGuarded({ ...base, observation: observation(now, 100n) });
    const second = await signGuarded({ ...base, observation: observation(now, 999n) });
    expect(second).to.deep.equal(first);
    expect(journal.observations(ATPI, now)).to.have.length(1);
  });

  it("roundTimestamp aligns to the interval and rejects a bad interval", () => {
    expect(roundTimestamp(7_199n, 3_600)).to.equal(3_600n);
    expect(roundTimestamp(7_200n, 3_600)).to.equal(7_200n);
    expect(() => roundTimestamp(1n, 0)).to.throw(/positive integer/);
  });
});
