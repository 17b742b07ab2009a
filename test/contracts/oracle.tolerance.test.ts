/**
 * C28 on the real IndexOracle: spread tolerance, circuit breaker (hold, confirmation, release, the bundled
 * March 2025 repricing), every-operator bypass, the tolerance setters and verifyFixing's parity with postFixing.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { type Hex, getAddress, getContract, keccak256, parseUnits, stringToHex } from "viem";
import { type LocalAccount, privateKeyToAccount } from "viem/accounts";
import { loadIndexDefinition } from "../../keeper/indexConfig.js";
import { computeFixing } from "../../keeper/methodology/computeFixing.js";
import { loadHistory } from "../../keeper/sources/replay.js";
import { ATPI_INDEX, indexParams } from "../../scripts/lib/deploy.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";
import { buildPostFixingArgs, indexIdFromName, signObservation } from "../../sdk/oracle.js";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const [ownerWallet, otherWallet] = await viem.getWalletClients();
if (!ownerWallet || !otherWallet) throw new Error("oracle tests need two wallet clients");
const chainId = await publicClient.getChainId();
const owner = getAddress(ownerWallet.account.address);

const ATPI = indexIdFromName("ATPI");
const T0 = 2_000_000_000n;
const HOUR = 3_600n;
const DAY = 86_400n;
const operators: LocalAccount[] = Array.from({ length: 5 }, (_, i) =>
  privateKeyToAccount(keccak256(stringToHex(`tokenfutures-oracle-tolerance-operator-${i}`))),
);
const wad = (v: string) => parseUnits(v, 18);

/** The deployment defaults (4 operators, f = 1: quorum 3; 50 bps; breaker 10 %, 1 h), at time T0. */
async function deployFixture() {
  await networkHelpers.time.increaseTo(T0);
  const { address } = await viem.deployContract("IndexOracle", [owner]);
  const oracle = getContract({ address, abi: indexOracleAbi, client: { public: publicClient, wallet: ownerWallet! } });
  await oracle.write.createIndex([ATPI, indexParams(ATPI_INDEX), operators.slice(0, 4).map((a) => a.address)]);
  return { oracle };
}
type Oracle = Awaited<ReturnType<typeof deployFixture>>["oracle"];

/** postFixing's arguments for `values` signed by the first operators (one value each), at `timestamp`. */
async function round(oracle: Oracle, values: readonly bigint[], timestamp: bigint) {
  const signed = await Promise.all(
    values.map((value, i) =>
      signObservation(operators[i]!, chainId, oracle.address, {
        indexId: ATPI,
        timestamp,
        methodologyVersion: 1,
        value,
        inputsHash: keccak256(stringToHex(`inputs-${i}-${timestamp}`)),
      }),
    ),
  );
  return buildPostFixingArgs(await oracle.read.operators([ATPI]), signed);
}
const three = (v: bigint) => [v, v, v];

