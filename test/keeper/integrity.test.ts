/**
 * K07 / C28: the checks an operator runs on its own value before signing it (keeper/oracle/integrity.ts), with the
 * real numbers: the March 2025 repricing (-18.18 %, 3.4378125 -> 2.8128125) passes the default 50 % limit vs the
 * last fixing; a whole source x1000 or x0.001 does not, neither vs the last fixing nor vs the peers.
 */
import { expect } from "chai";
import fc from "fast-check";
import { checkBeforeSigning, consistentSubset, deviationBps, peerReference } from "../../keeper/oracle/integrity.js";

const E18 = 10n ** 18n;
const BEFORE = 3_437_812_500_000_000_000n; // ATPI 2025-03-23
const AFTER = 2_812_812_500_000_000_000n; // ATPI 2025-03-24
const LIMITS = { maxMoveVsLastBps: 5_000, maxPeerDeviationBps: 50 };

describe("K07: integrity checks before signing", () => {
  it("deviationBps is |a-b|/min(a,b) rounded up, symmetric, and reads x1000 and x0.001 alike", () => {
    expect(deviationBps(AFTER, BEFORE)).to.equal(2_222n); // -18.18 % = 22.22 % of the lower value
    expect(deviationBps(BEFORE, AFTER)).to.equal(2_222n);
    expect(deviationBps(BEFORE * 1000n, BEFORE)).to.equal(9_990_000n);
    expect(deviationBps(BEFORE / 1000n, BEFORE)).to.equal(9_990_000n);
    expect(deviationBps(E18, E18)).to.equal(0n);
    expect(deviationBps(10_001n, 10_000n)).to.equal(1n);
    expect(deviationBps(1_000_001n, 1_000_000n)).to.equal(1n); // rounded up: a tiny deviation is never 0
    expect(() => deviationBps(0n, 1n)).to.throw(/positive/);
  });

  it("the real -18 % repricing is signed; x1000 and x0.001 of the same value are refused vs the last fixing", () => {
    const ok = checkBeforeSigning({ own: AFTER, lastFixing: BEFORE, peers: [AFTER, AFTER], peersConfigured: true, limits: LIMITS });
    expect(ok.sign).to.equal(true);
    for (const own of [AFTER * 1000n, AFTER / 1000n]) {
      const v = checkBeforeSigning({ own, lastFixing: BEFORE, peers: [], peersConfigured: true, limits: LIMITS });
      expect(v.sign).to.equal(false);
      if (v.sign || !("refused" in v)) throw new Error("not refused");
      expect(v.refused).to.include({ reference: "last_fixing", own, referenceValue: BEFORE, limitBps: 5_000 });
      expect(v.refused.deviationBps > 5_000n).to.equal(true);
    }
  });

  it("no on-chain fixing yet: compared with the peers; with no peer value it waits (unless it has no peers at all)", () => {
    const bad = checkBeforeSigning({ own: AFTER * 1000n, lastFixing: 0n, peers: [AFTER, AFTER, AFTER], peersConfigured: true, limits: LIMITS });
    if (bad.sign || !("refused" in bad)) throw new Error("not refused");
    expect(bad.refused).to.include({ reference: "peers", referenceValue: AFTER });
    const good = checkBeforeSigning({ own: AFTER, lastFixing: 0n, peers: [AFTER, AFTER * 1000n], peersConfigured: true, limits: LIMITS });
    expect(good).to.deep.equal({ sign: true, checks: [{ reference: "peers", own: AFTER, referenceValue: AFTER, deviationBps: 0n, limitBps: 50 }] });
    expect(checkBeforeSigning({ own: AFTER, lastFixing: 0n, peers: [], peersConfigured: true, limits: LIMITS })).to.deep.equal({ sign: false, waiting: "no_reference", checks: [] });
    expect(checkBeforeSigning({ own: AFTER, lastFixing: 0n, peers: [], peersConfigured: false, limits: LIMITS })).to.deep.equal({ sign: true, checks: [] });
  });

  it("a small disagreement with the peers beyond the spread limit is refused even when the move vs the last fixing is fine", () => {
    const own = (AFTER * 10_200n) / 10_000n; // +2 %
    const v = checkBeforeSigning({ own, lastFixing: BEFORE, peers: [AFTER, AFTER, AFTER], peersConfigured: true, limits: LIMITS });
    if (v.sign || !("refused" in v)) throw new Error("not refused");
    expect(v.refused.reference).to.equal("peers");
    expect(v.checks.map((c) => c.reference)).to.deep.equal(["last_fixing", "peers"]);
  });

  it("peerReference: the median; of two middle values the one nearer the own value", () => {
    expect(peerReference(5n, [])).to.equal(undefined);
    expect(peerReference(5n, [9n, 1n, 4n])).to.equal(4n);
    expect(peerReference(5n, [1000n, 5n])).to.equal(5n);
    expect(peerReference(1000n, [5n, 5n])).to.equal(5n);
    expect(peerReference(1000n, [5n, 5n, 5n, 1000n])).to.equal(5n);
  });

  it("property: an honest value among honest peers is signed whatever one faulty peer serves; a x1000 or x0.001 own value never is", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: E18 / 1000n, max: 1000n * E18 }), // the honest level
        fc.bigInt({ min: 1n, max: 10n ** 30n }), // the faulty peer's value
        fc.integer({ min: 2, max: 8 }), // honest peers
        fc.boolean(), // x1000 or x0.001
        (honest, faulty, n, up) => {
          const peers = [...Array<bigint>(n).fill(honest), faulty];
          expect(checkBeforeSigning({ own: honest, lastFixing: 0n, peers, peersConfigured: true, limits: LIMITS }).sign).to.equal(true);
          const wrong = up ? honest * 1000n : honest / 1000n;
          for (const lastFixing of [0n, honest]) {
            expect(checkBeforeSigning({ own: wrong, lastFixing, peers, peersConfigured: true, limits: LIMITS }).sign).to.equal(false);
          }
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it("consistentSubset: the largest run within the spread, independent of the input order", () => {
    const o = (value: bigint, signer: string) => ({ value, signer });
    const set = [o(100n, "a"), o(101n, "b"), o(100n, "c"), o(150n, "d"), o(1n, "e")];
    const chosen = consistentSubset(set, 100).map((x) => x.signer);
    expect(chosen).to.deep.equal(["a", "c", "b"]);
    fc.assert(
      fc.property(fc.shuffledSubarray(set, { minLength: set.length, maxLength: set.length }), (shuffled) => {
        expect(consistentSubset(shuffled, 100).map((x) => x.signer)).to.deep.equal(chosen);
      }),
      { seed: 5, numRuns: 100 },
    );
    expect(consistentSubset([], 100)).to.deep.equal([]);
    expect(consistentSubset([o(1n, "x"), o(1000n, "y")], 100).map((x) => x.signer)).to.deep.equal(["x"]); // tie: the lower run
  });
});
