import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import {
  type Address,
  type Hex,
  concat,
  encodeFunctionData,
  getAddress,
  getContract,
  hashDomain,
  keccak256,
  numberToHex,
  pad,
  parseUnits,
  stringToHex,
  toHex,
} from "viem";
import { type LocalAccount, privateKeyToAccount } from "viem/accounts";
import {
  type SignedObservation,
  buildPostFixingArgs,
  indexIdFromName,
  observationDigest,
  operatorsHash,
  oracleDomain,
  signObservation,
} from "../../sdk/oracle.js";
import { indexOracleAbi } from "../../sdk/abi/IndexOracle.js";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const [ownerWallet, otherWallet] = await viem.getWalletClients();
if (!ownerWallet || !otherWallet) throw new Error("oracle tests need two wallet clients");
const chainId = await publicClient.getChainId();

const ATPI = indexIdFromName("ATPI");
const MIN = parseUnits("0.01", 18);
const MAX = parseUnits("1000", 18);
const SKEW = 300;
const VERSION = 1;
/** Fixed start time for the chain (2033-05-18), so fixings have stable timestamps. */
const T0 = 2_000_000_000n;
/** secp256k1 group order and half of it. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N / 2n;

/** 33 deterministic operator accounts (the 33rd to overflow MAX_OPERATORS). */
const accounts: LocalAccount[] = Array.from({ length: 33 }, (_, i) =>
  privateKeyToAccount(keccak256(stringToHex(`tokenfutures-oracle-test-operator-${i}`))),
);
const addressesOf = (list: readonly LocalAccount[]): Address[] => list.map((a) => a.address);
const firstOperators = (count: number): LocalAccount[] => accounts.slice(0, count);

/**
 * Index parameters of the fixture: f = 1, wide spread and breaker (10,000 bps) so the median tests can use values
 * far apart; `ATPI_DEFAULTS` are the deployment defaults (scripts/lib/deploy.ts) for the tolerance tests.
 */
const PARAMS = { minValue: MIN, maxValue: MAX, maxFutureSkew: SKEW, faultTolerance: 1, maxSpreadBps: 10_000, breakerBps: 10_000, breakerDelay: 3_600 };
const ATPI_DEFAULTS = { ...PARAMS, maxSpreadBps: 50, breakerBps: 1_000 };

/** A new IndexOracle owned by the first wallet, typed through the SDK's committed ABI. */
async function deployOracle() {
  const { address } = await viem.deployContract("IndexOracle", [ownerWallet!.account.address]);
  return getContract({ address, abi: indexOracleAbi, client: { public: publicClient, wallet: ownerWallet! } });
}

type Oracle = Awaited<ReturnType<typeof deployOracle>>;

/** Deployment with ATPI registered to the first 5 operators (f = 1, quorum 3), at time T0. */
async function deployFixture() {
  await networkHelpers.time.increaseTo(T0);
  const oracle = await deployOracle();
  await oracle.write.createIndex([ATPI, PARAMS, addressesOf(firstOperators(5))]);
  return { oracle };
}

/** Each signer signs its value for the round (indexId, timestamp, VERSION); inputs hashes differ per signer. */
async function signRound(
  oracle: Oracle,
  signers: readonly LocalAccount[],
  values: readonly bigint[],
  timestamp: bigint,
  options: { indexId?: Hex; domainChainId?: number; verifyingContract?: Address } = {},
): Promise<SignedObservation[]> {
  return Promise.all(
    signers.map((account, i) =>
      signObservation(account, options.domainChainId ?? chainId, options.verifyingContract ?? oracle.address, {
        indexId: options.indexId ?? ATPI,
        timestamp,
        methodologyVersion: VERSION,
        value: values[i] ?? values[0] ?? 0n,
        inputsHash: keccak256(stringToHex(`inputs-${account.address}-${timestamp}`)),
      }),
    ),
  );
}

/** postFixing's observations argument, in the given order (no sorting, no filtering). */
const asArg = (signed: readonly SignedObservation[]) =>
  signed.map((o) => ({ value: o.value, inputsHash: o.inputsHash, r: o.r, vs: o.vs }));