describe("IndexOracle tolerances (C28)", () => {
  describe("spread tolerance", () => {
    it("C28: a spread of exactly maxSpreadBps posts; one wei more reverts ObservationsDisagree with the values", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const low = wad("2");
      const edge = low + (low * 50n) / 10_000n; // 2.01: exactly 50 bps above
      await oracle.write.postFixing(await round(oracle, [low, low, edge], T0 - 100n));
      expect((await oracle.read.latest([ATPI]))[0]).to.equal(low);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(await round(oracle, [low, edge + 1n, edge + 1n], T0 - 50n)),
        oracle,
        "ObservationsDisagree",
        [ATPI, low, edge + 1n, 50n],
      );
    });

    it("C28: a source off by x1000 in one operator's value never posts with it; the honest three do", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const honest = wad("3.12275");
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(await round(oracle, [honest, honest, honest * 1000n], T0 - 100n)),
        oracle,
        "ObservationsDisagree",
        [ATPI, honest, honest * 1000n, 50n],
      );
      await oracle.write.postFixing(await round(oracle, three(honest), T0 - 100n));
      expect((await oracle.read.latest([ATPI]))[0]).to.equal(honest);
    });
  });

  describe("circuit breaker", () => {
    it("C28: a move beyond breakerBps is held (FixingHeld), not stored; a confirmation round after breakerDelay stores it", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const start = T0 - DAY;
      await oracle.write.postFixing(await round(oracle, three(wad("3")), start));
      const moved = wad("2.6"); // -13.3 %
      await viem.assertions.emitWithArgs(
        oracle.write.postFixing(await round(oracle, three(moved), start + HOUR)),
        oracle,
        "FixingHeld",
        [ATPI, start + HOUR, moved, wad("3"), start + 2n * HOUR, owner],
      );
      expect(await oracle.read.latest([ATPI])).to.deep.equal([wad("3"), start]);
      expect(await oracle.read.heldFixing([ATPI])).to.deep.equal([moved, start + HOUR, start + 2n * HOUR]);
      // The same round again: not newer than the held one.
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(await round(oracle, three(moved), start + HOUR)),
        oracle,
        "TimestampNotNewer",
        [ATPI, start + HOUR, start + HOUR],
      );
      // A round before the delay is over updates the hold (its start stays), stores nothing.
      const early = wad("2.61");
      await viem.assertions.emitWithArgs(
        oracle.write.postFixing(await round(oracle, three(early), start + HOUR + 1800n)),
        oracle,
        "FixingHeld",
        [ATPI, start + HOUR + 1800n, early, wad("3"), start + 2n * HOUR, owner],
      );
      expect((await oracle.read.latest([ATPI]))[1]).to.equal(start);
      // At held start + breakerDelay, a round within breakerBps of the held value confirms and is stored.
      const confirm = wad("2.62");
      await viem.assertions.emitWithArgs(
        oracle.write.postFixing(await round(oracle, three(confirm), start + 2n * HOUR)),
        oracle,
        "FixingPosted",
        [ATPI, start + 2n * HOUR, confirm, 1, (v: Hex) => v.length === 66, 3n, owner],
      );
      expect(await oracle.read.latest([ATPI])).to.deep.equal([confirm, start + 2n * HOUR]);
      expect(await oracle.read.heldFixing([ATPI])).to.deep.equal([0n, 0n, 0n]);
    });

    it("C28: the bundled March 2025 repricing (-18 %) posts one confirmation round (>= 1 h) later", async () => {
      const [def, history] = await Promise.all([loadIndexDefinition("ATPI"), loadHistory()]);
      const valueAt = (i: number) => {
        const snap = history.snapshots[i]!;
        const r = computeFixing(def, [{ time: snap.time, quotes: snap.quotes }], snap.time);
        if (!r.ok) throw new Error(`no fixing on ${snap.date}`);
        return r.fixing.value;
      };
      const repricing = history.snapshots.findIndex((s) => s.date === "2025-03-23");
      expect(repricing).to.be.greaterThan(0);
      const before = valueAt(repricing - 1);
      const after = valueAt(repricing);
      expect(Number((after * 10_000n) / before) / 100).to.be.within(81, 83); // -18 %

      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const start = T0 - DAY;
      await oracle.write.postFixing(await round(oracle, three(before), start));
      await oracle.write.postFixing(await round(oracle, three(after), start + HOUR));
      expect((await oracle.read.latest([ATPI]))[0]).to.equal(before);
      // The next hourly round (keepers post it once breakerDelay has passed) stores the new level.
      await oracle.write.postFixing(await round(oracle, three(after), start + 2n * HOUR));
      expect(await oracle.read.latest([ATPI])).to.deep.equal([after, start + 2n * HOUR]);
    });

    it("C28: a round back within breakerBps of the stored value is stored and drops the hold; a new jump restarts it", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const start = T0 - DAY;
      await oracle.write.postFixing(await round(oracle, three(wad("3")), start));
      await oracle.write.postFixing(await round(oracle, three(wad("30")), start + HOUR)); // x10 glitch: held
      // A round at +25 % of the held level and +150 % of the stored one: a new hold, starting now.
      await oracle.write.postFixing(await round(oracle, three(wad("7.5")), start + 3n * HOUR));
      expect(await oracle.read.heldFixing([ATPI])).to.deep.equal([wad("7.5"), start + 3n * HOUR, start + 4n * HOUR]);
      await oracle.write.postFixing(await round(oracle, three(wad("3.1")), start + 4n * HOUR));
      expect(await oracle.read.latest([ATPI])).to.deep.equal([wad("3.1"), start + 4n * HOUR]);
      expect(await oracle.read.heldFixing([ATPI])).to.deep.equal([0n, 0n, 0n]);
    });

    it("C28: every operator signing stores a move at once when n > quorum; with n == quorum it is held", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const start = T0 - DAY;
      await oracle.write.postFixing(await round(oracle, three(wad("3")), start));
      await oracle.write.postFixing(await round(oracle, [wad("2"), wad("2"), wad("2"), wad("2")], start + 60n));
      expect(await oracle.read.latest([ATPI])).to.deep.equal([wad("2"), start + 60n]);

      // 3 operators, f = 1: quorum 3 = n, so "every operator" is a bare quorum and does not bypass the breaker.
      await oracle.write.removeOperator([ATPI, operators[3]!.address]);
      expect(await oracle.read.quorum([ATPI])).to.equal(3n);
      await oracle.write.postFixing(await round(oracle, three(wad("3")), start + 120n));
      expect(await oracle.read.latest([ATPI])).to.deep.equal([wad("2"), start + 60n]);
      expect((await oracle.read.heldFixing([ATPI]))[0]).to.equal(wad("3"));
    });
  });

  describe("setters", () => {
    it("C28: setFaultTolerance / setSpreadTolerance / setBreaker emit caller, old and new; no-ops and unsafe values revert", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      await oracle.write.addOperator([ATPI, operators[4]!.address]); // 5 operators
      await viem.assertions.emitWithArgs(oracle.write.setFaultTolerance([ATPI, 2]), oracle, "FaultToleranceUpdated", [
        ATPI, owner, 1, 2, 5n,
      ]);
      expect(await oracle.read.quorum([ATPI])).to.equal(5n);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setFaultTolerance([ATPI, 2]), oracle, "FaultToleranceUnchanged", [ATPI, 2n]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setFaultTolerance([ATPI, 3]), oracle, "NotEnoughOperators", [ATPI, 5n, 3n]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.removeOperator([ATPI, operators[0]!.address]),
        oracle,
        "NotEnoughOperators",
        [ATPI, 4n, 2n],
      );

      await viem.assertions.emitWithArgs(oracle.write.setSpreadTolerance([ATPI, 25]), oracle, "SpreadToleranceUpdated", [ATPI, owner, 50, 25]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setSpreadTolerance([ATPI, 25]), oracle, "SpreadToleranceUnchanged", [ATPI, 25n]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setSpreadTolerance([ATPI, 10_001]), oracle, "SpreadTooLarge", [10_001n, 10_000n]);

      await viem.assertions.emitWithArgs(oracle.write.setBreaker([ATPI, 2_000, 7_200]), oracle, "BreakerUpdated", [
        ATPI, owner, 1_000, 3_600, 2_000, 7_200,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setBreaker([ATPI, 2_000, 7_200]), oracle, "BreakerUnchanged", [ATPI, 2_000n, 7_200n]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.setBreaker([ATPI, 0, 7_200]), oracle, "InvalidBreaker", [0n, 7_200n]);
      expect(await oracle.read.tolerances([ATPI])).to.deep.equal([2, 25, 2_000, 7_200]);
    });
  });

  describe("verifyFixing", () => {
    it("C28: returns what postFixing stores, for past rounds; a round the breaker holds verifies, whatever is stored later (no breaker: a time-independent verdict); reverts like postFixing", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const start = T0 - DAY;
      const first = await round(oracle, [wad("3"), wad("3.001"), wad("3.002")], start);
      expect(await oracle.read.verifyFixing(first)).to.equal(wad("3.001"));
      await oracle.write.postFixing(first);
      expect((await oracle.read.latest([ATPI]))[0]).to.equal(wad("3.001"));
      // Still verifiable once older than the latest. A -50 % round of a bare quorum, which the breaker holds,
      // verifies before and after it is held (the consumer bounds it: settlement clamps to the last mark +- limit).
      expect(await oracle.read.verifyFixing(first)).to.equal(wad("3.001"));
      const crash = await round(oracle, three(wad("1.5")), start + HOUR);
      expect(await oracle.read.verifyFixing(crash)).to.equal(wad("1.5"));

      const bad = [
        { args: await round(oracle, [wad("3"), wad("3")], start + HOUR), error: "TooFewSignatures" },
        { args: await round(oracle, [wad("3"), wad("3"), wad("3.1")], start + HOUR), error: "ObservationsDisagree" },
        { args: await round(oracle, three(wad("3")), T0 + 10n * HOUR), error: "TimestampInFuture" },
      ] as const;
      for (const { args, error } of bad) {
        await viem.assertions.revertWithCustomError(oracle.read.verifyFixing(args), oracle, error);
        await viem.assertions.revertWithCustomError(oracle.write.postFixing(args), oracle, error);
      }
      const dup = await round(oracle, three(wad("3")), start + HOUR);
      const duplicated = [dup[0], dup[1], dup[2], dup[3], [dup[4][0]!, dup[4][0]!, dup[4][1]!]] as const;
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.read.verifyFixing(duplicated), oracle, "DuplicateSigner", [ATPI, operators[0]!.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.write.postFixing(duplicated), oracle, "DuplicateSigner", [ATPI, operators[0]!.address]);
      await oracle.write.postFixing(crash);
      expect((await oracle.read.heldFixing([ATPI]))[0]).to.equal(wad("1.5"));
      expect((await oracle.read.latest([ATPI]))[0]).to.equal(wad("3.001"));
      expect(await oracle.read.verifyFixing(crash)).to.equal(wad("1.5"));
    });
  });
});