const registered = async (oracle: Oracle, indexId: Hex = ATPI) => [...(await oracle.read.operators([indexId]))];

async function latestTimestamp(): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest());
}

describe("IndexOracle", () => {
  describe("posting", () => {
    it("stores the median of an odd count and emits FixingPosted with the middle inputsHash", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const values = ["2.4", "2.0", "2.3", "2.1", "2.2"].map((v) => parseUnits(v, 18));
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(5), values, ts);
      const args = buildPostFixingArgs(await registered(oracle), signed);
      const middle = signed.find((o) => o.value === parseUnits("2.2", 18))!;

      await viem.assertions.emitWithArgs(oracle.write.postFixing(args), oracle, "FixingPosted", [
        ATPI,
        ts,
        parseUnits("2.2", 18),
        VERSION,
        middle.inputsHash,
        5n,
        ownerWallet.account.address,
      ]);
      expect(await oracle.read.latest([ATPI])).to.deep.equal([parseUnits("2.2", 18), ts]);
      expect(await oracle.read.latestFixing([ATPI])).to.deep.equal({
        value: parseUnits("2.2", 18),
        timestamp: ts,
        methodologyVersion: VERSION,
      });
    });

    it("stores the mean of the two middle values, rounded down, for an even count (lower-middle inputsHash)", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      await oracle.write.addOperator([ATPI, accounts[5]!.address]); // 6 operators, quorum 4
      const values = [19n * 10n ** 17n, 2n * 10n ** 18n + 1n, 2n * 10n ** 18n + 4n, 21n * 10n ** 17n];
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(4), values, ts);
      const args = buildPostFixingArgs(await registered(oracle), signed);

      await viem.assertions.emitWithArgs(oracle.write.postFixing(args), oracle, "FixingPosted", [
        ATPI,
        ts,
        2n * 10n ** 18n + 2n, // (2e18 + 1 + 2e18 + 4) / 2 = 2e18 + 2.5, rounded down
        VERSION,
        signed[1]!.inputsHash,
        4n,
        ownerWallet.account.address,
      ]);
    });

    it("accepts the maximum of 32 operators, all signing", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      for (const account of accounts.slice(5, 32)) await oracle.write.addOperator([ATPI, account.address]);
      expect(await oracle.read.quorum([ATPI])).to.equal(17n);
      const values = Array.from({ length: 32 }, (_, i) => parseUnits("2", 18) + BigInt(i));
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(32), values, ts);
      await oracle.write.postFixing(buildPostFixingArgs(await registered(oracle), signed));
      // Median of 2e18 + 0..31: mean of 2e18 + 15 and 2e18 + 16, rounded down.
      expect((await oracle.read.latest([ATPI]))[0]).to.equal(parseUnits("2", 18) + 15n);
    });
  });

  describe("C01 chain id binding", () => {
    it("C01: a fixing signed for another chain id is rejected; the domain separator matches this chain's", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      expect(await oracle.read.DOMAIN_SEPARATOR()).to.equal(hashDomain({
        domain: oracleDomain(chainId, oracle.address),
        types: { EIP712Domain: [
          { name: "name", type: "string" },
          { name: "version", type: "string" },
          { name: "chainId", type: "uint256" },
          { name: "verifyingContract", type: "address" },
        ] },
      }));
      const ts = (await latestTimestamp()) - 60n;
      const otherChain = await signRound(oracle, firstOperators(3), [parseUnits("2", 18)], ts, { domainChainId: 1 });
      await viem.assertions.revertWithCustomError(
        oracle.write.postFixing(buildPostFixingArgs(await registered(oracle), otherChain)),
        oracle,
        "UnknownSigner",
      );
    });
  });

  describe("C02 contract binding", () => {
    it("C02: a fixing signed for one deployment is rejected by another with the same operators", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const twin = await deployOracle();
      await twin.write.createIndex([ATPI, PARAMS, addressesOf(firstOperators(5))]);
      const ts = (await latestTimestamp()) - 60n;
      const forOracle = await signRound(oracle, firstOperators(3), [parseUnits("2", 18)], ts);
      const args = buildPostFixingArgs(await registered(oracle), forOracle);

      await viem.assertions.revertWithCustomError(twin.write.postFixing(args), twin, "UnknownSigner");
      await oracle.write.postFixing(args);
      expect((await oracle.read.latest([ATPI]))[1]).to.equal(ts);
    });
  });

  describe("C03 EIP-712 encoding", () => {
    it("C03: OBSERVATION_TYPEHASH is the keccak of the canonical type string", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      expect(await oracle.read.OBSERVATION_TYPEHASH()).to.equal(
        keccak256(
          stringToHex(
            "Observation(bytes32 indexId,uint64 timestamp,uint32 methodologyVersion,uint256 value,bytes32 inputsHash)",
          ),
        ),
      );
    });

    it("C03: the SDK digest equals the on-chain observationDigest for 300 fuzzed observations (seed 2026)", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b));
      await fc.assert(
        fc.asyncProperty(
          bytes32,
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
          bytes32,
          async (indexId, timestamp, methodologyVersion, value, inputsHash) => {
            const o = { indexId, timestamp, methodologyVersion, value, inputsHash };
            const onChain = await oracle.read.observationDigest([indexId, timestamp, methodologyVersion, value, inputsHash]);
            expect(onChain).to.equal(observationDigest(chainId, oracle.address, o));
          },
        ),
        { seed: 2026, numRuns: 300 },
      );
    });
  });

  describe("C04 signature malleability", () => {
    /** Address the raw ecrecover precompile gives (no low-s rule), through this chain. */
    async function rawRecover(digest: Hex, v: bigint, r: Hex, s: bigint): Promise<Address> {
      const { data } = await publicClient.call({
        to: "0x0000000000000000000000000000000000000001",
        data: concat([digest, pad(numberToHex(v)), r, pad(numberToHex(s))]),
      });
      if (!data || data === "0x") return "0x0000000000000000000000000000000000000000";
      return `0x${data.slice(26)}` as Address;
    }

    it("C04: a high-s signature is rejected, its low-s twin from the same signer accepted", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const index = indexIdFromName("MALLEABLE");
      const ts = (await latestTimestamp()) - 60n;
      const value = parseUnits("2", 18);
      const inputsHash = keccak256(stringToHex("inputs"));
      const digest = await oracle.read.observationDigest([index, ts, VERSION, value, inputsHash]);
      // r from a real signature (a valid x-coordinate); s in (n/2, 2^255) so it fits the compact form.
      const [real] = await signRound(oracle, firstOperators(1), [value], ts);
      const highS = HALF_N + 12345n;
      const signer = await rawRecover(digest, 27n, real!.r, highS);
      await oracle.write.createIndex([index, { ...PARAMS, faultTolerance: 0 }, [signer]]);

      const high = { value, inputsHash, r: real!.r, vs: pad(numberToHex(highS)) };
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing([index, ts, VERSION, [signer], [high]]),
        oracle,
        "InvalidSignature",
        [0n],
      );
      const lowTwin = { ...high, vs: pad(numberToHex((1n << 255n) | (N - highS))) }; // v flipped to 28
      await oracle.write.postFixing([index, ts, VERSION, [signer], [lowTwin]]);
      expect((await oracle.read.latest([index]))[0]).to.equal(value);
    });

    it("C04: flipping the v bit of a compact signature recovers a stranger: UnknownSigner", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(3), [parseUnits("2", 18)], ts);
      const observations = asArg(signed);
      observations[0] = { ...observations[0]!, vs: toHex(BigInt(observations[0]!.vs) ^ (1n << 255n), { size: 32 }) };
      await viem.assertions.revertWithCustomError(
        oracle.write.postFixing([ATPI, ts, VERSION, await registered(oracle), observations]),
        oracle,
        "UnknownSigner",
      );
    });

    it("C04: a signature that recovers to address(0) (r = 0) is rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const observations = asArg(await signRound(oracle, firstOperators(3), [parseUnits("2", 18)], ts));
      observations[2] = { ...observations[2]!, r: pad("0x00") };
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing([ATPI, ts, VERSION, await registered(oracle), observations]),
        oracle,
        "InvalidSignature",
        [2n],
      );
    });
  });

  describe("C10 zero, stale, non-monotonic and out-of-range values", () => {
    it("C10: a zero value is rejected (every value must lie within the bounds, min > 0)", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(3), [0n, parseUnits("2", 18), parseUnits("2", 18)], ts);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(await registered(oracle), signed)),
        oracle,
        "ValueOutOfBounds",
        [ATPI, 0n, MIN, MAX],
      );
    });

    it("C10: one value beyond a bound is rejected even when the median is inside", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(3), [MIN, MIN, MAX + 1n], ts);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(await registered(oracle), signed)),
        oracle,
        "ValueOutOfBounds",
        [ATPI, MAX + 1n, MIN, MAX],
      );
    });

    it("C10: a timestamp equal to or older than the last fixing's is rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const ops = await registered(oracle);
      await oracle.write.postFixing(buildPostFixingArgs(ops, await signRound(oracle, firstOperators(3), [MIN], ts)));
      for (const stale of [ts, ts - 1n]) {
        const signed = await signRound(oracle, firstOperators(3), [MIN + 1n], stale);
        await viem.assertions.revertWithCustomErrorWithArgs(
          oracle.write.postFixing(buildPostFixingArgs(ops, signed)),
          oracle,
          "TimestampNotNewer",
          [ATPI, stale, ts],
        );
      }
    });

    it("C10: a timestamp beyond block time + skew is rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) + 3600n;
      const signed = await signRound(oracle, firstOperators(3), [MIN], ts);
      await viem.assertions.revertWithCustomError(
        oracle.write.postFixing(buildPostFixingArgs(await registered(oracle), signed)),
        oracle,
        "TimestampInFuture",
      );
    });

    it("C10: values below the minimum or above the maximum are rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const ops = await registered(oracle);
      for (const value of [MIN - 1n, MAX + 1n]) {
        const signed = await signRound(oracle, firstOperators(3), [value], ts);
        await viem.assertions.revertWithCustomErrorWithArgs(
          oracle.write.postFixing(buildPostFixingArgs(ops, signed)),
          oracle,
          "ValueOutOfBounds",
          [ATPI, value, MIN, MAX],
        );
      }
      // Both bounds are inclusive.
      await oracle.write.postFixing(buildPostFixingArgs(ops, await signRound(oracle, firstOperators(3), [MIN], ts)));
      await oracle.write.postFixing(
        buildPostFixingArgs(ops, await signRound(oracle, firstOperators(3), [MAX], ts + 1n)),
      );
    });

    it("C10: reads revert with NoFixing before the first fixing and StaleFixing once older than maxAge", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(oracle.read.latest([ATPI]), oracle, "NoFixing", [ATPI]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.read.latestFresh([ATPI, 3600n]),
        oracle,
        "NoFixing",
        [ATPI],
      );
      const ts = await latestTimestamp();
      await oracle.write.postFixing(
        buildPostFixingArgs(await registered(oracle), await signRound(oracle, firstOperators(3), [MIN], ts)),
      );
      await networkHelpers.time.increaseTo(ts + 3600n);
      expect(await oracle.read.latestFresh([ATPI, 3600n])).to.deep.equal([MIN, ts]);
      await networkHelpers.time.increaseTo(ts + 3601n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.read.latestFresh([ATPI, 3600n]),
        oracle,
        "StaleFixing",
        [ATPI, 3601n, 3600n],
      );
    });
  });

  describe("C11 quorum, distinct signers, order", () => {
    it("C11: the same operator twice is rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const [a, b] = await signRound(oracle, firstOperators(2), [MIN], ts);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing([ATPI, ts, VERSION, await registered(oracle), asArg([a!, b!, a!])]),
        oracle,
        "DuplicateSigner",
        [ATPI, a!.signer],
      );
    });

    it("C11: fewer signatures than the quorum max(2f + 1, n / 2 + 1) of ALL registered operators is rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const ops = await registered(oracle);
      const two = await signRound(oracle, firstOperators(2), [MIN], ts);
      // 5 registered: 2 signatures are a majority of those submitted but not of the operators.
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(ops, two)),
        oracle,
        "TooFewSignatures",
        [ATPI, 2n, 3n],
      );
      // Nor can the poster shrink the operator list to the two signers.
      const signersOnly = ops.slice(0, 2);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(signersOnly, two)),
        oracle,
        "OperatorSetMismatch",
        [ATPI, operatorsHash(ops), operatorsHash(signersOnly)],
      );
    });

    it("C11: observations not in ascending value order are rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const values = [MIN, MIN + 2n, MIN + 1n];
      const signed = await signRound(oracle, firstOperators(3), values, ts);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing([ATPI, ts, VERSION, await registered(oracle), asArg(signed)]),
        oracle,
        "ObservationsNotSorted",
        [2n, MIN + 2n, MIN + 1n],
      );
    });

    it("C11: a signature by an unregistered key is rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const signers = [accounts[0]!, accounts[1]!, accounts[20]!];
      const signed = await signRound(oracle, signers, [MIN], ts);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing([ATPI, ts, VERSION, await registered(oracle), asArg(signed)]),
        oracle,
        "UnknownSigner",
        [ATPI, accounts[20]!.address],
      );
    });
  });

  describe("C23 timestamp boundary (oracle part)", () => {
    it("C23: timestamp = block.timestamp + skew is accepted, + skew + 1 is rejected", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ops = await registered(oracle);
      const blockTime = (await latestTimestamp()) + 100n;
      const late = await signRound(oracle, firstOperators(3), [MIN], blockTime + BigInt(SKEW) + 1n);
      await networkHelpers.time.setNextBlockTimestamp(blockTime);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(ops, late)),
        oracle,
        "TimestampInFuture",
        [ATPI, blockTime + BigInt(SKEW) + 1n, blockTime, SKEW],
      );

      const edge = await signRound(oracle, firstOperators(3), [MIN], blockTime + BigInt(SKEW));
      await networkHelpers.time.setNextBlockTimestamp(blockTime);
      await oracle.write.postFixing(buildPostFixingArgs(ops, edge));
      expect((await oracle.read.latest([ATPI]))[1]).to.equal(blockTime + BigInt(SKEW));
    });
  });

  describe("operator set", () => {
    it("emits OperatorAdded / OperatorRemoved with the new count and quorum, and keeps the list hash", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const newcomer = accounts[5]!.address;
      await viem.assertions.emitWithArgs(oracle.write.addOperator([ATPI, newcomer]), oracle, "OperatorAdded", [
        ATPI,
        newcomer,
        getAddress(ownerWallet.account.address),
        6n,
        4n,
      ]);
      expect(await oracle.read.isOperator([ATPI, newcomer])).to.equal(true);
      const removed = accounts[1]!.address;
      await viem.assertions.emitWithArgs(oracle.write.removeOperator([ATPI, removed]), oracle, "OperatorRemoved", [
        ATPI,
        removed,
        getAddress(ownerWallet.account.address),
        5n,
        3n,
      ]);
      expect(await oracle.read.isOperator([ATPI, removed])).to.equal(false);
      // The last operator took the removed one's place.
      const ops = await registered(oracle);
      expect(ops).to.deep.equal([0, 5, 2, 3, 4].map((i) => accounts[i]!.address));
      const [, , , count, hash] = await oracle.read.indexConfig([ATPI]);
      expect(count).to.equal(5);
      expect(hash).to.equal(operatorsHash(ops));
    });

    it("a post built on the operator list from before a change reverts OperatorSetMismatch", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const before = await registered(oracle);
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(3), [MIN], ts);
      await oracle.write.addOperator([ATPI, accounts[5]!.address]);
      const after = await registered(oracle);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(before, signed)),
        oracle,
        "OperatorSetMismatch",
        [ATPI, operatorsHash(after), operatorsHash(before)],
      );
      // 6 operators now need 4 signatures: the same 3 no longer suffice even with the new list.
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(after, signed)),
        oracle,
        "TooFewSignatures",
        [ATPI, 3n, 4n],
      );
    });

    it("a removed operator's signature no longer counts", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      await oracle.write.removeOperator([ATPI, accounts[0]!.address]);
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(3), [MIN], ts);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing([ATPI, ts, VERSION, await registered(oracle), asArg(signed)]),
        oracle,
        "UnknownSigner",
        [ATPI, accounts[0]!.address],
      );
    });

    it("C28: never leaves fewer than 2f + 1 operators (NotEnoughOperators), and rejects bad operator changes", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      for (const account of firstOperators(2)) await oracle.write.removeOperator([ATPI, account.address]);
      expect(await oracle.read.quorum([ATPI])).to.equal(3n); // 3 operators, f = 1: every one must sign
      const last = accounts[4]!.address;
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.removeOperator([ATPI, last]),
        oracle,
        "NotEnoughOperators",
        [ATPI, 2n, 1n],
      );
      // With f = 0 the index may shrink to a single operator, never to none.
      await oracle.write.setFaultTolerance([ATPI, 0]);
      for (const i of [2, 3]) await oracle.write.removeOperator([ATPI, accounts[i]!.address]);
      expect(await oracle.read.quorum([ATPI])).to.equal(1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.removeOperator([ATPI, last]),
        oracle,
        "NotEnoughOperators",
        [ATPI, 0n, 0n],
      );
      const stranger = accounts[20]!.address;
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.removeOperator([ATPI, stranger]),
        oracle,
        "NotAnOperator",
        [ATPI, stranger],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.addOperator([ATPI, last]),
        oracle,
        "OperatorAlreadyRegistered",
        [ATPI, last],
      );
      await viem.assertions.revertWithCustomError(
        oracle.write.addOperator([ATPI, "0x0000000000000000000000000000000000000000"]),
        oracle,
        "ZeroAddress",
      );
    });

    it("caps an index at MAX_OPERATORS = 32", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      expect(await oracle.read.MAX_OPERATORS()).to.equal(32n);
      for (const account of accounts.slice(5, 32)) await oracle.write.addOperator([ATPI, account.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.addOperator([ATPI, accounts[32]!.address]),
        oracle,
        "TooManyOperators",
        [ATPI, 33n, 32n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.createIndex([indexIdFromName("BIG"), PARAMS, addressesOf(accounts)]),
        oracle,
        "TooManyOperators",
        [indexIdFromName("BIG"), 33n, 32n],
      );
    });
  });

  describe("index administration", () => {
    it("createIndex emits IndexCreated then OperatorAdded, and validates its inputs", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const id = indexIdFromName("ATPI-CODE");
      const ops = addressesOf(firstOperators(4));
      const owner = getAddress(ownerWallet.account.address);
      const tx = oracle.write.createIndex([id, { ...ATPI_DEFAULTS, maxFutureSkew: 60 }, ops]);
      await viem.assertions.emitWithArgs(tx, oracle, "IndexCreated", [id, owner, MIN, MAX, 60, 1, 50, 1_000, 3_600]);
      await viem.assertions.emitWithArgs(tx, oracle, "OperatorAdded", [id, ops[3]!, owner, 4n, 3n]);
      expect(await oracle.read.indexConfig([id])).to.deep.equal([MIN, MAX, 60, 4, operatorsHash(ops)]);
      expect(await oracle.read.tolerances([id])).to.deep.equal([1, 50, 1_000, 3_600]);
      expect(await oracle.read.quorum([id])).to.equal(3n);

      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.createIndex([ATPI, PARAMS, ops]),
        oracle,
        "IndexAlreadyExists",
        [ATPI],
      );
      const fresh = indexIdFromName("FRESH");
      for (const [min, max] of [[0n, MAX], [MAX, MIN]] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          oracle.write.createIndex([fresh, { ...PARAMS, minValue: min, maxValue: max }, ops]),
          oracle,
          "InvalidBounds",
          [min, max],
        );
      }
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.createIndex([fresh, { ...PARAMS, maxFutureSkew: 3601 }, ops]),
        oracle,
        "SkewTooLarge",
        [3601n, 3600n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.createIndex([fresh, { ...PARAMS, maxSpreadBps: 10_001 }, ops]),
        oracle,
        "SpreadTooLarge",
        [10_001n, 10_000n],
      );
      for (const [bps, delay] of [[0, 60], [10_001, 60], [1_000, 86_401]] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          oracle.write.createIndex([fresh, { ...PARAMS, breakerBps: bps, breakerDelay: delay }, ops]),
          oracle,
          "InvalidBreaker",
          [BigInt(bps), BigInt(delay)],
        );
      }
      // n >= 2f + 1: no operators at all, or 4 operators for f = 2, are refused.
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.createIndex([fresh, PARAMS, []]),
        oracle,
        "NotEnoughOperators",
        [fresh, 0n, 1n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.createIndex([fresh, { ...PARAMS, faultTolerance: 2 }, ops]),
        oracle,
        "NotEnoughOperators",
        [fresh, 4n, 2n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.createIndex([fresh, PARAMS, [ops[0]!, ops[0]!, ops[1]!]]),
        oracle,
        "OperatorAlreadyRegistered",
        [fresh, ops[0]!],
      );
    });

    it("setBounds emits BoundsUpdated, rejects a no-op and invalid bounds, and applies to the next post", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const newMax = parseUnits("5", 18);
      await viem.assertions.emitWithArgs(oracle.write.setBounds([ATPI, MIN, newMax]), oracle, "BoundsUpdated", [
        ATPI,
        getAddress(ownerWallet.account.address),
        MIN,
        MAX,
        MIN,
        newMax,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.setBounds([ATPI, MIN, newMax]),
        oracle,
        "BoundsUnchanged",
        [ATPI, MIN, newMax],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.setBounds([ATPI, 0n, newMax]),
        oracle,
        "InvalidBounds",
        [0n, newMax],
      );
      const ts = (await latestTimestamp()) - 60n;
      const signed = await signRound(oracle, firstOperators(3), [newMax + 1n], ts);
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.postFixing(buildPostFixingArgs(await registered(oracle), signed)),
        oracle,
        "ValueOutOfBounds",
        [ATPI, newMax + 1n, MIN, newMax],
      );
    });

    it("every index-specific call on an unknown index reverts UnknownIndex", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const unknown = indexIdFromName("NOPE");
      const ts = (await latestTimestamp()) - 60n;
      const calls = [
        () => oracle.write.setBounds([unknown, MIN, MAX]),
        () => oracle.write.addOperator([unknown, accounts[0]!.address]),
        () => oracle.write.removeOperator([unknown, accounts[0]!.address]),
        () => oracle.write.setFaultTolerance([unknown, 1]),
        () => oracle.write.setSpreadTolerance([unknown, 10]),
        () => oracle.write.setBreaker([unknown, 10, 10]),
        () => oracle.write.postFixing([unknown, ts, VERSION, [], []]),
        () => oracle.read.verifyFixing([unknown, ts, VERSION, [], []]),
        () => oracle.read.quorum([unknown]),
        () => oracle.read.indexConfig([unknown]),
        () => oracle.read.tolerances([unknown]),
      ];
      for (const call of calls) {
        await viem.assertions.revertWithCustomErrorWithArgs(call(), oracle, "UnknownIndex", [unknown]);
      }
    });

    it("every admin function reverts for a non-owner (OwnableUnauthorizedAccount)", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const as = { account: otherWallet.account };
      const calls = [
        () => oracle.write.createIndex([indexIdFromName("X"), PARAMS, addressesOf(firstOperators(3))], as),
        () => oracle.write.setBounds([ATPI, MIN, MAX - 1n], as),
        () => oracle.write.setFaultTolerance([ATPI, 2], as),
        () => oracle.write.setSpreadTolerance([ATPI, 10], as),
        () => oracle.write.setBreaker([ATPI, 10, 10], as),
        () => oracle.write.addOperator([ATPI, accounts[5]!.address], as),
        () => oracle.write.removeOperator([ATPI, accounts[0]!.address], as),
        () => oracle.write.transferOwnership([otherWallet.account.address], as),
        () => oracle.write.renounceOwnership(as),
      ];
      for (const call of calls) {
        await viem.assertions.revertWithCustomErrorWithArgs(call(), oracle, "OwnableUnauthorizedAccount", [
          otherWallet.account.address,
        ]);
      }
    });

    it("ownership moves only when the new owner accepts (Ownable2Step)", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      await oracle.write.transferOwnership([otherWallet.account.address]);
      expect((await oracle.read.owner()).toLowerCase()).to.equal(ownerWallet.account.address.toLowerCase());
      await oracle.write.acceptOwnership({ account: otherWallet.account });
      expect((await oracle.read.owner()).toLowerCase()).to.equal(otherWallet.account.address.toLowerCase());
      await viem.assertions.revertWithCustomErrorWithArgs(
        oracle.write.addOperator([ATPI, accounts[5]!.address]),
        oracle,
        "OwnableUnauthorizedAccount",
        [ownerWallet.account.address],
      );
    });
  });

  describe("reads", () => {
    it("latest/latestFresh cost the same gas whatever the number of fixings and operators (O(1))", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ops = await registered(oracle);
      const gasOf = (data: Hex) => publicClient.estimateGas({ to: oracle.address, data });
      const readGas = async (indexId: Hex) => ({
        latest: await gasOf(encodeFunctionData({ abi: indexOracleAbi, functionName: "latest", args: [indexId] })),
        fresh: await gasOf(
          encodeFunctionData({ abi: indexOracleAbi, functionName: "latestFresh", args: [indexId, 10n ** 9n] }),
        ),
      });
      const start = (await latestTimestamp()) - 1000n;
      await oracle.write.postFixing(buildPostFixingArgs(ops, await signRound(oracle, firstOperators(3), [MIN], start)));
      const afterOne = await readGas(ATPI);
      for (let i = 1n; i <= 5n; i++) {
        await oracle.write.postFixing(
          buildPostFixingArgs(ops, await signRound(oracle, firstOperators(3), [MIN + i], start + i)),
        );
      }
      expect(await readGas(ATPI)).to.deep.equal(afterOne);

      // An index id of the same byte length with 32 operators reads at the same cost.
      const big = indexIdFromName("ATPX");
      await oracle.write.createIndex([big, PARAMS, addressesOf(accounts.slice(0, 32))]);
      const bigSigned = await signRound(oracle, firstOperators(17), [MIN], start, { indexId: big });
      await oracle.write.postFixing(buildPostFixingArgs(await registered(oracle, big), bigSigned));
      expect(await readGas(big)).to.deep.equal(afterOne);
    });
  });

  describe("SDK round trip", () => {
    it("buildPostFixingArgs drops unregistered and repeated signers and sorts by value", async () => {
      const { oracle } = await networkHelpers.loadFixture(deployFixture);
      const ts = (await latestTimestamp()) - 60n;
      const values = [MIN + 30n, MIN + 10n, MIN + 20n];
      const signed = await signRound(oracle, firstOperators(3), values, ts);
      const stranger = await signRound(oracle, [accounts[25]!], [MIN], ts);
      const args = buildPostFixingArgs(await registered(oracle), [...signed, ...stranger, signed[0]!]);
      expect(args[4].map((o) => o.value)).to.deep.equal([MIN + 10n, MIN + 20n, MIN + 30n]);
      await oracle.write.postFixing(args);
      expect((await oracle.read.latest([ATPI]))[0]).to.equal(MIN + 20n);
    });
  });
});
